/* Packing: copy a block of op(A) or op(B) into the k-major micro-panels the micro-kernels read,
 * resolving the transpose and zero-padding the ragged last panel, so the kernel only ever sees
 * full MR x kc and kc x NR panels. */
#include <string.h>

#include "simd/pack.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define PACK_SSE 1
#endif

/* 4 x 4 blocks with baseline SSE where available. */
void transpose_into(const float *src, ptrdiff_t lds, int rows, int cols, float *restrict dst,
                           ptrdiff_t ldd)
{
    int r = 0;
#ifdef PACK_SSE
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

void pack_a(bool trans_a, const float *A, int lda, int i0, int mc, int p0, int kc, int mr,
            float *restrict dst)
{
    for (int ip = 0; ip < mc; ip += mr, dst += (size_t)mr * kc) {
        const int rows = mc - ip < mr ? mc - ip : mr;
        const int i = i0 + ip;
        if (!trans_a) {
            /* op(A)[i][k] = A[i * lda + k]: each row is contiguous in k. */
            transpose_into(A + (ptrdiff_t)i * lda + p0, lda, rows, kc, dst, mr);
            for (int r = rows; r < mr; r++)
                for (int k = 0; k < kc; k++) dst[(size_t)k * mr + r] = 0.0f;
        } else {
            /* op(A)[i][k] = A[k * lda + i]: the mr values for one k are contiguous. */
            for (int k = 0; k < kc; k++) {
                const float *src = A + (ptrdiff_t)(p0 + k) * lda + i;
                float *d = dst + (size_t)k * mr;
                memcpy(d, src, (size_t)rows * sizeof(float));
                for (int r = rows; r < mr; r++) d[r] = 0.0f;
            }
        }
    }
}

void pack_b(bool trans_b, const float *B, int ldb, int p0, int kc, int j0, int nc, int nr,
            float *restrict dst)
{
    for (int jp = 0; jp < nc; jp += nr, dst += (size_t)nr * kc) {
        const int cols = nc - jp < nr ? nc - jp : nr;
        const int j = j0 + jp;
        if (!trans_b) {
            /* op(B)[k][j] = B[k * ldb + j]: the nr values for one k are contiguous. */
            for (int k = 0; k < kc; k++) {
                const float *src = B + (ptrdiff_t)(p0 + k) * ldb + j;
                float *d = dst + (size_t)k * nr;
                memcpy(d, src, (size_t)cols * sizeof(float));
                for (int c = cols; c < nr; c++) d[c] = 0.0f;
            }
        } else {
            /* op(B)[k][j] = B[j * ldb + k]: each column of op(B) is contiguous in k. */
            transpose_into(B + (ptrdiff_t)j * ldb + p0, ldb, cols, kc, dst, nr);
            for (int c = cols; c < nr; c++)
                for (int k = 0; k < kc; k++) dst[(size_t)k * nr + c] = 0.0f;
        }
    }
}
