#include "engine/layout.h"
#include "simd/transpose.h"

#include <stddef.h>

/* Both are transposes of a C x n matrix, done in SSE 4 x 4 blocks (simd/transpose.h): element by
 * element, the strided side cost a third of pool 2's backward pass. */
void pixels_to_planes(const float *pixels, int n, int C, float *planes)
{
    transpose_floats(pixels, C, n, C, planes, n);
}

void planes_to_pixels(const float *planes, int n, int C, float *pixels)
{
    transpose_floats(planes, n, C, n, pixels, C);
}

void bn_relu_to_planes(const float *pixels, int n, int C, const float *scale, const float *shift,
                       float *planes)
{
    for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) {
            float v = pixels[(ptrdiff_t)i * C + c] * scale[c] + shift[c];
            planes[(ptrdiff_t)c * n + i] = v > 0.0f ? v : 0.0f;
        }
}
