/* Direct 3x3 convolutions (stride 1, padding 1) with BF16 products and FP32 sums: the contracts
 * of simd/conv.h with every operand rounded to bfloat16 (the top 16 bits of a float, rounded to
 * nearest even) and multiply-accumulated in float. BLIS-style like simd/conv.c: the packing and
 * the blocking loops are here (simd/conv_bf16.c), the register micro-kernels per instruction set
 * (simd/isa.h, the conv_bf16 and wgrad_bf16 tiles).
 *
 * The products consume pairs of bf16 along the reduction, as AVX-512 BF16's vdpbf16ps does:
 *   acc += a[2i+1] * b[2i+1];  acc += a[2i] * b[2i]     (each add rounded to float, in that order)
 * with denormal operands, products and sums flushed to zero (bf16_dot_step). Measured on AMD
 * Zen 5: vdpbf16ps gives bitwise these sums (3.2 million random lanes, none different; adding the
 * even product first, or both products at once, differs in about 6% of lanes), and flushes
 * denormals as Intel documents. So every set gives the same bits, and the plain loops below are
 * the exact spec.
 *
 * Layouts (bf16 = uint16_t):
 *   bf16 image          the padded channels-last image of simd/conv.h, rounded: [H+2][W+2][C];
 *                       its channel pairs (2j, 2j+1) are adjacent, the pairs the forward reduces
 *   pair-packed weights [9][Cin/2][Cout][2]: weight (tap t, input channels 2j+k, output c) at
 *                       ((t*Cin/2 + j)*Cout + c)*2 + k
 *   pixel-pair input    for the weight gradient, whose reduction is over pixels: the padded input
 *                       with horizontally adjacent pixels interleaved, two ways:
 *                       [H+2][2][(W+2)/2][C][2]: half 0 pairs columns (2m, 2m+1), half 1 pairs
 *                       columns (2m+1, 2m+2) (the last column's partner zero), so that every tap
 *                       of an output pair (2m, 2m+1) is one pair of one half
 *   pixel-pair gradient the unpadded output gradient with pixels (y, 2m) and (y, 2m+1)
 *                       interleaved per channel: [H][W/2][Cout][2]
 * Cin even; W even for the weight gradient; Cout a multiple of CONV_CHANNEL_STEP.
 *
 * Determinism: each output is summed in one fixed order (taps, then channel pairs; a weight
 * gradient over images, rows and pixel pairs), whatever the caller splits. */
#ifndef MNIST_SIMD_CONV_BF16_H
#define MNIST_SIMD_CONV_BF16_H

#include "simd/conv.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint16_t bf16;

/* f rounded to the nearest bfloat16, ties to even; denormals to (signed) zero, as the BF16
 * instructions read them; NaN stays a (quiet) NaN. */
static inline bf16 bf16_round(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7f800000u) == 0) return (bf16)((u >> 16) & 0x8000u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (bf16)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (bf16)(u >> 16);
}

static inline float bf16_to_float(bf16 h)
{
    const uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* x, or zero of its sign where it is denormal: the flush of vdpbf16ps's products and sums. */
static inline float bf16_flush(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7f800000u) == 0) u &= 0x80000000u;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* One pair of one vdpbf16ps lane: acc + a1*b1, then + a0*b0, each rounded and flushed. */
static inline float bf16_dot_step(float acc, const bf16 *a, const bf16 *b)
{
    acc = bf16_flush(bf16_flush(acc) + bf16_flush(bf16_to_float(a[1]) * bf16_to_float(b[1])));
    return bf16_flush(acc + bf16_flush(bf16_to_float(a[0]) * bf16_to_float(b[0])));
}

/* ---- packing (portable: the same bits on every set) ---- */

/* n floats rounded (a padded image keeps its zero rim). */
void bf16_round_floats(const float *x, size_t n, bf16 *out);
/* PyTorch's OIHW weights [Cout][Cin][3][3] into pair-packed [9][Cin/2][Cout][2]. */
void conv3x3_pack_bf16(const float *oihw, int Cout, int Cin, bf16 *packed);
/* The same for the input gradient (simd/conv.h conv3x3_pack_transposed): [9][Cout/2][Cin][2],
 * taps reversed. */
void conv3x3_pack_transposed_bf16(const float *oihw, int Cout, int Cin, bf16 *packed);
/* S padded float images [H+2][W+2][Cin] into the pixel-pair input. */
void conv3x3_pack_pixel_pairs(const ConvShape *s, int S, const float *in, bf16 *pairs);
/* S output gradients [H][W][Cout] (padded [H+2][W+2][Cout] when dy_padded) into the pixel-pair
 * gradient. */
void conv3x3_pack_grad_pairs(const ConvShape *s, int S, const float *dy, int dy_padded,
                             bf16 *pairs);
/* Elements of the pixel-pair input of S images. */
size_t conv3x3_pixel_pairs_size(const ConvShape *s, int S);

/* ---- the products ---- */

/* conv3x3_forward_channels (simd/conv.h) on a bf16 image and pair-packed weights. */
void conv3x3_forward_bf16_channels(const ConvShape *s, int S, const bf16 *in, const bf16 *w,
                                   const float *bias, float *out, const float *shift,
                                   double *stats, int co0, int nco);
/* dw[t][ci][co] (forward-packed float, overwritten) from the pixel-pair input and gradient. */
void conv3x3_weight_grad_bf16(const ConvShape *s, int S, const bf16 *in_pairs,
                              const bf16 *dy_pairs, float *dw);

/* Whether the set in use has BF16 tiles this CPU runs (the portable set's emulation counts). */
int conv_bf16_supported(void);

/* The plain loops: float operands in simd/conv.h's layouts (in padded, w forward-packed, dy
 * unpadded), each rounded with bf16_round, summed with bf16_dot_step in the order above. */
void conv3x3_forward_bf16_reference(const ConvShape *s, int S, const float *in, const float *w,
                                    const float *bias, float *out);
void conv3x3_weight_grad_bf16_reference(const ConvShape *s, int S, const float *in,
                                        const float *dy, float *dw);

#ifdef __cplusplus
}
#endif

#endif
