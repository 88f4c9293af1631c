#include "engine/adam.h"
#include "engine/model.h"

#include <math.h>
#include <string.h>

int adam_alloc(Adam *a, float lr)
{
    *a = (Adam){.lr = lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .step = 0};
    a->m = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
    a->v = aligned_calloc(MODEL_N_PARAMS, sizeof(float));
    if (!a->m || !a->v) {
        adam_free(a);
        return -1;
    }
    return 0;
}

void adam_free(Adam *a)
{
    aligned_free(a->m);
    aligned_free(a->v);
    a->m = a->v = NULL;
}

void adam_copy(Adam *dst, const Adam *src)
{
    float *m = dst->m, *v = dst->v;
    *dst = *src;
    dst->m = m;
    dst->v = v;
    memcpy(m, src->m, MODEL_N_PARAMS * sizeof(float));
    memcpy(v, src->v, MODEL_N_PARAMS * sizeof(float));
}

void adam_update(Adam *a, float *params, const float *grad, size_t n)
{
    a->step++;
    /* Bias corrections in double, as PyTorch computes them in Python floats. */
    double bc1 = 1.0 - pow(a->beta1, (double)a->step);
    double bc2 = 1.0 - pow(a->beta2, (double)a->step);
    float step_size = (float)(a->lr / bc1);
    float inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
    float b1 = a->beta1, b2 = a->beta2, eps = a->eps;
    float *m = a->m, *v = a->v;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        float denom = sqrtf(v[i]) * inv_sqrt_bc2 + eps;
        params[i] -= step_size * m[i] / denom;
    }
}
