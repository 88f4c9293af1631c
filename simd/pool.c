/* The loops of the pooling passes (see pool.h): images, then rows of windows, each row one call
 * of the instruction set's row kernel; the kernels' float row sums are added here in double. */
#include "simd/pool.h"
#include "simd/isa.h"


ImageStrides image_strides(int H, int W, int C)
{
    return (ImageStrides){(ptrdiff_t)H * W * C, (ptrdiff_t)W * C};
}

ImageStrides image_strides_padded(int H, int W, int C)
{
    return (ImageStrides){(ptrdiff_t)(H + 2) * (W + 2) * C, (ptrdiff_t)(W + 2) * C};
}

void bn_relu_pool_forward(const PoolShape *p, const float *in, const float *scale,
                          const float *shift, float *out, ImageStrides os, uint8_t *win)
{
    const PoolRowKernels *k = &isa_current()->pool;
    const int OH = p->H / 2, OW = p->W / 2, C = p->C;
    const ImageStrides is = image_strides(p->H, p->W, C);
    for (int s = 0; s < p->S; s++)
        for (int oy = 0; oy < OH; oy++) {
            const float *r0 = in + s * is.img + 2 * oy * is.row;
            uint8_t *w = win ? win + (((ptrdiff_t)s * OH + oy) * OW) * C : NULL;
            k->forward(OW, C, r0, r0 + is.row, scale, shift, out + s * os.img + oy * os.row, w);
        }
}

void relu_pool_backward_bn_sums(const PoolShape *p, const float *dout, ImageStrides ds,
                                const float *out, ImageStrides os, const uint8_t *win,
                                const float *x, const float *mean, float *dq, double *sums)
{
    const PoolRowKernels *k = &isa_current()->pool;
    const int OH = p->H / 2, OW = p->W / 2, C = p->C;
    const ImageStrides is = image_strides(p->H, p->W, C);
    float r[2 * POOL_MAX_C];
    for (int s = 0; s < p->S; s++)
        for (int oy = 0; oy < OH; oy++) {
            const ptrdiff_t q = (((ptrdiff_t)s * OH + oy) * OW) * C;
            const float *x0 = x + s * is.img + 2 * oy * is.row;
            k->backward_sums(OW, C, dout + s * ds.img + oy * ds.row,
                             out + s * os.img + oy * os.row, win + q, x0, x0 + is.row, mean,
                             dq + q, r, r + C);
            for (int c = 0; c < 2 * C; c++) sums[c] += r[c];
        }
}

void unpool_bn_backward_sum_dx(const PoolShape *p, const float *dq, const uint8_t *win,
                               const float *x, const BnBackward *bn, float *dx, ImageStrides xs,
                               double *sum_dx)
{
    const PoolRowKernels *k = &isa_current()->pool;
    const int OH = p->H / 2, OW = p->W / 2, C = p->C;
    const ImageStrides is = image_strides(p->H, p->W, C);
    float r[POOL_MAX_C];
    for (int s = 0; s < p->S; s++)
        for (int oy = 0; oy < OH; oy++) {
            const ptrdiff_t q = (((ptrdiff_t)s * OH + oy) * OW) * C;
            const float *x0 = x + s * is.img + 2 * oy * is.row;
            float *d0 = dx + s * xs.img + 2 * oy * xs.row;
            k->unpool_bn(OW, C, dq + q, win + q, x0, x0 + is.row, bn, d0, d0 + xs.row, r);
            for (int c = 0; c < C; c++) sum_dx[c] += r[c];
        }
}

void unpool_bn_backward_sum_dx_bf16_image_pairs(const PoolShape *p, const float *dq,
                                                const uint8_t *win, const float *x,
                                                const BnBackward *bn, uint16_t *dx_img,
                                                ImageStrides xs, uint16_t *dx_pairs,
                                                double *sum_dx)
{
    const UnpoolBnBf16Row row = isa_bf16_current()->unpool_bn_bf16;
    const int OH = p->H / 2, OW = p->W / 2, C = p->C;
    const ImageStrides is = image_strides(p->H, p->W, C);
    const ptrdiff_t pair_row = (ptrdiff_t)OW * 2 * C;   /* a row of W/2 pairs */
    float r[POOL_MAX_C];
    for (int s = 0; s < p->S; s++)
        for (int oy = 0; oy < OH; oy++) {
            const ptrdiff_t q = (((ptrdiff_t)s * OH + oy) * OW) * C;
            const float *x0 = x + s * is.img + 2 * oy * is.row;
            uint16_t *d0 = dx_img + s * xs.img + 2 * oy * xs.row;
            uint16_t *p0 = dx_pairs + ((ptrdiff_t)s * p->H + 2 * oy) * pair_row;
            row(OW, C, dq + q, win + q, x0, x0 + is.row, bn, d0, d0 + xs.row, p0, p0 + pair_row, r);
            for (int c = 0; c < C; c++) sum_dx[c] += r[c];
        }
}

void bn_relu_pool_forward_and_bf16(const PoolShape *p, const float *in, const float *scale,
                                   const float *shift, float *out, ImageStrides os, uint8_t *win,
                                   uint16_t *img, uint16_t *pairs)
{
    const PoolRowKernels *k = &isa_current()->pool;
    const IsaDesc *b = isa_bf16_current();
    const int OH = p->H / 2, OW = p->W / 2, C = p->C;
    const ImageStrides is = image_strides(p->H, p->W, C);
    const ptrdiff_t prow = (ptrdiff_t)(OW + 2) * C;   /* a padded row; a half of a pair row */
    for (int s = 0; s < p->S; s++)
        for (int oy = 0; oy < OH; oy++) {
            const float *r0 = in + s * is.img + 2 * oy * is.row;
            uint8_t *w = win ? win + (((ptrdiff_t)s * OH + oy) * OW) * C : NULL;
            float *o = out + s * os.img + oy * os.row;
            k->forward(OW, C, r0, r0 + is.row, scale, shift, o, w);
            b->bf16_round_row(o, (size_t)OW * C, img + s * os.img + oy * os.row);
            /* padded row oy + 1 of image s: half 0 pairs columns (2m, 2m+1), half 1 from
             * column 1 (2m+1, 2m+2) */
            uint16_t *pr = pairs + (((ptrdiff_t)s * (OH + 2) + oy + 1) * 2) * prow;
            b->bf16_pair_row(o - C, C, OW + 2, pr);
            b->bf16_pair_row(o, C, OW + 1, pr + prow);
        }
}
