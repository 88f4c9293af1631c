/* Adam against PyTorch's update written out in double, init bounds, and the augmentation maps. */
#include "engine/adam.h"
#include "engine/augment.h"
#include "engine/ema.h"
#include "engine/input.h"
#include "engine/model.h"
#include "tests/check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_adam_matches_formula(void)
{
    Adam a;
    adam_alloc(&a, 1e-3f);
    float *p = aligned_calloc(MODEL_N_PARAMS, sizeof(float)), *g = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
    double pd[4] = {0.5, -0.25, 1.0, 0.0}, md[4] = {0}, vd[4] = {0};
    for (int i = 0; i < 4; i++) p[i] = (float)pd[i];
    for (int t = 1; t <= 5; t++) {
        for (int i = 0; i < 4; i++) g[i] = (float)(0.1 * (i + 1) * (t % 2 ? 1 : -0.5));
        adam_update(&a, p, g, MODEL_N_PARAMS);
        for (int i = 0; i < 4; i++) {
            md[i] = 0.9 * md[i] + 0.1 * g[i];
            vd[i] = 0.999 * vd[i] + 0.001 * (double)g[i] * g[i];
            double bc1 = 1 - pow(0.9, t), bc2 = 1 - pow(0.999, t);
            pd[i] -= 1e-3 / bc1 * md[i] / (sqrt(vd[i]) / sqrt(bc2) + 1e-8);
        }
    }
    for (int i = 0; i < 4; i++) CHECK_CLOSE(p[i], pd[i], 1e-6, 1e-5);
    CHECK(a.step == 5, "step %lld", (long long)a.step);
    /* first step moves every parameter with a non-zero gradient by ~lr */
    CHECK_CLOSE(fabs(p[0] - 0.5), 1e-3 * 3, 2e-3, 0);
    aligned_free(p); aligned_free(g);
    adam_free(&a);
}

/* The weight average: avg = d avg + (1 - d) m for parameters and statistics, counters copied,
 * d warming up as (1 + t) / (10 + t) until it reaches the decay; the same for any thread count. */
static void test_ema(void)
{
    Model avg, m, avg2;
    model_alloc(&avg), model_alloc(&m), model_alloc(&avg2);
    model_init(&m, 4);
    model_copy(&avg, &m);
    for (size_t i = 0; i < MODEL_N_PARAMS; i++) avg.params[i] = 0.0f;
    for (size_t i = 0; i < MODEL_N_BUFFERS; i++) avg.buffers[i] = 1.0f;
    model_copy(&avg2, &avg);
    m.counters[0] = 7;
    CHECK_CLOSE(ema_decay_at(0.999f, 1), 2.0 / 11.0, 0, 1e-6);
    CHECK_CLOSE(ema_decay_at(0.999f, 100000), 0.999, 0, 1e-7);
    ema_update(&avg, &m, 0.999f, 1, 1);
    ema_update(&avg2, &m, 0.999f, 1, 5);
    const float d = ema_decay_at(0.999f, 1);
    int bad = 0;
    for (size_t i = 0; i < MODEL_N_PARAMS; i++) bad += avg.params[i] != (1.0f - d) * m.params[i];
    for (size_t i = 0; i < MODEL_N_BUFFERS; i++)
        bad += avg.buffers[i] != d * 1.0f + (1.0f - d) * m.buffers[i];
    CHECK(bad == 0, "%d values are not d avg + (1 - d) m", bad);
    CHECK(avg.counters[0] == 7, "counters not copied");
    CHECK(memcmp(avg.params, avg2.params, sizeof(float) * MODEL_N_PARAMS) == 0 &&
              memcmp(avg.buffers, avg2.buffers, sizeof(float) * MODEL_N_BUFFERS) == 0,
          "1 and 5 threads differ");
    model_free(&avg), model_free(&m), model_free(&avg2);
}

static void test_init_bounds(void)
{
    Model m;
    model_alloc(&m);
    model_init(&m, 1);
    struct { ParamId p; float bound; } t[] = {
        {P_CONV1_W, 1.0f / 3}, {P_CONV2_W, 1.0f / sqrtf(C1 * 9)}, {P_FC1_W, 1.0f / sqrtf(FC1_IN)},
        {P_FC2_B, 1.0f / sqrtf(FC1_OUT)}};
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        const StateEntry *e = model_param_entry(t[k].p);
        float *w = model_param(&m, t[k].p), mx = 0;
        double mean = 0;
        for (size_t i = 0; i < e->numel; i++) { mx = fabsf(w[i]) > mx ? fabsf(w[i]) : mx; mean += w[i]; }
        CHECK(mx <= t[k].bound && mx > 0.8f * t[k].bound, "%s max %g bound %g", e->name, mx, t[k].bound);
        CHECK(fabs(mean / e->numel) < 0.3 * t[k].bound, "%s mean %g", e->name, mean / e->numel);
    }
    CHECK(model_param(&m, P_BN2_W)[5] == 1.0f && model_buffer(&m, B_BN2_VAR)[5] == 1.0f, "bn init");
    Model m2;
    model_alloc(&m2);
    model_init(&m2, 1);
    CHECK(memcmp(m.params, m2.params, MODEL_N_PARAMS * sizeof(float)) == 0, "same seed, same init");
    model_free(&m); model_free(&m2);
}

static void test_affine_identity_and_shift(void)
{
    uint8_t img[IMG_PIXELS];
    for (int i = 0; i < IMG_PIXELS; i++) img[i] = (uint8_t)(i * 37 % 256);
    float a[IMG_PIXELS], b[IMG_PIXELS];
    normalize_image(a, img);
    affine_apply(b, img, (AffineParams){0, 1, 0, 0});
    for (int i = 0; i < IMG_PIXELS; i++) CHECK_CLOSE(b[i], a[i], 1e-5, 0);
    /* tx = 2 moves content right by two pixels; the two new columns are black (-1) */
    affine_apply(b, img, (AffineParams){0, 1, 2, 0});
    for (int y = 0; y < IMG_H; y++) {
        CHECK_CLOSE(b[y * IMG_W + 0], -1.0f, 1e-6, 0);
        CHECK_CLOSE(b[y * IMG_W + 1], -1.0f, 1e-6, 0);
        for (int x = 2; x < IMG_W; x++) CHECK_CLOSE(b[y * IMG_W + x], a[y * IMG_W + x - 2], 1e-5, 0);
    }
    /* 90 degrees about the centre maps a pixel exactly onto another (of a square image) */
    _Static_assert(IMG_W == IMG_H, "the 90-degree check below takes a square input");
    affine_apply(b, img, (AffineParams){90, 1, 0, 0});
    int moved = 0;
    for (int i = 0; i < IMG_PIXELS; i++) moved += fabsf(b[i] - a[i]) > 1e-3f;
    CHECK(moved > IMG_PIXELS * 7 / 8, "rotation changed only %d pixels", moved);
    /* one of the corners: (0,0) <- (0,27) at 28 x 28 */
    CHECK_CLOSE(b[0], a[(IMG_H - 1) * IMG_W + 0], 1e-4, 0);
}

static void test_affine_draw_ranges(void)
{
    int seen_tx[7] = {0};
    for (int i = 0; i < 2000; i++) {
        AffineParams p = affine_draw(3, 1, (uint64_t)i);
        CHECK(p.angle_deg >= -15 && p.angle_deg <= 15, "angle %g", p.angle_deg);
        CHECK(p.scale >= 0.8f && p.scale <= 1.2f, "scale %g", p.scale);
        CHECK(p.tx >= -3 && p.tx <= 3 && p.ty >= -3 && p.ty <= 3, "translate %d %d", p.tx, p.ty);
        seen_tx[p.tx + 3]++;
    }
    for (int k = 0; k < 7; k++) CHECK(seen_tx[k] > 0, "translation %d never drawn", k - 3);
    AffineParams p1 = affine_draw(3, 1, 5), p2 = affine_draw(3, 1, 5), p3 = affine_draw(3, 2, 5);
    CHECK(memcmp(&p1, &p2, sizeof p1) == 0, "not a function of (seed, epoch, index)");
    CHECK(memcmp(&p1, &p3, sizeof p1) != 0, "epoch does not change the draw");
}

static void test_affine_draw_scaled(void)
{
    int same = 1, inside = 1, spread = 0;
    /* half of the translation range, a tenth of the image (1.4 px at 28), rounded */
    const int half_tx = (int)lrint(0.05 * IMG_W), half_ty = (int)lrint(0.05 * IMG_H);
    for (int i = 0; i < 2000; i++) {
        AffineParams a = affine_draw(3, 1, (uint64_t)i), b = affine_draw_scaled(3, 1, (uint64_t)i, 1.0f);
        same &= memcmp(&a, &b, sizeof a) == 0;
        AffineParams h = affine_draw_scaled(3, 1, (uint64_t)i, 0.5f);
        inside &= fabsf(h.angle_deg - 0.5f * a.angle_deg) < 1e-5f && h.scale >= 0.9f && h.scale <= 1.1f &&
                  abs(h.tx) <= half_tx && abs(h.ty) <= half_ty;
        spread |= fabsf(h.angle_deg) > 7.0f;
    }
    CHECK(same, "strength 1 is not affine_draw itself");
    CHECK(inside, "strength 0.5 does not halve the ranges");
    CHECK(spread, "strength 0.5 never reaches half the angle range");
}

static void test_shuffle_is_permutation(void)
{
    enum { N = 1000 };
    int perm[N], seen[N] = {0}, fixed = 0;
    shuffle_indices(perm, N, 1, 1);
    for (int i = 0; i < N; i++) { seen[perm[i]]++; fixed += perm[i] == i; }
    for (int i = 0; i < N; i++) CHECK(seen[i] == 1, "index %d seen %d times", i, seen[i]);
    CHECK(fixed < 20, "%d fixed points: not shuffled", fixed);
}

int main(void)
{
    RUN(test_adam_matches_formula);
    RUN(test_ema);
    RUN(test_init_bounds);
    RUN(test_affine_identity_and_shift);
    RUN(test_affine_draw_ranges);
    RUN(test_affine_draw_scaled);
    RUN(test_shuffle_is_permutation);
    return check_done();
}
