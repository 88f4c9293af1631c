/* The training loop and evaluation over in-memory uint8 images. No files, no terminal: progress
 * and per-epoch results go to callbacks, which the CLI turns into lines, checkpoints and logs. */
#ifndef MNIST_ENGINE_TRAIN_H
#define MNIST_ENGINE_TRAIN_H

#include "engine/adam.h"
#include "common/metric_log.h"
#include "engine/model.h"

#include <stdint.h>

/* n images of 28x28 uint8 (row-major, white ink on black) and their labels 0..9. */
typedef struct {
    const uint8_t *images;
    const uint8_t *labels;
    int n;
} ImageSet;

typedef struct {
    int epochs;        /* epochs to run in this call (counting from the model's current epoch) */
    int batch;         /* samples per optimizer step */
    int threads;       /* OpenMP threads; <= 0: default */
    int augment;       /* random affine augmentation on/off */
    int log_every;     /* record a StepMetrics every this many steps (<= 0: never) */
    uint64_t seed;
} TrainConfig;

typedef struct {
    /* Called every few steps within an epoch. */
    void (*progress)(void *ctx, int epoch, int done, int total, float running_loss,
                     double samples_per_s);
    /* Called after each epoch, once the epoch's metrics are in the log (test results included).
     * Return non-zero to stop training (e.g. a checkpoint could not be written). */
    int (*epoch_end)(void *ctx, int epoch, const EpochMetrics *e);
    void *ctx;
} TrainCallbacks;

/* Train for cfg->epochs epochs starting after epoch `first_epoch - 1` (1-based numbering; the
 * shuffle and augmentation of epoch e depend only on (seed, e)). Adam steps continue from
 * opt->step. test may be NULL (no test metrics). Returns 0, 1 if a callback stopped it, -1 when
 * out of memory. */
int train_run(Model *m, Adam *opt, MetricLog *log, const ImageSet *train, const ImageSet *test,
              const TrainConfig *cfg, int first_epoch, const TrainCallbacks *cb);

/* Evaluate on a set: mean loss and accuracy; optionally every sample's 10 probabilities
 * (probs, n*10). Returns 0, -1 when out of memory. */
int evaluate(const Model *m, const ImageSet *set, int threads, float *loss, float *accuracy,
             float *probs);

#endif
