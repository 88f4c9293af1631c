/* Instruction sets: one descriptor per kernel file, one list, one dispatch point. The best set
 * this CPU runs is chosen once at start-up, or forced with MNIST_CNN_ISA=<name>. Adding a set
 * touches its kernel file (which defines the descriptor), the list (simd/isa_list.c) and
 * simd/meson.build; dispatch, --version, the tests and the benchmarks loop over the list. */
#ifndef MNIST_SIMD_ISA_H
#define MNIST_SIMD_ISA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define MNIST_RESTRICT
#else
#define MNIST_RESTRICT restrict
#endif

/* Direct-convolution micro-kernels (simd/conv.c, simd/conv.h). A forward tile is npix (<= conv_px)
 * consecutive output pixels of one row and conv_cb output channels:
 *   out[p*ldo + c] = bias[c] + sum_{t<9} sum_{ci<Cin} w[(t*Cin + ci)*ldw + c] * in[tap(t) + p*Cin + ci]
 * with tap(t) = (t/3)*in_row + (t%3)*Cin (in points at the tile's top-left tap), taps in order
 * and channels in order inside each; bias may be NULL (zero). With sums (not NULL), also
 *   sums[c] = sum_p (out - shift[c]),  sums[conv_cb + c] = sum_p (out - shift[c])^2  (float). */
typedef void (*ConvTile)(const float *in, ptrdiff_t in_row, int Cin, const float *w, ptrdiff_t ldw,
                         const float *bias, float *out, ptrdiff_t ldo, int npix, const float *shift,
                         float *sums);
/* A weight-gradient tile: nr (<= wgrad_rows) rows of dw and wgrad_cb channels,
 *   dw[r*lddw + c] = sum_{s<S} sum_{y<H} sum_{x<W} in[s*in_img + y*in_row + x*in_px + off[r]]
 *                                                  * dy[s*dy_img + y*dy_row + x*ldy + c]
 * summed in that order, overwriting dw. */
typedef void (*WgradTile)(const float *in, ptrdiff_t in_img, ptrdiff_t in_row, ptrdiff_t in_px,
                          const ptrdiff_t *off, int nr, const float *dy, ptrdiff_t dy_img,
                          ptrdiff_t dy_row, ptrdiff_t ldy, int S, int H, int W, float *dw,
                          ptrdiff_t lddw);

/* The BF16 tiles (simd/conv_bf16.h): the same products on bf16 operands (uint16_t) in pairs along
 * the reduction, each pair summed into a float as bf16_dot_step does. A forward tile is
 * ConvTile's with in a bf16 image and w pair-packed, its row j of channel pairs at
 * w + (t*Cin/2 + j)*2*ldw, output channel c's pair at 2c of it:
 *   out[p*ldo + c] = bias[c] + sum_t sum_{j<Cin/2} pair(w row (t, j) at 2c, in + tap(t) + p*Cin + 2j)
 * A weight-gradient tile is WgradTile's over PW pixel pairs of each row, its operands pairs:
 *   dw[r*lddw + c] = sum_s sum_y sum_{m<PW} pair(in + s*in_img + y*in_row + m*in_pair + off[r],
 *                                               dy + s*dy_img + y*dy_row + m*ldy + 2c) */
typedef void (*ConvBf16Tile)(const uint16_t *in, ptrdiff_t in_row, int Cin,
                             const uint16_t *w, ptrdiff_t ldw, const float *bias, float *out,
                             ptrdiff_t ldo, int npix, const float *shift, float *sums);
typedef void (*WgradBf16Tile)(const uint16_t *in, ptrdiff_t in_img, ptrdiff_t in_row,
                              ptrdiff_t in_pair, const ptrdiff_t *off, int nr,
                              const uint16_t *dy, ptrdiff_t dy_img, ptrdiff_t dy_row,
                              ptrdiff_t ldy, int S, int H, int PW, float *dw, ptrdiff_t lddw);
/* The conversions to BF16 that feed them, each element bf16_round's bits (simd/conv_bf16.h):
 *   Bf16RoundRow  out[i] = round(x[i]), i < n
 *   Bf16PairRow   a row of npix pixels of C channels (pixel p at x + p*C) in pixel pairs:
 *                 out[(m*C + c)*2 + k] = round(x[(2m + k)*C + c]) for m < (npix + 1)/2, the
 *                 last pixel's partner zero where npix is odd */
typedef void (*Bf16RoundRow)(const float *x, size_t n, uint16_t *out);
typedef void (*Bf16PairRow)(const float *x, int C, int npix, uint16_t *out);
/* PoolRowKernels' unpool_bn with its dx rounded to bf16 where it is made, into the two layouts
 * conv2's BF16 gradients read instead of stored as floats: the image rows img0, img1 (pixel p,
 * channel c at p*C + c, as dx0, dx1) and the pixel-pair rows pair0, pair1 (pair ox, channel c,
 * pixel k at (ox*C + c)*2 + k); r the same sum of the float dx. */
struct BnBackward;
typedef void (*UnpoolBnBf16Row)(int OW, int C, const float *dq, const unsigned char *win,
                                const float *x0, const float *x1, const struct BnBackward *bn,
                                uint16_t *img0, uint16_t *img1, uint16_t *pair0, uint16_t *pair1,
                                float *r);

/* The same product for a dense layer, its sum over rows taken in the tree of common/tree_sum.h:
 * nr (<= wgrad_rows) rows of dw and wgrad_cb columns,
 *   dw[r*lddw + c] = sum over m < M of x[m*ldx + r] * y[m*ldy + c]
 * each leaf of `leaf` rows of m summed in order, the leaves added in the tree (a stack of partial
 * sums, as a binary counter adds), overwriting dw. */
typedef void (*WgradTreeTile)(const float *x, ptrdiff_t ldx, int nr, const float *y,
                              ptrdiff_t ldy, int M, int leaf, float *dw, ptrdiff_t lddw);

/* A dense tile (simd/dense.c): nr (<= dense_rows) rows and nc columns of y = x W^T + b (nc is
 * dense_cb, or for the last block of a row a smaller multiple of DENSE_COL_STEP),
 *   out[r*ldo + c] = start + sum_{k<K} x[r*ldx + k] * wt[k*ldw + c]
 * accumulated from start over k in order (fused multiply-adds where the set has them); start is
 * bias[c], or with bias NULL the value out holds (a sum continued from the previous k block). */
typedef void (*DenseTile)(int K, const float *x, ptrdiff_t ldx, int nr, int nc, const float *wt,
                          ptrdiff_t ldw, const float *bias, float *out, ptrdiff_t ldo);

/* The row kernels of the pooling passes (simd/pool.c, simd/pool.h): one row of OW 2x2 windows and
 * C channels each; written once for all sets in simd/pool_rows.h. */
struct BnBackward;
typedef struct {
    /* BatchNorm affine + ReLU + max-pool: out and win (NULL: not kept) from two pixel rows */
    void (*forward)(int OW, int C, const float *in0, const float *in1, const float *scale,
                    const float *shift, float *out, unsigned char *win);
    /* the gradient at the winners dq, and the row's BatchNorm sums r1, r2 */
    void (*backward_sums)(int OW, int C, const float *dout, const float *out,
                          const unsigned char *win, const float *x0, const float *x1,
                          const float *mean, float *dq, float *r1, float *r2);
    /* BatchNorm's input gradient over the windows' two pixel rows, and its row sum r */
    void (*unpool_bn)(int OW, int C, const float *dq, const unsigned char *win, const float *x0,
                      const float *x1, const struct BnBackward *bn, float *dx0, float *dx1,
                      float *r);
} PoolRowKernels;

/* The transforms of Winograd F(2x2, 3x3) (simd/winograd.c), a row of ntiles tiles of C channels
 * each; written once for all sets in simd/winograd_rows.h. */
typedef struct {
    /* V = B^T d B from the padded input at pixel (2*ty, 0) */
    void (*input_row)(int ntiles, int C, const float *in, ptrdiff_t in_row, float *V,
                      ptrdiff_t ldv);
    /* Y = A^T M A + bias at the output pixel (2*ty, 0), and the row's BatchNorm sums */
    void (*output_row)(int ntiles, int C, const float *M, ptrdiff_t ldm, const float *bias,
                       float *out, ptrdiff_t out_row, const float *shift, float *sums);
    /* Z = A dY A^T from the output gradient at pixel (2*ty, 0) */
    void (*grad_row)(int ntiles, int C, const float *dy, ptrdiff_t dy_row, float *Z,
                     ptrdiff_t ldz);
} WinogradRowKernels;

/* The widest tiles simd/conv.c and simd/dense.c keep room for on the stack (a forward tile's
 * channel sums, a weight-gradient tile's row offsets); each kernel file asserts its tiles fit. */
enum { ISA_MAX_CONV_CB = 64, ISA_MAX_WGRAD_ROWS = 64 };

/* For each kernel file, after its tile sizes: what the loops around the tiles rely on. Forward
 * tiles split CONV_CHANNEL_STEP channels whole (simd/conv.h), weight-gradient tiles split those
 * and DENSE_COL_STEP columns whole (simd/dense.h), and both fit the room simd/conv.c and
 * simd/dense.c keep for them. Wider tiles need those steps raised. */
#define ISA_ASSERT_TILES_FIT(conv_cb, wgrad_cb, wgrad_rows)                                      \
    _Static_assert(CONV_CHANNEL_STEP % (conv_cb) == 0 && (conv_cb) <= (int)ISA_MAX_CONV_CB,      \
                   "CONV_CB must divide CONV_CHANNEL_STEP and fit ISA_MAX_CONV_CB");             \
    _Static_assert(CONV_CHANNEL_STEP % (wgrad_cb) == 0 && DENSE_COL_STEP % (wgrad_cb) == 0 &&   \
                       (wgrad_rows) <= (int)ISA_MAX_WGRAD_ROWS,                                 \
                   "WGRAD_CB must divide CONV_CHANNEL_STEP and DENSE_COL_STEP, WGRAD_ROWS fit " \
                   "ISA_MAX_WGRAD_ROWS")

typedef struct {
    const char *name;           /* "avx512": for MNIST_CNN_ISA, --version, benchmark names */
    int (*cpu_has)(void);       /* whether this CPU runs the set's instructions */
    int conv_cb, conv_px;       /* a forward convolution tile: channels, pixels at most */
    ConvTile conv_tile;
    int wgrad_cb, wgrad_rows;   /* a weight-gradient tile: channels, rows of dw at most */
    WgradTile wgrad_tile;
    WgradTreeTile wgrad_tree_tile;   /* the same tile shape */
    int dense_cb, dense_rows;   /* a dense tile: columns (a multiple of DENSE_COL_STEP, or a
                                 * divisor of it), rows at most */
    DenseTile dense_tile;
    PoolRowKernels pool;
    WinogradRowKernels wino;
    /* Independent multiply-add chains for iters iterations: the floating-point operations done
     * (an FMA counts 2). The yardstick of the benchmarks' "% of peak". */
    double (*peak_chains)(long iters);
    /* BF16 products (simd/conv_bf16.h), NULL where the set has none; bf16_cpu_has says whether
     * this CPU runs them natively (NULL: the portable emulation, which runs wherever the set
     * does). Tile sizes as for the float tiles. */
    int (*bf16_cpu_has)(void);
    int conv_bf16_cb, conv_bf16_px;
    ConvBf16Tile conv_bf16_tile;
    int wgrad_bf16_cb, wgrad_bf16_rows;
    WgradBf16Tile wgrad_bf16_tile;
    Bf16RoundRow bf16_round_row;
    Bf16PairRow bf16_pair_row;
    UnpoolBnBf16Row unpool_bn_bf16;
    /* Independent chains of BF16 pair products: the floating-point operations done (a pair's
     * two multiplies and two adds count 4); NULL where not measured (the portable emulation). */
    double (*peak_bf16_chains)(long iters);
} IsaDesc;

/* Every set this build has, most portable first, NULL-terminated; isa_list[0] is the portable C
 * kernel every CPU runs. */
extern const IsaDesc *const isa_list[];
int isa_count(void);

/* Whether isa can run here. */
int isa_supported(const IsaDesc *isa);
/* The last set of the list that this CPU runs. */
const IsaDesc *isa_best_supported(void);
/* The set called name, or NULL. */
const IsaDesc *isa_find(const char *name);
const char *isa_name(const IsaDesc *isa);

/* Select the set: from MNIST_CNN_ISA when set, else the best supported. Returns 0, or -1 with a
 * message in err (unknown name, or not supported by this CPU). Call once at start-up; using the
 * kernels before selects the best supported set. */
int isa_init_from_env(char *err, size_t errlen);
/* Select isa (tests and benchmarks); -1 if this CPU does not run it. */
int isa_set(const IsaDesc *isa);
/* The set in use. */
const IsaDesc *isa_current(void);
/* Whether isa has BF16 tiles (simd/conv_bf16.h) and this CPU runs them; and whether they are
 * native BF16 instructions rather than the portable emulation. */
int isa_has_bf16(const IsaDesc *isa);
int isa_bf16_native(const IsaDesc *isa);
/* The set whose BF16 members run: the one in use where it has them, else the portable emulation
 * (isa_list[0]), which gives the same bits. */
const IsaDesc *isa_bf16_current(void);

#ifdef __cplusplus
}
#endif

#endif
