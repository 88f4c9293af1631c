#include "engine/argmax.h"
#include "engine/input.h"
#include "engine/train.h"
#include "common/clock.h"
#include "engine/augment.h"
#include "engine/ema.h"
#include "engine/finite.h"
#include "engine/layers_ref.h"
#include "engine/net.h"
#include "engine/step_phases.h"

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

/* Images [lo, hi) of set with a given workspace (batches of at most its max batch, here
 * EVAL_BATCH): per image, its loss (NaN when its logits are not all finite) and whether it was right, in per[2*i] and per[2*i + 1]; and
 * its probabilities in probs_out[i*10 ..] when asked. An image's results do not depend on the
 * batch it is in, so any split of the images gives the same. */
static void evaluate_range(Workspace *ws, const Model *m, const ImageSet *set, int lo, int hi,
                           int threads, double *per, float *probs_out)
{
    net_eval_prepare(ws, m);
    float logits[EVAL_BATCH * N_CLASSES], probs[EVAL_BATCH * N_CLASSES];
    float *x = workspace_input(ws);   /* normalised in place: no copy into the workspace */
    for (int start = lo; start < hi; start += EVAL_BATCH) {
        int B = hi - start < EVAL_BATCH ? hi - start : EVAL_BATCH;
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int i = 0; i < B; i++)
            normalize_image(x + (size_t)i * IMG_PIXELS,
                            set->images + (size_t)(start + i) * IMG_PIXELS);
        net_eval_forward(ws, x, B, logits);
        for (int i = 0; i < B; i++) {
            const float *z = logits + i * N_CLASSES;
            const uint8_t *label = set->labels + start + i;
            double loss = ref_softmax_xent_sum(probs + i * N_CLASSES, z, label, 1, N_CLASSES, 0.0f);
            /* an overflowed logit is no result, even where the loss happens to come out finite
             * (a -inf for another class) */
            per[2 * (size_t)(start + i)] = values_finite(z, N_CLASSES) ? loss : NAN;
            per[2 * (size_t)(start + i) + 1] = argmax(z, N_CLASSES) == *label;
            if (probs_out)
                for (int j = 0; j < N_CLASSES; j++)
                    probs_out[(size_t)(start + i) * N_CLASSES + j] = probs[i * N_CLASSES + j];
        }
    }
}

/* The mean loss and the accuracy over n images' results (evaluate_range), in image order. */
static void evaluate_totals(const double *per, int n, float *loss, float *accuracy)
{
    double loss_sum = 0, correct = 0;
    for (int i = 0; i < n; i++) {
        loss_sum += per[2 * (size_t)i];
        correct += per[2 * (size_t)i + 1];
    }
    *loss = n ? (float)(loss_sum / n) : NAN;
    *accuracy = n ? (float)(correct / n) : NAN;
}

int evaluate(const Model *m, const ImageSet *set, int threads, float *loss, float *accuracy,
             float *probs)
{
    if (threads <= 0) threads = omp_get_max_threads();
    Workspace *ws = workspace_create(EVAL_BATCH, threads, CONV_DIRECT);
    double *per = malloc(sizeof(double) * 2 * (size_t)(set->n > 0 ? set->n : 1));
    if (!ws || !per) {
        workspace_free(ws);
        free(per);
        return -1;
    }
    evaluate_range(ws, m, set, 0, set->n, threads, per, probs);
    evaluate_totals(per, set->n, loss, accuracy);
    int not_finite = 0;
    for (int i = 0; i < set->n; i++) not_finite += isnan(per[2 * (size_t)i]);
    workspace_free(ws);
    free(per);
    return not_finite;
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
static int first_non_finite(float loss, const float *grad, int threads)
{
    /* |g| <= sqrt(FLT_MAX) is false for NaN, infinity and values too large to square; the loop
     * only ORs comparisons, so it runs as vector code (a float sum would be a serial chain of
     * adds, half a millisecond a step), on every thread (an OR in any order is the same) */
    const float limit = sqrtf(FLT_MAX);
    if (!isfinite(loss)) return -1;
    int bad[N_PARAM_TENSORS] = {0};
#pragma omp parallel num_threads(threads)
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        const StateEntry *e = model_param_entry((ParamId)p);
        const float *g = grad + e->offset;
        int b = 0;
#pragma omp for schedule(static) nowait
        for (size_t i = 0; i < e->numel; i++) b |= !(fabsf(g[i]) <= limit);
        if (b) {
#pragma omp atomic write
            bad[p] = 1;
        }
    }
    for (int p = 0; p < N_PARAM_TENSORS; p++)
        if (bad[p]) return p;
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
    double *eval_per;     /* per image of the larger of val and test: evaluate_range's results */
    PhaseClock clock;     /* the steps' phase times, when cfg->phase_seconds asks for them */
    int threads;
    char *err;
    size_t errlen;
} Trainer;

/* ---- agreeing with the other processes (cfg->comm) ---- */

static TrainResult comm_failed(Trainer *t, const char *what)
{
    snprintf(t->err, t->errlen, "step %lld, %s: %s", (long long)t->opt->step + 1, what,
             t->cfg->comm->error);
    return TRAIN_COMM_FAILED;
}

static int several(const Trainer *t) { return t->cfg->comm && t->cfg->comm->ranks > 1; }

/* *v: rank 0's (it alone runs the callbacks), on every process. */
static TrainResult from_rank0(Trainer *t, int *v)
{
    if (!several(t)) return TRAIN_DONE;
    int32_t x = *v;
    Collective *c = t->cfg->comm;
    if (c->broadcast(c, &x, sizeof x)) return comm_failed(t, "waiting for rank 0");
    *v = x;
    return TRAIN_DONE;
}

/* *v: whether any process has it set (a signal reaches them one by one). */
static TrainResult any_process(Trainer *t, int *v)
{
    if (!several(t)) return TRAIN_DONE;
    double x = *v != 0;
    Collective *c = t->cfg->comm;
    if (c->sum(c, &x, 1, COLL_DOUBLE, c->ranks)) return comm_failed(t, "agreeing to stop");
    *v = x > 0;
    return TRAIN_DONE;
}

/* Process r's share [*lo, *hi) of n images split between `ranks`. */
static void eval_share(int n, int ranks, int r, int *lo, int *hi)
{
    const int share = (n + ranks - 1) / ranks;
    *lo = r * share < n ? r * share : n;
    *hi = *lo + share < n ? *lo + share : n;
}

/* The mean loss and accuracy on a set, each process evaluating a share of its images. */
static TrainResult evaluate_shared(Trainer *t, const ImageSet *set, float *loss, float *accuracy,
                                   int what_epoch, const char *what)
{
    Collective *c = t->cfg->comm;
    const int ranks = several(t) ? c->ranks : 1, rank = several(t) ? c->rank : 0;
    size_t bytes[ranks];
    int lo, hi;
    for (int r = 0; r < ranks; r++) {
        eval_share(set->n, ranks, r, &lo, &hi);
        bytes[r] = sizeof(double) * 2 * (size_t)(hi - lo);
    }
    eval_share(set->n, ranks, rank, &lo, &hi);
    /* with weight averaging, the average is the run's model */
    evaluate_range(t->ws, t->cfg->ema ? t->cfg->ema : t->m, set, lo, hi, t->threads, t->eval_per,
                   NULL);
    if (ranks > 1 && c->gather(c, t->eval_per + 2 * (size_t)lo, t->eval_per, bytes))
        return comm_failed(t, "gathering the evaluation");
    evaluate_totals(t->eval_per, set->n, loss, accuracy);
    if (!isfinite(*loss)) {
        /* the network's output overflowed (the running statistics or weights have run away):
         * no result to log or print, and nothing worth saving */
        snprintf(t->err, t->errlen, "after epoch %d: the network's output on the %s images is "
                 "not a number (NaN or infinite)", what_epoch, what);
        return TRAIN_NOT_FINITE;
    }
    return TRAIN_DONE;
}

/* One optimizer step on the batch at pos->samples (this process's part of it); updates the
 * position. */
static TrainResult train_step(Trainer *t, TrainPosition *pos, float *loss_out)
{
    const TrainConfig *cfg = t->cfg;
    int start = (int)pos->samples, n = t->train->n;
    int B = n - start < cfg->batch ? n - start : cfg->batch, correct = 0;
    BatchPart part;
    phase_mark(&t->clock, STEP_BETWEEN);
    int mine = net_batch_part(cfg->comm, cfg->batch, B, &part);
    build_batch(workspace_input(t->ws), t->lab, t->train, t->perm, start + part.first, mine, cfg,
                pos->epoch, t->threads);
    phase_mark(&t->clock, STEP_BATCH);
    uint64_t step = (uint64_t)t->opt->step + 1;
    float loss = net_train_step(t->ws, t->m, workspace_input(t->ws), t->lab, mine, &part,
                                cfg->seed, step, &correct);
    if (net_comm_failed(t->ws)) return comm_failed(t, "exchanging the step's sums");
    int bad = first_non_finite(loss, workspace_grad(t->ws), t->threads);
    phase_mark(&t->clock, STEP_CHECK);
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
    if (cfg->ema) ema_update(cfg->ema, t->m, cfg->ema_decay, t->opt->step, t->threads);
    phase_mark(&t->clock, STEP_ADAM);
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
    TrainResult r;
    while (pos->samples < n) {
        float loss;
        r = train_step(t, pos, &loss);
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
        if ((r = any_process(t, &stop)) != TRAIN_DONE) return r;
        if (pos->samples >= n) break;
        int due = cfg->checkpoint_every > 0 && t->opt->step % cfg->checkpoint_every == 0;
        if (stop || due) {
            int failed = cb->checkpoint && cb->checkpoint(cb->ctx, pos);
            if ((r = from_rank0(t, &failed)) != TRAIN_DONE) return r;
            if (failed) return TRAIN_CALLBACK;
        }
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
        .eval_seconds = NAN,
    };
    const double eval_start = clock_seconds();
    if (t->val && t->val->n > 0 &&
        (r = evaluate_shared(t, t->val, &e.val_loss, &e.val_acc, pos->epoch, "validation")) !=
            TRAIN_DONE)
        return r;
    if (t->test && t->test->n > 0 &&
        (r = evaluate_shared(t, t->test, &e.test_loss, &e.test_acc, pos->epoch, "test")) !=
            TRAIN_DONE)
        return r;
    if ((t->val && t->val->n > 0) || (t->test && t->test->n > 0))
        e.eval_seconds = (float)(clock_seconds() - eval_start);
    /* rank 0 logs, saves and decides; the others follow its answer */
    int outcome = TRAIN_DONE;
    if (t->log && metrics_add_epoch(t->log, &e)) outcome = TRAIN_NO_MEMORY;
    else if (cb->epoch_end && cb->epoch_end(cb->ctx, pos->epoch, &e)) outcome = TRAIN_CALLBACK;
    else if (stop) outcome = TRAIN_STOPPED;
    else if (out_of_patience(t, pos->epoch)) outcome = TRAIN_PATIENCE;
    if ((r = from_rank0(t, &outcome)) != TRAIN_DONE) return r;
    return (TrainResult)outcome;
}

TrainResult train_run(Model *m, Adam *opt, MetricLog *log, const ImageSet *train,
                      const ImageSet *val, const ImageSet *test, const TrainConfig *cfg,
                      const TrainPosition *start, const TrainCallbacks *cb, char *err,
                      size_t errlen)
{
    static const TrainCallbacks none = {0};
    Trainer t = {m, opt, log, train, val, test, cfg, cfg->schedule, cb ? cb : &none, NULL, NULL,
                 NULL, NULL, {cfg->phase_seconds, 0}, cfg->threads > 0 ? cfg->threads : omp_get_max_threads(),
                 err, errlen};
    int64_t steps_per_epoch = ((int64_t)train->n + cfg->batch - 1) / cfg->batch;
    if (t.schedule.peak <= 0) t.schedule = (Schedule){SCHEDULE_CONSTANT, opt->lr, 0, 0};
    t.schedule.total_steps = (int64_t)cfg->epochs * steps_per_epoch;
    int max_b = cfg->batch > EVAL_BATCH ? cfg->batch : EVAL_BATCH;
    t.ws = workspace_create_precision(max_b, t.threads, (ConvAlgo)cfg->conv,
                                      (Precision)cfg->precision);
    t.lab = malloc((size_t)cfg->batch);
    t.perm = malloc(sizeof(int) * (size_t)(train->n > 0 ? train->n : 1));
    int eval_n = val && val->n > 1 ? val->n : 1;
    if (test && test->n > eval_n) eval_n = test->n;
    t.eval_per = malloc(sizeof(double) * 2 * (size_t)eval_n);
    TrainResult r = t.ws && t.lab && t.perm && t.eval_per ? TRAIN_DONE : TRAIN_NO_MEMORY;
    TrainPosition pos = *start;
    if (t.ws) {
        workspace_time_phases(t.ws, &t.clock);
        workspace_set_label_smoothing(t.ws, cfg->label_smoothing);
    }
    phase_clock_start(&t.clock);
    while (r == TRAIN_DONE && pos.epoch <= cfg->epochs) {
        r = train_epoch(&t, &pos);
        pos = (TrainPosition){pos.epoch + 1, 0, 0, 0};
    }
    workspace_free(t.ws);
    free(t.lab);
    free(t.perm);
    free(t.eval_per);
    return r;
}
