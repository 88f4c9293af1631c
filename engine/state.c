#include "engine/state.h"

#include <stdio.h>
#include <string.h>

void state_describe_run(TensorList *l, RunInfo *r)
{
    r->format_version = STATE_FORMAT_VERSION;
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
}

static void describe_model(TensorList *l, Model *m)
{
    for (int i = 0; i < N_STATE_ENTRIES; i++) {
        const StateEntry *e = &model_state[i];
        char path[ITEM_PATH_MAX];
        snprintf(path, sizeof path, "model/%s", e->name);
        if (e->kind == T_COUNTER)
            tensor_list_tensor(l, path, ELEM_I64, 0, NULL, &m->counters[e->index]);
        else
            tensor_list_tensor(l, path, ELEM_F32, e->ndim, e->shape, model_tensor(m, e));
    }
}

static void describe_adam(TensorList *l, Adam *a)
{
    tensor_list_attr(l, "optimizer/step", ELEM_I64, &a->step, 0);
    tensor_list_attr(l, "optimizer/lr", ELEM_F32, &a->lr, 0);
    tensor_list_attr(l, "optimizer/beta1", ELEM_F32, &a->beta1, 0);
    tensor_list_attr(l, "optimizer/beta2", ELEM_F32, &a->beta2, 0);
    tensor_list_attr(l, "optimizer/eps", ELEM_F32, &a->eps, 0);
    static const char *const moments[2] = {"exp_avg", "exp_avg_sq"};
    for (int k = 0; k < 2; k++)
        for (int p = 0; p < N_PARAM_TENSORS; p++) {
            const StateEntry *e = model_param_entry((ParamId)p);
            char path[ITEM_PATH_MAX];
            snprintf(path, sizeof path, "optimizer/%s/%s", moments[k], e->name);
            tensor_list_tensor(l, path, ELEM_F32, e->ndim, e->shape,
                               param_in(k ? a->v : a->m, (ParamId)p));
        }
}

void state_describe(TensorList *list, Model *m, Adam *opt, RunInfo *run)
{
    if (run) state_describe_run(list, run);
    describe_model(list, m);
    if (opt) describe_adam(list, opt);
}

int state_check(const RunInfo *run, char *err, size_t errlen)
{
    if (run && run->format_version != STATE_FORMAT_VERSION) {
        snprintf(err, errlen, "checkpoint format_version is %d; this program reads version %d",
                 (int)run->format_version, STATE_FORMAT_VERSION);
        return -1;
    }
    return 0;
}
