#include "engine/adam.h"
#include "engine/model.h"

#include <math.h>
#include <string.h>

#if defined(__SSE2__)
#include <pmmintrin.h>
/* Flush subnormal results to zero and read subnormal inputs as zero on this thread, returning the
 * control word to restore. */
static unsigned subnormals_off(void)
{
    unsigned csr = _mm_getcsr();
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
    return csr;
}
static void subnormals_restore(unsigned csr) { _mm_setcsr(csr); }
#else
static unsigned subnormals_off(void) { return 0; }
static void subnormals_restore(unsigned csr) { (void)csr; }
#endif

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
    /* AdamW's factor, computed like PyTorch's 1 - lr * weight_decay (in double, then float) */
    int decay = a->weight_decay > 0;
    float keep = (float)(1.0 - (double)a->lr * (double)a->weight_decay);
    float *m = a->m, *v = a->v;
    /* The moments of a weight whose gradient stays zero (a unit ReLU has switched off) decay
     * through the subnormal range, v for some 16,000 steps: every operation on them then costs a
     * hundred cycles, and Adam grew to a quarter of a training step after the first epoch. So they
     * are flushed to zero here. It cannot move a weight: a subnormal m gives a step below 1e-30,
     * and a subnormal v is far below eps^2 in the denominator. */
#pragma omp parallel
    {
        unsigned csr = subnormals_off();
#pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++) {
            float g = grad[i];
            if (decay) params[i] *= keep;
            m[i] = b1 * m[i] + (1.0f - b1) * g;
            v[i] = b2 * v[i] + (1.0f - b2) * g * g;
            float denom = sqrtf(v[i]) * inv_sqrt_bc2 + eps;
            params[i] -= step_size * m[i] / denom;
        }
        subnormals_restore(csr);
    }
}
