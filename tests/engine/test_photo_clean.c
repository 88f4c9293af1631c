/* photo_clean on synthetic photos: a "0" under a lighting gradient with paper grain must come out
 * as the clean "0" (a ring, not noise); shadows, specks, a blank page, both polarities, big
 * pictures; and clean pictures must come back as they were. Pictures are drawn here (no files). */
#include "engine/photo_clean.h"
#include "engine/preprocess.h"
#include "tests/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- drawing ------------------------------------------------------------------------------ */

static uint64_t rng_state = 12345;
static float uniform(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)(rng_state >> 40) / (float)(1 << 24);
}
static float gauss(void)
{
    float u = uniform() * 0.999999f + 1e-7f, v = uniform();
    return sqrtf(-2 * logf(u)) * cosf(6.2831853f * v);
}

/* Ink coverage 0..1 of a ring (an "0": ellipse with radii rx, ry, stroke th) centred at (cx, cy),
 * 4x4 supersampled. */
static float ring_cover(float x, float y, float cx, float cy, float rx, float ry, float th)
{
    int hits = 0;
    for (int sy = 0; sy < 4; sy++)
        for (int sx = 0; sx < 4; sx++) {
            float px = (x + (sx + 0.5f) / 4 - cx) / rx, py = (y + (sy + 0.5f) / 4 - cy) / ry;
            float r = sqrtf(px * px + py * py), scale = (rx + ry) / 2;
            hits += fabsf(r - 1) * scale <= th / 2;
        }
    return hits / 16.0f;
}

/* A bar (a "1") from (x0, y0) to (x0, y1), width th. */
static float bar_cover(float x, float y, float x0, float y0, float y1, float th)
{
    int hits = 0;
    for (int sy = 0; sy < 4; sy++)
        for (int sx = 0; sx < 4; sx++) {
            float px = x + (sx + 0.5f) / 4, py = y + (sy + 0.5f) / 4;
            hits += fabsf(px - x0) <= th / 2 && py >= y0 && py <= y1;
        }
    return hits / 16.0f;
}

typedef struct {
    int w, h;
    float *cover;   /* ink coverage 0..1 */
} Ink;

static Ink ring(int w, int h, float cx, float cy, float rx, float ry, float th)
{
    Ink k = {w, h, malloc((size_t)w * h * sizeof(float))};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) k.cover[(size_t)y * w + x] = ring_cover((float)x, (float)y, cx, cy, rx, ry, th);
    return k;
}

enum { GRADIENT = 1, GRAIN = 2, SHADOW = 4, SPECKS = 8, LIGHT_ON_DARK = 16 };

/* The photo of ink k: paper 0.88, ink 0.12 (reflectances), lit by a gradient falling to 35 %
 * towards the top-left, a shadow over the left 70 % (half the light, soft edge), paper grain
 * (5 % texture + 3 % sensor noise) and dust specks in the corners, as asked. */
static float *photo(const Ink *k, int fx)
{
    int w = k->w, h = k->h;
    float *p = malloc((size_t)w * h * sizeof(float));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float c = k->cover[(size_t)y * w + x];
            float v = 0.88f * (1 - c) + 0.12f * c;
            if (fx & GRAIN) v *= 1 + 0.05f * gauss();
            if (fx & GRADIENT) v *= 1 - 0.65f * (1 - 0.5f * ((float)x / w + (float)y / h));
            if (fx & SHADOW) v *= 1 - 0.5f / (1 + expf(((float)x - 0.7f * w) / 6));
            if (fx & GRAIN) v += 0.03f * gauss();
            if (fx & LIGHT_ON_DARK) v = 1 - v;
            p[(size_t)y * w + x] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
    if (fx & SPECKS) {
        /* three dark dots of dust, radius 2, near three corners */
        const int sx[3] = {8, w - 10, 12}, sy[3] = {9, 11, h - 9};
        for (int s = 0; s < 3; s++)
            for (int y = sy[s] - 2; y <= sy[s] + 2; y++)
                for (int x = sx[s] - 2; x <= sx[s] + 2; x++)
                    if ((x - sx[s]) * (x - sx[s]) + (y - sy[s]) * (y - sy[s]) <= 4) p[(size_t)y * w + x] = 0.1f;
    }
    return p;
}

static double mean_abs_diff(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += fabs((double)a[i] - b[i]);
    return s / (double)n;
}

/* photo_clean then preprocess_digit, as predict does; 0 when a digit came out. */
static int clean_and_preprocess(const float *pix, int w, int h, float out[IMG_PIXELS],
                                PhotoClean *pc)
{
    if (photo_clean(pix, w, h, pc)) return -1;
    return preprocess_digit(pc->ink, pc->w, pc->h, out);
}

/* A network input (28x28) looks like a "0": bright ring, dark middle, dark corners. */
static void check_zero_like(const float *in, const char *what)
{
    double ring_mean = 0, hole = 0, corners = 0;
    int nr = 0, nh = 0, nc = 0;
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) {
            float v = in[y * IMG_W + x];
            /* the ring scaled to 20 px (DIGIT_BOX) about the centre */
            double r = hypot((x - IMG_CENTRE_X) / 7.5, (y - IMG_CENTRE_Y) / 9.5);
            if (r < 0.45) hole += v, nh++;
            else if (r > 0.85 && r < 1.1) ring_mean += v, nr++;
            else if (r > 1.5) corners += v, nc++;
        }
    ring_mean /= nr, hole /= nh, corners /= nc;
    printf("# %s: ring %.3f, hole %.3f, corners %.3f\n", what, ring_mean, hole, corners);
    CHECK(ring_mean > 0.4, "%s: the ring is faint (%.3f)", what, ring_mean);
    CHECK(hole < 0.05, "%s: the hole is not empty (%.3f)", what, hole);
    CHECK(corners < 0.02, "%s: noise in the corners (%.3f)", what, corners);
}

/* A sheet of paper on a desk: a rectangle centred at (cx, cy) with half sides hw, hh, turned by
 * ang radians. */
typedef struct {
    float cx, cy, hw, hh, ang;
} Sheet;

/* How far pixel (x, y)'s centre lies inside the sheet's edge (negative: outside). */
static float sheet_depth(const Sheet *s, int x, int y)
{
    float dx = (float)x + 0.5f - s->cx, dy = (float)y + 0.5f - s->cy;
    float u = cosf(s->ang) * dx + sinf(s->ang) * dy, v = -sinf(s->ang) * dx + cosf(s->ang) * dy;
    return fminf(s->hw - fabsf(u), s->hh - fabsf(v));
}

/* The photo of ink k written on sheet s on a desk of 25 % brightness with wood-like stripes (12 %
 * deep, 9 px apart), all under the gradient and with the paper's grain of photo(). */
static float *desk_photo(const Ink *k, const Sheet *s)
{
    int w = k->w, h = k->h;
    float *p = photo(k, GRADIENT | GRAIN);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float on = 0.5f + sheet_depth(s, x, y);   /* the edge anti-aliased over a pixel */
            on = on < 0 ? 0 : on > 1 ? 1 : on;
            float light = 1 - 0.65f * (1 - 0.5f * ((float)x / w + (float)y / h));
            float desk = 0.25f * (1 + 0.12f * sinf(6.2831853f * (0.8f * x + 0.6f * y) / 9)) * light + 0.03f * gauss();
            float *v = &p[(size_t)y * w + x];
            *v = on * *v + (1 - on) * (desk < 0 ? 0 : desk);
        }
    return p;
}

/* ---- cases -------------------------------------------------------------------------------- */

/* The case asked for: gradient + grain "0" comes out like the clean one, a 0-like blob. */
static void gradient_grain_zero(void)
{
    Ink k = ring(300, 240, 170, 110, 45, 60, 14);
    float *clean = photo(&k, 0), *messy = photo(&k, GRADIENT | GRAIN);
    float a[IMG_PIXELS], b[IMG_PIXELS], raw[IMG_PIXELS];
    PhotoClean pa, pb;
    CHECK(clean_and_preprocess(clean, 300, 240, a, &pa) == 0, "clean 0: no digit");
    CHECK(clean_and_preprocess(messy, 300, 240, b, &pb) == 0, "gradient+grain 0: no digit");
    check_zero_like(a, "clean");
    check_zero_like(b, "gradient+grain");
    double mad = mean_abs_diff(a, b, IMG_PIXELS);
    printf("# gradient+grain vs clean: mean |diff| %.4f; pieces %d, specks %d, threshold %.3f\n", mad,
           pb.pieces, pb.specks, (double)pb.threshold);
    CHECK(mad < 0.04, "gradient+grain 0 differs from the clean one by %.4f", mad);
    CHECK(pb.pieces == 1, "the ring came out in %d pieces", pb.pieces);
    CHECK(pa.sheet_w == 0 && pb.sheet_w == 0, "paper alone taken for a sheet on a desk");
    /* without the clean-up the same picture is not a 0 (the test can tell) */
    preprocess_digit(messy, 300, 240, raw);
    double mad_raw = mean_abs_diff(a, raw, IMG_PIXELS);
    printf("# without clean-up: mean |diff| %.4f\n", mad_raw);
    CHECK(mad_raw > 3 * mad, "the clean-up does not help (%.4f vs %.4f)", mad_raw, mad);
    photo_clean_free(&pa);
    photo_clean_free(&pb);
    free(clean);
    free(messy);
    free(k.cover);
}

/* A shadow over the left 70 % (most of the border darker than the lit paper) and a gradient:
 * dark ink is still dark ink, and the shadow's edge is not ink. */
static void shadow_and_gradient(void)
{
    Ink k = ring(320, 240, 200, 120, 40, 55, 12);
    float *clean = photo(&k, 0), *messy = photo(&k, SHADOW | GRADIENT | GRAIN);
    float a[IMG_PIXELS], b[IMG_PIXELS];
    PhotoClean pa, pb;
    CHECK(clean_and_preprocess(clean, 320, 240, a, &pa) == 0, "clean: no digit");
    CHECK(clean_and_preprocess(messy, 320, 240, b, &pb) == 0, "shadow: no digit");
    CHECK(!pb.inverted, "shadowed paper taken for ink: inverted");
    CHECK(pb.sheet_w == 0, "the lit part of the paper taken for a sheet on a desk");
    check_zero_like(b, "shadow+gradient");
    double mad = mean_abs_diff(a, b, IMG_PIXELS);
    printf("# shadow+gradient vs clean: mean |diff| %.4f\n", mad);
    CHECK(mad < 0.05, "shadowed 0 differs from the clean one by %.4f", mad);
    /* nothing kept along the shadow's edge (x = 224) away from the ring */
    double edge = 0;
    for (int y = 0; y < 40; y++)
        for (int x = 214; x < 234; x++) edge += pb.ink[(size_t)y * pb.w + x];
    CHECK(edge < 1, "ink along the shadow's edge: %.2f", edge);
    photo_clean_free(&pa);
    photo_clean_free(&pb);
    free(clean);
    free(messy);
    free(k.cover);
}

/* Lighting that darkens towards the edges a digit is close to: the dark edge is not ink (with
 * the filters' windows cut off at the picture's edge it was). */
static void gradient_towards_the_edge(void)
{
    Ink k = ring(200, 300, 60, 70, 35, 45, 10);
    float *messy = photo(&k, GRADIENT);
    float a[IMG_PIXELS];
    PhotoClean pc;
    CHECK(clean_and_preprocess(messy, 200, 300, a, &pc) == 0, "no digit");
    check_zero_like(a, "0 near the dark corner");
    double border = 0;
    for (int x = 0; x < 200; x++) border += pc.ink[x] + pc.ink[(size_t)299 * 200 + x];
    for (int y = 0; y < 300; y++) border += pc.ink[(size_t)y * 200] + pc.ink[(size_t)y * 200 + 199];
    CHECK(border == 0, "ink along the edges: %.2f", border);
    photo_clean_free(&pc);
    free(messy);
    free(k.cover);
}

/* Dust away from the digit is dropped; the digit's own pieces (a "1" with a separate foot) stay. */
static void specks_dropped(void)
{
    Ink k = ring(240, 240, 120, 120, 40, 55, 12);
    float *p = photo(&k, SPECKS | GRAIN);
    PhotoClean pc;
    CHECK(photo_clean(p, 240, 240, &pc) == 0, "photo_clean failed");
    printf("# pieces %d, specks %d\n", pc.pieces, pc.specks);
    CHECK(pc.pieces == 1 && pc.specks >= 3, "expected the ring and >= 3 specks dropped: %d kept, %d dropped",
          pc.pieces, pc.specks);
    CHECK(pc.ink[(size_t)9 * 240 + 8] == 0 && pc.ink[(size_t)11 * 240 + 230] == 0 && pc.ink[(size_t)231 * 240 + 12] == 0,
          "a speck was kept");
    photo_clean_free(&pc);
    free(p);
    free(k.cover);
    /* a "1" in two pieces with a gap of 6 px: both kept */
    Ink one = {120, 160, malloc(120 * 160 * sizeof(float))};
    for (int y = 0; y < 160; y++)
        for (int x = 0; x < 120; x++)
            one.cover[(size_t)y * 120 + x] = bar_cover((float)x, (float)y, 60, 20, 100, 10) + bar_cover((float)x, (float)y, 60, 106, 140, 10);
    p = photo(&one, 0);
    CHECK(photo_clean(p, 120, 160, &pc) == 0, "photo_clean failed");
    CHECK(pc.pieces == 2, "the two pieces of the 1: %d kept", pc.pieces);
    photo_clean_free(&pc);
    free(p);
    free(one.cover);
}

/* A blank page with grain and a gradient: no digit, rather than a guess about noise. */
static void blank_page(void)
{
    Ink k = {300, 200, calloc(300 * 200, sizeof(float))};
    float *p = photo(&k, GRAIN | GRADIENT), out[IMG_PIXELS];
    PhotoClean pc;
    CHECK(clean_and_preprocess(p, 300, 200, out, &pc) == -1, "a digit found on a blank page");
    CHECK(pc.pieces == 0, "%d pieces kept on a blank page", pc.pieces);
    photo_clean_free(&pc);
    free(p);
    free(k.cover);
    float white[64 * 48];
    for (int i = 0; i < 64 * 48; i++) white[i] = 1.0f;
    CHECK(photo_clean(white, 64, 48, &pc) == 0 && pc.pieces == 0, "a white page has ink");
    photo_clean_free(&pc);
}

/* Clean pictures come back as they were: white-on-black ink exactly (an MNIST-like input, the
 * canvas), black-on-white as its inverse, and the 28x28 input the network gets is unchanged. */
static void clean_unchanged(void)
{
    Ink k = ring(28, 28, 14, 14, 6, 8, 2.5f);
    float *wob = malloc(28 * 28 * sizeof(float)), *bow = malloc(28 * 28 * sizeof(float));
    for (int i = 0; i < 784; i++) wob[i] = k.cover[i], bow[i] = 1 - k.cover[i];
    PhotoClean a, b;
    CHECK(photo_clean(wob, 28, 28, &a) == 0 && photo_clean(bow, 28, 28, &b) == 0, "photo_clean failed");
    CHECK(a.inverted == 1 && b.inverted == 0, "polarity: %d %d", a.inverted, b.inverted);
    CHECK(a.w == 28 && a.h == 28, "work size %dx%d", a.w, a.h);
    double da = mean_abs_diff(a.ink, wob, 784), db = mean_abs_diff(b.ink, wob, 784);
    printf("# white on black: mean |diff| %.5f; black on white %.5f\n", da, db);
    CHECK(da < 0.005 && db < 0.005, "clean ink changed: %.5f, %.5f", da, db);
    float pa[IMG_PIXELS], pw[IMG_PIXELS];
    preprocess_digit(a.ink, 28, 28, pa);
    preprocess_digit(wob, 28, 28, pw);
    CHECK(mean_abs_diff(pa, pw, IMG_PIXELS) < 0.005, "network input changed: %.5f",
          mean_abs_diff(pa, pw, IMG_PIXELS));
    photo_clean_free(&a);
    photo_clean_free(&b);
    /* light ink on a dark, noisy photo (chalk on a board) is found too */
    Ink big = ring(200, 200, 100, 100, 40, 55, 12);
    float *chalk = photo(&big, GRAIN | LIGHT_ON_DARK), out[IMG_PIXELS];
    CHECK(clean_and_preprocess(chalk, 200, 200, out, &a) == 0, "chalk: no digit");
    CHECK(a.inverted == 1, "chalk on a board not inverted");
    CHECK(a.sheet_w == 0, "the chalk or the board taken for a sheet on a desk");
    check_zero_like(out, "chalk");
    photo_clean_free(&a);
    free(chalk);
    free(big.cover);
    free(wob);
    free(bow);
    free(k.cover);
}

/* A picture over PHOTO_WORK_MAX is worked on smaller, with the same result. */
static void big_picture(void)
{
    Ink k = ring(2600, 1800, 1300, 900, 300, 420, 90);
    float *p = photo(&k, GRADIENT | GRAIN), out[IMG_PIXELS];
    PhotoClean pc;
    CHECK(clean_and_preprocess(p, 2600, 1800, out, &pc) == 0, "no digit");
    CHECK(pc.w == 867 && pc.h == 600, "work size %dx%d, expected 867x600", pc.w, pc.h);
    check_zero_like(out, "2600x1800");
    photo_clean_free(&pc);
    free(p);
    free(k.cover);
}

/* A "0" on a sheet (a little turned, off-centre, 60 % of the frame) on a darker striped desk,
 * under the gradient with grain: the sheet is found, the "0" comes out as on paper alone, and
 * nothing along the sheet's edge or on the desk is ink (without step 1b the sheet's edge was
 * taken for ink, and the "0" came out filled). */
static void sheet_on_a_desk(void)
{
    Ink k = ring(360, 280, 190, 150, 40, 55, 12);
    Sheet s = {200, 145, 112, 96, 0.1f};
    float *clean = photo(&k, 0), *desk = desk_photo(&k, &s);
    float a[784], b[784];
    PhotoClean pa, pb;
    CHECK(clean_and_preprocess(clean, 360, 280, a, &pa) == 0, "clean: no digit");
    CHECK(clean_and_preprocess(desk, 360, 280, b, &pb) == 0, "on a desk: no digit");
    printf("# sheet at %d,%d %dx%d; pieces %d, specks %d\n", pb.sheet_x, pb.sheet_y, pb.sheet_w, pb.sheet_h,
           pb.pieces, pb.specks);
    /* The turned sheet's bounding box is x 79..321, y 38..251. The box found lies within it, the
     * sheet's edge (blurred over a few pixels) and a margin inside: at most 10 px in. */
    int x0 = pb.sheet_x, y0 = pb.sheet_y, x1 = x0 + pb.sheet_w - 1, y1 = y0 + pb.sheet_h - 1;
    CHECK(pb.sheet_w > 0, "no sheet found");
    CHECK(x0 >= 79 && x0 <= 89 && y0 >= 38 && y0 <= 48 && x1 <= 321 && x1 >= 311 && y1 <= 251 && y1 >= 241,
          "sheet box x %d..%d, y %d..%d; expected within 10 px inside x 79..321, y 38..251", x0, x1, y0, y1);
    CHECK(pb.w == 360 && pb.h == 280, "ink is %dx%d, not the picture's size", pb.w, pb.h);
    check_zero_like(b, "on a desk");
    double mad = mean_abs_diff(a, b, 784);
    printf("# on a desk vs clean: mean |diff| %.4f\n", mad);
    CHECK(mad < 0.05, "the 0 on a desk differs from the clean one by %.4f", mad);
    double rim = 0, off = 0;
    for (int y = 0; y < 280; y++)
        for (int x = 0; x < 360; x++) {
            float depth = sheet_depth(&s, x, y), v = pb.ink[(size_t)y * 360 + x];
            if (depth < 0) off += v;
            else if (depth < 8) rim += v;
        }
    CHECK(rim == 0 && off == 0, "ink along the sheet's edge %.2f, on the desk %.2f", rim, off);
    photo_clean_free(&pa);
    photo_clean_free(&pb);
    free(clean);
    free(desk);
    free(k.cover);
}

/* A sheet cut by the picture's right edge (the desk on three sides): found too. */
static void sheet_cut_by_the_frame(void)
{
    Ink k = ring(320, 260, 230, 130, 35, 48, 11);
    Sheet s = {250, 130, 120, 100, -0.06f};
    float *desk = desk_photo(&k, &s), out[784];
    PhotoClean pc;
    CHECK(clean_and_preprocess(desk, 320, 260, out, &pc) == 0, "no digit");
    printf("# sheet at %d,%d %dx%d\n", pc.sheet_x, pc.sheet_y, pc.sheet_w, pc.sheet_h);
    CHECK(pc.sheet_w > 0 && pc.sheet_x + pc.sheet_w == 320, "sheet box %d,%d %dx%d: expected it to reach x 320",
          pc.sheet_x, pc.sheet_y, pc.sheet_w, pc.sheet_h);
    check_zero_like(out, "sheet cut by the frame");
    photo_clean_free(&pc);
    free(desk);
    free(k.cover);
}

static void bad_arguments(void)
{
    PhotoClean pc;
    float one = 0.5f;
    CHECK(photo_clean(NULL, 10, 10, &pc) == -1, "NULL accepted");
    CHECK(photo_clean(&one, 0, 1, &pc) == -1 && pc.ink == NULL, "0x1 accepted");
    CHECK(photo_clean(&one, 1, 1, &pc) == 0 && pc.pieces == 0, "1x1 gray has ink");
    photo_clean_free(&pc);
    photo_clean_free(NULL);
}

int main(void)
{
    RUN(gradient_grain_zero);
    RUN(shadow_and_gradient);
    RUN(gradient_towards_the_edge);
    RUN(specks_dropped);
    RUN(blank_page);
    RUN(clean_unchanged);
    RUN(big_picture);
    RUN(sheet_on_a_desk);
    RUN(sheet_cut_by_the_frame);
    RUN(bad_arguments);
    return check_done();
}
