/* The transforms of Winograd F(2x2, 3x3) (simd/winograd.h), one row of tiles at a time, written
 * once for every instruction set in the portable vectors of simd/vec.h (included first by each
 * kernel file). Channels-last: a pixel is C floats (a multiple of VEC_LANES); a transformed point
 * p (0..15, row-major in the 4x4 block) of tile t lives at plane p: X[p*ldx + t*C + c]. */

/* V = B^T d B for the ntiles tiles of a row: in points at the padded input's pixel (2*ty, 0),
 * tile t reads rows 0..3 and pixels 2t..2t+3 from there. */
VEC_TARGET static void wino_input_row(int ntiles, int C, const float *in, ptrdiff_t in_row,
                                      float *V, ptrdiff_t ldv)
{
    for (int t = 0; t < ntiles; t++)
        for (int c = 0; c < C; c += VEC_LANES) {
            Vec d[4][4], r[4][4];
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++)
#pragma GCC unroll 4
                for (int j = 0; j < 4; j++)
                    d[i][j] = vec_load(in + i * in_row + (ptrdiff_t)(2 * t + j) * C + c);
            /* B^T on the rows: (d0 - d2, d1 + d2, d2 - d1, d1 - d3) */
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) {
                r[0][j] = d[0][j] - d[2][j];
                r[1][j] = d[1][j] + d[2][j];
                r[2][j] = d[2][j] - d[1][j];
                r[3][j] = d[1][j] - d[3][j];
            }
            /* and B on the columns */
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                float *v = V + (ptrdiff_t)4 * i * ldv + (ptrdiff_t)t * C + c;
                vec_store(v, r[i][0] - r[i][2]);
                vec_store(v + ldv, r[i][1] + r[i][2]);
                vec_store(v + 2 * ldv, r[i][2] - r[i][1]);
                vec_store(v + 3 * ldv, r[i][1] - r[i][3]);
            }
        }
}

/* Y = A^T M A + bias for the ntiles tiles of a row: out points at the output pixel (2*ty, 0).
 * bias may be NULL. With sums (not NULL): sums[c], sums[C + c] = the row's sums of (y - shift[c])
 * and its square, over the tiles in order and within a tile row-major. */
VEC_TARGET static void wino_output_row(int ntiles, int C, const float *M, ptrdiff_t ldm,
                                       const float *bias, float *out, ptrdiff_t out_row,
                                       const float *shift, float *sums)
{
    for (int c = 0; c < C; c += VEC_LANES) {
        const Vec zero = {0};
        const Vec b = bias ? vec_load(bias + c) : zero, k = sums ? vec_load(shift + c) : zero;
        Vec s1 = zero, s2 = zero;
        for (int t = 0; t < ntiles; t++) {
            Vec m[4][4], r[2][4];
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++)
#pragma GCC unroll 4
                for (int j = 0; j < 4; j++)
                    m[i][j] = vec_load(M + (ptrdiff_t)(4 * i + j) * ldm + (ptrdiff_t)t * C + c);
            /* A^T on the rows: (m0 + m1 + m2, m1 - m2 - m3) */
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) {
                r[0][j] = m[0][j] + m[1][j] + m[2][j];
                r[1][j] = m[1][j] - m[2][j] - m[3][j];
            }
#pragma GCC unroll 2
            for (int i = 0; i < 2; i++) {
                const Vec y0 = r[i][0] + r[i][1] + r[i][2] + b;
                const Vec y1 = r[i][1] - r[i][2] - r[i][3] + b;
                float *o = out + i * out_row + (ptrdiff_t)2 * t * C + c;
                vec_store(o, y0);
                vec_store(o + C, y1);
                const Vec e0 = y0 - k, e1 = y1 - k;
                s1 = s1 + e0 + e1;
                s2 = s2 + e0 * e0 + e1 * e1;
            }
        }
        if (sums) {
            vec_store(sums + c, s1);
            vec_store(sums + C + c, s2);
        }
    }
}

/* Z = A dY A^T for the ntiles 2x2 tiles of a row of output gradients: dy points at the pixel
 * (2*ty, 0). */
VEC_TARGET static void wino_grad_row(int ntiles, int C, const float *dy, ptrdiff_t dy_row,
                                     float *Z, ptrdiff_t ldz)
{
    for (int t = 0; t < ntiles; t++)
        for (int c = 0; c < C; c += VEC_LANES) {
            Vec y[2][2], a[4][2];
#pragma GCC unroll 2
            for (int i = 0; i < 2; i++)
#pragma GCC unroll 2
                for (int j = 0; j < 2; j++)
                    y[i][j] = vec_load(dy + i * dy_row + (ptrdiff_t)(2 * t + j) * C + c);
            /* A on the rows: (y0, y0 + y1, y0 - y1, -y1) */
#pragma GCC unroll 2
            for (int j = 0; j < 2; j++) {
                a[0][j] = y[0][j];
                a[1][j] = y[0][j] + y[1][j];
                a[2][j] = y[0][j] - y[1][j];
                a[3][j] = -y[1][j];
            }
#pragma GCC unroll 4
            for (int i = 0; i < 4; i++) {
                float *z = Z + (ptrdiff_t)4 * i * ldz + (ptrdiff_t)t * C + c;
                vec_store(z, a[i][0]);
                vec_store(z + ldz, a[i][0] + a[i][1]);
                vec_store(z + 2 * ldz, a[i][0] - a[i][1]);
                vec_store(z + 3 * ldz, -a[i][1]);
            }
        }
}

#define WINO_ROW_KERNELS {wino_input_row, wino_output_row, wino_grad_row}
