/* The memory-bound passes around the convolutions, on channels-last images (the layout
 * simd/conv.h computes in): BatchNorm applied with ReLU and 2x2 max-pooling in one pass forward,
 * and the mirror passes backward. As for the convolutions, the loops over images and rows are
 * here (simd/pool.c) and the per-row kernels are per instruction set (simd/pool_rows.h, built
 * into each kernel file).
 *
 * Determinism: every operation is per channel, and each channel's sums run over the windows of a
 * row in order (float), rows then added in order (double); vectors only ever hold different
 * channels, and a*b+c is never fused. So the results are the same bits on every instruction set
 * and for any split of the images between calls.
 *
 * A window's winner is kept as one byte: 0..3, its row-major position in the window, the first
 * maximum on ties (as PyTorch). The backward passes use it rather than search again.
 *
 * Channel counts must be multiples of POOL_CHANNEL_STEP and at most POOL_MAX_C; image sizes are
 * even. */
#ifndef MNIST_SIMD_POOL_H
#define MNIST_SIMD_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { POOL_CHANNEL_STEP = 16, POOL_MAX_C = 256 };

/* The tensor a pass pools: S images of H x W pixels of C channels, [S][H][W][C] contiguous.
 * Pooled tensors, winners and winner gradients are [S][H/2][W/2][C] contiguous. */
typedef struct { int S, H, W, C; } PoolShape;

/* Where the images and rows of a channels-last tensor lie, in floats: pixel (s, y, x) at
 * s*img + y*row + x*C. A row's pixels are always contiguous; the images and rows may be farther
 * apart, as in a buffer with a zero rim (the next convolution's input). */
typedef struct { ptrdiff_t img, row; } ImageStrides;

/* [S][H][W][C] contiguous, and the interior of [S][H+2][W+2][C] (pointing at pixel (1, 1)). */
ImageStrides image_strides(int H, int W, int C);
ImageStrides image_strides_padded(int H, int W, int C);

/* out(s, oy, ox, c) = max over the window of relu(in * scale[c] + shift[c])  (pooled size, os);
 * win(s, oy, ox, c) = the winner; win may be NULL (inference). in is [S][H][W][C]. */
void bn_relu_pool_forward(const PoolShape *p, const float *in, const float *scale,
                          const float *shift, float *out, ImageStrides os, uint8_t *win);

/* The same into a padded out (os from image_strides_padded, out at pixel (0, 0), its rim zero),
 * each row then rounded to bfloat16 (simd/conv_bf16.h bf16_round) while it is in cache, into the
 * two layouts conv2's BF16 products read: the padded bf16 image img (out's layout) and the
 * pixel-pair input pairs [S][OH+2][2][(OW+2)/2][C][2] (simd/conv_bf16.h; OW even). Their rims are
 * not written (zero from the caller). On the BF16 members of isa_bf16_current: the same bits. */
void bn_relu_pool_forward_and_bf16(const PoolShape *p, const float *in, const float *scale,
                                   const float *shift, float *out, ImageStrides os, uint8_t *win,
                                   uint16_t *img, uint16_t *pairs);

/* Backward of max-pool and ReLU, with the first half of BatchNorm's backward:
 *   dq(s, oy, ox, c) = dout there if out there is > 0 (ReLU passed it), else 0: the gradient of
 *                      BatchNorm's output at the window's winner, the only non-zero one;
 *   sums[c] += sum of dq, sums[C + c] += sum of dq * (x at the winner - mean[c]).
 * dout (layout ds) and out (layout os) are pooled size; x, BatchNorm's input, [S][H][W][C]. */
void relu_pool_backward_bn_sums(const PoolShape *p, const float *dout, ImageStrides ds,
                                const float *out, ImageStrides os, const uint8_t *win,
                                const float *x, const float *mean, float *dq, double *sums);

/* BatchNorm's backward as per-channel coefficients: dx = k_dy*dy + k_x*(x - mean) + k_0. */
typedef struct BnBackward { const float *k_dy, *k_x, *k_0, *mean; } BnBackward;

/* The second half, spreading the winners' gradients back over their windows (dy = dq at the
 * winner, 0 elsewhere):
 *   dx(s, y, x, c) = k_dy*dy + k_x*(x - mean) + k_0        (full size, layout xs)
 *   sum_dx[c] += sum of dx: the gradient of a bias added before BatchNorm.
 * x is BatchNorm's input [S][H][W][C]; dq and win as the passes above wrote them. */
void unpool_bn_backward_sum_dx(const PoolShape *p, const float *dq, const uint8_t *win,
                               const float *x, const BnBackward *bn, float *dx, ImageStrides xs,
                               double *sum_dx);

/* The same with dx rounded to bfloat16 (simd/conv_bf16.h bf16_round) where it is made, for conv2's
 * BF16 gradients, instead of stored as floats: into the bf16 image dx_img (layout xs, what lies
 * outside the pixels untouched: a zero rim stays) and the pixel-pair gradient dx_pairs
 * [S][H][W/2][C][2] (pixels (y, 2m) and (y, 2m+1) interleaved per channel); sum_dx the same as
 * unpool_bn_backward_sum_dx's, bit for bit. On the set in use where it has BF16 members, else the
 * portable emulation (simd/isa.h isa_bf16_current): the same bits. */
void unpool_bn_backward_sum_dx_bf16_image_pairs(const PoolShape *p, const float *dq,
                                                const uint8_t *win, const float *x,
                                                const BnBackward *bn, uint16_t *dx_img,
                                                ImageStrides xs, uint16_t *dx_pairs,
                                                double *sum_dx);

#ifdef __cplusplus
}
#endif

#endif
