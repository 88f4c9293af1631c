#include "engine/argmax.h"
#include "engine/input.h"
#include "engine/train.h"
#include "common/clock.h"
#include "engine/augment.h"
#include "engine/layers_ref.h"
#include "engine/net.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

/* Evaluation runs in batches of 64: the training batch, so the same workspace serves both; in eval
 * mode there is no batch statistic, so the batch size does not change results. PROGRESS_WINDOW:
 * steps between progress callbacks (and the running loss they report), about 4 times a second on
 * 2 cores, which keeps a terminal's progress line lively without costing anything. */
enum { EVAL_BATCH = 64, PROGRESS_WINDOW = 20 };

/* Evaluate with a given workspace (batches of at most ws's max batch, here EVAL_BATCH). */
static void evaluate_with(Workspace *ws, const Model *m, const ImageSet *set, int threads,
                          float *loss, float *accuracy, float *probs_out)
{
    net_eval_prepare(ws, m);
    double loss_sum = 0;
    long correct = 0;
    float logits[EVAL_BATCH * N_CLASSES], probs[EVAL_BATCH * N_CLASSES];
    float *x = workspace_input(ws);   /* normalised in place: no copy into the workspace */
    for (int start = 0; start < set->n; start += EVAL_BATCH) {
        int B = set->n - start < EVAL_BATCH ? set->n - start : EVAL_BATCH;
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int i = 0; i < B; i++)
            normalize_image(x + (size_t)i * IMG_PIXELS,
                            set->images + (size_t)(start + i) * IMG_PIXELS);
        net_eval_forward(ws, x, B, logits);
        loss_sum += (double)ref_softmax_xent_forward(probs, logits, set->labels + start, B,
                                                     N_CLASSES) * B;
        for (int i = 0; i < B; i++) {
            correct += argmax(logits + i * N_CLASSES, N_CLASSES) == set->labels[start + i];
            if (probs_out)
                for (int j = 0; j < N_CLASSES; j++)
                    probs_out[(size_t)(start + i) * N_CLASSES + j] = probs[i * N_CLASSES + j];
        }
    }
    *loss = set->n ? (float)(loss_sum / set->n) : NAN;
    *accuracy = set->n ? (float)correct / (float)set->n : NAN;
}

int evaluate(const Model *m, const ImageSet *set, int threads, float *loss, float *accuracy,
             float *probs)
{
    if (threads <= 0) threads = omp_get_max_threads();
    Workspace *ws = workspace_create(EVAL_BATCH, threads, CONV_DIRECT);
    if (!ws) return -1;
    evaluate_with(ws, m, set, threads, loss, accuracy, probs);
    workspace_free(ws);
    return 0;
}

/* Fill x (B,784) and lab (B) with samples perm[start..start+B) of the epoch. */
static void build_batch(float *x, uint8_t *lab, const ImageSet *set, const int *perm, int start,
                        int B, const TrainConfig *cfg, int epoch, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int i = 0; i < B; i++) {
        int idx = perm[start + i];
        const uint8_t *img = set->images + (size_t)idx * IMG_PIXELS;
        lab[i] = set->labels[idx];
        if (cfg->augment)
            affine_apply(x + (size_t)i * IMG_PIXELS, img,
                         affine_draw_scaled(cfg->seed, (uint64_t)epoch, (uint64_t)idx,
                                            cfg->augment_strength > 0 ? cfg->augment_strength : 1.0f));
        else
            normalize_image(x + (size_t)i * IMG_PIXELS, img);
    }
}

/* The first non-finite value of the step's results: -1 for the loss, else the ParamId of the
 * first gradient tensor holding NaN, infinity, or a value too large to square in float (Adam's
 * second moment would become infinite); N_PARAM_TENSORS when all are fine. */
static int first_non_finite(float loss, const float *grad)
{
    /* |g| <= sqrt(FLT_MAX) is false for NaN, infinity and values too large to square; the loop
     * only ORs comparisons, so it runs as vector code (a float sum would be a serial chain of
     * adds, half a millisecond a step) */
    const float limit = sqrtf(FLT_MAX);
    if (!isfinite(loss)) return -1;
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        const StateEntry *e = model_param_entry((ParamId)p);
        const float *g = grad + e->offset;
        int bad = 0;
        for (size_t i = 0; i < e->numel; i++) bad |= !(fabsf(g[i]) <= limit);
        if (bad) return p;
    }
    return N_PARAM_TENSORS;
}

/* Everything one call of train_run holds. */
typedef struct {
    Model *m;
    Adam *opt;
    MetricLog *log;
    const ImageSet *train, *val, *test;
    const TrainConfig *cfg;
    Schedule schedule;    /* cfg's, with the run's total steps */
    const TrainCallbacks *cb;
    Workspace *ws;
    uint8_t *lab;
    int *perm;
    int threads;
    char *err;
    size_t errlen;
} Trainer;

/* One optimizer step on the batch at pos->samples; updates the position. */
static TrainResult train_step(Trainer *t, TrainPosition *pos, float *loss_out)
{
    const TrainConfig *cfg = t->cfg;
    int start = (int)pos->samples, n = t->train->n;
    int B = n - start < cfg->batch ? n - start : cfg->batch, correct = 0;
    build_batch(workspace_input(t->ws), t->lab, t->train, t->perm, start, B, cfg, pos->epoch,
                t->threads);
    uint64_t step = (uint64_t)t->opt->step + 1;
    float loss = net_train_step(t->ws, t->m, workspace_input(t->ws), t->lab, B, cfg->seed, step,
                                &correct);
    int bad = first_non_finite(loss, workspace_grad(t->ws));
    if (bad < N_PARAM_TENSORS) {
        snprintf(t->err, t->errlen, "step %llu (epoch %d): %s%s is %s", (unsigned long long)step,
                 pos->epoch, bad < 0 ? "the loss" : "the gradient of ",
                 bad < 0 ? "" : model_param_entry((ParamId)bad)->name,
                 bad < 0 ? (isnan(loss) ? "NaN" : "infinite")
                         : "not finite (NaN, infinity, or too large to square)");
        return TRAIN_NOT_FINITE;
    }
    t->opt->lr = schedule_lr(&t->schedule, (int64_t)step);
    adam_update(t->opt, t->m->params, workspace_grad(t->ws), MODEL_N_PARAMS);
    pos->samples += B;
    pos->loss_sum += (double)loss * B;
    pos->correct += correct;
    *loss_out = loss;
    if (t->log && cfg->log_every > 0 && t->opt->step % cfg->log_every == 0) {
        StepMetrics s = {t->opt->step, loss, (float)correct / (float)B, t->opt->lr};
        if (metrics_add_step(t->log, &s)) return TRAIN_NO_MEMORY;
    }
    return TRAIN_DONE;
}

/* Whether cfg->patience epochs have passed since the best validation so far (by the log). */
static int out_of_patience(const Trainer *t, int epoch)
{
    if (t->cfg->patience <= 0 || !t->log) return 0;
    long best = metrics_best_epoch(t->log, epoch);
    return best >= 0 && epoch - t->log->epochs[best].epoch >= t->cfg->patience;
}

/* The rest of epoch pos->epoch from pos->samples on; at its end the epoch's metrics (test set
 * included) go to the log and cb->epoch_end. */
static TrainResult train_epoch(Trainer *t, TrainPosition *pos)
{
    const TrainConfig *cfg = t->cfg;
    const TrainCallbacks *cb = t->cb;
    int n = t->train->n, window = 0;
    double t0 = clock_seconds(), window_loss = 0;
    int64_t first = pos->samples;
    shuffle_indices(t->perm, n, cfg->seed, (uint64_t)pos->epoch);
    int stop = 0;
    while (pos->samples < n) {
        float loss;
        TrainResult r = train_step(t, pos, &loss);
        if (r != TRAIN_DONE) return r;
        window_loss += loss;
        window++;
        if (cb->progress && (window == PROGRESS_WINDOW || pos->samples >= n)) {
            cb->progress(cb->ctx, pos->epoch, (int)pos->samples, n, (float)(window_loss / window),
                         (double)(pos->samples - first) / (clock_seconds() - t0));
            window = 0;
            window_loss = 0;
        }
        /* a stop asked for on the epoch's last step lets the epoch end (and be saved) first */
        stop = cfg->stop && *cfg->stop;
        if (pos->samples >= n) break;
        int due = cfg->checkpoint_every > 0 && t->opt->step % cfg->checkpoint_every == 0;
        if ((stop || due) && cb->checkpoint && cb->checkpoint(cb->ctx, pos)) return TRAIN_CALLBACK;
        if (stop) return TRAIN_STOPPED;
    }
    double secs = clock_seconds() - t0;
    EpochMetrics e = {
        .epoch = pos->epoch,
        .train_loss = (float)(pos->loss_sum / n),
        .train_acc = (float)pos->correct / (float)n,
        .test_loss = NAN,
        .test_acc = NAN,
        .val_loss = NAN,
        .val_acc = NAN,
        .seconds = (float)secs,
        .samples_per_s = (float)((double)(n - first) / secs),
        .lr = t->opt->lr,
    };
    if (t->val && t->val->n > 0)
        evaluate_with(t->ws, t->m, t->val, t->threads, &e.val_loss, &e.val_acc, NULL);
    if (t->test && t->test->n > 0)
        evaluate_with(t->ws, t->m, t->test, t->threads, &e.test_loss, &e.test_acc, NULL);
    if (t->log && metrics_add_epoch(t->log, &e)) return TRAIN_NO_MEMORY;
    if (cb->epoch_end && cb->epoch_end(cb->ctx, pos->epoch, &e)) return TRAIN_CALLBACK;
    if (stop) return TRAIN_STOPPED;
    return out_of_patience(t, pos->epoch) ? TRAIN_PATIENCE : TRAIN_DONE;
}

TrainResult train_run(Model *m, Adam *opt, MetricLog *log, const ImageSet *train,
                      const ImageSet *val, const ImageSet *test, const TrainConfig *cfg,
                      const TrainPosition *start, const TrainCallbacks *cb, char *err,
                      size_t errlen)
{
    static const TrainCallbacks none = {0};
    Trainer t = {m, opt, log, train, val, test, cfg, cfg->schedule, cb ? cb : &none, NULL, NULL,
                 NULL, cfg->threads > 0 ? cfg->threads : omp_get_max_threads(), err, errlen};
    int64_t steps_per_epoch = ((int64_t)train->n + cfg->batch - 1) / cfg->batch;
    if (t.schedule.peak <= 0) t.schedule = (Schedule){SCHEDULE_CONSTANT, opt->lr, 0, 0};
    t.schedule.total_steps = (int64_t)cfg->epochs * steps_per_epoch;
    int max_b = cfg->batch > EVAL_BATCH ? cfg->batch : EVAL_BATCH;
    t.ws = workspace_create(max_b, t.threads, (ConvAlgo)cfg->conv);
    t.lab = malloc((size_t)cfg->batch);
    t.perm = malloc(sizeof(int) * (size_t)(train->n > 0 ? train->n : 1));
    TrainResult r = t.ws && t.lab && t.perm ? TRAIN_DONE : TRAIN_NO_MEMORY;
    TrainPosition pos = *start;
    while (r == TRAIN_DONE && pos.epoch <= cfg->epochs) {
        r = train_epoch(&t, &pos);
        pos = (TrainPosition){pos.epoch + 1, 0, 0, 0};
    }
    workspace_free(t.ws);
    free(t.lab);
    free(t.perm);
    return r;
}
