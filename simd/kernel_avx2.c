/* AVX2 + FMA. GEMM micro-kernel MR x NR = 6 x 16: 12 ymm accumulators, 2 for the row of B, 1 for
 * the broadcast of A. Only the functions marked AVX2 use its instructions (target attributes), so
 * the check and the descriptor run on any CPU. */
#include <immintrin.h>

#include "simd/isa.h"

#define AVX2 __attribute__((target("avx2,fma")))

enum { MR = 6, NR = 16, NV = NR / 8 };
_Static_assert(MR <= GEMM_TILE_MAX_MR && NR <= GEMM_TILE_MAX_NR, "tile size");

AVX2 static void gemm_kernel(int kc, const float *restrict Ap, const float *restrict Bp,
                             float *restrict C, ptrdiff_t ldc, float alpha, float beta)
{
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

static volatile float peak_sink;

/* 12 chains of one FMA each: 16 ymm registers hold them, x and y. */
AVX2 static double peak_chains(long iters)
{
    enum { NACC = 12 };
    __m256 acc[NACC];
    const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int j = 0; j < NACC; j++) acc[j] = _mm256_set1_ps((float)j);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 16
        for (int j = 0; j < NACC; j++) acc[j] = _mm256_fmadd_ps(acc[j], x, y);
    __m256 s = acc[0];
    for (int j = 1; j < NACC; j++) s = _mm256_add_ps(s, acc[j]);
    peak_sink = _mm256_cvtss_f32(s);
    return 2.0 * 8 * NACC * (double)iters;
}

static int cpu_has(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

const IsaDesc isa_avx2 = {"avx2", cpu_has, MR, NR, gemm_kernel, peak_chains};
