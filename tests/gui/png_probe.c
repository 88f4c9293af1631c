/* Reads a screenshot of `mnist-cnn draw` (io/image.h, gray) and checks what a person would see,
 * at the places gui/layout.h puts things:
 *
 *   png_probe FILE.png normal DIGIT   canvas has ink on black; the big digit is drawn; the ten
 *                                     bars are there, the longest is DIGIT's, and their lengths
 *                                     add up to one full bar (probabilities sum to 1)
 *   png_probe FILE.png debug DIGIT    debug size; all of the above, and the 28x28 input has
 *                                     ink and the feature maps are not flat
 *
 * Prints "# ..." diagnostics; exit 0 when every check holds, 1 otherwise, 2 on bad usage. */
#include "gui/layout.h"
#include "io/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define EXPECT(cond, ...)                                                                   \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            failures++;                                                                     \
            printf("# png_probe: failed %s: ", #cond);                                      \
            printf(__VA_ARGS__);                                                            \
            printf("\n");                                                                   \
        }                                                                                   \
    } while (0)

static float at(const GrayImage *im, int x, int y) { return im->pix[(size_t)y * im->w + x]; }

/* Fractions of the rectangle's pixels above hi and below lo; mean and standard deviation. */
static void stats(const GrayImage *im, int x0, int y0, int w, int h, float lo, float hi,
                  double *f_hi, double *f_lo, double *sd)
{
    double n = 0, nh = 0, nl = 0, s = 0, s2 = 0;
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++) {
            float v = at(im, x, y);
            n++;
            nh += v > hi;
            nl += v < lo;
            s += v;
            s2 += (double)v * v;
        }
    *f_hi = nh / n;
    *f_lo = nl / n;
    *sd = sqrt(s2 / n - (s / n) * (s / n));
}

static void check_normal(const GrayImage *im, int digit)
{
    double fh, fl, sd;
    stats(im, L_CANVAS_X, L_CANVAS_Y, CANVAS_SIZE, CANVAS_SIZE, 0.05f, 0.8f, &fh, &fl, &sd);
    printf("# canvas: %.1f%% ink, %.1f%% black\n", 100 * fh, 100 * fl);
    EXPECT(fh > 0.03 && fh < 0.6, "ink covers %.1f%% of the canvas", 100 * fh);
    EXPECT(fl > 0.3, "black covers %.1f%% of the canvas", 100 * fl);
    stats(im, L_PANEL_X, L_DIGIT_Y, 96, L_DIGIT_H, 0.3f, 0.7f, &fh, &fl, &sd);
    EXPECT(fh > 0.05, "big digit: only %.1f%% bright pixels", 100 * fh);
    int len[10], best = 0, sum = 0;
    for (int j = 0; j < 10; j++) {
        int y = L_BARS_Y + j * L_BAR_ROW + L_BAR_H / 2;
        len[j] = 0;
        for (int x = L_BAR_X; x < L_BAR_X + L_BAR_W; x++) len[j] += at(im, x, y) > 0.3f;
        /* the empty part of a bar is its dark track, not the window background */
        float track = at(im, L_BAR_X + L_BAR_W - 1, y);
        EXPECT(len[j] == L_BAR_W || (track > 0.1f && track < 0.3f), "bar %d: no track (%.2f)", j,
               track);
        if (len[j] > len[best]) best = j;
        sum += len[j];
    }
    printf("# bar lengths (px of %d):", L_BAR_W);
    for (int j = 0; j < 10; j++) printf(" %d", len[j]);
    printf("\n");
    EXPECT(best == digit, "longest bar is %d, expected %d", best, digit);
    EXPECT(len[digit] >= L_BAR_W / 2, "bar of %d is only %d px", digit, len[digit]);
    EXPECT(abs(sum - L_BAR_W) <= 12, "bars add up to %d px, one full bar is %d", sum, L_BAR_W);
}

static void check_debug(const GrayImage *im)
{
    double fh, fl, sd;
    stats(im, L_INPUT_X, L_INPUT_Y, 28 * L_INPUT_ZOOM, 28 * L_INPUT_ZOOM, 0.05f, 0.5f, &fh, &fl, &sd);
    printf("# input: %.1f%% ink\n", 100 * fh);
    EXPECT(fh > 0.05 && fh < 0.6, "the 28x28 input has %.1f%% ink", 100 * fh);
    stats(im, L_MAPS_X, L_MAP1_Y, 8 * L_MAP1_CELL, 4 * L_MAP1_CELL, 0.0f, 0.5f, &fh, &fl, &sd);
    printf("# conv1 maps: sd %.3f, %.1f%% bright\n", sd, 100 * fh);
    EXPECT(sd > 0.05 && fh > 0.005, "conv1 maps look flat (sd %.3f)", sd);
    stats(im, L_MAPS_X, L_MAP2_Y, 8 * L_MAP2_CELL, 8 * L_MAP2_CELL, 0.0f, 0.5f, &fh, &fl, &sd);
    printf("# conv2 maps: sd %.3f, %.1f%% bright\n", sd, 100 * fh);
    EXPECT(sd > 0.05 && fh > 0.002, "conv2 maps look flat (sd %.3f)", sd);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[2], "normal") && strcmp(argv[2], "debug"))) {
        fprintf(stderr, "usage: png_probe FILE.png normal|debug DIGIT\n");
        return 2;
    }
    GrayImage im;
    char err[512];
    if (image_load(argv[1], &im, err, sizeof err)) {
        printf("# png_probe: %s\n", err);
        return 1;
    }
    int debug = !strcmp(argv[2], "debug");
    int w = debug ? L_DEBUG_W : L_NORMAL_W, h = debug ? L_DEBUG_H : L_NORMAL_H;
    EXPECT(im.w == w && im.h == h, "screenshot is %dx%d, expected %dx%d", im.w, im.h, w, h);
    if (!failures) {
        check_normal(&im, atoi(argv[3]));
        if (debug) check_debug(&im);
    }
    image_free(&im);
    return failures ? 1 : 0;
}
