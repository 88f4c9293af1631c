/* Peak FP32 throughput per ISA: NACC independent accumulator chains acc = acc * x + y, which is
 * one FMA per vector (AVX2, AVX-512), or a multiply and an add for the baseline "scalar" build
 * (compiled without -m flags; the compiler vectorises the chains with the baseline SIMD, which
 * is also what it does to the scalar micro-kernel). The per-ISA code uses target attributes, so
 * this file needs no special flags. */
#include <time.h>

#include "benchmarks/peak.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PEAK_X86 1
#endif

static volatile float peak_sink;

/* 2 flops per element per iteration. */
static double peak_scalar(long iters)
{
    enum { NACC = 48 };
    float acc[NACC];
    const float x = 0.999999f, y = 1e-7f;
    for (int j = 0; j < NACC; j++) acc[j] = (float)j;
    for (long i = 0; i < iters; i++)
        for (int j = 0; j < NACC; j++) acc[j] = acc[j] * x + y;
    float s = 0;
    for (int j = 0; j < NACC; j++) s += acc[j];
    peak_sink = s;
    return 2.0 * NACC * (double)iters;
}

#ifdef PEAK_X86
__attribute__((target("avx2,fma"))) static double peak_avx2(long iters)
{
    enum { NACC = 12 }; /* 16 ymm registers: 12 chains + x + y */
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

__attribute__((target("avx512f,fma"))) static double peak_avx512(long iters)
{
    enum { NACC = 24 }; /* of 32 zmm registers */
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
#endif

double peak_run(Isa isa, long iters)
{
    switch (isa) {
#ifdef PEAK_X86
    case ISA_AVX2:
        return isa_supported(isa) ? peak_avx2(iters) : 0.0;
    case ISA_AVX512:
        return isa_supported(isa) ? peak_avx512(iters) : 0.0;
#endif
    default:
        return peak_scalar(iters);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double peak_gflops(Isa isa)
{
    static double cache[ISA_COUNT];
    if ((unsigned)isa >= ISA_COUNT || !isa_supported(isa)) return 0.0;
    if (cache[isa] > 0) return cache[isa];
    /* Calibrate to ~20 ms a run, keep the best of 5 (the machine may be shared). */
    long iters = 1 << 14;
    double best = 0.0;
    for (int rep = 0; rep < 8; rep++) {
        const double t0 = now_s();
        const double flops = peak_run(isa, iters);
        const double dt = now_s() - t0;
        if (dt < 0.02) {
            iters *= 2;
            rep--;
            if (iters > (1L << 40)) break;
            continue;
        }
        if (flops / dt / 1e9 > best) best = flops / dt / 1e9;
        if (rep >= 4) break;
    }
    cache[isa] = best;
    return best;
}
