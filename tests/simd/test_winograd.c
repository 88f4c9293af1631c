/* simd/winograd.h on every instruction set this CPU runs, against the plain loops of the direct
 * convolution (simd/conv.h): forward with and without bias and with BatchNorm sums, the input
 * gradient through the transposed packing, the weight gradient through the transform and back;
 * on conv2's shapes and awkward ones (one tile, rectangles, channel counts that are not powers of
 * two). Also what the engine relies on: splitting images across calls gives the same bits. */
#include "simd/conv.h"
#include "simd/isa.h"
#include "simd/winograd.h"
#include "tests/check.h"
#include "tests/simd/random_data.h"

#include <string.h>

static const ConvShape shapes[] = {
    {14, 14, 32, 64}, {14, 14, 64, 32}, {6, 8, 32, 32}, {2, 2, 32, 64}, {4, 10, 64, 96},
};

/* S padded images of random pixels with a zero rim */
static float *padded(int S, int H, int W, int C)
{
    float *p = buf((size_t)S * (H + 2) * (W + 2) * C);
    for (int i = 0; i < S; i++)
        for (int y = 1; y <= H; y++)
            for (int x = 1; x <= W; x++)
                for (int c = 0; c < C; c++) p[(((size_t)i * (H + 2) + y) * (W + 2) + x) * C + c] = rnd();
    return p;
}

/* the interior of a padded set, unpadded */
static void unpad(const float *p, int S, int H, int W, int C, float *out)
{
    for (int i = 0; i < S; i++)
        for (int y = 0; y < H; y++)
            memcpy(out + (((size_t)i * H + y) * W) * C,
                   p + (((size_t)i * (H + 2) + y + 1) * (W + 2) + 1) * C, sizeof(float) * W * C);
}

static void one_shape(const IsaDesc *isa, const ConvShape *s, int S)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    const size_t nout = (size_t)S * H * W * Cout, nin = (size_t)S * H * W * Cin;
    const size_t nw = 9 * (size_t)Cin * Cout, nu = winograd_weights_floats(Cin, Cout);
    float *in = padded(S, H, W, Cin), *oihw = buf(nw), *w = buf(nw), *U = buf(nu);
    float *bias = buf((size_t)Cout), *shift = buf((size_t)Cout), *out = buf(nout), *ref = buf(nout);
    float *scratch = buf(winograd_scratch_floats(s, S));
    double *stats = calloc(2 * (size_t)Cout, sizeof(double));
    for (size_t i = 0; i < nw; i++) oihw[i] = rnd();
    for (int c = 0; c < Cout; c++) bias[c] = rnd(), shift[c] = rnd() * 0.1f;
    char what[96];
    snprintf(what, sizeof what, "%s %dx%d %d->%d S=%d", isa->name, H, W, Cin, Cout, S);

    /* forward, with the BatchNorm sums */
    conv3x3_pack(oihw, Cout, Cin, w);
    winograd_pack(oihw, Cout, Cin, U);
    winograd_forward(s, S, in, U, bias, out, shift, stats, scratch);
    conv3x3_forward_reference(s, S, in, w, bias, ref);
    CHECK(close_all(what, out, ref, nout, 1e-5), "%s: forward differs", what);
    int stats_ok = 1;
    for (int c = 0; c < Cout; c++) {
        double s1 = 0, s2 = 0;
        for (size_t p = 0; p < nout / Cout; p++) {
            double d = (double)ref[p * Cout + c] - shift[c];
            s1 += d, s2 += d * d;
        }
        stats_ok &= fabs(stats[c] - s1) <= 1e-4 * (s2 + 1) && fabs(stats[Cout + c] - s2) <= 1e-4 * s2 + 1e-6;
    }
    CHECK(stats_ok, "%s: BatchNorm sums differ", what);
    winograd_forward(s, S, in, U, NULL, out, NULL, NULL, scratch);
    for (size_t i = 0; i < nout; i++) ref[i] -= bias[i % Cout];
    CHECK(close_all(what, out, ref, nout, 1e-5), "%s: forward without bias differs", what);
    float *one = buf(nout);
    for (int i = 0; i < S; i++)
        winograd_forward(s, 1, in + (size_t)i * (H + 2) * (W + 2) * Cin, U, NULL,
                         one + (size_t)i * H * W * Cout, NULL, NULL, scratch);
    CHECK(memcmp(one, out, nout * sizeof(float)) == 0, "%s: splitting images changed bits", what);

    /* input gradient: the transposed packing on a padded output gradient, against the direct
     * path's (itself tested against plain loops in test_conv) */
    float *dy_pad = padded(S, H, W, Cout), *wt = buf(nw), *Ut = buf(nu);
    float *din = buf(nin), *dinref = buf(nin);
    const ConvShape back = {H, W, Cout, Cin};
    conv3x3_pack_transposed(oihw, Cout, Cin, wt);
    winograd_pack_transposed(oihw, Cout, Cin, Ut);
    float *scratch_back = buf(winograd_scratch_floats(&back, S));
    winograd_forward(&back, S, dy_pad, Ut, NULL, din, NULL, NULL, scratch_back);
    conv3x3_forward_reference(&back, S, dy_pad, wt, NULL, dinref);
    CHECK(close_all(what, din, dinref, nin, 1e-5), "%s: input gradient differs", what);

    /* weight gradient: dU, then back to OIHW, against the plain loops */
    float *dU = buf(nu), *dw = buf(nw), *dwpacked = buf(nw), *dwref = buf(nw), *dy = buf(nout);
    unpad(dy_pad, S, H, W, Cout, dy);
    winograd_weight_grad(s, S, in, dy_pad, dU, scratch);
    winograd_unpack_grad(dU, Cout, Cin, dw);
    conv3x3_weight_grad_reference(s, S, in, dy, dwpacked);
    conv3x3_unpack(dwpacked, Cout, Cin, dwref);
    CHECK(close_all(what, dw, dwref, nw, 1e-5), "%s: weight gradient differs", what);

    free(in), free(oihw), free(w), free(U), free(bias), free(shift), free(out), free(ref);
    free(scratch), free(stats), free(one), free(dy_pad), free(wt), free(Ut), free(din), free(dinref);
    free(scratch_back), free(dU), free(dw), free(dwpacked), free(dwref), free(dy);
}

static void all_shapes(const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        printf("# %s not supported here: nothing to test\n", isa->name);
        return;
    }
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        for (int S = 1; S <= 3; S += 2) one_shape(isa, &shapes[k], S);
}

int main(void)
{
    for (int i = 0; isa_list[i]; i++) {
        char name[64];
        snprintf(name, sizeof name, "winograd = plain loops, %s", isa_list[i]->name);
        RUN_AS(name, all_shapes(isa_list[i]));
    }
    return check_done();
}
