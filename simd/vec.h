/* Portable vectors for the kernels written once for every instruction set (simd/pool_rows.h,
 * simd/winograd_rows.h), in GCC's vector extensions. Each kernel file includes this with
 * VEC_TARGET set to its target attribute (empty for the portable set) and VEC_LANES to its
 * register width in floats, so each set gets its own compile of the same source: 16 lanes in zmm
 * for AVX-512, 8 in ymm for AVX2, 4 in xmm otherwise. (Vectors wider than the set's registers are
 * not split well: GCC turned AVX2's compares of 16 lanes into scalar code, 10x slower.)
 *
 * Kernels written with these keep every operation per lane (per channel), and the kernel files
 * are built with -ffp-contract=off, so all sets give the same bits. */
#include <string.h>

#if !defined(VEC_TARGET) || !defined(VEC_LANES)
#error "define VEC_TARGET and VEC_LANES before including vec.h"
#endif

/* The helpers pass vectors by value, which GCC warns changes the ABI where the baseline has no
 * registers that wide; they are always inlined, so no call ever uses that ABI. */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef float Vec __attribute__((vector_size(4 * VEC_LANES)));
typedef int VecMask __attribute__((vector_size(4 * VEC_LANES)));
typedef unsigned char VecBytes __attribute__((vector_size(VEC_LANES)));

#define VEC_INLINE VEC_TARGET static inline __attribute__((always_inline))

VEC_INLINE Vec vec_load(const float *p)
{
    Vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

VEC_INLINE void vec_store(float *p, Vec v) { memcpy(p, &v, sizeof v); }

/* VEC_LANES bytes widened to ints */
VEC_INLINE VecMask vec_load_bytes(const unsigned char *p)
{
    VecBytes b;
    memcpy(&b, p, sizeof b);
    return __builtin_convertvector(b, VecMask);
}

VEC_INLINE void vec_store_bytes(unsigned char *p, VecMask m)
{
    const VecBytes b = __builtin_convertvector(m, VecBytes);
    memcpy(p, &b, sizeof b);
}

/* m ? a : b per lane (m: all ones or zero) */
VEC_INLINE Vec vec_select(VecMask m, Vec a, Vec b)
{
    return (Vec)(((VecMask)a & m) | ((VecMask)b & ~m));
}
