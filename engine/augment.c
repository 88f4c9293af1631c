#include "engine/input.h"
#include "engine/augment.h"
#include "engine/rng.h"

#include <math.h>

AffineParams affine_draw(uint64_t seed, uint64_t epoch, uint64_t sample_index)
{
    AffineParams p;
    p.angle_deg = rng_range(seed, RNG_AUGMENT, epoch, sample_index, 0, -15.0f, 15.0f);
    p.tx = (int)lrintf(rng_range(seed, RNG_AUGMENT, epoch, sample_index, 1, -2.8f, 2.8f));
    p.ty = (int)lrintf(rng_range(seed, RNG_AUGMENT, epoch, sample_index, 2, -2.8f, 2.8f));
    p.scale = rng_range(seed, RNG_AUGMENT, epoch, sample_index, 3, 0.8f, 1.2f);
    return p;
}

void affine_apply(float out[784], const uint8_t in[784], AffineParams p)
{
    /* Inverse map: for each output pixel centre, find where it came from. Forward map is
     * x' = c + t + s R (x - c), so x = c + R^T (x' - c - t) / s. Centre c = (13.5, 13.5). */
    const float c = 13.5f;
    float a = p.angle_deg * (float)M_PI / 180.0f;
    float cs = cosf(a) / p.scale, sn = sinf(a) / p.scale;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            float dx = (float)x - c - (float)p.tx, dy = (float)y - c - (float)p.ty;
            float sx = c + cs * dx + sn * dy;
            float sy = c - sn * dx + cs * dy;
            int x0 = (int)floorf(sx), y0 = (int)floorf(sy);
            float fx = sx - (float)x0, fy = sy - (float)y0;
            float v = 0.0f;
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++) {
                    int xi = x0 + i, yj = y0 + j;
                    if (xi < 0 || xi >= 28 || yj < 0 || yj >= 28) continue;
                    float w = (i ? fx : 1.0f - fx) * (j ? fy : 1.0f - fy);
                    v += w * (float)in[yj * 28 + xi];
                }
            out[y * IMG_W + x] = input_normalize(v / 255.0f);
        }
}

void shuffle_indices(int *perm, int n, uint64_t seed, uint64_t epoch)
{
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rng_u64(seed, RNG_SHUFFLE, epoch, 0, (uint64_t)i) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

void dropout_mask(float *mask, int n, float p, uint64_t seed, uint64_t step, uint64_t row)
{
    float keep = 1.0f / (1.0f - p);
    for (int i = 0; i < n; i++)
        mask[i] = rng_uniform(seed, RNG_DROPOUT, step, row, (uint64_t)i) < p ? 0.0f : keep;
}
