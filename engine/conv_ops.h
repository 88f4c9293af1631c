/* The memory-bound pieces around the convolution GEMMs, on the engine's chunk layout
 * [C][S][H*W] (channel-major over a chunk of S samples, so one GEMM covers the whole chunk and a
 * BatchNorm channel is one contiguous run). Strides are explicit where a pass writes into another
 * layout (pool 2 writes straight into fc1's sample-major input). */
#ifndef MNIST_ENGINE_CONV_OPS_H
#define MNIST_ENGINE_CONV_OPS_H

#include <stddef.h>
#include <stdint.h>

/* 3x3 pad 1 patches: in [Cin][S][H][W] -> col [Cin*9][S*H*W], row ci*9 + ky*3 + kx (the OIHW
 * weight order), zero outside the image. */
void im2col3x3(float *col, const float *in, int Cin, int S, int H, int W);
/* The adjoint: din [Cin][S][H][W] = sum of dcol entries over the patches (overwrites din). */
void col2im3x3(float *din, const float *dcol, int Cin, int S, int H, int W);

/* Per-channel mean and sum of squared deviations (M2) of x [C][n], in double: the chunk's part of
 * the batch statistics, merged in chunk order with bn_merge_stats. */
void bn_chunk_stats(double *mean, double *m2, const float *x, int C, size_t n);
/* Chan et al.'s merge of (count_b, mean_b, m2_b) into (count_a, mean_a, m2_a). */
void bn_merge_stats(double *count_a, double *mean_a, double *m2_a, double count_b, double mean_b,
                    double m2_b);

/* Strided view of a [C][S][plane] tensor: element (c, s, i) lives at c*cs + s*ss + i. */
typedef struct { size_t cs, ss; } Strides;

/* Fused BatchNorm apply + ReLU + 2x2 max-pool:
 *   out(c,s,o) = max over the window of relu(in(c,s,i) * scale[c] + shift[c])
 * arg(c,s,o) records which of the 4 window positions won, as 0.0f..3.0f (first maximum, as
 * PyTorch; float so the pass vectorises as one all-float loop). out and arg
 * share the layout `os`; in has layout `is` with H*W planes. arg may be NULL (inference: no
 * backward to come). */
void bn_relu_pool_forward(float *out, float *arg, const float *in, const float *scale,
                          const float *shift, int C, int S, int H, int W, Strides is, Strides os);
/* Same without pooling, for feature maps: out = relu(in * scale + shift), both [C][n]. */
void bn_relu_forward(float *out, const float *in, const float *scale, const float *shift, int C,
                     size_t n);

/* Backward of the above up to BatchNorm's output, with the first half of BatchNorm's backward:
 *   dy(c,s,i) = dout(c,s,o) at the window's winning position if the pooled value was positive
 *               (ReLU passed), else 0;
 *   sum_dy[c] = sum of dy, sum_dy_xhat[c] = sum of dy * xhat, xhat = (x - mean) * rstd
 * (this chunk's part, in double; merged by adding in chunk order). dy and x (BatchNorm's input)
 * have layout `is` (full planes; dy overwritten, and it may be x itself); dout, out and arg have
 * layout `os`. */
void relu_pool_backward_bn_sums(float *dy, double *sum_dy, double *sum_dy_xhat, const float *dout,
                        const float *out, const float *arg, const float *x, const float *mean,
                        const float *rstd, int C, int S, int H, int W, Strides is, Strides os);

/* Second half: dx = gamma*rstd*(dy - mean_dy - xhat*mean_dy_xhat), in place over dy [C][n]
 * (mean_* are the batch-wide sums divided by the batch-wide count); sum_dx[c] gets the sum of
 * the channel's dx, which is the gradient of a bias added before BatchNorm. */
void bn_backward_apply_sum_dx(float *dy, double *sum_dx, const float *x, const float *mean,
                       const float *rstd, const float *gamma, const float *mean_dy,
                       const float *mean_dy_xhat, int C, size_t n);

#endif
