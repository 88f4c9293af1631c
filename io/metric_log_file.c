#include "io/metric_log_file.h"
#include "io/error.h"
#include "io/path.h"
#include "io/tensor_file.h"

#include <stdlib.h>
#include <sys/stat.h>

static const RecordField epoch_fields[] = {
    {"epoch", offsetof(EpochMetrics, epoch), ELEM_I32, 0},
    {"train_loss", offsetof(EpochMetrics, train_loss), ELEM_F32, 0},
    {"train_acc", offsetof(EpochMetrics, train_acc), ELEM_F32, 0},
    {"test_loss", offsetof(EpochMetrics, test_loss), ELEM_F32, 0},
    {"test_acc", offsetof(EpochMetrics, test_acc), ELEM_F32, 0},
    {"seconds", offsetof(EpochMetrics, seconds), ELEM_F32, 0},
    {"samples_per_s", offsetof(EpochMetrics, samples_per_s), ELEM_F32, 0},
    {"lr", offsetof(EpochMetrics, lr), ELEM_F32, 0},
    /* added with --val: logs written before it have no such fields */
    {"val_loss", offsetof(EpochMetrics, val_loss), ELEM_F32, 1},
    {"val_acc", offsetof(EpochMetrics, val_acc), ELEM_F32, 1},
    /* added with the time-to-accuracy benchmark */
    {"eval_seconds", offsetof(EpochMetrics, eval_seconds), ELEM_F32, 1},
};

static const RecordField step_fields[] = {
    {"step", offsetof(StepMetrics, step), ELEM_I64, 0},
    {"loss", offsetof(StepMetrics, loss), ELEM_F32, 0},
    {"acc", offsetof(StepMetrics, acc), ELEM_F32, 0},
    {"lr", offsetof(StepMetrics, lr), ELEM_F32, 1},   /* added with the schedules */
};

/* Chunks of 64 epochs; steps grow by thousands per epoch, so bigger chunks keep the chunk index
 * small. The row limits are far above any real run (a million epochs; 4 million step rows are
 * 4,000 epochs of MNIST logged at every step) and keep a hostile file, whose compressed chunks
 * could claim any number of rows, from asking for more than 64 MB. */
static const RecordTable epoch_table = {epoch_fields, sizeof epoch_fields / sizeof epoch_fields[0],
                                        sizeof(EpochMetrics), 64, 1000000};
static const RecordTable step_table = {step_fields, sizeof step_fields / sizeof step_fields[0],
                                       sizeof(StepMetrics), 1024, 4000000};

static void describe(TensorList *l, MetricLog *log)
{
    tensor_list_table(l, "metrics/epochs", &epoch_table, (void **)&log->epochs, &log->n_epochs);
    tensor_list_table(l, "metrics/steps", &step_table, (void **)&log->steps, &log->n_steps);
}

int metric_log_save(const char *path, const MetricLog *log, char *err, size_t errlen)
{
    static TensorList l;   /* large: keep it off the stack; saves happen on one thread */
    int32_t version = METRIC_LOG_FORMAT_VERSION;
    MetricLog copy = log ? *log : (MetricLog){0};
    l = (TensorList){0};
    tensor_list_attr(&l, "format_version", ELEM_I32, &version, 0);
    describe(&l, &copy);
    return tensor_file_save(path, &l, err, errlen);
}

int metric_log_load(const char *path, MetricLog *log, char *err, size_t errlen)
{
    static TensorList l;
    int has = 0;
    if (tensor_file_has(path, "metrics", &has, err, errlen)) return -1;
    if (!has) return io_fail(err, errlen, "%s: holds no metric log (/metrics)", path);
    MetricLog got = {0};
    l = (TensorList){0};
    describe(&l, &got);
    if (tensor_file_load(path, &l, err, errlen)) return -1;
    got.cap_epochs = got.n_epochs;
    got.cap_steps = got.n_steps;
    char why[256];
    if (metrics_check(&got, why, sizeof why)) {   /* checked like a checkpoint's tensors */
        metrics_free(&got);
        return io_fail(err, errlen, "%s: /metrics/%s", path, why);
    }
    metrics_free(log);
    *log = got;
    return 0;
}

int metric_log_path(const char *checkpoint, char *buf, size_t n)
{
    return path_with_suffix(checkpoint, path_hdf5_exts, "-metrics.h5", buf, n);
}

int metric_log_load_for(const char *checkpoint, MetricLog *log, char *err, size_t errlen)
{
    char side[4096];
    struct stat st;
    if (metric_log_path(checkpoint, side, sizeof side) == 0 && stat(side, &st) == 0)
        return metric_log_load(side, log, err, errlen);
    /* no log beside it: a checkpoint saved with its log inside, or none at all */
    int has = 0;
    if (tensor_file_has(checkpoint, "metrics", &has, err, errlen)) return -1;
    if (has) return metric_log_load(checkpoint, log, err, errlen);
    metrics_free(log);
    return 0;
}
