#include "engine/input.h"
#include "engine/augment.h"
#include "engine/rng.h"

#include <math.h>

/* torchvision's translate=(0.1, 0.1): at most a tenth of the image's width (height) either way,
 * 2.8 pixels at 28 x 28. Worked out in double and rounded once, so 28 gives 2.8f exactly. */
#define MAX_TX ((float)(0.1 * IMG_W))
#define MAX_TY ((float)(0.1 * IMG_H))

AffineParams affine_draw(uint64_t seed, uint64_t epoch, uint64_t sample_index)
{
    AffineParams p;
    p.angle_deg = rng_range(seed, RNG_AUGMENT, epoch, sample_index, 0, -15.0f, 15.0f);
    p.tx = (int)lrintf(rng_range(seed, RNG_AUGMENT, epoch, sample_index, 1, -MAX_TX, MAX_TX));
    p.ty = (int)lrintf(rng_range(seed, RNG_AUGMENT, epoch, sample_index, 2, -MAX_TY, MAX_TY));
    p.scale = rng_range(seed, RNG_AUGMENT, epoch, sample_index, 3, 0.8f, 1.2f);
    return p;
}

AffineParams affine_draw_scaled(uint64_t seed, uint64_t epoch, uint64_t sample_index,
                                float strength)
{
    if (strength == 1.0f) return affine_draw(seed, epoch, sample_index);
    AffineParams p;
    p.angle_deg = strength * rng_range(seed, RNG_AUGMENT, epoch, sample_index, 0, -15.0f, 15.0f);
    p.tx = (int)lrintf(strength *
                       rng_range(seed, RNG_AUGMENT, epoch, sample_index, 1, -MAX_TX, MAX_TX));
    p.ty = (int)lrintf(strength *
                       rng_range(seed, RNG_AUGMENT, epoch, sample_index, 2, -MAX_TY, MAX_TY));
    p.scale = 1.0f + strength * (rng_range(seed, RNG_AUGMENT, epoch, sample_index, 3, 0.8f, 1.2f) - 1.0f);
    return p;
}

void affine_apply(float out[IMG_PIXELS], const uint8_t in[IMG_PIXELS], AffineParams p)
{
    /* Inverse map: for each output pixel centre, find where it came from. Forward map is
     * x' = c + t + s R (x - c), so x = c + R^T (x' - c - t) / s. Centre c = the image's,
     * (13.5, 13.5) at 28 x 28. */
    const float cx = IMG_CENTRE_X, cy = IMG_CENTRE_Y;
    float a = p.angle_deg * (float)M_PI / 180.0f;
    float cs = cosf(a) / p.scale, sn = sinf(a) / p.scale;
    /* The image inside a rim of black (one pixel before, two after), and source points clamped
     * to [-1, IMG_W] x [-1, IMG_H]: every tap reads memory, a tap outside the image reads 0 and
     * adds nothing, so the sum is the same as skipping it, with no branch and no floorf call per
     * pixel (a quarter of a training step's batch building went there). P is a padded row. */
    enum { P = IMG_W + 3, PH = IMG_H + 3 };
    float pad[PH * P] = {0};
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) pad[(y + 1) * P + x + 1] = (float)in[y * IMG_W + x];
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) {
            float dx = (float)x - cx - (float)p.tx, dy = (float)y - cy - (float)p.ty;
            float sx = cx + cs * dx + sn * dy;
            float sy = cy - sn * dx + cs * dy;
            sx = sx < -1.0f ? -1.0f : sx > (float)IMG_W ? (float)IMG_W : sx;
            sy = sy < -1.0f ? -1.0f : sy > (float)IMG_H ? (float)IMG_H : sy;
            /* floor: truncation, one less for negatives (exact, unlike (int)(sx + k) - k) */
            int x0 = (int)sx, y0 = (int)sy;
            x0 -= (float)x0 > sx;
            y0 -= (float)y0 > sy;
            float fx = sx - (float)x0, fy = sy - (float)y0;
            const float *q = pad + (y0 + 1) * P + x0 + 1;
            float v = 0.0f;
            v += (1.0f - fx) * (1.0f - fy) * q[0];
            v += fx * (1.0f - fy) * q[1];
            v += (1.0f - fx) * fy * q[P];
            v += fx * fy * q[P + 1];
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
