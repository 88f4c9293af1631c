/* BLIS-style sgemm: the five loops around the micro-kernel.
 *
 *   jc: NC columns of C / op(B)     (the packed kc x NC block of B lives in L3)
 *    pc: KC of the k dimension      (pack op(B)[pc:pc+kc, jc:jc+nc] into NR-wide panels)
 *     ic: MC rows of C / op(A)      (pack op(A)[ic:ic+mc, pc:pc+kc] into MR-tall panels, ~L2)
 *      jr: NR columns                (one kc x NR panel of B stays in L1 ...)
 *       ir: MR rows                  (... while the MR x kc panels of A stream past it)
 *
 * Determinism: the k blocks depend only on K (K is split into equal blocks of at most KC_MAX), the
 * kernel accumulates each element over its k block in order from zero, the first block applies
 * beta and the later ones add with beta = 1, and edge tiles run the same kernel on a copy of C.
 * So every element of C sees the same operations whatever M, N, MC, NC or its tile position. */
#include <string.h>

#include "simd/gemm.h"
#include "simd/isa.h"
#include "simd/pack.h"

/* KC: a kc x NR panel of B (<= 256 * 32 * 4 = 32 KB for AVX-512, 16 KB for AVX2) stays in the
 * 32-48 KB L1 while the A panels stream past; MC: mc x kc of packed A about half of a 1 MB L2; NC:
 * the packed kc x NC of B a few MB (L3). KC_MAX = 256 measured best of 256/384/800 on the conv2
 * shapes. Only KC_MAX affects results (through the k split); MC and NC do not. */
enum { KC_MAX = GEMM_KC_MAX, MC_BYTES = GEMM_MC_BYTES, NC_MAX = GEMM_NC_MAX };

/* ---- driver ---- */

static void scale_c(int M, int N, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        if (beta == 0.0f)
            for (int j = 0; j < N; j++) c[j] = 0.0f;
        else
            for (int j = 0; j < N; j++) c[j] *= beta;
    }
}

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float *A, int lda,
           const float *B, int ldb, float beta, float *C, int ldc, float *pack)
{
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    const IsaDesc *isa = isa_current();
    const int mr = isa->mr, nr = isa->nr;
    const GemmKernel kernel = isa->gemm_kernel;

    /* K in equal blocks of at most KC_MAX: depends on K only. */
    const int kblocks = (K + KC_MAX - 1) / KC_MAX;
    const int kcb = (K + kblocks - 1) / kblocks;
    int mcb = MC_BYTES / (kcb * (int)sizeof(float)) / mr * mr;
    if (mcb < mr) mcb = mr;
    if (mcb > (M + mr - 1) / mr * mr) mcb = (M + mr - 1) / mr * mr;
    int ncb = NC_MAX / nr * nr;
    if (ncb > (N + nr - 1) / nr * nr) ncb = (N + nr - 1) / nr * nr;

    /* mcb * kcb <= MC_BYTES / 4 and ncb * kcb <= NC_MAX * KC_MAX: both fit GEMM_PACK_FLOATS */
    float *abuf = pack, *bbuf = pack + MC_BYTES / 4;
    _Alignas(64) float tile[GEMM_TILE_MAX_MR * GEMM_TILE_MAX_NR];

    for (int jc = 0; jc < N; jc += ncb) {
        const int nc = N - jc < ncb ? N - jc : ncb;
        for (int pc = 0; pc < K; pc += kcb) {
            const int kc = K - pc < kcb ? K - pc : kcb;
            const float beta_k = pc == 0 ? beta : 1.0f;
            pack_b(trans_b, B, ldb, pc, kc, jc, nc, nr, bbuf);
            for (int ic = 0; ic < M; ic += mcb) {
                const int mc = M - ic < mcb ? M - ic : mcb;
                pack_a(trans_a, A, lda, ic, mc, pc, kc, mr, abuf);
                for (int jr = 0; jr < nc; jr += nr) {
                    const int ncols = nc - jr < nr ? nc - jr : nr;
                    const float *bp = bbuf + (size_t)jr * kc;
                    for (int ir = 0; ir < mc; ir += mr) {
                        const int nrows = mc - ir < mr ? mc - ir : mr;
                        const float *ap = abuf + (size_t)ir * kc;
                        float *c = C + (ptrdiff_t)(ic + ir) * ldc + (jc + jr);
                        if (nrows == mr && ncols == nr) {
                            kernel(kc, ap, bp, c, ldc, alpha, beta_k);
                            continue;
                        }
                        /* Edge tile: same kernel on a copy of C, then copy the valid part back. */
                        if (beta_k != 0.0f) {
                            memset(tile, 0, sizeof(float) * (size_t)mr * nr);
                            for (int r = 0; r < nrows; r++)
                                memcpy(tile + r * nr, c + (ptrdiff_t)r * ldc,
                                       sizeof(float) * (size_t)ncols);
                        }
                        kernel(kc, ap, bp, tile, nr, alpha, beta_k);
                        for (int r = 0; r < nrows; r++)
                            memcpy(c + (ptrdiff_t)r * ldc, tile + r * nr,
                                   sizeof(float) * (size_t)ncols);
                    }
                }
            }
        }
    }
}

void sgemm_reference(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float *A,
                     int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float acc = 0.0f;
            for (int k = 0; k < K; k++) {
                const float a = trans_a ? A[(ptrdiff_t)k * lda + i] : A[(ptrdiff_t)i * lda + k];
                const float b = trans_b ? B[(ptrdiff_t)j * ldb + k] : B[(ptrdiff_t)k * ldb + j];
                acc += a * b;
            }
            float *c = &C[(ptrdiff_t)i * ldc + j];
            *c = beta == 0.0f ? alpha * acc : alpha * acc + beta * *c;
        }
}
