/* The fast path: the model's forward and backward over a batch, layer by layer, on the kernels of
 * simd/ (direct convolutions, fused BatchNorm + ReLU + pool passes, dense and GEMM products) and
 * OpenMP. Every per-batch buffer lives in a Workspace, allocated once by workspace_create; a
 * training step allocates nothing.
 *
 * Thread-count independence: convolution work is split into chunks of NET_CHUNK samples (never
 * "one per thread"); each chunk writes its own partial BatchNorm statistics and weight gradients,
 * merged in chunk order. Fully connected layers are split into fixed blocks, each computed whole
 * by one thread. So any number of threads gives bitwise the same result on one ISA. In eval mode
 * every image's logits are also independent of the batch it comes in. */
#ifndef MNIST_ENGINE_NET_H
#define MNIST_ENGINE_NET_H

#include "engine/model.h"

#include <stdint.h>

/* Samples per chunk: the unit of work split across threads, whose partial sums are merged in a
 * fixed order. With 4, a chunk's activations and gradients around conv2 (input 131 KB, output and
 * its gradient 200 KB each) stay in a 1 MB L2 between the passes that use them, and a batch of 64
 * gives 16 chunks to share out. It decides results (the order of partial sums), so it is a
 * constant, not tuned per machine. */
enum { NET_CHUNK = 4 };

typedef struct Workspace Workspace;

/* How training steps compute conv2 (conv1, with one input channel, is always direct; so is eval
 * mode, whose results must match PyTorch's direct convolution to float rounding):
 *   CONV_DIRECT    the direct convolution, every multiply-add of the definition;
 *   CONV_WINOGRAD  Winograd F(2x2, 3x3) (simd/winograd.h): 2.25x fewer multiplications for the
 *                  forward and both gradients, a different float sum of the same quantities. */
typedef enum { CONV_DIRECT = 0, CONV_WINOGRAD = 1 } ConvAlgo;
/* "direct", "winograd"; and back (-1 for an unknown name). */
const char *conv_algo_name(ConvAlgo a);
int conv_algo_from_name(const char *name);

/* A workspace for batches of up to max_batch samples; threads = OpenMP threads to use (<= 0:
 * the OpenMP default); conv: how its training steps compute conv2. NULL when out of memory. */
Workspace *workspace_create(int max_batch, int threads, ConvAlgo conv);
void workspace_free(Workspace *ws);

/* One training pass over a batch: x (B,784) normalised images, labels (B). Updates m's BatchNorm
 * running statistics as PyTorch does, leaves the gradient of the mean loss in workspace_grad() (all
 * MODEL_N_PARAMS floats overwritten). Dropout masks are dropout_mask(0.5, seed, step, row).
 * Returns the mean loss; *correct (if not NULL) gets the number of right predictions. */
float net_train_step(Workspace *ws, Model *m, const float *x, const uint8_t *labels, int B,
                     uint64_t seed, uint64_t step, int *correct);
const float *workspace_grad(const Workspace *ws);
/* The workspace's own (max_batch, 784) input buffer: a batch built here in place is not copied
 * again by net_train_step / net_eval_forward (they accept any x, and copy it otherwise). */
float *workspace_input(Workspace *ws);

/* Eval mode (running statistics, no dropout) works on a snapshot of a model: net_eval_prepare
 * copies m and packs its weights for the kernels once, so that many batches, or many single
 * images, pay for it once. Later changes to m are not seen until it is called again, and a
 * training step on this workspace drops the snapshot. */
void net_eval_prepare(Workspace *ws, const Model *m);
/* Logits (B,10) of the snapshot's model; -1 (nothing computed) if there is no snapshot. */
int net_eval_forward(Workspace *ws, const float *x, int B, float *logits);

/* After net_eval_forward with B >= 1: the first sample's activations after BatchNorm + ReLU,
 * before pooling: maps1 (32,28,28) and maps2 (64,14,14); either may be NULL. */
void net_feature_maps(const Workspace *ws, float *maps1, float *maps2);

#endif
