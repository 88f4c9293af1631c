/* Single-precision GEMM, BLIS-style: packing, blocking loops and one register micro-kernel per
 * instruction set, kept apart. Single-threaded on purpose: the engine parallelises over batch
 * chunks / output blocks itself, which keeps results independent of the thread count.
 *
 *   C[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C
 *
 * All matrices row-major. op(A) = A (M x K, lda >= K) or A^T (A stored K x M, lda >= M); same for B.
 * beta == 0 means C is overwritten (NaNs in C are not propagated).
 *
 * The caller owns the packing buffers: `pack` holds GEMM_PACK_FLOATS floats, 64-byte aligned, one
 * buffer per thread that calls sgemm at the same time. So sgemm never allocates and never fails.
 *
 * Determinism: for a given ISA, each C element is accumulated over k in the same order whatever
 * M, N or the position of the element in its tile, so splitting a product into column or row
 * blocks gives bitwise the same result as computing it whole. */
#ifndef MNIST_SIMD_GEMM_H
#define MNIST_SIMD_GEMM_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Blocking (simd/gemm.c): KC_MAX values of k per block; A packed in blocks of at most
 * GEMM_MC_BYTES, B in blocks of at most GEMM_NC_MAX columns. */
enum { GEMM_KC_MAX = 256, GEMM_MC_BYTES = 512 * 1024, GEMM_NC_MAX = 2048 };
/* Floats in one thread's packing buffers: a packed block of A and one of B. */
enum { GEMM_PACK_FLOATS = GEMM_MC_BYTES / 4 + GEMM_NC_MAX * GEMM_KC_MAX };

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float *A, int lda,
           const float *B, int ldb, float beta, float *C, int ldc, float *pack);

/* Plain triple loop with the same contract: the spec that the fast path is tested against. */
void sgemm_reference(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float *A,
                     int lda, const float *B, int ldb, float beta, float *C, int ldc);

#ifdef __cplusplus
}
#endif

#endif
