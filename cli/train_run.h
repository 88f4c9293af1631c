/* mnist-cnn train's state: what the command line asked for and everything one run holds, shared
 * by cmd_train.c (parse, prepare, run) and train_report.c (what it prints). */
#ifndef MNIST_CLI_TRAIN_RUN_H
#define MNIST_CLI_TRAIN_RUN_H

#include "cli/checkpoint.h"
#include "cli/common.h"
#include "cli/train_output.h"
#include "cli/train_shared.h"
#include "engine/net.h"
#include "engine/schedule.h"
#include "engine/train.h"
#include "io/idx.h"
#include "io/run_lock.h"

#include <limits.h>

/* What the command line asked for. */
typedef struct {
    const char *data, *out, *resume;
    const char *fixed_opt;   /* an option the checkpoint decides when resuming */
    long epochs, batch, threads, seed, limit, test_limit, log_every, checkpoint_every, val,
        patience, mpi_timeout;
    float lr, warmup, weight_decay, augment_strength, label_smoothing, ema;
    ScheduleKind schedule;
    int augment, quiet, json, force, epochs_given, data_given, out_given, log_every_given,
        test_limit_given;
    DataOrigin data_from;
    ConvAlgo conv;
    int conv_given;
    Precision precision;
} TrainOptions;

/* Everything one run holds. */
typedef struct {
    TrainOptions o;
    Model m;                 /* the weights trained */
    Model avg;               /* with --ema: their average, the run's model (allocated then) */
    Adam opt;
    MetricLog log;
    RunInfo run;             /* what the checkpoint records */
    TrainPosition start;     /* where training begins (after --resume: where it stopped) */
    Dataset train, test;
    ImageSet tr, va, te;     /* training, validation (held out of train's file), test */
    RunLock lock;
    int nthreads, tty;
    int saved;               /* a checkpoint was written by this run */
    char fingerprint[sizeof ((RunInfo *)0)->data_fingerprint];  /* of the data loaded */
    TrainFiles files;        /* the checkpoint (o.out points here), its metric log, best, graphs */
    char resumed_isa[sizeof ((RunInfo *)0)->isa];        /* kernels of the run resumed */
    char resumed_data[sizeof ((RunInfo *)0)->data_dir];  /* its data folder */
    Collective *comm;        /* under mpirun: the processes (rank 0 does all of the above) */
    int comm_failed;         /* they stopped answering: end them all (dist_abort) */
    SharedData held;         /* on the other ranks: the images rank 0 sent */
} TrainRun;

/* The run's model: what it evaluates and every reader of its checkpoint gets. */
static inline Model *run_model(TrainRun *r) { return r->o.ema > 0 ? &r->avg : &r->m; }

/* Rank 0, or the only process: the one that reads, writes and prints. */
static inline int leader(const TrainRun *r) { return !r->comm || r->comm->rank == 0; }

/* The run's first line: data, recipe, processes, threads, kernels. */
void train_print_start(const TrainRun *r);
/* TrainCallbacks.progress: the progress line on a terminal. */
void train_on_progress(void *ctx, int epoch, int done, int total, float loss, double sps);
/* An epoch's line (or JSON object); best: it validated best so far. */
void train_print_epoch(const TrainRun *r, int epoch, const EpochMetrics *e, int best);
/* What a run that did not finish tells the user (signal: the one that stopped it, 0 if none);
 * returns the exit code. */
int train_report_unfinished(const TrainRun *r, TrainResult result, const char *err, int signal);
/* The final lines: last and best epochs' accuracy, files. */
void train_print_summary(const TrainRun *r);

#endif
