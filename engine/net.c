/* The fast path, layer by layer. Each layer has one forward and one backward function, named
 * after it, that does its work for one chunk of NET_CHUNK samples (or, for the fully connected
 * layers, for the whole batch); forward() and backward() at the end call them in model order, a
 * parallel loop over the chunks wherever a BatchNorm needs nothing batch-wide in between.
 *
 *   reference (engine/layers_ref.h)      fast path (here)             kernels
 *   ref_conv3x3_forward     conv1        conv1_forward                conv3x3_forward (simd/conv.h),
 *   ref_batchnorm_forward_* bn1 stats                                  with bn1's sums fused
 *   ref_batchnorm_forward_* bn1 apply    bn1_relu_pool1_forward       bn_relu_pool_forward
 *                                        (with PRECISION_BF16, bn1_relu_pool1_forward_and_bf16:
 *                                        also conv2's bf16 input, bn_relu_pool_forward_and_bf16)
 *   ref_relu_forward, ref_maxpool2_forward                             (simd/pool.h)
 *   ref_conv3x3_forward     conv2        conv2_forward                conv3x3_forward + bn2 sums
 *   bn2, ReLU, pool 2, flatten           bn2_relu_pool2_forward       bn_relu_pool_forward,
 *                                                                     pixels_to_planes
 *   ref_linear_forward      fc1          fc1_forward                  dense_forward (simd/dense.h)
 *   ReLU, dropout, fc2                   head_forward                 the reference layers
 *   loss .. ReLU backward                head_backward                the reference layers
 *   ref_linear_backward     fc1          fc1_backward                 dense_weight_grad_tree,
 *                                                                     dense_forward
 *   ref_maxpool2_backward, ref_relu_backward (2), first half of bn2's backward
 *                                        pool2_backward               planes_to_pixels,
 *                                                                     relu_pool_backward_bn_sums
 *   ref_batchnorm_backward  bn2          bn2_backward                 unpool_bn_backward_sum_dx
 *                                        (with PRECISION_BF16, bn2_backward_to_bf16: the same
 *                                        gradient rounded where it is made, in conv2's BF16
 *                                        layouts, unpool_bn_backward_sum_dx_bf16_image_pairs)
 *   ref_conv3x3_backward    conv2        conv2_backward               conv3x3_weight_grad,
 *                                                                     conv3x3_forward (transposed)
 *                                        (with CONV_WINOGRAD, conv2's three products are
 *                                        winograd_forward and winograd_weight_grad instead;
 *                                        with PRECISION_BF16, their BF16 forms in
 *                                        simd/conv_bf16.h, on operands rounded where the
 *                                        passes before make them)
 *   pool 1, ReLU, first half of bn1's    pool1_backward               relu_pool_backward_bn_sums
 *   ref_batchnorm_backward  bn1          bn1_backward                 unpool_bn_backward_sum_dx
 *   ref_conv3x3_backward    conv1        conv1_backward (weights)     conv3x3_weight_grad
 *
 * Activations are channels-last, [sample][y][x][channel]; the inputs of the two convolutions
 * keep a zero rim of one pixel (written once, at creation), so the kernels read them without
 * bounds checks and the layer before writes straight into them. Chunk k holds samples
 * [k*NET_CHUNK, k*NET_CHUNK + S) of every batch-wide buffer. See net.h for the threading
 * contract. */
#include "engine/argmax.h"
#include "engine/augment.h"
#include "engine/layers_ref.h"
#include "engine/layout.h"
#include "engine/net.h"
#include "engine/net_passes.h"
#include "engine/net_workspace.h"
#include "engine/step_phases.h"
#include "common/tree_sum.h"
#include "simd/conv.h"
#include "simd/dense.h"
#include "simd/pool.h"
#include "simd/winograd.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* Which model tensors one BatchNorm layer uses. */
typedef struct {
    ParamId gamma, beta;
    BufferId running_mean, running_var;
    CounterId counter;
    int C, HW;
} BnLayer;

static const BnLayer BN1 = {P_BN1_W, P_BN1_B, B_BN1_MEAN, B_BN1_VAR, K_BN1_COUNT, C1, IMG_PIXELS};
static const BnLayer BN2 = {P_BN2_W, P_BN2_B, B_BN2_MEAN, B_BN2_VAR, K_BN2_COUNT, C2, P1_H * P1_W};

/* ---- helpers ---------------------------------------------------------------------------- */

static int chunk_size(int B, int k)
{
    int s = B - k * NET_CHUNK;
    return s < NET_CHUNK ? s : NET_CHUNK;
}

/* The calling thread's part of a per-thread buffer of `per` elements. */
static float *per_thread(float *base, size_t per) { return base + (size_t)omp_get_thread_num() * per; }
static bf16 *per_thread_bf16(bf16 *base, size_t per)
{
    return base + (size_t)omp_get_thread_num() * per;
}

/* Chunk k's BatchNorm partial sums, cleared. */
static double *chunk_bnsum(Workspace *ws, int k)
{
    double *s = ws->bnsum + (size_t)k * 2 * C2;
    memset(s, 0, sizeof(double) * 2 * C2);
    return s;
}

/* The processes holding some of the step's batch: the nodes of the tree above the chunks. */
static int part_nodes(const BatchPart *p) { return (p->batch + p->block - 1) / p->block; }

/* v (n values, this process's node of the tree) summed over the processes, in place; nothing to
 * do for one. A failure is remembered: the step's later calls are skipped and its result is not
 * used (net_comm_failed). */
static void sum_over_processes(Workspace *ws, void *v, size_t n, CollType type)
{
    Collective *c = ws->part.comm;
    if (!c || ws->comm_failed) return;
    if (c->sum(c, v, n, type, part_nodes(&ws->part))) ws->comm_failed = 1;
}

int net_comm_failed(const Workspace *ws) { return ws->comm_failed; }

/* Whether this pass computes conv2 with Winograd: training steps of a CONV_WINOGRAD workspace. */
static int winograd(const Workspace *ws, int train) { return train && ws->conv == CONV_WINOGRAD; }

/* A training step's phase ends (engine/step_phases.h); eval mode's passes are not a step's. */
static void mark(Workspace *ws, int train, StepPhase p)
{
    if (train) phase_mark(ws->clock, p);
}

enum { FC1_PACK_ROWS = 16, FC1_TASKS = FC1_OUT / FC1_PACK_ROWS, PACK_TASKS = FC1_TASKS + 3 };
_Static_assert(FC1_OUT % FC1_PACK_ROWS == 0, "fc1's rows are packed in tasks of FC1_PACK_ROWS");

/* m's weights in the kernels' layouts: every training step, or once per net_eval_prepare; shared
 * out as tasks (fc1's transpose in blocks of rows). conv2: forward-packed for eval and direct
 * training, with its transposed packing for the input gradient in training; Winograd-transformed
 * (and transposed) for Winograd training; pair-packed bf16 (and transposed) for BF16 training. */
static void pack_weights(Workspace *ws, const Model *m, int train)
{
    const float *w2 = model_param(m, P_CONV2_W);
    const int wino = winograd(ws, train), b16 = bf16_pass(ws, train);
    /* one task at a time in turn: the conv2 tasks come last and are the largest */
#pragma omp parallel for schedule(static, 1) num_threads(ws->threads)
    for (int t = 0; t < PACK_TASKS; t++) {
        if (t < FC1_TASKS)
            dense_pack(model_param(m, P_FC1_W), FC1_OUT, FC1_IN, t * FC1_PACK_ROWS, FC1_PACK_ROWS,
                       ws->fc1t);
        else if (t == FC1_TASKS)
            conv3x3_pack(model_param(m, P_CONV1_W), C1, 1, ws->w1);
        else if (t == FC1_TASKS + 1 && wino)
            winograd_pack(w2, C2, C1, ws->u2);
        else if (t == FC1_TASKS + 1 && b16)
            conv3x3_pack_bf16(w2, C2, C1, ws->w2b);
        else if (t == FC1_TASKS + 1)
            conv3x3_pack(w2, C2, C1, ws->w2);
        else if (train && wino)
            winograd_pack_transposed(w2, C2, C1, ws->u2t);
        else if (train && b16)
            conv3x3_pack_transposed_bf16(w2, C2, C1, ws->w2tb);
        else if (train)
            conv3x3_pack_transposed(w2, C2, C1, ws->w2t);
    }
}

/* ---- BatchNorm's batch-wide steps --------------------------------------------------------- */

/* The chunks' BatchNorm sums (per channel: L->C of one kind, then L->C of the other) added in
 * the tree, then over the processes: the whole batch's, in bnsum[0 .. 2 * L->C). */
static const double *bn_batch_sums(Workspace *ws, const BnLayer *L, int B)
{
    tree_sum_doubles(ws->bnsum, (B + NET_CHUNK - 1) / NET_CHUNK, 2 * C2, 0, 2 * (size_t)L->C);
    sum_over_processes(ws, ws->bnsum, 2 * (size_t)L->C, COLL_DOUBLE);
    return ws->bnsum;
}

/* Training: the whole batch's shifted sums give its mean and variance; the running statistics
 * are updated like PyTorch (unbiased variance, momentum 0.1). */
static void bn_finish_stats(Workspace *ws, BnState *bn, Model *m, const BnLayer *L, int B)
{
    const double *sum = bn_batch_sums(ws, L, B);
    const float *g = model_param(m, L->gamma), *b = model_param(m, L->beta);
    float *rm = model_buffer(m, L->running_mean), *rv = model_buffer(m, L->running_var);
    const double n = (double)ws->part.batch * L->HW;
    for (int c = 0; c < L->C; c++) {
        const double s1 = sum[c], s2 = sum[L->C + c];
        double d = s1 / n, var = s2 / n - d * d;
        if (var < 0) var = 0;
        bn->mean[c] = (float)(bn->shift0[c] + d);
        bn->rstd[c] = (float)(1.0 / sqrt(var + BN_EPS));
        bn->scale[c] = g[c] * bn->rstd[c];
        bn->shift[c] = b[c] - bn->mean[c] * bn->scale[c];
        float unbiased = (float)(n > 1 ? var * n / (n - 1) : var);
        rm[c] = (1.0f - BN_MOMENTUM) * rm[c] + BN_MOMENTUM * bn->mean[c];
        rv[c] = (1.0f - BN_MOMENTUM) * rv[c] + BN_MOMENTUM * unbiased;
    }
    m->counters[L->counter]++;
}

/* Before the forward: the shift of the training sums, or in eval mode the affine from the
 * running statistics. */
static void bn_begin(BnState *bn, const Model *m, const BnLayer *L, int train)
{
    const float *g = model_param(m, L->gamma), *b = model_param(m, L->beta);
    const float *rm = model_buffer(m, L->running_mean), *rv = model_buffer(m, L->running_var);
    for (int c = 0; c < L->C; c++) {
        bn->shift0[c] = rm[c];
        if (train) continue;
        float r = 1.0f / sqrtf(rv[c] + BN_EPS);
        bn->scale[c] = g[c] * r;
        bn->shift[c] = b[c] - rm[c] * bn->scale[c];
    }
}

/* Backward: the whole batch's sums of dy and dy * (x - mean) give the gamma and beta gradients
 * and the coefficients of dx = gamma * rstd * (dy - mean(dy) - xhat * mean(dy * xhat)). */
static void bn_finish_sums(Workspace *ws, BnState *bn, const Model *m, const BnLayer *L, int B)
{
    const double *sum = bn_batch_sums(ws, L, B);
    const float *g = model_param(m, L->gamma);
    float *dg = param_in(ws->grad, L->gamma), *db = param_in(ws->grad, L->beta);
    const double n = (double)ws->part.batch * L->HW;
    for (int c = 0; c < L->C; c++) {
        const double s1 = sum[c], s2 = sum[L->C + c];
        double r = bn->rstd[c], gr = (double)g[c] * r;
        dg[c] = (float)(s2 * r);
        db[c] = (float)s1;
        bn->k_dy[c] = (float)gr;
        bn->k_x[c] = (float)(-gr * r * r * s2 / n);
        bn->k_0[c] = (float)(-gr * s1 / n);
    }
}

static BnBackward bn_backward_of(const BnState *bn)
{
    return (BnBackward){bn->k_dy, bn->k_x, bn->k_0, bn->mean};
}

/* ---- forward, layer by layer ------------------------------------------------------------- */

/* conv1 on chunk k: its input copied inside the zero rim; in training, bn1's sums as well. */
static void conv1_forward(Workspace *ws, const Model *m, int B, int k, int train)
{
    const int s0 = k * NET_CHUNK, S = chunk_size(B, k);
    for (int s = 0; s < S; s++)
        for (int y = 0; y < IMG_H; y++)
            memcpy(ws->x1 + (size_t)(s0 + s) * X1_PAD + (y + 1) * (IMG_W + 2) + 1,
                   ws->x + (size_t)(s0 + s) * IMG_PIXELS + y * IMG_W, sizeof(float) * IMG_W);
    const ConvShape shape = {IMG_H, IMG_W, 1, C1};
    conv3x3_forward(&shape, S, ws->x1 + (size_t)s0 * X1_PAD, ws->w1, model_param(m, P_CONV1_B),
                    ws->z1 + (size_t)s0 * Z1_SIZE, ws->bn1.shift0,
                    train ? chunk_bnsum(ws, k) : NULL);
}

/* bn1 + ReLU + pool 1 on chunk k, into conv2's padded input; winners kept in training. */
static void bn1_relu_pool1_forward(Workspace *ws, int B, int k, int train)
{
    const int s0 = k * NET_CHUNK;
    const PoolShape p = {chunk_size(B, k), IMG_H, IMG_W, C1};
    const ImageStrides out = image_strides_padded(P1_H, P1_W, C1);
    bn_relu_pool_forward(&p, ws->z1 + (size_t)s0 * Z1_SIZE, ws->bn1.scale, ws->bn1.shift,
                         ws->p1 + (size_t)s0 * P1_PAD + out.row + C1, out,
                         train ? ws->win1 + (size_t)s0 * P1_SIZE : NULL);
}

/* bn1_relu_pool1_forward in BF16 training: the same p1 and winners, and each row rounded to bf16
 * as it is written, into conv2's bf16 input image and its pixel pairs (ws->b16_p1,
 * ws->b16_p1_pairs) for conv2's BF16 forward and weight gradient. */
static void bn1_relu_pool1_forward_and_bf16(Workspace *ws, int B, int k)
{
    const int s0 = k * NET_CHUNK;
    const PoolShape p = {chunk_size(B, k), IMG_H, IMG_W, C1};
    const ImageStrides out = image_strides_padded(P1_H, P1_W, C1);
    bn_relu_pool_forward_and_bf16(&p, ws->z1 + (size_t)s0 * Z1_SIZE, ws->bn1.scale, ws->bn1.shift,
                                  ws->p1 + (size_t)s0 * P1_PAD + out.row + C1, out,
                                  ws->win1 + (size_t)s0 * P1_SIZE,
                                  ws->b16_p1 + (size_t)s0 * P1_PAD + out.row + C1,
                                  ws->b16_p1_pairs + (size_t)s0 * 2 * P1_PAD);
}

/* conv2 on chunk k, output channels [co0, co0 + nco); in training (all channels), bn2's sums as
 * well. */
static void conv2_forward(Workspace *ws, const Model *m, int B, int k, int train, int co0, int nco)
{
    const int s0 = k * NET_CHUNK, S = chunk_size(B, k);
    const ConvShape shape = {P1_H, P1_W, C1, C2};
    const float *in = ws->p1 + (size_t)s0 * P1_PAD, *bias = model_param(m, P_CONV2_B);
    float *out = ws->z2 + (size_t)s0 * Z2_SIZE;
    if (winograd(ws, train)) {
        winograd_forward(&shape, S, in, ws->u2, bias, out, ws->bn2.shift0, chunk_bnsum(ws, k),
                         per_thread(ws->wino, net_wino_scratch(ws)));
    } else if (bf16_pass(ws, train)) {
        conv3x3_forward_bf16_channels(&shape, S, ws->b16_p1 + (size_t)s0 * P1_PAD, ws->w2b, bias,
                                      out, ws->bn2.shift0, chunk_bnsum(ws, k), co0, nco);
    } else
        conv3x3_forward_channels(&shape, S, in, ws->w2, bias, out, ws->bn2.shift0,
                                 train ? chunk_bnsum(ws, k) : NULL, co0, nco);
}

/* bn2 + ReLU + pool 2 on chunk k, then flattened in PyTorch's (c, y, x) order for fc1. */
static void bn2_relu_pool2_forward(Workspace *ws, int B, int k, int train)
{
    const int s0 = k * NET_CHUNK, S = chunk_size(B, k);
    const PoolShape p = {S, P1_H, P1_W, C2};
    float *p2 = ws->p2 + (size_t)s0 * FC1_IN;
    bn_relu_pool_forward(&p, ws->z2 + (size_t)s0 * Z2_SIZE, ws->bn2.scale, ws->bn2.shift, p2,
                         image_strides(P2_H, P2_W, C2),
                         train ? ws->win2 + (size_t)s0 * FC1_IN : NULL);
    for (int s = 0; s < S; s++)
        pixels_to_planes(p2 + (size_t)s * FC1_IN, P2_H * P2_W, C2,
                         ws->flat + (size_t)(s0 + s) * FC1_IN);
}

/* fc1 by blocks of rows and output columns. */
/* fc1's forward tasks: blocks of fc1_forward_rows samples by DENSE_COL_STEP outputs; more and
 * smaller ones for more threads than the larger give work to (the dense kernel gives the same
 * bits for any split). */
static int fc1_forward_rows(const Workspace *ws) { return ws->threads > 16 ? FC1_FWD_ROWS / 2 : FC1_FWD_ROWS; }
static int fc1_forward_tasks(const Workspace *ws, int B)
{
    return (B + fc1_forward_rows(ws) - 1) / fc1_forward_rows(ws) * (FC1_OUT / DENSE_COL_STEP);
}

static void fc1_forward(Workspace *ws, const Model *m, int B)
{
    const int col_blocks = FC1_OUT / DENSE_COL_STEP, R = fc1_forward_rows(ws);
    const int tasks = fc1_forward_tasks(ws, B);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int t = 0; t < tasks; t++) {
        const int r0 = t / col_blocks * R, rows = B - r0 < R ? B - r0 : R;
        dense_forward(rows, FC1_IN, FC1_OUT, t % col_blocks * DENSE_COL_STEP, DENSE_COL_STEP,
                      ws->flat + (size_t)r0 * FC1_IN, FC1_IN, ws->fc1t, model_param(m, P_FC1_B),
                      ws->h + (size_t)r0 * FC1_OUT, FC1_OUT);
    }
}

/* ReLU, dropout, fc2: small, on the reference layers, per chunk (every row is its own). */
static void head_forward(Workspace *ws, const Model *m, int B, int train, uint64_t seed,
                         uint64_t step)
{
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int k = 0; k < (B + NET_CHUNK - 1) / NET_CHUNK; k++) {
        const int s0 = k * NET_CHUNK, S = chunk_size(B, k);
        const size_t h0 = (size_t)s0 * FC1_OUT;
        ref_relu_forward(ws->hr + h0, ws->h + h0, S * FC1_OUT);
        for (int b = s0; b < s0 + S; b++) {
            float *mask = ws->mask + (size_t)b * FC1_OUT;
            if (train) dropout_mask(mask, FC1_OUT, 0.5f, seed, step, (uint64_t)(ws->part.first + b));
            else for (int i = 0; i < FC1_OUT; i++) mask[i] = 1.0f;
        }
        ref_dropout_forward(ws->hd + h0, ws->hr + h0, ws->mask + h0, S * FC1_OUT);
        ref_linear_forward(ws->logits + (size_t)s0 * N_CLASSES, ws->hd + h0,
                           model_param(m, P_FC2_W), model_param(m, P_FC2_B), S, FC1_OUT, N_CLASSES);
    }
}

/* Eval mode, conv1 to pool 2. The running statistics leave nothing to wait for between layers:
 * with a chunk for every thread, each chunk goes through all of them while its activations are in
 * cache; with fewer (a single image), conv2, the bulk of the work, runs as two tasks per chunk
 * (halves of its output channels) so that two cores share it. Either way the same bits. */
static void forward_eval_convs(Workspace *ws, const Model *m, int B)
{
    enum { HALF = C2 / 2 };
    const int chunks = (B + NET_CHUNK - 1) / NET_CHUNK;
    if (chunks >= ws->threads) {
#pragma omp parallel for schedule(static) num_threads(ws->threads)
        for (int k = 0; k < chunks; k++) {
            conv1_forward(ws, m, B, k, 0);
            bn1_relu_pool1_forward(ws, B, k, 0);
            conv2_forward(ws, m, B, k, 0, 0, C2);
            bn2_relu_pool2_forward(ws, B, k, 0);
        }
        return;
    }
#pragma omp parallel num_threads(ws->threads)
    {
#pragma omp for schedule(static)
        for (int k = 0; k < chunks; k++) {
            conv1_forward(ws, m, B, k, 0);
            bn1_relu_pool1_forward(ws, B, k, 0);
        }
#pragma omp for schedule(static)
        for (int t = 0; t < 2 * chunks; t++) conv2_forward(ws, m, B, t / 2, 0, t % 2 * HALF, HALF);
#pragma omp for schedule(static)
        for (int k = 0; k < chunks; k++) bn2_relu_pool2_forward(ws, B, k, 0);
    }
}

/* Forward up to the logits (ws->logits). train: batch statistics, running statistics update and
 * dropout. */
static void forward(Workspace *ws, Model *m, int B, int train, uint64_t seed, uint64_t step)
{
    const int chunks = (B + NET_CHUNK - 1) / NET_CHUNK;
    ws->last_batch = B;
    bn_begin(&ws->bn1, m, &BN1, train);
    bn_begin(&ws->bn2, m, &BN2, train);
    if (train) {
        /* each BatchNorm needs the whole batch's statistics before it can be applied */
#pragma omp parallel for schedule(static) num_threads(ws->threads)
        for (int k = 0; k < chunks; k++) conv1_forward(ws, m, B, k, 1);
        mark(ws, train, STEP_CONV1_FWD);
        bn_finish_stats(ws, &ws->bn1, m, &BN1, B);
        mark(ws, train, STEP_BN1_STATS);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
        for (int k = 0; k < chunks; k++) {
            if (bf16_pass(ws, 1))
                bn1_relu_pool1_forward_and_bf16(ws, B, k);
            else
                bn1_relu_pool1_forward(ws, B, k, 1);
            conv2_forward(ws, m, B, k, 1, 0, C2);
        }
        mark(ws, train, STEP_BN1_CONV2_FWD);
        bn_finish_stats(ws, &ws->bn2, m, &BN2, B);
        mark(ws, train, STEP_BN2_STATS);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
        for (int k = 0; k < chunks; k++) bn2_relu_pool2_forward(ws, B, k, 1);
        mark(ws, train, STEP_BN2_POOL2_FWD);
    } else {
        forward_eval_convs(ws, m, B);
    }
    fc1_forward(ws, m, B);
    mark(ws, train, STEP_FC1_FWD);
    head_forward(ws, m, B, train, seed, step);
    mark(ws, train, STEP_HEAD_FWD);
}

/* ---- backward, layer by layer ------------------------------------------------------------ */

/* loss -> fc2 -> dropout -> ReLU: small, on the reference layers; fc2's gradients per chunk. */
static void head_backward(Workspace *ws, const Model *m, const uint8_t *labels, int B)
{
    ref_softmax_xent_backward_part(ws->dlogits, ws->probs, labels, B, N_CLASSES, ws->part.batch,
                                   ws->label_smoothing);
    for (int k = 0; k * NET_CHUNK < B; k++) {
        const size_t s0 = (size_t)k * NET_CHUNK;
        float *g = ws->cgrad + (size_t)k * CG_SIZE;
        memset(g + CG_FC2W, 0, sizeof(float) * (N_CLASSES * FC1_OUT + N_CLASSES));
        ref_linear_backward(ws->dhd + s0 * FC1_OUT, g + CG_FC2W, g + CG_FC2B,
                            ws->dlogits + s0 * N_CLASSES, ws->hd + s0 * FC1_OUT,
                            model_param(m, P_FC2_W), chunk_size(B, k), FC1_OUT, N_CLASSES);
    }
    ref_dropout_backward(ws->dh, ws->dhd, ws->mask, B * FC1_OUT);
    ref_relu_backward(ws->dh, ws->dh, ws->hr, B * FC1_OUT);
}

/* fc1's backward blocks of input columns: FC1_BWD_BLOCK, or FC1_BWD_BLOCK_SMALL for more
 * threads than those give work to (the same bits for any split). */
static int fc1_backward_block(const Workspace *ws)
{
    return ws->threads > FC1_BWD_BLOCKS ? FC1_BWD_BLOCK_SMALL : FC1_BWD_BLOCK;
}
static int fc1_backward_blocks(const Workspace *ws)
{
    return (FC1_IN + fc1_backward_block(ws) - 1) / fc1_backward_block(ws);
}

/* fc1: bias gradient per chunk, then weight (its chunks summed in the tree by the kernel) and
 * input gradients by blocks of input columns. */
static void fc1_backward(Workspace *ws, const Model *m, int B)
{
    for (int k = 0; k * NET_CHUNK < B; k++) {
        float *gfb = ws->cgrad + (size_t)k * CG_SIZE + CG_FC1B;
        memset(gfb, 0, sizeof(float) * FC1_OUT);
        for (int b = k * NET_CHUNK; b < k * NET_CHUNK + chunk_size(B, k); b++)
            for (int o = 0; o < FC1_OUT; o++) gfb[o] += ws->dh[(size_t)b * FC1_OUT + o];
    }
    static const float zero[FC1_IN];
    float *gfw = param_in(ws->grad, P_FC1_W);
    /* dflat = dh W: PyTorch's W [FC1_OUT][FC1_IN] is already the [K][N] the dense product reads */
    const float *fw = model_param(m, P_FC1_W);
    /* every input column, in whole blocks and a last short one (none at 28 x 28) */
    const int block = fc1_backward_block(ws);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int j = 0; j < fc1_backward_blocks(ws); j++) {
        const int i0 = j * block;
        const int n = FC1_IN - i0 < block ? FC1_IN - i0 : block;
        dense_weight_grad_tree(B, NET_CHUNK, ws->dh, FC1_OUT, 0, FC1_OUT, ws->flat, FC1_IN, i0, n,
                               gfw, FC1_IN);
        dense_forward(B, FC1_OUT, FC1_IN, i0, n, ws->dh, FC1_OUT, fw, zero, ws->dflat, FC1_IN);
    }
}

/* pool 2 + ReLU on chunk k: bn2's output gradient at the winners and the chunk's bn2 sums. */
static void pool2_backward(Workspace *ws, int B, int k)
{
    const int s0 = k * NET_CHUNK, S = chunk_size(B, k);
    const PoolShape p = {S, P1_H, P1_W, C2};
    const ImageStrides ps = image_strides(P2_H, P2_W, C2);
    float *dp2 = ws->dp2 + (size_t)s0 * FC1_IN;
    for (int s = 0; s < S; s++)
        planes_to_pixels(ws->dflat + (size_t)(s0 + s) * FC1_IN, P2_H * P2_W, C2,
                         dp2 + (size_t)s * FC1_IN);
    relu_pool_backward_bn_sums(&p, dp2, ps, ws->p2 + (size_t)s0 * FC1_IN, ps,
                               ws->win2 + (size_t)s0 * FC1_IN, ws->z2 + (size_t)s0 * Z2_SIZE,
                               ws->bn2.mean, ws->dq2 + (size_t)s0 * FC1_IN, chunk_bnsum(ws, k));
}

/* bn2 on chunk k: conv2's output gradient into this thread's padded dz2, and conv2's bias
 * gradient (its sum). */
static void bn2_backward(Workspace *ws, int B, int k, float *dz2)
{
    const int s0 = k * NET_CHUNK;
    const PoolShape p = {chunk_size(B, k), P1_H, P1_W, C2};
    const ImageStrides xs = image_strides_padded(P1_H, P1_W, C2);
    const BnBackward bb = bn_backward_of(&ws->bn2);
    double sum[C2] = {0};
    unpool_bn_backward_sum_dx(&p, ws->dq2 + (size_t)s0 * FC1_IN, ws->win2 + (size_t)s0 * FC1_IN,
                              ws->z2 + (size_t)s0 * Z2_SIZE, &bb, dz2 + xs.row + C2, xs, sum);
    float *gb = ws->cgrad + (size_t)k * CG_SIZE + CG_B2;
    for (int c = 0; c < C2; c++) gb[c] = (float)sum[c];
}

/* This thread's bf16 forms of conv2's output gradient (BF16 training): the padded image (its
 * rim zero since creation, never written) and the pixel pairs. */
static bf16 *dz2_bf16_image(Workspace *ws) { return per_thread_bf16(ws->b16_dz2, NET_CHUNK * (size_t)Z2_PAD); }
static bf16 *dz2_bf16_pairs(Workspace *ws) { return per_thread_bf16(ws->b16_dy, NET_CHUNK * (size_t)Z2_SIZE); }

/* bn2_backward in BF16 training: the same gradient rounded to bf16 where it is made, into this
 * thread's two bf16 layouts of it that conv2_backward_bf16 reads (no float dz2), and the same
 * bias gradient. */
static void bn2_backward_to_bf16(Workspace *ws, int B, int k)
{
    const int s0 = k * NET_CHUNK;
    const PoolShape p = {chunk_size(B, k), P1_H, P1_W, C2};
    const ImageStrides xs = image_strides_padded(P1_H, P1_W, C2);
    const BnBackward bb = bn_backward_of(&ws->bn2);
    double sum[C2] = {0};
    unpool_bn_backward_sum_dx_bf16_image_pairs(
        &p, ws->dq2 + (size_t)s0 * FC1_IN, ws->win2 + (size_t)s0 * FC1_IN,
        ws->z2 + (size_t)s0 * Z2_SIZE, &bb, dz2_bf16_image(ws) + xs.row + C2, xs,
        dz2_bf16_pairs(ws), sum);
    float *gb = ws->cgrad + (size_t)k * CG_SIZE + CG_B2;
    for (int c = 0; c < C2; c++) gb[c] = (float)sum[c];
}

/* conv2's two gradients in BF16 on chunk k (S samples), from the bf16 layouts the passes before
 * left: the weight gradient from the input's pixel pairs (bn1_relu_pool1_forward_and_bf16) and
 * the output gradient's (bn2_backward_to_bf16, this thread's), the input gradient from the
 * output gradient's image. */
static void conv2_backward_bf16(Workspace *ws, int k, int S, float *dw, float *dp1)
{
    const ConvShape shape = {P1_H, P1_W, C1, C2}, back = {P1_H, P1_W, C2, C1};
    const bf16 *in_pairs = ws->b16_p1_pairs + (size_t)k * NET_CHUNK * 2 * P1_PAD;
    conv3x3_weight_grad_bf16(&shape, S, in_pairs, dz2_bf16_pairs(ws), dw);
    conv3x3_forward_bf16_channels(&back, S, dz2_bf16_image(ws), ws->w2tb, NULL, dp1, NULL, NULL,
                                  0, C1);
}

/* conv2 on chunk k: its weight gradient (packed, the chunk's part) and the gradient of its
 * input, pool 1's output, into dp1. The input gradient is a forward convolution of the padded
 * dz2 with the transposed weights. */
static void conv2_backward(Workspace *ws, int B, int k, const float *dz2, float *dp1)
{
    const int s0 = k * NET_CHUNK, S = chunk_size(B, k);
    const ConvShape shape = {P1_H, P1_W, C1, C2}, back = {P1_H, P1_W, C2, C1};
    const float *in = ws->p1 + (size_t)s0 * P1_PAD;
    float *dw = ws->cgrad + (size_t)k * CG_SIZE + CG_W2;
    if (winograd(ws, 1)) {
        float *scratch = per_thread(ws->wino, net_wino_scratch(ws));
        winograd_weight_grad(&shape, S, in, dz2, dw, scratch);
        winograd_forward(&back, S, dz2, ws->u2t, NULL, dp1, NULL, NULL, scratch);
        return;
    }
    if (bf16_pass(ws, 1)) {
        conv2_backward_bf16(ws, k, S, dw, dp1);
        return;
    }
    conv3x3_weight_grad(&shape, S, in, dz2, 1, dw);
    conv3x3_forward(&back, S, dz2, ws->w2t, NULL, dp1, NULL, NULL);
}

/* pool 1 + ReLU on chunk k: bn1's output gradient at the winners and the chunk's bn1 sums. */
static void pool1_backward(Workspace *ws, int B, int k, const float *dp1)
{
    const int s0 = k * NET_CHUNK;
    const PoolShape p = {chunk_size(B, k), IMG_H, IMG_W, C1};
    const ImageStrides out = image_strides_padded(P1_H, P1_W, C1);
    relu_pool_backward_bn_sums(&p, dp1, image_strides(P1_H, P1_W, C1),
                               ws->p1 + (size_t)s0 * P1_PAD + out.row + C1, out,
                               ws->win1 + (size_t)s0 * P1_SIZE, ws->z1 + (size_t)s0 * Z1_SIZE,
                               ws->bn1.mean, ws->dq1 + (size_t)s0 * P1_SIZE, chunk_bnsum(ws, k));
}

/* bn1 on chunk k: conv1's output gradient into this thread's dz1, and conv1's bias gradient. */
static void bn1_backward(Workspace *ws, int B, int k, float *dz1)
{
    const int s0 = k * NET_CHUNK;
    const PoolShape p = {chunk_size(B, k), IMG_H, IMG_W, C1};
    const BnBackward bb = bn_backward_of(&ws->bn1);
    double sum[C1] = {0};
    unpool_bn_backward_sum_dx(&p, ws->dq1 + (size_t)s0 * P1_SIZE, ws->win1 + (size_t)s0 * P1_SIZE,
                              ws->z1 + (size_t)s0 * Z1_SIZE, &bb, dz1,
                              image_strides(IMG_H, IMG_W, C1), sum);
    float *gb = ws->cgrad + (size_t)k * CG_SIZE + CG_B1;
    for (int c = 0; c < C1; c++) gb[c] = (float)sum[c];
}

/* conv1 on chunk k: its weight gradient (the input needs none). */
static void conv1_backward(Workspace *ws, int B, int k, const float *dz1)
{
    const int s0 = k * NET_CHUNK;
    const ConvShape shape = {IMG_H, IMG_W, 1, C1};
    conv3x3_weight_grad(&shape, chunk_size(B, k), ws->x1 + (size_t)s0 * X1_PAD, dz1, 0,
                        ws->cgrad + (size_t)k * CG_SIZE + CG_W1);
}

/* fc1.weight to fc2.bias end the parameters, so that with the packed conv gradients after them
 * the gradients the processes exchange are one run of floats. */
_Static_assert(offsetof(struct ModelParamLayout, FC2_B) + sizeof(float) * N_CLASSES ==
                   sizeof(struct ModelParamLayout) &&
               offsetof(struct ModelParamLayout, FC1_B) ==
                   offsetof(struct ModelParamLayout, FC1_W) + sizeof(float) * FC1_IN * FC1_OUT &&
               offsetof(struct ModelParamLayout, FC2_W) ==
                   offsetof(struct ModelParamLayout, FC1_B) + sizeof(float) * FC1_OUT,
               "the fully connected layers' parameters end the parameter vector");

/* The gradients BatchNorm's sums did not give (those are the whole batch's already): the chunks'
 * parts added in the tree, fc1.weight's by its kernel already; the fully connected ones into
 * the gradient vector, the conv ones, still packed, past its end. Then one call sums the run
 * from fc1.weight to there over the processes (one buffer per step), and the conv gradients are
 * unpacked to OIHW. */
enum { GRAD_SUM_PART = 2048 };   /* floats of the chunks' gradients one task adds up */

/* Floats per task: halved for more threads than the tasks of GRAD_SUM_PART (a tree sum per
 * float, so any split gives the same bits). */
static int sum_grads_part(const Workspace *ws) { return ws->threads > 16 ? GRAD_SUM_PART / 2 : GRAD_SUM_PART; }
static int sum_grads_tasks(const Workspace *ws)
{
    return (cg_used(winograd(ws, 1) ? CONV_WINOGRAD : CONV_DIRECT) + sum_grads_part(ws) - 1) /
           sum_grads_part(ws);
}

static void sum_grads(Workspace *ws, int chunks)
{
    const int PART = sum_grads_part(ws);
    const int used = cg_used(winograd(ws, 1) ? CONV_WINOGRAD : CONV_DIRECT);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int t = 0; t < sum_grads_tasks(ws); t++)
        tree_sum_floats(ws->cgrad, chunks, CG_SIZE, (size_t)t * PART,
                        (size_t)(used < (t + 1) * PART ? used : (t + 1) * PART));
    float *packed = ws->grad + MODEL_N_PARAMS;   /* CG_W1 .. used */
    memcpy(param_in(ws->grad, P_FC1_B), ws->cgrad + CG_FC1B, sizeof(float) * CG_W1);
    memcpy(packed, ws->cgrad + CG_W1, sizeof(float) * (size_t)(used - CG_W1));
    float *first = param_in(ws->grad, P_FC1_W);
    sum_over_processes(ws, first, (size_t)(packed + (used - CG_W1) - first), COLL_FLOAT);
    conv3x3_unpack(packed, C1, 1, param_in(ws->grad, P_CONV1_W));
    if (winograd(ws, 1))
        winograd_unpack_grad(packed + (CG_W2 - CG_W1), C2, C1, param_in(ws->grad, P_CONV2_W));
    else
        conv3x3_unpack(packed + (CG_W2 - CG_W1), C2, C1, param_in(ws->grad, P_CONV2_W));
    memcpy(param_in(ws->grad, P_CONV1_B), packed + (CG_B1 - CG_W1), sizeof(float) * C1);
    memcpy(param_in(ws->grad, P_CONV2_B), packed + (CG_B2 - CG_W1), sizeof(float) * C2);
}

static void backward(Workspace *ws, const Model *m, const uint8_t *labels, int B)
{
    const int chunks = (B + NET_CHUNK - 1) / NET_CHUNK;
    head_backward(ws, m, labels, B);
    mark(ws, 1, STEP_HEAD_BWD);
    fc1_backward(ws, m, B);
    mark(ws, 1, STEP_FC1_BWD);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int k = 0; k < chunks; k++) pool2_backward(ws, B, k);
    mark(ws, 1, STEP_POOL2_BWD);
    bn_finish_sums(ws, &ws->bn2, m, &BN2, B);
    mark(ws, 1, STEP_BN2_BWD_SUMS);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int k = 0; k < chunks; k++) {
        float *dz2 = per_thread(ws->dz2, (size_t)NET_CHUNK * Z2_PAD);
        float *dp1 = per_thread(ws->dp1, (size_t)NET_CHUNK * P1_SIZE);
        if (bf16_pass(ws, 1))
            bn2_backward_to_bf16(ws, B, k);
        else
            bn2_backward(ws, B, k, dz2);
        conv2_backward(ws, B, k, dz2, dp1);
        pool1_backward(ws, B, k, dp1);
    }
    mark(ws, 1, STEP_BN2_CONV2_POOL1_BWD);
    bn_finish_sums(ws, &ws->bn1, m, &BN1, B);
    mark(ws, 1, STEP_BN1_BWD_SUMS);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int k = 0; k < chunks; k++) {
        float *dz1 = per_thread(ws->dz1, (size_t)NET_CHUNK * Z1_SIZE);
        bn1_backward(ws, B, k, dz1);
        conv1_backward(ws, B, k, dz1);
    }
    mark(ws, 1, STEP_BN1_CONV1_BWD);
    sum_grads(ws, chunks);
    mark(ws, 1, STEP_GRAD_SUMS);
}

/* ---- the API ------------------------------------------------------------------------------ */

/* The loss and the right predictions: per chunk, added in the tree and over the processes. */
static float loss_and_correct(Workspace *ws, const uint8_t *labels, int B, int *correct)
{
    double *cl = ws->chunk_loss;
    for (int k = 0; k * NET_CHUNK < B; k++) {
        const int s0 = k * NET_CHUNK, S = chunk_size(B, k);
        const float *z = ws->logits + (size_t)s0 * N_CLASSES;
        cl[2 * k] = ref_softmax_xent_sum(ws->probs + (size_t)s0 * N_CLASSES, z, labels + s0, S,
                                         N_CLASSES, ws->label_smoothing);
        int c = 0;
        for (int s = 0; s < S; s++) c += argmax(z + (size_t)s * N_CLASSES, N_CLASSES) == labels[s0 + s];
        cl[2 * k + 1] = c;
    }
    tree_sum_doubles(cl, (B + NET_CHUNK - 1) / NET_CHUNK, 2, 0, 2);
    sum_over_processes(ws, cl, 2, COLL_DOUBLE);
    if (correct) *correct = (int)cl[1];
    return (float)(cl[0] / ws->part.batch);
}

float net_train_step(Workspace *ws, Model *m, const float *x, const uint8_t *labels, int B,
                     const BatchPart *part, uint64_t seed, uint64_t step, int *correct)
{
    ws->part = part ? *part : (BatchPart){B, 0, B, NULL};
    ws->comm_failed = 0;
    if (B > 0 && x != ws->x) memcpy(ws->x, x, sizeof(float) * (size_t)B * IMG_PIXELS);
    pack_weights(ws, m, 1);
    mark(ws, 1, STEP_PACK);
    forward(ws, m, B, 1, seed, step);
    float loss = loss_and_correct(ws, labels, B, correct);
    mark(ws, 1, STEP_LOSS);
    backward(ws, m, labels, B);
    /* the step changes the model: a snapshot taken before would no longer be of it */
    ws->has_snap = 0;
    return ws->comm_failed ? NAN : loss;
}

void net_eval_prepare(Workspace *ws, const Model *m)
{
    model_copy(&ws->snap, m);
    pack_weights(ws, &ws->snap, 0);
    ws->has_snap = 1;
}

int net_eval_forward(Workspace *ws, const float *x, int B, float *logits)
{
    if (!ws->has_snap) return -1;
    if (x != ws->x) memcpy(ws->x, x, sizeof(float) * (size_t)B * IMG_PIXELS);
    forward(ws, &ws->snap, B, 0, 0, 0);
    memcpy(logits, ws->logits, sizeof(float) * (size_t)B * N_CLASSES);
    return 0;
}

void net_feature_maps(const Workspace *ws, float *maps1, float *maps2)
{
    if (maps1) bn_relu_to_planes(ws->z1, IMG_PIXELS, C1, ws->bn1.scale, ws->bn1.shift, maps1);
    if (maps2) bn_relu_to_planes(ws->z2, P1_H * P1_W, C2, ws->bn2.scale, ws->bn2.shift, maps2);
}

/* ---- one pass at a time (engine/net_passes.h) ------------------------------------------------ */

const char *const net_pass_names[NET_N_PASSES] = {
    [NET_PASS_CONV1_FWD] = "conv1_fwd",
    [NET_PASS_BN1_RELU_POOL1_FWD] = "bn1_relu_pool1_fwd",
    [NET_PASS_CONV2_FWD] = "conv2_fwd",
    [NET_PASS_BN2_RELU_POOL2_FWD] = "bn2_relu_pool2_fwd",
    [NET_PASS_FC1_FWD] = "fc1_fwd",
    [NET_PASS_HEAD_FWD] = "head_fwd",
    [NET_PASS_HEAD_BWD] = "head_bwd",
    [NET_PASS_FC1_BWD] = "fc1_bwd",
    [NET_PASS_POOL2_BWD] = "pool2_bwd",
    [NET_PASS_BN2_BWD] = "bn2_bwd",
    [NET_PASS_CONV2_BWD] = "conv2_bwd",
    [NET_PASS_POOL1_BWD] = "pool1_bwd",
    [NET_PASS_BN1_BWD] = "bn1_bwd",
    [NET_PASS_CONV1_BWD] = "conv1_bwd",
};

int net_pass_bf16_differs(NetPass p)
{
    return p == NET_PASS_BN1_RELU_POOL1_FWD || p == NET_PASS_CONV2_FWD || p == NET_PASS_BN2_BWD ||
           p == NET_PASS_CONV2_BWD;
}

int net_pass_per_chunk(NetPass p)
{
    return !(p == NET_PASS_FC1_FWD || p == NET_PASS_HEAD_FWD || p == NET_PASS_HEAD_BWD ||
             p == NET_PASS_FC1_BWD);
}

void net_run_pass(Workspace *ws, Model *m, const uint8_t *labels, NetPass p, int k)
{
    const int B = ws->last_batch;
    float *dz2 = per_thread(ws->dz2, (size_t)NET_CHUNK * Z2_PAD);
    float *dp1 = per_thread(ws->dp1, (size_t)NET_CHUNK * P1_SIZE);
    float *dz1 = per_thread(ws->dz1, (size_t)NET_CHUNK * Z1_SIZE);
    switch (p) {
    case NET_PASS_CONV1_FWD: conv1_forward(ws, m, B, k, 1); break;
    case NET_PASS_BN1_RELU_POOL1_FWD:
        if (bf16_pass(ws, 1))
            bn1_relu_pool1_forward_and_bf16(ws, B, k);
        else
            bn1_relu_pool1_forward(ws, B, k, 1);
        break;
    case NET_PASS_CONV2_FWD: conv2_forward(ws, m, B, k, 1, 0, C2); break;
    case NET_PASS_BN2_RELU_POOL2_FWD: bn2_relu_pool2_forward(ws, B, k, 1); break;
    case NET_PASS_FC1_FWD: fc1_forward(ws, m, B); break;
    case NET_PASS_HEAD_FWD: head_forward(ws, m, B, 1, 1, 1); break;
    case NET_PASS_HEAD_BWD: head_backward(ws, m, labels, B); break;
    case NET_PASS_FC1_BWD: fc1_backward(ws, m, B); break;
    case NET_PASS_POOL2_BWD: pool2_backward(ws, B, k); break;
    case NET_PASS_BN2_BWD:
        if (bf16_pass(ws, 1))
            bn2_backward_to_bf16(ws, B, k);
        else
            bn2_backward(ws, B, k, dz2);
        break;
    case NET_PASS_CONV2_BWD: conv2_backward(ws, B, k, dz2, dp1); break;
    case NET_PASS_POOL1_BWD: pool1_backward(ws, B, k, dp1); break;
    case NET_PASS_BN1_BWD: bn1_backward(ws, B, k, dz1); break;
    case NET_PASS_CONV1_BWD: conv1_backward(ws, B, k, dz1); break;
    case NET_N_PASSES: break;
    }
}

int net_phase_tasks(const Workspace *ws, StepPhase p, int B)
{
    switch (p) {
    case STEP_BATCH: return B;   /* engine/train.c build_batch: one task per sample */
    case STEP_PACK: return PACK_TASKS;
    case STEP_CONV1_FWD: case STEP_BN1_CONV2_FWD: case STEP_BN2_POOL2_FWD: case STEP_POOL2_BWD:
    case STEP_BN2_CONV2_POOL1_BWD: case STEP_BN1_CONV1_BWD:
        return (B + NET_CHUNK - 1) / NET_CHUNK;
    case STEP_FC1_FWD: return fc1_forward_tasks(ws, B);
    case STEP_FC1_BWD: return fc1_backward_blocks(ws);
    case STEP_HEAD_FWD: return (B + NET_CHUNK - 1) / NET_CHUNK;
    case STEP_GRAD_SUMS: return sum_grads_tasks(ws);
    case STEP_ADAM: case STEP_CHECK: return 0;   /* element by element: any number */
    default: return 1;          /* one thread: the batch-wide sums, the head, the loss, the check */
    }
}
