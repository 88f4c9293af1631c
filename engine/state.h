/* What a training checkpoint holds, described for io as named tensors and attributes
 * (common/tensor_list.h), so io stores it without knowing any layer:
 *
 *   root attributes    format_version (int32, = 2), epoch (int32, epochs completed), step (int64,
 *                      optimizer steps done), seed (uint64), epochs, batch, limit, augment (int32:
 *                      training options), lr (float32), isa, data_dir (strings); where a run
 *                      stopped inside an epoch: epoch_samples (int64, samples of the next epoch
 *                      already trained), epoch_loss_sum (float64) and epoch_correct (int64), the
 *                      partial sums its train loss and accuracy continue from; log_every and
 *                      test_limit (int32), which decide the metric log's rows; conv (string:
 *                      "direct" or "winograd", how training computes conv2; optional, files
 *                      without it trained with direct); schedule (string, engine/schedule.h),
 *                      warmup (float32), val and patience (int32): optional, files without them
 *                      trained at a constant lr with no validation; role (string, optional):
 *                      "best" in the best epoch's copy a run with validation keeps;
 *                      augment_strength (float32, optional: 1 when absent); data_fingerprint
 *                      (string, optional): each data file's name, size and CRC-32, so that a
 *                      resume on other data is caught; precision (string: "fp32" or "bf16",
 *                      conv2's products in training, engine/net.h; optional, files without it
 *                      trained in fp32); label_smoothing (float32, optional: 0 when absent); ema (float32,
 *                      optional: the decay of the weight average, engine/ema.h; 0 or absent:
 *                      none)
 *   model/<key>        every state_dict tensor, named and shaped exactly as PyTorch's (the table in
 *                      engine/model.h); num_batches_tracked as int64 scalars
 *   optimizer/         Adam: attributes step (int64), lr (the rate of the last step), beta1, beta2,
 *                      eps, weight_decay (float32; optional, AdamW's, 0 when absent); its moments
 *                      in exp_avg/<key> and exp_avg_sq/<key> for each trainable tensor; in a run
 *                      that averages its weights (attribute ema), the weights it trains in
 *                      weights/<key>, named like model/, while model/ holds their average: the
 *                      model every reader uses
 *
 * The random numbers' position is seed + epoch + step + epoch_samples (the generator is
 * counter-based), so nothing else is needed to resume bit for bit. The thread count is not stored:
 * results do not depend on it, and neither does the file. Version 1 files (no epoch_samples,
 * epoch_loss_sum, epoch_correct: always at an epoch's end; no log_every, test_limit) load as
 * they are. */
#ifndef MNIST_ENGINE_STATE_H
#define MNIST_ENGINE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/tensor_list.h"
#include "engine/adam.h"
#include "engine/model.h"

enum { STATE_FORMAT_VERSION = 2, STATE_OLDEST_VERSION = 1 };

/* A run's position and options: the root attributes. */
typedef struct {
    int32_t format_version;
    int32_t epoch;       /* epochs completed */
    int64_t step;        /* optimizer steps done */
    uint64_t seed;
    int32_t epochs, batch, limit, augment;  /* training options */
    float lr;
    char isa[16];        /* kernel path used, e.g. "avx512" */
    char data_dir[256];
    int64_t epoch_samples;   /* inside epoch `epoch + 1`: samples trained so far (0: at its start) */
    double epoch_loss_sum;   /* their summed loss (loss of each batch times its size) */
    int64_t epoch_correct;   /* their right predictions */
    int32_t log_every;       /* a step row every this many steps (0: none) */
    int32_t test_limit;      /* test images evaluated after each epoch (0: all) */
    char conv[16];           /* how training computed conv2: "direct", "winograd" ("": direct) */
    char precision[8];       /* its products: "fp32", "bf16" ("": fp32) */
    char schedule[16];       /* learning-rate schedule (engine/schedule.h; "": constant) */
    float warmup;            /* its warm-up, a fraction of all steps */
    int32_t val;             /* training images held out for validation (0: none) */
    int32_t patience;        /* stop after this many epochs without a better validation (0: never) */
    char role[8];            /* "best": the best epoch by validation (FILE-best.h5); "" or "latest" */
    float augment_strength;  /* the augmentation's ranges scaled by this (0 in older files: 1) */
    float label_smoothing;   /* of the training loss (0, or absent in older files: none) */
    float ema;               /* the weight average's decay (engine/ema.h; 0 or absent: none) */
    char data_fingerprint[320];  /* the data files trained on, each "NAME DIMS crc32 HEX", ", "
                                    between them ("" in older files: not known) */
} RunInfo;

/* Appends the state to list, in the order it is stored: run's attributes (when run is not NULL;
 * its format_version is set to STATE_FORMAT_VERSION), the model's tensors, Adam's state (when
 * opt is not NULL) and, with opt, the trained weights behind an averaged model (when trained is
 * not NULL; optional on loading: a file without them leaves trained as it was). The items point into m, opt and run: saving reads them, loading fills them.
 * With run_required 0, the run's attributes may be missing from a file (a state_dict saved by
 * PyTorch has none): run then keeps what it held. */
void state_describe(TensorList *list, Model *m, Adam *opt, Model *trained, RunInfo *run,
                    int run_required);

/* Only run's attributes (the first items state_describe appends). */
void state_describe_run(TensorList *list, RunInfo *run, int required);

/* Whether a loaded state is one this program can use: a format version it reads; counters,
 * options and positions within sane bounds; every weight, statistic and moment finite; variances
 * and second moments not negative. m, opt and run may each be NULL (not checked). 0, or -1 with a
 * message naming the first bad item (without the file's name) in err. */
int state_check(const Model *m, const Adam *opt, const RunInfo *run, char *err, size_t errlen);

#endif
