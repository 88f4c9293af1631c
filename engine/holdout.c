#include "engine/holdout.h"
#include "engine/input.h"
#include "engine/rng.h"

#include <stdlib.h>
#include <string.h>

int holdout_split(uint8_t *images, uint8_t *labels, int n, int n_val, uint64_t seed,
                  int *original)
{
    int *perm = malloc(sizeof(int) * (size_t)n);
    uint8_t *held = malloc((size_t)n_val * IMG_PIXELS);
    uint8_t *held_labels = malloc((size_t)n_val);
    char *is_held = calloc((size_t)n, 1);
    int rc = -1;
    if (!perm || !held || !held_labels || !is_held) goto out;
    /* the first n_val of a seeded Fisher-Yates shuffle, on a stream of its own (the epochs'
     * shuffles are independent of it) */
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rng_u64(seed, RNG_HOLDOUT, 0, 0, (uint64_t)i) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int k = 0; k < n_val; k++) is_held[perm[k]] = 1;
    /* compact the kept images forward (stable), then put the held ones after them */
    int kept = 0, h = 0;
    for (int i = 0; i < n; i++) {
        if (is_held[i]) {
            memcpy(held + (size_t)h * IMG_PIXELS, images + (size_t)i * IMG_PIXELS, IMG_PIXELS);
            held_labels[h] = labels[i];
            perm[n - n_val + h++] = i;
            continue;
        }
        if (kept != i) {
            memcpy(images + (size_t)kept * IMG_PIXELS, images + (size_t)i * IMG_PIXELS, IMG_PIXELS);
            labels[kept] = labels[i];
        }
        perm[kept++] = i;
    }
    memcpy(images + (size_t)kept * IMG_PIXELS, held, (size_t)n_val * IMG_PIXELS);
    memcpy(labels + kept, held_labels, (size_t)n_val);
    if (original) memcpy(original, perm, sizeof(int) * (size_t)n);
    rc = 0;
out:
    free(perm);
    free(held);
    free(held_labels);
    free(is_held);
    return rc;
}
