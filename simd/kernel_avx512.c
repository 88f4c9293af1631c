/* AVX-512: 32 zmm registers; broadcasts come from memory inside the FMAs, so a tile can keep up to
 * 28 accumulators (at least 8 are needed to cover 4-cycle latency on 2 FMA pipes). Only the
 * functions marked AVX512 use its instructions (target attributes), so the check and the
 * descriptor run on any CPU. */
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "simd/conv.h"
#include "simd/conv_bf16.h"
#include "simd/dense.h"
#include "simd/isa.h"
#include "simd/pool.h"

#define AVX512 __attribute__((target("avx512f,avx512vl,fma")))

/* ---- direct convolution (simd/conv.c) ----
 * Forward: 32 output channels (2 zmm) by 14 pixels = 28 accumulators; per tap and input channel,
 * 2 weight loads and 14 broadcasts feed 28 FMAs. Rows of 14 and 28 pixels (conv2, conv1) split
 * into whole tiles. Weight gradient: 8 rows of dw by 32 channels = 16 accumulators; per pixel, 2
 * loads of dy and 8 broadcasts feed 16 FMAs. 8 rows divide conv2's 32 input channels, so its
 * tiles never straddle two taps (measured against 9x32, 12x32, 6x64, 7x64 and 8x48). */
enum { CONV_CB = 32, CONV_PX = 14, WGRAD_CB = 32, WGRAD_ROWS = 8 };

/* the tiles fit the loops around them (simd/isa.h) */
ISA_ASSERT_TILES_FIT(CONV_CB, WGRAD_CB, WGRAD_ROWS);

/* A forward tile's accumulators (P pixels by 32 channels) start at the bias, zero without one. */
AVX512 static inline __attribute__((always_inline)) void
conv_tile_start(const int P, const float *bias, __m512 acc[][2])
{
    const __m512 b0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
    const __m512 b1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 14
    for (int p = 0; p < P; p++) {
        acc[p][0] = b0;
        acc[p][1] = b1;
    }
}

/* ... and end stored, with BatchNorm's sums of (out - shift) and its square when asked. */
AVX512 static inline __attribute__((always_inline)) void
conv_tile_finish(const int P, __m512 acc[][2], float *out, ptrdiff_t ldo, const float *shift,
                 float *sums)
{
#pragma GCC unroll 14
    for (int p = 0; p < P; p++) {
        _mm512_storeu_ps(out + p * ldo, acc[p][0]);
        _mm512_storeu_ps(out + p * ldo + 16, acc[p][1]);
    }
    if (!sums) return;
    const __m512 k0 = _mm512_loadu_ps(shift), k1 = _mm512_loadu_ps(shift + 16);
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, q0 = s0, q1 = s0;
#pragma GCC unroll 14
    for (int p = 0; p < P; p++) {
        const __m512 d0 = _mm512_sub_ps(acc[p][0], k0), d1 = _mm512_sub_ps(acc[p][1], k1);
        s0 = _mm512_add_ps(s0, d0);
        s1 = _mm512_add_ps(s1, d1);
        q0 = _mm512_fmadd_ps(d0, d0, q0);
        q1 = _mm512_fmadd_ps(d1, d1, q1);
    }
    _mm512_storeu_ps(sums, s0);
    _mm512_storeu_ps(sums + 16, s1);
    _mm512_storeu_ps(sums + CONV_CB, q0);
    _mm512_storeu_ps(sums + CONV_CB + 16, q1);
}

AVX512 static inline __attribute__((always_inline)) void
conv_tile_n(const int P, const float *in, ptrdiff_t in_row, int Cin, const float *w, ptrdiff_t ldw,
            const float *bias, float *out, ptrdiff_t ldo, const float *shift, float *sums)
{
    __m512 acc[CONV_PX][2];
    conv_tile_start(P, bias, acc);
    for (int t = 0; t < 9; t++) {
        const float *it = in + (t / 3) * in_row + (t % 3) * Cin;
        const float *wt = w + (ptrdiff_t)t * Cin * ldw;
        for (int ci = 0; ci < Cin; ci++) {
            const __m512 w0 = _mm512_loadu_ps(wt + ci * ldw), w1 = _mm512_loadu_ps(wt + ci * ldw + 16);
#pragma GCC unroll 14
            for (int p = 0; p < P; p++) {
                const __m512 v = _mm512_set1_ps(it[(ptrdiff_t)p * Cin + ci]);
                acc[p][0] = _mm512_fmadd_ps(w0, v, acc[p][0]);
                acc[p][1] = _mm512_fmadd_ps(w1, v, acc[p][1]);
            }
        }
    }
    conv_tile_finish(P, acc, out, ldo, shift, sums);
}

/* One specialisation per pixel count, so that every loop over pixels is unrolled into registers. */
#define CONV_TILE_CASE(n)                                                                          \
    case n: conv_tile_n(n, in, in_row, Cin, w, ldw, bias, out, ldo, shift, sums); break;

AVX512 static void conv_tile(const float *in, ptrdiff_t in_row, int Cin, const float *w,
                             ptrdiff_t ldw, const float *bias, float *out, ptrdiff_t ldo, int npix,
                             const float *shift, float *sums)
{
    switch (npix) {
    CONV_TILE_CASE(14) CONV_TILE_CASE(13) CONV_TILE_CASE(12) CONV_TILE_CASE(11)
    CONV_TILE_CASE(10) CONV_TILE_CASE(9) CONV_TILE_CASE(8) CONV_TILE_CASE(7)
    CONV_TILE_CASE(6) CONV_TILE_CASE(5) CONV_TILE_CASE(4) CONV_TILE_CASE(3)
    CONV_TILE_CASE(2) CONV_TILE_CASE(1)
    default: break;
    }
}

/* consecutive: the tile's rows are consecutive input channels of one tap (off[r] = off[0] + r),
 * so every broadcast is at a constant offset from one pointer: no offsets held in registers,
 * which measured 161 -> 190 GFLOP/s on conv2. The sums are the same either way. */
AVX512 static inline __attribute__((always_inline)) void
wgrad_tile_n(const int R, const int consecutive, const float *in, ptrdiff_t in_img,
             ptrdiff_t in_row, ptrdiff_t in_px, const ptrdiff_t *off, const float *dy,
             ptrdiff_t dy_img, ptrdiff_t dy_row, ptrdiff_t ldy, int S, int H, int W, float *dw,
             ptrdiff_t lddw)
{
    __m512 acc[WGRAD_ROWS][2];
    ptrdiff_t o[WGRAD_ROWS];
#pragma GCC unroll 9
    for (int r = 0; r < R; r++) {
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        o[r] = consecutive ? r : off[r];
    }
    if (consecutive) in += off[0];
    for (int s = 0; s < S; s++)
        for (int y = 0; y < H; y++) {
            const float *ip = in + s * in_img + y * in_row;
            const float *d = dy + s * dy_img + y * dy_row;
            for (int x = 0; x < W; x++, ip += in_px, d += ldy) {
                const __m512 d0 = _mm512_loadu_ps(d), d1 = _mm512_loadu_ps(d + 16);
#pragma GCC unroll 9
                for (int r = 0; r < R; r++) {
                    const __m512 v = _mm512_set1_ps(ip[o[r]]);
                    acc[r][0] = _mm512_fmadd_ps(v, d0, acc[r][0]);
                    acc[r][1] = _mm512_fmadd_ps(v, d1, acc[r][1]);
                }
            }
        }
#pragma GCC unroll 9
    for (int r = 0; r < R; r++) {
        _mm512_storeu_ps(dw + r * lddw, acc[r][0]);
        _mm512_storeu_ps(dw + r * lddw + 16, acc[r][1]);
    }
}

#define WGRAD_TILE_CASE(n)                                                                         \
    case n:                                                                                        \
        wgrad_tile_n(n, 0, in, in_img, in_row, in_px, off, dy, dy_img, dy_row, ldy, S, H, W, dw,    \
                     lddw);                                                                        \
        break;

AVX512 static void wgrad_tile(const float *in, ptrdiff_t in_img, ptrdiff_t in_row, ptrdiff_t in_px,
                              const ptrdiff_t *off, int nr, const float *dy, ptrdiff_t dy_img,
                              ptrdiff_t dy_row, ptrdiff_t ldy, int S, int H, int W, float *dw,
                              ptrdiff_t lddw)
{
    int consecutive = nr == WGRAD_ROWS;
    for (int r = 1; r < nr; r++) consecutive &= off[r] == off[0] + r;
    if (consecutive) {
        wgrad_tile_n(WGRAD_ROWS, 1, in, in_img, in_row, in_px, off, dy, dy_img, dy_row, ldy, S, H,
                     W, dw, lddw);
        return;
    }
    switch (nr) {
    WGRAD_TILE_CASE(8) WGRAD_TILE_CASE(7) WGRAD_TILE_CASE(6) WGRAD_TILE_CASE(5)
    WGRAD_TILE_CASE(4) WGRAD_TILE_CASE(3) WGRAD_TILE_CASE(2) WGRAD_TILE_CASE(1)
    default: break;
    }
}

/* The weight-gradient tile summed in the tree (simd/isa.h WgradTreeTile): each leaf's sums in
 * registers, then added into a stack of the partial sums of whole subtrees, a binary counter:
 * after leaf l, as many merges as (l + 1) has trailing zero bits; at the end what is left, right
 * to left. The stack lives in L1 (a tile per level); the arithmetic is that of wgrad_tile plus
 * one add per leaf. */
enum { TREE_LEVELS = 32 };

/* acc += a node of the stack, tile row by tile row. */
AVX512 static inline __attribute__((always_inline)) void
add_node(const int R, __m512 acc[][2], const float *t)
{
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
        acc[r][0] = _mm512_add_ps(_mm512_load_ps(t + r * 32), acc[r][0]);
        acc[r][1] = _mm512_add_ps(_mm512_load_ps(t + r * 32 + 16), acc[r][1]);
    }
}
AVX512 static inline __attribute__((always_inline)) void
wgrad_tree_tile_n(const int R, const float *x, ptrdiff_t ldx, const float *y, ptrdiff_t ldy,
                  int M, int leaf, float *dw, ptrdiff_t lddw)
{
    float stack[TREE_LEVELS][WGRAD_ROWS * WGRAD_CB] __attribute__((aligned(64)));
    int depth = 0;
    __m512 acc[WGRAD_ROWS][2];
    for (int l = 0, m0 = 0; m0 < M; l++, m0 += leaf) {
        const int m1 = M - m0 < leaf ? M : m0 + leaf;
#pragma GCC unroll 8
        for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        for (int m = m0; m < m1; m++) {
            const __m512 d0 = _mm512_loadu_ps(y + m * ldy), d1 = _mm512_loadu_ps(y + m * ldy + 16);
#pragma GCC unroll 8
            for (int r = 0; r < R; r++) {
                const __m512 v = _mm512_set1_ps(x[m * ldx + r]);
                acc[r][0] = _mm512_fmadd_ps(v, d0, acc[r][0]);
                acc[r][1] = _mm512_fmadd_ps(v, d1, acc[r][1]);
            }
        }
        for (unsigned c = (unsigned)l + 1; !(c & 1); c >>= 1) {
            add_node(R, acc, stack[--depth]);
        }
#pragma GCC unroll 8
        for (int r = 0; r < R; r++) {
            _mm512_store_ps(stack[depth] + r * 32, acc[r][0]);
            _mm512_store_ps(stack[depth] + r * 32 + 16, acc[r][1]);
        }
        depth++;
    }
    while (--depth > 0) add_node(R, acc, stack[depth - 1]);
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
        _mm512_storeu_ps(dw + r * lddw, M > 0 ? acc[r][0] : _mm512_setzero_ps());
        _mm512_storeu_ps(dw + r * lddw + 16, M > 0 ? acc[r][1] : _mm512_setzero_ps());
    }
}

#define WGRAD_TREE_CASE(n)                                                                         \
    case n: wgrad_tree_tile_n(n, x, ldx, y, ldy, M, leaf, dw, lddw); break;

AVX512 static void wgrad_tree_tile(const float *x, ptrdiff_t ldx, int nr, const float *y,
                                   ptrdiff_t ldy, int M, int leaf, float *dw, ptrdiff_t lddw)
{
    switch (nr) {
    WGRAD_TREE_CASE(8) WGRAD_TREE_CASE(7) WGRAD_TREE_CASE(6) WGRAD_TREE_CASE(5)
    WGRAD_TREE_CASE(4) WGRAD_TREE_CASE(3) WGRAD_TREE_CASE(2) WGRAD_TREE_CASE(1)
    default: break;
    }
}

/* ---- BF16 direct convolution (simd/conv_bf16.c) ----
 * vdpbf16ps: per float lane, a pair of bf16 products added to the accumulator, twice the
 * multiply-adds of an FMA per instruction. The tiles are the float ones with a pair of input
 * channels (forward) or of pixels (weight gradient) in each step: forward, 32 output channels
 * (2 zmm of 16 channel pairs of weights) by 14 pixels = 28 accumulators, each pixel's channel
 * pair a 32-bit broadcast; weight gradient, 8 rows of dw by 32 channels = 16 accumulators, per
 * pixel pair 2 loads of dy and 8 broadcasts of input pairs. Only the functions marked
 * AVX512_BF16 use the instruction; bf16_cpu_has checks for it. */
#define AVX512_BF16 __attribute__((target("avx512f,avx512vl,avx512bf16,fma")))

enum { CONV_BF16_CB = 32, CONV_BF16_PX = 14, WGRAD_BF16_CB = 32, WGRAD_BF16_ROWS = 8 };
_Static_assert((int)CONV_BF16_CB == (int)CONV_CB, "the BF16 forward tile ends like the float one (conv_tile_finish)");
ISA_ASSERT_TILES_FIT(CONV_BF16_CB, WGRAD_BF16_CB, WGRAD_BF16_ROWS);

/* a pair of bf16 in every 32-bit lane */
AVX512_BF16 static inline __attribute__((always_inline)) __m512i broadcast_pair(const bf16 *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

AVX512_BF16 static inline __attribute__((always_inline)) __m512
dot_pairs(__m512 acc, __m512i a, __m512i b)
{
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
}

AVX512_BF16 static inline __attribute__((always_inline)) void
conv_bf16_tile_n(const int P, const bf16 *in, ptrdiff_t in_row, int Cin, const bf16 *w,
                 ptrdiff_t ldw, const float *bias, float *out, ptrdiff_t ldo, const float *shift,
                 float *sums)
{
    __m512 acc[CONV_BF16_PX][2];
    conv_tile_start(P, bias, acc);
    for (int t = 0; t < 9; t++) {
        const bf16 *it = in + (t / 3) * in_row + (t % 3) * Cin;
        const bf16 *wt = w + (ptrdiff_t)t * (Cin / 2) * 2 * ldw;
        for (int j = 0; j < Cin / 2; j++) {
            const bf16 *wr = wt + (ptrdiff_t)j * 2 * ldw;
            const __m512i w0 = _mm512_loadu_si512(wr), w1 = _mm512_loadu_si512(wr + 32);
#pragma GCC unroll 14
            for (int p = 0; p < P; p++) {
                const __m512i v = broadcast_pair(it + (ptrdiff_t)p * Cin + 2 * j);
                acc[p][0] = dot_pairs(acc[p][0], w0, v);
                acc[p][1] = dot_pairs(acc[p][1], w1, v);
            }
        }
    }
    conv_tile_finish(P, acc, out, ldo, shift, sums);
}

#define CONV_BF16_CASE(n)                                                                          \
    case n: conv_bf16_tile_n(n, in, in_row, Cin, w, ldw, bias, out, ldo, shift, sums); break;

AVX512_BF16 static void conv_bf16_tile(const bf16 *in, ptrdiff_t in_row, int Cin, const bf16 *w,
                                       ptrdiff_t ldw, const float *bias, float *out,
                                       ptrdiff_t ldo, int npix, const float *shift, float *sums)
{
    switch (npix) {
    CONV_BF16_CASE(14) CONV_BF16_CASE(13) CONV_BF16_CASE(12) CONV_BF16_CASE(11)
    CONV_BF16_CASE(10) CONV_BF16_CASE(9) CONV_BF16_CASE(8) CONV_BF16_CASE(7)
    CONV_BF16_CASE(6) CONV_BF16_CASE(5) CONV_BF16_CASE(4) CONV_BF16_CASE(3)
    CONV_BF16_CASE(2) CONV_BF16_CASE(1)
    default: break;
    }
}

/* consecutive: the rows are consecutive input channels of one tap (off[r] = off[0] + 2r), every
 * broadcast at a constant offset from one pointer, as in wgrad_tile. */
AVX512_BF16 static inline __attribute__((always_inline)) void
wgrad_bf16_tile_n(const int R, const int consecutive, const bf16 *in, ptrdiff_t in_img,
                  ptrdiff_t in_row, ptrdiff_t in_pair, const ptrdiff_t *off, const bf16 *dy,
                  ptrdiff_t dy_img, ptrdiff_t dy_row, ptrdiff_t ldy, int S, int H, int PW,
                  float *dw, ptrdiff_t lddw)
{
    __m512 acc[WGRAD_BF16_ROWS][2];
    ptrdiff_t o[WGRAD_BF16_ROWS];
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        o[r] = consecutive ? 2 * r : off[r];
    }
    if (consecutive) in += off[0];
    for (int s = 0; s < S; s++)
        for (int y = 0; y < H; y++) {
            const bf16 *ip = in + s * in_img + y * in_row;
            const bf16 *d = dy + s * dy_img + y * dy_row;
            for (int m = 0; m < PW; m++, ip += in_pair, d += ldy) {
                const __m512i d0 = _mm512_loadu_si512(d), d1 = _mm512_loadu_si512(d + 32);
#pragma GCC unroll 8
                for (int r = 0; r < R; r++) {
                    const __m512i v = broadcast_pair(ip + o[r]);
                    acc[r][0] = dot_pairs(acc[r][0], v, d0);
                    acc[r][1] = dot_pairs(acc[r][1], v, d1);
                }
            }
        }
#pragma GCC unroll 8
    for (int r = 0; r < R; r++) {
        _mm512_storeu_ps(dw + r * lddw, acc[r][0]);
        _mm512_storeu_ps(dw + r * lddw + 16, acc[r][1]);
    }
}

#define WGRAD_BF16_CASE(n)                                                                         \
    case n:                                                                                        \
        wgrad_bf16_tile_n(n, 0, in, in_img, in_row, in_pair, off, dy, dy_img, dy_row, ldy, S, H,   \
                          PW, dw, lddw);                                                           \
        break;

AVX512_BF16 static void wgrad_bf16_tile(const bf16 *in, ptrdiff_t in_img, ptrdiff_t in_row,
                                        ptrdiff_t in_pair, const ptrdiff_t *off, int nr,
                                        const bf16 *dy, ptrdiff_t dy_img, ptrdiff_t dy_row,
                                        ptrdiff_t ldy, int S, int H, int PW, float *dw,
                                        ptrdiff_t lddw)
{
    int consecutive = nr == WGRAD_BF16_ROWS;
    for (int r = 1; r < nr; r++) consecutive &= off[r] == off[0] + 2 * r;
    if (consecutive) {
        wgrad_bf16_tile_n(WGRAD_BF16_ROWS, 1, in, in_img, in_row, in_pair, off, dy, dy_img, dy_row,
                          ldy, S, H, PW, dw, lddw);
        return;
    }
    switch (nr) {
    WGRAD_BF16_CASE(8) WGRAD_BF16_CASE(7) WGRAD_BF16_CASE(6) WGRAD_BF16_CASE(5)
    WGRAD_BF16_CASE(4) WGRAD_BF16_CASE(3) WGRAD_BF16_CASE(2) WGRAD_BF16_CASE(1)
    default: break;
    }
}

static volatile float peak_bf16_sink;

/* The conversions: vcvtneps2bf16 rounds as bf16_round does (to nearest even, denormals to signed
 * zero, NaN quietened: Intel's pseudo-code, and on Zen 5 every one of the 2^32 floats); tails
 * shorter than 16 floats go through bf16_round itself. */
AVX512_BF16 static inline __attribute__((always_inline)) __m256i round16(const float *x)
{
    return (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x));
}

AVX512_BF16 static void bf16_round_row(const float *x, size_t n, bf16 *out)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        _mm512_storeu_si512(out + i, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16),
                                                                  _mm512_loadu_ps(x + i)));
    for (; i + 16 <= n; i += 16) _mm256_storeu_si256((__m256i *)(out + i), round16(x + i));
    for (; i < n; i++) out[i] = bf16_round(x[i]);
}

/* 16 channels of a pixel pair: pixel a's in the low half of each 32-bit lane, b's in the high */
AVX512_BF16 static void bf16_pair_row(const float *x, int C, int npix, bf16 *out)
{
    for (int m = 0; 2 * m < npix; m++) {
        const float *a = x + (ptrdiff_t)2 * m * C, *b = a + C;
        const int has_b = 2 * m + 1 < npix;
        bf16 *p = out + (ptrdiff_t)2 * m * C;
        int c = 0;
        for (; c + 16 <= C; c += 16) {
            const __m512i lo = _mm512_cvtepu16_epi32(round16(a + c));
            const __m512i hi = has_b ? _mm512_slli_epi32(_mm512_cvtepu16_epi32(round16(b + c)), 16)
                                     : _mm512_setzero_si512();
            _mm512_storeu_si512(p + 2 * c, _mm512_or_si512(lo, hi));
        }
        for (; c < C; c++) {
            p[2 * c] = bf16_round(a[c]);
            p[2 * c + 1] = has_b ? bf16_round(b[c]) : 0;
        }
    }
}

/* pool_row_unpool_bn (simd/pool_rows.h) with its float operations spelt out in the same order
 * (no fused multiply-adds: the pool kernels have none), each dx rounded into both layouts */
AVX512_BF16 static inline __attribute__((always_inline)) __m512i pair_lanes(__m512 a, __m512 b)
{
    return _mm512_or_si512(_mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(a)),
                           _mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(b)), 16));
}

AVX512_BF16 static void unpool_bn_bf16(int OW, int C, const float *dq, const unsigned char *win,
                                       const float *x0, const float *x1, const BnBackward *bn,
                                       bf16 *img0, bf16 *img1, bf16 *pair0, bf16 *pair1, float *r)
{
    for (int c = 0; c < C; c += 16) {
        const __m512 kdy = _mm512_loadu_ps(bn->k_dy + c), kx = _mm512_loadu_ps(bn->k_x + c);
        const __m512 k0 = _mm512_loadu_ps(bn->k_0 + c), mu = _mm512_loadu_ps(bn->mean + c);
        __m512 s = _mm512_setzero_ps();
        for (int ox = 0; ox < OW; ox++) {
            const ptrdiff_t o = (ptrdiff_t)ox * C + c, i = 2 * o - c;
            const __m512 w = _mm512_mul_ps(kdy, _mm512_loadu_ps(dq + o));
            const __m512i g = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(win + o)));
#define UNPOOL_V(x, k)                                                                             \
    _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(kx, _mm512_sub_ps(_mm512_loadu_ps(x), mu)), k0),     \
                  _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(g, _mm512_set1_epi32(k)), w))
            const __m512 v0 = UNPOOL_V(x0 + i, 0), v1 = UNPOOL_V(x0 + i + C, 1);
            const __m512 v2 = UNPOOL_V(x1 + i, 2), v3 = UNPOOL_V(x1 + i + C, 3);
#undef UNPOOL_V
            _mm256_storeu_si256((__m256i *)(img0 + i), (__m256i)_mm512_cvtneps_pbh(v0));
            _mm256_storeu_si256((__m256i *)(img0 + i + C), (__m256i)_mm512_cvtneps_pbh(v1));
            _mm256_storeu_si256((__m256i *)(img1 + i), (__m256i)_mm512_cvtneps_pbh(v2));
            _mm256_storeu_si256((__m256i *)(img1 + i + C), (__m256i)_mm512_cvtneps_pbh(v3));
            _mm512_storeu_si512(pair0 + 2 * o, pair_lanes(v0, v1));
            _mm512_storeu_si512(pair1 + 2 * o, pair_lanes(v2, v3));
            s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(v0, v1), _mm512_add_ps(v2, v3)));
        }
        _mm512_storeu_ps(r + c, s);
    }
}

/* 24 chains of one vdpbf16ps each (16 lanes of 2 products and 2 adds). */
AVX512_BF16 static double peak_bf16_chains(long iters)
{
    enum { NACC = 24 };
    __m512 acc[NACC];
    const __m512i x = _mm512_set1_epi32(0x3f803f80), y = _mm512_set1_epi32(0x33d633d6); /* 1, 1e-7 */
    for (int j = 0; j < NACC; j++) acc[j] = _mm512_set1_ps((float)j);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 32
        for (int j = 0; j < NACC; j++) acc[j] = dot_pairs(acc[j], x, y);
    __m512 s = acc[0];
    for (int j = 1; j < NACC; j++) s = _mm512_add_ps(s, acc[j]);
    peak_bf16_sink = _mm512_reduce_add_ps(s);
    return 4.0 * 16 * NACC * (double)iters;
}

/* AVX512_BF16: CPUID leaf 7, sub-leaf 1, EAX bit 5 (with AVX-512 itself, cpu_has below). Asked
 * once: every BF16 call checks it (simd/conv_bf16.c), and CPUID is slow (4 us a call in a virtual
 * machine, where it traps: a millisecond per training step). */
static int cpu_has(void);
static int bf16_cpu_has(void)
{
    static _Atomic int known = -1;
    int has = atomic_load_explicit(&known, memory_order_relaxed);
    if (has < 0) {
        unsigned a, b, c, d;
        has = cpu_has() && __get_cpuid_count(7, 1, &a, &b, &c, &d) && ((a >> 5) & 1u);
        atomic_store_explicit(&known, has, memory_order_relaxed);
    }
    return has;
}

/* ---- dense (simd/dense.c) ----
 * 6 rows by 64 columns (4 zmm) = 24 accumulators; per k, 4 loads of the packed weights and 6
 * broadcasts of x feed 24 FMAs (a last block of 32 columns: 2 zmm). One row (an image at a time)
 * keeps 4 chains, latency-bound but one pass over the weights. */
enum { DENSE_CB = 64, DENSE_ROWS = 6 };
/* dense_tile has the two widths a block of columns can have: 64, or a last 32 */
_Static_assert(DENSE_CB == 2 * DENSE_COL_STEP, "dense_tile handles DENSE_CB and DENSE_COL_STEP "
                                               "columns only");

AVX512 static inline __attribute__((always_inline)) void
dense_tile_n(const int R, const int NVEC, int K, const float *x, ptrdiff_t ldx, const float *wt,
             ptrdiff_t ldw, const float *bias, float *out, ptrdiff_t ldo)
{
    __m512 acc[DENSE_ROWS][4];
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NVEC; v++)
            acc[r][v] = _mm512_loadu_ps(bias ? bias + 16 * v : out + r * ldo + 16 * v);
    for (int k = 0; k < K; k++) {
        const float *w = wt + (ptrdiff_t)k * ldw;
        __m512 wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < NVEC; v++) wv[v] = _mm512_loadu_ps(w + 16 * v);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            const __m512 a = _mm512_set1_ps(x[r * ldx + k]);
#pragma GCC unroll 4
            for (int v = 0; v < NVEC; v++) acc[r][v] = _mm512_fmadd_ps(a, wv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NVEC; v++) _mm512_storeu_ps(out + r * ldo + 16 * v, acc[r][v]);
}

#define DENSE_TILE_CASE(n, nv)                                                                     \
    case n: dense_tile_n(n, nv, K, x, ldx, wt, ldw, bias, out, ldo); break;

AVX512 static void dense_tile(int K, const float *x, ptrdiff_t ldx, int nr, int nc,
                              const float *wt, ptrdiff_t ldw, const float *bias, float *out,
                              ptrdiff_t ldo)
{
    if (nc == 64) {
        switch (nr) {
        DENSE_TILE_CASE(6, 4) DENSE_TILE_CASE(5, 4) DENSE_TILE_CASE(4, 4) DENSE_TILE_CASE(3, 4)
        DENSE_TILE_CASE(2, 4) DENSE_TILE_CASE(1, 4)
        default: break;
        }
        return;
    }
    switch (nr) {
    DENSE_TILE_CASE(6, 2) DENSE_TILE_CASE(5, 2) DENSE_TILE_CASE(4, 2) DENSE_TILE_CASE(3, 2)
    DENSE_TILE_CASE(2, 2) DENSE_TILE_CASE(1, 2)
    default: break;
    }
}

static volatile float peak_sink;

/* 24 chains of one FMA each, of the 32 zmm registers. */
AVX512 static double peak_chains(long iters)
{
    enum { NACC = 24 };
    __m512 acc[NACC];
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int j = 0; j < NACC; j++) acc[j] = _mm512_set1_ps((float)j);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 32
        for (int j = 0; j < NACC; j++) acc[j] = _mm512_fmadd_ps(acc[j], x, y);
    __m512 s = acc[0];
    for (int j = 1; j < NACC; j++) s = _mm512_add_ps(s, acc[j]);
    peak_sink = _mm512_reduce_add_ps(s);
    return 2.0 * 16 * NACC * (double)iters;
}

static int cpu_has(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("fma");
}

#define VEC_TARGET AVX512
#define VEC_LANES 16
#include "simd/vec.h"
#include "simd/pool_rows.h"
#include "simd/winograd_rows.h"

const IsaDesc isa_avx512 = {
    .name = "avx512", .cpu_has = cpu_has,
    .conv_cb = CONV_CB, .conv_px = CONV_PX, .conv_tile = conv_tile,
    .wgrad_cb = WGRAD_CB, .wgrad_rows = WGRAD_ROWS, .wgrad_tile = wgrad_tile,
    .wgrad_tree_tile = wgrad_tree_tile,
    .dense_cb = DENSE_CB, .dense_rows = DENSE_ROWS, .dense_tile = dense_tile,
    .pool = POOL_ROW_KERNELS,
    .wino = WINO_ROW_KERNELS,
    .peak_chains = peak_chains,
    .bf16_cpu_has = bf16_cpu_has,
    .conv_bf16_cb = CONV_BF16_CB, .conv_bf16_px = CONV_BF16_PX, .conv_bf16_tile = conv_bf16_tile,
    .wgrad_bf16_cb = WGRAD_BF16_CB, .wgrad_bf16_rows = WGRAD_BF16_ROWS,
    .wgrad_bf16_tile = wgrad_bf16_tile,
    .bf16_round_row = bf16_round_row, .bf16_pair_row = bf16_pair_row,
    .unpool_bn_bf16 = unpool_bn_bf16,
    .peak_bf16_chains = peak_bf16_chains,
};
