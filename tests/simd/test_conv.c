/* simd/conv.h on every instruction set this CPU runs, against the plain loops: forward
 * convolutions with and without bias and BatchNorm sums, weight gradients, and input gradients
 * through the transposed packing, on the model's shapes and on awkward ones (rows that do not
 * fill a tile, one input channel, one pixel). Also the thread-independence the engine relies on:
 * splitting images across calls gives the same bits. */
#include "simd/conv.h"
#include "simd/isa.h"
#include "tests/check.h"
#include "tests/simd/random_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A padded image set with random pixels and a zero rim. */
static float *padded(int S, int H, int W, int C)
{
    float *p = buf((size_t)S * (H + 2) * (W + 2) * C);
    for (int i = 0; i < S; i++)
        for (int y = 1; y <= H; y++)
            for (int x = 1; x <= W; x++)
                for (int c = 0; c < C; c++)
                    p[(((size_t)i * (H + 2) + y) * (W + 2) + x) * C + c] = rnd();
    return p;
}

static const ConvShape shapes[] = {
    {28, 28, 1, 32}, {14, 14, 32, 64}, {14, 14, 64, 32}, {5, 7, 3, 32}, {3, 17, 5, 64},
    {1, 1, 1, 32},   {2, 9, 33, 96},
};

/* Whether conv's BatchNorm sums (stats: Cout sums of y - shift, then Cout of its square) match
 * those of the reference output ref (npix pixels of Cout channels). */
static int stats_match(const float *ref, size_t npix, int Cout, const float *shift,
                       const double *stats)
{
    int ok = 1;
    for (int c = 0; c < Cout; c++) {
        double s1 = 0, s2 = 0;
        for (size_t p = 0; p < npix; p++) {
            double d = (double)ref[p * Cout + c] - shift[c];
            s1 += d;
            s2 += d * d;
        }
        ok &= fabs(stats[c] - s1) <= 1e-4 * (fabs(s2) + 1) && fabs(stats[Cout + c] - s2) <= 1e-4 * s2 + 1e-6;
    }
    return ok;
}

/* The input gradient in double from PyTorch-layout weights oihw [Cout][Cin][3][3] and the output
 * gradient dy (channels-last, no rim) into din (channels-last). */
static void input_grad_reference(const ConvShape *s, int S, const float *oihw, const float *dy,
                                 float *din)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    for (int i = 0; i < S; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int ci = 0; ci < Cin; ci++) {
                    double acc = 0;
                    for (int co = 0; co < Cout; co++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int yy = y + 1 - ky, xx = x + 1 - kx;
                                if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                                acc += (double)oihw[((size_t)co * Cin + ci) * 9 + ky * 3 + kx] *
                                       dy[(((size_t)i * H + yy) * W + xx) * Cout + co];
                            }
                    din[(((size_t)i * H + y) * W + x) * Cin + ci] = (float)acc;
                }
}

static void one_shape(const IsaDesc *isa, const ConvShape *s, int S)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    const size_t nout = (size_t)S * H * W * Cout, nw = 9 * (size_t)Cin * Cout;
    float *in = padded(S, H, W, Cin), *w = buf(nw), *bias = buf((size_t)Cout), *shift = buf((size_t)Cout);
    for (size_t i = 0; i < nw; i++) w[i] = rnd();
    for (int c = 0; c < Cout; c++) bias[c] = rnd(), shift[c] = rnd() * 0.1f;
    float *out = buf(nout), *ref = buf(nout);
    double *stats = calloc(2 * (size_t)Cout, sizeof(double));
    char what[96];
    snprintf(what, sizeof what, "%s %dx%d %d->%d S=%d", isa->name, H, W, Cin, Cout, S);

    /* forward, with the BatchNorm sums */
    conv3x3_forward(s, S, in, w, bias, out, shift, stats);
    conv3x3_forward_reference(s, S, in, w, bias, ref);
    CHECK(close_all(what, out, ref, nout, 1e-5), "%s: forward differs", what);
    CHECK(stats_match(ref, nout / Cout, Cout, shift, stats), "%s: BatchNorm sums differ", what);

    /* without bias: the same minus the bias */
    conv3x3_forward(s, S, in, w, NULL, out, NULL, NULL);
    for (size_t i = 0; i < nout; i++) ref[i] -= bias[i % Cout];
    CHECK(close_all(what, out, ref, nout, 1e-5), "%s: forward without bias differs", what);

    /* images one call at a time: the same bits as all at once */
    float *one = buf(nout);
    for (int i = 0; i < S; i++)
        conv3x3_forward(s, 1, in + (size_t)i * (H + 2) * (W + 2) * Cin, w, NULL,
                        one + (size_t)i * H * W * Cout, NULL, NULL);
    CHECK(memcmp(one, out, nout * sizeof(float)) == 0, "%s: splitting images changed bits", what);
    if (Cout % (2 * CONV_CHANNEL_STEP) == 0) {
        memset(one, 0, nout * sizeof(float));
        conv3x3_forward_channels(s, S, in, w, NULL, one, NULL, NULL, 0, Cout / 2);
        conv3x3_forward_channels(s, S, in, w, NULL, one, NULL, NULL, Cout / 2, Cout / 2);
        CHECK(memcmp(one, out, nout * sizeof(float)) == 0, "%s: splitting channels changed bits",
              what);
    }

    /* weight gradient */
    float *dy = buf(nout), *dw = buf(nw), *dwref = buf(nw);
    for (size_t i = 0; i < nout; i++) dy[i] = rnd();
    conv3x3_weight_grad(s, S, in, dy, 0, dw);
    conv3x3_weight_grad_reference(s, S, in, dy, dwref);
    CHECK(close_all(what, dw, dwref, nw, 1e-4), "%s: weight gradient differs", what);

    /* input gradient: forward of the padded output gradient with the transposed packing */
    float *oihw = buf(nw), *wt = buf(nw), *dy_pad = buf((size_t)S * (H + 2) * (W + 2) * Cout);
    conv3x3_unpack(w, Cout, Cin, oihw);
    float *back = buf(nw);
    conv3x3_pack(oihw, Cout, Cin, back);
    CHECK(memcmp(back, w, nw * sizeof(float)) == 0, "%s: pack(unpack) is not the identity", what);
    conv3x3_pack_transposed(oihw, Cout, Cin, wt);
    for (int i = 0; i < S; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                memcpy(dy_pad + (((size_t)i * (H + 2) + y + 1) * (W + 2) + x + 1) * Cout,
                       dy + (((size_t)i * H + y) * W + x) * Cout, sizeof(float) * Cout);
    /* the weight gradient from the padded gradient: the same bits */
    float *dw_pad = buf(nw);
    conv3x3_weight_grad(s, S, in, dy_pad, 1, dw_pad);
    CHECK(memcmp(dw_pad, dw, nw * sizeof(float)) == 0, "%s: padded gradient changed bits", what);
    free(dw_pad);
    if (Cin % CONV_CHANNEL_STEP == 0) {
        ConvShape t = {H, W, Cout, Cin};
        size_t nin = (size_t)S * H * W * Cin;
        float *din = buf(nin), *dinref = buf(nin);
        conv3x3_forward(&t, S, dy_pad, wt, NULL, din, NULL, NULL);
        input_grad_reference(s, S, oihw, dy, dinref);
        CHECK(close_all(what, din, dinref, nin, 1e-5), "%s: input gradient differs", what);
        free(din);
        free(dinref);
    }
    free(in), free(w), free(bias), free(shift), free(out), free(ref), free(stats), free(one);
    free(dy), free(dw), free(dwref), free(oihw), free(wt), free(dy_pad), free(back);
}

static void all_shapes(const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        printf("# %s not supported here: nothing to test\n", isa->name);
        return;
    }
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        for (int S = 1; S <= 3; S += 2)
            if (shapes[k].Cout % CONV_CHANNEL_STEP == 0) one_shape(isa, &shapes[k], S);
}

int main(void)
{
    for (int i = 0; isa_list[i]; i++) {
        char name[64];
        snprintf(name, sizeof name, "direct convolution = plain loops, %s", isa_list[i]->name);
        RUN_AS(name, all_shapes(isa_list[i]));
    }
    return check_done();
}
