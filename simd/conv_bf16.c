/* BF16 direct 3x3 convolutions: the packing and the loops around the micro-kernels (see
 * conv_bf16.h). The loops are those of simd/conv.c:
 *   forward:      for each block of conv_bf16_cb output channels, each image, each row, each run
 *                 of conv_bf16_px pixels: one tile; tile sums of BatchNorm's statistics in double
 *   weight grad:  for each block of wgrad_bf16_rows rows of dw (tap, input channel) and
 *                 wgrad_bf16_cb channels: one tile over all S images' pixel pairs
 * The packing is plain C shared by every set, its conversions the set's (bf16_round_row and
 * bf16_pair_row, the same bits on every set), so all of them read the same bf16 operands. */
#include "simd/conv_bf16.h"
#include "simd/isa.h"

enum { MAX_CB = ISA_MAX_CONV_CB };

/* The set whose tiles run: the one in use, or where it has none (AVX2, or an AVX-512 CPU without
 * BF16) the portable emulation, which gives the same bits. Callers that want the speed check
 * conv_bf16_supported first. */
static const IsaDesc *bf16_isa(void) { return isa_bf16_current(); }

int conv_bf16_supported(void) { return isa_has_bf16(isa_current()); }

void bf16_round_floats(const float *x, size_t n, bf16 *out) { bf16_isa()->bf16_round_row(x, n, out); }

void conv3x3_pack_bf16(const float *oihw, int Cout, int Cin, bf16 *packed)
{
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < 9; t++)
                packed[(((ptrdiff_t)t * (Cin / 2) + ci / 2) * Cout + co) * 2 + ci % 2] =
                    bf16_round(oihw[((ptrdiff_t)co * Cin + ci) * 9 + t]);
}

void conv3x3_pack_transposed_bf16(const float *oihw, int Cout, int Cin, bf16 *packed)
{
    /* as conv3x3_pack_transposed: input channels co, output channels ci, tap 8 - t */
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < 9; t++)
                packed[(((ptrdiff_t)(8 - t) * (Cout / 2) + co / 2) * Cin + ci) * 2 + co % 2] =
                    bf16_round(oihw[((ptrdiff_t)co * Cin + ci) * 9 + t]);
}

size_t conv3x3_pixel_pairs_size(const ConvShape *s, int S)
{
    return (size_t)S * (s->H + 2) * 2 * (s->W + 2) * s->Cin;
}

void conv3x3_pack_pixel_pairs(const ConvShape *s, int S, const float *in, bf16 *pairs)
{
    const Bf16PairRow pair_row = bf16_isa()->bf16_pair_row;
    const int H = s->H, W = s->W, C = s->Cin;
    const ptrdiff_t row = (ptrdiff_t)(W + 2) * C;   /* = a row of either half: (W+2)/2 pairs */
    for (ptrdiff_t r = 0; r < (ptrdiff_t)S * (H + 2); r++) {
        /* half 0 pairs columns (2m, 2m+1); half 1, from column 1, (2m+1, 2m+2), W+1 pixels */
        pair_row(in + r * row, C, W + 2, pairs + 2 * r * row);
        pair_row(in + r * row + C, C, W + 1, pairs + (2 * r + 1) * row);
    }
}

void conv3x3_pack_grad_pairs(const ConvShape *s, int S, const float *dy, int dy_padded,
                             bf16 *pairs)
{
    const int H = s->H, W = s->W, C = s->Cout, dw = dy_padded ? W + 2 : W;
    const ptrdiff_t row = (ptrdiff_t)dw * C, img = (dy_padded ? H + 2 : H) * row;
    if (dy_padded) dy += row + C;   /* pixel (0, 0) */
    const Bf16PairRow pair_row = bf16_isa()->bf16_pair_row;
    for (int i = 0; i < S; i++)
        for (int y = 0; y < H; y++)
            pair_row(dy + i * img + y * row, C, W, pairs + ((ptrdiff_t)i * H + y) * W * C);
}

void conv3x3_forward_bf16_channels(const ConvShape *s, int S, const bf16 *in, const bf16 *w,
                                   const float *bias, float *out, const float *shift,
                                   double *stats, int co0, int nco)
{
    const IsaDesc *isa = bf16_isa();
    const int cb = isa->conv_bf16_cb, px = isa->conv_bf16_px, H = s->H, W = s->W, Cin = s->Cin,
              Cout = s->Cout;
    const ptrdiff_t in_row = (ptrdiff_t)(W + 2) * Cin, in_img = (H + 2) * in_row;
    const ptrdiff_t out_img = (ptrdiff_t)H * W * Cout;
    float sums[2 * MAX_CB];
    for (int co = co0; co < co0 + nco; co += cb)
        for (int i = 0; i < S; i++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x += px) {
                    const int n = W - x < px ? W - x : px;
                    isa->conv_bf16_tile(in + i * in_img + y * in_row + (ptrdiff_t)x * Cin, in_row,
                                        Cin, w + 2 * co, Cout, bias ? bias + co : NULL,
                                        out + i * out_img + ((ptrdiff_t)y * W + x) * Cout + co,
                                        Cout, n, stats ? shift + co : NULL, stats ? sums : NULL);
                    if (!stats) continue;
                    for (int c = 0; c < cb; c++) {
                        stats[co + c] += sums[c];
                        stats[Cout + co + c] += sums[cb + c];
                    }
                }
}

void conv3x3_weight_grad_bf16(const ConvShape *s, int S, const bf16 *in_pairs,
                              const bf16 *dy_pairs, float *dw)
{
    const IsaDesc *isa = bf16_isa();
    const int cb = isa->wgrad_bf16_cb, rows = isa->wgrad_bf16_rows, Cin = s->Cin, Cout = s->Cout;
    const ptrdiff_t in_pair = 2 * (ptrdiff_t)Cin, half = (s->W + 2) / 2 * in_pair,
                    in_row = 2 * half, in_img = (s->H + 2) * in_row;
    const ptrdiff_t ldy = 2 * (ptrdiff_t)Cout, dy_row = s->W / 2 * ldy, dy_img = s->H * dy_row;
    const int nrows = 9 * Cin;   /* row r of dw is tap r / Cin, input channel r % Cin */
    ptrdiff_t off[ISA_MAX_WGRAD_ROWS];
    for (int r0 = 0; r0 < nrows; r0 += rows) {
        const int nr = nrows - r0 < rows ? nrows - r0 : rows;
        for (int r = 0; r < nr; r++) {
            const int t = (r0 + r) / Cin, ci = (r0 + r) % Cin, ky = t / 3, kx = t % 3;
            /* output pixels (2m, 2m+1) read input columns (2m+kx, 2m+kx+1): pair m + kx/2 of
             * the half that starts at column kx % 2 */
            off[r] = ky * in_row + (kx % 2) * half + (kx / 2) * in_pair + 2 * ci;
        }
        for (int co = 0; co < Cout; co += cb)
            isa->wgrad_bf16_tile(in_pairs, in_img, in_row, in_pair, off, nr, dy_pairs + 2 * co,
                                 dy_img, dy_row, ldy, S, s->H, s->W / 2,
                                 dw + (ptrdiff_t)r0 * Cout + co, Cout);
    }
}

void conv3x3_forward_bf16_reference(const ConvShape *s, int S, const float *in, const float *w,
                                    const float *bias, float *out)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    for (int i = 0; i < S; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int co = 0; co < Cout; co++) {
                    float acc = bias ? bias[co] : 0.0f;
                    for (int t = 0; t < 9; t++)
                        for (int j = 0; j < Cin / 2; j++) {
                            bf16 a[2], b[2];
                            for (int k = 0; k < 2; k++) {
                                const int ci = 2 * j + k;
                                a[k] = bf16_round(w[((ptrdiff_t)t * Cin + ci) * Cout + co]);
                                b[k] = bf16_round(in[(((ptrdiff_t)i * (H + 2) + y + t / 3) * (W + 2) +
                                                      x + t % 3) * Cin + ci]);
                            }
                            acc = bf16_dot_step(acc, a, b);
                        }
                    out[(((ptrdiff_t)i * H + y) * W + x) * Cout + co] = acc;
                }
}

void conv3x3_weight_grad_bf16_reference(const ConvShape *s, int S, const float *in,
                                        const float *dy, float *dw)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    for (int t = 0; t < 9; t++)
        for (int ci = 0; ci < Cin; ci++)
            for (int co = 0; co < Cout; co++) {
                float acc = 0.0f;
                for (int i = 0; i < S; i++)
                    for (int y = 0; y < H; y++)
                        for (int x = 0; x < W; x += 2) {
                            bf16 a[2], b[2];
                            for (int k = 0; k < 2; k++) {
                                a[k] = bf16_round(in[(((ptrdiff_t)i * (H + 2) + y + t / 3) * (W + 2) +
                                                      x + k + t % 3) * Cin + ci]);
                                b[k] = bf16_round(dy[(((ptrdiff_t)i * H + y) * W + x + k) * Cout + co]);
                            }
                            acc = bf16_dot_step(acc, a, b);
                        }
                dw[((ptrdiff_t)t * Cin + ci) * Cout + co] = acc;
            }
}
