#include "cli/checkpoint.h"
#include "io/tensor_file.h"

#include <stdio.h>
#include <string.h>

/* Lists are large (128 items): kept off the stack; checkpoints are saved and loaded on one thread. */
static TensorList list;

int checkpoint_save(const char *path, const Model *m, const Adam *opt, const RunInfo *run,
                    char *err, size_t errlen)
{
    RunInfo r = run ? *run : (RunInfo){0};
    Adam a = opt ? *opt : (Adam){0};
    Model copy = *m;
    list = (TensorList){0};
    /* the list points into the copies' arrays, which are the caller's: saving only reads them */
    state_describe(&list, &copy, opt ? &a : NULL, &r);
    return tensor_file_save(path, &list, err, errlen);
}

int checkpoint_load(const char *path, Model *m, Adam *opt, RunInfo *run, char *err, size_t errlen)
{
    Model tm = {0};
    Adam ta = {0};
    RunInfo tr;
    int rc = -1;
    if (model_alloc(&tm) || (opt && adam_alloc(&ta, 0.0f))) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    list = (TensorList){0};
    state_describe(&list, &tm, opt ? &ta : NULL, &tr);
    if (tensor_file_load(path, &list, err, errlen)) goto out;
    char why[256];
    if (state_check(&tr, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, why);
        goto out;
    }
    /* everything checked out: hand it over */
    model_copy(m, &tm);
    if (opt) adam_copy(opt, &ta);
    if (run) *run = tr;
    rc = 0;
out:
    adam_free(&ta);
    model_free(&tm);
    return rc;
}

int checkpoint_load_run(const char *path, RunInfo *run, char *err, size_t errlen)
{
    RunInfo tr;
    list = (TensorList){0};
    state_describe_run(&list, &tr);
    if (tensor_file_load(path, &list, err, errlen)) return -1;
    char why[256];
    if (state_check(&tr, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    *run = tr;
    return 0;
}

int checkpoint_has_optimizer(const char *path, int *has, char *err, size_t errlen)
{
    return tensor_file_has(path, "optimizer", has, err, errlen);
}
