/* Results must not depend on the thread count: the same batch gives bitwise the same gradient
 * and running statistics with 1, 2, 5, 32 or 64 threads (a batch of 64 is 32 chunks: at 64
 * threads half of them have none; above 16, fc1 and the tree sums split finer), and a short training run gives bitwise the
 * same weights and Adam moments. Also the same seed twice gives the same run. */
#include "engine/augment.h"
#include "engine/infer.h"
#include "engine/input.h"
#include "engine/net.h"
#include "engine/net_passes.h"
#include "engine/step_phases.h"
#include "engine/train.h"
#include "simd/isa.h"
#include "tests/check.h"

#include <stdlib.h>
#include <string.h>

static void synth_images(uint8_t *img, uint8_t *lab, int n)
{
    unsigned s = 7;
    for (int k = 0; k < n; k++) {
        lab[k] = (uint8_t)(k % 10);
        for (int i = 0; i < IMG_PIXELS; i++) {
            s = s * 1664525u + 1013904223u;
            int y = i / IMG_W, x = i % IMG_W;
            int on = (abs(y - 14) < 3 + lab[k] % 4 && abs(x - 8 - lab[k]) < 2) || (y == 5 + lab[k] && x > 5);
            img[(size_t)k * IMG_PIXELS + i] = on ? (uint8_t)(180 + (s >> 27)) : 0;
        }
    }
}

static void step_with_threads_in(int B, ConvAlgo conv, Precision prec)
{
    static const int threads_fp32[] = {1, 2, 5, 32, 64}, threads_bf16[] = {1, 2, 5, 32};
    const int *threads = prec == PRECISION_BF16 ? threads_bf16 : threads_fp32;
    const size_t nthreads = prec == PRECISION_BF16 ? 4 : 5;
    float *x = malloc(sizeof(float) * IMG_PIXELS * (size_t)B);
    uint8_t *img = malloc(IMG_PIXELS * (size_t)B), *lab = malloc((size_t)B);
    synth_images(img, lab, B);
    for (int b = 0; b < B; b++) normalize_image(x + (size_t)b * IMG_PIXELS, img + (size_t)b * IMG_PIXELS);
    float *g0 = malloc(sizeof(float) * MODEL_N_PARAMS), b0[MODEL_N_BUFFERS];
    for (size_t t = 0; t < nthreads; t++) {
        Model m;
        model_alloc(&m);
        model_init(&m, 5);
        Workspace *ws = workspace_create_precision(B, threads[t], conv, prec);
        net_train_step(ws, &m, x, lab, B, NULL, 1, 1, NULL);
        if (t == 0) {
            memcpy(g0, workspace_grad(ws), sizeof(float) * MODEL_N_PARAMS);
            memcpy(b0, m.buffers, sizeof b0);
        } else {
            CHECK(memcmp(g0, workspace_grad(ws), sizeof(float) * MODEL_N_PARAMS) == 0,
                  "%s %s B=%d: gradient with %d threads differs from 1 thread",
                  conv_algo_name(conv), precision_name(prec), B, threads[t]);
            CHECK(memcmp(b0, m.buffers, sizeof b0) == 0,
                  "B=%d: running stats with %d threads differ", B, threads[t]);
        }
        workspace_free(ws);
        model_free(&m);
    }
    free(x); free(img); free(lab); free(g0);
}

/* The layer benchmarks' passes (engine/net_passes.h) are the step's own: run again after a step,
 * every pass on every chunk, they give back the activations the step made. */
static void test_passes_again(void)
{
    enum { B = 8 };
    float *x = malloc(sizeof(float) * IMG_PIXELS * B);
    uint8_t *img = malloc(IMG_PIXELS * B), lab[B];
    synth_images(img, lab, B);
    for (int b = 0; b < B; b++) normalize_image(x + (size_t)b * IMG_PIXELS, img + (size_t)b * IMG_PIXELS);
    float *before = malloc(sizeof(float) * (C1 * IMG_PIXELS + C2 * P1_H * P1_W));
    float *after = malloc(sizeof(float) * (C1 * IMG_PIXELS + C2 * P1_H * P1_W));
    for (int conv = CONV_DIRECT; conv <= CONV_WINOGRAD; conv++) {
        Model m;
        model_alloc(&m);
        model_init(&m, 5);
        Workspace *ws = workspace_create(B, 1, (ConvAlgo)conv);
        net_train_step(ws, &m, x, lab, B, NULL, 1, 1, NULL);
        net_feature_maps(ws, before, before + C1 * IMG_PIXELS);
        for (int p = 0; p < NET_N_PASSES; p++)
            for (int k = 0; k < (net_pass_per_chunk((NetPass)p) ? B / NET_CHUNK : 1); k++)
                net_run_pass(ws, &m, lab, (NetPass)p, k);
        net_feature_maps(ws, after, after + C1 * IMG_PIXELS);
        CHECK(memcmp(before, after, sizeof(float) * (C1 * IMG_PIXELS + C2 * P1_H * P1_W)) == 0,
              "%s: the passes run again give other activations than the step",
              conv_algo_name((ConvAlgo)conv));
        workspace_free(ws);
        model_free(&m);
    }
    free(x); free(img); free(before); free(after);
}
static void step_with_threads(int B, ConvAlgo conv) { step_with_threads_in(B, conv, PRECISION_FP32); }

static void test_step_64(void) { step_with_threads(64, CONV_DIRECT); }
static void test_step_13(void) { step_with_threads(13, CONV_DIRECT); }
static void test_step_64_winograd(void) { step_with_threads(64, CONV_WINOGRAD); }
static void test_step_13_winograd(void) { step_with_threads(13, CONV_WINOGRAD); }
/* BF16 on the set in use (the portable emulation where it has no BF16 tiles) */
static void test_step_64_bf16(void) { step_with_threads_in(64, CONV_DIRECT, PRECISION_BF16); }
static void test_step_13_bf16(void) { step_with_threads_in(13, CONV_DIRECT, PRECISION_BF16); }

/* n synthetic images (img: IMG_PIXELS * n bytes) as a training set. */
static ImageSet synth_set(uint8_t *img, uint8_t *lab, int n)
{
    synth_images(img, lab, n);
    return (ImageSet){img, lab, n};
}

/* A short run (2 epochs of 200 images, batch 32 with a partial last batch, augmentation on). */
static void run_timed(Model *m, Adam *opt, int threads, uint64_t seed, const ImageSet *set,
                      ConvAlgo conv, Schedule sched, double *phase_seconds)
{
    model_alloc(m);
    model_init(m, seed);
    adam_alloc(opt, 1e-3f);
    TrainConfig cfg = {.epochs = 2, .batch = 32, .threads = threads, .augment = 1, .seed = seed,
                       .conv = conv, .schedule = sched, .phase_seconds = phase_seconds};
    TrainPosition start = {1, 0, 0, 0};
    char err[256];
    CHECK(train_run(m, opt, NULL, set, NULL, NULL, &cfg, &start, NULL, err, sizeof err) == TRAIN_DONE,
          "train_run: %s", err);
}

static void run_sched(Model *m, Adam *opt, int threads, uint64_t seed, const ImageSet *set,
                      ConvAlgo conv, Schedule sched)
{
    run_timed(m, opt, threads, seed, set, conv, sched, NULL);
}

static void run_conv(Model *m, Adam *opt, int threads, uint64_t seed, const ImageSet *set,
                     ConvAlgo conv)
{
    run_sched(m, opt, threads, seed, set, conv, (Schedule){0});
}

static void run(Model *m, Adam *opt, int threads, uint64_t seed, const ImageSet *set)
{
    run_conv(m, opt, threads, seed, set, CONV_DIRECT);
}

static void test_train_run_threads(void)
{
    enum { N = 200 };
    uint8_t *img = malloc(IMG_PIXELS * N), lab[N];
    synth_images(img, lab, N);
    ImageSet set = {img, lab, N};
    Model a, b, c;
    Adam oa, ob, oc;
    run(&a, &oa, 1, 9, &set);
    run(&b, &ob, 5, 9, &set);
    run(&c, &oc, 2, 10, &set);
    CHECK(oa.step == 14 && ob.step == 14, "steps %lld %lld", (long long)oa.step, (long long)ob.step);
    CHECK(memcmp(a.params, b.params, sizeof(float) * MODEL_N_PARAMS) == 0, "weights differ 1 vs 5 threads");
    CHECK(memcmp(oa.m, ob.m, sizeof(float) * MODEL_N_PARAMS) == 0, "Adam moments differ");
    CHECK(memcmp(a.buffers, b.buffers, sizeof(float) * MODEL_N_BUFFERS) == 0, "running stats differ");
    /* timing the phases (engine/step_phases.h) changes nothing, every phase is seen, and the
     * phases take no more than the whole run */
    Model d;
    Adam od;
    double phases[STEP_N_PHASES] = {0}, sum = 0;
    const double t0 = clock_seconds();
    run_timed(&d, &od, 2, 9, &set, CONV_DIRECT, (Schedule){0}, phases);
    const double wall = clock_seconds() - t0;
    CHECK(memcmp(a.params, d.params, sizeof(float) * MODEL_N_PARAMS) == 0,
          "weights differ with the phase clock on");
    for (int p = 0; p < STEP_N_PHASES; p++) {
        CHECK(p == STEP_BETWEEN || phases[p] > 0, "phase %s took no time", step_phase_names[p]);
        sum += phases[p];
    }
    CHECK(sum <= wall, "the phases (%g s) add up to more than the run (%g s)", sum, wall);
    model_free(&d);
    adam_free(&od);
    /* and the seed matters: a different seed gives a different model */
    CHECK(memcmp(a.params, c.params, sizeof(float) * MODEL_N_PARAMS) != 0, "seed had no effect");
    model_free(&a); model_free(&b); model_free(&c);
    adam_free(&oa); adam_free(&ob); adam_free(&oc);
    free(img);
}

/* ---- stopping and continuing: the position a checkpoint holds is enough to go on bit for bit ---- */

typedef struct {
    Model m;
    Adam opt;
    TrainPosition pos;
    int calls, take_at;   /* snapshot at the take_at-th checkpoint call */
} Snapshot;

static Model *snap_src;
static Adam *snap_opt;

/* At the take_at-th checkpoint: copy what a checkpoint holds, and stop as a kill right after it
 * would. */
static int take_snapshot_of_run(void *ctx, const TrainPosition *pos)
{
    Snapshot *s = ctx;
    if (++s->calls != s->take_at) return 0;
    model_copy(&s->m, snap_src);
    adam_copy(&s->opt, snap_opt);
    s->pos = *pos;
    return 1;
}

static void resume_inside_an_epoch(ConvAlgo conv, Schedule sched)
{
    enum { N = 200 };
    uint8_t *img = malloc(IMG_PIXELS * N), lab[N];
    synth_images(img, lab, N);
    ImageSet set = {img, lab, N};
    char err[256];
    /* straight: 2 epochs of 7 steps (batch 32: 6 full, one of 8) */
    Model a;
    Adam oa;
    run_sched(&a, &oa, 2, 4, &set, conv, sched);
    /* the same, stopped at the checkpoint after step 4 (inside epoch 1) and after step 10
     * (inside epoch 2), each time continued from the saved position alone */
    for (int stop_at = 2; stop_at <= 5; stop_at += 3) {
        Model b;
        Adam ob;
        Snapshot snap = {.take_at = stop_at};
        model_alloc(&b);
        model_init(&b, 4);
        adam_alloc(&ob, 1e-3f);
        model_alloc(&snap.m);
        adam_alloc(&snap.opt, 1e-3f);
        snap_src = &b;
        snap_opt = &ob;
        TrainConfig cfg = {.epochs = 2, .batch = 32, .threads = 2, .augment = 1, .seed = 4,
                           .checkpoint_every = 2, .conv = conv, .schedule = sched};
        TrainCallbacks cb = {.checkpoint = take_snapshot_of_run, .ctx = &snap};
        TrainPosition start = {1, 0, 0, 0};
        CHECK(train_run(&b, &ob, NULL, &set, NULL, NULL, &cfg, &start, &cb, err, sizeof err) == TRAIN_CALLBACK,
              "did not stop at checkpoint %d", stop_at);
        printf("# stopped at epoch %d after %lld samples, step %lld\n", snap.pos.epoch,
               (long long)snap.pos.samples, (long long)snap.opt.step);
        CHECK(snap.pos.samples > 0 && snap.pos.samples < N, "not inside an epoch");
        /* a fresh process: only the snapshot */
        cfg.checkpoint_every = 0;
        CHECK(train_run(&snap.m, &snap.opt, NULL, &set, NULL, NULL, &cfg, &snap.pos, NULL, err, sizeof err) ==
                  TRAIN_DONE, "continue: %s", err);
        CHECK(memcmp(snap.m.params, a.params, MODEL_N_PARAMS * sizeof(float)) == 0 &&
                  memcmp(snap.m.buffers, a.buffers, MODEL_N_BUFFERS * sizeof(float)) == 0 &&
                  memcmp(snap.opt.v, oa.v, MODEL_N_PARAMS * sizeof(float)) == 0 &&
                  snap.opt.step == oa.step,
              "stopped at checkpoint %d and continued: not the same bits as straight through",
              stop_at);
        model_free(&b);
        adam_free(&ob);
        model_free(&snap.m);
        adam_free(&snap.opt);
    }
    model_free(&a);
    adam_free(&oa);
    free(img);
}

static void test_resume_inside_an_epoch(void) { resume_inside_an_epoch(CONV_DIRECT, (Schedule){0}); }
static void test_resume_inside_an_epoch_winograd(void)
{
    resume_inside_an_epoch(CONV_WINOGRAD, (Schedule){0});
}

/* 14 steps, the first 7 warming up: the stops after steps 4 and 10 fall in the middle of the
 * warm-up and of the cosine; and with onecycle likewise */
static void test_resume_inside_a_schedule(void)
{
    resume_inside_an_epoch(CONV_WINOGRAD, (Schedule){SCHEDULE_COSINE, 2e-3f, 0.5f, 0});
    resume_inside_an_epoch(CONV_DIRECT, (Schedule){SCHEDULE_ONECYCLE, 3e-3f, 0.5f, 0});
    /* and the schedule is in force: the same run at a constant rate ends elsewhere */
    enum { N = 200 };
    uint8_t *img = malloc(IMG_PIXELS * N), lab[N];
    ImageSet set = synth_set(img, lab, N);
    Model a, b;
    Adam oa, ob;
    run_sched(&a, &oa, 2, 4, &set, CONV_DIRECT, (Schedule){SCHEDULE_COSINE, 2e-3f, 0.5f, 0});
    run_sched(&b, &ob, 2, 4, &set, CONV_DIRECT, (Schedule){0});
    CHECK(memcmp(a.params, b.params, sizeof(float) * MODEL_N_PARAMS) != 0, "the schedule had no effect");
    CHECK(oa.lr == 0.0f, "cosine's last step ran at %g, not 0", (double)oa.lr);
    model_free(&a); model_free(&b);
    adam_free(&oa); adam_free(&ob);
    free(img);
}

/* A new model (initialised from seed) and a new optimizer. */
static void fresh_state(Model *m, Adam *o, uint64_t seed)
{
    model_alloc(m);
    model_init(m, seed);
    adam_alloc(o, 1e-3f);
}

static int stop_flag;
static int saved_on_stop;
static TrainPosition stop_pos;

static int note_stop(void *ctx, const TrainPosition *pos)
{
    saved_on_stop++;
    stop_pos = *pos;
    return 0;
}

static void raise_stop(void *ctx, int epoch, int done, int total, float loss, double sps)
{
    stop_flag = 1;   /* as a signal handler would, from outside the loop */
}

static void test_stop_request(void)
{
    enum { N = 200 };
    uint8_t *img = malloc(IMG_PIXELS * N), lab[N];
    ImageSet set = synth_set(img, lab, N);
    Model m;
    Adam o;
    fresh_state(&m, &o, 3);
    char err[256];
    TrainConfig cfg = {.epochs = 2, .batch = 8, .threads = 2, .seed = 3, .stop = &stop_flag};
    TrainCallbacks cb = {.progress = raise_stop, .checkpoint = note_stop};
    TrainPosition start = {1, 0, 0, 0};
    stop_flag = 0;
    /* the first progress report comes after 20 steps (batch 8: 160 of the epoch's 200 samples) */
    TrainResult r = train_run(&m, &o, NULL, &set, NULL, NULL, &cfg, &start, &cb, err, sizeof err);
    CHECK(r == TRAIN_STOPPED, "result %d", r);
    printf("# stopped after step %lld, %d save(s), at %lld samples of epoch %d\n", (long long)o.step,
           saved_on_stop, (long long)stop_pos.samples, stop_pos.epoch);
    CHECK(o.step == 20 && saved_on_stop == 1 && stop_pos.epoch == 1 && stop_pos.samples == 160,
          "did not stop and save right after the step that asked");
    model_free(&m);
    adam_free(&o);
    free(img);
}

static void test_not_finite_stops_before_the_update(void)
{
    enum { N = 64 };
    uint8_t *img = malloc(IMG_PIXELS * N), lab[N];
    ImageSet set = synth_set(img, lab, N);
    Model m;
    Adam o;
    fresh_state(&m, &o, 3);
    param_in(m.params, P_FC2_B)[3] = INFINITY;   /* logits infinite: the loss is not finite */
    float *before = malloc(MODEL_N_PARAMS * sizeof(float));
    memcpy(before, m.params, MODEL_N_PARAMS * sizeof(float));
    char err[256] = "";
    TrainConfig cfg = {.epochs = 1, .batch = 32, .threads = 2, .seed = 3};
    TrainPosition start = {1, 0, 0, 0};
    TrainResult r = train_run(&m, &o, NULL, &set, NULL, NULL, &cfg, &start, NULL, err, sizeof err);
    printf("# %s\n", err);
    CHECK(r == TRAIN_NOT_FINITE, "result %d", r);
    CHECK(strstr(err, "step 1 (epoch 1)") && strstr(err, "the loss"), "message: %s", err);
    CHECK(o.step == 0 && memcmp(before, m.params, MODEL_N_PARAMS * sizeof(float)) == 0,
          "the bad step was applied");
    model_free(&m);
    adam_free(&o);
    free(before);
    free(img);
}

/* One image on one thread (predict and the window) and on several (conv2's output channels split
 * in halves): the same logits, probabilities and feature maps, bit for bit. */
static void test_infer_threads(void)
{
    Model m;
    CHECK(model_alloc(&m) == 0, "out of memory");
    model_init(&m, 3);
    uint8_t px[IMG_PIXELS], lab[1];
    synth_images(px, lab, 1);
    float img[IMG_PIXELS];
    for (int i = 0; i < IMG_PIXELS; i++) img[i] = px[i] / 255.0f;
    static float maps1[3][32 * 28 * 28], maps2[3][64 * 14 * 14];
    float logits[3][10], probs[3][10];
    int digit[3];
    const int threads[3] = {1, 2, 3};
    for (int t = 0; t < 3; t++) {
        Infer *inf = infer_create(&m, threads[t]);
        CHECK(inf != NULL, "out of memory");
        if (!inf) break;
        digit[t] = infer_run(inf, img, logits[t], probs[t], maps1[t], maps2[t]);
        infer_free(inf);
    }
    for (int t = 1; t < 3; t++)
        CHECK(digit[t] == digit[0] && !memcmp(logits[t], logits[0], sizeof logits[0]) &&
                  !memcmp(probs[t], probs[0], sizeof probs[0]) &&
                  !memcmp(maps1[t], maps1[0], sizeof maps1[0]) &&
                  !memcmp(maps2[t], maps2[0], sizeof maps2[0]),
              "infer on %d threads differs from 1 thread", threads[t]);
    model_free(&m);
}

int main(void)
{
    RUN(test_step_64);
    RUN(test_passes_again);
    RUN(test_step_13);
    RUN(test_step_64_winograd);
    RUN(test_step_13_winograd);
    RUN(test_step_64_bf16);
    RUN(test_step_13_bf16);
    RUN(test_train_run_threads);
    RUN(test_resume_inside_an_epoch);
    RUN(test_resume_inside_an_epoch_winograd);
    RUN(test_resume_inside_a_schedule);
    RUN(test_stop_request);
    RUN(test_not_finite_stops_before_the_update);
    RUN(test_infer_threads);
    return check_done();
}
