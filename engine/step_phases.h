/* Where a training step's time goes: the step cut into the phases it runs, in order, each one
 * parallel region of engine/net.c (or a serial part between them) or one piece of engine/train.c's
 * work around it. A PhaseClock, when given one (TrainConfig.phase_seconds), adds the wall time
 * since its last mark to the phase just ended, so the phases of a run add up to its steps' time
 * exactly: the step benchmark's table (benchmarks/bench_engine.cc, step_phases/...) is this
 * clock, not a model of the step built beside it. Without one, marking costs a branch. */
#ifndef MNIST_ENGINE_STEP_PHASES_H
#define MNIST_ENGINE_STEP_PHASES_H

#include "common/clock.h"

#include <stddef.h>

typedef enum {
    STEP_BETWEEN,          /* train.c between steps: schedule, metrics, progress, stop checks */
    STEP_BATCH,            /* train.c build_batch: random affine (or copy) and normalisation */
    STEP_PACK,             /* net.c pack_weights: conv and fc1 weights in the kernels' layouts */
    STEP_CONV1_FWD,        /* conv1_forward on every chunk, with bn1's sums */
    STEP_BN1_STATS,        /* bn1's sums added in the tree; mean, variance, running statistics */
    STEP_BN1_CONV2_FWD,    /* bn1_relu_pool1_forward, conv2_forward (with bn2's sums) per chunk */
    STEP_BN2_STATS,        /* the same for bn2 */
    STEP_BN2_POOL2_FWD,    /* bn2_relu_pool2_forward per chunk */
    STEP_FC1_FWD,          /* fc1_forward */
    STEP_HEAD_FWD,         /* ReLU, dropout, fc2 */
    STEP_LOSS,             /* softmax, cross-entropy and right predictions per chunk, summed */
    STEP_HEAD_BWD,         /* loss to fc2 to dropout to ReLU, fc2's gradients */
    STEP_FC1_BWD,          /* fc1_backward: its bias, weight (tree) and input gradients */
    STEP_POOL2_BWD,        /* pool2_backward per chunk: pool 2 + ReLU, bn2's backward sums */
    STEP_BN2_BWD_SUMS,     /* those sums added in the tree */
    STEP_BN2_CONV2_POOL1_BWD, /* bn2_backward, conv2_backward, pool1_backward per chunk */
    STEP_BN1_BWD_SUMS,     /* bn1's backward sums added in the tree */
    STEP_BN1_CONV1_BWD,    /* bn1_backward, conv1_backward per chunk */
    STEP_GRAD_SUMS,        /* sum_grads: the chunks' gradients added in the tree, unpacked */
    STEP_CHECK,            /* train.c: the loss and every gradient finite */
    STEP_ADAM,             /* the optimizer's update (and the weight average's, engine/ema.h) */
    STEP_N_PHASES
} StepPhase;

/* Short names, for tables and benchmark counters: "conv1_fwd", "bn1_stats", ... */
extern const char *const step_phase_names[STEP_N_PHASES];

typedef struct PhaseClock {
    double *seconds;   /* [STEP_N_PHASES], added to; NULL: the clock is off */
    double last;       /* the time of the last mark */
} PhaseClock;

/* Marks from now on. */
static inline void phase_clock_start(PhaseClock *c)
{
    if (c && c->seconds) c->last = clock_seconds();
}

/* Phase p ends now: the time since the last mark is its. */
static inline void phase_mark(PhaseClock *c, StepPhase p)
{
    if (!c || !c->seconds) return;
    const double now = clock_seconds();
    c->seconds[p] += now - c->last;
    c->last = now;
}

#endif
