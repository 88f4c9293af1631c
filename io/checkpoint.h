/* Training checkpoints as HDF5 files that a PyTorch user can read with h5py or h5dump alone.
 *
 * Layout (all numbers little-endian; float tensors float32, row-major in PyTorch's layout):
 *
 *   /                          attributes: format_version (int32, = 1), epoch (int32, epochs
 *                              completed), step (int64, optimizer steps done), seed (uint64),
 *                              epochs, batch, limit, augment (int32: training options),
 *                              lr (float32), isa, data_dir (variable-length UTF-8 strings)
 *   /model/<key>               one dataset per state_dict entry, named exactly as PyTorch's key
 *                              ("conv1.weight" 32x1x3x3, ..., "fc2.bias" 10); the
 *                              "*.num_batches_tracked" entries are int64 scalars. So
 *                                f = h5py.File(p); model.load_state_dict(
 *                                    {k: torch.tensor(v[()]) for k, v in f["model"].items()})
 *   /optimizer                 only when saved with an Adam; attributes step (int64),
 *                              lr, beta1, beta2, eps (float32)
 *   /optimizer/exp_avg/<key>   Adam's first moment for each trainable tensor, same shape
 *   /optimizer/exp_avg_sq/<key>  second moment
 *   /metrics                   only when saved with a MetricLog holding entries; `train` keeps
 *                              its log in a file of its own instead (metrics_save, below)
 *   /metrics/epochs            1-D compound table, one row per epoch, chunked with unlimited
 *                              maxdims (extendible): fields epoch (int32), train_loss, train_acc,
 *                              test_loss, test_acc, seconds, samples_per_s, lr (float32);
 *                              accuracies are fractions 0..1, test_* NaN when not evaluated.
 *                              h5py: e = f["metrics/epochs"][:]; e["test_acc"]
 *   /metrics/steps             1-D compound table, one row every --log-every steps (same chunking):
 *                              step (int64), loss, acc (float32)
 *
 * Compound tables rather than one dataset per field: h5py hands them back as one numpy
 * structured array (or pandas.DataFrame(f["metrics/epochs"][:])), fields by name, rows aligned.
 *
 * A metric-log file (metrics_save) has the same /metrics group and only format_version at its
 * root. `train` writes one beside its checkpoint (runs/model.h5 -> runs/model-metrics.h5): its
 * wall-clock fields (seconds, samples_per_s) differ from run to run, and keeping them out of the
 * checkpoint lets two runs with the same seed, data and options give byte-identical checkpoints.
 *
 * RNG state is seed + epoch + step (the RNG is counter-based), so nothing else is stored.
 * Files are deterministic: no object timestamps, so saving the same state twice gives the same
 * bytes. All functions return 0 on success, -1 with a message naming the file in err. */
#ifndef MNIST_IO_CHECKPOINT_H
#define MNIST_IO_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/adam.h"
#include "engine/metrics.h"
#include "engine/model.h"

enum { CHECKPOINT_FORMAT_VERSION = 1 };

typedef struct {
    int32_t epoch;       /* epochs completed */
    int64_t step;        /* optimizer steps done */
    uint64_t seed;
    int32_t epochs, batch, limit, augment;  /* training options (not the thread count: results
                                             * do not depend on it, and neither does the file) */
    float lr;
    char isa[16];        /* kernel path used, e.g. "avx512" */
    char data_dir[256];
} CheckpointMeta;

/* Writes a temporary file next to path, fsyncs it and renames it over path, so path always holds
 * either the old or the new complete checkpoint. opt and log may be NULL (no /optimizer, no
 * /metrics); meta may be NULL (all zeros). */
int checkpoint_save(const char *path, const Model *m, const Adam *opt, const CheckpointMeta *meta,
                    const MetricLog *log, char *err, size_t errlen);

/* Reads a checkpoint into caller-allocated m (model_alloc) and, when non-NULL, opt (adam_alloc:
 * the file must then have /optimizer), meta and log (replaced by the file's metrics; emptied when
 * the file has none). Every name, shape and dtype is checked; entries the model does not know are
 * errors too (like load_state_dict(strict=True)). On failure nothing passed in is modified. */
int checkpoint_load(const char *path, Model *m, Adam *opt, CheckpointMeta *meta, MetricLog *log,
                    char *err, size_t errlen);

/* A metric log alone, in the /metrics layout above, written like a checkpoint (temporary file,
 * fsync, rename); the tables are written even when empty. */
int metrics_save(const char *path, const MetricLog *log, char *err, size_t errlen);
/* Read the /metrics group of a metric-log file or of a checkpoint that has one into log
 * (replacing its contents); an error if the file has no /metrics. */
int metrics_load(const char *path, MetricLog *log, char *err, size_t errlen);

/* The metric-log file `train` keeps beside a checkpoint: "runs/model.h5" -> "runs/model-metrics.h5"
 * (any .h5/.hdf5 extension replaced). Returns -1 if it does not fit in n bytes. */
int metrics_path_for(const char *checkpoint, char *buf, size_t n);
/* The run's metric log for a checkpoint: the file beside it if there is one, else the
 * checkpoint's own /metrics if it has one, else an empty log. -1 only on a broken file. */
int load_run_metrics(const char *checkpoint, MetricLog *log, char *err, size_t errlen);

/* Prints a human-readable summary of the checkpoint at path to out. */
int checkpoint_info(const char *path, FILE *out, char *err, size_t errlen);

#endif
