/* The graphs of a finished run beside its checkpoint (RUN-training.png and .svg), drawn in a child
 * process: PLplot, cairo and pango can crash (out of memory under a ulimit, a broken font set-up),
 * and the checkpoint already holds everything, so a failure is only a warning on stderr and never
 * costs the run. */
#ifndef MNIST_CLI_TRAIN_GRAPHS_H
#define MNIST_CLI_TRAIN_GRAPHS_H

#include "cli/train_output.h"
#include "common/metric_log.h"

/* silent: no line naming the pictures on stdout. */
void train_write_graphs(const TrainFiles *f, const MetricLog *log, double steps_per_epoch,
                        int silent);

#endif
