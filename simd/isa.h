/* The one dispatch point: which instruction set the kernels use, chosen once at start-up from
 * CPUID, or forced with MNIST_CNN_ISA=scalar|avx2|avx512. */
#ifndef MNIST_SIMD_ISA_H
#define MNIST_SIMD_ISA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { ISA_SCALAR = 0, ISA_AVX2 = 1, ISA_AVX512 = 2, ISA_COUNT } Isa;

/* Best ISA this CPU (and this build) supports. */
Isa isa_best_supported(void);
/* Whether isa can run here (compiled in and supported by the CPU). */
int isa_supported(Isa isa);
/* "scalar", "avx2", "avx512". */
const char *isa_name(Isa isa);
/* Parse a name; returns -1 if unknown. */
int isa_parse(const char *name);

/* Select the ISA: from MNIST_CNN_ISA when set, else the best supported. Returns 0, or -1 with a
 * message in err (unknown name, or not supported by this CPU). Call once at start-up; calling
 * sgemm before it selects the best supported ISA. */
int isa_init_from_env(char *err, size_t errlen);
/* Force an ISA (tests and benchmarks); returns -1 if unsupported. */
int isa_set(Isa isa);
/* The ISA in use. */
Isa isa_current(void);

#ifdef __cplusplus
}
#endif

#endif
