/* Instruction-set dispatch: CPUID (through the compiler's __builtin_cpu_supports) picks the best
 * kernels this build and CPU support, MNIST_CNN_ISA can force one, isa_set switches for tests. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd/isa.h"

static const char *const isa_names[ISA_COUNT] = {"scalar", "avx2", "avx512"};

/* -1 until chosen; then an Isa. Atomic because sgemm may first run on several threads at once. */
static atomic_int current_isa = -1;

int isa_supported(Isa isa)
{
    switch (isa) {
    case ISA_SCALAR:
        return 1;
#ifdef MNIST_SIMD_X86
    case ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case ISA_AVX512:
        __builtin_cpu_init();
        /* The kernel file is built with -mavx512f -mavx512vl -mfma. */
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("fma");
#endif
    default:
        return 0;
    }
}

Isa isa_best_supported(void)
{
    for (int i = ISA_COUNT - 1; i > 0; i--)
        if (isa_supported((Isa)i)) return (Isa)i;
    return ISA_SCALAR;
}

const char *isa_name(Isa isa)
{
    return (unsigned)isa < ISA_COUNT ? isa_names[isa] : "unknown";
}

int isa_parse(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < ISA_COUNT; i++)
        if (strcmp(name, isa_names[i]) == 0) return i;
    return -1;
}

int isa_set(Isa isa)
{
    if ((unsigned)isa >= ISA_COUNT || !isa_supported(isa)) return -1;
    atomic_store(&current_isa, (int)isa);
    return 0;
}

Isa isa_current(void)
{
    int v = atomic_load_explicit(&current_isa, memory_order_relaxed);
    if (v < 0) {
        int expected = -1;
        v = (int)isa_best_supported();
        if (!atomic_compare_exchange_strong(&current_isa, &expected, v)) v = expected;
    }
    return (Isa)v;
}

int isa_init_from_env(char *err, size_t errlen)
{
    const char *env = getenv("MNIST_CNN_ISA");
    if (!env || !*env) {
        atomic_store(&current_isa, (int)isa_best_supported());
        return 0;
    }
    const int isa = isa_parse(env);
    if (isa < 0) {
        if (err && errlen)
            snprintf(err, errlen,
                     "MNIST_CNN_ISA=%s: unknown instruction set (expected scalar, avx2 or avx512)",
                     env);
        return -1;
    }
    if (isa_set((Isa)isa) != 0) {
        if (err && errlen)
            snprintf(err, errlen,
                     "MNIST_CNN_ISA=%s: not supported by this CPU or build (best supported: %s)",
                     env, isa_name(isa_best_supported()));
        return -1;
    }
    return 0;
}
