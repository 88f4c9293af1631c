/* Direct 3x3 convolutions (stride 1, padding 1) on channels-last images, the layout the engine
 * keeps its activations in: BLIS-style, the blocking loops are here (simd/conv.c) and the register
 * micro-kernels are per instruction set (simd/isa.h). Nothing is packed: the input is read where
 * it lies, with a zero rim of one pixel around each image so that no tap needs a bounds check.
 *
 * Layouts (all float, row-major):
 *   image         H x W pixels of C channels: [H][W][C]
 *   padded image  [H+2][W+2][C] with the rim zero; pixel (y, x) of the image at (y+1, x+1)
 *   weights       "forward-packed": [9][Cin][Cout], tap t = ky*3 + kx
 * S images follow each other; a padded image is (H+2)*(W+2)*C floats, an image H*W*C.
 *
 * Determinism: every output value is accumulated in one fixed order (taps 0..8, then input
 * channels in order; a weight gradient over images, rows and pixels in order), whatever the
 * caller splits, so the results depend only on the instruction set.
 *
 * Channel counts must be multiples of CONV_CHANNEL_STEP. */
#ifndef MNIST_SIMD_CONV_H
#define MNIST_SIMD_CONV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { CONV_CHANNEL_STEP = 32 };

typedef struct {
    int H, W;        /* image size (output = input size) */
    int Cin, Cout;   /* Cin: any (>= 1); Cout: a multiple of CONV_CHANNEL_STEP */
} ConvShape;

/* out[s][y][x][co] = bias[co] + sum_t sum_ci w[t][ci][co] * in[s][y+ky][x+kx][ci] for S padded
 * input images; out has S unpadded images (out_img floats apart, pixel stride Cout).
 * With stats (not NULL): stats[co] += sum of (out - shift[co]) and stats[Cout + co] += sum of its
 * square over the S images, in double: BatchNorm's statistics gathered as the values are made. */
void conv3x3_forward(const ConvShape *s, int S, const float *in, const float *w, const float *bias,
                     float *out, const float *shift, double *stats);
/* The same for the output channels [co0, co0 + nco) only (multiples of CONV_CHANNEL_STEP): a
 * split of the channels between threads gives the same bits as the whole. */
void conv3x3_forward_channels(const ConvShape *s, int S, const float *in, const float *w,
                              const float *bias, float *out, const float *shift, double *stats,
                              int co0, int nco);

/* dw[t][ci][co] = sum over the S images and their pixels of in[s][y+ky][x+kx][ci] * dy[s][y][x][co]
 * (overwritten); in padded; dy padded when dy_padded (the layout the input gradient's convolution
 * reads, so one buffer serves both), else not. */
void conv3x3_weight_grad(const ConvShape *s, int S, const float *in, const float *dy, int dy_padded,
                         float *dw);

/* PyTorch's OIHW weights [Cout][Cin][3][3] into forward-packed [9][Cin][Cout]. */
void conv3x3_pack(const float *oihw, int Cout, int Cin, float *packed);
/* The same weights for the input gradient: the gradient of the input is the forward convolution
 * of the padded output gradient with these, [9][Cout][Cin], taps reversed. */
void conv3x3_pack_transposed(const float *oihw, int Cout, int Cin, float *packed);
/* A forward-packed weight gradient [9][Cin][Cout] into OIHW. */
void conv3x3_unpack(const float *packed, int Cout, int Cin, float *oihw);

/* The plain loops with the same contract (unpadded layout handled the same way): the spec the
 * kernels are tested against. */
void conv3x3_forward_reference(const ConvShape *s, int S, const float *in, const float *w,
                               const float *bias, float *out);
void conv3x3_weight_grad_reference(const ConvShape *s, int S, const float *in, const float *dy,
                                   float *dw);

#ifdef __cplusplus
}
#endif

#endif
