#include "cli/checkpoint.h"
#include "io/path.h"
#include "io/metric_log_file.h"
#include "io/tensor_file.h"

#include <limits.h>
#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Lists are large (128 items): kept off the stack; checkpoints are saved and loaded on one thread. */
static TensorList list;

int checkpoint_save_averaged(const char *path, const Model *m, const Model *trained,
                             const Adam *opt, const RunInfo *run, char *err, size_t errlen)
{
    RunInfo r = run ? *run : (RunInfo){0};
    Adam a = opt ? *opt : (Adam){0};
    Model copy = *m, tcopy = trained ? *trained : (Model){0};
    list = (TensorList){0};
    /* the list points into the copies' arrays, which are the caller's: saving only reads them */
    state_describe(&list, &copy, opt ? &a : NULL, trained ? &tcopy : NULL, &r, 1);
    return tensor_file_save(path, &list, err, errlen);
}

int checkpoint_save(const char *path, const Model *m, const Adam *opt, const RunInfo *run,
                    char *err, size_t errlen)
{
    return checkpoint_save_averaged(path, m, NULL, opt, run, err, errlen);
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

int checkpoint_load_averaged(const char *path, Model *m, Model *trained, Adam *opt, RunInfo *run,
                             char *err, size_t errlen)
{
    Model tm = {0}, tt = {0};
    Adam ta = {0};
    RunInfo tr = {0};
    int rc = -1;
    /* with opt, the trained weights of an averaged run are read (into tt), asked for or not */
    const int want_trained = opt != NULL;
    if (model_alloc(&tm) || (opt && adam_alloc(&ta, 0.0f)) || (want_trained && model_alloc(&tt))) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    /* NaN until read: what a file without the trained weights leaves */
    if (want_trained) tt.params[0] = NAN;
    list = (TensorList){0};
    /* The run's attributes are needed to resume (opt) or when asked for; a model alone loads from
     * a plain PyTorch state_dict too, whose file has no attributes of ours. */
    state_describe(&list, &tm, opt ? &ta : NULL, want_trained ? &tt : NULL, &tr, run || opt);
    if (tensor_file_load(path, &list, err, errlen) ||
        check_loaded(path, &tm, opt ? &ta : NULL, &tr, err, errlen))
        goto out;
    if (want_trained && tr.ema > 0) {
        if (isnan(tt.params[0])) {
            snprintf(err, errlen, "%s: holds an averaged model (attribute ema) but not the weights "
                     "it trained (/optimizer/weights)", path);
            goto out;
        }
        if (check_loaded(path, &tt, NULL, NULL, err, errlen)) goto out;
    }
    /* everything checked out: hand it over */
    model_copy(m, &tm);
    if (trained && want_trained) model_copy(trained, tr.ema > 0 ? &tt : &tm);
    if (opt) adam_copy(opt, &ta);
    if (run) *run = tr;
    rc = 0;
out:
    adam_free(&ta);
    model_free(&tm);
    model_free(&tt);
    return rc;
}

int checkpoint_load(const char *path, Model *m, Adam *opt, RunInfo *run, char *err, size_t errlen)
{
    return checkpoint_load_averaged(path, m, NULL, opt, run, err, errlen);
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
