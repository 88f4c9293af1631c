/* AVX2 + FMA micro-kernel, MR x NR = 6 x 16: 12 ymm accumulators, 2 for the row of B, 1 for the
 * broadcast of A. Built with -mavx2 -mfma (this file only); called only when the CPU has both. */
#include <immintrin.h>

#include "simd/ukernel.h"

void ukernel_avx2(int kc, const float *restrict Ap, const float *restrict Bp, float *restrict C,
                  ptrdiff_t ldc, float alpha, float beta)
{
    enum { MR = UKERNEL_AVX2_MR, NV = UKERNEL_AVX2_NR / 8 };
    __m256 acc[MR][NV];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[r][v] = _mm256_setzero_ps();

    for (int k = 0; k < kc; k++) {
        const float *a = Ap + (size_t)k * MR;
        const float *b = Bp + (size_t)k * NV * 8;
        __m256 bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            const __m256 av = _mm256_broadcast_ss(a + r);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }

    const __m256 va = _mm256_set1_ps(alpha);
    if (beta == 0.0f) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++)
                _mm256_storeu_ps(C + r * ldc + 8 * v, _mm256_mul_ps(va, acc[r][v]));
    } else {
        const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) {
                float *c = C + r * ldc + 8 * v;
                _mm256_storeu_ps(c, _mm256_fmadd_ps(va, acc[r][v],
                                                    _mm256_mul_ps(vb, _mm256_loadu_ps(c))));
            }
    }
}
