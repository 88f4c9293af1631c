/* The fast path's passes one at a time: the very functions a training step calls (engine/net.c),
 * for the layer benchmarks (benchmarks/bench_engine.cc), so that what they time is what a step
 * runs and cannot drift from it. Nothing else should need this. */
#ifndef MNIST_ENGINE_NET_PASSES_H
#define MNIST_ENGINE_NET_PASSES_H

#include "engine/net.h"
#include "engine/step_phases.h"

#include <stdint.h>

/* In the order a training step runs them. The per-chunk passes are net.c's layer functions; the
 * fully connected ones and the head work on the whole batch (fc1's on the workspace's threads). */
typedef enum {
    NET_PASS_CONV1_FWD,           /* conv1_forward, with bn1's sums */
    NET_PASS_BN1_RELU_POOL1_FWD,  /* bn1_relu_pool1_forward */
    NET_PASS_CONV2_FWD,           /* conv2_forward (direct or Winograd, as the workspace's), bn2's sums */
    NET_PASS_BN2_RELU_POOL2_FWD,  /* bn2_relu_pool2_forward */
    NET_PASS_FC1_FWD,             /* fc1_forward: the whole batch */
    NET_PASS_HEAD_FWD,            /* head_forward: ReLU, dropout, fc2, the whole batch */
    NET_PASS_HEAD_BWD,            /* head_backward: the whole batch */
    NET_PASS_FC1_BWD,             /* fc1_backward: the whole batch */
    NET_PASS_POOL2_BWD,           /* pool2_backward, with bn2's backward sums */
    NET_PASS_BN2_BWD,             /* bn2_backward */
    NET_PASS_CONV2_BWD,           /* conv2_backward: weight and input gradients */
    NET_PASS_POOL1_BWD,           /* pool1_backward, with bn1's backward sums */
    NET_PASS_BN1_BWD,             /* bn1_backward */
    NET_PASS_CONV1_BWD,           /* conv1_backward: the weight gradient */
    NET_N_PASSES
} NetPass;

/* "conv1_fwd", ... */
extern const char *const net_pass_names[NET_N_PASSES];

/* Whether pass p does anything different in a PRECISION_BF16 workspace. */
int net_pass_bf16_differs(NetPass p);

/* Whether pass p works on one chunk of NET_CHUNK samples (else on the whole batch). */
int net_pass_per_chunk(NetPass p);

/* After net_train_step on ws and m (every buffer holds that step's values): pass p again, on
 * chunk k of that step's batch (ignored by whole-batch passes), on the calling thread's share of
 * the per-thread buffers. The buffers it writes get the values they had. */
void net_run_pass(Workspace *ws, Model *m, const uint8_t *labels, NetPass p, int k);

/* How many equal tasks phase p of a training step of B samples is split into (0: element by
 * element, any number), the figures behind the thread-scaling model (benchmarks/step_phases.sh
 * --model); taken from the loops themselves, so it cannot drift from them. */
int net_phase_tasks(const Workspace *ws, StepPhase p, int B);

#endif
