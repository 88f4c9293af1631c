/* What `train` writes and what it may overwrite: --out (the checkpoint) and the metric log beside
 * it are checked before any data is loaded or any step is trained; one run holds them at a time
 * (io/run_lock.h); temporary files a killed run left are removed. */
#ifndef MNIST_CLI_TRAIN_OUTPUT_H
#define MNIST_CLI_TRAIN_OUTPUT_H

#include "io/run_lock.h"

/* The checkpoint, metric-log and best-checkpoint paths a run writes (best may be NULL), checked: each may be new or one of our own
 * files (sealed by io); anything else needs force, and a device, a folder, a pipe or one of the
 * data set's files (data_dir's IDX files, or any file that starts like an IDX file) is never
 * overwritten. The folder is created if missing (one level, like runs/). Prints the reason as
 * "mnist-cnn train: ..." and returns 1 (runtime) or 2 (usage: an empty or too long path), or 0. */
int train_output_check(const char *out, const char *metrics, const char *best, const char *data_dir,
                       int force);

/* Takes the run lock for out, then removes the temporary files of out, its metric log, its best
 * checkpoint and its graphs that a killed run left (nobody else can be writing them now). Prints and returns 1 when
 * another run holds the lock, else 0. */
int train_output_claim(RunLock *lock, const char *out, const char *metrics);

#endif
