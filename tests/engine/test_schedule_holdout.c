/* The learning-rate schedules at their boundaries, AdamW's decay against its formula, and the
 * validation split (disjoint from the training images, order kept, chosen by the seed). */
#include "engine/adam.h"
#include "engine/holdout.h"
#include "engine/input.h"
#include "engine/model.h"
#include "engine/schedule.h"
#include "tests/check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_constant(void)
{
    Schedule s = {SCHEDULE_CONSTANT, 1e-3f, 0.3f, 100};
    CHECK(schedule_lr(&s, 1) == 1e-3f && schedule_lr(&s, 50) == 1e-3f && schedule_lr(&s, 100) == 1e-3f,
          "constant is not constant");
}

static void test_cosine_boundaries(void)
{
    Schedule s = {SCHEDULE_COSINE, 2e-3f, 0.1f, 1000};   /* 100 steps of warm-up */
    CHECK_CLOSE(schedule_lr(&s, 1), 2e-3 / 100, 1e-12, 1e-6);
    CHECK_CLOSE(schedule_lr(&s, 50), 1e-3, 1e-12, 1e-6);
    CHECK(schedule_lr(&s, 100) == 2e-3f, "warm-up ends at %g, not the peak", (double)schedule_lr(&s, 100));
    CHECK(schedule_lr(&s, 101) == 2e-3f, "the first decay step runs at %g", (double)schedule_lr(&s, 101));
    /* steps 101..1000 run the cosine from the peak to 0 */
    CHECK_CLOSE(schedule_lr(&s, 550), 1e-3 * (1 + cos(M_PI * 449.0 / 899.0)), 1e-12, 1e-6);
    CHECK(schedule_lr(&s, 1000) == 0.0f, "last step at %g, not 0", (double)schedule_lr(&s, 1000));
    CHECK(schedule_lr(&s, 5000) == 0.0f, "past the end: %g", (double)schedule_lr(&s, 5000));
    int up = 1, down = 1;
    for (int64_t t = 2; t <= 100; t++) up &= schedule_lr(&s, t) > schedule_lr(&s, t - 1);
    for (int64_t t = 102; t <= 1000; t++) down &= schedule_lr(&s, t) <= schedule_lr(&s, t - 1);
    CHECK(up && down, "not rising through the warm-up (%d) or not falling after it (%d)", up, down);
    Schedule none = {SCHEDULE_COSINE, 1e-3f, 0, 11};   /* no warm-up: the first step at the peak */
    CHECK(schedule_lr(&none, 1) == 1e-3f && schedule_lr(&none, 11) == 0.0f, "no warm-up: %g .. %g",
          (double)schedule_lr(&none, 1), (double)schedule_lr(&none, 11));
}

/* PyTorch's OneCycleLR(max_lr, total_steps, pct_start, anneal_strategy="cos", three_phase=False)
 * with its defaults div_factor 25 and final_div_factor 1e4, written out. */
static double torch_onecycle(double peak, double pct, int64_t total, int64_t step)
{
    double start = peak / 25, end = start / 1e4;
    double warm_end = pct * (double)total - 1;   /* PyTorch's phase end, in 0-based steps */
    double i = (double)(step - 1);
    if (i <= warm_end) {
        double t = i / warm_end;
        return peak + (start - peak) * 0.5 * (1 + cos(M_PI * t));
    }
    double t = (i - warm_end) / ((double)total - 1 - warm_end);
    return end + (peak - end) * 0.5 * (1 + cos(M_PI * t));
}

static void test_onecycle(void)
{
    Schedule s = {SCHEDULE_ONECYCLE, 4e-3f, 0.25f, 400};
    CHECK_CLOSE(schedule_lr(&s, 1), 4e-3 / 25, 1e-12, 1e-6);
    CHECK(schedule_lr(&s, 100) == 4e-3f, "peak at step 100: %g", (double)schedule_lr(&s, 100));
    CHECK_CLOSE(schedule_lr(&s, 400), 4e-3 / 25 / 1e4, 1e-15, 1e-5);
    double worst = 0;
    for (int64_t t = 1; t <= 400; t++) {
        double d = fabs(schedule_lr(&s, t) - torch_onecycle(4e-3, 0.25, 400, t)) / 4e-3;
        if (d > worst) worst = d;
    }
    CHECK(worst < 1e-6, "differs from PyTorch's OneCycleLR by %g of the peak", worst);
}

static void test_names(void)
{
    for (int k = 0; k < 3; k++)
        CHECK(schedule_from_name(schedule_name((ScheduleKind)k)) == k, "name %d", k);
    CHECK(schedule_from_name("linear") == -1, "an unknown name was accepted");
}

static void test_adamw_matches_formula(void)
{
    Adam a;
    adam_alloc(&a, 1e-2f);
    a.weight_decay = 0.1f;
    float *p = aligned_calloc(MODEL_N_PARAMS, sizeof(float)), *g = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
    double pd[3] = {0.5, -0.25, 2.0}, md[3] = {0}, vd[3] = {0};
    for (int i = 0; i < 3; i++) p[i] = (float)pd[i];
    for (int t = 1; t <= 4; t++) {
        a.lr = 1e-2f / (float)t;   /* a schedule changes the rate between steps */
        for (int i = 0; i < 3; i++) g[i] = (float)(0.2 * (i - 1) + 0.05 * t);
        adam_update(&a, p, g, MODEL_N_PARAMS);
        double lr = 1e-2 / t;
        for (int i = 0; i < 3; i++) {
            pd[i] *= 1 - lr * 0.1;   /* torch.optim.AdamW: decoupled decay first */
            md[i] = 0.9 * md[i] + 0.1 * g[i];
            vd[i] = 0.999 * vd[i] + 0.001 * (double)g[i] * g[i];
            double bc1 = 1 - pow(0.9, t), bc2 = 1 - pow(0.999, t);
            pd[i] -= lr / bc1 * md[i] / (sqrt(vd[i]) / sqrt(bc2) + 1e-8);
        }
    }
    for (int i = 0; i < 3; i++) CHECK_CLOSE(p[i], pd[i], 1e-6, 1e-5);
    /* a parameter whose gradient stays 0 only decays */
    CHECK(p[10] == 0.0f, "a zero weight moved to %g", (double)p[10]);
    aligned_free(p);
    aligned_free(g);
    adam_free(&a);
}

static void test_holdout(void)
{
    enum { N = 500, V = 60 };
    uint8_t *img = malloc((size_t)N * IMG_PIXELS), lab[N];
    int orig[N], orig2[N];
    /* image i is filled with bytes that encode i, its label is i % 10 */
    for (int i = 0; i < N; i++) {
        memset(img + (size_t)i * IMG_PIXELS, i & 0xff, IMG_PIXELS);
        img[(size_t)i * IMG_PIXELS] = (uint8_t)(i >> 8);
        lab[i] = (uint8_t)(i % 10);
    }
    CHECK(holdout_split(img, lab, N, V, 7, orig) == 0, "out of memory");
    int seen[N] = {0}, moved_right = 1, ordered = 1, changed = 0;
    for (int k = 0; k < N; k++) {
        int i = orig[k];
        seen[i]++;
        const uint8_t *px = img + (size_t)k * IMG_PIXELS;
        moved_right &= px[0] == (uint8_t)(i >> 8) && px[1] == (uint8_t)(i & 0xff) && lab[k] == i % 10;
        if (k != N - V && k > 0) ordered &= orig[k] > orig[k - 1];
        changed |= i != k;
    }
    int all_once = 1;
    for (int i = 0; i < N; i++) all_once &= seen[i] == 1;
    CHECK(all_once, "some image is both held out and trained on, or lost");
    CHECK(moved_right, "an image and its label were not moved together");
    CHECK(ordered, "a part is not in its original order");
    CHECK(changed, "nothing was held out of the middle of the set");
    /* the same seed chooses the same images; another seed others */
    uint8_t *img2 = malloc((size_t)N * IMG_PIXELS), lab2[N];
    memset(img2, 0, (size_t)N * IMG_PIXELS);
    holdout_split(img2, lab2, N, V, 7, orig2);
    CHECK(memcmp(orig, orig2, sizeof orig) == 0, "the same seed held out other images");
    holdout_split(img2, lab2, N, V, 8, orig2);
    CHECK(memcmp(orig, orig2, sizeof orig) != 0, "the seed had no effect");
    free(img);
    free(img2);
}

int main(void)
{
    RUN(test_constant);
    RUN(test_cosine_boundaries);
    RUN(test_onecycle);
    RUN(test_names);
    RUN(test_adamw_matches_formula);
    RUN(test_holdout);
    return check_done();
}
