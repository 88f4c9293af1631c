/* The row kernels of the pooling passes (simd/pool.h), written once in GCC's portable vector
 * extensions. Each kernel file includes this with POOL_ROW_TARGET set to its target attribute
 * (empty for the portable set) and POOL_LANES to its register width in floats, so each
 * instruction set gets its own compile of the same source: 16 lanes in zmm for AVX-512, 8 in ymm
 * for AVX2, 4 in xmm otherwise. (Vectors wider than the set's registers are not split well: GCC
 * turned AVX2's compares of 16 lanes into scalar code, 10x slower.)
 * Every operation is per lane (per channel) and the files are built with -ffp-contract=off, so
 * all sets give the same bits.
 *
 * A row: OW windows, C channels (a multiple of 16). in0/in1 (x0/x1, dx0/dx1) are the window
 * rows' two pixel rows, [2*OW][C]; the pooled row, the winners and dq are [OW][C]. */
#include "simd/pool.h"

#include <string.h>

#if !defined(POOL_ROW_TARGET) || !defined(POOL_LANES)
#error "define POOL_ROW_TARGET and POOL_LANES before including pool_rows.h"
#endif
_Static_assert(POOL_CHANNEL_STEP % POOL_LANES == 0, "channel blocks must fill the vectors");

/* The helpers below pass vectors by value, which GCC warns changes the ABI where the baseline has
 * no registers that wide; they are always inlined, so no call ever uses that ABI. */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef float PoolVec __attribute__((vector_size(4 * POOL_LANES)));
typedef int PoolMask __attribute__((vector_size(4 * POOL_LANES)));
typedef unsigned char PoolBytes __attribute__((vector_size(POOL_LANES)));

#define POOL_INLINE POOL_ROW_TARGET static inline __attribute__((always_inline))

POOL_INLINE PoolVec pool_load(const float *p)
{
    PoolVec v;
    memcpy(&v, p, sizeof v);
    return v;
}

POOL_INLINE void pool_store(float *p, PoolVec v) { memcpy(p, &v, sizeof v); }

POOL_INLINE PoolMask pool_load_winners(const unsigned char *p)
{
    PoolBytes b;
    memcpy(&b, p, sizeof b);
    return __builtin_convertvector(b, PoolMask);
}

/* m ? a : b per lane (m: all ones or zero) */
POOL_INLINE PoolVec pool_select(PoolMask m, PoolVec a, PoolVec b)
{
    return (PoolVec)(((PoolMask)a & m) | ((PoolMask)b & ~m));
}

POOL_INLINE PoolVec pool_relu(PoolVec v)
{
    const PoolVec zero = {0};
    return pool_select(v > zero, v, zero);
}

/* The pairwise tournament keeps the earlier position on ties, which gives the first maximum as
 * a sequential scan would. */
POOL_ROW_TARGET static void pool_row_forward(int OW, int C, const float *in0, const float *in1,
                                             const float *scale, const float *shift, float *out,
                                             unsigned char *win)
{
    for (int ox = 0; ox < OW; ox++)
        for (int c = 0; c < C; c += POOL_LANES) {
            const PoolVec a = pool_load(scale + c), b = pool_load(shift + c);
            const float *p0 = in0 + (ptrdiff_t)2 * ox * C + c, *p1 = in1 + (ptrdiff_t)2 * ox * C + c;
            const PoolVec v0 = pool_relu(pool_load(p0) * a + b);
            const PoolVec v1 = pool_relu(pool_load(p0 + C) * a + b);
            const PoolVec v2 = pool_relu(pool_load(p1) * a + b);
            const PoolVec v3 = pool_relu(pool_load(p1 + C) * a + b);
            const PoolMask g01 = v1 > v0, g23 = v3 > v2;
            const PoolVec m01 = pool_select(g01, v1, v0), m23 = pool_select(g23, v3, v2);
            const PoolMask g = m23 > m01;
            pool_store(out + (ptrdiff_t)ox * C + c, pool_select(g, m23, m01));
            if (!win) continue;
            const PoolMask k = ((2 + (g23 & 1)) & g) | ((g01 & 1) & ~g);
            const PoolBytes kb = __builtin_convertvector(k, PoolBytes);
            memcpy(win + (ptrdiff_t)ox * C + c, &kb, sizeof kb);
        }
}

/* x at the window's winner g (0..3), from its four pixels */
POOL_INLINE PoolVec pool_at_winner(PoolMask g, PoolVec x00, PoolVec x01, PoolVec x10, PoolVec x11)
{
    return pool_select(g == 0, x00, pool_select(g == 1, x01, pool_select(g == 2, x10, x11)));
}

/* r1[c], r2[c]: the row's sums of dq and dq * (x at the winner - mean) */
POOL_ROW_TARGET static void pool_row_backward_sums(int OW, int C, const float *dout,
                                                   const float *out, const unsigned char *win,
                                                   const float *x0, const float *x1,
                                                   const float *mean, float *dq, float *r1,
                                                   float *r2)
{
    const PoolVec zero = {0};
    for (int c = 0; c < C; c += POOL_LANES) {
        const PoolVec mu = pool_load(mean + c);
        PoolVec s1 = zero, s2 = zero;
        for (int ox = 0; ox < OW; ox++) {
            const ptrdiff_t o = (ptrdiff_t)ox * C + c, i = 2 * o - c;   /* i: pixel 2*ox */
            const PoolVec v = pool_select(pool_load(out + o) > zero, pool_load(dout + o), zero);
            const PoolVec xw = pool_at_winner(pool_load_winners(win + o), pool_load(x0 + i),
                                              pool_load(x0 + i + C), pool_load(x1 + i),
                                              pool_load(x1 + i + C));
            pool_store(dq + o, v);
            s1 = s1 + v;
            s2 = s2 + v * (xw - mu);
        }
        pool_store(r1 + c, s1);
        pool_store(r2 + c, s2);
    }
}

/* r[c]: the row's sum of dx */
POOL_ROW_TARGET static void pool_row_unpool_bn(int OW, int C, const float *dq,
                                               const unsigned char *win, const float *x0,
                                               const float *x1, const BnBackward *bn, float *dx0,
                                               float *dx1, float *r)
{
    const PoolVec zero = {0};
    for (int c = 0; c < C; c += POOL_LANES) {
        const PoolVec kdy = pool_load(bn->k_dy + c), kx = pool_load(bn->k_x + c);
        const PoolVec k0 = pool_load(bn->k_0 + c), mu = pool_load(bn->mean + c);
        PoolVec s = zero;
        for (int ox = 0; ox < OW; ox++) {
            const ptrdiff_t o = (ptrdiff_t)ox * C + c, i = 2 * o - c;
            const PoolVec w = kdy * pool_load(dq + o);
            const PoolMask g = pool_load_winners(win + o);
            const PoolVec v0 = kx * (pool_load(x0 + i) - mu) + k0 + pool_select(g == 0, w, zero);
            const PoolVec v1 = kx * (pool_load(x0 + i + C) - mu) + k0 + pool_select(g == 1, w, zero);
            const PoolVec v2 = kx * (pool_load(x1 + i) - mu) + k0 + pool_select(g == 2, w, zero);
            const PoolVec v3 = kx * (pool_load(x1 + i + C) - mu) + k0 + pool_select(g == 3, w, zero);
            pool_store(dx0 + i, v0);
            pool_store(dx0 + i + C, v1);
            pool_store(dx1 + i, v2);
            pool_store(dx1 + i + C, v3);
            s = s + ((v0 + v1) + (v2 + v3));
        }
        pool_store(r + c, s);
    }
}

#define POOL_ROW_KERNELS {pool_row_forward, pool_row_backward_sums, pool_row_unpool_bn}
