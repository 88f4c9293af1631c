/* sgemm against sgemm_reference / an exact double-precision product, for every ISA this CPU
 * supports, plus the determinism property of gemm.h (row/column splits bitwise equal).
 *
 * Two kinds of data:
 *  - "exact": small integers (and power-of-two alpha/beta), so every product and partial sum is
 *    exact in float; sgemm must then equal sgemm_reference bit for bit. Catches any indexing,
 *    packing, transpose, edge-tile or beta bug regardless of size.
 *  - "float": uniform [-1, 1) data, compared with the product computed in double. Tolerance:
 *    |C - exact| <= (K + 4) * FLT_EPSILON * (|alpha| * sum_k |a_ik||b_kj| + |beta| |C0_ij|),
 *    i.e. twice the worst-case bound for K sequential float multiply-adds plus the epilogue.
 * Every case also checks that C outside the M x N block (the ldc padding) is untouched. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "simd/gemm.h"
#include "simd/isa.h"
#include "tests/check.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float rnd_float(void) { return (float)((double)rnd_u32() / 4294967296.0 * 2.0 - 1.0); }
static float rnd_small_int(int r) { return (float)((int)(rnd_u32() % (uint32_t)(2 * r + 1)) - r); }

static const IsaDesc *isas[16];
static int n_isas;

/* Packing buffers: one for the serial calls, one per thread of the threaded test. */
enum { PACK_SETS = 5 };
static float *packs[PACK_SETS];
static float *pack_for(int t) { return packs[t < PACK_SETS ? t : 0]; }

static const float SENTINEL = 12345.5f;

typedef struct {
    bool ta, tb;
    int M, N, K;
    float alpha, beta;
    int pad; /* extra leading-dimension elements for A, B and C */
} Case;

typedef struct {
    float *A, *B, *C0;
    int lda, ldb, ldc;
    size_t na, nb, nc;
} Operands;

static void make_operands(const Case *c, bool exact, Operands *o)
{
    const int ar = c->ta ? c->K : c->M, ac = c->ta ? c->M : c->K;
    const int br = c->tb ? c->N : c->K, bc = c->tb ? c->K : c->N;
    o->lda = ac + c->pad;
    o->ldb = bc + c->pad;
    o->ldc = c->N + c->pad;
    o->na = (size_t)ar * o->lda + 1;
    o->nb = (size_t)br * o->ldb + 1;
    o->nc = (size_t)c->M * o->ldc + 1;
    o->A = malloc(o->na * sizeof(float));
    o->B = malloc(o->nb * sizeof(float));
    o->C0 = malloc(o->nc * sizeof(float));
    for (size_t i = 0; i < o->na; i++) o->A[i] = exact ? rnd_small_int(3) : rnd_float();
    for (size_t i = 0; i < o->nb; i++) o->B[i] = exact ? rnd_small_int(3) : rnd_float();
    for (size_t i = 0; i < o->nc; i++) o->C0[i] = SENTINEL;
    for (int i = 0; i < c->M; i++)
        for (int j = 0; j < c->N; j++)
            o->C0[(size_t)i * o->ldc + j] =
                c->beta == 0.0f ? NAN : (exact ? rnd_small_int(4) : rnd_float());
}

static void free_operands(Operands *o)
{
    free(o->A);
    free(o->B);
    free(o->C0);
}

static double op_a(const Case *c, const Operands *o, int i, int k)
{
    return c->ta ? o->A[(size_t)k * o->lda + i] : o->A[(size_t)i * o->lda + k];
}
static double op_b(const Case *c, const Operands *o, int k, int j)
{
    return c->tb ? o->B[(size_t)j * o->ldb + k] : o->B[(size_t)k * o->ldb + j];
}

/* Run one case on every supported ISA; returns the number of bad elements. */
static void run_case(const Case *c, bool exact)
{
    Operands o;
    make_operands(c, exact, &o);
    const size_t mn = (size_t)c->M * c->N;
    float *ref = malloc(o.nc * sizeof(float));
    double *exact_v = NULL, *bound = NULL;
    memcpy(ref, o.C0, o.nc * sizeof(float));
    if (exact) {
        sgemm_reference(c->ta, c->tb, c->M, c->N, c->K, c->alpha, o.A, o.lda, o.B, o.ldb, c->beta,
                        ref, o.ldc);
    } else {
        exact_v = malloc(mn * sizeof(double));
        bound = malloc(mn * sizeof(double));
        for (int i = 0; i < c->M; i++)
            for (int j = 0; j < c->N; j++) {
                double s = 0, sa = 0;
                for (int k = 0; k < c->K; k++) {
                    const double p = op_a(c, &o, i, k) * op_b(c, &o, k, j);
                    s += p;
                    sa += fabs(p);
                }
                const double c0 = c->beta == 0.0f ? 0.0 : o.C0[(size_t)i * o.ldc + j];
                exact_v[(size_t)i * c->N + j] = c->alpha * s + c->beta * c0;
                bound[(size_t)i * c->N + j] = (c->K + 4) * (double)FLT_EPSILON *
                                              (fabs(c->alpha) * sa + fabs(c->beta * c0));
            }
    }
    float *C = malloc(o.nc * sizeof(float));
    for (int t = 0; t < n_isas; t++) {
        CHECK(isa_set(isas[t]) == 0, "isa_set(%s)", isa_name(isas[t]));
        memcpy(C, o.C0, o.nc * sizeof(float));
        sgemm(c->ta, c->tb, c->M, c->N, c->K, c->alpha, o.A, o.lda, o.B, o.ldb, c->beta, C, o.ldc, pack_for(0));
        long bad = 0, bad_pad = 0;
        for (int i = 0; i < c->M; i++)
            for (int j = 0; j < o.ldc; j++) {
                const size_t idx = (size_t)i * o.ldc + j;
                if (j >= c->N) {
                    bad_pad += memcmp(&C[idx], &SENTINEL, sizeof(float)) != 0;
                    continue;
                }
                int ok;
                if (exact) {
                    ok = C[idx] == ref[idx];
                } else {
                    const size_t e = (size_t)i * c->N + j;
                    ok = fabs((double)C[idx] - exact_v[e]) <= bound[e];
                }
                if (!ok && bad++ < 3)
                    CHECK(ok, "%s %s%s %dx%dx%d alpha=%g beta=%g pad=%d: C[%d][%d] = %.9g, want %.9g",
                          isa_name(isas[t]), c->ta ? "T" : "N", c->tb ? "T" : "N", c->M, c->N,
                          c->K, c->alpha, c->beta, c->pad, i, j, C[idx],
                          exact ? ref[idx] : exact_v[(size_t)i * c->N + j]);
            }
        bad_pad += memcmp(&C[o.nc - 1], &SENTINEL, sizeof(float)) != 0;
        CHECK(bad == 0, "%s %dx%dx%d: %ld bad elements", isa_name(isas[t]), c->M, c->N, c->K, bad);
        CHECK(bad_pad == 0, "%s %dx%dx%d: %ld elements outside C written", isa_name(isas[t]), c->M,
              c->N, c->K, bad_pad);
    }
    free(C);
    free(ref);
    free(exact_v);
    free(bound);
    free_operands(&o);
}

static void run_all_trans(int M, int N, int K, float alpha, float beta, int pad, bool exact)
{
    for (int t = 0; t < 4; t++) {
        const Case c = {t & 1, t >> 1, M, N, K, alpha, beta, pad};
        run_case(&c, exact);
    }
}

static const int small_shapes[][3] = {
    {1, 1, 1},  {2, 3, 1},    {1, 50, 3},    {50, 1, 3},   {7, 13, 5},  {14, 32, 8},
    {6, 16, 7}, {4, 16, 3},   {15, 33, 9},   {13, 31, 17}, {29, 65, 2}, {37, 61, 129},
    {8, 32, 5},  {9, 33, 4},  {4, 8, 3},     {5, 7, 256},  {9, 11, 257}, {17, 33, 769},
    {3, 100, 1000},
};
enum { N_SMALL = sizeof small_shapes / sizeof small_shapes[0] };

static void test_small_exact(void)
{
    static const float ab[][2] = {{1, 0}, {1, 1}, {-1, 0.5f}, {0.5f, 2}, {2, -1}};
    for (int s = 0; s < N_SMALL; s++)
        for (int v = 0; v < 5; v++)
            run_all_trans(small_shapes[s][0], small_shapes[s][1], small_shapes[s][2], ab[v][0],
                          ab[v][1], 0, true);
}

static void test_small_float(void)
{
    for (int s = 0; s < N_SMALL; s++) {
        run_all_trans(small_shapes[s][0], small_shapes[s][1], small_shapes[s][2], 1.0f, 0.0f, 0,
                      false);
        run_all_trans(small_shapes[s][0], small_shapes[s][1], small_shapes[s][2], -0.37f, 1.3f, 0,
                      false);
    }
}

static void test_padded_leading_dims(void)
{
    for (int s = 0; s < N_SMALL; s++)
        for (int pad = 1; pad <= 19; pad += 9) {
            run_all_trans(small_shapes[s][0], small_shapes[s][1], small_shapes[s][2], 1.0f, 0.0f,
                          pad, true);
            run_all_trans(small_shapes[s][0], small_shapes[s][1], small_shapes[s][2], 0.5f, -1.0f,
                          pad, true);
        }
}

static void test_larger_than_blocking(void)
{
    /* 300x1000x700: two k blocks. 350x2060x770: M above MC and N above NC as well. */
    const Case a = {true, false, 300, 1000, 700, 1.0f, 1.0f, 3};
    const Case b = {false, false, 350, 2060, 770, 2.0f, 0.0f, 0};
    const Case c = {false, true, 300, 1000, 700, 1.0f, 0.0f, 0};
    run_case(&a, true);
    run_case(&b, true);
    run_case(&c, false);
}

/* The model's GEMMs: M, N, K, trans_a, trans_b. */
static const int model_shapes[][5] = {
    {64, 784, 288, 0, 0},  /* conv2 forward */
    {64, 288, 784, 0, 1},  /* conv2 weight grad */
    {288, 784, 64, 1, 0},  /* conv2 input grad */
    {32, 3136, 9, 0, 0},   /* conv1 forward */
    {64, 128, 3136, 0, 1}, /* fc1 forward */
    {128, 3136, 64, 1, 0}, /* fc1 weight grad */
    {64, 3136, 128, 0, 0}, /* fc1 input grad */
};
enum { N_MODEL = sizeof model_shapes / sizeof model_shapes[0] };

static void test_model_shapes(void)
{
    for (int s = 0; s < N_MODEL; s++) {
        const int *m = model_shapes[s];
        const Case f0 = {m[3], m[4], m[0], m[1], m[2], 1.0f, 0.0f, 0};
        const Case f1 = {m[3], m[4], m[0], m[1], m[2], 1.0f, 1.0f, 0};
        const Case e = {m[3], m[4], m[0], m[1], m[2], 0.5f, 1.0f, 0};
        run_case(&f0, false);
        run_case(&f1, false);
        run_case(&e, true);
    }
}

static void test_degenerate(void)
{
    /* K == 0: C = beta * C (beta == 0: zeros, even over NaN); M or N == 0: nothing touched. */
    float C[6] = {1, 2, 3, NAN, NAN, NAN}, A[1] = {1}, B[1] = {1};
    for (int t = 0; t < n_isas; t++) {
        isa_set(isas[t]);
        float c[6];
        memcpy(c, C, sizeof c);
        sgemm(false, false, 1, 3, 0, 1.0f, A, 1, B, 3, 2.0f, c, 3, pack_for(0));
        CHECK(c[0] == 2 && c[1] == 4 && c[2] == 6, "%s K=0 beta=2: %g %g %g", isa_name(isas[t]),
              c[0], c[1], c[2]);
        sgemm(false, false, 1, 3, 0, 1.0f, A, 1, B, 3, 0.0f, c + 3, 3, pack_for(0));
        CHECK(c[3] == 0 && c[4] == 0 && c[5] == 0, "%s K=0 beta=0: %g %g %g", isa_name(isas[t]),
              c[3], c[4], c[5]);
        memcpy(c, C, sizeof c);
        sgemm(false, false, 0, 3, 1, 1.0f, A, 1, B, 3, 0.0f, c, 3, pack_for(0));
        sgemm(false, false, 2, 0, 1, 1.0f, A, 1, B, 3, 0.0f, c, 3, pack_for(0));
        CHECK(memcmp(c, C, sizeof c) == 0, "%s M or N = 0 wrote C", isa_name(isas[t]));
    }
}

/* ---- determinism: computing C in row or column blocks is bitwise the same as whole ---- */

static void check_split(const Case *c)
{
    Operands o;
    make_operands(c, false, &o);
    float *whole = malloc(o.nc * sizeof(float));
    float *part = malloc(o.nc * sizeof(float));
    static const int widths[] = {1, 7, 16, 33, 5, 64, 3};
    static const int heights[] = {3, 1, 14, 6, 20, 2, 9};
    for (int t = 0; t < n_isas; t++) {
        isa_set(isas[t]);
        memcpy(whole, o.C0, o.nc * sizeof(float));
        sgemm(c->ta, c->tb, c->M, c->N, c->K, c->alpha, o.A, o.lda, o.B, o.ldb, c->beta, whole,
              o.ldc, pack_for(0));
        for (int mode = 0; mode < 3; mode++) { /* 0 columns, 1 rows, 2 both */
            memcpy(part, o.C0, o.nc * sizeof(float));
            int wi = 0;
            for (int j0 = 0; j0 < c->N;) {
                const int nb = mode == 1 ? c->N : widths[wi++ % 7];
                const int n = c->N - j0 < nb ? c->N - j0 : nb;
                int hi = 0;
                for (int i0 = 0; i0 < c->M;) {
                    const int mb = mode == 0 ? c->M : heights[hi++ % 7];
                    const int m = c->M - i0 < mb ? c->M - i0 : mb;
                    const float *a = c->ta ? o.A + i0 : o.A + (size_t)i0 * o.lda;
                    const float *b = c->tb ? o.B + (size_t)j0 * o.ldb : o.B + j0;
                    sgemm(c->ta, c->tb, m, n, c->K, c->alpha, a, o.lda, b, o.ldb, c->beta,
                          part + (size_t)i0 * o.ldc + j0, o.ldc, pack_for(0));
                    i0 += m;
                }
                j0 += n;
            }
            long diff = 0;
            for (size_t i = 0; i < o.nc; i++) diff += memcmp(&whole[i], &part[i], sizeof(float)) != 0;
            CHECK(diff == 0, "%s %s%s %dx%dx%d beta=%g split mode %d: %ld elements differ",
                  isa_name(isas[t]), c->ta ? "T" : "N", c->tb ? "T" : "N", c->M, c->N, c->K,
                  c->beta, mode, diff);
        }
    }
    free(whole);
    free(part);
    free_operands(&o);
}

static void test_determinism_splits(void)
{
    for (int t = 0; t < 4; t++) {
        const Case a = {t & 1, t >> 1, 37, 61, 129, 1.0f, 0.0f, 0};
        const Case b = {t & 1, t >> 1, 45, 70, 800, -0.7f, 0.3f, 2};
        check_split(&a);
        check_split(&b);
    }
    for (int s = 0; s < N_MODEL; s++) {
        const int *m = model_shapes[s];
        const Case c = {m[3], m[4], m[0], m[1], m[2], 1.0f, 1.0f, 0};
        check_split(&c);
    }
}

/* ---- concurrency: sgemm from several OpenMP threads gives the serial results ---- */

static void test_threads(void)
{
    enum { NT = 8 };
    const Case cases[NT] = {
        {false, false, 64, 784, 288, 1, 0, 0}, {false, true, 64, 288, 784, 1, 0, 0},
        {true, false, 288, 784, 64, 1, 0, 0},  {false, true, 64, 128, 3136, 1, 0, 0},
        {false, false, 37, 61, 129, 1, 0, 0},  {true, true, 45, 70, 800, 1, 0, 0},
        {false, false, 350, 100, 770, 1, 0, 0}, {true, false, 7, 13, 5, 1, 0, 0},
    };
    Operands o[NT];
    float *serial[NT], *par[NT];
    for (int i = 0; i < NT; i++) {
        make_operands(&cases[i], false, &o[i]);
        serial[i] = malloc(o[i].nc * sizeof(float));
        par[i] = malloc(o[i].nc * sizeof(float));
        memcpy(par[i], o[i].C0, o[i].nc * sizeof(float));
        memcpy(serial[i], o[i].C0, o[i].nc * sizeof(float));
    }
    for (int t = 0; t < n_isas; t++) {
        isa_set(isas[t]);
        for (int i = 0; i < NT; i++) {
            const Case *c = &cases[i];
            sgemm(c->ta, c->tb, c->M, c->N, c->K, 1.0f, o[i].A, o[i].lda, o[i].B, o[i].ldb, 0.0f,
                  serial[i], o[i].ldc, pack_for(0));
        }
        long diff = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(4) reduction(+ : diff)
        for (int rep = 0; rep < 4 * NT; rep++) {
            const int i = (rep * 5) % NT;
            const Case *c = &cases[i];
            float *C = malloc(o[i].nc * sizeof(float));
            memcpy(C, o[i].C0, o[i].nc * sizeof(float));
            sgemm(c->ta, c->tb, c->M, c->N, c->K, 1.0f, o[i].A, o[i].lda, o[i].B, o[i].ldb, 0.0f,
                  C, o[i].ldc, pack_for(1 + omp_get_thread_num()));
            diff += memcmp(C, serial[i], o[i].nc * sizeof(float)) != 0;
            free(C);
        }
        CHECK(diff == 0, "%s: %ld threaded products differ from serial", isa_name(isas[t]), diff);
    }
    for (int i = 0; i < NT; i++) {
        free(serial[i]);
        free(par[i]);
        free_operands(&o[i]);
    }
}

int main(void)
{
    for (int i = 0; isa_list[i] && n_isas < 16; i++)
        if (isa_supported(isa_list[i])) isas[n_isas++] = isa_list[i];
    for (int i = 0; i < PACK_SETS; i++) packs[i] = aligned_alloc(64, GEMM_PACK_FLOATS * sizeof(float));
    printf("# testing ISAs:");
    for (int i = 0; i < n_isas; i++) printf(" %s", isa_name(isas[i]));
    printf("\n");
    RUN(test_degenerate);
    RUN(test_small_exact);
    RUN(test_small_float);
    RUN(test_padded_leading_dims);
    RUN(test_model_shapes);
    RUN(test_larger_than_blocking);
    RUN(test_determinism_splits);
    RUN(test_threads);
    return check_done();
}
