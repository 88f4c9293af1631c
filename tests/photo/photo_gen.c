/* photo_gen: pictures of real MNIST test digits as a phone or a scanner makes them, to measure
 * what `mnist-cnn predict` reads (tests/photo/accuracy.sh). Not part of the product.
 *
 *   photo_gen DATA_DIR OUT_DIR [COUNT [FIRST]]
 *
 * Test digits FIRST..FIRST+COUNT-1 of DATA_DIR/t10k-* (default 200 from 0) are drawn as dark pen
 * ink on paper, alternately small (the digit about a fifth of the frame) and large (most of it),
 * at a random place in a frame of 240-400 x 240-400 pixels, once per kind, into
 * OUT_DIR/<kind>/<index>-<label>.png or .jpg (the same digits for every kind):
 *
 *   clean         gray paper, black ink
 *   gradient      lighting falling off linearly across the frame to 30-60 % in one corner
 *   shadow        a soft-edged dark half-plane (40-60 % darker) over a quarter to 60 % of it
 *   grain         paper texture, sensor noise and a few dark specks of dust
 *   colour        a colour cast (warm or cold light, tinted paper) and blue or black ink, RGB
 *   jpeg          clean, saved as a colour JPEG of quality 70-90
 *   exif          clean, stored turned and marked with the Exif Orientation 3, 6 or 8
 *   grad-grain    gradient + grain
 *   phone         gradient + grain + colour + JPEG 70-90 + Exif Orientation 1/3/6/8
 *   phone-shadow  phone + shadow
 *   pencil        grad-grain with faint ink: 40-55 % of the paper's brightness instead of 6-20 %
 *   desk          phone, but the paper is a sheet on a desk: a rectangle (aspect 1-1.45) over
 *                 40-80 % of the frame, anywhere in it, turned by up to 8 degrees, the digit
 *                 written on it (a third or most of its shorter side); around it a desk of
 *                 10-40 % brightness (wood, gray, green or blue-gray) with wood-like grain
 *
 * It prints the kinds' folder names, one a line. Everything is drawn from a generator keyed by
 * (kind, index): the same call writes the same files. */
#include "io/idx.h"
#include "io/image.h"
#include "tests/jpeg_write.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { GRADIENT = 1, SHADOW = 2, GRAIN = 4, COLOUR = 8, JPEG = 16, EXIF = 32, PENCIL = 64, DESK = 128 };

static const struct {
    const char *name;
    int fx;
} kinds[] = {
    {"clean", 0},
    {"gradient", GRADIENT},
    {"shadow", SHADOW},
    {"grain", GRAIN},
    {"colour", COLOUR},
    {"jpeg", JPEG},
    {"exif", JPEG | EXIF},
    {"grad-grain", GRADIENT | GRAIN},
    {"phone", GRADIENT | GRAIN | COLOUR | JPEG | EXIF},
    {"phone-shadow", GRADIENT | GRAIN | COLOUR | JPEG | EXIF | SHADOW},
    {"pencil", GRADIENT | GRAIN | PENCIL},
    {"desk", GRADIENT | GRAIN | COLOUR | JPEG | EXIF | DESK},   /* last: the others keep their keys */
};

/* splitmix64: small, keyed, good enough for pictures */
typedef struct { uint64_t s; } Rng;
static uint64_t next_u64(Rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static float uni(Rng *r, float lo, float hi) { return lo + (hi - lo) * (float)(next_u64(r) >> 40) / (float)(1 << 24); }
static float gauss(Rng *r)
{
    float u = uni(r, 1e-7f, 1.0f), v = uni(r, 0.0f, 1.0f);
    return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

/* Bilinear sample of the 28x28 digit (0..1 coverage) at MNIST pixel coordinates (u, v). */
static float sample(const uint8_t *d, float u, float v)
{
    int x = (int)floorf(u), y = (int)floorf(v);
    float fx = u - x, fy = v - y, s = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int xx = x + i, yy = y + j;
            if (xx < 0 || yy < 0 || xx >= 28 || yy >= 28) continue;
            s += (i ? fx : 1 - fx) * (j ? fy : 1 - fy) * d[yy * 28 + xx] / 255.0f;
        }
    return s;
}

/* Box blur of a w x h field, radius r, in place (once per axis). */
static void blur(float *f, int w, int h, int r)
{
    float *t = malloc((size_t)(w > h ? w : h) * sizeof(float));
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            float s = 0;
            int n = 0;
            for (int k = -r; k <= r; k++)
                if (x + k >= 0 && x + k < w) s += f[(size_t)y * w + x + k], n++;
            t[x] = s / n;
        }
        memcpy(f + (size_t)y * w, t, (size_t)w * sizeof(float));
    }
    for (int x = 0; x < w; x++) {
        for (int y = 0; y < h; y++) {
            float s = 0;
            int n = 0;
            for (int k = -r; k <= r; k++)
                if (y + k >= 0 && y + k < h) s += f[(size_t)(y + k) * w + x], n++;
            t[y] = s / n;
        }
        for (int y = 0; y < h; y++) f[(size_t)y * w + x] = t[y];
    }
    free(t);
}

static uint8_t to8(float v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return (uint8_t)lrintf(v * 255.0f);
}

/* The stored picture for Exif orientation o of the upright picture u (w x h, ch channels): what a
 * camera held that way writes. sw x sh: the stored size. */
static uint8_t *store_turned(const uint8_t *u, int w, int h, int ch, int o, int *sw, int *sh)
{
    *sw = o >= 5 ? h : w;
    *sh = o >= 5 ? w : h;
    uint8_t *s = malloc((size_t)w * h * ch);
    for (int ys = 0; ys < *sh; ys++)
        for (int xs = 0; xs < *sw; xs++) {
            int x, y;   /* where stored pixel (xs, ys) is shown */
            switch (o) {
            case 3: x = w - 1 - xs, y = h - 1 - ys; break;
            case 6: x = w - 1 - ys, y = xs; break;    /* shown turned 90 degrees clockwise */
            case 8: x = ys, y = h - 1 - xs; break;    /* shown turned 90 degrees anticlockwise */
            default: x = xs, y = ys; break;
            }
            memcpy(s + ((size_t)ys * *sw + xs) * ch, u + ((size_t)y * w + x) * ch, (size_t)ch);
        }
    return s;
}

/* Paper texture (noise blurred over a couple of pixels, unit deviation) into grain, and a few
 * dark specks of dust into the ink coverage cov. */
static void add_grain(Rng *r, float *grain, float *cov, int w, int h)
{
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++) grain[i] = gauss(r);
    blur(grain, w, h, 2);
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (double)grain[i] * grain[i];
    float norm = (float)(1 / sqrt(ss / (double)n + 1e-12));   /* back to unit deviation */
    for (size_t i = 0; i < n; i++) grain[i] *= norm;
    int specks = (int)uni(r, 3, 11);
    for (int s = 0; s < specks; s++) {
        float sx = uni(r, 0, (float)w), sy2 = uni(r, 0, (float)h), rad = uni(r, 0.8f, 2.5f);
        for (int y = (int)(sy2 - 4); y <= (int)(sy2 + 4); y++)
            for (int x = (int)(sx - 4); x <= (int)(sx + 4); x++)
                if (x >= 0 && y >= 0 && x < w && y < h && hypotf(x - sx, y - sy2) <= rad) cov[(size_t)y * w + x] = 1;
    }
}

/* The picture as dir/IDX-LABEL.jpg (quality 70-90, stored turned with its Exif orientation where
 * the kind says so) or .png. */
static int write_picture(Rng *r, const uint8_t *px, int w, int h, int ch, int k, int idx, int lab,
                         const char *dir)
{
    int fx = kinds[k].fx;
    char path[1200];
    int rc;
    if (fx & JPEG) {
        int q = (int)uni(r, 70, 91), o = 1;
        if (fx & EXIF) {
            static const int phone[4] = {1, 3, 6, 8}, turned[3] = {3, 6, 8};
            o = kinds[k].fx == (JPEG | EXIF) ? turned[idx % 3] : phone[idx % 4];
        }
        int sw, sh;
        uint8_t *st = store_turned(px, w, h, ch, o, &sw, &sh), exif[32];
        snprintf(path, sizeof path, "%s/%05d-%d.jpg", dir, idx, lab);
        rc = jpeg_write_file(path, st, sw, sh, ch, q, 0, o > 1 ? exif : NULL, exif_payload(exif, o, idx % 2));
        free(st);
    } else {
        char err[1400];
        snprintf(path, sizeof path, "%s/%05d-%d.png", dir, idx, lab);
        rc = image_save_png(path, px, w, h, ch, err, sizeof err);
        if (rc) fprintf(stderr, "photo_gen: %s\n", err);
    }
    return rc;
}

/* A sheet of paper on a desk (kind desk): where the sheet lies, where the digit is on it, and the
 * desk's colour and wood grain. */
typedef struct {
    float cx, cy, hw, hh, c, s;   /* centre, half sides, cosine and sine of its turn */
    float du, dv, S;              /* the digit's centre in sheet coordinates; its MNIST frame's side */
    float desk[3];                /* the desk's reflectance per channel */
    float gc, gs, period, ripple, wobble, len, phase;   /* wood grain: direction, rings, their waver */
} Sheet;

/* A sheet over 40-80 % of a w x h frame (less where the turned sheet would not fit), anywhere in
 * it; the digit a third (small) or most (large) of its shorter side, anywhere on it. */
static void place_sheet(Rng *r, int w, int h, int large, Sheet *sh)
{
    float ang = uni(r, -8, 8) * 3.1415927f / 180;
    sh->c = cosf(ang), sh->s = sinf(ang);
    float aspect = uni(r, 1.0f, 1.45f), a = sqrtf(uni(r, 0.4f, 0.8f) * (float)w * (float)h / aspect);
    float sw = a, sh2 = a * aspect, bw, bh;
    if (next_u64(r) & 1) sw = a * aspect, sh2 = a;   /* landscape */
    for (;;) {   /* the turned sheet's bounding box within the frame, 2 px to spare */
        bw = fabsf(sh->c) * sw + fabsf(sh->s) * sh2, bh = fabsf(sh->s) * sw + fabsf(sh->c) * sh2;
        if (bw <= (float)w - 4 && bh <= (float)h - 4) break;
        sw *= 0.97f, sh2 *= 0.97f;
    }
    sh->hw = sw / 2, sh->hh = sh2 / 2;
    sh->cx = uni(r, bw / 2 + 2, (float)w - bw / 2 - 2), sh->cy = uni(r, bh / 2 + 2, (float)h - bh / 2 - 2);
    float shorter = sw < sh2 ? sw : sh2;
    sh->S = shorter * (large ? uni(r, 0.75f, 0.95f) : uni(r, 0.3f, 0.45f));
    /* MNIST centres the ink's mass, so the ink reaches up to 13/28 of S from the frame's centre;
     * 4 % of the sheet from there to its edge */
    float mu = sh->hw - 0.47f * sh->S - 0.04f * shorter, mv = sh->hh - 0.47f * sh->S - 0.04f * shorter;
    sh->du = uni(r, -mu, mu), sh->dv = uni(r, -mv, mv);
    static const float colours[4][3] = {
        {1.0f, 0.62f, 0.36f},   /* wood */
        {1.0f, 1.0f, 1.05f},    /* gray */
        {0.7f, 1.0f, 0.8f},     /* green */
        {0.85f, 0.95f, 1.2f},   /* blue-gray */
    };
    const float *col = colours[next_u64(r) % 4];
    float luma = 0.299f * col[0] + 0.587f * col[1] + 0.114f * col[2], level = uni(r, 0.1f, 0.4f);
    for (int j = 0; j < 3; j++) sh->desk[j] = col[j] * level / luma;
    float g = uni(r, 0, 3.1415927f);
    sh->gc = cosf(g), sh->gs = sinf(g);
    sh->period = uni(r, 5, 18), sh->ripple = uni(r, 0.06f, 0.15f), sh->wobble = uni(r, 2, 8);
    sh->len = uni(r, 20, 60), sh->phase = uni(r, 0, 6.2831853f);
}

/* Frame pixel (x, y) in sheet coordinates. */
static void to_sheet(const Sheet *sh, int x, int y, float *u, float *v)
{
    float dx = (float)x + 0.5f - sh->cx, dy = (float)y + 0.5f - sh->cy;
    *u = sh->c * dx + sh->s * dy, *v = -sh->s * dx + sh->c * dy;
}

/* How much of pixel (x, y) the sheet covers (its edge anti-aliased over a pixel). */
static float sheet_cover(const Sheet *sh, int x, int y)
{
    float u, v;
    to_sheet(sh, x, y, &u, &v);
    float in = 0.5f + fminf(sh->hw - fabsf(u), sh->hh - fabsf(v));
    return in < 0 ? 0 : in > 1 ? 1 : in;
}

/* The digit's coverage at frame pixel (x, y), written on the sheet (turned with it). */
static float sheet_digit(const Sheet *sh, const uint8_t *d, int x, int y)
{
    float u, v;
    to_sheet(sh, x, y, &u, &v);
    return sample(d, (u - sh->du) / sh->S * 28 + 13.5f, (v - sh->dv) / sh->S * 28 + 13.5f);
}

/* The desk's wood grain at (x, y): rings across the grain that waver along it, about 1. */
static float wood(const Sheet *sh, int x, int y)
{
    float across = (float)x * sh->gc + (float)y * sh->gs, along = -(float)x * sh->gs + (float)y * sh->gc;
    float t = across + sh->wobble * sinf(along / sh->len + sh->phase);
    return 1 + sh->ripple * sinf(6.2831853f * t / sh->period);
}

/* One picture of digit d (label lab, test index idx) for kind k into path (extension added). */
static int make_one(const uint8_t *d, int lab, int idx, int k, const char *dir)
{
    int fx = kinds[k].fx;
    Rng r = {(uint64_t)idx * 1000003u + (uint64_t)k * 7919u + 17};
    int w = (int)uni(&r, 240, 401), h = (int)uni(&r, 240, 401);
    int side = w < h ? w : h;
    /* the 28-pixel MNIST frame (the digit is its middle 20 px) scaled to S */
    float S = idx % 2 ? side * uni(&r, 0.95f, 1.15f) : side * uni(&r, 0.22f, 0.32f);
    float ox = uni(&r, -0.08f * S, w - 0.92f * S), oy = uni(&r, -0.08f * S, h - 0.92f * S);
    if (S > side) ox = (w - S) / 2 + uni(&r, -0.05f, 0.05f) * S, oy = (h - S) / 2 + uni(&r, -0.05f, 0.05f) * S;
    float paper = uni(&r, 0.82f, 0.95f), ink = uni(&r, 0.06f, 0.2f);
    if (fx & PENCIL) ink = paper * uni(&r, 0.4f, 0.55f);
    /* light and paper colour, ink colour (reflectances per channel) */
    float light[3] = {1, 1, 1}, tint[3] = {1, 1, 1}, inkc[3] = {1, 1, 1};
    if (fx & COLOUR) {
        int warm = next_u64(&r) & 1;
        float a = uni(&r, 0.08f, 0.2f);
        light[0] = warm ? 1 : 1 - a, light[1] = 1 - a / 2, light[2] = warm ? 1 - 1.6f * a : 1;
        tint[0] = 1, tint[1] = uni(&r, 0.94f, 1), tint[2] = uni(&r, 0.85f, 1);
        if (next_u64(&r) & 1) inkc[0] = 0.5f, inkc[1] = 0.6f, inkc[2] = 2.5f;   /* blue ballpoint */
    }
    size_t n = (size_t)w * h;
    float *cov = malloc(n * sizeof(float)), *illum = malloc(n * sizeof(float));
    float *grain = malloc(n * sizeof(float)), *sheet = malloc(n * sizeof(float));
    Sheet sh;
    if (fx & DESK) {   /* drawn from a generator of its own: the other draws stay as they were */
        Rng rs = {r.s ^ 0x5ee7deadbeefULL};
        place_sheet(&rs, w, h, idx % 2, &sh);
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (fx & DESK) {
                sheet[i] = sheet_cover(&sh, x, y);
                cov[i] = sheet_digit(&sh, d, x, y);
            } else {
                sheet[i] = 1;
                cov[i] = sample(d, (x + 0.5f - ox) / S * 28 - 0.5f, (y + 0.5f - oy) / S * 28 - 0.5f);
            }
        }
    /* lighting */
    float ang = uni(&r, 0, 6.2831853f), cx = cosf(ang), sy = sinf(ang);
    float depth = uni(&r, 0.4f, 0.7f);
    float sang = uni(&r, 0, 6.2831853f), scx = cosf(sang), ssy = sinf(sang);
    float sdepth = uni(&r, 0.4f, 0.6f), swidth = uni(&r, 0.01f, 0.05f) * hypotf((float)w, (float)h);
    /* the shadow's edge: through a point so that a quarter to 60 % of the frame is in it */
    float lo = 1e9f, hi = -1e9f, plo = 1e9f, phi = -1e9f;
    for (int c = 0; c < 4; c++) {
        float px = (c & 1) ? (float)w : 0, py = (c & 2) ? (float)h : 0;
        float t = px * cx + py * sy, s = px * scx + py * ssy;
        lo = t < lo ? t : lo, hi = t > hi ? t : hi;
        plo = s < plo ? s : plo, phi = s > phi ? s : phi;
    }
    float edge = plo + (phi - plo) * uni(&r, 0.4f, 0.75f);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float L = 1;
            if (fx & GRADIENT) L *= 1 - depth * ((x * cx + y * sy - lo) / (hi - lo));
            if (fx & SHADOW) L *= 1 - sdepth / (1 + expf(-(x * scx + y * ssy - edge) / swidth));
            illum[(size_t)y * w + x] = L;
        }
    if (fx & GRAIN) add_grain(&r, grain, cov, w, h);
    float noise = uni(&r, 0.02f, 0.05f), texture = uni(&r, 0.05f, 0.1f);
    int ch = (fx & (COLOUR | JPEG)) ? 3 : 1;
    uint8_t *px = malloc(n * 3);
    for (size_t i = 0; i < n; i++) {
        float c = cov[i] > 1 ? 1 : cov[i];
        int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
        for (int j = 0; j < ch; j++) {
            float p = paper * tint[j] * ((fx & GRAIN) ? 1 + texture * grain[i] : 1);
            if (fx & DESK) {   /* the desk where the sheet is not (its own grain and the paper's) */
                float dk = (ch == 3 ? sh.desk[j] : 0.299f * sh.desk[0] + 0.587f * sh.desk[1] + 0.114f * sh.desk[2]) *
                           wood(&sh, x, y) * ((fx & GRAIN) ? 1 + texture * grain[i] : 1);
                p = sheet[i] * p + (1 - sheet[i]) * dk;
            }
            float q = ink * inkc[j];
            q = q > 0.6f ? 0.6f : q;
            float v = (p * (1 - c) + q * c) * illum[i] * light[j];
            if (fx & GRAIN) v += noise * gauss(&r);
            px[i * ch + j] = to8(v);
        }
    }
    int rc = write_picture(&r, px, w, h, ch, k, idx, lab, dir);
    free(cov);
    free(illum);
    free(grain);
    free(sheet);
    free(px);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: photo_gen DATA_DIR OUT_DIR [COUNT [FIRST]]\n");
        return 2;
    }
    long count = argc > 3 ? strtol(argv[3], NULL, 10) : 200, first = argc > 4 ? strtol(argv[4], NULL, 10) : 0;
    Dataset ds;
    char err[1024];
    if (dataset_load(argv[1], "t10k", &ds, err, sizeof err)) {
        fprintf(stderr, "photo_gen: %s\n", err);
        return 1;
    }
    if (ds.rows != 28 || ds.cols != 28 || first < 0 || count < 1 || first + count > ds.n) {
        fprintf(stderr, "photo_gen: need 28x28 images and FIRST+COUNT <= %d\n", ds.n);
        return 1;
    }
    if (mkdir(argv[2], 0777) && errno != EEXIST) {
        fprintf(stderr, "photo_gen: cannot create %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", argv[2], kinds[k].name);
        if (mkdir(dir, 0777) && errno != EEXIST) {
            fprintf(stderr, "photo_gen: cannot create %s: %s\n", dir, strerror(errno));
            return 1;
        }
        for (long i = first; i < first + count; i++)
            if (make_one(ds.images.data + (size_t)i * 784, ds.labels.data[i], (int)i, (int)k, dir)) {
                fprintf(stderr, "photo_gen: cannot write a picture into %s\n", dir);
                return 1;
            }
        printf("%s\n", kinds[k].name);
    }
    dataset_free(&ds);
    return 0;
}
