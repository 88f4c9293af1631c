/* The reference engine against PyTorch, the second oracle: tests/data/torch_step.h5
 * holds one training step done by PyTorch 1.13 (tests/engine/make_torch_fixture.py) from the engine's
 * own initialisation and dropout masks. The reference pass (engine/model_ref.h) must give the same
 * initial weights (exactly), logits, loss, BatchNorm running statistics and every gradient.
 *
 * Tolerances: float32 on both sides, summed in different orders, so each value x must satisfy
 * |x - torch| <= 1e-5 * max|torch over the tensor| + 1e-4 * |torch|, the loss 1e-6 relative (seen:
 * at most 2e-6 of a tensor's largest value). The conv biases' gradients are zero in exact
 * arithmetic (BatchNorm follows); there both sides must be below 1e-5 of the weights' gradient.
 * The largest error seen per tensor is printed. The fixture is read with io/tensor_file.h, as any file
 * a PyTorch user writes with h5py (no seal, no attributes of ours). */
#include "engine/model.h"
#include "engine/model_ref.h"
#include "io/tensor_file.h"
#include "tests/check.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef FIXTURE
#error "FIXTURE: the path of torch_step.h5"
#endif

enum { B = 6, FC1_SAMPLES = 4096, INIT_HEAD = 8 };

typedef struct {
    uint64_t seed, step;
    float x[B * IMG_PIXELS];
    uint8_t labels[B];
    float init_head[N_PARAM_TENSORS][INIT_HEAD];
    float logits[B * N_CLASSES];
    float loss;
    float running[N_BUFFER_TENSORS][C2];
    int64_t tracked;
    float *grad;                          /* MODEL_N_PARAMS, fc1.weight left out */
    double fc1_rows[FC1_OUT], fc1_cols[FC1_IN];
    int32_t fc1_index[FC1_SAMPLES];
    float fc1_sample[FC1_SAMPLES];
} Fixture;

static Fixture fx;
static TensorList list;

static int load_fixture(void)
{
    char path[128], err[512];
    fx.grad = calloc(MODEL_N_PARAMS, sizeof(float));
    list = (TensorList){0};
    tensor_list_attr(&list, "seed", ELEM_U64, &fx.seed, 0);
    tensor_list_attr(&list, "step", ELEM_U64, &fx.step, 0);
    tensor_list_tensor(&list, "batch/x", ELEM_F32, 4, (int[]){B, 1, IMG_H, IMG_W}, fx.x);
    tensor_list_tensor(&list, "batch/labels", ELEM_U8, 1, (int[]){B}, fx.labels);
    tensor_list_tensor(&list, "expect/logits", ELEM_F32, 2, (int[]){B, N_CLASSES}, fx.logits);
    tensor_list_tensor(&list, "expect/loss", ELEM_F32, 0, NULL, &fx.loss);
    tensor_list_tensor(&list, "expect/bn1.num_batches_tracked", ELEM_I64, 0, NULL, &fx.tracked);
    for (int b = 0; b < N_BUFFER_TENSORS; b++) {
        const StateEntry *e = model_buffer_entry((BufferId)b);
        snprintf(path, sizeof path, "expect/%s", e->name);
        tensor_list_tensor(&list, path, ELEM_F32, 1, e->shape, fx.running[b]);
    }
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        const StateEntry *e = model_param_entry((ParamId)p);
        snprintf(path, sizeof path, "init_head/%s", e->name);
        tensor_list_tensor(&list, path, ELEM_F32, 1, (int[]){INIT_HEAD}, fx.init_head[p]);
        if (p == P_FC1_W) continue;   /* below */
        snprintf(path, sizeof path, "grad/%s", e->name);
        tensor_list_tensor(&list, path, ELEM_F32, e->ndim, e->shape, param_in(fx.grad, (ParamId)p));
    }
    tensor_list_tensor(&list, "grad/fc1.weight.row_sums", ELEM_F64, 1, (int[]){FC1_OUT}, fx.fc1_rows);
    tensor_list_tensor(&list, "grad/fc1.weight.col_sums", ELEM_F64, 1, (int[]){FC1_IN}, fx.fc1_cols);
    tensor_list_tensor(&list, "grad/fc1.weight.sample_index", ELEM_I32, 1, (int[]){FC1_SAMPLES},
                       fx.fc1_index);
    tensor_list_tensor(&list, "grad/fc1.weight.sample", ELEM_F32, 1, (int[]){FC1_SAMPLES},
                       fx.fc1_sample);
    if (tensor_file_load(FIXTURE, &list, err, sizeof err)) {
        printf("Bail out! %s\n", err);
        return -1;
    }
    for (int k = 0; k < FC1_SAMPLES; k++)
        if (fx.fc1_index[k] < 0 || (size_t)fx.fc1_index[k] >= (size_t)FC1_OUT * FC1_IN) {
            printf("Bail out! %s: fc1 sample position %d out of range\n", FIXTURE, fx.fc1_index[k]);
            return -1;
        }
    return 0;
}

/* max |got - want| over n values, and whether every one is within the tolerance. */
static int close_enough(const char *what, const float *got, const float *want, size_t n)
{
    double scale = 0, worst = 0, worst_rel = 0;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        worst = fmax(worst, d);
        if (scale > 0) worst_rel = fmax(worst_rel, d / scale);
        if (!(d <= 1e-5 * scale + 1e-4 * fabs(want[i]))) {
            if (ok) printf("# %s[%zu]: %.9g, torch %.9g\n", what, i, got[i], want[i]);
            ok = 0;
        }
    }
    printf("# %-22s max |diff| %.3g = %.3g of its largest value\n", what, worst, worst_rel);
    return ok;
}

static Model model;
static float *grad;
static float logits[B * N_CLASSES];
static float loss;

static void same_initialisation(void)
{
    model_init(&model, fx.seed);
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        const float *v = model_param(&model, (ParamId)p);
        CHECK(memcmp(v, fx.init_head[p], sizeof fx.init_head[p]) == 0, "%s: initial values differ",
              model_param_entry((ParamId)p)->name);
    }
}

static void one_step(void)
{
    model_init(&model, fx.seed);
    loss = ref_model_pass(&model, grad, logits, fx.x, fx.labels, B, 1, fx.seed, fx.step, 0.0f);
}

static void logits_and_loss(void)
{
    CHECK(close_enough("logits", logits, fx.logits, B * N_CLASSES), "logits");
    printf("# loss %.9g, torch %.9g\n", loss, fx.loss);
    CHECK(fabs(loss - fx.loss) <= 1e-6 * fabs(fx.loss), "loss %.9g vs %.9g", loss, fx.loss);
}

static void running_statistics(void)
{
    for (int b = 0; b < N_BUFFER_TENSORS; b++) {
        const StateEntry *e = model_buffer_entry((BufferId)b);
        CHECK(close_enough(e->name, model_buffer(&model, (BufferId)b), fx.running[b], e->numel),
              "%s", e->name);
    }
    CHECK(model.counters[K_BN1_COUNT] == fx.tracked && model.counters[K_BN2_COUNT] == fx.tracked,
          "num_batches_tracked %lld", (long long)model.counters[K_BN1_COUNT]);
}

/* A bias added right before BatchNorm has a gradient of exactly zero in exact arithmetic (the
 * normalisation removes it); both sides give rounding noise there, so those gradients must be
 * tiny next to their layer's weight gradient, on both sides, rather than equal. */
static void rounding_noise(const char *what, const float *got, const float *want, size_t n,
                           const float *weights, size_t nw)
{
    double scale = 0, worst = 0;
    for (size_t i = 0; i < nw; i++) scale = fmax(scale, fabs(weights[i]));
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fmax(fabs(got[i]), fabs(want[i])));
    printf("# %-22s zero in exact arithmetic: largest |value| %.3g = %.3g of the weights' gradient\n",
           what, worst, worst / scale);
    CHECK(worst <= 1e-5 * scale, "%s: %.3g is not rounding noise", what, worst);
}

static void gradients(void)
{
    const ParamId before_bn[2][2] = {{P_CONV1_B, P_CONV1_W}, {P_CONV2_B, P_CONV2_W}};
    for (int k = 0; k < 2; k++) {
        const StateEntry *b = model_param_entry(before_bn[k][0]), *w = model_param_entry(before_bn[k][1]);
        rounding_noise(b->name, param_in(grad, before_bn[k][0]), param_in(fx.grad, before_bn[k][0]),
                       b->numel, param_in(fx.grad, before_bn[k][1]), w->numel);
    }
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        if (p == P_FC1_W || p == P_CONV1_B || p == P_CONV2_B) continue;
        const StateEntry *e = model_param_entry((ParamId)p);
        CHECK(close_enough(e->name, param_in(grad, (ParamId)p), param_in(fx.grad, (ParamId)p), e->numel),
              "%s", e->name);
    }
    /* fc1.weight: its row and column sums, and 4096 entries */
    const float *g = param_in(grad, P_FC1_W);
    float rows[FC1_OUT], want_rows[FC1_OUT], cols[FC1_IN], want_cols[FC1_IN], sample[FC1_SAMPLES];
    for (int o = 0; o < FC1_OUT; o++) {
        double s = 0;
        for (int i = 0; i < FC1_IN; i++) s += g[(size_t)o * FC1_IN + i];
        rows[o] = (float)s;
        want_rows[o] = (float)fx.fc1_rows[o];
    }
    for (int i = 0; i < FC1_IN; i++) {
        double s = 0;
        for (int o = 0; o < FC1_OUT; o++) s += g[(size_t)o * FC1_IN + i];
        cols[i] = (float)s;
        want_cols[i] = (float)fx.fc1_cols[i];
    }
    for (int k = 0; k < FC1_SAMPLES; k++) sample[k] = g[fx.fc1_index[k]];
    CHECK(close_enough("fc1.weight row sums", rows, want_rows, FC1_OUT), "fc1 rows");
    CHECK(close_enough("fc1.weight col sums", cols, want_cols, FC1_IN), "fc1 columns");
    CHECK(close_enough("fc1.weight (4096)", sample, fx.fc1_sample, FC1_SAMPLES), "fc1 sample");
}

int main(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    grad = calloc(MODEL_N_PARAMS, sizeof(float));
    if (load_fixture() || model_alloc(&model) || !grad) return 1;
    RUN(same_initialisation);
    one_step();
    RUN(logits_and_loss);
    RUN(running_statistics);
    RUN(gradients);
    model_free(&model);
    free(grad);
    free(fx.grad);
    return check_done();
}
