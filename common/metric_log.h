/* What training measured, as plain growable arrays: filled by the training loop, saved beside the
 * checkpoint by io/metric_log_file.h, drawn by `plot` and the drawing window. No files here. */
#ifndef MNIST_COMMON_METRIC_LOG_H
#define MNIST_COMMON_METRIC_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t epoch;          /* 1-based */
    float train_loss, train_acc;   /* accuracy as a fraction 0..1 */
    float test_loss, test_acc;     /* NaN when the epoch was not evaluated */
    float seconds;          /* wall seconds of the epoch's training (evaluation excluded) */
    float samples_per_s;
    float lr;               /* the rate of the epoch's last step */
    float val_loss, val_acc;       /* on the held-out validation images; NaN without --val */
    float eval_seconds;     /* wall seconds of the evaluations after it (validation and test);
                             * NaN in older logs */
} EpochMetrics;

typedef struct {
    int64_t step;           /* optimizer step, 1-based */
    float loss, acc;        /* of that batch */
    float lr;               /* the learning rate that step used (NaN in older logs) */
} StepMetrics;

typedef struct {
    EpochMetrics *epochs;
    size_t n_epochs, cap_epochs;
    StepMetrics *steps;
    size_t n_steps, cap_steps;
} MetricLog;

/* Return 0, or -1 when out of memory. */
int metrics_add_epoch(MetricLog *log, const EpochMetrics *e);
int metrics_add_step(MetricLog *log, const StepMetrics *s);
void metrics_free(MetricLog *log);

/* Bounds of a metric log's counters: far above any real run (as the checkpoint's, engine/state.c). */
#define METRICS_MAX_EPOCH 1000000
#define METRICS_MAX_STEP 1000000000000LL

/* Whether every row holds values a training run can write: epochs 1..METRICS_MAX_EPOCH, steps
 * 1..METRICS_MAX_STEP, losses finite and >= 0, accuracies 0..1, seconds and samples/s finite and
 * >= 0, learning rates 0..10 (as the checkpoint's); NaN only where it means "not measured"
 * (test_*, val_*, and a step's lr in older logs). A file is read with this check, so that plots,
 * `info` and the window never show an axis to 2e9 or an accuracy of inf%. Returns 0, or -1 with
 * the row and field in err: "epochs[2].test_acc is inf, outside 0..1". */
int metrics_check(const MetricLog *log, char *err, size_t errlen);

/* The index in log->epochs of the best epoch by validation (highest accuracy; of equals, the
 * lowest loss; of those, the earliest), among epochs up to `upto` (1-based epoch number);
 * -1 when none has a validation figure. */
long metrics_best_epoch(const MetricLog *log, int upto);

#endif
