/* The metric log `train` keeps beside its checkpoint ("runs/model.h5" -> "runs/model-metrics.h5"):
 * the same HDF5 conventions as every file here (io/tensor_file.h), holding
 *
 *   /                 attribute format_version (int32, = 1)
 *   /metrics/epochs   1-D compound table, one row per epoch, chunked with unlimited maxdims
 *                     (extendible): epoch (int32), train_loss, train_acc, test_loss, test_acc,
 *                     seconds, samples_per_s, lr (float32); accuracies are fractions 0..1, test_*
 *                     NaN when not evaluated. h5py: e = f["metrics/epochs"][:]; e["test_acc"]
 *   /metrics/steps    the same, one row every --log-every steps: step (int64), loss, acc (float32)
 *
 * Compound tables rather than one dataset per field: h5py hands them back as one numpy structured
 * array (or pandas.DataFrame(f["metrics/epochs"][:])), fields by name, rows aligned. Its
 * wall-clock fields (seconds, samples_per_s) differ from run to run; keeping them out of the
 * checkpoint is what lets two runs with the same seed, data and options write byte-identical
 * checkpoints. Functions return 0, or -1 with a message naming the file in err. */
#ifndef MNIST_IO_METRIC_LOG_FILE_H
#define MNIST_IO_METRIC_LOG_FILE_H

#include <stddef.h>

#include "common/metric_log.h"

enum { METRIC_LOG_FORMAT_VERSION = 1 };

/* Written atomically; the tables are written even when empty. */
int metric_log_save(const char *path, const MetricLog *log, char *err, size_t errlen);
/* The /metrics group of a metric-log file, or of a checkpoint that carries one (older files did),
 * into log (replacing its contents); an error if the file has none. */
int metric_log_load(const char *path, MetricLog *log, char *err, size_t errlen);

/* The metric log's file name for a checkpoint. -1 when it does not fit in n bytes. */
int metric_log_path(const char *checkpoint, char *buf, size_t n);
/* The run's metric log for a checkpoint: the file beside it if there is one, else the
 * checkpoint's own /metrics if it has one, else an empty log. -1 only on a broken file. */
int metric_log_load_for(const char *checkpoint, MetricLog *log, char *err, size_t errlen);

#endif
