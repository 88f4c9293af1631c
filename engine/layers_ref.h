/* The reference layers: plain scalar forward and backward passes, one function per pass, in the
 * style of llm.c's train_gpt2.c. They are the spec: the fast path (engine/net.c) is tested
 * against them and they are tested against finite differences. Semantics are PyTorch's.
 *
 * Layout is NCHW everywhere (B samples, C channels, H x W). Backward functions ACCUMULATE (+=)
 * into parameter gradients and OVERWRITE input gradients (dinp may be NULL when not needed). */
#ifndef MNIST_ENGINE_LAYERS_REF_H
#define MNIST_ENGINE_LAYERS_REF_H

#include <stdint.h>

/* Conv2d 3x3, stride 1, padding 1.
 * inp (B,Cin,H,W), weight (Cout,Cin,3,3), bias (Cout) -> out (B,Cout,H,W) */
void ref_conv3x3_forward(float *out, const float *inp, const float *weight, const float *bias,
                         int B, int Cin, int Cout, int H, int W);
void ref_conv3x3_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                          const float *inp, const float *weight, int B, int Cin, int Cout, int H,
                          int W);

/* BatchNorm2d in training mode: statistics over (B,H,W) per channel, biased variance for the
 * normalisation. inp (B,C,HW) -> out (B,C,HW); saves mean (C) and rstd = 1/sqrt(var+eps) (C),
 * and the biased batch variance var (C) for the running-statistics update. */
void ref_batchnorm_forward_train(float *out, float *mean, float *rstd, float *var,
                                 const float *inp, const float *gamma, const float *beta, int B,
                                 int C, int HW, float eps);
/* Eval mode: running statistics. */
void ref_batchnorm_forward_eval(float *out, const float *inp, const float *gamma,
                                const float *beta, const float *running_mean,
                                const float *running_var, int B, int C, int HW, float eps);
/* running = (1-momentum) running + momentum batch, with the unbiased variance var * n/(n-1). */
void ref_batchnorm_update_running(float *running_mean, float *running_var, const float *mean,
                                  const float *var, int C, long n, float momentum);
void ref_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                            const float *inp, const float *mean, const float *rstd,
                            const float *gamma, int B, int C, int HW);

/* ReLU over n values. backward uses the forward output: gradient passes where out > 0. */
void ref_relu_forward(float *out, const float *inp, int n);
void ref_relu_backward(float *dinp, const float *dout, const float *out, int n);

/* MaxPool2d(2): inp (B,C,H,W) -> out (B,C,H/2,W/2). Ties go to the first maximum in row-major
 * order of the window, as PyTorch's CPU kernel does. */
void ref_maxpool2_forward(float *out, const float *inp, int B, int C, int H, int W);
void ref_maxpool2_backward(float *dinp, const float *dout, const float *inp, int B, int C, int H,
                           int W);

/* Linear: inp (B,In), weight (Out,In), bias (Out) -> out (B,Out). */
void ref_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                        int B, int In, int Out);
void ref_linear_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                         const float *inp, const float *weight, int B, int In, int Out);

/* Dropout with a given multiplier mask (0 or 1/(1-p)), see dropout_mask() in engine/augment.h. */
void ref_dropout_forward(float *out, const float *inp, const float *mask, int n);
void ref_dropout_backward(float *dinp, const float *dout, const float *mask, int n);

/* Softmax cross-entropy, mean over the batch. logits (B,C) -> probs (B,C); returns the loss.
 * backward: dlogits = (probs - onehot(label)) / B.
 * With label smoothing eps (PyTorch's CrossEntropyLoss(label_smoothing=eps)), the target is
 * q = (1 - eps) onehot(label) + eps / C: the loss of a row is -sum_c q_c log p_c and the backward
 * (probs - q) / B; eps 0 gives bitwise the plain loss and gradient. */
float ref_softmax_xent_forward(float *probs, const float *logits, const uint8_t *labels, int B,
                               int C);
void ref_softmax_xent_backward(float *dlogits, const float *probs, const uint8_t *labels, int B,
                               int C);
/* The same for B rows of a larger batch of `batch` rows (a chunk, or a process's part): the
 * forward returns the rows' summed loss (unrounded), the backward divides by batch. */
double ref_softmax_xent_sum(float *probs, const float *logits, const uint8_t *labels, int B,
                            int C, float eps);
void ref_softmax_xent_backward_part(float *dlogits, const float *probs, const uint8_t *labels,
                                    int B, int C, int batch, float eps);

#endif
