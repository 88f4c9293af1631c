/* What `train` writes and what it may replace. A run writes five files beside each other (the
 * checkpoint RUN.h5, its metric log RUN-metrics.h5, the best epoch RUN-best.h5, the graphs
 * RUN-training.png/.svg) and holds RUN.h5.lock while it runs.
 *
 * The rule, for every one of them: a new run never replaces or removes an existing file without
 * --force. Without --out, a new run takes the first free name (runs/model.h5, runs/model-2.h5,
 * ...); with --out naming files that exist, it is refused before any work. A resumed run replaces
 * its own files. Even with --force, one of our files is only ever replaced by a file of the same
 * kind (a checkpoint by a checkpoint, a metric log by a metric log), and a data file, a folder or
 * a device never. Checks only read; nothing is created or removed before every input is checked
 * (train_output_claim comes last). */
#ifndef MNIST_CLI_TRAIN_OUTPUT_H
#define MNIST_CLI_TRAIN_OUTPUT_H

#include "io/run_lock.h"

#include <limits.h>

/* The files of one run. */
typedef struct {
    char out[PATH_MAX], metrics[PATH_MAX], best[PATH_MAX], png[PATH_MAX], svg[PATH_MAX];
} TrainFiles;

/* Fills f from the checkpoint's name. Prints and returns 2 (usage) when out is empty or too long. */
int train_files(const char *out, TrainFiles *f);

/* The first name in runs/model.h5, runs/model-2.h5, ... of which none of a run's files (nor its
 * lock) exists, into f. 0, or prints and returns 1 when there is none (1000 names tried). */
int train_files_free(TrainFiles *f);

/* Whether a run may write f: every file new (or --force and replaceable, see above), or, with
 * own_run, the files of the run being resumed. Reads only. Prints the reason as "mnist-cnn train:
 * ..." and returns 1, or returns 0. */
int train_output_check(const TrainFiles *f, const char *data_dir, int force, int own_run);

/* After every input is checked: creates the checkpoint's folder when missing (one level, like
 * runs/), takes the run lock, removes the temporary files a killed run left. Prints and returns 1
 * when another run holds the lock or the folder cannot be made, else 0. */
int train_output_claim(RunLock *lock, const TrainFiles *f);

#endif
