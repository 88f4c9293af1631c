/* Counter-based random numbers: every draw is a pure function of (seed, stream, a, b, i), so a
 * sample gets the same augmentation and dropout mask whichever thread handles it and however many
 * threads there are. The mixer is SplitMix64's finaliser applied to a combined key. */
#ifndef MNIST_ENGINE_RNG_H
#define MNIST_ENGINE_RNG_H

#include <stdint.h>

/* Streams keep independent uses apart. */
enum { RNG_INIT = 1, RNG_SHUFFLE = 2, RNG_AUGMENT = 3, RNG_DROPOUT = 4, RNG_HOLDOUT = 5 };

static inline uint64_t rng_mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A 64-bit random word for (seed, stream, a, b, i). */
static inline uint64_t rng_u64(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b, uint64_t i)
{
    uint64_t h = rng_mix(seed ^ (stream << 56));
    h = rng_mix(h ^ a);
    h = rng_mix(h ^ b);
    return rng_mix(h ^ i);
}

/* Uniform in [0, 1) with 24 random bits (exact in float). */
static inline float rng_uniform(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b, uint64_t i)
{
    return (float)(rng_u64(seed, stream, a, b, i) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform in [lo, hi). */
static inline float rng_range(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b, uint64_t i,
                              float lo, float hi)
{
    return lo + (hi - lo) * rng_uniform(seed, stream, a, b, i);
}

#endif
