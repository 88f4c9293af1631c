#include "engine/layout.h"

#include <stddef.h>

/* Both loop over the plane side innermost: contiguous writes, strided reads (the reads of a
 * 49-pixel image stay in L1 either way). */
void pixels_to_planes(const float *pixels, int n, int C, float *planes)
{
    for (int c = 0; c < C; c++)
        for (int i = 0; i < n; i++) planes[(ptrdiff_t)c * n + i] = pixels[(ptrdiff_t)i * C + c];
}

void planes_to_pixels(const float *planes, int n, int C, float *pixels)
{
    for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) pixels[(ptrdiff_t)i * C + c] = planes[(ptrdiff_t)c * n + i];
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
