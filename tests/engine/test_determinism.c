/* Results must not depend on the thread count: the same batch gives bitwise the same gradient
 * and running statistics with 1, 2, 3 or 16 threads, and a short training run gives bitwise the
 * same weights and Adam moments. Also the same seed twice gives the same run. */
#include "engine/augment.h"
#include "engine/input.h"
#include "engine/net.h"
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
        for (int i = 0; i < 784; i++) {
            s = s * 1664525u + 1013904223u;
            int y = i / 28, x = i % 28;
            int on = (abs(y - 14) < 3 + lab[k] % 4 && abs(x - 8 - lab[k]) < 2) || (y == 5 + lab[k] && x > 5);
            img[(size_t)k * 784 + i] = on ? (uint8_t)(180 + (s >> 27)) : 0;
        }
    }
}

static void step_with_threads(int B)
{
    static const int threads[] = {1, 2, 3, 16};
    float *x = malloc(sizeof(float) * 784 * (size_t)B);
    uint8_t *img = malloc(784 * (size_t)B), *lab = malloc((size_t)B);
    synth_images(img, lab, B);
    for (int b = 0; b < B; b++) normalize_image(x + (size_t)b * 784, img + (size_t)b * 784);
    float *g0 = malloc(sizeof(float) * MODEL_N_PARAMS), b0[MODEL_N_BUFFERS];
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        Model m;
        model_alloc(&m);
        model_init(&m, 5);
        Workspace *ws = workspace_create(B, threads[t]);
        net_train_step(ws, &m, x, lab, B, 1, 1, NULL);
        if (t == 0) {
            memcpy(g0, workspace_grad(ws), sizeof(float) * MODEL_N_PARAMS);
            memcpy(b0, m.buffers, sizeof b0);
        } else {
            CHECK(memcmp(g0, workspace_grad(ws), sizeof(float) * MODEL_N_PARAMS) == 0,
                  "B=%d: gradient with %d threads differs from 1 thread", B, threads[t]);
            CHECK(memcmp(b0, m.buffers, sizeof b0) == 0,
                  "B=%d: running stats with %d threads differ", B, threads[t]);
        }
        workspace_free(ws);
        model_free(&m);
    }
    free(x); free(img); free(lab); free(g0);
}

static void test_step_64(void) { step_with_threads(64); }
static void test_step_13(void) { step_with_threads(13); }

/* A short run (2 epochs of 200 images, batch 32 with a partial last batch, augmentation on). */
static void run(Model *m, Adam *opt, int threads, uint64_t seed, const ImageSet *set)
{
    model_alloc(m);
    model_init(m, seed);
    adam_alloc(opt, 1e-3f);
    TrainConfig cfg = {.epochs = 2, .batch = 32, .threads = threads, .augment = 1, .seed = seed};
    train_run(m, opt, NULL, set, NULL, &cfg, 1, NULL);
}

static void test_train_run_threads(void)
{
    enum { N = 200 };
    uint8_t *img = malloc(784 * N), lab[N];
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
    /* and the seed matters: a different seed gives a different model */
    CHECK(memcmp(a.params, c.params, sizeof(float) * MODEL_N_PARAMS) != 0, "seed had no effect");
    model_free(&a); model_free(&b); model_free(&c);
    adam_free(&oa); adam_free(&ob); adam_free(&oc);
    free(img);
}

int main(void)
{
    RUN(test_step_64);
    RUN(test_step_13);
    RUN(test_train_run_threads);
    return check_done();
}
