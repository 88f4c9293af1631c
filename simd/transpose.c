/* A float matrix transposed, for packing weights (simd/dense.c). */
#include "simd/transpose.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define TRANSPOSE_SSE 1
#endif

/* One block of at most BLOCK x BLOCK: 4 x 4 SSE transposes where available, then the ragged
 * edges element by element. */
static void transpose_block(const float *src, ptrdiff_t lds, int rows, int cols,
                            float *restrict dst, ptrdiff_t ldd)
{
    int r = 0;
#ifdef TRANSPOSE_SSE
    for (; r + 4 <= rows; r += 4) {
        const float *s0 = src + r * lds, *s1 = s0 + lds, *s2 = s1 + lds, *s3 = s2 + lds;
        int c = 0;
        for (; c + 4 <= cols; c += 4) {
            __m128 x0 = _mm_loadu_ps(s0 + c), x1 = _mm_loadu_ps(s1 + c);
            __m128 x2 = _mm_loadu_ps(s2 + c), x3 = _mm_loadu_ps(s3 + c);
            _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
            float *d = dst + c * ldd + r;
            _mm_storeu_ps(d, x0);
            _mm_storeu_ps(d + ldd, x1);
            _mm_storeu_ps(d + 2 * ldd, x2);
            _mm_storeu_ps(d + 3 * ldd, x3);
        }
        for (; c < cols; c++) {
            float *d = dst + c * ldd + r;
            d[0] = s0[c];
            d[1] = s1[c];
            d[2] = s2[c];
            d[3] = s3[c];
        }
    }
#endif
    for (; r < rows; r++)
        for (int c = 0; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
}

/* In square blocks, so that the destination lines a block writes stay in L1 until they are full
 * (column by column over a whole row, each write touched a new line: 5 GB/s on fc1's weights). */
void transpose_floats(const float *src, ptrdiff_t lds, int rows, int cols, float *restrict dst,
                      ptrdiff_t ldd)
{
    enum { BLOCK = 64 };
    for (int r = 0; r < rows; r += BLOCK)
        for (int c = 0; c < cols; c += BLOCK)
            transpose_block(src + r * lds + c, lds, rows - r < BLOCK ? rows - r : BLOCK,
                            cols - c < BLOCK ? cols - c : BLOCK, dst + c * ldd + r, ldd);
}
