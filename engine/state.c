#include "engine/state.h"
#include "engine/net.h"
#include "engine/schedule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void state_describe_run(TensorList *l, RunInfo *r, int required)
{
    r->format_version = STATE_FORMAT_VERSION;
    int first = l->n;
    const struct { const char *name; ElemType type; void *v; size_t cap; } attrs[] = {
        {"format_version", ELEM_I32, &r->format_version, 0},
        {"epoch", ELEM_I32, &r->epoch, 0},
        {"step", ELEM_I64, &r->step, 0},
        {"seed", ELEM_U64, &r->seed, 0},
        {"epochs", ELEM_I32, &r->epochs, 0},
        {"batch", ELEM_I32, &r->batch, 0},
        {"limit", ELEM_I32, &r->limit, 0},
        {"augment", ELEM_I32, &r->augment, 0},
        {"lr", ELEM_F32, &r->lr, 0},
        {"isa", ELEM_STR, r->isa, sizeof r->isa},
        {"data_dir", ELEM_STR, r->data_dir, sizeof r->data_dir},
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        tensor_list_attr(l, attrs[i].name, attrs[i].type, attrs[i].v, attrs[i].cap);
    if (!required) tensor_list_optional(l, first);
    /* new in version 2: a version 1 file ends at an epoch's end, where these are 0 */
    int mid_epoch = l->n;
    tensor_list_attr(l, "epoch_samples", ELEM_I64, &r->epoch_samples, 0);
    tensor_list_attr(l, "epoch_loss_sum", ELEM_F64, &r->epoch_loss_sum, 0);
    tensor_list_attr(l, "epoch_correct", ELEM_I64, &r->epoch_correct, 0);
    tensor_list_attr(l, "log_every", ELEM_I32, &r->log_every, 0);
    tensor_list_attr(l, "test_limit", ELEM_I32, &r->test_limit, 0);
    tensor_list_attr(l, "conv", ELEM_STR, r->conv, sizeof r->conv);
    tensor_list_attr(l, "schedule", ELEM_STR, r->schedule, sizeof r->schedule);
    tensor_list_attr(l, "warmup", ELEM_F32, &r->warmup, 0);
    tensor_list_attr(l, "val", ELEM_I32, &r->val, 0);
    tensor_list_attr(l, "patience", ELEM_I32, &r->patience, 0);
    tensor_list_attr(l, "role", ELEM_STR, r->role, sizeof r->role);
    tensor_list_attr(l, "augment_strength", ELEM_F32, &r->augment_strength, 0);
    tensor_list_attr(l, "data_fingerprint", ELEM_STR, r->data_fingerprint,
                     sizeof r->data_fingerprint);
    tensor_list_attr(l, "precision", ELEM_STR, r->precision, sizeof r->precision);
    tensor_list_attr(l, "label_smoothing", ELEM_F32, &r->label_smoothing, 0);
    tensor_list_attr(l, "ema", ELEM_F32, &r->ema, 0);
    tensor_list_optional(l, mid_epoch);
}

static void describe_model(TensorList *l, const char *group, Model *m)
{
    for (int i = 0; i < N_STATE_ENTRIES; i++) {
        const StateEntry *e = &model_state[i];
        char path[ITEM_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", group, e->name);
        if (e->kind == T_COUNTER)
            tensor_list_tensor(l, path, ELEM_I64, 0, NULL, &m->counters[e->index]);
        else
            tensor_list_tensor(l, path, ELEM_F32, e->ndim, e->shape, model_tensor(m, e));
    }
}

static const char *const moment_names[2] = {"exp_avg", "exp_avg_sq"};

static void describe_adam(TensorList *l, Adam *a)
{
    tensor_list_attr(l, "optimizer/step", ELEM_I64, &a->step, 0);
    tensor_list_attr(l, "optimizer/lr", ELEM_F32, &a->lr, 0);
    tensor_list_attr(l, "optimizer/beta1", ELEM_F32, &a->beta1, 0);
    tensor_list_attr(l, "optimizer/beta2", ELEM_F32, &a->beta2, 0);
    tensor_list_attr(l, "optimizer/eps", ELEM_F32, &a->eps, 0);
    tensor_list_attr(l, "optimizer/weight_decay", ELEM_F32, &a->weight_decay, 0);
    tensor_list_optional(l, l->n - 1);
    for (int k = 0; k < 2; k++)
        for (int p = 0; p < N_PARAM_TENSORS; p++) {
            const StateEntry *e = model_param_entry((ParamId)p);
            char path[ITEM_PATH_MAX];
            snprintf(path, sizeof path, "optimizer/%s/%s", moment_names[k], e->name);
            tensor_list_tensor(l, path, ELEM_F32, e->ndim, e->shape,
                               param_in(k ? a->v : a->m, (ParamId)p));
        }
}

void state_describe(TensorList *list, Model *m, Adam *opt, Model *trained, RunInfo *run,
                    int run_required)
{
    if (run) state_describe_run(list, run, run_required);
    describe_model(list, "model", m);
    if (opt) describe_adam(list, opt);
    if (opt && trained) {
        /* only in runs that average their weights */
        int first = list->n;
        describe_model(list, "optimizer/weights", trained);
        tensor_list_optional(list, first);
    }
}

/* ---- checks ---- */

/* Bounds far above any real run, far below what overflows the counters computed from them. */
#define MAX_EPOCHS 1000000
#define MAX_STEPS 1000000000000LL
#define MAX_SAMPLES 1000000000LL

static int fail(char *err, size_t errlen, const char *fmt, const char *what, double v)
{
    snprintf(err, errlen, fmt, what, v);
    return -1;
}

/* Every value finite; with non_negative, none below 0. */
static int check_values(const char *what, const float *x, size_t n, int non_negative, char *err,
                        size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            snprintf(err, errlen, "%s holds %s (at index %zu): the state is not usable", what,
                     isnan(x[i]) ? "NaN" : "an infinite value", i);
            return -1;
        }
        if (non_negative && x[i] < 0) {
            snprintf(err, errlen, "%s[%zu] is %g, but it cannot be negative", what, i, (double)x[i]);
            return -1;
        }
    }
    return 0;
}

static int in_range(long long v, long long lo, long long hi) { return v >= lo && v <= hi; }

static int check_run(const RunInfo *r, char *err, size_t errlen)
{
    if (r->format_version < STATE_OLDEST_VERSION || r->format_version > STATE_FORMAT_VERSION) {
        snprintf(err, errlen, "checkpoint format_version is %d; this program reads versions %d to %d",
                 (int)r->format_version, STATE_OLDEST_VERSION, STATE_FORMAT_VERSION);
        return -1;
    }
    const struct { const char *name; long long v, lo, hi; } ints[] = {
        {"epoch", r->epoch, 0, MAX_EPOCHS},         {"epochs", r->epochs, 0, MAX_EPOCHS},
        {"step", r->step, 0, MAX_STEPS},            {"batch", r->batch, 0, 4096},
        {"limit", r->limit, 0, MAX_SAMPLES},        {"augment", r->augment, 0, 1},
        {"epoch_samples", r->epoch_samples, 0, MAX_SAMPLES},
        {"epoch_correct", r->epoch_correct, 0, r->epoch_samples},
        {"log_every", r->log_every, 0, MAX_SAMPLES},  {"test_limit", r->test_limit, 0, MAX_SAMPLES},
        {"val", r->val, 0, MAX_SAMPLES},            {"patience", r->patience, 0, MAX_EPOCHS},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (!in_range(ints[i].v, ints[i].lo, ints[i].hi)) {
            snprintf(err, errlen, "attribute %s is %lld, outside %lld..%lld", ints[i].name,
                     ints[i].v, ints[i].lo, ints[i].hi);
            return -1;
        }
    if (!(r->lr >= 0 && r->lr <= 10)) return fail(err, errlen, "attribute %s is %g, outside 0..10", "lr", r->lr);
    if (r->conv[0] && conv_algo_from_name(r->conv) < 0) {
        snprintf(err, errlen, "attribute conv is '%.15s', not direct or winograd", r->conv);
        return -1;
    }
    if (r->precision[0] && precision_from_name(r->precision) < 0) {
        snprintf(err, errlen, "attribute precision is '%.7s', not fp32 or bf16", r->precision);
        return -1;
    }
    if (r->conv[0] && r->precision[0] && precision_from_name(r->precision) == PRECISION_BF16 &&
        conv_algo_from_name(r->conv) != CONV_DIRECT) {
        snprintf(err, errlen, "attributes conv '%.15s' and precision bf16: BF16 runs direct only",
                 r->conv);
        return -1;
    }
    if (r->schedule[0] && schedule_from_name(r->schedule) < 0) {
        snprintf(err, errlen, "attribute schedule is '%.15s', not constant, cosine or onecycle",
                 r->schedule);
        return -1;
    }
    if (!(r->augment_strength >= 0 && r->augment_strength <= 1))
        return fail(err, errlen, "attribute %s is %g, outside 0..1", "augment_strength",
                    r->augment_strength);
    if (!(r->ema >= 0 && r->ema < 1))
        return fail(err, errlen, "attribute %s is %g, outside 0..1 (1 excluded)", "ema", r->ema);
    if (!(r->label_smoothing >= 0 && r->label_smoothing <= 0.5f))
        return fail(err, errlen, "attribute %s is %g, outside 0..0.5", "label_smoothing",
                    r->label_smoothing);
    if (!(r->warmup >= 0 && r->warmup <= 1))
        return fail(err, errlen, "attribute %s is %g, outside 0..1", "warmup", r->warmup);
    if (!(r->epoch_loss_sum >= 0 && isfinite(r->epoch_loss_sum)))
        return fail(err, errlen, "attribute %s is %g", "epoch_loss_sum", r->epoch_loss_sum);
    return 0;
}

static int check_model(const Model *m, char *err, size_t errlen)
{
    for (int i = 0; i < N_STATE_ENTRIES; i++) {
        const StateEntry *e = &model_state[i];
        char what[ITEM_PATH_MAX];
        snprintf(what, sizeof what, "model/%s", e->name);
        if (e->kind == T_COUNTER) {
            if (!in_range(m->counters[e->index], 0, MAX_STEPS)) {
                snprintf(err, errlen, "%s is %lld, outside 0..%lld", what,
                         (long long)m->counters[e->index], MAX_STEPS);
                return -1;
            }
            continue;
        }
        int variance = e->kind == T_BUFFER && (e->index == B_BN1_VAR || e->index == B_BN2_VAR);
        if (check_values(what, model_tensor(m, e), e->numel, variance, err, errlen)) return -1;
    }
    return 0;
}

static int check_adam(const Adam *a, char *err, size_t errlen)
{
    if (!in_range(a->step, 0, MAX_STEPS)) {
        snprintf(err, errlen, "optimizer step is %lld, outside 0..%lld", (long long)a->step, MAX_STEPS);
        return -1;
    }
    if (!(a->lr >= 0 && a->lr <= 10)) return fail(err, errlen, "optimizer %s is %g, outside 0..10", "lr", a->lr);
    if (!(a->beta1 >= 0 && a->beta1 < 1)) return fail(err, errlen, "optimizer %s is %g, outside [0, 1)", "beta1", a->beta1);
    if (!(a->beta2 >= 0 && a->beta2 < 1)) return fail(err, errlen, "optimizer %s is %g, outside [0, 1)", "beta2", a->beta2);
    if (!(a->weight_decay >= 0 && a->weight_decay <= 1))
        return fail(err, errlen, "optimizer %s is %g, outside 0..1", "weight_decay", a->weight_decay);
    if (!(a->eps > 0 && a->eps <= 1)) return fail(err, errlen, "optimizer %s is %g, outside (0, 1]", "eps", a->eps);
    for (int k = 0; k < 2; k++)
        for (int p = 0; p < N_PARAM_TENSORS; p++) {
            const StateEntry *e = model_param_entry((ParamId)p);
            char what[ITEM_PATH_MAX];
            snprintf(what, sizeof what, "optimizer/%s/%s", moment_names[k], e->name);
            if (check_values(what, (k ? a->v : a->m) + e->offset, e->numel, k == 1, err, errlen))
                return -1;
        }
    return 0;
}

int state_check(const Model *m, const Adam *opt, const RunInfo *run, char *err, size_t errlen)
{
    return (run && check_run(run, err, errlen)) || (m && check_model(m, err, errlen)) ||
                   (opt && check_adam(opt, err, errlen))
               ? -1
               : 0;
}
