/* AVX2 + FMA: 16 ymm registers, each tile sized to keep its accumulators, operands and a
 * broadcast in them. Only the functions marked AVX2 use its instructions (target attributes), so
 * the check and the descriptor run on any CPU. */
#include <immintrin.h>

#include "simd/conv.h"
#include "simd/dense.h"
#include "simd/isa.h"

#define AVX2 __attribute__((target("avx2,fma")))

/* ---- direct convolution (simd/conv.c) ----
 * Forward: 16 output channels (2 ymm) by 5 pixels = 10 accumulators, 2 for the weights and 1 for
 * the broadcast. (6 pixels would use all 16 registers on paper, but GCC then spills one
 * accumulator inside the loop, whose store-reload chain cost a quarter of the speed: 66 -> 74 %
 * of peak on conv2.) Weight gradient: 6 rows of dw by 16 channels = 12 accumulators,
 * 2 for dy, 1 for the broadcast. */
enum { CONV_CB = 16, CONV_PX = 5, WGRAD_CB = 16, WGRAD_ROWS = 6 };

/* the tiles fit the loops around them (simd/isa.h) */
ISA_ASSERT_TILES_FIT(CONV_CB, WGRAD_CB, WGRAD_ROWS);

AVX2 static inline __attribute__((always_inline)) void
conv_tile_n(const int P, const float *in, ptrdiff_t in_row, int Cin, const float *w, ptrdiff_t ldw,
            const float *bias, float *out, ptrdiff_t ldo, const float *shift, float *sums)
{
    __m256 acc[CONV_PX][2];
    const __m256 b0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    const __m256 b1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
#pragma GCC unroll 5
    for (int p = 0; p < P; p++) {
        acc[p][0] = b0;
        acc[p][1] = b1;
    }
    for (int t = 0; t < 9; t++) {
        const float *it = in + (t / 3) * in_row + (t % 3) * Cin;
        const float *wt = w + (ptrdiff_t)t * Cin * ldw;
        for (int ci = 0; ci < Cin; ci++) {
            const __m256 w0 = _mm256_loadu_ps(wt + ci * ldw), w1 = _mm256_loadu_ps(wt + ci * ldw + 8);
#pragma GCC unroll 5
            for (int p = 0; p < P; p++) {
                const __m256 v = _mm256_broadcast_ss(it + (ptrdiff_t)p * Cin + ci);
                acc[p][0] = _mm256_fmadd_ps(w0, v, acc[p][0]);
                acc[p][1] = _mm256_fmadd_ps(w1, v, acc[p][1]);
            }
        }
    }
#pragma GCC unroll 5
    for (int p = 0; p < P; p++) {
        _mm256_storeu_ps(out + p * ldo, acc[p][0]);
        _mm256_storeu_ps(out + p * ldo + 8, acc[p][1]);
    }
    if (!sums) return;
    const __m256 k0 = _mm256_loadu_ps(shift), k1 = _mm256_loadu_ps(shift + 8);
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, q0 = s0, q1 = s0;
#pragma GCC unroll 5
    for (int p = 0; p < P; p++) {
        const __m256 d0 = _mm256_sub_ps(acc[p][0], k0), d1 = _mm256_sub_ps(acc[p][1], k1);
        s0 = _mm256_add_ps(s0, d0);
        s1 = _mm256_add_ps(s1, d1);
        q0 = _mm256_fmadd_ps(d0, d0, q0);
        q1 = _mm256_fmadd_ps(d1, d1, q1);
    }
    _mm256_storeu_ps(sums, s0);
    _mm256_storeu_ps(sums + 8, s1);
    _mm256_storeu_ps(sums + CONV_CB, q0);
    _mm256_storeu_ps(sums + CONV_CB + 8, q1);
}

#define CONV_TILE_CASE(n)                                                                          \
    case n: conv_tile_n(n, in, in_row, Cin, w, ldw, bias, out, ldo, shift, sums); break;

AVX2 static void conv_tile(const float *in, ptrdiff_t in_row, int Cin, const float *w,
                           ptrdiff_t ldw, const float *bias, float *out, ptrdiff_t ldo, int npix,
                           const float *shift, float *sums)
{
    switch (npix) {
    CONV_TILE_CASE(5) CONV_TILE_CASE(4) CONV_TILE_CASE(3) CONV_TILE_CASE(2) CONV_TILE_CASE(1)
    default: break;
    }
}

AVX2 static inline __attribute__((always_inline)) void
wgrad_tile_n(const int R, const float *in, ptrdiff_t in_img, ptrdiff_t in_row, ptrdiff_t in_px,
             const ptrdiff_t *off, const float *dy, ptrdiff_t dy_img, ptrdiff_t dy_row, ptrdiff_t ldy,
             int S, int H, int W, float *dw, ptrdiff_t lddw)
{
    __m256 acc[WGRAD_ROWS][2];
    ptrdiff_t o[WGRAD_ROWS];
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
        o[r] = off[r];
    }
    for (int s = 0; s < S; s++)
        for (int y = 0; y < H; y++) {
            const float *ip = in + s * in_img + y * in_row;
            const float *d = dy + s * dy_img + y * dy_row;
            for (int x = 0; x < W; x++, ip += in_px, d += ldy) {
                const __m256 d0 = _mm256_loadu_ps(d), d1 = _mm256_loadu_ps(d + 8);
#pragma GCC unroll 6
                for (int r = 0; r < R; r++) {
                    const __m256 v = _mm256_broadcast_ss(ip + o[r]);
                    acc[r][0] = _mm256_fmadd_ps(v, d0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(v, d1, acc[r][1]);
                }
            }
        }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        _mm256_storeu_ps(dw + r * lddw, acc[r][0]);
        _mm256_storeu_ps(dw + r * lddw + 8, acc[r][1]);
    }
}

#define WGRAD_TILE_CASE(n)                                                                         \
    case n:                                                                                        \
        wgrad_tile_n(n, in, in_img, in_row, in_px, off, dy, dy_img, dy_row, ldy, S, H, W, dw, lddw); \
        break;

AVX2 static void wgrad_tile(const float *in, ptrdiff_t in_img, ptrdiff_t in_row, ptrdiff_t in_px,
                            const ptrdiff_t *off, int nr, const float *dy, ptrdiff_t dy_img,
                            ptrdiff_t dy_row, ptrdiff_t ldy, int S, int H, int W, float *dw,
                            ptrdiff_t lddw)
{
    switch (nr) {
    WGRAD_TILE_CASE(6) WGRAD_TILE_CASE(5) WGRAD_TILE_CASE(4) WGRAD_TILE_CASE(3)
    WGRAD_TILE_CASE(2) WGRAD_TILE_CASE(1)
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
AVX2 static inline __attribute__((always_inline)) void
add_node(const int R, __m256 acc[][2], const float *t)
{
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        acc[r][0] = _mm256_add_ps(_mm256_load_ps(t + r * 16), acc[r][0]);
        acc[r][1] = _mm256_add_ps(_mm256_load_ps(t + r * 16 + 8), acc[r][1]);
    }
}
AVX2 static inline __attribute__((always_inline)) void
wgrad_tree_tile_n(const int R, const float *x, ptrdiff_t ldx, const float *y, ptrdiff_t ldy,
                  int M, int leaf, float *dw, ptrdiff_t lddw)
{
    float stack[TREE_LEVELS][WGRAD_ROWS * WGRAD_CB] __attribute__((aligned(32)));
    int depth = 0;
    __m256 acc[WGRAD_ROWS][2];
    for (int l = 0, m0 = 0; m0 < M; l++, m0 += leaf) {
        const int m1 = M - m0 < leaf ? M : m0 + leaf;
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
        for (int m = m0; m < m1; m++) {
            const __m256 d0 = _mm256_loadu_ps(y + m * ldy), d1 = _mm256_loadu_ps(y + m * ldy + 8);
#pragma GCC unroll 6
            for (int r = 0; r < R; r++) {
                const __m256 v = _mm256_broadcast_ss(x + m * ldx + r);
                acc[r][0] = _mm256_fmadd_ps(v, d0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(v, d1, acc[r][1]);
            }
        }
        for (unsigned c = (unsigned)l + 1; !(c & 1); c >>= 1) {
            add_node(R, acc, stack[--depth]);
        }
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            _mm256_store_ps(stack[depth] + r * 16, acc[r][0]);
            _mm256_store_ps(stack[depth] + r * 16 + 8, acc[r][1]);
        }
        depth++;
    }
    while (--depth > 0) add_node(R, acc, stack[depth - 1]);
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        _mm256_storeu_ps(dw + r * lddw, M > 0 ? acc[r][0] : _mm256_setzero_ps());
        _mm256_storeu_ps(dw + r * lddw + 8, M > 0 ? acc[r][1] : _mm256_setzero_ps());
    }
}

#define WGRAD_TREE_CASE(n)                                                                         \
    case n: wgrad_tree_tile_n(n, x, ldx, y, ldy, M, leaf, dw, lddw); break;

AVX2 static void wgrad_tree_tile(const float *x, ptrdiff_t ldx, int nr, const float *y,
                                 ptrdiff_t ldy, int M, int leaf, float *dw, ptrdiff_t lddw)
{
    switch (nr) {
    WGRAD_TREE_CASE(6) WGRAD_TREE_CASE(5) WGRAD_TREE_CASE(4) WGRAD_TREE_CASE(3)
    WGRAD_TREE_CASE(2) WGRAD_TREE_CASE(1)
    default: break;
    }
}

/* ---- dense (simd/dense.c) ----
 * 6 rows by 16 columns (2 ymm) = 12 accumulators, 2 for the weights, 1 for the broadcast. */
enum { DENSE_CB = 16, DENSE_ROWS = 6 };
_Static_assert(DENSE_COL_STEP % DENSE_CB == 0, "a dense tile splits DENSE_COL_STEP columns whole");

AVX2 static inline __attribute__((always_inline)) void
dense_tile_n(const int R, int K, const float *x, ptrdiff_t ldx, const float *wt, ptrdiff_t ldw,
             const float *bias, float *out, ptrdiff_t ldo)
{
    __m256 acc[DENSE_ROWS][2];
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        acc[r][0] = _mm256_loadu_ps(bias ? bias : out + r * ldo);
        acc[r][1] = _mm256_loadu_ps(bias ? bias + 8 : out + r * ldo + 8);
    }
    for (int k = 0; k < K; k++) {
        const float *w = wt + (ptrdiff_t)k * ldw;
        const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            const __m256 a = _mm256_broadcast_ss(x + r * ldx + k);
            acc[r][0] = _mm256_fmadd_ps(a, w0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a, w1, acc[r][1]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        _mm256_storeu_ps(out + r * ldo, acc[r][0]);
        _mm256_storeu_ps(out + r * ldo + 8, acc[r][1]);
    }
}

#define DENSE_TILE_CASE(n)                                                                         \
    case n: dense_tile_n(n, K, x, ldx, wt, ldw, bias, out, ldo); break;

AVX2 static void dense_tile(int K, const float *x, ptrdiff_t ldx, int nr, int nc,
                            const float *wt, ptrdiff_t ldw, const float *bias, float *out,
                            ptrdiff_t ldo)
{
    switch (nr) {
    DENSE_TILE_CASE(6) DENSE_TILE_CASE(5) DENSE_TILE_CASE(4) DENSE_TILE_CASE(3)
    DENSE_TILE_CASE(2) DENSE_TILE_CASE(1)
    default: break;
    }
}

static volatile float peak_sink;

/* 12 chains of one FMA each: 16 ymm registers hold them, x and y. */
AVX2 static double peak_chains(long iters)
{
    enum { NACC = 12 };
    __m256 acc[NACC];
    const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int j = 0; j < NACC; j++) acc[j] = _mm256_set1_ps((float)j);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 16
        for (int j = 0; j < NACC; j++) acc[j] = _mm256_fmadd_ps(acc[j], x, y);
    __m256 s = acc[0];
    for (int j = 1; j < NACC; j++) s = _mm256_add_ps(s, acc[j]);
    peak_sink = _mm256_cvtss_f32(s);
    return 2.0 * 8 * NACC * (double)iters;
}

static int cpu_has(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#define VEC_TARGET AVX2
#define VEC_LANES 8
#include "simd/vec.h"
#include "simd/pool_rows.h"
#include "simd/winograd_rows.h"

const IsaDesc isa_avx2 = {
    .name = "avx2", .cpu_has = cpu_has,
    .conv_cb = CONV_CB, .conv_px = CONV_PX, .conv_tile = conv_tile,
    .wgrad_cb = WGRAD_CB, .wgrad_rows = WGRAD_ROWS, .wgrad_tile = wgrad_tile,
    .wgrad_tree_tile = wgrad_tree_tile,
    .dense_cb = DENSE_CB, .dense_rows = DENSE_ROWS, .dense_tile = dense_tile,
    .pool = POOL_ROW_KERNELS,
    .wino = WINO_ROW_KERNELS,
    .peak_chains = peak_chains,
};
