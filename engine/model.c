/* The state_dict table (expanded from MODEL_STATE), allocation and PyTorch-style initialisation. */
#include "engine/model.h"
#include "engine/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Where an entry lives: its index among its kind and its offset in that kind's array. */
#define MODEL_WHERE_PARAM(id) P_##id, offsetof(struct ModelParamLayout, id) / sizeof(float)
#define MODEL_WHERE_BUFFER(id) B_##id, offsetof(struct ModelBufferLayout, id) / sizeof(float)
#define MODEL_WHERE_COUNTER(id) K_##id, K_##id
#define MODEL_ENTRY(id, key, kind, init, fan, nd, a, b, c, d)                                   \
    {key, T_##kind, INIT_##init, fan, nd, {a, b, c, d}, MODEL_WHERE_##kind(id),                \
     (size_t)(a) * (b) * (c) * (d)},

const StateEntry model_state[N_STATE_ENTRIES] = {MODEL_STATE(MODEL_ENTRY)};

/* Positions of the trainable tensors and buffers inside model_state. */
#define MODEL_STATE_INDEX(id, ...) S_##id,
enum { MODEL_STATE(MODEL_STATE_INDEX) };
#define MODEL_PARAM_POS(id, key, kind, ...) MODEL_KEEP(PARAM, kind, [P_##id] = S_##id, )
#define MODEL_BUFFER_POS(id, key, kind, ...) MODEL_KEEP(BUFFER, kind, [B_##id] = S_##id, )
static const int param_pos[N_PARAM_TENSORS] = {MODEL_STATE(MODEL_PARAM_POS)};
static const int buffer_pos[N_BUFFER_TENSORS] = {MODEL_STATE(MODEL_BUFFER_POS)};

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

float *param_in(float *params, ParamId p) { return params + model_param_entry(p)->offset; }
float *model_param(const Model *m, ParamId p) { return param_in(m->params, p); }
float *model_buffer(const Model *m, BufferId b) { return model_tensor(m, model_buffer_entry(b)); }

void *aligned_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size - 64) return NULL;
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
    memset(m->counters, 0, sizeof m->counters);
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
    memcpy(dst->counters, src->counters, sizeof dst->counters);
}

void model_init(Model *m, uint64_t seed)
{
    for (int i = 0; i < N_STATE_ENTRIES; i++) {
        const StateEntry *e = &model_state[i];
        if (e->kind == T_COUNTER) {
            m->counters[e->index] = 0;
            continue;
        }
        float *x = model_tensor(m, e);
        /* Uniform draws are keyed by the parameter's index, so each tensor's values depend only
         * on the seed and on which tensor it is. */
        float bound = e->init == INIT_UNIFORM ? 1.0f / sqrtf((float)e->fan_in) : 0.0f;
        for (size_t j = 0; j < e->numel; j++)
            x[j] = e->init == INIT_ONE ? 1.0f
                   : e->init == INIT_ZERO ? 0.0f
                   : rng_range(seed, RNG_INIT, (uint64_t)e->index, 0, j, -bound, bound);
    }
}
