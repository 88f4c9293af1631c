/* What the network takes as input, defined once: pixel values scaled to 0..1 (torchvision's
 * ToTensor), then Normalize(0.5, 0.5), i.e. (x - 0.5) / 0.5, so inputs lie in -1..1. */
#ifndef MNIST_ENGINE_INPUT_H
#define MNIST_ENGINE_INPUT_H

#include <stdint.h>

#include "engine/model.h"

/* One pixel, already scaled to 0..1. */
static inline float input_normalize(float v01) { return (v01 - 0.5f) / 0.5f; }

/* A uint8 image (0..255, as MNIST stores it) into the network's input. */
static inline void normalize_image(float out[IMG_PIXELS], const uint8_t in[IMG_PIXELS])
{
    for (int i = 0; i < IMG_PIXELS; i++) out[i] = input_normalize((float)in[i] / 255.0f);
}

#endif
