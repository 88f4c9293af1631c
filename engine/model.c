/* The state_dict table, allocation and PyTorch-style initialisation. */
#include "engine/model.h"
#include "engine/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Offsets are running sums of the sizes above them; spelled out so the table reads like the model. */
#define O_CONV1_W 0
#define O_CONV1_B (O_CONV1_W + 32 * 9)
#define O_BN1_W (O_CONV1_B + 32)
#define O_BN1_B (O_BN1_W + 32)
#define O_CONV2_W (O_BN1_B + 32)
#define O_CONV2_B (O_CONV2_W + 64 * 288)
#define O_BN2_W (O_CONV2_B + 64)
#define O_BN2_B (O_BN2_W + 64)
#define O_FC1_W (O_BN2_B + 64)
#define O_FC1_B (O_FC1_W + 128 * 3136)
#define O_FC2_W (O_FC1_B + 128)
#define O_FC2_B (O_FC2_W + 10 * 128)
#define O_END (O_FC2_B + 10)

_Static_assert(O_END == MODEL_N_PARAMS, "parameter table and MODEL_N_PARAMS disagree");

const StateEntry model_state[N_STATE_ENTRIES] = {
    {"conv1.weight", T_PARAM, 4, {32, 1, 3, 3}, O_CONV1_W, 32 * 9},
    {"conv1.bias", T_PARAM, 1, {32}, O_CONV1_B, 32},
    {"bn1.weight", T_PARAM, 1, {32}, O_BN1_W, 32},
    {"bn1.bias", T_PARAM, 1, {32}, O_BN1_B, 32},
    {"bn1.running_mean", T_BUFFER, 1, {32}, 0, 32},
    {"bn1.running_var", T_BUFFER, 1, {32}, 32, 32},
    {"bn1.num_batches_tracked", T_COUNTER, 0, {0}, 0, 1},
    {"conv2.weight", T_PARAM, 4, {64, 32, 3, 3}, O_CONV2_W, 64 * 288},
    {"conv2.bias", T_PARAM, 1, {64}, O_CONV2_B, 64},
    {"bn2.weight", T_PARAM, 1, {64}, O_BN2_W, 64},
    {"bn2.bias", T_PARAM, 1, {64}, O_BN2_B, 64},
    {"bn2.running_mean", T_BUFFER, 1, {64}, 64, 64},
    {"bn2.running_var", T_BUFFER, 1, {64}, 128, 64},
    {"bn2.num_batches_tracked", T_COUNTER, 0, {0}, 1, 1},
    {"fc1.weight", T_PARAM, 2, {128, 3136}, O_FC1_W, 128 * 3136},
    {"fc1.bias", T_PARAM, 1, {128}, O_FC1_B, 128},
    {"fc2.weight", T_PARAM, 2, {10, 128}, O_FC2_W, 10 * 128},
    {"fc2.bias", T_PARAM, 1, {10}, O_FC2_B, 10},
};

/* Positions of the trainable tensors and buffers inside model_state. */
static const int param_pos[N_PARAM_TENSORS] = {0, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 17};
static const int buffer_pos[N_BUFFER_TENSORS] = {4, 5, 11, 12};

const StateEntry *model_param_entry(ParamId p) { return &model_state[param_pos[p]]; }
const StateEntry *model_buffer_entry(BufferId b) { return &model_state[buffer_pos[b]]; }

float *model_tensor(const Model *m, const StateEntry *e)
{
    switch (e->kind) {
    case T_PARAM: return m->params + e->offset;
    case T_BUFFER: return m->buffers + e->offset;
    default: return NULL;
    }
}

float *model_param(const Model *m, ParamId p) { return model_tensor(m, model_param_entry(p)); }
float *model_buffer(const Model *m, BufferId b) { return model_tensor(m, model_buffer_entry(b)); }

void *aligned_calloc(size_t count, size_t size)
{
    size_t bytes = count * size;
    bytes = (bytes + 63) & ~(size_t)63;
    if (bytes == 0) bytes = 64;
    void *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void aligned_free(void *p) { free(p); }

int model_alloc(Model *m)
{
    m->params = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
    m->buffers = aligned_calloc(MODEL_N_BUFFERS, sizeof(float));
    m->counters[0] = m->counters[1] = 0;
    if (!m->params || !m->buffers) {
        model_free(m);
        return -1;
    }
    return 0;
}

void model_free(Model *m)
{
    aligned_free(m->params);
    aligned_free(m->buffers);
    m->params = m->buffers = NULL;
}

void model_copy(Model *dst, const Model *src)
{
    memcpy(dst->params, src->params, MODEL_N_PARAMS * sizeof(float));
    memcpy(dst->buffers, src->buffers, MODEL_N_BUFFERS * sizeof(float));
    dst->counters[0] = src->counters[0];
    dst->counters[1] = src->counters[1];
}

static void fill_uniform(float *x, size_t n, float bound, uint64_t seed, uint64_t tensor)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rng_range(seed, RNG_INIT, tensor, 0, i, -bound, bound);
}

void model_init(Model *m, uint64_t seed)
{
    /* fan_in of the layer each weight/bias belongs to */
    static const struct { ParamId w, b; int fan_in; } layers[] = {
        {P_CONV1_W, P_CONV1_B, 1 * 9},
        {P_CONV2_W, P_CONV2_B, 32 * 9},
        {P_FC1_W, P_FC1_B, FC1_IN},
        {P_FC2_W, P_FC2_B, FC1_OUT},
    };
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        float bound = 1.0f / sqrtf((float)layers[l].fan_in);
        fill_uniform(model_param(m, layers[l].w), model_param_entry(layers[l].w)->numel, bound, seed,
                     layers[l].w);
        fill_uniform(model_param(m, layers[l].b), model_param_entry(layers[l].b)->numel, bound, seed,
                     layers[l].b);
    }
    for (int c = 0; c < C1; c++) {
        model_param(m, P_BN1_W)[c] = 1.0f;
        model_param(m, P_BN1_B)[c] = 0.0f;
        model_buffer(m, B_BN1_MEAN)[c] = 0.0f;
        model_buffer(m, B_BN1_VAR)[c] = 1.0f;
    }
    for (int c = 0; c < C2; c++) {
        model_param(m, P_BN2_W)[c] = 1.0f;
        model_param(m, P_BN2_B)[c] = 0.0f;
        model_buffer(m, B_BN2_MEAN)[c] = 0.0f;
        model_buffer(m, B_BN2_VAR)[c] = 1.0f;
    }
    m->counters[0] = m->counters[1] = 0;
}
