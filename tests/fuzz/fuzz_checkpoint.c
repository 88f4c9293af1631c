/* libFuzzer target: the checkpoint loader (cli/checkpoint.h: io/tensor_file.h reading the
 * engine's state description, then the state's checks) and the metric-log loader, on any bytes.
 * HDF5 itself parses in a child process (io/isolate.h): its crashes and hangs on damaged files
 * are reported as errors, so what this finds are faults of ours. */
#include "cli/checkpoint.h"
#include "io/metric_log_file.h"
#include "tests/fuzz/fuzz_input.h"

#include <stdlib.h>

static Model model;
static Adam adam;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model.params && (model_alloc(&model) || adam_alloc(&adam, 0.0f))) abort();
    char path[64], err[512];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    RunInfo run;
    checkpoint_load(path, &model, NULL, NULL, err, sizeof err);
    checkpoint_load(path, &model, &adam, &run, err, sizeof err);
    MetricLog log = {0};
    metric_log_load(path, &log, err, sizeof err);
    metrics_free(&log);
    close(fd);
    return 0;
}
