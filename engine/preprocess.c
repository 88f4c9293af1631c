/* MNIST-like digit preprocessing: see preprocess.h for the steps and why each is there. */
#include "engine/preprocess.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The field is the network's input, the box and centre MNIST's (engine/model.h). */
enum { FIELD_W = IMG_W, FIELD_H = IMG_H, BOX = DIGIT_BOX };
_Static_assert(BOX <= FIELD_W && BOX <= FIELD_H,
               "a digit's box (DIGIT_BOX, engine/model.h) must fit in the input image");

/* min/max as compare-selects: fminf/fmaxf are libm calls on the baseline ISA (NaN rules), and
 * they sat in every per-pixel loop here (a 280x280 canvas is 78k pixels per drawing event). */
static inline float minf(float a, float b) { return a < b ? a : b; }
static inline float maxf(float a, float b) { return a > b ? a : b; }
static inline float clamp01(float v) { return minf(maxf(v, 0.0f), 1.0f); }

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Border pixels (each once) into out; returns how many. */
static size_t gather_border(const float *src, int w, int h, float *out)
{
    size_t n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (y == 0 || y == h - 1 || x == 0 || x == w - 1) out[n++] = src[(size_t)y * w + x];
    return n;
}

/* Weight of source cell [i, i+1) inside the interval [a0, a1). */
static float overlap(int i, float a0, float a1)
{
    float lo = maxf((float)i, a0), hi = minf((float)(i + 1), a1);
    return hi > lo ? hi - lo : 0.0f;
}

/* Area-average resample of the crop (cw x ch at src+offset, stride w) to nw x nh. Each output
 * pixel is the mean of the source area it covers; works for shrinking and enlarging alike. */
static void resample(const float *ink, int w, int x0, int y0, int cw, int ch, float *out, int nw, int nh)
{
    float sx = (float)cw / (float)nw, sy = (float)ch / (float)nh;
    for (int oy = 0; oy < nh; oy++) {
        float ay0 = oy * sy, ay1 = (oy + 1) * sy;
        for (int ox = 0; ox < nw; ox++) {
            float ax0 = ox * sx, ax1 = (ox + 1) * sx;
            double acc = 0;
            for (int y = (int)floorf(ay0); y < ch && y < (int)ceilf(ay1); y++) {
                float wy = overlap(y, ay0, ay1);
                for (int x = (int)floorf(ax0); x < cw && x < (int)ceilf(ax1); x++)
                    acc += (double)wy * overlap(x, ax0, ax1) * ink[(size_t)(y0 + y) * w + (x0 + x)];
            }
            out[oy * nw + ox] = (float)(acc / ((double)sx * sy));
        }
    }
}

/* Adds v at fractional position (x, y) of the field with bilinear weights (mass preserving). */
static void splat(float *dst, float x, float y, float v)
{
    int ix = (int)floorf(x), iy = (int)floorf(y);
    float fx = x - ix, fy = y - iy;
    const float wts[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
    const int px[4] = {ix, ix + 1, ix, ix + 1}, py[4] = {iy, iy, iy + 1, iy + 1};
    for (int k = 0; k < 4; k++)
        if (px[k] >= 0 && px[k] < FIELD_W && py[k] >= 0 && py[k] < FIELD_H)
            dst[py[k] * FIELD_W + px[k]] += v * wts[k];
}

int preprocess_digit(const float *src, int w, int h, float dst[IMG_PIXELS])
{
    memset(dst, 0, FIELD_W * FIELD_H * sizeof(float));
    if (!src || w <= 0 || h <= 0) return -1;
    size_t n = (size_t)w * h;
    float *ink = malloc(n * sizeof(float));
    float *border = malloc(((size_t)2 * w + 2 * h) * sizeof(float));
    if (!ink || !border) {
        free(ink);
        free(border);
        return -1;
    }

    /* 1-2. Polarity and background from the border, which is normally paper, not ink. */
    size_t nb = gather_border(src, w, h, border);
    size_t bright = 0;
    for (size_t i = 0; i < nb; i++) bright += border[i] > 0.5f;
    int invert = 2 * bright > nb;
    for (size_t i = 0; i < nb; i++) border[i] = invert ? 1.0f - border[i] : border[i];
    qsort(border, nb, sizeof(float), cmp_float);
    float bg = minf(maxf(border[nb / 2], 0.0f), 0.99f);
    free(border);
    for (size_t i = 0; i < n; i++) {
        float v = clamp01(src[i]);
        v = invert ? 1.0f - v : v;
        ink[i] = maxf(0.0f, (v - bg) / (1.0f - bg));
    }

    /* 3. Bounding box of the ink. */
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (ink[(size_t)y * w + x] > PREPROCESS_INK_THRESHOLD) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
    if (x1 < 0) {
        free(ink);
        return -1;
    }
    /* Below-threshold ink outside the box is dropped: it is paper noise, not stroke. */
    int cw = x1 - x0 + 1, ch = y1 - y0 + 1;

    /* 4. Longer side to BOX (20) px, aspect kept. */
    float s = (float)BOX / (float)(cw > ch ? cw : ch);
    int nw = (int)lroundf(cw * s), nh = (int)lroundf(ch * s);
    nw = nw < 1 ? 1 : nw > BOX ? BOX : nw;
    nh = nh < 1 ? 1 : nh > BOX ? BOX : nh;
    float patch[BOX * BOX];
    resample(ink, w, x0, y0, cw, ch, patch, nw, nh);
    free(ink);

    /* 5. Centre of mass to MNIST's centre, (14, 14) at 28 x 28. */
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < nh; y++)
        for (int x = 0; x < nw; x++) {
            double v = patch[y * nw + x];
            mass += v;
            mx += v * x;
            my += v * y;
        }
    if (mass <= 0) return -1;
    float offx = (float)(DIGIT_CENTRE_X - mx / mass), offy = (float)(DIGIT_CENTRE_Y - my / mass);
    for (int y = 0; y < nh; y++)
        for (int x = 0; x < nw; x++) splat(dst, x + offx, y + offy, patch[y * nw + x]);
    for (int i = 0; i < FIELD_W * FIELD_H; i++) dst[i] = clamp01(dst[i]);
    return 0;
}
