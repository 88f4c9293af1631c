/* Inside the fast path: the sizes of its buffers and the Workspace that holds them, shared by
 * engine/net.c (the layers) and engine/net_workspace.c (allocation, the batch's parts). Nothing
 * else includes this. */
#ifndef MNIST_ENGINE_NET_WORKSPACE_H
#define MNIST_ENGINE_NET_WORKSPACE_H

#include "engine/net.h"
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
     * same bits for any split): forward, blocks of 16 rows (samples) by 64 output columns (16
     * tasks at batch 64); backward, 14 blocks of 224 input columns (3136 = 14 * 224, enough
     * tasks to balance 2 to 14 threads). */
    FC1_FWD_ROWS = 16,
    FC1_BWD_BLOCK = 224,
};

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
    BatchPart part;                 /* the step's part of the batch (a whole one: no comm) */
    int comm_failed;
    /* batch-wide, per sample */
    float *x;                       /* [784] the normalised input, as the caller gives it */
    float *x1;                      /* [30][30] the same with a zero rim */
    float *z1;                      /* [28][28][32] */
    float *p1;                      /* [16][16][32] zero rim */
    uint8_t *win1;                  /* [14][14][32] pool 1's winners */
    float *dq1;                     /* [14][14][32] bn1's output gradient at the winners */
    float *z2;                      /* [14][14][64] */
    float *p2, *dp2;                /* [7][7][64] pool 2's output and its gradient */
    uint8_t *win2;                  /* [7][7][64] */
    float *dq2;                     /* [7][7][64] */
    float *flat, *dflat;            /* [3136] p2 in PyTorch's (c, y, x) order: fc1's input */
    float *h, *hr, *mask, *hd, *dh, *dhd;   /* [128] */
    float *logits, *probs, *dlogits;        /* [10] */
    /* per thread, one chunk at a time */
    float *dz2;                     /* [CHUNK][16][16][64] zero rim */
    float *dp1;                     /* [CHUNK][14][14][32] */
    float *dz1;                     /* [CHUNK][28][28][32] */
    /* per chunk */
    float *cgrad;                   /* [CG_SIZE] */
    double *bnsum;                  /* [2 * C2] a BatchNorm's partial sums, forward or backward */
    double *chunk_loss;             /* [2] the chunk's summed loss and right predictions */
    /* the weights in the kernels' layouts (pack_weights): conv1, conv2 forward-packed, conv2
     * transposed for its input gradient, fc1 transposed [3136][128] */
    float *w1, *w2, *w2t, *fc1t;
    float *u2, *u2t;                /* conv2's Winograd-transformed weights, and transposed */
    float *wino;                    /* per thread: winograd_scratch_floats */
    float *grad;                    /* MODEL_N_PARAMS, then CG_CONV (sum_grads) */
    BnState bn1, bn2;
    Model snap;                     /* eval mode's copy of the model (net_eval_prepare) */
    int has_snap;
};

/* The used part of a chunk's gradients (conv2's weights take 9 or 16 points per pair of
 * channels). */
static inline int cg_used(ConvAlgo conv)
{
    return CG_W2 + (conv == CONV_WINOGRAD ? WINO_POINTS : 9) * C1 * C2;
}

/* Floats of one thread's Winograd scratch (1 for the direct path). */
size_t net_wino_scratch(const Workspace *n);

#endif
