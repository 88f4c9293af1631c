/* Whether a result is a number: the one test the inference API, evaluation and their callers use
 * before anything is printed. Weights that each pass the checkpoint's checks (finite) can still
 * be so large that the network's sums overflow float: the logits are then infinite or NaN, and
 * so is everything computed from them. */
#ifndef MNIST_ENGINE_FINITE_H
#define MNIST_ENGINE_FINITE_H

#include <float.h>
#include <math.h>
#include <stddef.h>

/* Every v[i] finite (no NaN, no infinity). Only comparisons are ORed, so it runs as vector code. */
static inline int values_finite(const float *v, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) bad |= !(fabsf(v[i]) <= FLT_MAX);
    return !bad;
}

/* How the CLI and the window say it, after the model's name. */
#define NOT_FINITE_WHY "the network's output is not a number (NaN or infinite): the model's " \
                       "weights are so large that its sums overflow"

#endif
