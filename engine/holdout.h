/* The validation split: n_val images of a training set, chosen by the seed, held out for
 * per-epoch validation, so the test set never chooses a model. */
#ifndef MNIST_ENGINE_HOLDOUT_H
#define MNIST_ENGINE_HOLDOUT_H

#include <stdint.h>

/* Rearranges n images (784 bytes each) and their labels in place: the n - n_val training images
 * first, then the n_val held out, each part in its original order. Which images are held out
 * depends only on (seed, n, n_val). When original is not NULL it receives, for each position,
 * the index the image had before (n ints). 0 < n_val < n. Returns 0, or -1 when out of memory
 * (the set is then unchanged). */
int holdout_split(uint8_t *images, uint8_t *labels, int n, int n_val, uint64_t seed,
                  int *original);

#endif
