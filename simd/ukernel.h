/* Internal to simd/: the register micro-kernels and the per-ISA table that the blocking loops in
 * gemm.c and the packing routines in pack.c use. Not part of the public API. */
#ifndef MNIST_SIMD_UKERNEL_H
#define MNIST_SIMD_UKERNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "simd/isa.h"

/* One MR x NR tile: C = alpha * Ap * Bp + beta * C, with Ap packed k-major (Ap[k * MR + r]) and Bp
 * packed k-major (Bp[k * NR + j]), both kc long and 64-byte aligned. beta == 0 overwrites C without
 * reading it. Every element is accumulated over k = 0 .. kc-1 in order, starting from zero, then
 * combined with C by the same expression for every element, so edge tiles (run on a copy of C)
 * give bitwise the same values as full tiles. */
typedef void (*UkernelFn)(int kc, const float *restrict Ap, const float *restrict Bp,
                          float *restrict C, ptrdiff_t ldc, float alpha, float beta);

typedef struct {
    int mr, nr;       /* tile shape; MR rows of A per packed panel, NR columns of B */
    UkernelFn kernel;
} UkernelInfo;

/* The table entry for isa (which must be compiled in). */
const UkernelInfo *ukernel_info(Isa isa);

void ukernel_scalar(int kc, const float *restrict Ap, const float *restrict Bp, float *restrict C,
                    ptrdiff_t ldc, float alpha, float beta);
#define UKERNEL_SCALAR_MR 4
#define UKERNEL_SCALAR_NR 8

#ifdef MNIST_SIMD_X86
void ukernel_avx2(int kc, const float *restrict Ap, const float *restrict Bp, float *restrict C,
                  ptrdiff_t ldc, float alpha, float beta);
#define UKERNEL_AVX2_MR 6
#define UKERNEL_AVX2_NR 16

void ukernel_avx512(int kc, const float *restrict Ap, const float *restrict Bp, float *restrict C,
                    ptrdiff_t ldc, float alpha, float beta);
#define UKERNEL_AVX512_MR 8
#define UKERNEL_AVX512_NR 32
#endif

/* Packing (pack.c). op(A) is M x K; pack rows [i0, i0 + mc) and columns [p0, p0 + kc) of op(A) into
 * ceil(mc / mr) panels of mr x kc, k-major, rows past mc zero. */
void pack_a(bool trans_a, const float *A, int lda, int i0, int mc, int p0, int kc, int mr,
            float *restrict dst);
/* op(B) is K x N; pack rows [p0, p0 + kc) and columns [j0, j0 + nc) into ceil(nc / nr) panels of
 * kc x nr, k-major, columns past nc zero. */
void pack_b(bool trans_b, const float *B, int ldb, int p0, int kc, int j0, int nc, int nr,
            float *restrict dst);

#endif
