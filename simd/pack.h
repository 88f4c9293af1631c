/* Packing (internal to simd/): copy a block of op(A) or op(B) into the k-major micro-panels the
 * GEMM micro-kernels read (simd/isa.h), resolving the transpose and zero-padding the ragged last
 * panel, so a kernel only ever sees full MR x kc and kc x NR panels. */
#ifndef MNIST_SIMD_PACK_H
#define MNIST_SIMD_PACK_H

#include <stdbool.h>
#include <stddef.h>

/* op(A) is M x K; pack rows [i0, i0 + mc) and columns [p0, p0 + kc) of op(A) into ceil(mc / mr)
 * panels of mr x kc, k-major, rows past mc zero. */
void pack_a(bool trans_a, const float *A, int lda, int i0, int mc, int p0, int kc, int mr,
            float *restrict dst);
/* op(B) is K x N; pack rows [p0, p0 + kc) and columns [j0, j0 + nc) into ceil(nc / nr) panels of
 * kc x nr, k-major, columns past nc zero. */
void pack_b(bool trans_b, const float *B, int ldb, int p0, int kc, int j0, int nc, int nr,
            float *restrict dst);

/* dst[c * ldd + r] = src[r * lds + c] for r < rows, c < cols: the strided half of packing (op(A)
 * not transposed, op(B) transposed), and dense_pack. */
void transpose_into(const float *src, ptrdiff_t lds, int rows, int cols, float *restrict dst,
                    ptrdiff_t ldd);

#endif
