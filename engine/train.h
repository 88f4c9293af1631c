/* The training loop and evaluation over in-memory uint8 images. No files, no terminal: progress
 * and per-epoch results go to callbacks, which the CLI turns into lines, checkpoints and logs. */
#ifndef MNIST_ENGINE_TRAIN_H
#define MNIST_ENGINE_TRAIN_H

#include "engine/adam.h"
#include "engine/collective.h"
#include "common/metric_log.h"
#include "engine/model.h"
#include "engine/schedule.h"

#include <stdint.h>

/* n images of 28x28 uint8 (row-major, white ink on black) and their labels 0..9. */
typedef struct {
    const uint8_t *images;
    const uint8_t *labels;
    int n;
} ImageSet;

typedef struct {
    int epochs;        /* train until this epoch (1-based) is complete */
    int batch;         /* samples per optimizer step */
    int threads;       /* OpenMP threads; <= 0: default */
    int augment;       /* random affine augmentation on/off */
    float augment_strength;   /* its ranges scaled by this (engine/augment.h); 0: 1 */
    float label_smoothing;    /* the training loss's (engine/layers_ref.h; 0: none); evaluation's
                                 loss is the plain cross-entropy */
    int log_every;     /* record a StepMetrics every this many steps (<= 0: never) */
    int checkpoint_every;   /* call cb->checkpoint every this many steps inside an epoch (<= 0: never) */
    int conv;          /* how conv2 is computed (engine/net.h ConvAlgo; 0: direct) */
    int precision;     /* its products in training (engine/net.h Precision; 0: fp32) */
    Schedule schedule; /* the learning rate per step; total_steps is filled in by train_run
                          (epochs x steps per epoch); peak 0: constant at the optimizer's lr */
    int patience;      /* with a validation set: stop once this many epochs passed without a
                          better one (<= 0: never) */
    uint64_t seed;
    /* The processes of a data-parallel run (engine/collective.h), each training its part of every
     * batch (engine/net.h net_batch_part) and evaluating its share of the images; NULL: this one
     * alone. Every process ends with the same model and optimizer, bit for bit those of one
     * process. Only rank 0 should be given a log and callbacks: its answers (stop, a failed
     * checkpoint, patience) are sent to the others. */
    Collective *comm;
    /* Polled after every step: when it becomes non-zero, training calls cb->checkpoint and stops
     * (a signal handler sets it; the engine knows no signals). May be NULL. */
    volatile const int *stop;
    /* When not NULL, the wall seconds of every step's phases (engine/step_phases.h, StepPhase)
     * are added to phase_seconds[STEP_N_PHASES]; the time between steps (epoch ends included)
     * goes to STEP_BETWEEN. */
    double *phase_seconds;
    /* Weight averaging (engine/ema.h): when ema is not NULL, it follows the model after every
     * optimizer step with decay ema_decay, and it is the model evaluated after each epoch (the
     * caller starts it as a copy of the model, or from a checkpoint). */
    Model *ema;
    float ema_decay;
} TrainConfig;

/* Where training stands inside an epoch: what a checkpoint needs to continue bit for bit. */
typedef struct {
    int epoch;          /* the epoch in progress, 1-based */
    int64_t samples;    /* its samples trained so far, in the epoch's shuffled order */
    double loss_sum;    /* their summed batch losses (times the batch sizes) */
    int64_t correct;    /* their right predictions */
} TrainPosition;

typedef struct {
    /* Called every few steps within an epoch. */
    void (*progress)(void *ctx, int epoch, int done, int total, float running_loss,
                     double samples_per_s);
    /* Called after each epoch, once the epoch's metrics are in the log (validation and test
     * results included).
     * Return non-zero to stop training (e.g. a checkpoint could not be written). */
    int (*epoch_end)(void *ctx, int epoch, const EpochMetrics *e);
    /* Called inside an epoch every cfg->checkpoint_every steps, and when cfg->stop is raised,
     * with the position to save. Return non-zero to stop training. May be NULL. */
    int (*checkpoint)(void *ctx, const TrainPosition *pos);
    void *ctx;
} TrainCallbacks;

typedef enum {
    TRAIN_DONE = 0,        /* every epoch trained */
    TRAIN_CALLBACK = 1,    /* a callback asked to stop */
    TRAIN_STOPPED = 2,     /* *cfg->stop was raised: stopped after a step, position saved */
    TRAIN_PATIENCE = 3,    /* stopped early: cfg->patience epochs without a better validation */
    TRAIN_NO_MEMORY = -1,
    TRAIN_NOT_FINITE = -2, /* the loss or a gradient was NaN or infinite: err says which, where */
    TRAIN_COMM_FAILED = -3, /* the other processes failed to answer (cfg->comm): err says how */
} TrainResult;

/* Train from position *start (epoch 1, sample 0 for a new run) until epoch cfg->epochs is done.
 * After each epoch the model is evaluated on val (held-out training images: the one to choose a
 * model by) and test (for the record), either may be NULL.
 * The shuffle and augmentation of epoch e depend only on (seed, e), dropout only on (seed, step),
 * so a run continued from a saved position gives the same bits as one never stopped. Adam steps
 * continue from opt->step. test may be NULL (no test metrics). A non-finite loss or gradient
 * stops training before the update that would spread it (TRAIN_NOT_FINITE, with the step and
 * the tensor in err). */
TrainResult train_run(Model *m, Adam *opt, MetricLog *log, const ImageSet *train,
                      const ImageSet *val, const ImageSet *test, const TrainConfig *cfg,
                      const TrainPosition *start,
                      const TrainCallbacks *cb, char *err, size_t errlen);

/* Evaluate on a set: mean loss and accuracy; optionally every sample's 10 probabilities
 * (probs, n*10). Returns 0; -1 when out of memory; or the number of images whose logits were not
 * all finite (engine/finite.h: weights so large that the sums overflow), and then the loss is NaN
 * and nothing computed is a result. */
int evaluate(const Model *m, const ImageSet *set, int threads, float *loss, float *accuracy,
             float *probs);

#endif
