/* The model `draw` hands to the window, and following it while training goes on: the checkpoint
 * and the run's metric log loaded by one function, a line saying which model it is for the status
 * line, and the reload callback the window calls when cli/watch.h sees either file replaced. */
#ifndef MNIST_CLI_DRAW_MODEL_H
#define MNIST_CLI_DRAW_MODEL_H

#include <limits.h>
#include <stddef.h>

#include "cli/watch.h"
#include "common/metric_log.h"
#include "engine/model.h"
#include "engine/state.h"

typedef struct {
    const char *path;         /* the checkpoint */
    char log_of[PATH_MAX];    /* the checkpoint whose metric log is read (io/metric_log_file.h):
                                 path, or FILE.h5 for a FILE-best.h5 without a log of its own */
    Model m;
    RunInfo run;              /* format_version 0: weights only */
    MetricLog log;
    Watch watch;              /* fd -1: not following */
    int print;                /* a JSON line on stdout per reload (--print) */
} DrawModel;

/* Loads path and its run's metric log (a log that cannot be read is a warning: no curves), says
 * which model it is on stderr, and with follow starts watching both (a watch that cannot be set up
 * is a warning too). Errors are printed; -1 when the checkpoint cannot be loaded. */
int draw_model_open(DrawModel *d, const char *path, int follow, int print);

/* "runs/model.h5: epoch 2 of 5, val 98.91%, latest" (the validation accuracy of that epoch from
 * the log, else its test accuracy, else none). */
void draw_model_about(const DrawModel *d, char *buf, size_t len);

/* GuiReloadFn (gui/gui.h), ctx a DrawModel: reads d->watch's events, reloads what was replaced
 * (the log with the checkpoint too). A file that cannot be read changes nothing. */
int draw_model_reload(void *ctx, const Model **m, const MetricLog **log, char *about, size_t len);

void draw_model_close(DrawModel *d);

#endif
