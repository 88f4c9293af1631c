/* The inference API for `predict` and the drawing window: one call from an IMG_W x IMG_H image
 * to logits and probabilities, plus the feature maps on request, with no allocation per call. */
#ifndef MNIST_ENGINE_INFER_H
#define MNIST_ENGINE_INFER_H

#include "engine/finite.h"
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

/* infer_run's answer when what the network computed is not a number (engine/finite.h): the
 * outputs asked for hold NaN or infinity and must not be shown; NOT_FINITE_WHY says why. */
enum { INFER_NOT_FINITE = -2 };

/* img: IMG_W x IMG_H in 0..1, white ink on black (as MNIST and engine/preprocess.h produce).
 * Outputs that are NULL are skipped: logits, probs (softmax), maps1 (MAP1_FLOATS: C1 maps of
 * MAP1_H x MAP1_W, 32 x 28 x 28) and maps2 (MAP2_FLOATS: 64 x 14 x 14): conv1/conv2 activations
 * after BatchNorm + ReLU. Returns the predicted digit, or INFER_NOT_FINITE when the logits or the
 * maps asked for are not all finite. */
int infer_run(Infer *inf, const float img[IMG_PIXELS], float logits[N_CLASSES],
              float probs[N_CLASSES], float *maps1, float *maps2);

#endif
