/* AVX-512. GEMM micro-kernel MR x NR = 8 x 32: 16 zmm accumulators (enough for 4-cycle latency x 2
 * FMA pipes), 2 for the row of B, A values broadcast from memory. Measured against 14x32, 12x32,
 * 8x48, 6x64, 4x64 on the model shapes: 8x32 was fastest overall (M = 64/128/288 are multiples of
 * 8, so no wasted rows). Only the functions marked AVX512 use its instructions (target
 * attributes), so the check and the descriptor run on any CPU. */
#include <immintrin.h>

#include "simd/isa.h"

#define AVX512 __attribute__((target("avx512f,avx512vl,fma")))

enum { MR = 8, NR = 32, NV = NR / 16 };
_Static_assert(MR <= GEMM_TILE_MAX_MR && NR <= GEMM_TILE_MAX_NR, "tile size");

AVX512 static void gemm_kernel(int kc, const float *restrict Ap, const float *restrict Bp,
                               float *restrict C, ptrdiff_t ldc, float alpha, float beta)
{
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

static volatile float peak_sink;

/* 24 chains of one FMA each, of the 32 zmm registers. */
AVX512 static double peak_chains(long iters)
{
    enum { NACC = 24 };
    __m512 acc[NACC];
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int j = 0; j < NACC; j++) acc[j] = _mm512_set1_ps((float)j);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 32
        for (int j = 0; j < NACC; j++) acc[j] = _mm512_fmadd_ps(acc[j], x, y);
    __m512 s = acc[0];
    for (int j = 1; j < NACC; j++) s = _mm512_add_ps(s, acc[j]);
    peak_sink = _mm512_reduce_add_ps(s);
    return 2.0 * 16 * NACC * (double)iters;
}

static int cpu_has(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("fma");
}

const IsaDesc isa_avx512 = {"avx512", cpu_has, MR, NR, gemm_kernel, peak_chains};
