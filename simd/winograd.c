/* The loops of Winograd F(2x2, 3x3) (see winograd.h): per image, the input tiles transformed a
 * row at a time, 16 dense products, the output tiles transformed back; the weight transforms,
 * once per step, in plain C. */
#include "simd/winograd.h"
#include "simd/dense.h"
#include "simd/isa.h"

#include <string.h>

enum { MAX_C = WINO_MAX_C };   /* row sums and a kernel row live on the stack */

size_t winograd_weights_floats(int Cin, int Cout) { return (size_t)WINO_POINTS * Cin * Cout; }

size_t winograd_scratch_floats(const ConvShape *s, int S)
{
    const size_t T = (size_t)(s->H / 2) * (s->W / 2), C = (size_t)s->Cin + (size_t)s->Cout;
    const size_t forward = WINO_POINTS * T * C + (size_t)s->Cout;   /* one image, + zero bias */
    const size_t grad = WINO_POINTS * (size_t)S * T * C;             /* all S images */
    return forward > grad ? forward : grad;
}

/* U[p][ci][0..Cout) = (G g G^T)[p] for every co at once, g[t][co] the 3x3 kernels from input
 * channel ci to each co (tap-major): each step is one loop over co, so the weights of a step
 * transform as vector code. G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. */
static void transform_row(const float *g, int Cout, float *U, ptrdiff_t ldu)
{
    float t[12][MAX_C];   /* G g: row i of G times the kernel's rows, [4 x 3] of vectors */
    for (int kx = 0; kx < 3; kx++) {
        const float *g0 = g + (size_t)kx * Cout, *g1 = g0 + 3 * (size_t)Cout, *g2 = g1 + 3 * (size_t)Cout;
        float *t0 = t[kx], *t1 = t[3 + kx], *t2 = t[6 + kx], *t3 = t[9 + kx];
        for (int co = 0; co < Cout; co++) {
            t0[co] = g0[co];
            t1[co] = 0.5f * (g0[co] + g1[co] + g2[co]);
            t2[co] = 0.5f * (g0[co] - g1[co] + g2[co]);
            t3[co] = g2[co];
        }
    }
    for (int i = 0; i < 4; i++) {   /* (G g) G^T, row i */
        const float *a0 = t[3 * i], *a1 = t[3 * i + 1], *a2 = t[3 * i + 2];
        float *u0 = U + 4 * i * ldu, *u1 = u0 + ldu, *u2 = u1 + ldu, *u3 = u2 + ldu;
        for (int co = 0; co < Cout; co++) {
            u0[co] = a0[co];
            u1[co] = 0.5f * (a0[co] + a1[co] + a2[co]);
            u2[co] = 0.5f * (a0[co] - a1[co] + a2[co]);
            u3[co] = a2[co];
        }
    }
}

void winograd_pack(const float *oihw, int Cout, int Cin, float *U)
{
    float g[9 * MAX_C];   /* the kernels from one input channel, [tap][co] */
    for (int ci = 0; ci < Cin; ci++) {
        for (int co = 0; co < Cout; co++)
            for (int tap = 0; tap < 9; tap++) g[tap * Cout + co] = oihw[((size_t)co * Cin + ci) * 9 + tap];
        transform_row(g, Cout, U + (size_t)ci * Cout, (ptrdiff_t)Cin * Cout);
    }
}

void winograd_pack_transposed(const float *oihw, int Cout, int Cin, float *U)
{
    /* the transposed convolution's kernel from co to ci: g[co][ci] turned by 180 degrees; its
     * "input channels" are co, its outputs ci */
    float g[9 * MAX_C];
    for (int co = 0; co < Cout; co++) {
        for (int ci = 0; ci < Cin; ci++)
            for (int tap = 0; tap < 9; tap++) g[tap * Cin + ci] = oihw[((size_t)co * Cin + ci) * 9 + 8 - tap];
        transform_row(g, Cin, U + (size_t)co * Cin, (ptrdiff_t)Cout * Cin);
    }
}

/* G^T u for 4 values u (stride su) into 3 (stride so): the adjoint of G. */
static void gt_apply(const float *u, int su, float *o, int so)
{
    o[0] = u[0] + 0.5f * (u[su] + u[2 * su]);
    o[so] = 0.5f * (u[su] - u[2 * su]);
    o[2 * so] = 0.5f * (u[su] + u[2 * su]) + u[3 * su];
}

void winograd_unpack_grad(const float *dU, int Cout, int Cin, float *oihw)
{
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++) {
            float u[16], t[12];   /* G^T u: 3 x 4, then (G^T u) G: 3 x 3 */
            for (int p = 0; p < WINO_POINTS; p++) u[p] = dU[((size_t)p * Cin + ci) * Cout + co];
            for (int j = 0; j < 4; j++) gt_apply(u + j, 4, t + j, 4);
            for (int i = 0; i < 3; i++) gt_apply(t + 4 * i, 1, oihw + ((size_t)co * Cin + ci) * 9 + 3 * i, 1);
        }
}

void winograd_forward(const ConvShape *s, int S, const float *in, const float *U, const float *bias,
                      float *out, const float *shift, double *stats, float *scratch)
{
    const WinogradRowKernels *k = &isa_current()->wino;
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout, TW = W / 2, T = H / 2 * TW;
    const ptrdiff_t in_row = (ptrdiff_t)(W + 2) * Cin, in_img = (ptrdiff_t)(H + 2) * in_row;
    const ptrdiff_t out_row = (ptrdiff_t)W * Cout, out_img = (ptrdiff_t)H * out_row;
    float *V = scratch, *M = V + (size_t)WINO_POINTS * T * Cin, *zero = M + (size_t)WINO_POINTS * T * Cout;
    float sums[2 * MAX_C];
    memset(zero, 0, sizeof(float) * (size_t)Cout);
    for (int i = 0; i < S; i++) {
        for (int ty = 0; ty < H / 2; ty++)
            k->input_row(TW, Cin, in + i * in_img + 2 * ty * in_row, in_row,
                         V + (ptrdiff_t)ty * TW * Cin, (ptrdiff_t)T * Cin);
        for (int p = 0; p < WINO_POINTS; p++)
            dense_forward(T, Cin, Cout, 0, Cout, V + (size_t)p * T * Cin, Cin,
                          U + (size_t)p * Cin * Cout, zero, M + (size_t)p * T * Cout, Cout);
        for (int ty = 0; ty < H / 2; ty++) {
            k->output_row(TW, Cout, M + (ptrdiff_t)ty * TW * Cout, (ptrdiff_t)T * Cout, bias,
                          out + i * out_img + 2 * ty * out_row, out_row, shift,
                          stats ? sums : NULL);
            if (!stats) continue;
            for (int c = 0; c < 2 * Cout; c++) stats[c] += sums[c];
        }
    }
}

void winograd_weight_grad(const ConvShape *s, int S, const float *in, const float *dy_padded,
                          float *dU, float *scratch)
{
    const WinogradRowKernels *k = &isa_current()->wino;
    const int H = s->H, W = s->W, Cin = s->Cin, Cout = s->Cout, TW = W / 2, T = H / 2 * TW;
    const ptrdiff_t in_row = (ptrdiff_t)(W + 2) * Cin, in_img = (ptrdiff_t)(H + 2) * in_row;
    const ptrdiff_t dy_row = (ptrdiff_t)(W + 2) * Cout, dy_img = (ptrdiff_t)(H + 2) * dy_row;
    const ptrdiff_t ldv = (ptrdiff_t)S * T * Cin, ldz = (ptrdiff_t)S * T * Cout;
    float *V = scratch, *Z = V + (size_t)WINO_POINTS * ldv;
    for (int i = 0; i < S; i++)
        for (int ty = 0; ty < H / 2; ty++) {
            const ptrdiff_t tile = (ptrdiff_t)i * T + (ptrdiff_t)ty * TW;
            k->input_row(TW, Cin, in + i * in_img + 2 * ty * in_row, in_row, V + tile * Cin, ldv);
            k->grad_row(TW, Cout, dy_padded + i * dy_img + (2 * ty + 1) * dy_row + Cout, dy_row,
                        Z + tile * Cout, ldz);
        }
    for (int p = 0; p < WINO_POINTS; p++)
        dense_weight_grad(S * T, V + p * ldv, Cin, 0, Cin, Z + p * ldz, Cout, 0, Cout,
                          dU + (size_t)p * Cin * Cout, Cout);
}
