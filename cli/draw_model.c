/* The model of `draw` and its reloads (cli/draw_model.h). */
#include "cli/draw_model.h"
#include "cli/checkpoint.h"
#include "cli/common.h"
#include "io/metric_log_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifdef MNIST_HAVE_GUI
#include "gui/gui.h"
#endif

/* The one way draw reads a checkpoint, at start and on every reload: into a model of its own, so
 * that a bad file (half a file never appears: train renames complete ones into place) leaves the
 * held model as it was. A file without our attributes (a state_dict from PyTorch) loads as weights
 * only. */
static int load(const char *path, Model *m, RunInfo *run, char *err, size_t errlen)
{
    if (model_alloc(m)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *run = (RunInfo){0};
    if (checkpoint_load(path, m, NULL, run, err, errlen) == 0) return 0;
    *run = (RunInfo){0};
    if (checkpoint_load(path, m, NULL, NULL, err, errlen) == 0) return 0;
    model_free(m);
    return -1;
}

int draw_model_open(DrawModel *d, const char *path, int follow, int print)
{
    char err[512];
    *d = (DrawModel){.path = path, .print = print, .watch = {.fd = -1}};
    if (load(path, &d->m, &d->run, err, sizeof err)) {
        fprintf(stderr, "mnist-cnn draw: %s\n", err);
        return -1;
    }
    say_model("draw", path, &d->run);
    checkpoint_log_owner(d->path, d->log_of, sizeof d->log_of);
    /* the training curves of the debug view: without a readable log, the window goes on without */
    if (metric_log_load_for(d->log_of, &d->log, err, sizeof err))
        fprintf(stderr, "mnist-cnn draw: no training curves: %s\n", err);
    if (follow) {
        char log[PATH_MAX];
        if (metric_log_path(d->log_of, log, sizeof log)) log[0] = 0;
        if (watch_open(&d->watch, path, log[0] ? log : NULL, err, sizeof err))
            fprintf(stderr, "mnist-cnn draw: not following the training run: %s\n", err);
    }
    return 0;
}

/* The log's row for the held model's epoch, or NULL. */
static const EpochMetrics *epoch_row(const DrawModel *d)
{
    for (size_t i = d->log.n_epochs; i-- > 0;)
        if (d->log.epochs[i].epoch == d->run.epoch) return &d->log.epochs[i];
    return NULL;
}

void draw_model_about(const DrawModel *d, char *buf, size_t len)
{
    if (!d->run.format_version) {
        snprintf(buf, len, "%s (weights only)", d->path);
        return;
    }
    char acc[32] = "";
    const EpochMetrics *e = epoch_row(d);
    if (e && !isnan(e->val_acc)) snprintf(acc, sizeof acc, ", val %.2f%%", 100.0 * e->val_acc);
    else if (e && !isnan(e->test_acc))
        snprintf(acc, sizeof acc, ", test %.2f%%", 100.0 * e->test_acc);
    snprintf(buf, len, "%s: epoch %d of %d%s, %s", d->path, (int)d->run.epoch,
             (int)d->run.epochs, acc, strcmp(d->run.role, "best") == 0 ? "best" : "latest");
}

#ifdef MNIST_HAVE_GUI
static void json_accuracy(const char *key, float v)
{
    if (!isfinite(v)) printf(", \"%s\": null", key);   /* JSON has no NaN or infinity */
    else printf(", \"%s\": %.6f", key, v);
}

/* --print: {"reload": PATH, "epoch": N, "epochs": M, "role": "best"|"latest", "val_accuracy": A,
 * "test_accuracy": A} after a reload, {"reload": PATH, "error": "..."} after a failed one. */
static void print_reload(const DrawModel *d, const char *error)
{
    printf("{\"reload\": \"");
    json_string(stdout, d->path);
    if (error) {
        printf("\", \"error\": \"");
        json_string(stdout, error);
        printf("\"}\n");
    } else if (!d->run.format_version) {
        printf("\", \"epoch\": null}\n");
    } else {
        const EpochMetrics *e = epoch_row(d);
        printf("\", \"epoch\": %d, \"epochs\": %d, \"role\": \"%s\"", (int)d->run.epoch,
               (int)d->run.epochs, strcmp(d->run.role, "best") == 0 ? "best" : "latest");
        json_accuracy("val_accuracy", e ? e->val_acc : NAN);
        json_accuracy("test_accuracy", e ? e->test_acc : NAN);
        printf("}\n");
    }
    fflush(stdout);
}

int draw_model_reload(void *ctx, const Model **m, const MetricLog **log, char *about, size_t len)
{
    DrawModel *d = ctx;
    int what = watch_read(&d->watch), got = 0;
    char err[512];
    if (what & WATCH_CHECKPOINT) {
        Model nm;
        RunInfo nr;
        if (load(d->path, &nm, &nr, err, sizeof err)) {
            fprintf(stderr, "mnist-cnn draw: kept the model: %s\n", err);
            if (d->print) print_reload(d, err);
            snprintf(about, len, "%s", err);
            return -1;
        }
        model_free(&d->m);
        d->m = nm;
        d->run = nr;
        *m = &d->m;
        got |= GUI_RELOADED_MODEL;
        what |= WATCH_LOG;   /* train writes the log first: it may already hold this epoch */
    }
    if (what & WATCH_LOG) {
        MetricLog nl = {0};
        if (metric_log_load_for(d->log_of, &nl, err, sizeof err) == 0) {
            metrics_free(&d->log);
            d->log = nl;
            *log = &d->log;
            got |= GUI_RELOADED_LOG;
        } else {
            metrics_free(&nl);
            fprintf(stderr, "mnist-cnn draw: kept the training curves: %s\n", err);
            if (!got) {
                snprintf(about, len, "%s", err);
                return -1;
            }
        }
    }
    if (got) draw_model_about(d, about, len);
    if (d->print && (got & GUI_RELOADED_MODEL)) print_reload(d, NULL);
    return got;
}
#endif

void draw_model_close(DrawModel *d)
{
    watch_close(&d->watch);
    metrics_free(&d->log);
    model_free(&d->m);
}
