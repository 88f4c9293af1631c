/* MNIST-style preprocessing of an arbitrary gray image, shared by `predict` and the drawing
 * window. Pure computation: no files, no allocation failures visible to the caller. */
#ifndef MNIST_ENGINE_PREPROCESS_H
#define MNIST_ENGINE_PREPROCESS_H

#include "engine/model.h"

/* src: w x h gray values 0..1, row-major.
 *   1. Polarity: if most border pixels are bright (> 0.5) the image is black-on-white and is
 *      inverted, so ink is bright.
 *   2. Background: the median border level is subtracted and the rest rescaled to 0..1, so a
 *      gray paper background is not ink.
 *   3. Crop to the bounding box of pixels above PREPROCESS_INK_THRESHOLD.
 *   4. Scale the longer side to DIGIT_BOX (20) px with area averaging, keeping the aspect ratio.
 *   5. Place in a black IMG_W x IMG_H (28x28) field so that the ink's centre of mass
 *      (sum(i*v)/sum(v) over row and column indices) lies at (DIGIT_CENTRE_X, DIGIT_CENTRE_Y),
 *      (14, 14) at 28x28; the sub-pixel shift spreads each pixel bilinearly over its
 *      neighbours, which keeps mass and centre of mass exact. Clamp to 0..1.
 * dst[IMG_PIXELS]: white ink on black, like MNIST. Returns 0, or -1 when there is no ink at all (then
 * dst is all zeros). */
#define PREPROCESS_INK_THRESHOLD 0.2f
int preprocess_digit(const float *src, int w, int h, float dst[IMG_PIXELS]);

#endif
