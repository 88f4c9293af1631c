/* Shared by the simd tests: reproducible random floats, zeroed buffers, and a comparison against
 * a reference relative to the reference's largest value. */
#ifndef MNIST_TESTS_SIMD_RANDOM_DATA_H
#define MNIST_TESTS_SIMD_RANDOM_DATA_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned rng_state = 12345;

/* uniform in [-0.5, 0.5) */
static inline float rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / 16777216.0f - 0.5f;
}

/* n zeroed floats (the tests free them; an allocation failure fails the test at its first use) */
static inline float *buf(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* |got - want| <= tol * max|want| everywhere; prints the first difference. */
static inline int close_all(const char *what, const float *got, const float *want, size_t n,
                            double tol)
{
    double scale = 0;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++)
        if (!(fabs((double)got[i] - want[i]) <= tol * (scale + 1e-6))) {
            printf("# %s[%zu]: %.9g, expected %.9g\n", what, i, got[i], want[i]);
            return 0;
        }
    return 1;
}

#endif
