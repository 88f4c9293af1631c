#include "cli/checkpoint.h"
#include "io/path.h"
#include "io/metric_log_file.h"
#include "io/tensor_file.h"

#include <limits.h>
#include <sys/stat.h>

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
    state_describe(&list, &copy, opt ? &a : NULL, &r, 1);
    return tensor_file_save(path, &list, err, errlen);
}

/* A loaded state this program can use, or a message naming the file and the bad item. */
static int check_loaded(const char *path, const Model *m, const Adam *a, const RunInfo *r,
                        char *err, size_t errlen)
{
    char why[400];
    if (state_check(m, a, r, why, sizeof why) == 0) return 0;
    snprintf(err, errlen, "%s: %s", path, why);
    return -1;
}

int checkpoint_load(const char *path, Model *m, Adam *opt, RunInfo *run, char *err, size_t errlen)
{
    Model tm = {0};
    Adam ta = {0};
    RunInfo tr = {0};
    int rc = -1;
    if (model_alloc(&tm) || (opt && adam_alloc(&ta, 0.0f))) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    list = (TensorList){0};
    /* The run's attributes are needed to resume (opt) or when asked for; a model alone loads from
     * a plain PyTorch state_dict too, whose file has no attributes of ours. */
    state_describe(&list, &tm, opt ? &ta : NULL, &tr, run || opt);
    if (tensor_file_load(path, &list, err, errlen) ||
        check_loaded(path, &tm, opt ? &ta : NULL, &tr, err, errlen))
        goto out;
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
    RunInfo tr = {0};
    list = (TensorList){0};
    state_describe_run(&list, &tr, 1);
    if (tensor_file_load(path, &list, err, errlen) || check_loaded(path, NULL, NULL, &tr, err, errlen))
        return -1;
    *run = tr;
    return 0;
}

int checkpoint_has_optimizer(const char *path, int *has, char *err, size_t errlen)
{
    return tensor_file_has(path, "optimizer", has, err, errlen);
}

int best_checkpoint_path(const char *checkpoint, char *buf, size_t n)
{
    return path_with_suffix(checkpoint, path_hdf5_exts, "-best.h5", buf, n);
}

void checkpoint_log_owner(const char *path, char *buf, size_t n)
{
    char side[PATH_MAX], run[PATH_MAX], best[PATH_MAX];
    struct stat st;
    snprintf(buf, n, "%s", path);
    if (metric_log_path(path, side, sizeof side) || stat(side, &st) == 0) return;
    const char *b = strstr(path, "-best.");
    if (!b || strlen(path) >= sizeof run) return;
    for (const char *next; (next = strstr(b + 1, "-best.")); b = next) {}   /* the last one */
    snprintf(run, sizeof run, "%.*s%s", (int)(b - path), path, b + 5);
    if (best_checkpoint_path(run, best, sizeof best) || strcmp(best, path) != 0) return;
    if (metric_log_path(run, side, sizeof side) == 0 && stat(side, &st) == 0)
        snprintf(buf, n, "%s", run);
}
