/* Packing: copy a block of op(A) or op(B) into the k-major micro-panels the micro-kernels read,
 * resolving the transpose and zero-padding the ragged last panel, so the kernel only ever sees
 * full MR x kc and kc x NR panels. */
#include <string.h>

#include "simd/ukernel.h"

void pack_a(bool trans_a, const float *A, int lda, int i0, int mc, int p0, int kc, int mr,
            float *restrict dst)
{
    for (int ip = 0; ip < mc; ip += mr, dst += (size_t)mr * kc) {
        const int rows = mc - ip < mr ? mc - ip : mr;
        const int i = i0 + ip;
        if (!trans_a) {
            /* op(A)[i][k] = A[i * lda + k]: each row is contiguous in k. */
            for (int r = 0; r < rows; r++) {
                const float *src = A + (ptrdiff_t)(i + r) * lda + p0;
                for (int k = 0; k < kc; k++) dst[(size_t)k * mr + r] = src[k];
            }
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
            for (int c = 0; c < cols; c++) {
                const float *src = B + (ptrdiff_t)(j + c) * ldb + p0;
                for (int k = 0; k < kc; k++) dst[(size_t)k * nr + c] = src[k];
            }
            for (int c = cols; c < nr; c++)
                for (int k = 0; k < kc; k++) dst[(size_t)k * nr + c] = 0.0f;
        }
    }
}
