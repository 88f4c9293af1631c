/* The loops around the register tiles (see dense.h). Forward: column blocks of dense_cb, k in
 * blocks of DENSE_KC, rows in tiles of at most dense_rows. Weight gradient: the convolutions'
 * weight-gradient tile (simd/isa.h WgradTile) is an outer-product accumulation, the same product
 * with the rows as its "pixels": wgrad_rows rows of dw by wgrad_cb columns, summed over m. */
#include "simd/dense.h"
#include "simd/isa.h"
#include "simd/transpose.h"

void dense_pack(const float *w, int N, int K, int n0, int n, float *wt)
{
    transpose_floats(w + (ptrdiff_t)n0 * K, K, n, K, wt + n0, N);
}

void dense_forward(int M, int K, int N, int n0, int n, const float *x, ptrdiff_t ldx,
                   const float *wt, const float *bias, float *y, ptrdiff_t ldy)
{
    const IsaDesc *isa = isa_current();
    const int cb = isa->dense_cb, rows = isa->dense_rows;
    for (int c = n0; c < n0 + n; c += cb) {
        const int nc = n0 + n - c < cb ? n0 + n - c : cb;
        for (int k0 = 0; k0 < K; k0 += DENSE_KC)
            for (int r = 0; r < M; r += rows)
                isa->dense_tile(K - k0 < DENSE_KC ? K - k0 : DENSE_KC, x + (ptrdiff_t)r * ldx + k0,
                                ldx, M - r < rows ? M - r : rows, nc, wt + (ptrdiff_t)k0 * N + c, N,
                                k0 == 0 ? bias + c : NULL, y + (ptrdiff_t)r * ldy + c, ldy);
    }
}

void dense_weight_grad(int M, const float *x, ptrdiff_t ldx, int i0, int ni, const float *y,
                       ptrdiff_t ldy, int j0, int nj, float *dw, ptrdiff_t lddw)
{
    const IsaDesc *isa = isa_current();
    const int cb = isa->wgrad_cb, rows = isa->wgrad_rows;
    ptrdiff_t off[ISA_MAX_WGRAD_ROWS];
    for (int r = 0; r < rows; r++) off[r] = r;   /* consecutive columns of x */
    for (int i = i0; i < i0 + ni; i += rows)
        for (int j = j0; j < j0 + nj; j += cb)
            isa->wgrad_tile(x + i, 0, 0, ldx, off, i0 + ni - i < rows ? i0 + ni - i : rows, y + j,
                            0, 0, ldy, 1, 1, M, dw + (ptrdiff_t)i * lddw + j, lddw);
}

void dense_weight_grad_tree(int M, int leaf, const float *x, ptrdiff_t ldx, int i0, int ni,
                            const float *y, ptrdiff_t ldy, int j0, int nj, float *dw,
                            ptrdiff_t lddw)
{
    const IsaDesc *isa = isa_current();
    const int cb = isa->wgrad_cb, rows = isa->wgrad_rows;
    for (int i = i0; i < i0 + ni; i += rows)
        for (int j = j0; j < j0 + nj; j += cb)
            isa->wgrad_tree_tile(x + i, ldx, i0 + ni - i < rows ? i0 + ni - i : rows, y + j, ldy, M,
                                 leaf, dw + (ptrdiff_t)i * lddw + j, lddw);
}

void dense_forward_reference(int M, int K, int N, const float *x, ptrdiff_t ldx, const float *wt,
                             const float *bias, float *y, ptrdiff_t ldy)
{
    for (int m = 0; m < M; m++)
        for (int j = 0; j < N; j++) {
            double acc = bias[j];
            for (int k = 0; k < K; k++) acc += (double)x[(ptrdiff_t)m * ldx + k] * wt[(ptrdiff_t)k * N + j];
            y[(ptrdiff_t)m * ldy + j] = (float)acc;
        }
}

void dense_weight_grad_reference(int M, int I, int J, const float *x, ptrdiff_t ldx,
                                 const float *y, ptrdiff_t ldy, float *dw, ptrdiff_t lddw)
{
    for (int i = 0; i < I; i++)
        for (int j = 0; j < J; j++) {
            double acc = 0;
            for (int m = 0; m < M; m++) acc += (double)x[(ptrdiff_t)m * ldx + i] * y[(ptrdiff_t)m * ldy + j];
            dw[(ptrdiff_t)i * lddw + j] = (float)acc;
        }
}
