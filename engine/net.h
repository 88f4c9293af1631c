/* The fast path: the model's forward and backward over a batch, layer by layer, on the kernels of
 * simd/ (direct convolutions, fused BatchNorm + ReLU + pool passes, dense and GEMM products) and
 * OpenMP. Every per-batch buffer lives in a Workspace, allocated once by workspace_create; a
 * training step allocates nothing.
 *
 * Thread-count and process-count independence: convolution work is split into chunks of
 * NET_CHUNK samples (never "one per thread"); each chunk writes its own partial BatchNorm
 * statistics and gradients, and every sum over the batch adds the chunks' parts in one fixed tree
 * (common/tree_sum.h), fc1's weight gradient too (its kernel sums each chunk's rows, then the
 * chunks in the tree). Fully connected layers are split into fixed blocks, each computed whole by
 * one thread. So any number of threads, and any number of processes sharing the batch (BatchPart),
 * gives bitwise the same result on one ISA. In eval mode every image's logits are also independent
 * of the batch it comes in. */
#ifndef MNIST_ENGINE_NET_H
#define MNIST_ENGINE_NET_H

#include "engine/collective.h"
#include "engine/model.h"

#include <stdint.h>

/* Samples per chunk: the unit of work split across threads, whose partial sums are merged in a
 * fixed order. With 2, a batch of 64 gives 32 chunks, so up to 32 threads get work in every
 * chunked pass, and a chunk's activations and gradients around conv2 (input 66 KB, output and its
 * gradient 100 KB each) stay in L2 between the passes that use them. It decides results (the
 * order of partial sums), so it is a constant, not tuned per machine. */
enum { NET_CHUNK = 2 };

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

/* The precision of conv2's products in training steps (eval mode is always FP32):
 *   PRECISION_FP32  float operands;
 *   PRECISION_BF16  operands rounded to bfloat16, products summed in float (simd/conv_bf16.h),
 *                   on the direct algorithm: conv2's forward, weight and input gradients. The
 *                   master weights, every gradient, Adam and BatchNorm stay float. Native on
 *                   AVX-512 BF16; an instruction set without it runs the portable emulation
 *                   (the same bits, far slower; conv_bf16_supported in simd/conv_bf16.h says
 *                   which). */
typedef enum { PRECISION_FP32 = 0, PRECISION_BF16 = 1 } Precision;
/* "fp32", "bf16"; and back (-1 for an unknown name). */
const char *precision_name(Precision p);
int precision_from_name(const char *name);

/* A workspace for batches of up to max_batch samples; threads = OpenMP threads to use (<= 0:
 * the OpenMP default); conv: how its training steps compute conv2. NULL when out of memory. */
Workspace *workspace_create(int max_batch, int threads, ConvAlgo conv);
/* The same with training steps in precision p; NULL also for BF16 with CONV_WINOGRAD (BF16
 * products are on the direct algorithm only). */
Workspace *workspace_create_precision(int max_batch, int threads, ConvAlgo conv, Precision p);
void workspace_free(Workspace *ws);

/* A process's part of a batch shared out between processes (engine/collective.h): the batch's
 * chunks are split into blocks of a power of two of them, block k to rank k, so that each block is
 * a node of the tree every batch-wide sum is taken in (common/tree_sum.h), and any number of
 * processes gives the bits of one. */
typedef struct {
    int batch;          /* samples in the whole batch */
    int first;          /* this process's first sample in it */
    int block;          /* samples per process (the last may hold fewer, or none) */
    Collective *comm;   /* the processes; NULL: the whole batch is here */
} BatchPart;

/* The part of a batch of `batch` samples that rank comm->rank trains in a run of batches of at
 * most max_batch (the block size depends only on max_batch and the number of ranks, so a short
 * last batch is split like the others); returns its number of samples (0 or more). comm NULL:
 * the whole batch. The ranks must be a power of two, at most max_batch's chunks
 * (net_ranks_supported). */
int net_batch_part(Collective *comm, int max_batch, int batch, BatchPart *part);
/* Whether `ranks` processes can share batches of max_batch samples: a power of two, each with
 * at least one chunk of a full batch. */
int net_ranks_supported(int ranks, int max_batch);

/* One training pass over this process's part of a batch: x (B,784) normalised images, labels (B),
 * the samples [part->first, part->first + B) of the batch (part NULL: the whole batch is these
 * B). Updates m's BatchNorm running statistics as PyTorch does with the whole batch's statistics,
 * leaves the gradient of the whole batch's mean loss in workspace_grad() (all MODEL_N_PARAMS
 * floats overwritten, the same on every process). Dropout masks are dropout_mask(0.5, seed, step,
 * row in the whole batch). Returns the whole batch's mean loss; *correct (if not NULL) gets its
 * number of right predictions. If part->comm fails, returns NAN and net_comm_failed says so. */
float net_train_step(Workspace *ws, Model *m, const float *x, const uint8_t *labels, int B,
                     const BatchPart *part, uint64_t seed, uint64_t step, int *correct);
/* Floats of the gradients the processes exchange per step (one buffer, engine/net.c sum_grads):
 * fc1 and fc2, and the conv layers' packed for conv. */
size_t net_exchange_floats(ConvAlgo conv);
/* Whether a Collective call of the last training step failed (its reason in comm->error). */
int net_comm_failed(const Workspace *ws);
const float *workspace_grad(const Workspace *ws);
/* From now on the training steps mark their phases on clock (engine/step_phases.h; NULL: no
 * more); the caller marks what it does around them on the same clock. */
struct PhaseClock;
void workspace_time_phases(Workspace *ws, struct PhaseClock *clock);
/* The training steps' loss from now on: cross-entropy with label smoothing eps (0, the default:
 * none; engine/layers_ref.h); the loss net_train_step returns is that one too. */
void workspace_set_label_smoothing(Workspace *ws, float eps);
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
