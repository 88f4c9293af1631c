/* Inside the fast path: the sizes of its buffers and the Workspace that holds them, shared by
 * engine/net.c (the layers) and engine/net_workspace.c (allocation, the batch's parts). Nothing
 * else includes this. */
#ifndef MNIST_ENGINE_NET_WORKSPACE_H
#define MNIST_ENGINE_NET_WORKSPACE_H

#include "engine/net.h"
#include "engine/step_phases.h"
#include "simd/conv.h"
#include "simd/conv_bf16.h"
#include "simd/dense.h"
#include "simd/pool.h"
#include "simd/winograd.h"

#include <stddef.h>
#include <stdint.h>

enum {
    /* floats per sample of each buffer (PAD: with the zero rim) */
    X1_PAD = (IMG_H + 2) * (IMG_W + 2),           /* conv1's input */
    Z1_SIZE = IMG_PIXELS * C1,                    /* conv1's output, bn1's input */
    P1_PAD = (P1_H + 2) * (P1_W + 2) * C1,        /* pool 1's output, conv2's input */
    P1_SIZE = P1_H * P1_W * C1,                   /* pool 1's winners and gradients */
    Z2_SIZE = P1_H * P1_W * C2,                   /* conv2's output, bn2's input */
    Z2_PAD = (P1_H + 2) * (P1_W + 2) * C2,        /* conv2's output gradient */
    /* conv1 / conv2 weights, forward-packed [9][Cin][Cout] */
    W1_SIZE = 9 * C1, W2_SIZE = 9 * C1 * C2,
    /* per-chunk gradients (all but fc1.weight's, whose chunks the dense kernel sums), the conv
     * ones in the kernels' layouts: fc1.bias, fc2.weight, fc2.bias, conv1.weight, conv1.bias,
     * conv2.bias, conv2.weight (last: 9 x C1 x C2 direct, 16 x C1 x C2 Winograd-transformed) */
    CG_FC1B = 0, CG_FC2W = CG_FC1B + FC1_OUT, CG_FC2B = CG_FC2W + N_CLASSES * FC1_OUT,
    CG_W1 = CG_FC2B + N_CLASSES, CG_B1 = CG_W1 + W1_SIZE, CG_B2 = CG_B1 + C1,
    CG_W2 = CG_B2 + C2, CG_SIZE = CG_W2 + WINO_POINTS * C1 * C2,
    /* the conv gradients' part of it, which the gradient vector carries packed past its end
     * until the processes have summed it (see sum_grads) */
    CG_CONV = CG_SIZE - CG_W1,
    U2_SIZE = WINO_POINTS * C1 * C2,
    /* fc1 is split into fixed blocks, each computed whole by one thread (the kernels give the
     * same bits for any split): forward, blocks of 16 rows (samples) by DENSE_COL_STEP output
     * columns; backward, blocks of 224 input columns, the last one shorter where FC1_IN is no
     * multiple of it (at 28 x 28, 3136 = 14 * 224: enough tasks to balance 2 to 14 threads). */
    FC1_FWD_ROWS = 16,
    FC1_BWD_BLOCK = 224,
    FC1_BWD_BLOCKS = (FC1_IN + FC1_BWD_BLOCK - 1) / FC1_BWD_BLOCK,
    /* for more threads than FC1_BWD_BLOCKS: 49 blocks at 28 x 28 */
    FC1_BWD_BLOCK_SMALL = 2 * DENSE_COL_STEP,
};

/* What the fast path's kernels assume of the model's sizes (engine/model.h); each kernel's
 * header says the same of its arguments. A model that breaks one needs that kernel extended
 * (or, for the reference path alone, engine/model_ref.c, which has none of these limits). */
_Static_assert(IMG_H % 4 == 0 && IMG_W % 4 == 0,
               "both max-pools (simd/pool.h) and Winograd on conv2 (simd/winograd.h) take even "
               "sizes only: IMG_H and IMG_W must be multiples of 4");
_Static_assert(C1 % CONV_CHANNEL_STEP == 0 && C2 % (2 * CONV_CHANNEL_STEP) == 0,
               "simd/conv.h takes output channels in multiples of CONV_CHANNEL_STEP: C1 (conv1's "
               "output, conv2's input gradient) and half of C2 (conv2 split in two for one image, "
               "forward_eval_convs)");
_Static_assert(C1 % DENSE_COL_STEP == 0 && C2 % DENSE_COL_STEP == 0,
               "Winograd's products are dense tiles (simd/winograd.h): C1 and C2 must be "
               "multiples of DENSE_COL_STEP");
_Static_assert(C1 <= (int)WINO_MAX_C && C2 <= (int)WINO_MAX_C,
               "simd/winograd.c keeps rows of C1 and C2 channels on the stack: at most WINO_MAX_C");
_Static_assert(C1 % POOL_CHANNEL_STEP == 0 && C2 % POOL_CHANNEL_STEP == 0 &&
                   C1 <= (int)POOL_MAX_C && C2 <= (int)POOL_MAX_C,
               "the pooling passes (simd/pool.h) take channels in multiples of POOL_CHANNEL_STEP, "
               "at most POOL_MAX_C");
_Static_assert(C1 <= C2, "BnState and the BatchNorm sums (bnsum) are sized for C2 channels and "
                         "serve bn1 too");
_Static_assert(FC1_OUT % DENSE_COL_STEP == 0 && FC1_IN % DENSE_COL_STEP == 0 &&
                   FC1_BWD_BLOCK % DENSE_COL_STEP == 0 && FC1_BWD_BLOCK_SMALL % DENSE_COL_STEP == 0,
               "simd/dense.h takes columns in multiples of DENSE_COL_STEP: fc1's outputs "
               "(forward) and its inputs, in blocks of FC1_BWD_BLOCK (backward)");

_Static_assert(C1 % 2 == 0 && C2 % 2 == 0 && P1_W % 2 == 0,
               "BF16 products (simd/conv_bf16.h) reduce pairs of channels, and conv2's weight "
               "gradient pairs of pixels: C1, C2 and P1_W must be even");

/* Batch-wide BatchNorm values of one layer. */
typedef struct {
    float shift0[C2];                 /* the running mean at the start of the step: the shift of
                                       * the statistics' sums, so they do not cancel */
    float mean[C2], rstd[C2];
    float scale[C2], shift[C2];       /* the affine the forward applies */
    float k_dy[C2], k_x[C2], k_0[C2]; /* the backward's coefficients (simd/pool.h BnBackward) */
} BnState;

struct Workspace {
    int max_batch, max_chunks, threads, last_batch;
    ConvAlgo conv;
    Precision precision;
    BatchPart part;                 /* the step's part of the batch (a whole one: no comm) */
    int comm_failed;
    /* batch-wide, per sample */
    /* (the sizes in brackets, from engine/model.h; the numbers after them are at 28 x 28) */
    float *x;                       /* [IMG_PIXELS] 784, the normalised input, as given */
    float *x1;                      /* [IMG_H+2][IMG_W+2] 30x30, the same with a zero rim */
    float *z1;                      /* [IMG_H][IMG_W][C1] 28x28x32 */
    float *p1;                      /* [P1_H+2][P1_W+2][C1] 16x16x32, zero rim */
    uint8_t *win1;                  /* [P1_H][P1_W][C1] 14x14x32, pool 1's winners */
    float *dq1;                     /* [P1_H][P1_W][C1] bn1's output gradient at the winners */
    float *z2;                      /* [P1_H][P1_W][C2] 14x14x64 */
    float *p2, *dp2;                /* [P2_H][P2_W][C2] 7x7x64, pool 2's output, its gradient */
    uint8_t *win2;                  /* [P2_H][P2_W][C2] */
    float *dq2;                     /* [P2_H][P2_W][C2] */
    float *flat, *dflat;            /* [FC1_IN] 3136, p2 in PyTorch's (c, y, x) order */
    float *h, *hr, *mask, *hd, *dh, *dhd;   /* [FC1_OUT] 128 */
    float *logits, *probs, *dlogits;        /* [N_CLASSES] 10 */
    /* per thread, one chunk at a time */
    float *dz2;                     /* [CHUNK][P1_H+2][P1_W+2][C2] zero rim */
    float *dp1;                     /* [CHUNK][P1_H][P1_W][C1] */
    float *dz1;                     /* [CHUNK][IMG_H][IMG_W][C1] */
    /* per chunk */
    float *cgrad;                   /* [CG_SIZE] */
    double *bnsum;                  /* [2 * C2] a BatchNorm's partial sums, forward or backward */
    double *chunk_loss;             /* [2] the chunk's summed loss and right predictions */
    /* the weights in the kernels' layouts (pack_weights): conv1, conv2 forward-packed, conv2
     * transposed for its input gradient, fc1 transposed [FC1_IN][FC1_OUT] */
    float *w1, *w2, *w2t, *fc1t;
    float *u2, *u2t;                /* conv2's Winograd-transformed weights, and transposed */
    float *wino;                    /* per thread: winograd_scratch_floats */
    /* BF16 training (one element each for FP32): conv2's weights pair-packed, forward and
     * transposed [W2_SIZE]; conv2's input as bn1_relu_pool1_forward_and_bf16 writes it beside
     * p1, the padded bf16 image [B][P1_PAD] and its pixel pairs [B][2 * P1_PAD] (zero rims,
     * never written); per thread, a chunk's padded output gradient [CHUNK][Z2_PAD] and its
     * pixel pairs [CHUNK][Z2_SIZE] */
    bf16 *w2b, *w2tb, *b16_p1, *b16_p1_pairs, *b16_dz2, *b16_dy;
    float *grad;                    /* MODEL_N_PARAMS, then CG_CONV (sum_grads) */
    BnState bn1, bn2;
    Model snap;                     /* eval mode's copy of the model (net_eval_prepare) */
    PhaseClock *clock;              /* the training steps' phase times; NULL: not timed */
    float label_smoothing;          /* of the training loss (0: none) */
    int has_snap;
};

/* The used part of a chunk's gradients (conv2's weights take 9 or 16 points per pair of
 * channels). */
static inline int cg_used(ConvAlgo conv)
{
    return CG_W2 + (conv == CONV_WINOGRAD ? WINO_POINTS : 9) * C1 * C2;
}

/* Whether this pass runs conv2 in BF16: training steps of a PRECISION_BF16 workspace. */
static inline int bf16_pass(const Workspace *ws, int train)
{
    return train && ws->precision == PRECISION_BF16;
}

/* Floats of one thread's Winograd scratch (1 for the direct path). */
size_t net_wino_scratch(const Workspace *n);

#endif
