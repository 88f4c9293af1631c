#include "engine/argmax.h"
#include "engine/input.h"
#include "engine/train.h"
#include "common/clock.h"
#include "engine/augment.h"
#include "engine/layers_ref.h"
#include "engine/net.h"

#include <math.h>
#include <omp.h>
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
        net_forward_eval(ws, m, x, B, logits);
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
    Workspace *ws = workspace_create(EVAL_BATCH, threads);
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
                         affine_draw(cfg->seed, (uint64_t)epoch, (uint64_t)idx));
        else
            normalize_image(x + (size_t)i * IMG_PIXELS, img);
    }
}

int train_run(Model *m, Adam *opt, MetricLog *log, const ImageSet *train, const ImageSet *test,
              const TrainConfig *cfg, int first_epoch, const TrainCallbacks *cb)
{
    int threads = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
    int batch = cfg->batch, rc = 0;
    int max_b = batch > EVAL_BATCH ? batch : EVAL_BATCH;
    Workspace *ws = workspace_create(max_b, threads);
    uint8_t *lab = malloc((size_t)batch);
    int *perm = malloc(sizeof(int) * (size_t)(train->n > 0 ? train->n : 1));
    if (!ws || !lab || !perm) {
        rc = -1;
        goto out;
    }

    for (int epoch = first_epoch; epoch < first_epoch + cfg->epochs; epoch++) {
        double t0 = clock_seconds(), loss_sum = 0, window_loss = 0;
        long correct_sum = 0;
        int window = 0;
        shuffle_indices(perm, train->n, cfg->seed, (uint64_t)epoch);
        for (int start = 0; start < train->n; start += batch) {
            int B = train->n - start < batch ? train->n - start : batch, correct = 0;
            build_batch(workspace_input(ws), lab, train, perm, start, B, cfg, epoch, threads);
            uint64_t step = (uint64_t)opt->step + 1;
            float loss = net_train_step(ws, m, workspace_input(ws), lab, B, cfg->seed, step, &correct);
            adam_update(opt, m->params, workspace_grad(ws), MODEL_N_PARAMS);
            loss_sum += (double)loss * B;
            correct_sum += correct;
            window_loss += loss;
            window++;
            if (log && cfg->log_every > 0 && opt->step % cfg->log_every == 0) {
                StepMetrics s = {opt->step, loss, (float)correct / (float)B};
                if (metrics_add_step(log, &s)) {
                    rc = -1;
                    goto out;
                }
            }
            if (cb && cb->progress && (window == PROGRESS_WINDOW || start + B >= train->n)) {
                int done = start + B;
                cb->progress(cb->ctx, epoch, done, train->n, (float)(window_loss / window),
                             done / (clock_seconds() - t0));
                window = 0;
                window_loss = 0;
            }
        }
        double secs = clock_seconds() - t0;
        EpochMetrics e = {
            .epoch = epoch,
            .train_loss = (float)(loss_sum / train->n),
            .train_acc = (float)correct_sum / (float)train->n,
            .test_loss = NAN,
            .test_acc = NAN,
            .seconds = (float)secs,
            .samples_per_s = (float)(train->n / secs),
            .lr = opt->lr,
        };
        if (test && test->n > 0)
            evaluate_with(ws, m, test, threads, &e.test_loss, &e.test_acc, NULL);
        if (log && metrics_add_epoch(log, &e)) {
            rc = -1;
            goto out;
        }
        if (cb && cb->epoch_end && cb->epoch_end(cb->ctx, epoch, &e)) {
            rc = 1;
            goto out;
        }
    }
out:
    workspace_free(ws);
    free(lab);
    free(perm);
    return rc;
}
