/* Photo clean-up (see photo_clean.h for the steps and why each is there).
 *
 * Written here rather than taken from Leptonica (Debian libleptonica-dev), which has all the
 * pieces (pixBackgroundNormMorph, pixOtsuAdaptiveThreshold, pixConnComp): those are tuned for
 * pages of text at scanner resolutions (tile sizes and thresholds in pixels of a 300 dpi page), not
 * for one digit at an unknown scale; they work on 8-bit images where the engine works on floats;
 * Leptonica reports errors by printing to stderr unless a process-wide switch is flipped; and it
 * would make the engine, which depends on nothing but libm and OpenMP and knows no files, link an
 * image-file library with TIFF, WebP, GIF and JPEG 2000 readers. What is needed is four textbook
 * algorithms (van Herk/Gil-Werman min/max filters, box blur by running sums, Otsu, union-find
 * labelling), a few hundred lines, each tested here on synthetic pictures (tests/engine). */
#include "engine/photo_clean.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline float minf(float a, float b) { return a < b ? a : b; }
static inline float maxf(float a, float b) { return a > b ? a : b; }
static inline float clamp01(float v) { return minf(maxf(v, 0.0f), 1.0f); }

/* Histogram of values in [lo, 1] (lo = 0 or -1) in steps of 1/255: quantiles and Otsu's
 * threshold without sorting a million floats. */
enum { STEPS = 255, MAX_BINS = 2 * STEPS + 1 };
typedef struct {
    unsigned c[MAX_BINS];
    int bins;
    float lo;
    size_t n;
} Hist;

static void hist_init(Hist *h, float lo)
{
    memset(h, 0, sizeof *h);
    h->lo = lo;
    h->bins = (int)((1.0f - lo) * STEPS + 0.5f) + 1;
}
static void hist_add(Hist *h, float v)
{
    int b = (int)((v - h->lo) * STEPS + 0.5f);
    h->c[b < 0 ? 0 : b >= h->bins ? h->bins - 1 : b]++;
    h->n++;
}
static float hist_value(const Hist *h, int b) { return h->lo + (float)b / STEPS; }

/* Value below which a share q of the values lies (lo for an empty histogram). */
static float hist_quantile(const Hist *h, double q)
{
    if (h->n == 0) return h->lo;
    size_t need = (size_t)(q * (double)h->n), seen = 0;
    for (int b = 0; b < h->bins; b++) {
        seen += h->c[b];
        if (seen > need) return hist_value(h, b);
    }
    return 1.0f;
}

/* ---- 1. work size ------------------------------------------------------------------------- */

/* Mean of each f x f cell (cells at the right and bottom edges may be partial). */
static void shrink(const float *src, int w, int h, int f, float *dst, int dw, int dh)
{
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            double s = 0;
            int n = 0;
            for (int yy = y * f; yy < h && yy < (y + 1) * f; yy++)
                for (int xx = x * f; xx < w && xx < (x + 1) * f; xx++, n++) s += src[(size_t)yy * w + xx];
            dst[(size_t)y * dw + x] = (float)(s / n);
        }
}

/* ---- 2. polarity ------------------------------------------------------------------------- */

/* Mean over a (2r+1) square (clipped at the edges), separably by running sums. line: max(w,h). */
static void box_blur(float *img, int w, int h, int r, float *line)
{
    if (r <= 0) return;
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? h : w, lines = pass ? w : h;
        size_t stride = pass ? (size_t)w : 1, step = pass ? 1 : (size_t)w;
        for (int l = 0; l < lines; l++) {
            float *v = img + (size_t)l * step;
            double s = 0;
            int lo = 0, hi = -1;   /* the window [lo, hi] summed in s */
            for (int i = 0; i < n; i++) {
                int want_lo = i - r < 0 ? 0 : i - r, want_hi = i + r >= n ? n - 1 : i + r;
                while (hi < want_hi) s += v[(size_t)++hi * stride];
                while (lo < want_lo) s -= v[(size_t)lo++ * stride];
                line[i] = (float)(s / (hi - lo + 1));
            }
            for (int i = 0; i < n; i++) v[(size_t)i * stride] = line[i];
        }
    }
}


/* 1 when ink is lighter than paper. The border's median is the paper (even where a shadow or
 * the lighting has darkened it); the ink is whichever extreme of the picture (its darkest and
 * brightest values once blurred over 3x3, so that single noisy pixels do not count) lies farther
 * from it, measured as a ratio (on the log scale): lighting and shadow scale paper and ink alike,
 * by a factor of two or three, while ink reflects five to ten times less light than paper. (In
 * plain differences, a shadow over most of the border would make the lit paper look like light
 * ink.) The extremes rather than percentiles: a thin digit small in the frame is a few hundred
 * pixels out of a million. tmp: w*h floats, line: max(w,h). */
static int light_ink(const float *g, int w, int h, float *tmp, float *line)
{
    Hist border;
    hist_init(&border, 0);
    size_t n = (size_t)w * h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (y == 0 || y == h - 1 || x == 0 || x == w - 1) hist_add(&border, g[(size_t)y * w + x]);
    memcpy(tmp, g, n * sizeof(float));
    box_blur(tmp, w, h, 1, line);
    float lo = 1, hi = 0;
    for (size_t i = 0; i < n; i++) lo = minf(lo, tmp[i]), hi = maxf(hi, tmp[i]);
    const float eps = 0.02f;   /* black is 0: keep the logarithm finite */
    float paper = logf(hist_quantile(&border, 0.5) + eps);
    return logf(hi + eps) - paper > paper - logf(lo + eps);
}

/* ---- 3. background ----------------------------------------------------------------------- */

/* Running max (want_max) or min over a window of 2r+1 along a line of n values with stride,
 * by van Herk/Gil-Werman: per block of 2r+1, prefix and suffix extremes; any window covers the
 * suffix of one block and the prefix of the next. O(n) whatever r. pad, pre, suf: n + 2r floats
 * each. */
static void extreme_line(float *v, size_t stride, int n, int r, int want_max, float *pad, float *pre,
                         float *suf)
{
    int k = 2 * r + 1, m = n + 2 * r;
    float none = want_max ? -INFINITY : INFINITY;
    for (int i = 0; i < m; i++) pad[i] = (i < r || i >= r + n) ? none : v[(size_t)(i - r) * stride];
    for (int i = 0; i < m; i++) {
        float p = pad[i];
        pre[i] = i % k == 0 ? p : want_max ? maxf(pre[i - 1], p) : minf(pre[i - 1], p);
    }
    for (int i = m - 1; i >= 0; i--) {
        float p = pad[i];
        suf[i] = (i % k == k - 1 || i == m - 1) ? p : want_max ? maxf(suf[i + 1], p) : minf(suf[i + 1], p);
    }
    for (int i = 0; i < n; i++)
        v[(size_t)i * stride] = want_max ? maxf(suf[i], pre[i + 2 * r]) : minf(suf[i], pre[i + 2 * r]);
}

/* Max or min filter over a (2r+1) square, separably. scratch: 3 * (max(w,h) + 2r) floats. */
static void extreme_filter(float *img, int w, int h, int r, int want_max, float *scratch)
{
    int len = (w > h ? w : h) + 2 * r;
    float *pad = scratch, *pre = scratch + len, *suf = scratch + 2 * (size_t)len;
    for (int y = 0; y < h; y++) extreme_line(img + (size_t)y * w, 1, w, r, want_max, pad, pre, suf);
    for (int x = 0; x < w; x++) extreme_line(img + x, (size_t)w, h, r, want_max, pad, pre, suf);
}

/* Morphological closing over a (2r+1) square (max filter, then min filter) of img, computed on the
 * picture extended by 2r pixels that repeat its edges: with the filters' windows simply cut off at
 * the edges, lighting that darkens towards an edge would come out too bright there, and the
 * paper along that edge would read as ink. Extended so, any lighting that is monotone along each
 * axis (a linear gradient, the soft edge of a shadow) comes back exactly. pad: (w+4r)*(h+4r)
 * floats; scratch: 3 * (max(w,h) + 6r). */
static void closing(float *img, int w, int h, int r, float *pad, float *scratch)
{
    int p = 2 * r, pw = w + 2 * p, ph = h + 2 * p;
    for (int y = 0; y < ph; y++) {
        int sy = y < p ? 0 : y >= p + h ? h - 1 : y - p;
        for (int x = 0; x < pw; x++) {
            int sx = x < p ? 0 : x >= p + w ? w - 1 : x - p;
            pad[(size_t)y * pw + x] = img[(size_t)sy * w + sx];
        }
    }
    extreme_filter(pad, pw, ph, r, 1, scratch);
    extreme_filter(pad, pw, ph, r, 0, scratch);
    for (int y = 0; y < h; y++) memcpy(img + (size_t)y * w, pad + (size_t)(y + p) * pw + p, (size_t)w * sizeof(float));
}

/* ---- 4. threshold ------------------------------------------------------------------------ */

/* Otsu's threshold: the cut that maximises the between-class variance (values above it are the
 * second class). */
static float otsu(const Hist *h)
{
    double total = 0;
    for (int b = 0; b < h->bins; b++) total += (double)b * h->c[b];
    double w0 = 0, s0 = 0, best = -1;
    int cut = 0;
    for (int b = 0; b < h->bins - 1; b++) {
        w0 += h->c[b];
        s0 += (double)b * h->c[b];
        double w1 = (double)h->n - w0;
        if (w0 == 0 || w1 == 0) continue;
        double m0 = s0 / w0, m1 = (total - s0) / w1, v = w0 * w1 * (m0 - m1) * (m0 - m1);
        if (v > best) best = v, cut = b;
    }
    return hist_value(h, cut) + 0.5f / STEPS;
}

/* ---- 5. pieces of ink -------------------------------------------------------------------- */

static int32_t find_root(int32_t *parent, int32_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];   /* path halving */
        i = parent[i];
    }
    return i;
}

typedef struct {
    double mass;          /* sum of darkness */
    int x0, y0, x1, y1;   /* bounding box */
    int keep;
} Piece;

/* Labels the 8-connected pieces of mask (in place: label+1 per pixel, 0 = paper) and returns
 * their count, or -1 when out of memory. */
static int label_pieces(int32_t *lab, int w, int h)
{
    size_t n = (size_t)w * h;
    int32_t *parent = malloc((n / 2 + 2) * sizeof *parent);   /* at most one piece per 2 pixels... */
    if (!parent) return -1;
    int32_t next = 0, cap = (int32_t)(n / 2 + 2);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (!lab[i]) continue;
            int32_t nb[4];
            int k = 0;
            if (x > 0 && lab[i - 1]) nb[k++] = lab[i - 1];
            if (y > 0) {
                size_t up = i - (size_t)w;
                if (x > 0 && lab[up - 1]) nb[k++] = lab[up - 1];
                if (lab[up]) nb[k++] = lab[up];
                if (x + 1 < w && lab[up + 1]) nb[k++] = lab[up + 1];
            }
            if (k == 0) {
                if (next == cap) {   /* ...plus a checkerboard's worth more */
                    int32_t *grown = realloc(parent, (size_t)(cap *= 2) * sizeof *parent);
                    if (!grown) {
                        free(parent);
                        return -1;
                    }
                    parent = grown;
                }
                parent[next] = next;
                lab[i] = ++next;
                continue;
            }
            int32_t root = find_root(parent, nb[0] - 1);
            for (int j = 1; j < k; j++) {
                int32_t o = find_root(parent, nb[j] - 1);
                if (o < root) parent[root] = o, root = o;
                else parent[o] = root;
            }
            lab[i] = root + 1;
        }
    /* Dense numbering of the roots, stored as -number. Every link points to a smaller index and
     * each root is its set's smallest, so in increasing order a non-root's parent has already
     * been given its set's number. */
    int32_t count = 0;
    for (int32_t i = 0; i < next; i++) parent[i] = parent[i] == i ? -(++count) : parent[parent[i]];
    for (size_t i = 0; i < n; i++)
        if (lab[i]) lab[i] = -parent[lab[i] - 1];
    free(parent);
    return count;
}

/* Keeps the heaviest piece and the pieces near it that are not specks; returns how many. */
static int keep_pieces(Piece *pc, int np)
{
    int main_piece = 0;
    for (int i = 1; i < np; i++)
        if (pc[i].mass > pc[main_piece].mass) main_piece = i;
    pc[main_piece].keep = 1;
    int kept = 1, x0 = pc[main_piece].x0, y0 = pc[main_piece].y0, x1 = pc[main_piece].x1, y1 = pc[main_piece].y1;
    double floor_mass = PHOTO_SPECK_SHARE * pc[main_piece].mass;
    /* Growing the box can bring more pieces within reach: repeat until nothing joins (bounded:
     * each round keeps at least one more piece, and rounds stop after a few in practice). */
    for (int changed = 1, rounds = 0; changed && rounds < 64; rounds++) {
        changed = 0;
        int side = (x1 - x0 > y1 - y0 ? x1 - x0 : y1 - y0) + 1;
        int near = (int)ceilf(PHOTO_NEAR * (float)side);
        for (int i = 0; i < np; i++) {
            Piece *p = &pc[i];
            if (p->keep || p->mass < floor_mass) continue;
            if (p->x1 < x0 - near || p->x0 > x1 + near || p->y1 < y0 - near || p->y0 > y1 + near) continue;
            p->keep = 1;
            kept++;
            changed = 1;
            x0 = p->x0 < x0 ? p->x0 : x0, y0 = p->y0 < y0 ? p->y0 : y0;
            x1 = p->x1 > x1 ? p->x1 : x1, y1 = p->y1 > y1 ? p->y1 : y1;
        }
    }
    return kept;
}

/* Whether the kept ink spans at least PHOTO_MIN_SIDE of the picture's shorter side: a blank
 * page's noise leaves a few blobs of a few pixels over the threshold. */
static int big_enough(const Piece *pc, int np, int shorter)
{
    int x0 = INT32_MAX, y0 = INT32_MAX, x1 = -1, y1 = -1;
    for (int i = 0; i < np; i++)
        if (pc[i].keep) {
            x0 = pc[i].x0 < x0 ? pc[i].x0 : x0, y0 = pc[i].y0 < y0 ? pc[i].y0 : y0;
            x1 = pc[i].x1 > x1 ? pc[i].x1 : x1, y1 = pc[i].y1 > y1 ? pc[i].y1 : y1;
        }
    int side = (x1 - x0 > y1 - y0 ? x1 - x0 : y1 - y0) + 1;
    return x1 >= 0 && (float)side >= PHOTO_MIN_SIDE * (float)shorter;
}

/* ---- all together ------------------------------------------------------------------------ */

void photo_clean_free(PhotoClean *pc)
{
    if (!pc) return;
    free(pc->ink);
    memset(pc, 0, sizeof *pc);
}

/* Ink darkness d = 1 - g / bg, and the threshold between paper and ink: Otsu's, but above the
 * paper's own noise. d is not clipped at 0: paper lighter than its background estimate is the
 * other half of the paper's noise. The median is paper (ink is a minority); the paper's spread is
 * measured below the median only, where there is no ink at all. *noise: the paper's median +
 * PHOTO_NOISE_SIGMAS deviations. */
static float darkness(const float *g, const float *bg, float *d, size_t n, float *noise)
{
    Hist all, below;
    hist_init(&all, -1);
    hist_init(&below, 0);
    for (size_t i = 0; i < n; i++) {
        d[i] = bg[i] > 1e-3f ? maxf(1.0f - g[i] / bg[i], -1.0f) : 0.0f;   /* black paper: no ink */
        hist_add(&all, d[i]);
    }
    float med = hist_quantile(&all, 0.5);
    for (size_t i = 0; i < n; i++)
        if (d[i] < med) hist_add(&below, med - d[i]);
    *noise = med + PHOTO_NOISE_SIGMAS * 1.4826f * hist_quantile(&below, 0.5);
    return maxf(maxf(otsu(&all), *noise), PHOTO_MIN_CONTRAST);
}

/* The kept pieces' ink and a halo of a pixel or two around it (r_halo), darkness stretched from
 * the paper's noise (0) to the typical darkness of the kept ink (1), into ink; mask is scratch
 * space of ww x wh. */
static void kept_ink(const int32_t *lab, const Piece *pieces, const float *d, float noise, float t,
                     int ww, int wh, int r_halo, float *mask, float *scratch, float *ink)
{
    size_t n = (size_t)ww * wh;
    Hist inkhist;
    hist_init(&inkhist, 0);
    for (size_t i = 0; i < n; i++) {
        mask[i] = lab[i] && pieces[lab[i] - 1].keep ? 1.0f : 0.0f;
        if (mask[i] > 0) hist_add(&inkhist, d[i]);
    }
    float level = hist_quantile(&inkhist, 0.5);
    float lo = maxf(0.0f, minf(noise, 0.5f * t)), span = maxf(level - lo, 1e-3f);
    extreme_filter(mask, ww, wh, r_halo, 1, scratch);
    for (size_t i = 0; i < n; i++) ink[i] = mask[i] > 0 ? clamp01((d[i] - lo) / span) : 0.0f;
}

/* Each labelled piece's ink mass (its summed darkness d) and bounding box. */
static void measure_pieces(const int32_t *lab, const float *d, int ww, int wh, Piece *pieces,
                           int np)
{
    for (int i = 0; i < np; i++) pieces[i].x0 = ww, pieces[i].y0 = wh, pieces[i].x1 = pieces[i].y1 = -1;
    for (int y = 0; y < wh; y++)
        for (int x = 0; x < ww; x++) {
            size_t i = (size_t)y * ww + x;
            if (!lab[i]) continue;
            Piece *p = &pieces[lab[i] - 1];
            p->mass += d[i];
            p->x0 = x < p->x0 ? x : p->x0, p->x1 = x > p->x1 ? x : p->x1;
            p->y0 = y < p->y0 ? y : p->y0, p->y1 = y > p->y1 ? y : p->y1;
        }
}

/* ---- 1b. a sheet on a desk ------------------------------------------------------------- */

/* Marks (lab = 1) the pixels where the picture is smooth: the log brightness L changes by less
 * than PHOTO_SHEET_STEP over 3 pixels across and down (a sharp step, blurred by the camera and by
 * the smoothing, spreads over 3 or 4). Both ends of a pair that differ by more are an edge (0),
 * so a step makes an edge 5 px thick, which no 8-connected path crosses. */
static void smooth_pixels(const float *L, int w, int h, int32_t *lab)
{
    size_t n = (size_t)w * h, down = 3 * (size_t)w;
    for (size_t i = 0; i < n; i++) lab[i] = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (x + 3 < w && fabsf(L[i] - L[i + 3]) >= PHOTO_SHEET_STEP) lab[i] = lab[i + 3] = 0;
            if (y + 3 < h && fabsf(L[i] - L[i + down]) >= PHOTO_SHEET_STEP) lab[i] = lab[i + down] = 0;
        }
}

/* Of the labelled pieces (label_pieces) that cover PHOTO_SHEET_MIN_AREA of the picture or more,
 * the brightest by mean L: the paper, if any piece is. -1 when no piece is that large, -2 when
 * memory runs out. */
static int brightest_large_piece(const int32_t *lab, const float *L, size_t n, int np)
{
    size_t *area = calloc((size_t)np, sizeof *area);
    double *sum = calloc((size_t)np, sizeof *sum);
    int best = area && sum ? -1 : -2;
    if (best == -1) {
        for (size_t i = 0; i < n; i++)
            if (lab[i]) area[lab[i] - 1]++, sum[lab[i] - 1] += L[i];
        for (int p = 0; p < np; p++)
            if ((double)area[p] >= PHOTO_SHEET_MIN_AREA * (double)n &&
                (best < 0 || sum[p] / (double)area[p] > sum[best] / (double)area[best]))
                best = p;
    }
    free(area);
    free(sum);
    return best;
}

/* Which labelled pieces touch the picture's edge (1 per piece in edge[np]), and how many of the
 * picture's edge pixels they hold (returned). */
static size_t pieces_at_edge(const int32_t *lab, int w, int h, uint8_t *edge)
{
    size_t held = 0;
    for (int y = 0; y < h; y++) {
        int step = (y == 0 || y == h - 1) ? 1 : (w > 1 ? w - 1 : 1);   /* whole first/last row */
        for (int x = 0; x < w; x += step) {
            int32_t l = lab[(size_t)y * w + x];
            if (l) edge[l - 1] = 1, held++;
        }
    }
    return held;
}

typedef struct {
    int x0, y0, x1, y1;   /* inclusive */
} Box;

/* Finds a sheet of paper lying on a darker desk: the brightest large smooth region of the picture
 * (lighting changes slowly across paper; the sheet's edge is a sharp step), holes and all (the
 * ink on it), with a desk around it that holds PHOTO_SHEET_DESK_EDGE of the picture's edge and is
 * PHOTO_SHEET_CONTRAST as bright as the paper or darker, and thick enough to be paper (not a
 * stroke of chalk on a board): it holds a square of 2 PHOTO_SHEET_THICK of the shorter side. A
 * picture that is all paper has no desk (at most ink touching its edge) and is left alone. A
 * shadow's soft edge changes the light by far less than PHOTO_SHEET_STEP over 2 px, so it cannot
 * cut the paper in two. Returns 1 with mask (w*h) 1 on the sheet less a margin of a pixel or two
 * (its edge is a blend of paper and desk) and box its bounding box; 0 when there is no such
 * sheet; -1 when memory runs out. g: ink dark or light, 0..1. */
static int find_sheet(const float *g, int w, int h, float *mask, Box *box)
{
    int shorter = w < h ? w : h, longer = w > h ? w : h;
    if (shorter < PHOTO_SHEET_MIN_SIDE) return 0;
    size_t n = (size_t)w * h;
    int r_smooth = 1 + longer / 512, r_thick = (int)(PHOTO_SHEET_THICK * (float)shorter);
    int r_margin = 1 + r_smooth;
    float *L = malloc(n * sizeof(float)), *scratch = malloc((size_t)3 * (longer + 2 * r_thick) * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t));
    uint8_t *at_edge = NULL;
    int rc = -1;
    if (!L || !scratch || !lab) goto done;

    /* smooth regions of the log picture (lighting multiplies: a step is a ratio) */
    memcpy(L, g, n * sizeof(float));
    box_blur(L, w, h, r_smooth, scratch);
    for (size_t i = 0; i < n; i++) L[i] = logf(L[i] + 0.02f);
    smooth_pixels(L, w, h, lab);
    int np = label_pieces(lab, w, h);
    if (np < 0) goto done;
    int paper = brightest_large_piece(lab, L, n, np);
    if (paper == -2) goto done;
    rc = 0;
    if (paper < 0) goto done;

    /* the rest of the picture in pieces: those that reach its edge are the desk, the others
     * (ink, specks) lie on the sheet */
    Hist paper_level, desk_level;
    hist_init(&paper_level, 0);
    hist_init(&desk_level, 0);
    for (size_t i = 0; i < n; i++) {
        int on_paper = lab[i] == paper + 1;
        if (on_paper) hist_add(&paper_level, g[i]);
        lab[i] = !on_paper;
    }
    rc = -1;
    np = label_pieces(lab, w, h);
    if (np < 0 || !(at_edge = calloc((size_t)np + 1, 1))) goto done;
    rc = 0;
    size_t edge_pixels = w > 1 && h > 1 ? 2 * (size_t)w + 2 * (size_t)h - 4 : n;
    size_t desk_edge = pieces_at_edge(lab, w, h, at_edge);
    for (size_t i = 0; i < n; i++) {
        int desk = lab[i] && at_edge[lab[i] - 1];
        mask[i] = !desk;
        if (desk) hist_add(&desk_level, g[i]);
    }
    if ((double)desk_edge < PHOTO_SHEET_DESK_EDGE * (double)edge_pixels) goto done;
    if (hist_quantile(&desk_level, 0.5) > PHOTO_SHEET_CONTRAST * hist_quantile(&paper_level, 0.5)) goto done;

    /* thick enough: something is left of it eroded by r_thick (L is free again) */
    memcpy(L, mask, n * sizeof(float));
    extreme_filter(L, w, h, r_thick, 0, scratch);
    int thick = 0;
    for (size_t i = 0; i < n && !thick; i++) thick = L[i] > 0;
    if (!thick) goto done;

    extreme_filter(mask, w, h, r_margin, 0, scratch);
    *box = (Box){w, h, -1, -1};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (mask[(size_t)y * w + x] > 0) {
                box->x0 = x < box->x0 ? x : box->x0, box->x1 = x > box->x1 ? x : box->x1;
                box->y0 = y < box->y0 ? y : box->y0, box->y1 = y > box->y1 ? y : box->y1;
            }
    rc = box->x1 >= 0;

done:
    free(L);
    free(scratch);
    free(lab);
    free(at_edge);
    return rc;
}

/* The sheet's bounding box b of g (w wide) into c, everything in it off the sheet (mask 0)
 * replaced by the paper nearest along its row (the mean of up to 4 sheet pixels there, so that
 * one noisy pixel does not make a streak): the desk and the sheet's edge become paper the clean-up
 * sees no ink in, and the closing finds the light of the paper beside it. A row with no sheet
 * in it copies the row above. */
static void cut_sheet(const float *g, const float *mask, int w, Box b, float *c)
{
    int cw = b.x1 - b.x0 + 1;
    for (int y = b.y0; y <= b.y1; y++) {
        const float *row = g + (size_t)y * w + b.x0, *on = mask + (size_t)y * w + b.x0;
        float *out = c + (size_t)(y - b.y0) * cw;
        int l = 0, r = cw - 1;
        while (l < cw && on[l] <= 0) l++;
        while (r >= 0 && on[r] <= 0) r--;
        if (l > r) {
            memcpy(out, y > b.y0 ? out - cw : row, (size_t)cw * sizeof(float));   /* row y0 has sheet */
            continue;
        }
        double left = 0, right = 0;
        int nl = 0, nr = 0;
        for (int k = 0; k < 4 && l + k <= r; k++) left += row[l + k], nl++;
        for (int k = 0; k < 4 && r - k >= l; k++) right += row[r - k], nr++;
        for (int x = 0; x < cw; x++)
            out[x] = x < l ? (float)(left / nl) : x > r ? (float)(right / nr) : row[x];
        /* off-sheet pixels between l and r (a notch in the sheet's outline) keep the picture:
         * the sheet is convex in practice */
    }
}

/* Steps 2-6 on the w x h picture g (changed in place) into ink (w x h, zeroed by the caller);
 * the counts and the threshold into out. Returns 0, or -1 when memory runs out. */
static int clean_picture(float *g, int w, int h, float *ink, PhotoClean *out)
{
    int shorter = w < h ? w : h, longer = w > h ? w : h;
    size_t n = (size_t)w * h;
    int r_bg = shorter / 4 > 1 ? shorter / 4 : 1;           /* closing: half the shorter side */
    int r_smooth = longer >= 128 ? 1 + longer / 512 : 0;    /* sensor noise */
    int r_grain = shorter / 64 > r_smooth ? shorter / 64 : r_smooth;
    int r_halo = 1 + longer / 256;
    int len = longer + 6 * (r_bg > r_halo ? r_bg : r_halo);
    float *bg = malloc(n * sizeof(float)), *d = malloc(n * sizeof(float));
    float *scratch = malloc((size_t)3 * len * sizeof(float));
    float *pad = malloc((size_t)(w + 4 * r_bg) * (size_t)(h + 4 * r_bg) * sizeof(float));
    int32_t *lab = malloc(n * sizeof(int32_t));
    Piece *pieces = NULL;
    int rc = -1;
    if (!bg || !d || !scratch || !pad || !lab) goto done;

    /* 2. ink made dark */
    out->inverted = light_ink(g, w, h, bg, scratch);
    if (out->inverted)
        for (size_t i = 0; i < n; i++) g[i] = 1.0f - g[i];

    /* 3-4. Background: closing (dark strokes removed). Sensor noise is smoothed first, and the
     * paper's grain more for the background, or the max filter would pick their peaks and the
     * paper would read as grayish ink. Then ink darkness and the threshold. */
    box_blur(g, w, h, r_smooth, scratch);
    memcpy(bg, g, n * sizeof(float));
    box_blur(bg, w, h, r_grain, scratch);
    closing(bg, w, h, r_bg, pad, scratch);
    float noise, t = darkness(g, bg, d, n, &noise);
    out->threshold = t;

    /* 5. pieces; the digit and what belongs to it */
    for (size_t i = 0; i < n; i++) lab[i] = d[i] > t;
    int np = label_pieces(lab, w, h);
    if (np < 0) goto done;
    if (np == 0) {
        rc = 0;
        goto done;
    }
    pieces = calloc((size_t)np, sizeof *pieces);
    if (!pieces) goto done;
    measure_pieces(lab, d, w, h, pieces, np);
    out->pieces = keep_pieces(pieces, np);
    out->specks = np - out->pieces;
    rc = 0;
    if (!big_enough(pieces, np, shorter)) {   /* paper noise on a blank page: say so */
        out->specks = np;
        out->pieces = 0;
        goto done;
    }

    /* 6. the kept ink and a halo around it (bg is free again: the mask) */
    kept_ink(lab, pieces, d, noise, t, w, h, r_halo, bg, scratch, ink);

done:
    free(bg);
    free(d);
    free(scratch);
    free(pad);
    free(lab);
    free(pieces);
    return rc;
}

int photo_clean(const float *src, int w, int h, PhotoClean *out)
{
    memset(out, 0, sizeof *out);
    if (!src || w <= 0 || h <= 0) return -1;
    /* 1. work size */
    int longer = w > h ? w : h, f = (longer + PHOTO_WORK_MAX - 1) / PHOTO_WORK_MAX;
    int ww = (w + f - 1) / f, wh = (h + f - 1) / f;
    size_t n = (size_t)ww * wh;
    float *g = malloc(n * sizeof(float)), *mask = malloc(n * sizeof(float));
    float *c = NULL, *ink = NULL;
    out->ink = calloc(n, sizeof(float));
    int rc = -1;
    if (!g || !mask || !out->ink) goto done;
    out->w = ww, out->h = wh;
    shrink(src, w, h, f, g, ww, wh);
    for (size_t i = 0; i < n; i++) g[i] = clamp01(g[i]);

    /* 1b. a sheet on a desk: the rest on the sheet alone, its ink put back in place */
    Box b;
    int sheet = find_sheet(g, ww, wh, mask, &b);
    if (sheet < 0) goto done;
    if (!sheet) {
        rc = clean_picture(g, ww, wh, out->ink, out);
        goto done;
    }
    int cw = b.x1 - b.x0 + 1, chh = b.y1 - b.y0 + 1;
    c = malloc((size_t)cw * chh * sizeof(float));
    ink = calloc((size_t)cw * chh, sizeof(float));
    if (!c || !ink) goto done;
    cut_sheet(g, mask, ww, b, c);
    rc = clean_picture(c, cw, chh, ink, out);
    if (rc) goto done;
    for (int y = 0; y < chh; y++)
        memcpy(out->ink + (size_t)(y + b.y0) * ww + b.x0, ink + (size_t)y * cw, (size_t)cw * sizeof(float));
    out->sheet_x = b.x0, out->sheet_y = b.y0, out->sheet_w = cw, out->sheet_h = chh;

done:
    if (rc) photo_clean_free(out);
    free(g);
    free(mask);
    free(c);
    free(ink);
    return rc;
}
