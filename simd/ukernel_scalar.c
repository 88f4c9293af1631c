/* Portable micro-kernel: plain C, MR x NR = 4 x 8 (32 accumulators: 5x faster than 4 x 16, which
 * spills). The compiler may vectorise across j, which
 * keeps each element's k order; the file is built with -ffp-contract=off so a*b+c is never fused
 * differently from one build of a loop to another. */
#include "simd/ukernel.h"

void ukernel_scalar(int kc, const float *restrict Ap, const float *restrict Bp, float *restrict C,
                    ptrdiff_t ldc, float alpha, float beta)
{
    enum { MR = UKERNEL_SCALAR_MR, NR = UKERNEL_SCALAR_NR };
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
