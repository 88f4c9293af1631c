/* Products of a fully connected layer with no packing per call: BLIS-style, the loops here
 * (simd/dense.c), the register tiles per instruction set (simd/isa.h).
 *
 *   dense_forward      y = x wt + b, wt [K][N]: the forward with W^T packed once (per training
 *                      step, or once for a run of inference calls), and the input gradient
 *                      dx = dy W, for which PyTorch's W [out][in] already is [K][N];
 *   dense_weight_grad  dw = x^T y: the weight gradient, sums over the rows (the batch).
 *
 * A single image costs only its arithmetic and one pass over the weights.
 * Layouts are row-major with explicit row strides; column counts and offsets are multiples of
 * DENSE_COL_STEP.
 *
 * Determinism: every output is its start value plus the products over k (or m) in order, in the
 * same arithmetic whatever tile it falls in: any split of the rows or columns gives the same bits
 * (on one instruction set). */
#ifndef MNIST_SIMD_DENSE_H
#define MNIST_SIMD_DENSE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { DENSE_COL_STEP = 32, DENSE_KC = 256 };

/* wt[k][n] = w[n][k] for the rows [n0, n0 + n) of w (a split of the rows packs the same). */
void dense_pack(const float *w, int N, int K, int n0, int n, float *wt);

/* y[m][n] = bias[n] + sum_k x[m][k] * wt[k][n] for m < M and the columns [n0, n0 + n) (n0 and n
 * multiples of DENSE_COL_STEP; N = the row length of wt). k runs in blocks of DENSE_KC so that a
 * block of the weights stays in cache while every row tile uses it; the running sums wait in y
 * between blocks, exactly as they were, so the blocking changes no bits. */
void dense_forward(int M, int K, int N, int n0, int n, const float *x, ptrdiff_t ldx,
                   const float *wt, const float *bias, float *y, ptrdiff_t ldy);

/* dw[i][j] = sum over m < M of x[m][i] * y[m][j], for i in [i0, i0 + ni) and j in [j0, j0 + nj)
 * (j0, nj multiples of DENSE_COL_STEP); dw overwritten, row stride lddw. */
void dense_weight_grad(int M, const float *x, ptrdiff_t ldx, int i0, int ni, const float *y,
                       ptrdiff_t ldy, int j0, int nj, float *dw, ptrdiff_t lddw);

/* The same sum taken over leaves of `leaf` consecutive rows (the last may be shorter), each
 * leaf's rows in order, the leaves added in the tree of common/tree_sum.h: any split of the rows
 * into aligned blocks of leaves, summed apart and then in the same tree, gives these bits (a batch
 * shared out between processes). */
void dense_weight_grad_tree(int M, int leaf, const float *x, ptrdiff_t ldx, int i0, int ni,
                            const float *y, ptrdiff_t ldy, int j0, int nj, float *dw,
                            ptrdiff_t lddw);

/* The plain loops (all columns): the spec the kernels are tested against. */
void dense_forward_reference(int M, int K, int N, const float *x, ptrdiff_t ldx, const float *wt,
                             const float *bias, float *y, ptrdiff_t ldy);
void dense_weight_grad_reference(int M, int I, int J, const float *x, ptrdiff_t ldx,
                                 const float *y, ptrdiff_t ldy, float *dw, ptrdiff_t lddw);

#ifdef __cplusplus
}
#endif

#endif
