/* An exponential moving average of the weights (Polyak averaging, as timm's ModelEmaV2): a model
 * of its own that follows the trained one,
 *   avg = d avg + (1 - d) m   for every parameter and BatchNorm running statistic,
 * the counters copied, after every optimizer step. It is the model a run with --ema evaluates
 * and keeps: late in training it sits in the middle of where the steps wander, and it reaches a
 * given accuracy in fewer steps. d = min(decay, (1 + t) / (10 + t)) at step t, so that the early
 * average is not held back by the initial weights. */
#ifndef MNIST_ENGINE_EMA_H
#define MNIST_ENGINE_EMA_H

#include "engine/model.h"

#include <stdint.h>

/* The average after optimizer step `step` (1-based) of m; on `threads` OpenMP threads (element by
 * element: the same bits for any count). */
void ema_update(Model *avg, const Model *m, float decay, int64_t step, int threads);

/* The decay used at `step`: min(decay, (1 + step) / (10 + step)), computed in double. */
float ema_decay_at(float decay, int64_t step);

#endif
