/* simd/pool.h on every instruction set this CPU runs, against plain loops written here from the
 * definitions (BatchNorm as an affine, ReLU, 2x2 max-pool with the first maximum on ties, and the
 * backward passes through the winners), on the model's shapes and awkward ones, with ties made
 * on purpose; output into a padded buffer leaves its rim alone. The claims the engine relies on:
 * every set gives the same bits, and splitting the images across calls changes nothing. */
#include "simd/isa.h"
#include "simd/pool.h"
#include "tests/check.h"
#include "tests/simd/random_data.h"

#include <string.h>

static const PoolShape shapes[] = {
    {2, 28, 28, 32}, {3, 14, 14, 64}, {3, 6, 10, 16}, {1, 2, 2, 48}, {2, 4, 6, 256},
};

/* Values on a coarse grid, half of them negative: ReLU makes many zeros and the grid makes
 * equal values, so windows with ties are common. */
static float grid(void) { return (float)(int)(rnd() * 8.0f) * 0.25f; }

typedef struct {
    float *out, *dq, *dx;
    uint8_t *win;
    double *sums, *sum_dx;
} Results;

/* The plain loops for one shape: pooled out + winners, dq + sums, dx + sum_dx. */
static void reference(const PoolShape *p, const float *in, const float *scale, const float *shift,
                      const float *dout, const float *mean, const BnBackward *bn, Results *r)
{
    const int C = p->C, H = p->H, W = p->W, OH = H / 2, OW = W / 2;
    for (int s = 0; s < p->S; s++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++)
                for (int c = 0; c < C; c++) {
                    const size_t o = (((size_t)s * OH + oy) * OW + ox) * C + c;
                    float best = 0;
                    int arg = 0;
                    for (int j = 0; j < 4; j++) {
                        const size_t i = (((size_t)s * H + 2 * oy + j / 2) * W + 2 * ox + j % 2) * C + c;
                        float v = in[i] * scale[c] + shift[c];
                        v = v > 0 ? v : 0;
                        if (j == 0 || v > best) best = v, arg = j;
                    }
                    r->out[o] = best;
                    r->win[o] = (uint8_t)arg;
                    const size_t iw = (((size_t)s * H + 2 * oy + arg / 2) * W + 2 * ox + arg % 2) * C + c;
                    const float dq = best > 0 ? dout[o] : 0;
                    r->dq[o] = dq;
                    r->sums[c] += dq;
                    r->sums[C + c] += (double)dq * (in[iw] - mean[c]);
                    for (int j = 0; j < 4; j++) {
                        const size_t i = (((size_t)s * H + 2 * oy + j / 2) * W + 2 * ox + j % 2) * C + c;
                        const float dy = j == arg ? dq : 0;
                        r->dx[i] = bn->k_dy[c] * dy + bn->k_x[c] * (in[i] - bn->mean[c]) + bn->k_0[c];
                        r->sum_dx[c] += r->dx[i];
                    }
                }
}

static void alloc_results(Results *r, size_t npool, size_t nfull, int C)
{
    r->out = buf(npool), r->dq = buf(npool), r->dx = buf(nfull);
    r->win = calloc(npool, 1);
    r->sums = calloc(2 * (size_t)C, sizeof(double)), r->sum_dx = calloc((size_t)C, sizeof(double));
}

static void free_results(Results *r)
{
    free(r->out), free(r->dq), free(r->dx), free(r->win), free(r->sums), free(r->sum_dx);
}

/* The three passes over images [s0, s0 + S) of shape p, writing into r (the pooled output through
 * a padded buffer `pad`, copied out to r->out). */
static void run_passes(const PoolShape *p, int s0, int S, const float *in, const float *scale,
                       const float *shift, const float *dout, const float *mean,
                       const BnBackward *bn, float *pad, Results *r)
{
    const int C = p->C, OH = p->H / 2, OW = p->W / 2;
    const PoolShape q = {S, p->H, p->W, C};
    const size_t full = (size_t)p->H * p->W * C, pooled = (size_t)OH * OW * C;
    const ImageStrides ps = image_strides_padded(OH, OW, C), cs = image_strides(OH, OW, C);
    float *pad0 = pad + s0 * ps.img + ps.row + C;
    bn_relu_pool_forward(&q, in + s0 * full, scale, shift, pad0, ps, r->win + s0 * pooled);
    for (int s = 0; s < S; s++)
        for (int y = 0; y < OH; y++)
            memcpy(r->out + (s0 + s) * pooled + (size_t)y * OW * C, pad0 + s * ps.img + y * ps.row,
                   sizeof(float) * OW * C);
    relu_pool_backward_bn_sums(&q, dout + s0 * pooled, cs, pad0, ps, r->win + s0 * pooled,
                               in + s0 * full, mean, r->dq + s0 * pooled, r->sums);
    unpool_bn_backward_sum_dx(&q, r->dq + s0 * pooled, r->win + s0 * pooled, in + s0 * full, bn,
                              r->dx + s0 * full, image_strides(p->H, p->W, C), r->sum_dx);
}

static int same_doubles(const double *a, const double *b, int n, double tol)
{
    for (int i = 0; i < n; i++)
        if (!(fabs(a[i] - b[i]) <= tol * (fabs(b[i]) + 1))) return 0;
    return 1;
}

static void one_shape(const IsaDesc *isa, const PoolShape *p, Results *first)
{
    const int C = p->C;
    const size_t nfull = (size_t)p->S * p->H * p->W * C, npool = nfull / 4;
    const ImageStrides ps = image_strides_padded(p->H / 2, p->W / 2, C);
    float *in = buf(nfull), *dout = buf(npool), *pad = buf((size_t)p->S * ps.img);
    float *par = buf(7 * (size_t)C);
    float *scale = par, *shift = par + C, *mean = par + 2 * C, *kdy = par + 3 * C,
          *kx = par + 4 * C, *k0 = par + 5 * C, *bmean = par + 6 * C;
    for (size_t i = 0; i < nfull; i++) in[i] = grid();
    for (size_t i = 0; i < npool; i++) dout[i] = rnd();
    for (int c = 0; c < C; c++)
        scale[c] = 1 + rnd(), shift[c] = rnd(), mean[c] = rnd(), kdy[c] = 1 + rnd(),
        kx[c] = rnd() * 0.1f, k0[c] = rnd() * 0.1f, bmean[c] = rnd();
    const BnBackward bn = {kdy, kx, k0, bmean};
    char what[96];
    snprintf(what, sizeof what, "%s S=%d %dx%d C=%d", isa->name, p->S, p->H, p->W, C);

    Results got, ref, split;
    alloc_results(&got, npool, nfull, C), alloc_results(&ref, npool, nfull, C);
    alloc_results(&split, npool, nfull, C);
    reference(p, in, scale, shift, dout, mean, &bn, &ref);
    run_passes(p, 0, p->S, in, scale, shift, dout, mean, &bn, pad, &got);
    CHECK(memcmp(got.win, ref.win, npool) == 0, "%s: winners differ", what);
    CHECK(memcmp(got.out, ref.out, npool * sizeof(float)) == 0, "%s: pooled values differ", what);
    CHECK(memcmp(got.dq, ref.dq, npool * sizeof(float)) == 0, "%s: dq differs", what);
    CHECK(same_doubles(got.sums, ref.sums, 2 * C, 1e-5), "%s: BatchNorm sums differ", what);
    CHECK(close_all(what, got.dx, ref.dx, nfull, 1e-6), "%s: dx differs", what);
    CHECK(same_doubles(got.sum_dx, ref.sum_dx, C, 1e-5), "%s: sum of dx differs", what);
    int rim = 1;
    for (int s = 0; s < p->S; s++)
        for (int y = 0; y < p->H / 2 + 2; y++)
            for (int x = 0; x < p->W / 2 + 2; x++)
                if (y == 0 || x == 0 || y == p->H / 2 + 1 || x == p->W / 2 + 1)
                    for (int c = 0; c < C; c++) rim &= pad[s * ps.img + y * ps.row + x * C + c] == 0;
    CHECK(rim, "%s: the padded output's rim was written", what);

    for (int s = 0; s < p->S; s++)
        run_passes(p, s, 1, in, scale, shift, dout, mean, &bn, pad, &split);
    CHECK(memcmp(split.dx, got.dx, nfull * sizeof(float)) == 0 &&
              memcmp(split.sums, got.sums, 2 * C * sizeof(double)) == 0 &&
              memcmp(split.sum_dx, got.sum_dx, C * sizeof(double)) == 0,
          "%s: one image at a time changed bits", what);
    if (!first->dx) {
        *first = got;   /* the first set's results, kept for the others to match */
    } else {
        CHECK(memcmp(first->dx, got.dx, nfull * sizeof(float)) == 0 &&
                  memcmp(first->sums, got.sums, 2 * C * sizeof(double)) == 0 &&
                  memcmp(first->sum_dx, got.sum_dx, C * sizeof(double)) == 0,
              "%s: not the same bits as %s", what, isa_list[0]->name);
        free_results(&got);
    }
    free_results(&ref), free_results(&split);
    free(in), free(dout), free(pad), free(par);
}

enum { N_SHAPES = sizeof shapes / sizeof shapes[0] };
static Results firsts[N_SHAPES];

static void all_shapes(const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        printf("# %s not supported here: nothing to test\n", isa->name);
        return;
    }
    for (int k = 0; k < N_SHAPES; k++) {
        rng_state = 777u + (unsigned)k;   /* the same data for every set */
        one_shape(isa, &shapes[k], &firsts[k]);
    }
}

int main(void)
{
    for (int i = 0; isa_list[i]; i++) {
        char name[80];
        snprintf(name, sizeof name, "pooling passes = plain loops, same bits as %s, %s",
                 isa_list[0]->name, isa_list[i]->name);
        RUN_AS(name, all_shapes(isa_list[i]));
    }
    for (int k = 0; k < N_SHAPES; k++) free_results(&firsts[k]);
    return check_done();
}
