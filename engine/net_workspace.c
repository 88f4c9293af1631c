/* The fast path's workspace: every buffer in one list, allocated once (a training step allocates
 * nothing); and how a batch is shared out between processes. */
#include "engine/net_workspace.h"
#include "common/tree_sum.h"
#include "simd/conv.h"

#include <omp.h>
#include <string.h>

enum { WS_N_BUFFERS = 42 };

/* Floats of one thread's Winograd scratch: the largest of conv2's three products on a chunk (none
 * for the direct path). */
size_t net_wino_scratch(const Workspace *n)
{
    if (n->conv != CONV_WINOGRAD) return 1;
    const ConvShape fwd = {P1_H, P1_W, C1, C2}, back = {P1_H, P1_W, C2, C1};
    size_t a = winograd_scratch_floats(&fwd, NET_CHUNK), b = winograd_scratch_floats(&back, NET_CHUNK);
    return a > b ? a : b;
}

/* Bytes of a BF16 buffer of n elements: one element in an FP32 workspace. */
static size_t bf16_elems(const Workspace *ws, size_t n)
{
    return (ws->precision == PRECISION_BF16 ? n : 1) * sizeof(bf16);
}

/* Every buffer of the workspace with its size in bytes (per sample, per thread, per chunk or
 * once): one list to allocate, check and free. */
static int workspace_buffers(Workspace *n, void **ptr[WS_N_BUFFERS], size_t size[WS_N_BUFFERS])
{
    const size_t B = (size_t)n->max_batch, T = (size_t)n->threads, K = (size_t)n->max_chunks,
                 f = sizeof(float);
    struct { void **p; size_t bytes; } list[] = {
        {(void **)&n->x, B * IMG_PIXELS * f},   {(void **)&n->x1, B * X1_PAD * f},
        {(void **)&n->z1, B * Z1_SIZE * f},     {(void **)&n->p1, B * P1_PAD * f},
        {(void **)&n->win1, B * P1_SIZE},       {(void **)&n->dq1, B * P1_SIZE * f},
        {(void **)&n->z2, B * Z2_SIZE * f},     {(void **)&n->win2, B * FC1_IN},
        {(void **)&n->p2, B * FC1_IN * f},      {(void **)&n->dp2, B * FC1_IN * f},
        {(void **)&n->dq2, B * FC1_IN * f},     {(void **)&n->flat, B * FC1_IN * f},
        {(void **)&n->dflat, B * FC1_IN * f},   {(void **)&n->h, B * FC1_OUT * f},
        {(void **)&n->hr, B * FC1_OUT * f},     {(void **)&n->mask, B * FC1_OUT * f},
        {(void **)&n->hd, B * FC1_OUT * f},     {(void **)&n->dh, B * FC1_OUT * f},
        {(void **)&n->dhd, B * FC1_OUT * f},    {(void **)&n->logits, B * N_CLASSES * f},
        {(void **)&n->probs, B * N_CLASSES * f}, {(void **)&n->dlogits, B * N_CLASSES * f},
        {(void **)&n->dz2, T * NET_CHUNK * Z2_PAD * f},
        {(void **)&n->dp1, T * NET_CHUNK * P1_SIZE * f},
        {(void **)&n->dz1, T * NET_CHUNK * Z1_SIZE * f},
        {(void **)&n->cgrad, K * CG_SIZE * f},  {(void **)&n->bnsum, K * 2 * C2 * sizeof(double)},
        {(void **)&n->chunk_loss, K * 2 * sizeof(double)},
        {(void **)&n->w1, W1_SIZE * f},         {(void **)&n->w2, W2_SIZE * f},
        {(void **)&n->w2t, W2_SIZE * f},        {(void **)&n->fc1t, (size_t)FC1_IN * FC1_OUT * f},
        {(void **)&n->u2, U2_SIZE * f},
        {(void **)&n->u2t, U2_SIZE * f},        {(void **)&n->wino, T * net_wino_scratch(n) * f},
        {(void **)&n->grad, (MODEL_N_PARAMS + CG_CONV) * f},
        {(void **)&n->w2b, bf16_elems(n, W2_SIZE)},
        {(void **)&n->w2tb, bf16_elems(n, W2_SIZE)},
        {(void **)&n->b16_p1, B * bf16_elems(n, P1_PAD)},
        {(void **)&n->b16_p1_pairs, B * bf16_elems(n, 2 * (size_t)P1_PAD)},
        {(void **)&n->b16_dz2, T * bf16_elems(n, NET_CHUNK * (size_t)Z2_PAD)},
        {(void **)&n->b16_dy, T * bf16_elems(n, NET_CHUNK * (size_t)Z2_SIZE)},
    };
    _Static_assert(sizeof list / sizeof list[0] == WS_N_BUFFERS, "buffer count");
    for (int i = 0; i < WS_N_BUFFERS; i++) {
        ptr[i] = list[i].p;
        size[i] = list[i].bytes;
    }
    return WS_N_BUFFERS;
}

const char *conv_algo_name(ConvAlgo a) { return a == CONV_WINOGRAD ? "winograd" : "direct"; }

int conv_algo_from_name(const char *name)
{
    if (!strcmp(name, "direct")) return CONV_DIRECT;
    if (!strcmp(name, "winograd")) return CONV_WINOGRAD;
    return -1;
}

const char *precision_name(Precision p) { return p == PRECISION_BF16 ? "bf16" : "fp32"; }

int precision_from_name(const char *name)
{
    if (!strcmp(name, "fp32")) return PRECISION_FP32;
    if (!strcmp(name, "bf16")) return PRECISION_BF16;
    return -1;
}

Workspace *workspace_create(int max_batch, int threads, ConvAlgo conv)
{
    return workspace_create_precision(max_batch, threads, conv, PRECISION_FP32);
}

Workspace *workspace_create_precision(int max_batch, int threads, ConvAlgo conv, Precision p)
{
    if (p == PRECISION_BF16 && conv != CONV_DIRECT) return NULL;
    Workspace *n = aligned_calloc(1, sizeof *n);
    if (!n) return NULL;
    n->conv = conv;
    n->precision = p;
    n->max_batch = max_batch;
    n->max_chunks = (max_batch + NET_CHUNK - 1) / NET_CHUNK;
    n->threads = threads > 0 ? threads : omp_get_max_threads();
    void **ptr[WS_N_BUFFERS];
    size_t size[WS_N_BUFFERS];
    int count = workspace_buffers(n, ptr, size);
    for (int i = 0; i < count; i++) {
        /* zeroed: the rims of the padded buffers stay zero for good */
        *ptr[i] = aligned_calloc(size[i], 1);
        if (!*ptr[i]) {
            workspace_free(n);
            return NULL;
        }
    }
    if (model_alloc(&n->snap) != 0) {
        workspace_free(n);
        return NULL;
    }
    return n;
}

void workspace_free(Workspace *n)
{
    if (!n) return;
    void **ptr[WS_N_BUFFERS];
    size_t size[WS_N_BUFFERS];
    int count = workspace_buffers(n, ptr, size);
    for (int i = 0; i < count; i++) aligned_free(*ptr[i]);
    model_free(&n->snap);
    aligned_free(n);
}

const float *workspace_grad(const Workspace *ws) { return ws->grad; }
void workspace_time_phases(Workspace *ws, PhaseClock *clock) { ws->clock = clock; }
void workspace_set_label_smoothing(Workspace *ws, float eps) { ws->label_smoothing = eps; }
float *workspace_input(Workspace *ws) { return ws->x; }

int net_ranks_supported(int ranks, int max_batch)
{
    const int leaves = tree_leaves_pow2((max_batch + NET_CHUNK - 1) / NET_CHUNK);
    return ranks >= 1 && (ranks & (ranks - 1)) == 0 && ranks <= leaves &&
           (ranks - 1) * (leaves / ranks) * NET_CHUNK < max_batch;
}

int net_batch_part(Collective *comm, int max_batch, int batch, BatchPart *p)
{
    const int ranks = comm ? comm->ranks : 1, rank = comm ? comm->rank : 0;
    const int leaves = tree_leaves_pow2((max_batch + NET_CHUNK - 1) / NET_CHUNK);
    p->batch = batch;
    p->block = leaves / ranks * NET_CHUNK;
    p->first = rank * p->block;
    p->comm = ranks > 1 ? comm : NULL;
    const int n = batch - p->first;
    return n < 0 ? 0 : n < p->block ? n : p->block;
}

size_t net_exchange_floats(ConvAlgo conv)
{
    return MODEL_N_PARAMS - model_param_entry(P_FC1_W)->offset + (size_t)(cg_used(conv) - CG_W1);
}
