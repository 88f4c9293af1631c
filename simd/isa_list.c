/* The instruction sets this build has, most portable first: each kernel file defines one
 * descriptor. x86 sets are built only for x86 (simd/meson.build). */
#include "simd/isa.h"

extern const IsaDesc isa_scalar;
#ifdef MNIST_SIMD_X86
extern const IsaDesc isa_avx2, isa_avx512;
#endif

const IsaDesc *const isa_list[] = {
    &isa_scalar,
#ifdef MNIST_SIMD_X86
    &isa_avx2,
    &isa_avx512,
#endif
    NULL,
};
