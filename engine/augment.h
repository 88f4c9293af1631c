/* Everything random in training, each a pure function of (seed, epoch/step, sample): the random
 * affine augmentation, the epoch's shuffle and the dropout mask. */
#ifndef MNIST_ENGINE_AUGMENT_H
#define MNIST_ENGINE_AUGMENT_H

#include "engine/model.h"

#include <stdint.h>

/* The parameters of one random affine draw (torchvision RandomAffine(degrees=15,
 * translate=(0.1, 0.1), scale=(0.8, 1.2)): angle uniform in [-15, 15] degrees, translation
 * round(uniform(-0.1, 0.1) x the image's width, height) whole pixels in x and y (+-2.8 at 28 x 28),
 * scale uniform in [0.8, 1.2], no shear). */
typedef struct { float angle_deg, scale; int tx, ty; } AffineParams;
AffineParams affine_draw(uint64_t seed, uint64_t epoch, uint64_t sample_index);

/* The same draw with every range scaled by strength (0..1: angle, translation and the scale's
 * distance from 1; 1 is affine_draw itself, bit for bit). */
AffineParams affine_draw_scaled(uint64_t seed, uint64_t epoch, uint64_t sample_index,
                                float strength);

/* Apply an affine map about the image centre with bilinear sampling and fill 0 (black), then
 * normalise: out is ready for the network. */
void affine_apply(float out[IMG_PIXELS], const uint8_t in[IMG_PIXELS], AffineParams p);

/* Shuffle perm[0..n) (Fisher-Yates) for the given epoch; perm is first set to 0..n-1. */
void shuffle_indices(int *perm, int n, uint64_t seed, uint64_t epoch);

/* Dropout(p) multipliers for sample `row` of optimizer step `step`: 0 with probability p, else
 * 1/(1-p), n values. */
void dropout_mask(float *mask, int n, float p, uint64_t seed, uint64_t step, uint64_t row);

#endif
