/* The portable set: plain C every CPU runs. GEMM micro-kernel MR x NR = 4 x 8 (32 accumulators:
 * 5x faster than 4 x 16, which spills). The compiler may vectorise across j, which keeps each
 * element's k order; the file is built with -ffp-contract=off so a*b+c is never fused differently
 * from one build of a loop to another. */
#include "simd/isa.h"

enum { MR = 4, NR = 8 };
_Static_assert(MR <= GEMM_TILE_MAX_MR && NR <= GEMM_TILE_MAX_NR, "tile size");

static void gemm_kernel(int kc, const float *restrict Ap, const float *restrict Bp,
                        float *restrict C, ptrdiff_t ldc, float alpha, float beta)
{
    float acc[MR][NR];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++) acc[r][j] = 0.0f;
    for (int k = 0; k < kc; k++) {
        const float *a = Ap + (size_t)k * MR;
        const float *b = Bp + (size_t)k * NR;
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++) acc[r][j] += a[r] * b[j];
    }
    if (beta == 0.0f) {
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++) C[r * ldc + j] = alpha * acc[r][j];
    } else {
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++) C[r * ldc + j] = alpha * acc[r][j] + beta * C[r * ldc + j];
    }
}

static volatile float peak_sink;

/* 48 chains of a multiply and an add (2 flops), vectorised by the compiler with the baseline SIMD,
 * as it does the micro-kernel. */
static double peak_chains(long iters)
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

static int cpu_has(void) { return 1; }

const IsaDesc isa_scalar = {"scalar", cpu_has, MR, NR, gemm_kernel, peak_chains};
