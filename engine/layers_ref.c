/* Reference layers: see layers_ref.h. Clarity over speed; sums in double where a batch-wide
 * statistic is formed, so the spec is as exact as we can cheaply make it. */
#include "engine/layers_ref.h"

#include <math.h>
#include <string.h>

void ref_conv3x3_forward(float *out, const float *inp, const float *weight, const float *bias,
                         int B, int Cin, int Cout, int H, int W)
{
    for (int b = 0; b < B; b++)
        for (int co = 0; co < Cout; co++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    float acc = bias[co];
                    for (int ci = 0; ci < Cin; ci++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = y + ky - 1, ix = x + kx - 1;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                acc += weight[((co * Cin + ci) * 3 + ky) * 3 + kx] *
                                       inp[((b * Cin + ci) * H + iy) * W + ix];
                            }
                    out[((b * Cout + co) * H + y) * W + x] = acc;
                }
}

void ref_conv3x3_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                          const float *inp, const float *weight, int B, int Cin, int Cout, int H,
                          int W)
{
    if (dinp) memset(dinp, 0, sizeof(float) * (size_t)B * Cin * H * W);
    for (int b = 0; b < B; b++)
        for (int co = 0; co < Cout; co++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    float d = dout[((b * Cout + co) * H + y) * W + x];
                    dbias[co] += d;
                    for (int ci = 0; ci < Cin; ci++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = y + ky - 1, ix = x + kx - 1;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                size_t wi = ((size_t)(co * Cin + ci) * 3 + ky) * 3 + kx;
                                size_t ii = ((size_t)(b * Cin + ci) * H + iy) * W + ix;
                                dweight[wi] += d * inp[ii];
                                if (dinp) dinp[ii] += d * weight[wi];
                            }
                }
}

void ref_batchnorm_forward_train(float *out, float *mean, float *rstd, float *var,
                                 const float *inp, const float *gamma, const float *beta, int B,
                                 int C, int HW, float eps)
{
    double n = (double)B * HW;
    for (int c = 0; c < C; c++) {
        double s = 0;
        for (int b = 0; b < B; b++)
            for (int i = 0; i < HW; i++) s += inp[((size_t)b * C + c) * HW + i];
        double mu = s / n, ss = 0;
        for (int b = 0; b < B; b++)
            for (int i = 0; i < HW; i++) {
                double d = inp[((size_t)b * C + c) * HW + i] - mu;
                ss += d * d;
            }
        double v = ss / n;
        mean[c] = (float)mu;
        var[c] = (float)v;
        rstd[c] = (float)(1.0 / sqrt(v + eps));
        for (int b = 0; b < B; b++)
            for (int i = 0; i < HW; i++) {
                size_t k = ((size_t)b * C + c) * HW + i;
                out[k] = (inp[k] - mean[c]) * rstd[c] * gamma[c] + beta[c];
            }
    }
}

void ref_batchnorm_forward_eval(float *out, const float *inp, const float *gamma,
                                const float *beta, const float *running_mean,
                                const float *running_var, int B, int C, int HW, float eps)
{
    for (int c = 0; c < C; c++) {
        float r = 1.0f / sqrtf(running_var[c] + eps);
        for (int b = 0; b < B; b++)
            for (int i = 0; i < HW; i++) {
                size_t k = ((size_t)b * C + c) * HW + i;
                out[k] = (inp[k] - running_mean[c]) * r * gamma[c] + beta[c];
            }
    }
}

void ref_batchnorm_update_running(float *running_mean, float *running_var, const float *mean,
                                  const float *var, int C, long n, float momentum)
{
    for (int c = 0; c < C; c++) {
        float unbiased = n > 1 ? var[c] * (float)n / (float)(n - 1) : var[c];
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean[c];
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
    }
}

void ref_batchnorm_backward(float *dinp, float *dgamma, float *dbeta, const float *dout,
                            const float *inp, const float *mean, const float *rstd,
                            const float *gamma, int B, int C, int HW)
{
    double n = (double)B * HW;
    for (int c = 0; c < C; c++) {
        /* the two batch-wide sums the input gradient needs */
        double sum_d = 0, sum_dx = 0;
        for (int b = 0; b < B; b++)
            for (int i = 0; i < HW; i++) {
                size_t k = ((size_t)b * C + c) * HW + i;
                float xhat = (inp[k] - mean[c]) * rstd[c];
                sum_d += dout[k];
                sum_dx += dout[k] * xhat;
            }
        dgamma[c] += (float)sum_dx;
        dbeta[c] += (float)sum_d;
        for (int b = 0; b < B; b++)
            for (int i = 0; i < HW; i++) {
                size_t k = ((size_t)b * C + c) * HW + i;
                float xhat = (inp[k] - mean[c]) * rstd[c];
                dinp[k] = gamma[c] * rstd[c] *
                          (float)(dout[k] - sum_d / n - xhat * sum_dx / n);
            }
    }
}

void ref_relu_forward(float *out, const float *inp, int n)
{
    for (int i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void ref_relu_backward(float *dinp, const float *dout, const float *out, int n)
{
    for (int i = 0; i < n; i++) dinp[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}

/* Index (within inp) of the first maximum of the 2x2 window at pooled position (oy, ox). */
static size_t pool_argmax(const float *plane, int W, int oy, int ox)
{
    size_t best = (size_t)(2 * oy) * W + 2 * ox;
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            size_t k = (size_t)(2 * oy + dy) * W + 2 * ox + dx;
            if (plane[k] > plane[best]) best = k;
        }
    return best;
}

void ref_maxpool2_forward(float *out, const float *inp, int B, int C, int H, int W)
{
    int OH = H / 2, OW = W / 2;
    for (int p = 0; p < B * C; p++) {
        const float *plane = inp + (size_t)p * H * W;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++)
                out[((size_t)p * OH + oy) * OW + ox] = plane[pool_argmax(plane, W, oy, ox)];
    }
}

void ref_maxpool2_backward(float *dinp, const float *dout, const float *inp, int B, int C, int H,
                           int W)
{
    int OH = H / 2, OW = W / 2;
    memset(dinp, 0, sizeof(float) * (size_t)B * C * H * W);
    for (int p = 0; p < B * C; p++) {
        const float *plane = inp + (size_t)p * H * W;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++)
                dinp[(size_t)p * H * W + pool_argmax(plane, W, oy, ox)] +=
                    dout[((size_t)p * OH + oy) * OW + ox];
    }
}

void ref_linear_forward(float *out, const float *inp, const float *weight, const float *bias,
                        int B, int In, int Out)
{
    for (int b = 0; b < B; b++)
        for (int o = 0; o < Out; o++) {
            float acc = bias[o];
            for (int i = 0; i < In; i++) acc += inp[(size_t)b * In + i] * weight[(size_t)o * In + i];
            out[(size_t)b * Out + o] = acc;
        }
}

void ref_linear_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                         const float *inp, const float *weight, int B, int In, int Out)
{
    if (dinp) memset(dinp, 0, sizeof(float) * (size_t)B * In);
    for (int b = 0; b < B; b++)
        for (int o = 0; o < Out; o++) {
            float d = dout[(size_t)b * Out + o];
            dbias[o] += d;
            for (int i = 0; i < In; i++) {
                dweight[(size_t)o * In + i] += d * inp[(size_t)b * In + i];
                if (dinp) dinp[(size_t)b * In + i] += d * weight[(size_t)o * In + i];
            }
        }
}

void ref_dropout_forward(float *out, const float *inp, const float *mask, int n)
{
    for (int i = 0; i < n; i++) out[i] = inp[i] * mask[i];
}

void ref_dropout_backward(float *dinp, const float *dout, const float *mask, int n)
{
    for (int i = 0; i < n; i++) dinp[i] = dout[i] * mask[i];
}

float ref_softmax_xent_forward(float *probs, const float *logits, const uint8_t *labels, int B,
                               int C)
{
    return (float)(ref_softmax_xent_sum(probs, logits, labels, B, C, 0.0f) / B);
}

double ref_softmax_xent_sum(float *probs, const float *logits, const uint8_t *labels, int B,
                            int C, float eps)
{
    double loss = 0;
    for (int b = 0; b < B; b++) {
        const float *z = logits + (size_t)b * C;
        float *p = probs + (size_t)b * C;
        float mx = z[0];
        for (int c = 1; c < C; c++) mx = z[c] > mx ? z[c] : mx;
        double sum = 0;
        for (int c = 0; c < C; c++) sum += exp((double)z[c] - mx);
        for (int c = 0; c < C; c++) p[c] = (float)(exp((double)z[c] - mx) / sum);
        const double nll = -((double)z[labels[b]] - mx - log(sum));
        if (eps == 0.0f) {
            loss += nll;
            continue;
        }
        double nll_all = 0;   /* -sum_c log p_c */
        for (int c = 0; c < C; c++) nll_all += -((double)z[c] - mx - log(sum));
        loss += (1.0 - (double)eps) * nll + (double)eps / C * nll_all;
    }
    return loss;
}

void ref_softmax_xent_backward(float *dlogits, const float *probs, const uint8_t *labels, int B,
                               int C)
{
    ref_softmax_xent_backward_part(dlogits, probs, labels, B, C, B, 0.0f);
}

void ref_softmax_xent_backward_part(float *dlogits, const float *probs, const uint8_t *labels,
                                    int B, int C, int batch, float eps)
{
    const float hit = 1.0f - eps, rest = eps / (float)C;
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++)
            dlogits[(size_t)b * C + c] =
                (probs[(size_t)b * C + c] - ((c == labels[b] ? hit : 0.0f) + rest)) / (float)batch;
}
