/* Clean-up of a photo or scan of a digit, before preprocess_digit: uneven lighting, shadows,
 * paper grain, colour casts and dust become clean bright ink on black. Pure computation.
 *
 * `predict` runs it on every image file; the drawing window does not (its canvas is already clean
 * white ink on black, every mark on it is meant, and its 2 ms budget per mouse event is better
 * spent elsewhere). On a clean picture it gives back the ink as it was (tests/engine).
 *
 *   1. Work size: a picture longer than PHOTO_WORK_MAX pixels is area-averaged down (it ends as
 *      20 px of ink anyway; averaging also calms sensor noise).
 *   1b. A sheet on a desk: where the picture shows more than the paper (a darker desk around a
 *      sheet), the paper's dark surroundings would be taken for ink, or the desk for the paper.
 *      The paper is the brightest large region over which the light changes smoothly (the
 *      sheet's edge is a sharp step, a shadow's is not); with a desk around it (a darker region
 *      along much of the picture's edge) and thick enough to be paper, the steps below run on its
 *      bounding box alone, everything in it off the sheet made paper (see find_sheet). A picture
 *      of paper alone has no such desk and is left as it is.
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
/* 1b: a sheet is looked for in work pictures of PHOTO_SHEET_MIN_SIDE px or more on each side;
 * its edge changes the log brightness by PHOTO_SHEET_STEP or more over 2 px; it covers
 * PHOTO_SHEET_MIN_AREA of the picture or more and holds a square of 2 PHOTO_SHEET_THICK of its
 * shorter side; the desk holds PHOTO_SHEET_DESK_EDGE of the picture's edge, its median
 * brightness at most PHOTO_SHEET_CONTRAST times the paper's. */
#define PHOTO_SHEET_MIN_SIDE 64
#define PHOTO_SHEET_STEP 0.25f
#define PHOTO_SHEET_MIN_AREA 0.1f
#define PHOTO_SHEET_THICK 0.1f
#define PHOTO_SHEET_DESK_EDGE 0.5f
#define PHOTO_SHEET_CONTRAST 0.7f

typedef struct {
    int w, h;       /* the work size: the input's, or smaller (step 1) */
    float *ink;     /* w*h: ink 0..1 bright on black, like MNIST; all 0 when nothing was found */
    int inverted;   /* the input was light ink on dark */
    int pieces;     /* pieces of ink kept (0: none found) */
    int specks;     /* pieces dropped */
    float threshold;/* the darkness threshold used (step 4) */
    int sheet_x, sheet_y, sheet_w, sheet_h;   /* step 1b: the sheet's box in work pixels; w 0: none */
} PhotoClean;

/* src: w x h gray values 0..1, row-major. Returns 0, or -1 when w, h or src are unusable or memory
 * runs out (out then holds nothing to free). */
int photo_clean(const float *src, int w, int h, PhotoClean *out);
void photo_clean_free(PhotoClean *pc);

#endif
