/* The portable set: plain C every CPU runs, and the plain spec of every kernel's contract. The
 * compiler may vectorise across channels, which keeps each value's order of operations; the file
 * is built with -ffp-contract=off so a*b+c is never fused differently from one build of a loop to
 * another. */
#include "simd/conv.h"
#include "simd/conv_bf16.h"
#include "simd/dense.h"
#include "simd/isa.h"
#include "simd/pool.h"

#include <string.h>

/* ---- direct convolution: 8 channels a tile (the compiler may vectorise across them, which
 * keeps each value's order), 4 pixels; weight gradients 4 rows of 8 channels ---- */
enum { CONV_CB = 8, CONV_PX = 4, WGRAD_CB = 8, WGRAD_ROWS = 4 };

/* the tiles fit the loops around them (simd/isa.h) */
ISA_ASSERT_TILES_FIT(CONV_CB, WGRAD_CB, WGRAD_ROWS);

/* A forward tile's end: stored, and with sums, BatchNorm's sums of (out - shift) and its square. */
static void conv_tile_finish(int npix, float acc[][CONV_CB], float *out, ptrdiff_t ldo,
                             const float *shift, float *sums)
{
    for (int p = 0; p < npix; p++)
        for (int c = 0; c < CONV_CB; c++) out[p * ldo + c] = acc[p][c];
    if (!sums) return;
    for (int c = 0; c < CONV_CB; c++) {
        float s1 = 0.0f, s2 = 0.0f;
        for (int p = 0; p < npix; p++) {
            float d = acc[p][c] - shift[c];
            s1 += d;
            s2 += d * d;
        }
        sums[c] = s1;
        sums[CONV_CB + c] = s2;
    }
}

static void conv_tile(const float *in, ptrdiff_t in_row, int Cin, const float *w, ptrdiff_t ldw,
                      const float *bias, float *out, ptrdiff_t ldo, int npix, const float *shift,
                      float *sums)
{
    float acc[CONV_PX][CONV_CB];
    for (int p = 0; p < npix; p++)
        for (int c = 0; c < CONV_CB; c++) acc[p][c] = bias ? bias[c] : 0.0f;
    for (int t = 0; t < 9; t++) {
        const float *it = in + (t / 3) * in_row + (t % 3) * Cin;
        for (int ci = 0; ci < Cin; ci++) {
            const float *wr = w + ((ptrdiff_t)t * Cin + ci) * ldw;
            for (int p = 0; p < npix; p++) {
                float v = it[(ptrdiff_t)p * Cin + ci];
                for (int c = 0; c < CONV_CB; c++) acc[p][c] += wr[c] * v;
            }
        }
    }
    conv_tile_finish(npix, acc, out, ldo, shift, sums);
}

static void wgrad_tile(const float *in, ptrdiff_t in_img, ptrdiff_t in_row, ptrdiff_t in_px,
                       const ptrdiff_t *off, int nr, const float *dy, ptrdiff_t dy_img,
                       ptrdiff_t dy_row, ptrdiff_t ldy, int S, int H, int W, float *dw,
                       ptrdiff_t lddw)
{
    float acc[WGRAD_ROWS][WGRAD_CB] = {{0}};
    for (int s = 0; s < S; s++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                const float *ip = in + s * in_img + y * in_row + x * in_px;
                const float *d = dy + s * dy_img + y * dy_row + x * ldy;
                for (int r = 0; r < nr; r++) {
                    float v = ip[off[r]];
                    for (int c = 0; c < WGRAD_CB; c++) acc[r][c] += v * d[c];
                }
            }
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < WGRAD_CB; c++) dw[r * lddw + c] = acc[r][c];
}

/* The weight-gradient tile summed in the tree (simd/isa.h WgradTreeTile): each leaf's sums in
 * registers, then added into a stack of the partial sums of whole subtrees, a binary counter:
 * after leaf l, as many merges as (l + 1) has trailing zero bits; at the end what is left, right
 * to left. The stack lives in L1 (a tile per level); the arithmetic is that of wgrad_tile plus
 * one add per leaf. */
enum { TREE_LEVELS = 32 };
static void wgrad_tree_tile(const float *x, ptrdiff_t ldx, int nr, const float *y,
                            ptrdiff_t ldy, int M, int leaf, float *dw, ptrdiff_t lddw)
{
    float stack[TREE_LEVELS][WGRAD_ROWS][WGRAD_CB], acc[WGRAD_ROWS][WGRAD_CB] = {{0}};
    int depth = 0;
    for (int l = 0, m0 = 0; m0 < M; l++, m0 += leaf) {
        const int m1 = M - m0 < leaf ? M : m0 + leaf;
        memset(acc, 0, sizeof acc);
        for (int m = m0; m < m1; m++)
            for (int r = 0; r < nr; r++) {
                const float v = x[m * ldx + r];
                for (int c = 0; c < WGRAD_CB; c++) acc[r][c] += v * y[m * ldy + c];
            }
        for (unsigned c = (unsigned)l + 1; !(c & 1); c >>= 1) {
            --depth;
            for (int r = 0; r < WGRAD_ROWS; r++)
                for (int k = 0; k < WGRAD_CB; k++) acc[r][k] = stack[depth][r][k] + acc[r][k];
        }
        memcpy(stack[depth++], acc, sizeof acc);
    }
    while (--depth > 0)
        for (int r = 0; r < WGRAD_ROWS; r++)
            for (int k = 0; k < WGRAD_CB; k++) acc[r][k] = stack[depth - 1][r][k] + acc[r][k];
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < WGRAD_CB; c++) dw[r * lddw + c] = acc[r][c];
}

/* ---- BF16 direct convolution (simd/conv_bf16.c): the emulation of vdpbf16ps, each pair summed
 * by bf16_dot_step in the instruction's order, so that it gives the bits of AVX-512 BF16 on any
 * CPU; the tiles of the float ones ---- */

static void conv_bf16_tile(const bf16 *in, ptrdiff_t in_row, int Cin, const bf16 *w,
                           ptrdiff_t ldw, const float *bias, float *out, ptrdiff_t ldo, int npix,
                           const float *shift, float *sums)
{
    float acc[CONV_PX][CONV_CB];
    for (int p = 0; p < npix; p++)
        for (int c = 0; c < CONV_CB; c++) acc[p][c] = bias ? bias[c] : 0.0f;
    for (int t = 0; t < 9; t++) {
        const bf16 *it = in + (t / 3) * in_row + (t % 3) * Cin;
        for (int j = 0; j < Cin / 2; j++) {
            const bf16 *wr = w + ((ptrdiff_t)t * (Cin / 2) + j) * 2 * ldw;
            for (int p = 0; p < npix; p++)
                for (int c = 0; c < CONV_CB; c++)
                    acc[p][c] = bf16_dot_step(acc[p][c], wr + 2 * c, it + (ptrdiff_t)p * Cin + 2 * j);
        }
    }
    conv_tile_finish(npix, acc, out, ldo, shift, sums);
}

static void wgrad_bf16_tile(const bf16 *in, ptrdiff_t in_img, ptrdiff_t in_row,
                            ptrdiff_t in_pair, const ptrdiff_t *off, int nr, const bf16 *dy,
                            ptrdiff_t dy_img, ptrdiff_t dy_row, ptrdiff_t ldy, int S, int H,
                            int PW, float *dw, ptrdiff_t lddw)
{
    float acc[WGRAD_ROWS][WGRAD_CB] = {{0}};
    for (int s = 0; s < S; s++)
        for (int y = 0; y < H; y++)
            for (int m = 0; m < PW; m++) {
                const bf16 *ip = in + s * in_img + y * in_row + m * in_pair;
                const bf16 *d = dy + s * dy_img + y * dy_row + m * ldy;
                for (int r = 0; r < nr; r++)
                    for (int c = 0; c < WGRAD_CB; c++)
                        acc[r][c] = bf16_dot_step(acc[r][c], ip + off[r], d + 2 * c);
            }
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < WGRAD_CB; c++) dw[r * lddw + c] = acc[r][c];
}

/* the conversions: bf16_round, element by element (the spec of every set's) */
static void bf16_round_row(const float *x, size_t n, bf16 *out)
{
    for (size_t i = 0; i < n; i++) out[i] = bf16_round(x[i]);
}

static void bf16_pair_row(const float *x, int C, int npix, bf16 *out)
{
    for (int p = 0; p < npix + npix % 2; p++) {
        const int m = p / 2, k = p % 2;
        for (int c = 0; c < C; c++)
            out[((ptrdiff_t)m * C + c) * 2 + k] = p < npix ? bf16_round(x[(ptrdiff_t)p * C + c]) : 0;
    }
}

/* pool_row_unpool_bn (simd/pool_rows.h) element by element, the same float operations in the
 * same order, each dx rounded with bf16_round into both layouts */
static void unpool_bn_bf16(int OW, int C, const float *dq, const unsigned char *win,
                           const float *x0, const float *x1, const BnBackward *bn, bf16 *img0,
                           bf16 *img1, bf16 *pair0, bf16 *pair1, float *r)
{
    for (int c = 0; c < C; c++) {
        const float kdy = bn->k_dy[c], kx = bn->k_x[c], k0 = bn->k_0[c], mu = bn->mean[c];
        float s = 0.0f;
        for (int ox = 0; ox < OW; ox++) {
            const ptrdiff_t o = (ptrdiff_t)ox * C + c, i = 2 * o - c;
            const float w = kdy * dq[o];
            const int g = win[o];
            const float v0 = kx * (x0[i] - mu) + k0 + (g == 0 ? w : 0.0f);
            const float v1 = kx * (x0[i + C] - mu) + k0 + (g == 1 ? w : 0.0f);
            const float v2 = kx * (x1[i] - mu) + k0 + (g == 2 ? w : 0.0f);
            const float v3 = kx * (x1[i + C] - mu) + k0 + (g == 3 ? w : 0.0f);
            img0[i] = pair0[2 * o] = bf16_round(v0);
            img0[i + C] = pair0[2 * o + 1] = bf16_round(v1);
            img1[i] = pair1[2 * o] = bf16_round(v2);
            img1[i + C] = pair1[2 * o + 1] = bf16_round(v3);
            s = s + ((v0 + v1) + (v2 + v3));
        }
        r[c] = s;
    }
}

/* dense (simd/dense.c): 4 rows by 8 columns */
enum { DENSE_CB = 8, DENSE_ROWS = 4 };
_Static_assert(DENSE_COL_STEP % DENSE_CB == 0, "a dense tile splits DENSE_COL_STEP columns whole");

static void dense_tile(int K, const float *x, ptrdiff_t ldx, int nr, int nc, const float *wt,
                       ptrdiff_t ldw, const float *bias, float *out, ptrdiff_t ldo)
{
    float acc[DENSE_ROWS][DENSE_CB];
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < DENSE_CB; c++) acc[r][c] = bias ? bias[c] : out[r * ldo + c];
    for (int k = 0; k < K; k++)
        for (int r = 0; r < nr; r++) {
            const float a = x[r * ldx + k];
            for (int c = 0; c < DENSE_CB; c++) acc[r][c] += a * wt[k * ldw + c];
        }
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < DENSE_CB; c++) out[r * ldo + c] = acc[r][c];
}

static volatile float peak_sink;

/* 48 chains of a multiply and an add (2 flops), vectorised by the compiler with the baseline SIMD,
 * as it does the micro-kernel. */
static double peak_chains(long iters)
{
    enum { NACC = 48 };
    float acc[NACC];
    const float x = 0.999999f, y = 1e-7f;
    for (int j = 0; j < NACC; j++) acc[j] = (float)j;
    for (long i = 0; i < iters; i++)
        for (int j = 0; j < NACC; j++) acc[j] = acc[j] * x + y;
    float s = 0;
    for (int j = 0; j < NACC; j++) s += acc[j];
    peak_sink = s;
    return 2.0 * NACC * (double)iters;
}

static int cpu_has(void) { return 1; }

#define VEC_TARGET /* the baseline */
#define VEC_LANES 4
#include "simd/vec.h"
#include "simd/pool_rows.h"
#include "simd/winograd_rows.h"

const IsaDesc isa_scalar = {
    .name = "scalar", .cpu_has = cpu_has,
    .conv_cb = CONV_CB, .conv_px = CONV_PX, .conv_tile = conv_tile,
    .wgrad_cb = WGRAD_CB, .wgrad_rows = WGRAD_ROWS, .wgrad_tile = wgrad_tile,
    .wgrad_tree_tile = wgrad_tree_tile,
    .dense_cb = DENSE_CB, .dense_rows = DENSE_ROWS, .dense_tile = dense_tile,
    .pool = POOL_ROW_KERNELS,
    .wino = WINO_ROW_KERNELS,
    .peak_chains = peak_chains,
    .conv_bf16_cb = CONV_CB, .conv_bf16_px = CONV_PX, .conv_bf16_tile = conv_bf16_tile,
    .wgrad_bf16_cb = WGRAD_CB, .wgrad_bf16_rows = WGRAD_ROWS, .wgrad_bf16_tile = wgrad_bf16_tile,
    .bf16_round_row = bf16_round_row, .bf16_pair_row = bf16_pair_row,
    .unpool_bn_bf16 = unpool_bn_bf16,
};
