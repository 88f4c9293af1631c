/* simd/dense.h on every instruction set this CPU runs, against the plain loops: the forward and
 * the weight gradient on fc1's shapes (one image, a batch of 64, the input gradient's
 * 64 x 128 x 3136) and awkward ones (rows that do not fill a tile, K = 1, an odd number of 32-column
 * blocks); and the splits the engine relies on give the same bits: rows one call at a time, a
 * column block on its own. The weight gradient summed in the tree over leaves of 4 rows: close to
 * the plain loops, and the same bits as aligned blocks of leaves summed apart and then added in
 * the tree (what processes sharing a batch do). */
#include "common/tree_sum.h"
#include "simd/dense.h"
#include "simd/isa.h"
#include "tests/check.h"
#include "tests/simd/random_data.h"

#include <string.h>

typedef struct { int M, K, N; } DenseShape;

static const DenseShape shapes[] = {
    {1, 3136, 128}, {64, 3136, 128}, {64, 128, 3136}, {13, 100, 64}, {7, 1, 96}, {5, 37, 160},
};

static void one_shape(const IsaDesc *isa, const DenseShape *d)
{
    const int M = d->M, K = d->K, N = d->N;
    float *x = buf((size_t)M * K), *w = buf((size_t)N * K), *wt = buf((size_t)N * K);
    float *bias = buf((size_t)N), *y = buf((size_t)M * N), *ref = buf((size_t)M * N);
    float *part = buf((size_t)M * N);
    for (size_t i = 0; i < (size_t)M * K; i++) x[i] = rnd();
    for (size_t i = 0; i < (size_t)N * K; i++) w[i] = rnd();
    for (int j = 0; j < N; j++) bias[j] = rnd();
    char what[64];
    snprintf(what, sizeof what, "%s M=%d K=%d N=%d", isa->name, M, K, N);

    dense_pack(w, N, K, 0, N / 2, wt);
    dense_pack(w, N, K, N / 2, N - N / 2, wt);
    int packed = 1;
    for (int j = 0; j < N; j++)
        for (int k = 0; k < K; k++) packed &= wt[(size_t)k * N + j] == w[(size_t)j * K + k];
    CHECK(packed, "%s: packing is not the transpose", what);

    dense_forward(M, K, N, 0, N, x, K, wt, bias, y, N);
    dense_forward_reference(M, K, N, x, K, wt, bias, ref, N);
    CHECK(close_all(what, y, ref, (size_t)M * N, 1e-5), "%s: differs from the plain loops", what);

    for (int m = 0; m < M; m++)
        dense_forward(1, K, N, 0, N, x + (size_t)m * K, K, wt, bias, part + (size_t)m * N, N);
    CHECK(memcmp(part, y, sizeof(float) * M * N) == 0, "%s: one row at a time changed bits", what);
    memset(part, 0, sizeof(float) * M * N);
    for (int n0 = 0; n0 < N; n0 += DENSE_COL_STEP)
        dense_forward(M, K, N, n0, DENSE_COL_STEP, x, K, wt, bias, part, N);
    CHECK(memcmp(part, y, sizeof(float) * M * N) == 0, "%s: column blocks changed bits", what);

    /* weight gradient: dw [K][N] = x^T y for x [M][K], y [M][N] (the y above) */
    float *dw = buf((size_t)K * N), *dwref = buf((size_t)K * N), *dwpart = buf((size_t)K * N);
    dense_weight_grad(M, x, K, 0, K, y, N, 0, N, dw, N);
    dense_weight_grad_reference(M, K, N, x, K, y, N, dwref, N);
    CHECK(close_all(what, dw, dwref, (size_t)K * N, 1e-5), "%s: weight gradient differs", what);
    for (int n0 = 0; n0 < N; n0 += DENSE_COL_STEP)
        dense_weight_grad(M, x, K, 0, K / 2, y, N, n0, DENSE_COL_STEP, dwpart, N),
        dense_weight_grad(M, x, K, K / 2, K - K / 2, y, N, n0, DENSE_COL_STEP, dwpart, N);
    CHECK(memcmp(dwpart, dw, sizeof(float) * K * N) == 0, "%s: blocks of dw changed bits", what);

    /* in the tree: the whole, then 2 and 4 aligned blocks of leaves apart (the last may be short
     * or empty), their sums added in the tree */
    enum { LEAF = 4 };
    const int leaves = (M + LEAF - 1) / LEAF, pow2 = tree_leaves_pow2(leaves);
    dense_weight_grad_tree(M, LEAF, x, K, 0, K, y, N, 0, N, dw, N);
    CHECK(close_all(what, dw, dwref, (size_t)K * N, 1e-5), "%s: tree weight gradient differs", what);
    for (int parts = 2; parts <= 4 && parts <= pow2; parts *= 2) {
        const int rows = pow2 / parts * LEAF;
        float *nodes = buf((size_t)parts * K * N);
        int filled = 0;
        for (int p = 0; p < parts && p * rows < M; p++, filled++) {
            const int m = M - p * rows < rows ? M - p * rows : rows;
            dense_weight_grad_tree(m, LEAF, x + (size_t)p * rows * K, K, 0, K,
                                   y + (size_t)p * rows * N, N, 0, N, nodes + (size_t)p * K * N, N);
        }
        tree_sum_floats(nodes, filled, (size_t)K * N, 0, (size_t)K * N);
        CHECK(memcmp(nodes, dw, sizeof(float) * K * N) == 0,
              "%s: %d blocks of leaves summed apart changed bits", what, parts);
        free(nodes);
    }
    free(x), free(w), free(wt), free(bias), free(y), free(ref), free(part);
    free(dw), free(dwref), free(dwpart);
}

static void all_shapes(const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        printf("# %s not supported here: nothing to test\n", isa->name);
        return;
    }
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) one_shape(isa, &shapes[k]);
}

int main(void)
{
    for (int i = 0; isa_list[i]; i++) {
        char name[64];
        snprintf(name, sizeof name, "dense forward = plain loops, %s", isa_list[i]->name);
        RUN_AS(name, all_shapes(isa_list[i]));
    }
    return check_done();
}
