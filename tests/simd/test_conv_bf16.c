/* simd/conv_bf16.h on every instruction set, against the plain loops over BF16-rounded operands
 * (conv3x3_*_bf16_reference): the sets sum in the order of vdpbf16ps, so the comparison is
 * bitwise. Forward with and without bias and BatchNorm sums, the weight gradient from padded and
 * unpadded gradients, the input gradient through the transposed packing; on the engine's shapes
 * (conv2 forward and weight gradient 32 -> 64 channels, its input gradient 64 -> 32, 14 x 14) and
 * on awkward ones (rows that leave a short tile, rows of dw that straddle two taps, 2 channels).
 * Sets without BF16 tiles run the portable emulation: the same bits. Also the rounding itself,
 * and the BF16 results against the float convolution within BF16's precision. */
#include "simd/conv.h"
#include "simd/conv_bf16.h"
#include "simd/isa.h"
#include "simd/pool.h"
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

/* H, W (even: the weight gradient pairs pixels of a row), Cin (even), Cout */
static const ConvShape shapes[] = {
    {14, 14, 32, 64}, {14, 14, 64, 32}, {5, 6, 2, 32}, {2, 30, 34, 96}, {1, 2, 4, 32},
};

/* Float bits equal. */
static int same_bits(const float *a, const float *b, size_t n) { return !memcmp(a, b, n * sizeof(float)); }

/* BF16 sums differ from the float ones by the operands' rounding, a relative 2^-9 each: over
 * these reductions (at most 9 x 96 products of random sign) 2e-2 of the largest output holds
 * with a wide margin, and catches any product that is wrong or missing. */
static const double BF16_VS_FLOAT = 2e-2;

static void forward_and_input_grad(const ConvShape *s, int S, const char *what)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    const size_t nin = (size_t)S * (H + 2) * (W + 2) * Cin, nout = (size_t)S * H * W * Cout,
                 nw = 9 * (size_t)Cin * Cout;
    float *in = padded(S, H, W, Cin), *oihw = buf(nw), *w = buf(nw), *bias = buf((size_t)Cout),
          *shift = buf((size_t)Cout), *out = buf(nout), *ref = buf(nout), *fl = buf(nout);
    bf16 *inb = calloc(nin, sizeof(bf16)), *wb = calloc(nw, sizeof(bf16));
    double *stats = calloc(2 * (size_t)Cout, sizeof(double));
    for (size_t i = 0; i < nw; i++) oihw[i] = rnd();
    for (int c = 0; c < Cout; c++) bias[c] = rnd(), shift[c] = rnd() * 0.1f;
    conv3x3_pack(oihw, Cout, Cin, w);
    conv3x3_pack_bf16(oihw, Cout, Cin, wb);
    bf16_round_floats(in, nin, inb);

    conv3x3_forward_bf16_channels(s, S, inb, wb, bias, out, shift, stats, 0, Cout);
    conv3x3_forward_bf16_reference(s, S, in, w, bias, ref);
    CHECK(same_bits(out, ref, nout), "%s: forward differs from the plain loops", what);
    conv3x3_forward_reference(s, S, in, w, bias, fl);
    CHECK(close_all(what, out, fl, nout, BF16_VS_FLOAT), "%s: forward far from float", what);
    int stats_ok = 1;
    for (int c = 0; c < Cout; c++) {
        double s1 = 0, s2 = 0;
        for (size_t p = 0; p < nout / Cout; p++) {
            const double d = (double)ref[p * Cout + c] - shift[c];
            s1 += d, s2 += d * d;
        }
        stats_ok &= fabs(stats[c] - s1) <= 1e-4 * (s2 + 1) && fabs(stats[Cout + c] - s2) <= 1e-4 * s2 + 1e-6;
    }
    CHECK(stats_ok, "%s: BatchNorm sums differ", what);

    /* without bias, and split into halves of the channels: the same bits as the plain loops */
    conv3x3_forward_bf16_reference(s, S, in, w, NULL, ref);
    memset(out, 0, nout * sizeof(float));
    if (Cout % (2 * CONV_CHANNEL_STEP) == 0) {
        conv3x3_forward_bf16_channels(s, S, inb, wb, NULL, out, NULL, NULL, 0, Cout / 2);
        conv3x3_forward_bf16_channels(s, S, inb, wb, NULL, out, NULL, NULL, Cout / 2, Cout / 2);
    } else {
        conv3x3_forward_bf16_channels(s, S, inb, wb, NULL, out, NULL, NULL, 0, Cout);
    }
    CHECK(same_bits(out, ref, nout), "%s: forward without bias / split differs", what);

    /* input gradient: the forward of the padded gradient with the transposed packing */
    if (Cin % CONV_CHANNEL_STEP == 0 && Cout % 2 == 0) {
        const ConvShape t = {H, W, Cout, Cin};
        const size_t ndy = (size_t)S * (H + 2) * (W + 2) * Cout, ndin = (size_t)S * H * W * Cin;
        float *dy = padded(S, H, W, Cout), *wt = buf(nw), *din = buf(ndin), *dref = buf(ndin);
        bf16 *dyb = calloc(ndy, sizeof(bf16)), *wtb = calloc(nw, sizeof(bf16));
        conv3x3_pack_transposed(oihw, Cout, Cin, wt);
        conv3x3_pack_transposed_bf16(oihw, Cout, Cin, wtb);
        bf16_round_floats(dy, ndy, dyb);
        conv3x3_forward_bf16_channels(&t, S, dyb, wtb, NULL, din, NULL, NULL, 0, Cin);
        conv3x3_forward_bf16_reference(&t, S, dy, wt, NULL, dref);
        CHECK(same_bits(din, dref, ndin), "%s: input gradient differs from the plain loops", what);
        conv3x3_forward_reference(&t, S, dy, wt, NULL, dref);
        CHECK(close_all(what, din, dref, ndin, BF16_VS_FLOAT), "%s: input gradient far from float",
              what);
        free(dy), free(wt), free(din), free(dref), free(dyb), free(wtb);
    }
    free(in), free(oihw), free(w), free(bias), free(shift), free(out), free(ref), free(fl);
    free(inb), free(wb), free(stats);
}

static void weight_grad(const ConvShape *s, int S, const char *what)
{
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout;
    const size_t nout = (size_t)S * H * W * Cout, nw = 9 * (size_t)Cin * Cout;
    float *in = padded(S, H, W, Cin), *dy = buf(nout), *dy_pad = padded(S, H, W, Cout);
    float *dw = buf(nw), *dw2 = buf(nw), *ref = buf(nw), *fl = buf(nw);
    bf16 *inp = calloc(conv3x3_pixel_pairs_size(s, S), sizeof(bf16)), *dyp = calloc(nout, sizeof(bf16));
    for (int i = 0; i < S; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                memcpy(dy + (((size_t)i * H + y) * W + x) * Cout,
                       dy_pad + (((size_t)i * (H + 2) + y + 1) * (W + 2) + x + 1) * Cout,
                       sizeof(float) * Cout);
    conv3x3_pack_pixel_pairs(s, S, in, inp);
    conv3x3_pack_grad_pairs(s, S, dy, 0, dyp);
    conv3x3_weight_grad_bf16(s, S, inp, dyp, dw);
    conv3x3_weight_grad_bf16_reference(s, S, in, dy, ref);
    CHECK(same_bits(dw, ref, nw), "%s: weight gradient differs from the plain loops", what);
    conv3x3_weight_grad_reference(s, S, in, dy, fl);
    CHECK(close_all(what, dw, fl, nw, BF16_VS_FLOAT), "%s: weight gradient far from float", what);
    memset(dyp, 0xff, nout * sizeof(bf16));
    conv3x3_pack_grad_pairs(s, S, dy_pad, 1, dyp);
    conv3x3_weight_grad_bf16(s, S, inp, dyp, dw2);
    CHECK(same_bits(dw2, dw, nw), "%s: padded gradient changed bits", what);
    free(in), free(dy), free(dy_pad), free(dw), free(dw2), free(ref), free(fl), free(inp), free(dyp);
}

static void all_shapes(const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        printf("# %s not supported here: nothing to test\n", isa->name);
        return;
    }
    if (!conv_bf16_supported() && isa != isa_list[0]) {
        /* its BF16 products are the scalar set's emulation, tested there (the plain loops are
         * most of this test's time under the sanitizers) */
        printf("# %s has no BF16 tiles here: the portable emulation, tested with %s\n", isa->name,
               isa_list[0]->name);
        return;
    }
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
        for (int S = 1; S <= 3; S += 2) {
            char what[96];
            snprintf(what, sizeof what, "%s %dx%d %d->%d S=%d", isa->name, shapes[k].H,
                     shapes[k].W, shapes[k].Cin, shapes[k].Cout, S);
            forward_and_input_grad(&shapes[k], S, what);
            weight_grad(&shapes[k], S, what);
        }
}

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Round to nearest, ties to even; denormals to zero; infinities and NaNs kept. */
static void test_rounding(void)
{
    CHECK(bf16_round(1.0f) == 0x3f80, "1");
    CHECK(bf16_round(from_bits(0x3f808000u)) == 0x3f80, "a tie rounds to the even 0x3f80");
    CHECK(bf16_round(from_bits(0x3f818000u)) == 0x3f82, "a tie rounds to the even 0x3f82");
    CHECK(bf16_round(from_bits(0x3f808001u)) == 0x3f81, "above the tie rounds up");
    CHECK(bf16_round(from_bits(0x3f807fffu)) == 0x3f80, "below the tie rounds down");
    CHECK(bf16_round(from_bits(0x807fffffu)) == 0x8000, "a denormal flushes to signed zero");
    CHECK(bf16_round(INFINITY) == 0x7f80 && bf16_round(-INFINITY) == 0xff80, "infinities");
    CHECK(bf16_round(from_bits(0x7f7fffffu)) == 0x7f80, "the largest float rounds to infinity");
    const bf16 n = bf16_round(NAN);
    CHECK((n & 0x7f80) == 0x7f80 && (n & 0x7f), "NaN stays NaN");
    CHECK(bf16_to_float(0xc040) == -3.0f, "-3");
}

/* Each set's conversions (bf16_round_row, bf16_pair_row) against bf16_round element by element,
 * on every class of float: zeros, denormals, the smallest and largest normals, infinities, quiet
 * and signalling NaNs with payloads, ties both ways and their neighbours, and random bits; in
 * lengths that leave every tail (the exhaustive check of all 2^32 floats was done once by hand). */
static void conversions(const IsaDesc *isa)
{
    if (!isa_has_bf16(isa)) {
        printf("# %s has no BF16 conversions here: nothing to test\n", isa->name);
        return;
    }
    static const uint32_t special[] = {
        0x00000000u, 0x80000000u, 0x00000001u, 0x807fffffu, 0x00400000u, 0x80008000u,
        0x00800000u, 0x80800000u, 0x00808000u, 0x00818000u, 0x7f7fffffu, 0xff7f8000u,
        0x7f7f7fffu, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00001u, 0x7f800001u,
        0xff80ffffu, 0x7fbf8000u, 0x3f808000u, 0x3f818000u, 0x3f807fffu, 0x3f808001u,
        0xbf818000u, 0xbf808000u, 0x3f80ffffu, 0x4effffffu, 0x3f800000u, 0xc0400000u,
    };
    enum { NS = sizeof special / sizeof special[0], N = 300 };
    uint32_t bits[N];
    uint32_t r = 12345u;
    for (int i = 0; i < N; i++) {
        r = r * 1664525u + 1013904223u;
        bits[i] = i < NS ? special[i] : i % 3 ? r : special[r % NS] ^ (r >> 28);
    }
    float x[N];
    memcpy(x, bits, sizeof x);
    bf16 out[2 * N + 64], want[2 * N + 64];
    int bad = 0;
    for (size_t n = 0; n <= N; n += n < 40 ? 1 : 37) {
        memset(out, 0xab, sizeof out);
        isa->bf16_round_row(x, n, out);
        for (size_t i = 0; i < n; i++) bad += out[i] != bf16_round(x[i]);
        bad += out[n] != 0xabab;   /* nothing past the end */
    }
    CHECK(bad == 0, "%s: bf16_round_row differs from bf16_round (%d)", isa->name, bad);
    static const int Cs[] = {2, 15, 16, 17, 32, 34, 64};
    for (size_t k = 0; k < sizeof Cs / sizeof Cs[0]; k++)
        for (int npix = 1; npix * Cs[k] <= N && npix <= 9; npix++) {
            const int C = Cs[k], pairs = (npix + 1) / 2;
            memset(out, 0xab, sizeof out);
            isa->bf16_pair_row(x, C, npix, out);
            for (int m = 0; m < pairs; m++)
                for (int c = 0; c < C; c++)
                    for (int h = 0; h < 2; h++) {
                        const int p = 2 * m + h;
                        want[(m * C + c) * 2 + h] = p < npix ? bf16_round(x[p * C + c]) : 0;
                    }
            bad += memcmp(out, want, sizeof(bf16) * 2 * pairs * C) != 0;
            bad += out[2 * pairs * C] != 0xabab;
        }
    CHECK(bad == 0, "%s: bf16_pair_row differs from bf16_round (%d)", isa->name, bad);
}

/* unpool_bn_backward_sum_dx_bf16_image_pairs against unpool_bn_backward_sum_dx on the same set,
 * rounded with bf16_round into both layouts: the same bits, the same sums, the rim untouched. */
static void unpool_bf16(const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        printf("# %s not supported here: nothing to test\n", isa->name);
        return;
    }
    for (int shape = 0; shape < 2; shape++) {
        const PoolShape p = shape ? (PoolShape){3, 4, 6, 32} : (PoolShape){2, 14, 14, 64};
        const int S = p.S, H = p.H, W = p.W, C = p.C, OH = H / 2, OW = W / 2;
        const size_t full = (size_t)S * H * W * C, pooled = (size_t)S * OH * OW * C,
                     padded = (size_t)S * (H + 2) * (W + 2) * C;
        float *x = buf(full), *dq = buf(pooled), *dx = buf(padded), *k = buf(4 * (size_t)C);
        unsigned char *win = calloc(pooled, 1);
        bf16 *img = calloc(padded, sizeof(bf16)), *pairs = calloc(full, sizeof(bf16));
        for (size_t i = 0; i < full; i++) x[i] = rnd();
        for (size_t i = 0; i < pooled; i++) dq[i] = rnd(), win[i] = (unsigned char)(i * 7 % 4);
        for (int i = 0; i < 4 * C; i++) k[i] = rnd();
        dq[0] = 1e-39f, x[1] = k[3 * C + 1];   /* a denormal, and x - mean = 0 */
        const BnBackward bn = {k, k + C, k + 2 * C, k + 3 * C};
        const ImageStrides xs = image_strides_padded(H, W, C);
        double s1[POOL_MAX_C] = {0}, s2[POOL_MAX_C] = {0};
        unpool_bn_backward_sum_dx(&p, dq, win, x, &bn, dx + xs.row + C, xs, s1);
        unpool_bn_backward_sum_dx_bf16_image_pairs(&p, dq, win, x, &bn, img + xs.row + C, xs,
                                                   pairs, s2);
        int bad = memcmp(s1, s2, sizeof s1) != 0;
        for (size_t i = 0; i < padded; i++) bad += img[i] != bf16_round(dx[i]);
        for (int s = 0; s < S; s++)
            for (int y = 0; y < H; y++)
                for (int m = 0; m < W / 2; m++)
                    for (int c = 0; c < C; c++)
                        for (int h = 0; h < 2; h++)
                            bad += pairs[((((size_t)s * H + y) * (W / 2) + m) * C + c) * 2 + h] !=
                                   bf16_round(dx[(((size_t)s * (H + 2) + y + 1) * (W + 2) + 2 * m +
                                                  h + 1) * C + c]);
        CHECK(bad == 0, "%s %dx%dx%d: bf16 unpool differs from the float one rounded (%d)",
              isa->name, H, W, C, bad);
        free(x), free(dq), free(dx), free(k), free(win), free(img), free(pairs);
    }
}

/* bn_relu_pool_forward_and_bf16 against bn_relu_pool_forward, its output then rounded
 * (bf16_round) and paired (conv3x3_pack_pixel_pairs, itself checked above): the same float
 * output and winners, the same bf16 layouts, rims untouched. */
static void pool_forward_bf16(const IsaDesc *isa)
{
    if (isa_set(isa) != 0) {
        printf("# %s not supported here: nothing to test\n", isa->name);
        return;
    }
    for (int shape = 0; shape < 2; shape++) {
        const PoolShape p = shape ? (PoolShape){3, 4, 8, 16} : (PoolShape){2, 28, 28, 32};
        const int S = p.S, C = p.C, OH = p.H / 2, OW = p.W / 2;
        const ConvShape cs = {OH, OW, C, 32};
        const size_t full = (size_t)S * p.H * p.W * C, pooled = (size_t)S * OH * OW * C,
                     padded = (size_t)S * (OH + 2) * (OW + 2) * C,
                     npairs = conv3x3_pixel_pairs_size(&cs, S);
        float *in = buf(full), *k = buf(2 * (size_t)C), *out1 = buf(padded), *out2 = buf(padded);
        unsigned char *w1 = calloc(pooled, 1), *w2 = calloc(pooled, 1);
        bf16 *img = calloc(padded, sizeof(bf16)), *want = calloc(padded, sizeof(bf16));
        bf16 *pairs = calloc(npairs, sizeof(bf16)), *wpairs = calloc(npairs, sizeof(bf16));
        for (size_t i = 0; i < full; i++) in[i] = rnd();
        for (int i = 0; i < 2 * C; i++) k[i] = rnd();
        const ImageStrides os = image_strides_padded(OH, OW, C);
        bn_relu_pool_forward(&p, in, k, k + C, out1 + os.row + C, os, w1);
        bn_relu_pool_forward_and_bf16(&p, in, k, k + C, out2 + os.row + C, os, w2,
                                      img + os.row + C, pairs);
        for (size_t i = 0; i < padded; i++) want[i] = bf16_round(out1[i]);
        conv3x3_pack_pixel_pairs(&cs, S, out1, wpairs);
        CHECK(same_bits(out1, out2, padded) && !memcmp(w1, w2, pooled),
              "%s: the float output or winners changed", isa->name);
        CHECK(!memcmp(img, want, padded * sizeof(bf16)), "%s: bf16 image differs", isa->name);
        CHECK(!memcmp(pairs, wpairs, npairs * sizeof(bf16)), "%s: pixel pairs differ", isa->name);
        free(in), free(k), free(out1), free(out2), free(w1), free(w2), free(img), free(want);
        free(pairs), free(wpairs);
    }
}

int main(void)
{
    for (int i = 0; isa_list[i]; i++) {
        char name[96];
        snprintf(name, sizeof name, "bf16 pool forward = float pool rounded, %s", isa_list[i]->name);
        RUN_AS(name, pool_forward_bf16(isa_list[i]));
    }
    for (int i = 0; isa_list[i]; i++) {
        char name[96];
        snprintf(name, sizeof name, "bf16 unpool = float unpool rounded, %s", isa_list[i]->name);
        RUN_AS(name, unpool_bf16(isa_list[i]));
    }
    RUN(test_rounding);
    for (int i = 0; isa_list[i]; i++) {
        char name[96];
        snprintf(name, sizeof name, "BF16 conversions = bf16_round, %s", isa_list[i]->name);
        RUN_AS(name, conversions(isa_list[i]));
    }
    for (int i = 0; isa_list[i]; i++) {
        char name[96];
        snprintf(name, sizeof name, "BF16 direct convolution = plain loops, %s", isa_list[i]->name);
        RUN_AS(name, all_shapes(isa_list[i]));
    }
    return check_done();
}
