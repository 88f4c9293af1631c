#include "engine/model_ref.h"
#include "engine/augment.h"
#include "engine/layers_ref.h"

#include <stdlib.h>
#include <string.h>


/* Activations of one pass, NCHW (the shapes at 28 x 28 after them). */
typedef struct {
    float *c1, *b1, *r1, *p1;   /* conv1 out, bn1 out, relu: (B,C1,IMG_H,IMG_W) (B,32,28,28);
                                 * pool: (B,C1,P1_H,P1_W) (B,32,14,14) */
    float *c2, *b2, *r2, *p2;   /* (B,C2,P1_H,P1_W) (B,64,14,14); (B,C2,P2_H,P2_W) (B,64,7,7),
                                 * fc1's input (B,FC1_IN) (B,3136) */
    float *h, *hr, *mask, *hd;  /* fc1 out, relu, dropout mask, dropout out: (B,FC1_OUT) */
    float *logits, *probs;      /* (B,N_CLASSES) */
    float mean1[C1], rstd1[C1], var1[C1], mean2[C2], rstd2[C2], var2[C2];
} Acts;

static float *buf(size_t n) { return calloc(n, sizeof(float)); }

static void acts_alloc(Acts *a, int B)
{
    size_t n1 = (size_t)B * C1 * IMG_PIXELS, n2 = (size_t)B * C2 * P1_H * P1_W;
    a->c1 = buf(n1); a->b1 = buf(n1); a->r1 = buf(n1); a->p1 = buf((size_t)B * C1 * P1_H * P1_W);
    a->c2 = buf(n2); a->b2 = buf(n2); a->r2 = buf(n2); a->p2 = buf((size_t)B * FC1_IN);
    a->h = buf((size_t)B * FC1_OUT); a->hr = buf((size_t)B * FC1_OUT);
    a->mask = buf((size_t)B * FC1_OUT); a->hd = buf((size_t)B * FC1_OUT);
    a->logits = buf((size_t)B * N_CLASSES); a->probs = buf((size_t)B * N_CLASSES);
}

static void acts_free(Acts *a)
{
    float *all[] = {a->c1, a->c2, a->b1, a->b2, a->r1, a->r2, a->p1, a->p2,
                    a->h, a->hr, a->mask, a->hd, a->logits, a->probs};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

/* Backward through everything; grad is zeroed here. */
static void backward(const Model *m, float *grad, const Acts *a, const float *x,
                     const uint8_t *labels, int B, float label_smoothing)
{
    memset(grad, 0, MODEL_N_PARAMS * sizeof(float));
    size_t n1 = (size_t)B * C1 * IMG_PIXELS, n2 = (size_t)B * C2 * P1_H * P1_W;
    float *d1 = buf(n1), *d1b = buf(n1), *dp1 = buf((size_t)B * C1 * P1_H * P1_W);
    float *d2 = buf(n2), *d2b = buf(n2), *dp2 = buf((size_t)B * FC1_IN);
    float *dh = buf((size_t)B * FC1_OUT), *dh2 = buf((size_t)B * FC1_OUT);
    float *dlogits = buf((size_t)B * N_CLASSES);

    ref_softmax_xent_backward_part(dlogits, a->probs, labels, B, N_CLASSES, B, label_smoothing);
    ref_linear_backward(dh, param_in(grad, P_FC2_W), param_in(grad, P_FC2_B), dlogits, a->hd,
                        model_param(m, P_FC2_W), B, FC1_OUT, N_CLASSES);
    ref_dropout_backward(dh2, dh, a->mask, B * FC1_OUT);
    ref_relu_backward(dh, dh2, a->hr, B * FC1_OUT);
    ref_linear_backward(dp2, param_in(grad, P_FC1_W), param_in(grad, P_FC1_B), dh, a->p2,
                        model_param(m, P_FC1_W), B, FC1_IN, FC1_OUT);
    ref_maxpool2_backward(d2, dp2, a->r2, B, C2, P1_H, P1_W);
    ref_relu_backward(d2b, d2, a->r2, (int)n2);
    ref_batchnorm_backward(d2, param_in(grad, P_BN2_W), param_in(grad, P_BN2_B), d2b, a->c2,
                           a->mean2, a->rstd2, model_param(m, P_BN2_W), B, C2, P1_H * P1_W);
    ref_conv3x3_backward(dp1, param_in(grad, P_CONV2_W), param_in(grad, P_CONV2_B), d2, a->p1,
                         model_param(m, P_CONV2_W), B, C1, C2, P1_H, P1_W);
    ref_maxpool2_backward(d1, dp1, a->r1, B, C1, IMG_H, IMG_W);
    ref_relu_backward(d1b, d1, a->r1, (int)n1);
    ref_batchnorm_backward(d1, param_in(grad, P_BN1_W), param_in(grad, P_BN1_B), d1b, a->c1,
                           a->mean1, a->rstd1, model_param(m, P_BN1_W), B, C1, IMG_PIXELS);
    ref_conv3x3_backward(NULL, param_in(grad, P_CONV1_W), param_in(grad, P_CONV1_B), d1, x,
                         model_param(m, P_CONV1_W), B, 1, C1, IMG_H, IMG_W);

    float *all[] = {d1, d1b, dp1, d2, d2b, dp2, dh, dh2, dlogits};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

float ref_model_pass(Model *m, float *grad, float *logits, const float *x, const uint8_t *labels,
                     int B, int train, uint64_t seed, uint64_t step, float label_smoothing)
{
    Acts a;
    acts_alloc(&a, B);
    size_t n1 = (size_t)B * C1 * IMG_PIXELS, n2 = (size_t)B * C2 * P1_H * P1_W;

    ref_conv3x3_forward(a.c1, x, model_param(m, P_CONV1_W), model_param(m, P_CONV1_B), B, 1, C1,
                        IMG_H, IMG_W);
    if (train) {
        ref_batchnorm_forward_train(a.b1, a.mean1, a.rstd1, a.var1, a.c1, model_param(m, P_BN1_W),
                                    model_param(m, P_BN1_B), B, C1, IMG_PIXELS, BN_EPS);
        ref_batchnorm_update_running(model_buffer(m, B_BN1_MEAN), model_buffer(m, B_BN1_VAR),
                                     a.mean1, a.var1, C1, (long)B * IMG_PIXELS, BN_MOMENTUM);
        m->counters[K_BN1_COUNT]++;
    } else {
        ref_batchnorm_forward_eval(a.b1, a.c1, model_param(m, P_BN1_W), model_param(m, P_BN1_B),
                                   model_buffer(m, B_BN1_MEAN), model_buffer(m, B_BN1_VAR), B, C1,
                                   IMG_PIXELS, BN_EPS);
    }
    ref_relu_forward(a.r1, a.b1, (int)n1);
    ref_maxpool2_forward(a.p1, a.r1, B, C1, IMG_H, IMG_W);

    ref_conv3x3_forward(a.c2, a.p1, model_param(m, P_CONV2_W), model_param(m, P_CONV2_B), B, C1,
                        C2, P1_H, P1_W);
    if (train) {
        ref_batchnorm_forward_train(a.b2, a.mean2, a.rstd2, a.var2, a.c2, model_param(m, P_BN2_W),
                                    model_param(m, P_BN2_B), B, C2, P1_H * P1_W, BN_EPS);
        ref_batchnorm_update_running(model_buffer(m, B_BN2_MEAN), model_buffer(m, B_BN2_VAR),
                                     a.mean2, a.var2, C2, (long)B * P1_H * P1_W, BN_MOMENTUM);
        m->counters[K_BN2_COUNT]++;
    } else {
        ref_batchnorm_forward_eval(a.b2, a.c2, model_param(m, P_BN2_W), model_param(m, P_BN2_B),
                                   model_buffer(m, B_BN2_MEAN), model_buffer(m, B_BN2_VAR), B, C2,
                                   P1_H * P1_W, BN_EPS);
    }
    ref_relu_forward(a.r2, a.b2, (int)n2);
    ref_maxpool2_forward(a.p2, a.r2, B, C2, P1_H, P1_W);

    ref_linear_forward(a.h, a.p2, model_param(m, P_FC1_W), model_param(m, P_FC1_B), B, FC1_IN,
                       FC1_OUT);
    ref_relu_forward(a.hr, a.h, B * FC1_OUT);
    for (int b = 0; b < B; b++) {
        float *mask = a.mask + (size_t)b * FC1_OUT;
        if (train) dropout_mask(mask, FC1_OUT, 0.5f, seed, step, (uint64_t)b);
        else for (int i = 0; i < FC1_OUT; i++) mask[i] = 1.0f;
    }
    ref_dropout_forward(a.hd, a.hr, a.mask, B * FC1_OUT);
    ref_linear_forward(a.logits, a.hd, model_param(m, P_FC2_W), model_param(m, P_FC2_B), B,
                       FC1_OUT, N_CLASSES);

    float loss = 0.0f;
    if (labels)
        loss = (float)(ref_softmax_xent_sum(a.probs, a.logits, labels, B, N_CLASSES, label_smoothing) / B);
    if (logits) memcpy(logits, a.logits, sizeof(float) * (size_t)B * N_CLASSES);
    if (train && grad && labels) backward(m, grad, &a, x, labels, B, label_smoothing);
    acts_free(&a);
    return loss;
}
