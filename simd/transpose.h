/* dst[c * ldd + r] = src[r * lds + c] for r < rows, c < cols: a block of floats transposed
 * (internal to simd/; dense_pack uses it). */
#ifndef MNIST_SIMD_TRANSPOSE_H
#define MNIST_SIMD_TRANSPOSE_H

#include <stddef.h>

void transpose_floats(const float *src, ptrdiff_t lds, int rows, int cols, float *restrict dst,
                      ptrdiff_t ldd);

#endif
