/* Clean-up of a photo or scan of a digit, before preprocess_digit: uneven lighting, shadows,
 * paper grain, colour casts and dust become clean bright ink on black. Pure computation.
 *
 * `predict` runs it on every image file; the drawing window does not (its canvas is already clean
 * white ink on black, every mark on it is meant, and its 2 ms budget per mouse event is better
 * spent elsewhere). On a clean picture it gives back the ink as it was (tests/engine).
 *
 *   1. Work size: a picture longer than PHOTO_WORK_MAX pixels is area-averaged down (it ends as
 *      20 px of ink anyway; averaging also calms sensor noise).
 *   2. Polarity: the border's median is the paper; the ink is whichever extreme of the picture
 *      is farther from it as a ratio (lighting scales paper and ink alike, by a factor of two or
 *      three; ink reflects five to ten times less than paper), so a shadow over most of the
 *      border does not turn the lit paper into "light ink". Light ink is inverted.
 *   3. Background: a morphological closing (max then min filter over a square of half the
 *      shorter side) of the picture, lightly smoothed, removes every ink stroke narrower than
 *      the square and keeps the lighting; for lighting that changes monotonically along a
 *      direction (a gradient, the edge of a shadow) it is exact. The picture is divided by it:
 *      paper becomes 1 wherever it is, ink its reflectance relative to the paper around it.
 *   4. Ink from paper: Otsu's threshold on the ink darkness 1 - picture/background, but never
 *      below the paper's own noise (median + PHOTO_NOISE_SIGMAS robust deviations) or
 *      PHOTO_MIN_CONTRAST.
 *   5. Specks: 8-connected pieces of ink; the heaviest is the digit, and other pieces join it
 *      only when they weigh PHOTO_SPECK_SHARE of it or more and lie within PHOTO_NEAR of the
 *      ink kept so far (of its longer side). Dust, grain and marks away from the digit go. Ink
 *      spanning less than PHOTO_MIN_SIDE of the shorter side is a blank page's noise: no digit.
 *   6. Output: within a pixel or two of the kept ink, darkness stretched so that the paper's
 *      noise level is 0 and the typical ink 1 (soft edges kept, as MNIST's are); 0 elsewhere. */
#ifndef MNIST_ENGINE_PHOTO_CLEAN_H
#define MNIST_ENGINE_PHOTO_CLEAN_H

#define PHOTO_WORK_MAX 1024
#define PHOTO_NOISE_SIGMAS 3.0f
#define PHOTO_MIN_CONTRAST 0.08f
#define PHOTO_SPECK_SHARE 0.03f
#define PHOTO_NEAR 0.25f
#define PHOTO_MIN_SIDE 0.04f

typedef struct {
    int w, h;       /* the work size: the input's, or smaller (step 1) */
    float *ink;     /* w*h: ink 0..1 bright on black, like MNIST; all 0 when nothing was found */
    int inverted;   /* the input was light ink on dark */
    int pieces;     /* pieces of ink kept (0: none found) */
    int specks;     /* pieces dropped */
    float threshold;/* the darkness threshold used (step 4) */
} PhotoClean;

/* src: w x h gray values 0..1, row-major. Returns 0, or -1 when w, h or src are unusable or memory
 * runs out (out then holds nothing to free). */
int photo_clean(const float *src, int w, int h, PhotoClean *out);
void photo_clean_free(PhotoClean *pc);

#endif
