/* AVX-512 micro-kernel, MR x NR = 8 x 32: 16 zmm accumulators (enough for 4-cycle latency x 2 FMA
 * pipes), 2 for the row of B, A values broadcast from memory. Measured against 14x32, 12x32, 8x48,
 * 6x64, 4x64 on the model shapes: 8x32 was fastest overall (M = 64/128/288 are multiples of 8, so
 * no wasted rows). Built with -mavx512f -mavx512vl
 * -mfma (this file only); called only when the CPU has AVX-512F. */
#include <immintrin.h>

#include "simd/ukernel.h"

void ukernel_avx512(int kc, const float *restrict Ap, const float *restrict Bp, float *restrict C,
                    ptrdiff_t ldc, float alpha, float beta)
{
    enum { MR = UKERNEL_AVX512_MR, NV = UKERNEL_AVX512_NR / 16 };
    __m512 acc[MR][NV];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();

    for (int k = 0; k < kc; k++) {
        const float *a = Ap + (size_t)k * MR;
        const float *b = Bp + (size_t)k * NV * 16;
        __m512 bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            const __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }

    const __m512 va = _mm512_set1_ps(alpha);
    if (beta == 0.0f) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++)
                _mm512_storeu_ps(C + r * ldc + 16 * v, _mm512_mul_ps(va, acc[r][v]));
    } else {
        const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) {
                float *c = C + r * ldc + 16 * v;
                _mm512_storeu_ps(c, _mm512_fmadd_ps(va, acc[r][v],
                                                    _mm512_mul_ps(vb, _mm512_loadu_ps(c))));
            }
    }
}
