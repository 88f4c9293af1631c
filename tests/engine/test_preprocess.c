/* preprocess_digit: the same stroke drawn small in a corner and large in the middle must come out
 * nearly the same, centred by mass at (14, 14); polarity detection; empty images. Digits are drawn
 * here as anti-aliased thick polylines (a "7" and a "4"), so nothing depends on data files. */
#include "engine/preprocess.h"
#include "tests/check.h"

#include <stdlib.h>
#include <string.h>

typedef struct { float x, y; } Pt;

/* Distance from p to segment ab. */
static float seg_dist(Pt p, Pt a, Pt b)
{
    float dx = b.x - a.x, dy = b.y - a.y;
    float t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    float ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y;
    return sqrtf(ex * ex + ey * ey);
}

/* Canvas w x h of background bg; the polyline pts (in unit coordinates 0..1 of a box at
 * (ox, oy) of size s) drawn with ink colour `ink` and thickness th*s, 4x4 supersampled. */
static float *draw(int w, int h, float bg, float ink, const Pt *pts, int n, float ox, float oy, float s,
                   float th)
{
    float *img = malloc((size_t)w * h * sizeof(float));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int hits = 0;
            for (int sy = 0; sy < 4; sy++)
                for (int sx = 0; sx < 4; sx++) {
                    Pt p = {(x + (sx + 0.5f) / 4 - ox) / s, (y + (sy + 0.5f) / 4 - oy) / s};
                    float d = 1e9f;
                    for (int k = 0; k + 1 < n; k++) {
                        float dk = seg_dist(p, pts[k], pts[k + 1]);
                        d = dk < d ? dk : d;
                    }
                    hits += d <= th / 2;
                }
            float cov = hits / 16.0f;
            img[(size_t)y * w + x] = bg + (ink - bg) * cov;
        }
    return img;
}

static const Pt seven[] = {{0.1f, 0.05f}, {0.9f, 0.05f}, {0.4f, 0.95f}};
static const Pt four[] = {{0.7f, 0.95f}, {0.7f, 0.05f}, {0.05f, 0.65f}, {0.95f, 0.65f}};

static void centre_of_mass(const float *d, double *cx, double *cy)
{
    double m = 0, sx = 0, sy = 0;
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) {
            m += d[y * IMG_W + x];
            sx += d[y * IMG_W + x] * x;
            sy += d[y * IMG_W + x] * y;
        }
    *cx = m > 0 ? sx / m : -1;
    *cy = m > 0 ? sy / m : -1;
}

static double mean_abs_diff(const float *a, const float *b)
{
    double s = 0;
    for (int i = 0; i < IMG_PIXELS; i++) s += fabs((double)a[i] - b[i]);
    return s / IMG_PIXELS;
}

/* Longer side of the ink's bounding box (pixels above 0.2). */
static int ink_extent(const float *d)
{
    int x0 = IMG_W, x1 = -1, y0 = IMG_H, y1 = -1;
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++)
            if (d[y * IMG_W + x] > 0.2f) {
                x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
            }
    int ew = x1 - x0 + 1, eh = y1 - y0 + 1;
    return ew > eh ? ew : eh;
}

static void check_digit(const Pt *pts, int n, const char *name)
{
    /* small: a 40 px digit in the top-left corner of a 300x200 canvas; large: 180 px, centred */
    float *small = draw(300, 200, 0.0f, 1.0f, pts, n, 10, 8, 40, 0.14f);
    float *large = draw(300, 200, 0.0f, 1.0f, pts, n, 60, 10, 180, 0.14f);
    float a[IMG_PIXELS], b[IMG_PIXELS];
    CHECK(preprocess_digit(small, 300, 200, a) == 0, "%s small: no ink found", name);
    CHECK(preprocess_digit(large, 300, 200, b) == 0, "%s large: no ink found", name);
    double ax, ay, bx, by;
    centre_of_mass(a, &ax, &ay);
    centre_of_mass(b, &bx, &by);
    CHECK(fabs(ax - DIGIT_CENTRE_X) <= 0.5 && fabs(ay - DIGIT_CENTRE_Y) <= 0.5, "%s small: centre of mass (%.3f, %.3f)", name, ax, ay);
    CHECK(fabs(bx - DIGIT_CENTRE_X) <= 0.5 && fabs(by - DIGIT_CENTRE_Y) <= 0.5, "%s large: centre of mass (%.3f, %.3f)", name, bx, by);
    CHECK(abs(ink_extent(a) - DIGIT_BOX) <= 1, "%s small: ink spans %d px, expected %d", name, ink_extent(a), DIGIT_BOX);
    CHECK(abs(ink_extent(b) - DIGIT_BOX) <= 1, "%s large: ink spans %d px, expected %d", name, ink_extent(b), DIGIT_BOX);
    double mad = mean_abs_diff(a, b);
    printf("# %s: small vs large mean |diff| %.4f\n", name, mad);
    CHECK(mad < 0.03, "%s: small and large differ by %.4f on average", name, mad);
    for (int i = 0; i < IMG_PIXELS; i++) CHECK(a[i] >= 0 && a[i] <= 1, "%s pixel %d = %g out of 0..1", name, i, (double)a[i]);
    free(small);
    free(large);
}

static void small_corner_vs_large_centre(void)
{
    check_digit(seven, 3, "seven");
    check_digit(four, 4, "four");
}

/* The two digits must come out clearly different (so the test above can fail). */
static void different_digits_differ(void)
{
    float *s7 = draw(100, 100, 0, 1, seven, 3, 10, 10, 80, 0.14f), *s4 = draw(100, 100, 0, 1, four, 4, 10, 10, 80, 0.14f);
    float a[IMG_PIXELS], b[IMG_PIXELS];
    preprocess_digit(s7, 100, 100, a);
    preprocess_digit(s4, 100, 100, b);
    CHECK(mean_abs_diff(a, b) > 0.1, "a 7 and a 4 look alike: %.4f", mean_abs_diff(a, b));
    free(s7);
    free(s4);
}

static void polarity(void)
{
    /* black ink on white paper, and on light gray paper, must match white-on-black */
    float *wob = draw(120, 120, 0.0f, 1.0f, seven, 3, 20, 20, 80, 0.14f);
    float *bow = draw(120, 120, 1.0f, 0.0f, seven, 3, 20, 20, 80, 0.14f);
    float *gray = draw(120, 120, 0.8f, 0.05f, seven, 3, 20, 20, 80, 0.14f);
    float a[IMG_PIXELS], b[IMG_PIXELS], c[IMG_PIXELS];
    CHECK(preprocess_digit(wob, 120, 120, a) == 0, "white on black: no ink");
    CHECK(preprocess_digit(bow, 120, 120, b) == 0, "black on white: no ink");
    CHECK(preprocess_digit(gray, 120, 120, c) == 0, "on gray paper: no ink");
    CHECK(mean_abs_diff(a, b) < 1e-5, "black-on-white not inverted: diff %.5f", mean_abs_diff(a, b));
    CHECK(mean_abs_diff(a, c) < 0.03, "gray paper: diff %.4f", mean_abs_diff(a, c));
    /* the output's background is black: corners are 0 */
    CHECK(b[0] == 0 && b[IMG_W - 1] == 0 && b[IMG_PIXELS - 1] == 0, "background not black: %g %g %g",
          (double)b[0], (double)b[IMG_W - 1], (double)b[IMG_PIXELS - 1]);
    free(wob);
    free(bow);
    free(gray);
}

static void empty_images(void)
{
    float dst[IMG_PIXELS];
    float *black = calloc(50 * 40, sizeof(float));
    for (int i = 0; i < IMG_PIXELS; i++) dst[i] = 7;
    CHECK(preprocess_digit(black, 50, 40, dst) == -1, "all-black image has ink");
    int zero = 1;
    for (int i = 0; i < IMG_PIXELS; i++) zero &= dst[i] == 0;
    CHECK(zero, "dst not zeroed for an empty image");
    for (int i = 0; i < 50 * 40; i++) black[i] = 1.0f;
    CHECK(preprocess_digit(black, 50, 40, dst) == -1, "all-white image has ink");
    for (int i = 0; i < 50 * 40; i++) black[i] = 0.6f;
    CHECK(preprocess_digit(black, 50, 40, dst) == -1, "uniform gray image has ink");
    free(black);
    CHECK(preprocess_digit(NULL, 0, 0, dst) == -1, "0x0 image accepted");
}

/* A single lit pixel still gives a centred blob, and a 28x28 MNIST-like input keeps its size. */
static void tiny_inputs(void)
{
    float img[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0}, d[IMG_PIXELS];
    CHECK(preprocess_digit(img, 3, 3, d) == 0, "single pixel: no ink");
    double cx, cy;
    centre_of_mass(d, &cx, &cy);
    CHECK(fabs(cx - DIGIT_CENTRE_X) <= 0.5 && fabs(cy - DIGIT_CENTRE_Y) <= 0.5, "single pixel centre (%.3f, %.3f)", cx, cy);
    float one[1] = {1.0f};
    CHECK(preprocess_digit(one, 1, 1, d) == -1, "a 1x1 white image is paper, not ink");
}

int main(void)
{
    RUN(small_corner_vs_large_centre);
    RUN(different_digits_differ);
    RUN(polarity);
    RUN(empty_images);
    RUN(tiny_inputs);
    return check_done();
}
