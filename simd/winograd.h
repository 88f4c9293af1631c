/* Winograd F(2x2, 3x3) for the 3x3 convolutions (stride 1, padding 1) of even-sized channels-last
 * images: the reduced-operation path. Each 2x2 block of outputs ("tile") comes from the 4x4 block
 * of inputs around it, through 16 independent products over the channels instead of 36 per tile,
 * 2.25x fewer multiplications (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
 * 2016):
 *
 *   U = G g G^T          the weights, once per step            [16][Cin][Cout]
 *   V = B^T d B          each input tile                       [16][tiles][Cin]
 *   M = V U              16 dense products (simd/dense.h)      [16][tiles][Cout]
 *   Y = A^T M A          each output tile, + bias
 *
 * and for the weight gradient (the adjoint of the above in g):
 *
 *   Z  = A dY A^T        each output-gradient tile             [16][tiles][Cout]
 *   dU = V^T Z           16 outer-product sums over the tiles  [16][Cin][Cout]
 *   dg = G^T dU G        once, after the chunks' dU are summed
 *
 * The input gradient is a forward convolution of the padded output gradient with the transposed
 * weights (as for the direct path, simd/conv.h). The transforms' row kernels are per instruction
 * set (simd/winograd_rows.h), the products the dense tiles. Same layouts and contracts as
 * simd/conv.h; H and W even; Cin and Cout multiples of DENSE_COL_STEP (each is the output width
 * of one of the products) and at most WINO_MAX_C. Results are in float like the direct path's
 * but not the same bits: a different sum; the same for any split of the images between calls and
 * any thread count. */
#ifndef MNIST_SIMD_WINOGRAD_H
#define MNIST_SIMD_WINOGRAD_H

#include "simd/conv.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { WINO_POINTS = 16 };   /* 4 x 4 transformed points */
enum { WINO_MAX_C = 512 };   /* the most channels in or out (rows of them live on the stack) */

/* Floats of transformed weights: WINO_POINTS * Cin * Cout. */
size_t winograd_weights_floats(int Cin, int Cout);
/* Floats of scratch winograd_forward and winograd_weight_grad need for S images of shape s. */
size_t winograd_scratch_floats(const ConvShape *s, int S);

/* OIHW weights [Cout][Cin][3][3] into U [16][Cin][Cout]; and for the input gradient, the
 * transposed convolution's (Cin and Cout swapped, taps reversed) into [16][Cout][Cin]. */
void winograd_pack(const float *oihw, int Cout, int Cin, float *U);
void winograd_pack_transposed(const float *oihw, int Cout, int Cin, float *U);

/* conv3x3_forward's contract (in padded, out not; bias may be NULL; with stats, BatchNorm's sums
 * of (out - shift) and its square added in double) on the packed U. */
void winograd_forward(const ConvShape *s, int S, const float *in, const float *U, const float *bias,
                      float *out, const float *shift, double *stats, float *scratch);

/* The weight gradient in the transformed domain, dU [16][Cin][Cout] (overwritten), from the padded
 * input and the padded output gradient; dU of several calls add, and winograd_unpack_grad turns
 * the sum into OIHW. */
void winograd_weight_grad(const ConvShape *s, int S, const float *in, const float *dy_padded,
                          float *dU, float *scratch);
void winograd_unpack_grad(const float *dU, int Cout, int Cin, float *oihw);

#ifdef __cplusplus
}
#endif

#endif
