/* The model's state: every tensor of PyTorch's state_dict for the seed model, in one table.
 *
 *   conv1 1->32 3x3 pad 1 -> bn1 -> ReLU -> maxpool 2 -> conv2 32->64 3x3 pad 1 -> bn2 -> ReLU
 *   -> maxpool 2 -> fc1 3136->128 -> ReLU -> dropout 0.5 -> fc2 128->10
 *
 * Trainable parameters live in one contiguous float array (so gradient reduction and Adam are a
 * single loop); BatchNorm running statistics in a second one; num_batches_tracked as int64.
 * Layouts are PyTorch's (OIHW for conv weights, [out][in] for linear weights, row-major), so the
 * checkpoint writer copies them as they are. */
#ifndef MNIST_ENGINE_MODEL_H
#define MNIST_ENGINE_MODEL_H

#include <stddef.h>
#include <stdint.h>

enum {
    IMG_H = 28, IMG_W = 28, IMG_PIXELS = 784,
    C1 = 32, C2 = 64,                 /* conv channels */
    P1_H = 14, P1_W = 14,             /* after pool 1 */
    P2_H = 7, P2_W = 7,               /* after pool 2 */
    FC1_IN = C2 * P2_H * P2_W,        /* 3136 */
    FC1_OUT = 128,
    N_CLASSES = 10,
};

typedef enum { T_PARAM, T_BUFFER, T_COUNTER } TensorKind;

/* One entry of the state_dict. offset indexes Model.params (T_PARAM) or Model.buffers
 * (T_BUFFER); for T_COUNTER it indexes Model.counters. */
typedef struct {
    const char *name;   /* PyTorch key, e.g. "conv1.weight" */
    TensorKind kind;
    int ndim;           /* 0 for the int64 scalar counters */
    int shape[4];
    size_t offset;
    size_t numel;
} StateEntry;

/* Indices of the trainable tensors, in state_dict order. */
typedef enum {
    P_CONV1_W, P_CONV1_B, P_BN1_W, P_BN1_B,
    P_CONV2_W, P_CONV2_B, P_BN2_W, P_BN2_B,
    P_FC1_W, P_FC1_B, P_FC2_W, P_FC2_B,
    N_PARAM_TENSORS
} ParamId;

typedef enum { B_BN1_MEAN, B_BN1_VAR, B_BN2_MEAN, B_BN2_VAR, N_BUFFER_TENSORS } BufferId;

enum { N_STATE_ENTRIES = N_PARAM_TENSORS + N_BUFFER_TENSORS + 2 };

/* Total floats in Model.params / Model.buffers. */
#define MODEL_N_PARAMS ((size_t)(32 * 9 + 32 + 32 + 32 + 64 * 288 + 64 + 64 + 64 + 128 * 3136 + 128 + 10 * 128 + 10))
#define MODEL_N_BUFFERS ((size_t)(32 + 32 + 64 + 64))

typedef struct {
    float *params;        /* MODEL_N_PARAMS, 64-byte aligned */
    float *buffers;       /* MODEL_N_BUFFERS: bn1 mean, var, bn2 mean, var */
    int64_t counters[2];  /* bn1.num_batches_tracked, bn2.num_batches_tracked */
} Model;

/* The state_dict in PyTorch order (conv1.weight, conv1.bias, bn1.weight, ..., fc2.bias). */
extern const StateEntry model_state[N_STATE_ENTRIES];

/* The StateEntry of trainable tensor p / buffer b. */
const StateEntry *model_param_entry(ParamId p);
const StateEntry *model_buffer_entry(BufferId b);

/* Pointer into the model for a float entry (T_PARAM or T_BUFFER); NULL for counters. */
float *model_tensor(const Model *m, const StateEntry *e);
/* Shorthands for trainable tensors and buffers. */
float *model_param(const Model *m, ParamId p);
float *model_buffer(const Model *m, BufferId b);

/* Allocate (zeroed); returns 0 on success, -1 when out of memory. */
int model_alloc(Model *m);
void model_free(Model *m);
void model_copy(Model *dst, const Model *src);

/* PyTorch's default initialisation, deterministic in seed: conv and linear weights and biases
 * uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform_ with a=sqrt(5)); BatchNorm weight 1,
 * bias 0, running mean 0, running var 1, counters 0. */
void model_init(Model *m, uint64_t seed);

/* Aligned allocation helpers used across the engine (64-byte alignment, zeroed). */
void *aligned_calloc(size_t count, size_t size);
void aligned_free(void *p);

#endif
