/* The forward of a fully connected layer, y = x W^T + b, on weights packed once (per training
 * step, or once for a run of inference calls): BLIS-style, the loops here (simd/dense.c), the
 * register tile per instruction set (simd/isa.h). Unlike the GEMM it packs nothing per call, so a
 * single image costs only its arithmetic and one pass over the weights.
 *
 * Layouts (row-major): x [M][K] (row stride ldx), W [N][K] as PyTorch holds it, packed
 * "transposed" wt [K][N], y [M][N] (row stride ldy). N must be a multiple of DENSE_COL_STEP.
 *
 * Determinism: every y value is bias + the products over k = 0 .. K-1 added in order, one
 * rounding per multiply-add, whatever the tile it falls in: any split of the rows or columns
 * gives the same bits (on one instruction set). */
#ifndef MNIST_SIMD_DENSE_H
#define MNIST_SIMD_DENSE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { DENSE_COL_STEP = 64, DENSE_KC = 256 };

/* wt[k][n] = w[n][k] for the rows [n0, n0 + n) of w (a split of the rows packs the same). */
void dense_pack(const float *w, int N, int K, int n0, int n, float *wt);

/* y[m][n] = bias[n] + sum_k x[m][k] * wt[k][n] for m < M and the columns [n0, n0 + n) (n0 and n
 * multiples of DENSE_COL_STEP; N = the row length of wt). k runs in blocks of DENSE_KC so that a
 * block of the weights stays in cache while every row tile uses it; the running sums wait in y
 * between blocks, exactly as they were, so the blocking changes no bits. */
void dense_forward(int M, int K, int N, int n0, int n, const float *x, ptrdiff_t ldx,
                   const float *wt, const float *bias, float *y, ptrdiff_t ldy);

/* The plain loops (all columns): the spec the kernels are tested against. */
void dense_forward_reference(int M, int K, int N, const float *x, ptrdiff_t ldx, const float *wt,
                             const float *bias, float *y, ptrdiff_t ldy);

#ifdef __cplusplus
}
#endif

#endif
