#include "engine/conv_ops.h"

#include <string.h>

/* d[x] = s[x + dx] for dx in {-1, 0, 1}, 0 where that falls outside the row. Plain loops rather
 * than memcpy/memset: rows are 14 or 28 floats, too short for the library calls to pay off. */
static void shifted_row(float *restrict d, const float *restrict s, int W, int dx)
{
    if (dx < 0) {
        d[0] = 0.0f;
        for (int x = 1; x < W; x++) d[x] = s[x - 1];
    } else if (dx == 0) {
        for (int x = 0; x < W; x++) d[x] = s[x];
    } else {
        for (int x = 0; x < W - 1; x++) d[x] = s[x + 1];
        d[W - 1] = 0.0f;
    }
}

void im2col3x3(float *col, const float *in, int Cin, int S, int H, int W)
{
    size_t HW = (size_t)H * W, N = (size_t)S * HW;
    for (int ci = 0; ci < Cin; ci++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                float *row = col + ((size_t)ci * 9 + ky * 3 + kx) * N;
                for (int s = 0; s < S; s++) {
                    const float *plane = in + ((size_t)ci * S + s) * HW;
                    float *dst = row + s * HW;
                    for (int y = 0; y < H; y++) {
                        int iy = y + ky - 1;
                        float *d = dst + (size_t)y * W;
                        if (iy < 0 || iy >= H)
                            for (int x = 0; x < W; x++) d[x] = 0.0f;
                        else
                            shifted_row(d, plane + (size_t)iy * W, W, kx - 1);
                    }
                }
            }
}

void col2im3x3(float *din, const float *dcol, int Cin, int S, int H, int W)
{
    size_t HW = (size_t)H * W, N = (size_t)S * HW;
    memset(din, 0, sizeof(float) * (size_t)Cin * N);
    for (int ci = 0; ci < Cin; ci++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                const float *row = dcol + ((size_t)ci * 9 + ky * 3 + kx) * N;
                for (int s = 0; s < S; s++) {
                    float *plane = din + ((size_t)ci * S + s) * HW;
                    const float *src = row + s * HW;
                    for (int y = 0; y < H; y++) {
                        int iy = y + ky - 1;
                        if (iy < 0 || iy >= H) continue;
                        const float *srow = src + (size_t)y * W;
                        float *drow = plane + (size_t)iy * W + kx - 1;
                        int x0 = kx == 0 ? 1 : 0, x1 = kx == 2 ? W - 1 : W;
                        for (int x = x0; x < x1; x++) drow[x] += srow[x];
                    }
                }
            }
}

/* Blocked summation: 8 float lanes over blocks of BLOCK values (vectorisable, error bounded by
 * the block length), blocks added in double. */
enum { LANES = 8, BLOCK = 256 };

static double sum_blocked(const float *p, size_t n)
{
    double total = 0;
    size_t i = 0;
    for (; i + BLOCK <= n; i += BLOCK) {
        float acc[LANES] = {0};
        for (size_t j = 0; j < BLOCK; j += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += p[i + j + l];
        float s = 0;
        for (int l = 0; l < LANES; l++) s += acc[l];
        total += s;
    }
    for (; i < n; i++) total += p[i];
    return total;
}

/* sum((p - mu)^2), blocked the same way */
static double sumsq_dev_blocked(const float *p, size_t n, float mu)
{
    double total = 0;
    size_t i = 0;
    for (; i + BLOCK <= n; i += BLOCK) {
        float acc[LANES] = {0};
        for (size_t j = 0; j < BLOCK; j += LANES)
            for (int l = 0; l < LANES; l++) {
                float d = p[i + j + l] - mu;
                acc[l] += d * d;
            }
        float s = 0;
        for (int l = 0; l < LANES; l++) s += acc[l];
        total += s;
    }
    for (; i < n; i++) total += (double)(p[i] - mu) * (p[i] - mu);
    return total;
}

void bn_chunk_stats(double *mean, double *m2, const float *x, int C, size_t n)
{
    for (int c = 0; c < C; c++) {
        const float *p = x + (size_t)c * n;
        double mu = sum_blocked(p, n) / (double)n;
        /* deviations from the float-rounded mean, corrected to the exact mean:
         * sum (x - mu)^2 = sum (x - muf)^2 - n (mu - muf)^2 */
        float muf = (float)mu;
        double d = mu - muf;
        mean[c] = mu;
        m2[c] = sumsq_dev_blocked(p, n, muf) - (double)n * d * d;
        if (m2[c] < 0) m2[c] = 0;
    }
}

void bn_merge_stats(double *count_a, double *mean_a, double *m2_a, double count_b, double mean_b,
                    double m2_b)
{
    double n = *count_a + count_b;
    double delta = mean_b - *mean_a;
    *mean_a += delta * count_b / n;
    *m2_a += m2_b + delta * delta * *count_a * count_b / n;
    *count_a = n;
}

/* max(v, 0) as a compare-select the compiler keeps inline and vectorises (fmaxf is a libm call
 * at -O3 on the baseline ISA because of its NaN rules) */
static inline float relu(float v) { return v > 0.0f ? v : 0.0f; }

/* One output row of the fused pass. Branch-free, all-float and restrict-qualified so that it
 * vectorises; a pairwise tournament that keeps the earlier position on ties gives the first
 * maximum, as a sequential scan would. */
static void bn_relu_pool_row(float *restrict o, float *restrict g, const float *restrict r0,
                             const float *restrict r1, float a, float b, int OW)
{
    for (int ox = 0; ox < OW; ox++) {
        float v0 = relu(r0[2 * ox] * a + b), v1 = relu(r0[2 * ox + 1] * a + b);
        float v2 = relu(r1[2 * ox] * a + b), v3 = relu(r1[2 * ox + 1] * a + b);
        float m01 = v1 > v0 ? v1 : v0, m23 = v3 > v2 ? v3 : v2;
        float k01 = v1 > v0 ? 1.0f : 0.0f, k23 = v3 > v2 ? 3.0f : 2.0f;
        o[ox] = m23 > m01 ? m23 : m01;
        g[ox] = m23 > m01 ? k23 : k01;
    }
}

/* Rows are padded to a multiple of this many windows; see bn_relu_pool_forward. */
enum { POOL_ROW_STEP = 8 };

void bn_relu_pool_forward(float *out, float *arg, const float *in, const float *scale,
                          const float *shift, int C, int S, int H, int W, Strides is, Strides os)
{
    int OH = H / 2, OW = W / 2;
    if (OW <= 0 || OH <= 0) return;
    /* Rows of 14 or 7 windows leave the vector loop a scalar tail (or nothing but a tail), whose
     * compare-selects compile to branches that mispredict on real data. So each row pair is copied
     * into L1 scratch padded to a multiple of POOL_ROW_STEP windows, pooled there entirely in the
     * vector loop, and the OW valid results are copied out. */
    int OWp = (OW + POOL_ROW_STEP - 1) / POOL_ROW_STEP * POOL_ROW_STEP;
    float r0[2 * OWp], r1[2 * OWp], o[OWp], g[OWp];
    for (int i = 2 * OW; i < 2 * OWp; i++) r0[i] = r1[i] = 0.0f;
    for (int c = 0; c < C; c++)
        for (int s = 0; s < S; s++) {
            const float *p = in + c * is.cs + s * is.ss;
            size_t base = c * os.cs + s * os.ss;
            for (int oy = 0; oy < OH; oy++) {
                const float *p0 = p + (size_t)(2 * oy) * W, *p1 = p0 + W;
                for (int i = 0; i < 2 * OW; i++) {
                    r0[i] = p0[i];
                    r1[i] = p1[i];
                }
                bn_relu_pool_row(o, g, r0, r1, scale[c], shift[c], OWp);
                float *dst = out + base + (size_t)oy * OW;
                for (int i = 0; i < OW; i++) dst[i] = o[i];
                if (arg) {
                    float *ga = arg + base + (size_t)oy * OW;
                    for (int i = 0; i < OW; i++) ga[i] = g[i];
                }
            }
        }
}

void bn_relu_forward(float *out, const float *in, const float *scale, const float *shift, int C,
                     size_t n)
{
    for (int c = 0; c < C; c++)
        for (size_t i = 0; i < n; i++) {
            float v = in[c * n + i] * scale[c] + shift[c];
            out[c * n + i] = v > 0.0f ? v : 0.0f;
        }
}

void relu_pool_backward_bn_sums(float *dy, double *sum_dy, double *sum_dy_xhat, const float *dout,
                        const float *out, const float *arg, const float *x, const float *mean,
                        const float *rstd, int C, int S, int H, int W, Strides is, Strides os)
{
    int OH = H / 2, OW = W / 2;
    /* where each winner code (0..3) sits inside its window */
    const size_t at[4] = {0, 1, (size_t)W, (size_t)W + 1};
    for (int c = 0; c < C; c++) {
        double s1 = 0, s2 = 0;
        for (int s = 0; s < S; s++) {
            float *d = dy + c * is.cs + s * is.ss;
            const float *xp = x + c * is.cs + s * is.ss;
            size_t o = c * os.cs + s * os.ss;
            const float *g = dout + o, *po = out + o, *k = arg + o;
            /* Branch-free: clear the window, then store the gradient at the winner (zero if ReLU
             * stopped it). dy is non-zero only at winners, so BatchNorm's two backward sums are
             * sums over winners: gathered here, one float partial per row. x is read before dy
             * is written, window by window, so dy may be x itself. */
            for (int oy = 0; oy < OH; oy++) {
                float r1 = 0.0f, r2 = 0.0f;
                for (int ox = 0; ox < OW; ox++) {
                    int j = oy * OW + ox;
                    size_t base = (size_t)(2 * oy) * W + 2 * ox, win = base + at[(int)k[j]];
                    float v = po[j] > 0.0f ? g[j] : 0.0f;
                    float xhat = (xp[win] - mean[c]) * rstd[c];
                    r1 += v;
                    r2 += v * xhat;
                    float *w = d + base;
                    w[0] = w[1] = w[W] = w[W + 1] = 0.0f;
                    d[win] = v;
                }
                s1 += r1;
                s2 += r2;
            }
        }
        sum_dy[c] = s1;
        sum_dy_xhat[c] = s2;
    }
}

void bn_backward_apply_sum_dx(float *dy, double *sum_dx, const float *x, const float *mean,
                       const float *rstd, const float *gamma, const float *mean_dy,
                       const float *mean_dy_xhat, int C, size_t n)
{
    for (int c = 0; c < C; c++) {
        float *d = dy + (size_t)c * n;
        const float *p = x + (size_t)c * n;
        float k = gamma[c] * rstd[c], m1 = mean_dy[c], m2 = mean_dy_xhat[c], mu = mean[c], r = rstd[c];
        double total = 0;
        size_t i = 0;
        /* blocked like sum_blocked: the sum of dx is the conv bias gradient, gathered here
         * rather than in another pass over dx */
        for (; i + BLOCK <= n; i += BLOCK) {
            float acc[LANES] = {0};
            for (size_t j = 0; j < BLOCK; j += LANES)
                for (int l = 0; l < LANES; l++) {
                    float xhat = (p[i + j + l] - mu) * r;
                    float v = k * (d[i + j + l] - m1 - xhat * m2);
                    d[i + j + l] = v;
                    acc[l] += v;
                }
            float t = 0;
            for (int l = 0; l < LANES; l++) t += acc[l];
            total += t;
        }
        for (; i < n; i++) {
            float xhat = (p[i] - mu) * r;
            d[i] = k * (d[i] - m1 - xhat * m2);
            total += d[i];
        }
        sum_dx[c] = total;
    }
}
