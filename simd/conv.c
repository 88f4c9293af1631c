/* Direct 3x3 convolutions: the loops around the micro-kernels (see conv.h).
 *
 *   forward:      for each block of conv_cb output channels (its weights, 9 x Cin x cb floats,
 *                 stay in L1 while it is used), each image, each row, each run of conv_px
 *                 pixels: one tile; tile sums of BatchNorm's statistics added up in double
 *   weight grad:  for each block of wgrad_cb channels and wgrad_rows rows of dw (tap, input
 *                 channel pairs): one tile over all S images, so dw is written once */
#include "simd/conv.h"
#include "simd/isa.h"

#include <string.h>

enum { MAX_CB = ISA_MAX_CONV_CB };   /* the widest channel block of any kernel: tile sums */

void conv3x3_forward(const ConvShape *s, int S, const float *in, const float *w, const float *bias,
                     float *out, const float *shift, double *stats)
{
    conv3x3_forward_channels(s, S, in, w, bias, out, shift, stats, 0, s->Cout);
}

void conv3x3_forward_channels(const ConvShape *s, int S, const float *in, const float *w,
                              const float *bias, float *out, const float *shift, double *stats,
                              int co0, int nco)
{
    const IsaDesc *isa = isa_current();
    const int cb = isa->conv_cb, px = isa->conv_px, H = s->H, W = s->W, Cin = s->Cin,
              Cout = s->Cout;
    const ptrdiff_t in_row = (ptrdiff_t)(W + 2) * Cin, in_img = (ptrdiff_t)(H + 2) * in_row;
    const ptrdiff_t out_img = (ptrdiff_t)H * W * Cout;
    float sums[2 * MAX_CB];
    for (int co = co0; co < co0 + nco; co += cb)
        for (int i = 0; i < S; i++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x += px) {
                    const int n = W - x < px ? W - x : px;
                    isa->conv_tile(in + i * in_img + y * in_row + (ptrdiff_t)x * Cin, in_row, Cin,
                                   w + co, Cout, bias ? bias + co : NULL,
                                   out + i * out_img + ((ptrdiff_t)y * W + x) * Cout + co, Cout, n,
                                   stats ? shift + co : NULL, stats ? sums : NULL);
                    if (!stats) continue;
                    for (int c = 0; c < cb; c++) {
                        stats[co + c] += sums[c];
                        stats[Cout + co + c] += sums[cb + c];
                    }
                }
}

void conv3x3_weight_grad(const ConvShape *s, int S, const float *in, const float *dy, int dy_padded,
                         float *dw)
{
    const IsaDesc *isa = isa_current();
    const int cb = isa->wgrad_cb, rows = isa->wgrad_rows, Cin = s->Cin, Cout = s->Cout;
    const ptrdiff_t in_row = (ptrdiff_t)(s->W + 2) * Cin, in_img = (ptrdiff_t)(s->H + 2) * in_row;
    const int dy_w = dy_padded ? s->W + 2 : s->W;
    const ptrdiff_t dy_row = (ptrdiff_t)dy_w * Cout, dy_img = (dy_padded ? s->H + 2 : s->H) * dy_row;
    if (dy_padded) dy += dy_row + Cout;   /* pixel (0, 0) */
    const int nrows = 9 * Cin;   /* row r of dw is tap r / Cin, input channel r % Cin */
    ptrdiff_t off[ISA_MAX_WGRAD_ROWS];
    for (int r0 = 0; r0 < nrows; r0 += rows) {
        const int nr = nrows - r0 < rows ? nrows - r0 : rows;
        for (int r = 0; r < nr; r++) {
            const int t = (r0 + r) / Cin, ci = (r0 + r) % Cin;
            off[r] = (t / 3) * in_row + (t % 3) * Cin + ci;
        }
        for (int co = 0; co < Cout; co += cb)
            isa->wgrad_tile(in, in_img, in_row, Cin, off, nr, dy + co, dy_img, dy_row, Cout, S, s->H, s->W,
                            dw + (ptrdiff_t)r0 * Cout + co, Cout);
    }
}

void conv3x3_pack(const float *oihw, int Cout, int Cin, float *packed)
{
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < 9; t++)
                packed[((ptrdiff_t)t * Cin + ci) * Cout + co] = oihw[((ptrdiff_t)co * Cin + ci) * 9 + t];
}

void conv3x3_pack_transposed(const float *oihw, int Cout, int Cin, float *packed)
{
    /* d_in[y][x][ci] = sum w[co][ci][ky][kx] * d_out[y+1-ky][x+1-kx][co]: in the padded gradient
     * that is tap 8 - t of a forward convolution with input channels co, output channels ci */
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < 9; t++)
                packed[((ptrdiff_t)(8 - t) * Cout + co) * Cin + ci] = oihw[((ptrdiff_t)co * Cin + ci) * 9 + t];
}

void conv3x3_unpack(const float *packed, int Cout, int Cin, float *oihw)
{
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < 9; t++)
                oihw[((ptrdiff_t)co * Cin + ci) * 9 + t] = packed[((ptrdiff_t)t * Cin + ci) * Cout + co];
}

void conv3x3_forward_reference(const ConvShape *s, int S, const float *in, const float *w,
                               const float *bias, float *out)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    for (int i = 0; i < S; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int co = 0; co < Cout; co++) {
                    float acc = bias ? bias[co] : 0.0f;
                    for (int t = 0; t < 9; t++)
                        for (int ci = 0; ci < Cin; ci++)
                            acc += w[((ptrdiff_t)t * Cin + ci) * Cout + co] *
                                   in[(((ptrdiff_t)i * (H + 2) + y + t / 3) * (W + 2) + x + t % 3) * Cin + ci];
                    out[(((ptrdiff_t)i * H + y) * W + x) * Cout + co] = acc;
                }
}

void conv3x3_weight_grad_reference(const ConvShape *s, int S, const float *in, const float *dy,
                                   float *dw)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    memset(dw, 0, sizeof(float) * 9 * (size_t)Cin * Cout);
    for (int i = 0; i < S; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int t = 0; t < 9; t++)
                    for (int ci = 0; ci < Cin; ci++) {
                        float v = in[(((ptrdiff_t)i * (H + 2) + y + t / 3) * (W + 2) + x + t % 3) * Cin + ci];
                        for (int co = 0; co < Cout; co++)
                            dw[((ptrdiff_t)t * Cin + ci) * Cout + co] +=
                                v * dy[(((ptrdiff_t)i * H + y) * W + x) * Cout + co];
                    }
}
