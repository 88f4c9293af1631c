/* A metric log that looks like a run's, for the tests that draw or save one: epochs 1..n with
 * falling losses, and a step row every log_every of steps_per_epoch steps. */
#ifndef MNIST_TESTS_MAKE_LOG_H
#define MNIST_TESTS_MAKE_LOG_H

#include "common/metric_log.h"

__attribute__((unused)) static void make_log(MetricLog *log, int epochs, int steps_per_epoch, int log_every)
{
    *log = (MetricLog){0};
    for (int e = 1; e <= epochs; e++) {
        EpochMetrics m = {.epoch = e, .train_loss = 1.0f / e, .train_acc = 1 - 0.2f / e,
                          .test_loss = 0.8f / e, .test_acc = 1 - 0.1f / e, .seconds = 2,
                          .samples_per_s = 320, .lr = 1e-3f};
        metrics_add_epoch(log, &m);
    }
    for (int s = log_every; log_every > 0 && s <= epochs * steps_per_epoch; s += log_every) {
        StepMetrics m = {.step = s, .loss = 2.3f / (1 + 0.1f * s), .acc = 0.5f};
        metrics_add_step(log, &m);
    }
}

#endif
