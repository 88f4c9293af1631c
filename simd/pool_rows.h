/* The row kernels of the pooling passes (simd/pool.h), written once for every instruction set in
 * the portable vectors of simd/vec.h (included first by each kernel file).
 *
 * A row: OW windows, C channels (a multiple of POOL_CHANNEL_STEP). in0/in1 (x0/x1, dx0/dx1) are
 * the window rows' two pixel rows, [2*OW][C]; the pooled row, the winners and dq are [OW][C]. */
#include "simd/pool.h"

_Static_assert(POOL_CHANNEL_STEP % VEC_LANES == 0, "channel blocks must fill the vectors");

VEC_INLINE Vec pool_relu(Vec v)
{
    const Vec zero = {0};
    return vec_select(v > zero, v, zero);
}

/* The pairwise tournament keeps the earlier position on ties, which gives the first maximum as
 * a sequential scan would. */
VEC_TARGET static void pool_row_forward(int OW, int C, const float *in0, const float *in1,
                                             const float *scale, const float *shift, float *out,
                                             unsigned char *win)
{
    for (int ox = 0; ox < OW; ox++)
        for (int c = 0; c < C; c += VEC_LANES) {
            const Vec a = vec_load(scale + c), b = vec_load(shift + c);
            const float *p0 = in0 + (ptrdiff_t)2 * ox * C + c, *p1 = in1 + (ptrdiff_t)2 * ox * C + c;
            const Vec v0 = pool_relu(vec_load(p0) * a + b);
            const Vec v1 = pool_relu(vec_load(p0 + C) * a + b);
            const Vec v2 = pool_relu(vec_load(p1) * a + b);
            const Vec v3 = pool_relu(vec_load(p1 + C) * a + b);
            const VecMask g01 = v1 > v0, g23 = v3 > v2;
            const Vec m01 = vec_select(g01, v1, v0), m23 = vec_select(g23, v3, v2);
            const VecMask g = m23 > m01;
            vec_store(out + (ptrdiff_t)ox * C + c, vec_select(g, m23, m01));
            if (!win) continue;
            const VecMask k = ((2 + (g23 & 1)) & g) | ((g01 & 1) & ~g);
            vec_store_bytes(win + (ptrdiff_t)ox * C + c, k);
        }
}

/* x at the window's winner g (0..3), from its four pixels */
VEC_INLINE Vec pool_at_winner(VecMask g, Vec x00, Vec x01, Vec x10, Vec x11)
{
    return vec_select(g == 0, x00, vec_select(g == 1, x01, vec_select(g == 2, x10, x11)));
}

/* r1[c], r2[c]: the row's sums of dq and dq * (x at the winner - mean) */
VEC_TARGET static void pool_row_backward_sums(int OW, int C, const float *dout,
                                                   const float *out, const unsigned char *win,
                                                   const float *x0, const float *x1,
                                                   const float *mean, float *dq, float *r1,
                                                   float *r2)
{
    const Vec zero = {0};
    for (int c = 0; c < C; c += VEC_LANES) {
        const Vec mu = vec_load(mean + c);
        Vec s1 = zero, s2 = zero;
        for (int ox = 0; ox < OW; ox++) {
            const ptrdiff_t o = (ptrdiff_t)ox * C + c, i = 2 * o - c;   /* i: pixel 2*ox */
            const Vec v = vec_select(vec_load(out + o) > zero, vec_load(dout + o), zero);
            const Vec xw = pool_at_winner(vec_load_bytes(win + o), vec_load(x0 + i),
                                              vec_load(x0 + i + C), vec_load(x1 + i),
                                              vec_load(x1 + i + C));
            vec_store(dq + o, v);
            s1 = s1 + v;
            s2 = s2 + v * (xw - mu);
        }
        vec_store(r1 + c, s1);
        vec_store(r2 + c, s2);
    }
}

/* r[c]: the row's sum of dx */
VEC_TARGET static void pool_row_unpool_bn(int OW, int C, const float *dq,
                                               const unsigned char *win, const float *x0,
                                               const float *x1, const BnBackward *bn, float *dx0,
                                               float *dx1, float *r)
{
    const Vec zero = {0};
    for (int c = 0; c < C; c += VEC_LANES) {
        const Vec kdy = vec_load(bn->k_dy + c), kx = vec_load(bn->k_x + c);
        const Vec k0 = vec_load(bn->k_0 + c), mu = vec_load(bn->mean + c);
        Vec s = zero;
        for (int ox = 0; ox < OW; ox++) {
            const ptrdiff_t o = (ptrdiff_t)ox * C + c, i = 2 * o - c;
            const Vec w = kdy * vec_load(dq + o);
            const VecMask g = vec_load_bytes(win + o);
            const Vec v0 = kx * (vec_load(x0 + i) - mu) + k0 + vec_select(g == 0, w, zero);
            const Vec v1 = kx * (vec_load(x0 + i + C) - mu) + k0 + vec_select(g == 1, w, zero);
            const Vec v2 = kx * (vec_load(x1 + i) - mu) + k0 + vec_select(g == 2, w, zero);
            const Vec v3 = kx * (vec_load(x1 + i + C) - mu) + k0 + vec_select(g == 3, w, zero);
            vec_store(dx0 + i, v0);
            vec_store(dx0 + i + C, v1);
            vec_store(dx1 + i, v2);
            vec_store(dx1 + i + C, v3);
            s = s + ((v0 + v1) + (v2 + v3));
        }
        vec_store(r + c, s);
    }
}

#define POOL_ROW_KERNELS {pool_row_forward, pool_row_backward_sums, pool_row_unpool_bn}
