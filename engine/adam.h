/* Adam exactly as torch.optim.Adam with default options (no amsgrad), and AdamW's decoupled
 * weight decay when weight_decay > 0 (torch.optim.AdamW: p *= 1 - lr * weight_decay first):
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * lr may change from step to step (a schedule sets it before each update).
 * Moments are kept for every trainable float of Model.params, in the same layout. One difference:
 * moments that would be subnormal (below 1.2e-38) are zero (see adam_update); the weights come out
 * the same. */
#ifndef MNIST_ENGINE_ADAM_H
#define MNIST_ENGINE_ADAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    float lr, beta1, beta2, eps;
    float weight_decay;   /* AdamW's decoupled decay (0: plain Adam) */
    int64_t step;     /* number of updates done (PyTorch's state['step']) */
    float *m, *v;     /* exp_avg, exp_avg_sq: MODEL_N_PARAMS each */
} Adam;

/* zeroed moments, step 0, betas 0.9/0.999, eps 1e-8, no weight decay */
int adam_alloc(Adam *a, float lr);
void adam_free(Adam *a);
/* dst (allocated) becomes a copy of src: hyper-parameters, step and moments. */
void adam_copy(Adam *dst, const Adam *src);
/* One update of params[0..n) with gradients grad[0..n). Elementwise, so splitting it across threads
 * changes nothing. */
void adam_update(Adam *a, float *params, const float *grad, size_t n);

#endif
