/* The inference API for `predict` and the drawing window: one call from a 28x28 image to
 * logits and probabilities, plus the feature maps on request, with no allocation per call. */
#ifndef MNIST_ENGINE_INFER_H
#define MNIST_ENGINE_INFER_H

#include "engine/model.h"

typedef struct Infer Infer;

/* An inference context reading m: a snapshot of its weights, packed for the kernels once, taken
 * now (later changes to m are seen after infer_set_model), run on `threads` OpenMP threads (0:
 * OpenMP's default, every core). One thread suits a caller that infers one image now and then
 * (the drawing window, predict): two cores take ~50 us instead of ~65 us on a back-to-back
 * loop, but then the other thread wakes for every image, and on a busy machine waits for a core
 * at each of the pass's barriers. NULL when out of memory. */
Infer *infer_create(const Model *m, int threads);
void infer_set_model(Infer *inf, const Model *m);
void infer_free(Infer *inf);

/* img: 28x28 in 0..1, white ink on black (as MNIST and engine/preprocess.h produce). Outputs
 * that are NULL are skipped: logits[10], probs[10] (softmax), maps1 (32,28,28) and maps2
 * (64,14,14): conv1/conv2 activations after BatchNorm + ReLU. Returns the predicted digit. */
int infer_run(Infer *inf, const float img[784], float logits[10], float probs[10], float *maps1,
              float *maps2);

#endif
