#include "engine/conv_ops.h"

#include <string.h>

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
                        if (iy < 0 || iy >= H) {
                            memset(d, 0, sizeof(float) * W);
                            continue;
                        }
                        const float *srow = plane + (size_t)iy * W;
                        /* x + kx - 1 in range for x in [x0, x1) */
                        int x0 = kx == 0 ? 1 : 0, x1 = kx == 2 ? W - 1 : W;
                        if (x0) d[0] = 0.0f;
                        if (x1 < W) d[W - 1] = 0.0f;
                        memcpy(d + x0, srow + x0 + kx - 1, sizeof(float) * (size_t)(x1 - x0));
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

void bn_chunk_stats(double *mean, double *m2, const float *x, int C, size_t n)
{
    for (int c = 0; c < C; c++) {
        const float *p = x + (size_t)c * n;
        double s = 0;
        for (size_t i = 0; i < n; i++) s += p[i];
        double mu = s / (double)n, ss = 0;
        for (size_t i = 0; i < n; i++) {
            double d = p[i] - mu;
            ss += d * d;
        }
        mean[c] = mu;
        m2[c] = ss;
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

void bn_relu_pool_forward(float *out, uint8_t *arg, const float *in, const float *scale,
                          const float *shift, int C, int S, int H, int W, Strides is, Strides os)
{
    int OH = H / 2, OW = W / 2;
    for (int c = 0; c < C; c++) {
        float a = scale[c], b = shift[c];
        for (int s = 0; s < S; s++) {
            const float *p = in + c * is.cs + s * is.ss;
            float *o = out + c * os.cs + s * os.ss;
            uint8_t *g = arg + c * os.cs + s * os.ss;
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    const float *w = p + (size_t)(2 * oy) * W + 2 * ox;
                    float v0 = w[0] * a + b, v1 = w[1] * a + b;
                    float v2 = w[W] * a + b, v3 = w[W + 1] * a + b;
                    v0 = v0 > 0.0f ? v0 : 0.0f;
                    v1 = v1 > 0.0f ? v1 : 0.0f;
                    v2 = v2 > 0.0f ? v2 : 0.0f;
                    v3 = v3 > 0.0f ? v3 : 0.0f;
                    float best = v0;
                    uint8_t k = 0;
                    if (v1 > best) { best = v1; k = 1; }
                    if (v2 > best) { best = v2; k = 2; }
                    if (v3 > best) { best = v3; k = 3; }
                    o[oy * OW + ox] = best;
                    g[oy * OW + ox] = k;
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

void relu_pool_backward(float *dy, const float *dout, const float *out, const uint8_t *arg, int C,
                        int S, int H, int W, Strides is, Strides os)
{
    int OH = H / 2, OW = W / 2;
    for (int c = 0; c < C; c++)
        for (int s = 0; s < S; s++) {
            float *d = dy + c * is.cs + s * is.ss;
            const float *g = dout + c * os.cs + s * os.ss;
            const float *o = out + c * os.cs + s * os.ss;
            const uint8_t *k = arg + c * os.cs + s * os.ss;
            memset(d, 0, sizeof(float) * (size_t)H * W);
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    int j = oy * OW + ox;
                    if (!(o[j] > 0.0f)) continue;
                    int pos = (2 * oy + (k[j] >> 1)) * W + 2 * ox + (k[j] & 1);
                    d[pos] = g[j];
                }
        }
}

void bn_backward_sums(double *sum_dy, double *sum_dy_xhat, const float *dy, const float *x,
                      const float *mean, const float *rstd, int C, size_t n)
{
    for (int c = 0; c < C; c++) {
        const float *d = dy + (size_t)c * n, *p = x + (size_t)c * n;
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < n; i++) {
            float xhat = (p[i] - mean[c]) * rstd[c];
            s1 += d[i];
            s2 += d[i] * xhat;
        }
        sum_dy[c] = s1;
        sum_dy_xhat[c] = s2;
    }
}

void bn_backward_apply(float *dy, const float *x, const float *mean, const float *rstd,
                       const float *gamma, const float *mean_dy, const float *mean_dy_xhat, int C,
                       size_t n)
{
    for (int c = 0; c < C; c++) {
        float *d = dy + (size_t)c * n;
        const float *p = x + (size_t)c * n;
        float k = gamma[c] * rstd[c], m1 = mean_dy[c], m2 = mean_dy_xhat[c];
        for (size_t i = 0; i < n; i++) {
            float xhat = (p[i] - mean[c]) * rstd[c];
            d[i] = k * (d[i] - m1 - xhat * m2);
        }
    }
}
