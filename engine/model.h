/* The model: its shape and every tensor of PyTorch's state_dict, from one table.
 *
 *   conv1 1->32 3x3 pad 1 -> bn1 -> ReLU -> maxpool 2 -> conv2 32->64 3x3 pad 1 -> bn2 -> ReLU
 *   -> maxpool 2 -> fc1 3136->128 -> ReLU -> dropout 0.5 -> fc2 128->10
 *
 * MODEL_STATE below is the one list of tensors (as llm.c sizes its parameters from one list): the
 * parameter ids, offsets, MODEL_N_PARAMS, the state_dict names and shapes and the initialisation
 * all come from it. Trainable parameters live in one contiguous float array (so gradient
 * reduction and Adam are a single loop); BatchNorm running statistics in a second one;
 * num_batches_tracked as int64. Layouts are PyTorch's (OIHW for conv weights, [out][in] for
 * linear weights, row-major), so a checkpoint holds them as they are. */
#ifndef MNIST_ENGINE_MODEL_H
#define MNIST_ENGINE_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* Every size the rest of the program needs (gui, cli and the benchmarks take theirs from here;
 * io knows no layers and is handed sizes as arguments). Change the input size here and the
 * program either still works or stops compiling at a _Static_assert naming what else must change
 * (the fast path's kernels need, e.g., even sizes at both poolings). */
enum {
    IMG_H = 28, IMG_W = 28, IMG_PIXELS = IMG_H * IMG_W,
    C1 = 32, C2 = 64,                      /* conv1 / conv2 output channels */
    P1_H = IMG_H / 2, P1_W = IMG_W / 2,    /* after pool 1 (conv2 runs at this size) */
    P2_H = P1_H / 2, P2_W = P1_W / 2,      /* after pool 2 */
    FC1_IN = C2 * P2_H * P2_W,             /* 3136 */
    FC1_OUT = 128,
    N_CLASSES = 10,
    /* the feature maps the inference API hands out (after BatchNorm + ReLU, before pooling) */
    MAP1_H = IMG_H, MAP1_W = IMG_W, MAP1_FLOATS = C1 * MAP1_H * MAP1_W,
    MAP2_H = P1_H, MAP2_W = P1_W, MAP2_FLOATS = C2 * MAP2_H * MAP2_W,
    /* MNIST's own layout of a digit (LeCun et al.): its longer side scaled to DIGIT_BOX pixels,
     * its centre of mass at pixel (DIGIT_CENTRE_X, DIGIT_CENTRE_Y) of the IMG_W x IMG_H field
     * (20 and (14, 14) at 28 x 28). engine/preprocess.c lays photos and drawings out the same. */
    DIGIT_BOX = 20,
    DIGIT_CENTRE_X = IMG_W / 2, DIGIT_CENTRE_Y = IMG_H / 2,
};

/* The geometric centre of the image, (13.5, 13.5) at 28 x 28: the point the augmentation rotates
 * and scales about (torchvision's RandomAffine uses the same centre). */
#define IMG_CENTRE_X ((IMG_W - 1) / 2.0f)
#define IMG_CENTRE_Y ((IMG_H - 1) / 2.0f)

/* BatchNorm2d's defaults in PyTorch: eps added to the variance, momentum of the running
 * statistics. They decide results, so the reference and the fast path share them. */
#define BN_EPS 1e-5f
#define BN_MOMENTUM 0.1f

/* The state_dict in PyTorch's order, one tensor per line:
 *   X(id, key, kind, init, fan_in, ndim, d0, d1, d2, d3)
 * kind: PARAM (trainable, in Model.params), BUFFER (in Model.buffers) or COUNTER (int64 scalar in
 * Model.counters). init, PyTorch's defaults: UNIFORM(+-1/sqrt(fan_in)) for conv and linear weights
 * and biases (kaiming_uniform_ with a=sqrt(5)), ONE or ZERO. Unused dimensions are 1. */
#define MODEL_STATE(X)                                                                  \
    X(CONV1_W,   "conv1.weight",            PARAM,   UNIFORM, 1 * 9,   4, C1, 1, 3, 3)   \
    X(CONV1_B,   "conv1.bias",              PARAM,   UNIFORM, 1 * 9,   1, C1, 1, 1, 1)   \
    X(BN1_W,     "bn1.weight",              PARAM,   ONE,     0,       1, C1, 1, 1, 1)   \
    X(BN1_B,     "bn1.bias",                PARAM,   ZERO,    0,       1, C1, 1, 1, 1)   \
    X(BN1_MEAN,  "bn1.running_mean",        BUFFER,  ZERO,    0,       1, C1, 1, 1, 1)   \
    X(BN1_VAR,   "bn1.running_var",         BUFFER,  ONE,     0,       1, C1, 1, 1, 1)   \
    X(BN1_COUNT, "bn1.num_batches_tracked", COUNTER, ZERO,    0,       0, 1, 1, 1, 1)    \
    X(CONV2_W,   "conv2.weight",            PARAM,   UNIFORM, C1 * 9,  4, C2, C1, 3, 3)  \
    X(CONV2_B,   "conv2.bias",              PARAM,   UNIFORM, C1 * 9,  1, C2, 1, 1, 1)   \
    X(BN2_W,     "bn2.weight",              PARAM,   ONE,     0,       1, C2, 1, 1, 1)   \
    X(BN2_B,     "bn2.bias",                PARAM,   ZERO,    0,       1, C2, 1, 1, 1)   \
    X(BN2_MEAN,  "bn2.running_mean",        BUFFER,  ZERO,    0,       1, C2, 1, 1, 1)   \
    X(BN2_VAR,   "bn2.running_var",         BUFFER,  ONE,     0,       1, C2, 1, 1, 1)   \
    X(BN2_COUNT, "bn2.num_batches_tracked", COUNTER, ZERO,    0,       0, 1, 1, 1, 1)    \
    X(FC1_W,     "fc1.weight",              PARAM,   UNIFORM, FC1_IN,  2, FC1_OUT, FC1_IN, 1, 1) \
    X(FC1_B,     "fc1.bias",                PARAM,   UNIFORM, FC1_IN,  1, FC1_OUT, 1, 1, 1)      \
    X(FC2_W,     "fc2.weight",              PARAM,   UNIFORM, FC1_OUT, 2, N_CLASSES, FC1_OUT, 1, 1) \
    X(FC2_B,     "fc2.bias",                PARAM,   UNIFORM, FC1_OUT, 1, N_CLASSES, 1, 1, 1)

/* ---- what the table expands to ----
 * MODEL_KEEP(K, kind, ...) keeps its tail only for entries of kind K. */
#define MODEL_KEEP(K, kind, ...) MODEL_KEEP_##K##_##kind(__VA_ARGS__)
#define MODEL_KEEP_PARAM_PARAM(...) __VA_ARGS__
#define MODEL_KEEP_PARAM_BUFFER(...)
#define MODEL_KEEP_PARAM_COUNTER(...)
#define MODEL_KEEP_BUFFER_PARAM(...)
#define MODEL_KEEP_BUFFER_BUFFER(...) __VA_ARGS__
#define MODEL_KEEP_BUFFER_COUNTER(...)
#define MODEL_KEEP_COUNTER_PARAM(...)
#define MODEL_KEEP_COUNTER_BUFFER(...)
#define MODEL_KEEP_COUNTER_COUNTER(...) __VA_ARGS__

/* Ids per kind, in table order: P_CONV1_W ..., B_BN1_MEAN ..., K_BN1_COUNT .... */
#define MODEL_PARAM_ID(id, key, kind, ...) MODEL_KEEP(PARAM, kind, P_##id, )
#define MODEL_BUFFER_ID(id, key, kind, ...) MODEL_KEEP(BUFFER, kind, B_##id, )
#define MODEL_COUNTER_ID(id, key, kind, ...) MODEL_KEEP(COUNTER, kind, K_##id, )
typedef enum { MODEL_STATE(MODEL_PARAM_ID) N_PARAM_TENSORS } ParamId;
typedef enum { MODEL_STATE(MODEL_BUFFER_ID) N_BUFFER_TENSORS } BufferId;
typedef enum { MODEL_STATE(MODEL_COUNTER_ID) N_COUNTERS } CounterId;

/* The float arrays as structs with one member per tensor, so that offsets and totals are
 * constant expressions (offsetof, sizeof) the compiler computes from the table. Never
 * instantiated. */
#define MODEL_PARAM_FIELD(id, key, kind, init, fan, nd, a, b, c, d) \
    MODEL_KEEP(PARAM, kind, float id[(a) * (b) * (c) * (d)];)
#define MODEL_BUFFER_FIELD(id, key, kind, init, fan, nd, a, b, c, d) \
    MODEL_KEEP(BUFFER, kind, float id[(a) * (b) * (c) * (d)];)
struct ModelParamLayout { MODEL_STATE(MODEL_PARAM_FIELD) };
struct ModelBufferLayout { MODEL_STATE(MODEL_BUFFER_FIELD) };

/* Total floats in Model.params / Model.buffers. */
#define MODEL_N_PARAMS (sizeof(struct ModelParamLayout) / sizeof(float))
#define MODEL_N_BUFFERS (sizeof(struct ModelBufferLayout) / sizeof(float))

enum { N_STATE_ENTRIES = N_PARAM_TENSORS + N_BUFFER_TENSORS + N_COUNTERS };

typedef enum { T_PARAM, T_BUFFER, T_COUNTER } TensorKind;
typedef enum { INIT_UNIFORM, INIT_ONE, INIT_ZERO } TensorInit;

/* One entry of the state_dict. index is the entry's ParamId, BufferId or CounterId; offset
 * indexes Model.params (T_PARAM) or Model.buffers (T_BUFFER); for T_COUNTER it is the index. */
typedef struct {
    const char *name;   /* PyTorch key, e.g. "conv1.weight" */
    TensorKind kind;
    TensorInit init;
    int fan_in;         /* for INIT_UNIFORM */
    int ndim;           /* 0 for the int64 scalar counters */
    int shape[4];
    int index;
    size_t offset;
    size_t numel;
} StateEntry;

typedef struct {
    float *params;                 /* MODEL_N_PARAMS, 64-byte aligned */
    float *buffers;                /* MODEL_N_BUFFERS: bn1 mean, var, bn2 mean, var */
    int64_t counters[N_COUNTERS];  /* bn1.num_batches_tracked, bn2.num_batches_tracked */
} Model;

/* The state_dict in PyTorch order (conv1.weight, conv1.bias, bn1.weight, ..., fc2.bias). */
extern const StateEntry model_state[N_STATE_ENTRIES];

/* The StateEntry of trainable tensor p / buffer b. */
const StateEntry *model_param_entry(ParamId p);
const StateEntry *model_buffer_entry(BufferId b);

/* Pointer into the model for a float entry (T_PARAM or T_BUFFER); NULL for counters. */
float *model_tensor(const Model *m, const StateEntry *e);
/* Trainable tensor p inside an array laid out like Model.params: the model's own parameters,
 * or a gradient or an optimizer moment of the same layout. */
float *param_in(float *params, ParamId p);
/* Shorthands for the model's own trainable tensors and buffers. */
float *model_param(const Model *m, ParamId p);
float *model_buffer(const Model *m, BufferId b);

/* Allocate (zeroed); returns 0 on success, -1 when out of memory. */
int model_alloc(Model *m);
void model_free(Model *m);
void model_copy(Model *dst, const Model *src);

/* PyTorch's default initialisation as the table says, deterministic in seed. */
void model_init(Model *m, uint64_t seed);

/* Aligned allocation helpers used across the engine (64-byte alignment, zeroed). */
void *aligned_calloc(size_t count, size_t size);
void aligned_free(void *p);

#endif
