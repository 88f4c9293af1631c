/* The fast path, phase by phase; see net.h for the threading contract. Chunk k holds samples
 * [k*NET_CHUNK, k*NET_CHUNK + S) and its tensors sit at offset s0 * (per-sample size) of each
 * buffer, in the chunk layout [C][S][H*W] (see conv_ops.h). */
#include "engine/argmax.h"
#include "engine/net.h"
#include "engine/conv_ops.h"
#include "engine/layers_ref.h"
#include "engine/augment.h"
#include "simd/gemm.h"

#include <math.h>
#include <omp.h>
#include <string.h>

enum {
    HW1 = IMG_PIXELS, HW2 = P1_H * P1_W, HW3 = P2_H * P2_W,
    K1 = 9, K2 = C1 * 9,                               /* GEMM depth of conv1 / conv2 */
    /* per-chunk conv gradients: conv1.weight, conv1.bias, conv2.weight, conv2.bias */
    CG_W1 = 0, CG_B1 = CG_W1 + C1 * K1, CG_W2 = CG_B1 + C1, CG_B2 = CG_W2 + C2 * K2,
    CG_SIZE = CG_B2 + C2,
    /* fc1 is split into fixed column blocks, each computed whole by one thread (so the split
     * never changes results): forward 4 blocks of 32 output columns (a multiple of every
     * kernel's NR), backward 14 blocks of 224 input columns (3136 = 14 * 224, enough tasks to
     * balance 2 to 14 threads). */
    FC1_FWD_BLOCK = 32,
    FC1_BWD_BLOCK = 224,
};

/* Batch-wide BatchNorm values of one layer. */
typedef struct {
    float mean[C2], rstd[C2], scale[C2], shift[C2];   /* scale/shift: the affine to apply */
    float mean_dy[C2], mean_dy_xhat[C2];               /* backward sums / N */
} BnState;

/* Which model tensors one BatchNorm layer uses. */
typedef struct {
    ParamId gamma, beta;
    BufferId running_mean, running_var;
    CounterId counter;
    int C, HW;
} BnLayer;

static const BnLayer BN1 = {P_BN1_W, P_BN1_B, B_BN1_MEAN, B_BN1_VAR, K_BN1_COUNT, C1, HW1};
static const BnLayer BN2 = {P_BN2_W, P_BN2_B, B_BN2_MEAN, B_BN2_VAR, K_BN2_COUNT, C2, HW2};

struct Workspace {
    int max_batch, max_chunks, threads;
    float *x;                       /* [B][784] */
    float *col1, *c1, *dc1;         /* [9][S*784], [C1][S*784] x2 */
    float *p1;                      /* [C1][S*196] */
    float *arg1;                    /* pool 1 winners, see bn_relu_pool_forward */
    float *col2, *c2, *dc2;         /* [288][S*196], [C2][S*196] x2 */
    float *flat, *dflat;            /* [B][3136] */
    float *arg2;
    float *h, *hr, *mask, *hd, *dh, *dhd;   /* [B][128] */
    float *logits, *probs, *dlogits;        /* [B][10] */
    float *dcol2, *dp1;             /* per thread: [288][CHUNK*196], [C1][CHUNK*196] */
    float *cgrad;                   /* [chunks][CG_SIZE] */
    double *st_mean, *st_m2;        /* [chunks][C2]: forward partial statistics */
    double *st_dy, *st_dyx;         /* [chunks][C2]: backward partial sums */
    float *grad;                    /* MODEL_N_PARAMS */
    float *pack;                    /* per thread: GEMM_PACK_FLOATS, the GEMM's packing buffers */
    BnState bn1, bn2;
    int last_batch;
};

static void *alloc_f(size_t n) { return aligned_calloc(n, sizeof(float)); }

enum { WS_N_BUFFERS = 30 };

/* Every buffer of the workspace, in one list for the out-of-memory check and for freeing. */
static void workspace_buffers(Workspace *n, void *all[WS_N_BUFFERS])
{
    void *list[] = {n->x, n->col1, n->c1, n->dc1, n->p1, n->arg1, n->col2, n->c2, n->dc2,
                    n->flat, n->dflat, n->arg2, n->h, n->hr, n->mask, n->hd, n->dh, n->dhd,
                    n->logits, n->probs, n->dlogits, n->dcol2, n->dp1, n->cgrad, n->st_mean,
                    n->st_m2, n->st_dy, n->st_dyx, n->grad, n->pack};
    _Static_assert(sizeof list / sizeof list[0] == WS_N_BUFFERS, "buffer count");
    memcpy(all, list, sizeof list);
}

Workspace *workspace_create(int max_batch, int threads)
{
    Workspace *n = aligned_calloc(1, sizeof *n);
    if (!n) return NULL;
    size_t B = (size_t)max_batch;
    n->max_batch = max_batch;
    n->max_chunks = (max_batch + NET_CHUNK - 1) / NET_CHUNK;
    n->threads = threads > 0 ? threads : omp_get_max_threads();
    n->x = alloc_f(B * HW1);
    n->col1 = alloc_f(B * K1 * HW1);
    n->c1 = alloc_f(B * C1 * HW1);
    n->dc1 = alloc_f(B * C1 * HW1);
    n->p1 = alloc_f(B * C1 * HW2);
    n->arg1 = alloc_f(B * C1 * HW2);
    n->col2 = alloc_f(B * K2 * HW2);
    n->c2 = alloc_f(B * C2 * HW2);
    n->dc2 = alloc_f(B * C2 * HW2);
    n->flat = alloc_f(B * FC1_IN);
    n->dflat = alloc_f(B * FC1_IN);
    n->arg2 = alloc_f(B * FC1_IN);
    float **fc[] = {&n->h, &n->hr, &n->mask, &n->hd, &n->dh, &n->dhd};
    for (size_t i = 0; i < sizeof fc / sizeof fc[0]; i++) *fc[i] = alloc_f(B * FC1_OUT);
    n->logits = alloc_f(B * N_CLASSES);
    n->probs = alloc_f(B * N_CLASSES);
    n->dlogits = alloc_f(B * N_CLASSES);
    n->dcol2 = alloc_f((size_t)n->threads * K2 * NET_CHUNK * HW2);
    n->dp1 = alloc_f((size_t)n->threads * C1 * NET_CHUNK * HW2);
    n->cgrad = alloc_f((size_t)n->max_chunks * CG_SIZE);
    n->st_mean = aligned_calloc((size_t)n->max_chunks * C2, sizeof(double));
    n->st_m2 = aligned_calloc((size_t)n->max_chunks * C2, sizeof(double));
    n->st_dy = aligned_calloc((size_t)n->max_chunks * C2, sizeof(double));
    n->st_dyx = aligned_calloc((size_t)n->max_chunks * C2, sizeof(double));
    n->grad = alloc_f(MODEL_N_PARAMS);
    n->pack = alloc_f((size_t)n->threads * GEMM_PACK_FLOATS);
    void *all[WS_N_BUFFERS];
    workspace_buffers(n, all);
    for (size_t i = 0; i < WS_N_BUFFERS; i++)
        if (!all[i]) {
            workspace_free(n);
            return NULL;
        }
    return n;
}

void workspace_free(Workspace *n)
{
    if (!n) return;
    void *all[WS_N_BUFFERS];
    workspace_buffers(n, all);
    for (size_t i = 0; i < WS_N_BUFFERS; i++) aligned_free(all[i]);
    aligned_free(n);
}

const float *workspace_grad(const Workspace *ws) { return ws->grad; }
float *workspace_input(Workspace *ws) { return ws->x; }

/* The calling thread's GEMM packing buffers. */
static float *pack_buffers(const Workspace *ws)
{
    return ws->pack + (size_t)omp_get_thread_num() * GEMM_PACK_FLOATS;
}

static int chunk_size(int B, int k)
{
    int s = B - k * NET_CHUNK;
    return s < NET_CHUNK ? s : NET_CHUNK;
}

/* out[c][0..n) = bias[c], the start value of a convolution GEMM with beta = 1. */
static void fill_rows(float *out, const float *bias, int rows, size_t n)
{
    for (int r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) out[r * n + i] = bias[r];
}

/* Merge the chunks' statistics in chunk order into batch mean/rstd and the scale/shift to apply;
 * update the running statistics like PyTorch (unbiased variance, momentum 0.1). */
static void bn_finish_stats(Workspace *ws, BnState *bn, Model *m, const BnLayer *L, int B)
{
    int chunks = (B + NET_CHUNK - 1) / NET_CHUNK;
    const float *g = model_param(m, L->gamma), *b = model_param(m, L->beta);
    float *rm = model_buffer(m, L->running_mean), *rv = model_buffer(m, L->running_var);
    double total = (double)B * L->HW;
    for (int c = 0; c < L->C; c++) {
        double cnt = 0, mean = 0, m2 = 0;
        for (int k = 0; k < chunks; k++)
            bn_merge_stats(&cnt, &mean, &m2, (double)chunk_size(B, k) * L->HW,
                           ws->st_mean[k * C2 + c], ws->st_m2[k * C2 + c]);
        double var = m2 / total;
        bn->mean[c] = (float)mean;
        bn->rstd[c] = (float)(1.0 / sqrt(var + BN_EPS));
        bn->scale[c] = g[c] * bn->rstd[c];
        bn->shift[c] = b[c] - bn->mean[c] * bn->scale[c];
        float unbiased = (float)(total > 1 ? m2 / (total - 1) : var);
        rm[c] = (1.0f - BN_MOMENTUM) * rm[c] + BN_MOMENTUM * bn->mean[c];
        rv[c] = (1.0f - BN_MOMENTUM) * rv[c] + BN_MOMENTUM * unbiased;
    }
    m->counters[L->counter]++;
}

/* Eval mode: the affine from the running statistics. */
static void bn_eval_affine(BnState *bn, const Model *m, const BnLayer *L)
{
    const float *g = model_param(m, L->gamma), *b = model_param(m, L->beta);
    const float *rm = model_buffer(m, L->running_mean), *rv = model_buffer(m, L->running_var);
    for (int c = 0; c < L->C; c++) {
        float r = 1.0f / sqrtf(rv[c] + BN_EPS);
        bn->scale[c] = g[c] * r;
        bn->shift[c] = b[c] - rm[c] * bn->scale[c];
    }
}

/* The affine BatchNorm applies in this pass: batch statistics in training, running ones in eval. */
static void bn_prepare(Workspace *ws, BnState *bn, Model *m, const BnLayer *L, int train, int B)
{
    if (train) bn_finish_stats(ws, bn, m, L, B);
    else bn_eval_affine(bn, m, L);
}

/* One chunk of a 3x3 convolution: patches into col, out = W x col + bias; with mean/m2 given,
 * the chunk's BatchNorm statistics of out as well. */
static void conv_chunk_forward_bn_stats(float *out, float *col, const float *in, const float *w,
                               const float *bias, int Cin, int Cout, int S, int H, int W,
                               double *mean, double *m2, float *pack)
{
    int N = S * H * W, K = Cin * 9;
    im2col3x3(col, in, Cin, S, H, W);
    fill_rows(out, bias, Cout, (size_t)N);
    sgemm(false, false, Cout, N, K, 1.0f, w, K, col, N, 1.0f, out, N, pack);
    if (mean) bn_chunk_stats(mean, m2, out, Cout, (size_t)N);
}

/* The convolution stages of the forward pass, for chunk k; train: keep what backward needs and
 * gather the chunk's BatchNorm statistics. */
static void stage_conv1(Workspace *ws, const Model *m, int B, int k, int train)
{
    int s0 = k * NET_CHUNK, S = chunk_size(B, k);
    conv_chunk_forward_bn_stats(ws->c1 + (size_t)s0 * C1 * HW1, ws->col1 + (size_t)s0 * K1 * HW1,
                       ws->x + (size_t)s0 * HW1, model_param(m, P_CONV1_W),
                       model_param(m, P_CONV1_B), 1, C1, S, IMG_H, IMG_W,
                       train ? ws->st_mean + k * C2 : NULL, ws->st_m2 + k * C2,
                       pack_buffers(ws));
}

/* bn1 + ReLU + pool, then conv2 */
static void stage_pool1_conv2(Workspace *ws, const Model *m, int B, int k, int train)
{
    int s0 = k * NET_CHUNK, S = chunk_size(B, k);
    float *p1 = ws->p1 + (size_t)s0 * C1 * HW2;
    bn_relu_pool_forward(p1, train ? ws->arg1 + (size_t)s0 * C1 * HW2 : NULL,
                         ws->c1 + (size_t)s0 * C1 * HW1, ws->bn1.scale, ws->bn1.shift, C1, S,
                         IMG_H, IMG_W, (Strides){(size_t)S * HW1, HW1},
                         (Strides){(size_t)S * HW2, HW2});
    conv_chunk_forward_bn_stats(ws->c2 + (size_t)s0 * C2 * HW2, ws->col2 + (size_t)s0 * K2 * HW2, p1,
                       model_param(m, P_CONV2_W), model_param(m, P_CONV2_B), C1, C2, S, P1_H,
                       P1_W, train ? ws->st_mean + k * C2 : NULL, ws->st_m2 + k * C2,
                       pack_buffers(ws));
}

/* bn2 + ReLU + pool straight into fc1's sample-major input */
static void stage_pool2(Workspace *ws, int B, int k, int train)
{
    int s0 = k * NET_CHUNK, S = chunk_size(B, k);
    bn_relu_pool_forward(ws->flat + (size_t)s0 * FC1_IN,
                         train ? ws->arg2 + (size_t)s0 * FC1_IN : NULL,
                         ws->c2 + (size_t)s0 * C2 * HW2, ws->bn2.scale, ws->bn2.shift, C2, S,
                         P1_H, P1_W, (Strides){(size_t)S * HW2, HW2}, (Strides){HW3, FC1_IN});
}

/* Forward through everything up to the logits (ws->logits). train: batch statistics, running
 * statistics update and dropout. */
static void forward(Workspace *ws, Model *m, int B, int train, uint64_t seed, uint64_t step)
{
    int chunks = (B + NET_CHUNK - 1) / NET_CHUNK;
    ws->last_batch = B;

    if (train) {
        /* each BatchNorm needs the whole batch's statistics before it can be applied */
#pragma omp parallel for schedule(static) num_threads(ws->threads)
        for (int k = 0; k < chunks; k++) stage_conv1(ws, m, B, k, 1);
        bn_prepare(ws, &ws->bn1, m, &BN1, 1, B);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
        for (int k = 0; k < chunks; k++) stage_pool1_conv2(ws, m, B, k, 1);
        bn_prepare(ws, &ws->bn2, m, &BN2, 1, B);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
        for (int k = 0; k < chunks; k++) stage_pool2(ws, B, k, 1);
    } else {
        /* inference uses the running statistics: nothing to wait for between the stages, so
         * each chunk goes through all of them while its activations are still in cache */
        bn_prepare(ws, &ws->bn1, m, &BN1, 0, B);
        bn_prepare(ws, &ws->bn2, m, &BN2, 0, B);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
        for (int k = 0; k < chunks; k++) {
            stage_conv1(ws, m, B, k, 0);
            stage_pool1_conv2(ws, m, B, k, 0);
            stage_pool2(ws, B, k, 0);
        }
    }

    /* fc1 by blocks of output columns */
    const float *fw = model_param(m, P_FC1_W), *fb = model_param(m, P_FC1_B);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int j = 0; j < FC1_OUT / FC1_FWD_BLOCK; j++) {
        int o0 = j * FC1_FWD_BLOCK;
        for (int b = 0; b < B; b++)
            memcpy(ws->h + (size_t)b * FC1_OUT + o0, fb + o0, sizeof(float) * FC1_FWD_BLOCK);
        sgemm(false, true, B, FC1_FWD_BLOCK, FC1_IN, 1.0f, ws->flat, FC1_IN,
              fw + (size_t)o0 * FC1_IN, FC1_IN, 1.0f, ws->h + o0, FC1_OUT, pack_buffers(ws));
    }

    /* ReLU, dropout, fc2: small, on the reference layers */
    ref_relu_forward(ws->hr, ws->h, B * FC1_OUT);
    for (int b = 0; b < B; b++) {
        float *mask = ws->mask + (size_t)b * FC1_OUT;
        if (train) dropout_mask(mask, FC1_OUT, 0.5f, seed, step, (uint64_t)b);
        else for (int i = 0; i < FC1_OUT; i++) mask[i] = 1.0f;
    }
    ref_dropout_forward(ws->hd, ws->hr, ws->mask, B * FC1_OUT);
    ref_linear_forward(ws->logits, ws->hd, model_param(m, P_FC2_W), model_param(m, P_FC2_B), B,
                       FC1_OUT, N_CLASSES);
}

/* Sum chunk partial sums in chunk order and turn them into the BatchNorm backward means plus the
 * gamma/beta gradients. */
static void bn_finish_sums(Workspace *ws, BnState *bn, const BnLayer *L, int B)
{
    int chunks = (B + NET_CHUNK - 1) / NET_CHUNK;
    float *dg = param_in(ws->grad, L->gamma), *db = param_in(ws->grad, L->beta);
    double total = (double)B * L->HW;
    for (int c = 0; c < L->C; c++) {
        double s1 = 0, s2 = 0;
        for (int k = 0; k < chunks; k++) {
            s1 += ws->st_dy[k * C2 + c];
            s2 += ws->st_dyx[k * C2 + c];
        }
        dg[c] = (float)s2;
        db[c] = (float)s1;
        bn->mean_dy[c] = (float)(s1 / total);
        bn->mean_dy_xhat[c] = (float)(s2 / total);
    }
}

/* BatchNorm backward's second half for one chunk, leaving the gradient of the bias added before
 * BatchNorm (the sum of dx; ~0 in exact arithmetic) in bias_grad. */
static void bn_backward_chunk_bias_grad(float *dx, float *bias_grad, const float *x,
                                        const BnState *bn, const float *gamma, int C, size_t n)
{
    double sums[C2];
    bn_backward_apply_sum_dx(dx, sums, x, bn->mean, bn->rstd, gamma, bn->mean_dy, bn->mean_dy_xhat,
                             C, n);
    for (int c = 0; c < C; c++) bias_grad[c] = (float)sums[c];
}

/* loss -> fc2 -> dropout -> ReLU: small, on the reference layers */
static void backward_head(Workspace *ws, const Model *m, const uint8_t *labels, int B)
{
    ref_softmax_xent_backward(ws->dlogits, ws->probs, labels, B, N_CLASSES);
    memset(param_in(ws->grad, P_FC2_W), 0, sizeof(float) * N_CLASSES * FC1_OUT);
    memset(param_in(ws->grad, P_FC2_B), 0, sizeof(float) * N_CLASSES);
    ref_linear_backward(ws->dhd, param_in(ws->grad, P_FC2_W), param_in(ws->grad, P_FC2_B),
                        ws->dlogits, ws->hd, model_param(m, P_FC2_W), B, FC1_OUT, N_CLASSES);
    ref_dropout_backward(ws->dh, ws->dhd, ws->mask, B * FC1_OUT);
    ref_relu_backward(ws->dh, ws->dh, ws->hr, B * FC1_OUT);
}

/* fc1: bias gradient, then weight and input gradients by blocks of input columns */
static void backward_fc1(Workspace *ws, const Model *m, int B)
{
    float *gfb = param_in(ws->grad, P_FC1_B);
    memset(gfb, 0, sizeof(float) * FC1_OUT);
    for (int b = 0; b < B; b++)
        for (int o = 0; o < FC1_OUT; o++) gfb[o] += ws->dh[(size_t)b * FC1_OUT + o];
    float *gfw = param_in(ws->grad, P_FC1_W);
    const float *fw = model_param(m, P_FC1_W);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int j = 0; j < FC1_IN / FC1_BWD_BLOCK; j++) {
        int i0 = j * FC1_BWD_BLOCK;
        sgemm(true, false, FC1_OUT, FC1_BWD_BLOCK, B, 1.0f, ws->dh, FC1_OUT, ws->flat + i0,
              FC1_IN, 0.0f, gfw + i0, FC1_IN, pack_buffers(ws));
        sgemm(false, false, B, FC1_BWD_BLOCK, FC1_OUT, 1.0f, ws->dh, FC1_OUT, fw + i0, FC1_IN,
              0.0f, ws->dflat + i0, FC1_IN, pack_buffers(ws));
    }
}

/* pool2 + ReLU backward, with bn2's partial sums per chunk, merged */
static void backward_pool2(Workspace *ws, int B, int chunks)
{
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int k = 0; k < chunks; k++) {
        int s0 = k * NET_CHUNK, S = chunk_size(B, k);
        relu_pool_backward_bn_sums(
            ws->dc2 + (size_t)s0 * C2 * HW2, ws->st_dy + k * C2, ws->st_dyx + k * C2,
            ws->dflat + (size_t)s0 * FC1_IN, ws->flat + (size_t)s0 * FC1_IN,
            ws->arg2 + (size_t)s0 * FC1_IN, ws->c2 + (size_t)s0 * C2 * HW2, ws->bn2.mean,
            ws->bn2.rstd, C2, S, P1_H, P1_W, (Strides){(size_t)S * HW2, HW2},
            (Strides){HW3, FC1_IN});
    }
    bn_finish_sums(ws, &ws->bn2, &BN2, B);
}

/* bn2 backward, conv2 weight and input gradients, pool1 + ReLU backward with bn1's partial sums,
 * per chunk; the sums merged */
static void backward_conv2(Workspace *ws, const Model *m, int B, int chunks)
{
    const float *w2 = model_param(m, P_CONV2_W);
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int k = 0; k < chunks; k++) {
        int s0 = k * NET_CHUNK, S = chunk_size(B, k), t = omp_get_thread_num();
        float *dc2 = ws->dc2 + (size_t)s0 * C2 * HW2, *c2 = ws->c2 + (size_t)s0 * C2 * HW2;
        float *col = ws->col2 + (size_t)s0 * K2 * HW2, *cg = ws->cgrad + (size_t)k * CG_SIZE;
        float *dcol = ws->dcol2 + (size_t)t * K2 * NET_CHUNK * HW2;
        float *dp1 = ws->dp1 + (size_t)t * C1 * NET_CHUNK * HW2;
        float *dc1 = ws->dc1 + (size_t)s0 * C1 * HW1;
        bn_backward_chunk_bias_grad(dc2, cg + CG_B2, c2, &ws->bn2, model_param(m, P_BN2_W), C2,
                                    (size_t)S * HW2);
        float *pk = pack_buffers(ws);
        sgemm(false, true, C2, K2, S * HW2, 1.0f, dc2, S * HW2, col, S * HW2, 0.0f, cg + CG_W2, K2, pk);
        sgemm(true, false, K2, S * HW2, C2, 1.0f, w2, K2, dc2, S * HW2, 0.0f, dcol, S * HW2, pk);
        col2im3x3(dp1, dcol, C1, S, P1_H, P1_W);
        relu_pool_backward_bn_sums(dc1, ws->st_dy + k * C2, ws->st_dyx + k * C2, dp1,
                                   ws->p1 + (size_t)s0 * C1 * HW2, ws->arg1 + (size_t)s0 * C1 * HW2,
                                   ws->c1 + (size_t)s0 * C1 * HW1, ws->bn1.mean, ws->bn1.rstd, C1,
                                   S, IMG_H, IMG_W, (Strides){(size_t)S * HW1, HW1},
                                   (Strides){(size_t)S * HW2, HW2});
    }
    bn_finish_sums(ws, &ws->bn1, &BN1, B);
}

/* bn1 backward and conv1's weight gradient, per chunk */
static void backward_conv1(Workspace *ws, const Model *m, int B, int chunks)
{
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int k = 0; k < chunks; k++) {
        int s0 = k * NET_CHUNK, S = chunk_size(B, k);
        float *dc1 = ws->dc1 + (size_t)s0 * C1 * HW1, *cg = ws->cgrad + (size_t)k * CG_SIZE;
        bn_backward_chunk_bias_grad(dc1, cg + CG_B1, ws->c1 + (size_t)s0 * C1 * HW1, &ws->bn1,
                                    model_param(m, P_BN1_W), C1, (size_t)S * HW1);
        /* dW1 = dc1 x col1^T is 32x9: computed as its transpose 9x32 = col1 x dc1^T, because a
         * 9-column product would fill a 32-column register tile only a quarter full */
        float dwt[K1 * C1];
        sgemm(false, true, K1, C1, S * HW1, 1.0f, ws->col1 + (size_t)s0 * K1 * HW1, S * HW1, dc1,
              S * HW1, 0.0f, dwt, C1, pack_buffers(ws));
        for (int o = 0; o < C1; o++)
            for (int i = 0; i < K1; i++) cg[CG_W1 + o * K1 + i] = dwt[i * C1 + o];
    }
}

/* The conv layers' gradients: the chunks' parts summed in chunk order. */
static void sum_conv_grads(Workspace *ws, int chunks)
{
    float *dst[4] = {param_in(ws->grad, P_CONV1_W), param_in(ws->grad, P_CONV1_B),
                     param_in(ws->grad, P_CONV2_W), param_in(ws->grad, P_CONV2_B)};
    const int off[5] = {CG_W1, CG_B1, CG_W2, CG_B2, CG_SIZE};
#pragma omp parallel for schedule(static) num_threads(ws->threads)
    for (int i = 0; i < CG_SIZE; i++) {
        float s = 0.0f;
        for (int k = 0; k < chunks; k++) s += ws->cgrad[(size_t)k * CG_SIZE + i];
        int t = 0;
        while (i >= off[t + 1]) t++;
        dst[t][i - off[t]] = s;
    }
}

static void backward(Workspace *ws, const Model *m, const uint8_t *labels, int B)
{
    int chunks = (B + NET_CHUNK - 1) / NET_CHUNK;
    backward_head(ws, m, labels, B);
    backward_fc1(ws, m, B);
    backward_pool2(ws, B, chunks);
    backward_conv2(ws, m, B, chunks);
    backward_conv1(ws, m, B, chunks);
    sum_conv_grads(ws, chunks);
}

float net_train_step(Workspace *ws, Model *m, const float *x, const uint8_t *labels, int B,
                     uint64_t seed, uint64_t step, int *correct)
{
    if (x != ws->x) memcpy(ws->x, x, sizeof(float) * (size_t)B * HW1);
    forward(ws, m, B, 1, seed, step);
    float loss = ref_softmax_xent_forward(ws->probs, ws->logits, labels, B, N_CLASSES);
    if (correct) {
        int c = 0;
        for (int b = 0; b < B; b++) c += argmax(ws->logits + (size_t)b * N_CLASSES, N_CLASSES) == labels[b];
        *correct = c;
    }
    backward(ws, m, labels, B);
    return loss;
}

void net_forward_eval(Workspace *ws, const Model *m, const float *x, int B, float *logits)
{
    if (x != ws->x) memcpy(ws->x, x, sizeof(float) * (size_t)B * HW1);
    /* eval mode never writes to the model; the cast only satisfies forward()'s signature */
    forward(ws, (Model *)m, B, 0, 0, 0);
    memcpy(logits, ws->logits, sizeof(float) * (size_t)B * N_CLASSES);
}

void net_feature_maps(const Workspace *ws, float *maps1, float *maps2)
{
    /* sample 0 of chunk 0: with S samples in the chunk, channel c starts at c*S*HW */
    int S = ws->last_batch < NET_CHUNK ? ws->last_batch : NET_CHUNK;
    for (int c = 0; c < C1 && maps1; c++)
        bn_relu_forward(maps1 + (size_t)c * HW1, ws->c1 + (size_t)c * S * HW1, ws->bn1.scale + c,
                        ws->bn1.shift + c, 1, HW1);
    for (int c = 0; c < C2 && maps2; c++)
        bn_relu_forward(maps2 + (size_t)c * HW2, ws->c2 + (size_t)c * S * HW2, ws->bn2.scale + c,
                        ws->bn2.shift + c, 1, HW2);
}
