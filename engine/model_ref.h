/* The whole model on the reference layers: the spec the fast path (engine/net.h) must match. */
#ifndef MNIST_ENGINE_MODEL_REF_H
#define MNIST_ENGINE_MODEL_REF_H

#include "engine/model.h"

/* One pass over a batch of B normalised images x (B,784).
 * train != 0: batch statistics in BatchNorm (and the running statistics of m are updated, with
 *   num_batches_tracked), dropout with masks dropout_mask(0.5, seed, step, row); if grad is not
 *   NULL it receives the gradient of the mean loss (overwritten, MODEL_N_PARAMS floats).
 * train == 0: running statistics, no dropout, no gradient.
 * logits (B,10) is written if not NULL. Returns the mean cross-entropy loss (0 if labels NULL),
 * with label smoothing label_smoothing (engine/layers_ref.h; 0: none). */
float ref_model_pass(Model *m, float *grad, float *logits, const float *x, const uint8_t *labels,
                     int B, int train, uint64_t seed, uint64_t step, float label_smoothing);

#endif
