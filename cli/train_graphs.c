#include "cli/train_graphs.h"
#include "cli/common.h"
#include "io/atomic_file.h"
#include "io/isolate.h"
#include "io/plot.h"

#include <stdio.h>
#include <string.h>

/* What the child draws. */
typedef struct {
    const MetricLog *log;
    double steps_per_epoch;
    const TrainFiles *files;
} GraphJob;

static int draw_graphs(void *ctx, char *err, size_t errlen)
{
    const GraphJob *g = ctx;
    return plot_training(g->log, g->steps_per_epoch, g->files->png, g->files->svg, 0, 0, err,
                         errlen);
}

/* Drawing takes about a second; one that hangs (a font server gone) is given up on. */
enum { GRAPH_TIMEOUT_S = 120 };

void train_write_graphs(const TrainFiles *f, const MetricLog *log, double steps_per_epoch,
                        int silent)
{
    char err[1024];
    if (!plot_available(err, sizeof err)) {
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: %s\n", err);
        return;
    }
    GraphJob job = {log, steps_per_epoch, f};
    int sig = 0;
    IsolateEnd end = isolate_call(draw_graphs, &job, GRAPH_TIMEOUT_S, &sig, err, sizeof err);
    if (end != ISOLATE_OK) {
        /* a killed child may have left its temporary files; we hold the run's lock */
        atomic_remove_stale(f->png);
        atomic_remove_stale(f->svg);
    }
    if (end == ISOLATE_CRASHED)
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: drawing them crashed (%s; "
                        "out of memory?); the checkpoint is saved, `%s plot %s` draws them "
                        "later\n", strsignal(sig), program_name, f->out);
    else if (end == ISOLATE_LATE)
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: drawing them took over "
                        "%d s and was stopped; `%s plot %s` draws them later\n",
                GRAPH_TIMEOUT_S, program_name, f->out);
    else if (end == ISOLATE_FAILED)
        fprintf(stderr, "mnist-cnn train: warning: no training graphs: %s\n",
                err[0] ? err : "drawing them failed");
    else if (!silent)
        printf("training graphs %s, %s\n", f->png, f->svg);
}

