/* The reference layers against central finite differences.
 *
 * Each layer's output is reduced to a scalar L = sum(out * r) with fixed random r, so dL/dout = r.
 * Finite differences use step h = 1e-2 in float on inputs of order 1 and are compared in double;
 * tolerance: |analytic - numeric| <= 2e-3 + 2e-2 * |numeric| (float rounding of L ~1e-6 / h).
 * Inputs are drawn so that no ReLU or max-pool decision sits within h of a tie (kinks would make
 * the numeric derivative meaningless), which is why those layers get separate inputs. */
#include "engine/layers_ref.h"
#include "engine/model.h"
#include "engine/model_ref.h"
#include "engine/augment.h"
#include "tests/check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define H_STEP 1e-2f
#define ATOL 2e-3
#define RTOL 2e-2

static unsigned rng_state = 12345;
static float frand(void) /* uniform in [-1, 1) */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / 8388608.0f - 1.0f;
}
static void fill(float *x, int n, float scale)
{
    for (int i = 0; i < n; i++) x[i] = scale * frand();
}
static double dot(const float *a, const float *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

typedef double (*LossFn)(void);

/* Central difference of loss_fn() in *x with step h; *x is restored. */
static double numeric_grad(float *x, float h, LossFn loss_fn)
{
    float keep = *x;
    *x = keep + h;
    double lp = loss_fn();
    *x = keep - h;
    double lm = loss_fn();
    *x = keep;
    return (lp - lm) / (2.0 * h);
}

/* Check analytic gradient g of L(x) = loss_fn() w.r.t. every entry of x (n entries). */
static int check_grad(const char *what, float *x, const float *g, int n, LossFn loss_fn)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double num = numeric_grad(&x[i], H_STEP, loss_fn);
        if (fabs(g[i] - num) > ATOL + RTOL * fabs(num)) {
            if (bad < 5) printf("# %s[%d]: analytic %.6g, numeric %.6g\n", what, i, g[i], num);
            bad++;
        }
    }
    CHECK(bad == 0, "%s: %d of %d entries off", what, bad, n);
    return bad;
}

/* ---- conv3x3 ---- */
enum { CB = 2, CIN = 3, COUT = 4, CH = 5, CW = 6 };
static float cv_in[CB * CIN * CH * CW], cv_w[COUT * CIN * 9], cv_b[COUT];
static float cv_out[CB * COUT * CH * CW], cv_r[CB * COUT * CH * CW];
static double conv_loss(void)
{
    ref_conv3x3_forward(cv_out, cv_in, cv_w, cv_b, CB, CIN, COUT, CH, CW);
    return dot(cv_out, cv_r, CB * COUT * CH * CW);
}
static void test_conv3x3(void)
{
    fill(cv_in, CB * CIN * CH * CW, 1);
    fill(cv_w, COUT * CIN * 9, 0.5f);
    fill(cv_b, COUT, 0.5f);
    fill(cv_r, CB * COUT * CH * CW, 1);
    float din[sizeof cv_in / sizeof(float)], dw[sizeof cv_w / sizeof(float)] = {0}, db[COUT] = {0};
    ref_conv3x3_backward(din, dw, db, cv_r, cv_in, cv_w, CB, CIN, COUT, CH, CW);
    check_grad("conv dinp", cv_in, din, CB * CIN * CH * CW, conv_loss);
    check_grad("conv dweight", cv_w, dw, COUT * CIN * 9, conv_loss);
    check_grad("conv dbias", cv_b, db, COUT, conv_loss);
}

/* ---- batchnorm (training mode) ---- */
enum { BB = 3, BC = 2, BHW = 5 };
static float bn_in[BB * BC * BHW], bn_g[BC], bn_beta[BC], bn_out[BB * BC * BHW], bn_r[BB * BC * BHW];
static double bn_loss(void)
{
    float mean[BC], rstd[BC], var[BC];
    ref_batchnorm_forward_train(bn_out, mean, rstd, var, bn_in, bn_g, bn_beta, BB, BC, BHW, 1e-5f);
    return dot(bn_out, bn_r, BB * BC * BHW);
}
static void test_batchnorm(void)
{
    fill(bn_in, BB * BC * BHW, 2);
    fill(bn_g, BC, 1);
    fill(bn_beta, BC, 1);
    fill(bn_r, BB * BC * BHW, 1);
    float mean[BC], rstd[BC], var[BC], din[BB * BC * BHW], dg[BC] = {0}, db[BC] = {0};
    ref_batchnorm_forward_train(bn_out, mean, rstd, var, bn_in, bn_g, bn_beta, BB, BC, BHW, 1e-5f);
    ref_batchnorm_backward(din, dg, db, bn_r, bn_in, mean, rstd, bn_g, BB, BC, BHW);
    check_grad("bn dinp", bn_in, din, BB * BC * BHW, bn_loss);
    check_grad("bn dgamma", bn_g, dg, BC, bn_loss);
    check_grad("bn dbeta", bn_beta, db, BC, bn_loss);
}

/* ---- ReLU + max-pool: inputs on a grid with gaps >= 0.1, away from 0 ---- */
enum { PB = 2, PC = 2, PH = 4, PW = 6, PN = PB * PC * PH * PW };
static float pl_in[PN], pl_relu[PN], pl_out[PN / 4], pl_r[PN / 4];
static double pool_loss(void)
{
    ref_relu_forward(pl_relu, pl_in, PN);
    ref_maxpool2_forward(pl_out, pl_relu, PB, PC, PH, PW);
    return dot(pl_out, pl_r, PN / 4);
}
static void test_relu_maxpool(void)
{
    /* a shuffled ladder of distinct values -2.35 .. 2.35 (step 0.1): no ties, none near 0 */
    for (int i = 0; i < PN; i++) pl_in[i] = -2.35f + 0.1f * (float)i;
    for (int i = PN - 1; i > 0; i--) {
        int j = (int)((frand() + 1.0f) * 0.5f * (float)(i + 1)) % (i + 1);
        float t = pl_in[i]; pl_in[i] = pl_in[j]; pl_in[j] = t;
    }
    fill(pl_r, PN / 4, 1);
    pool_loss();
    float dpool[PN], din[PN];
    ref_maxpool2_backward(dpool, pl_r, pl_relu, PB, PC, PH, PW);
    ref_relu_backward(din, dpool, pl_relu, PN);
    check_grad("relu+pool dinp", pl_in, din, PN, pool_loss);
}

/* ---- linear ---- */
enum { LB = 3, LIN = 7, LOUT = 5 };
static float ln_in[LB * LIN], ln_w[LOUT * LIN], ln_b[LOUT], ln_out[LB * LOUT], ln_r[LB * LOUT];
static double linear_loss(void)
{
    ref_linear_forward(ln_out, ln_in, ln_w, ln_b, LB, LIN, LOUT);
    return dot(ln_out, ln_r, LB * LOUT);
}
static void test_linear(void)
{
    fill(ln_in, LB * LIN, 1);
    fill(ln_w, LOUT * LIN, 1);
    fill(ln_b, LOUT, 1);
    fill(ln_r, LB * LOUT, 1);
    float din[LB * LIN], dw[LOUT * LIN] = {0}, db[LOUT] = {0};
    ref_linear_backward(din, dw, db, ln_r, ln_in, ln_w, LB, LIN, LOUT);
    check_grad("linear dinp", ln_in, din, LB * LIN, linear_loss);
    check_grad("linear dweight", ln_w, dw, LOUT * LIN, linear_loss);
    check_grad("linear dbias", ln_b, db, LOUT, linear_loss);
}

/* ---- dropout ---- */
static float dr_in[40], dr_mask[40], dr_out[40], dr_r[40];
static double dropout_loss(void)
{
    ref_dropout_forward(dr_out, dr_in, dr_mask, 40);
    return dot(dr_out, dr_r, 40);
}
static void test_dropout(void)
{
    fill(dr_in, 40, 1);
    fill(dr_r, 40, 1);
    dropout_mask(dr_mask, 40, 0.5f, 7, 1, 0);
    int zeros = 0;
    for (int i = 0; i < 40; i++) {
        CHECK(dr_mask[i] == 0.0f || dr_mask[i] == 2.0f, "mask value %g", dr_mask[i]);
        zeros += dr_mask[i] == 0.0f;
    }
    CHECK(zeros > 5 && zeros < 35, "%d of 40 dropped at p=0.5", zeros);
    float din[40];
    ref_dropout_backward(din, dr_r, dr_mask, 40);
    check_grad("dropout dinp", dr_in, din, 40, dropout_loss);
}

/* ---- softmax cross-entropy ---- */
enum { SB = 4, SC = 10 };
static float sx_logits[SB * SC], sx_probs[SB * SC];
static const uint8_t sx_labels[SB] = {3, 0, 9, 3};
static double xent_loss(void) { return ref_softmax_xent_forward(sx_probs, sx_logits, sx_labels, SB, SC); }
static void test_softmax_xent(void)
{
    fill(sx_logits, SB * SC, 3);
    float d[SB * SC];
    xent_loss();
    ref_softmax_xent_backward(d, sx_probs, sx_labels, SB, SC);
    check_grad("xent dlogits", sx_logits, d, SB * SC, xent_loss);
    /* the loss itself: uniform logits give log(10) */
    float z[SC] = {0}, p[SC];
    uint8_t l = 4;
    CHECK_CLOSE(ref_softmax_xent_forward(p, z, &l, 1, SC), logf(10.0f), 1e-6, 0);
}

/* With label smoothing 0.1: the gradient against finite differences, and the loss against
 * PyTorch's definition, (1 - eps) * nll(label) + eps / C * sum_c nll(c). */
static double smoothed_loss(void)
{
    return ref_softmax_xent_sum(sx_probs, sx_logits, sx_labels, SB, SC, 0.1f) / SB;
}
static void test_softmax_xent_smoothed(void)
{
    /* the logits test_softmax_xent filled (drawing more numbers would move the samples of
     * test_model_gradient) */
    float d[SB * SC];
    smoothed_loss();
    ref_softmax_xent_backward_part(d, sx_probs, sx_labels, SB, SC, SB, 0.1f);
    check_grad("smoothed xent dlogits", sx_logits, d, SB * SC, smoothed_loss);
    /* logits (0, ..., 0, 2 at the label): nll(label) = log(9 + e^2) - 2, nll(other) = log(9 + e^2) */
    float z[SC] = {0}, p[SC];
    uint8_t l = 4;
    z[4] = 2;
    const double lse = log(9 + exp(2.0));
    CHECK_CLOSE(ref_softmax_xent_sum(p, z, &l, 1, SC, 0.1f), 0.9 * (lse - 2) + 0.01 * (10 * lse - 2),
                1e-6, 0);
    /* and eps 0 is the plain loss and gradient, bit for bit */
    float d0[SB * SC], d1[SB * SC];
    ref_softmax_xent_backward(d0, sx_probs, sx_labels, SB, SC);
    ref_softmax_xent_backward_part(d1, sx_probs, sx_labels, SB, SC, SB, 0.0f);
    CHECK(memcmp(d0, d1, sizeof d0) == 0, "label smoothing 0 changed the gradient");
}

/* ---- the whole reference model, a sample of entries of every trainable tensor ---- */
enum { MB = 2 };
static Model mdl;
static float m_x[MB * IMG_PIXELS];
static const uint8_t m_labels[MB] = {3, 7};
static double model_loss(void)
{
    /* training mode with a fixed dropout mask (same seed/step); running stats are irrelevant */
    return ref_model_pass(&mdl, NULL, NULL, m_x, m_labels, MB, 1, 5, 1, 0.0f);
}
static void test_model_gradient(void)
{
    model_alloc(&mdl);
    model_init(&mdl, 3);
    fill(m_x, MB * IMG_PIXELS, 1);
    float *grad = malloc(MODEL_N_PARAMS * sizeof(float));
    ref_model_pass(&mdl, grad, NULL, m_x, m_labels, MB, 1, 5, 1, 0.0f);
    /* Entries whose numeric derivative crosses a ReLU/pool kink can disagree; count those and
     * require nearly all to match, which still catches any systematic error. */
    int total = 0, bad = 0;
    for (int p = 0; p < N_PARAM_TENSORS; p++) {
        const StateEntry *e = model_param_entry((ParamId)p);
        float *w = model_param(&mdl, (ParamId)p);
        const float *g = grad + e->offset;
        for (int s = 0; s < 6; s++) {
            size_t i = (size_t)((frand() + 1.0f) * 0.5f * (float)e->numel) % e->numel;
            double num = numeric_grad(&w[i], 1e-2f, model_loss);
            total++;
            if (fabs(g[i] - num) > 3e-3 + 5e-2 * fabs(num)) {
                bad++;
                printf("# %s[%zu]: analytic %.6g, numeric %.6g\n", e->name, i, g[i], num);
            }
        }
    }
    CHECK(bad <= total / 20, "%d of %d sampled entries off", bad, total);
    free(grad);
    model_free(&mdl);
}

int main(void)
{
    RUN(test_conv3x3);
    RUN(test_batchnorm);
    RUN(test_relu_maxpool);
    RUN(test_linear);
    RUN(test_dropout);
    RUN(test_softmax_xent);
    RUN(test_softmax_xent_smoothed);
    RUN(test_model_gradient);
    return check_done();
}
