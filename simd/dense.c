/* The loops around the dense register tile (see dense.h): column blocks of dense_cb, rows in
 * tiles of at most dense_rows; each tile runs over all of k, so the weights stream through once
 * per row tile. */
#include "simd/dense.h"
#include "simd/isa.h"
#include "simd/pack.h"

void dense_pack(const float *w, int N, int K, int n0, int n, float *wt)
{
    transpose_into(w + (ptrdiff_t)n0 * K, K, n, K, wt + n0, N);
}

void dense_forward(int M, int K, int N, int n0, int n, const float *x, ptrdiff_t ldx,
                   const float *wt, const float *bias, float *y, ptrdiff_t ldy)
{
    const IsaDesc *isa = isa_current();
    const int cb = isa->dense_cb, rows = isa->dense_rows;
    for (int c = n0; c < n0 + n; c += cb)
        for (int k0 = 0; k0 < K; k0 += DENSE_KC)
            for (int r = 0; r < M; r += rows)
                isa->dense_tile(K - k0 < DENSE_KC ? K - k0 : DENSE_KC, x + (ptrdiff_t)r * ldx + k0,
                                ldx, M - r < rows ? M - r : rows, wt + (ptrdiff_t)k0 * N + c, N,
                                k0 == 0 ? bias + c : NULL, y + (ptrdiff_t)r * ldy + c, ldy);
}

void dense_forward_reference(int M, int K, int N, const float *x, ptrdiff_t ldx, const float *wt,
                             const float *bias, float *y, ptrdiff_t ldy)
{
    for (int m = 0; m < M; m++)
        for (int j = 0; j < N; j++) {
            double acc = bias[j];
            for (int k = 0; k < K; k++) acc += (double)x[(ptrdiff_t)m * ldx + k] * wt[(ptrdiff_t)k * N + j];
            y[(ptrdiff_t)m * ldy + j] = (float)acc;
        }
}
