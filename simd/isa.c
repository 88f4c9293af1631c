/* Instruction-set dispatch over the list in simd/isa_list.c: the best set this CPU runs, or the
 * one MNIST_CNN_ISA names; isa_set switches for tests and benchmarks. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd/isa.h"

/* NULL until chosen. Atomic because the kernels may first run on several threads at once. */
static _Atomic(const IsaDesc *) current_isa;

int isa_count(void)
{
    int n = 0;
    while (isa_list[n]) n++;
    return n;
}

int isa_supported(const IsaDesc *isa) { return isa && isa->cpu_has(); }

const IsaDesc *isa_best_supported(void)
{
    const IsaDesc *best = isa_list[0];
    for (int i = 1; isa_list[i]; i++)
        if (isa_supported(isa_list[i])) best = isa_list[i];
    return best;
}

const IsaDesc *isa_find(const char *name)
{
    for (int i = 0; name && isa_list[i]; i++)
        if (strcmp(name, isa_list[i]->name) == 0) return isa_list[i];
    return NULL;
}

int isa_has_bf16(const IsaDesc *isa)
{
    return isa_supported(isa) && isa->conv_bf16_tile && isa->wgrad_bf16_tile &&
           isa->bf16_round_row && isa->bf16_pair_row && isa->unpool_bn_bf16 &&
           (!isa->bf16_cpu_has || isa->bf16_cpu_has());
}

int isa_bf16_native(const IsaDesc *isa) { return isa_has_bf16(isa) && isa->bf16_cpu_has; }

const IsaDesc *isa_bf16_current(void)
{
    const IsaDesc *isa = isa_current();
    return isa_has_bf16(isa) ? isa : isa_list[0];
}

const char *isa_name(const IsaDesc *isa) { return isa ? isa->name : "unknown"; }

int isa_set(const IsaDesc *isa)
{
    if (!isa_supported(isa)) return -1;
    atomic_store(&current_isa, isa);
    return 0;
}

const IsaDesc *isa_current(void)
{
    const IsaDesc *v = atomic_load_explicit(&current_isa, memory_order_relaxed);
    if (!v) {
        const IsaDesc *expected = NULL;
        v = isa_best_supported();
        if (!atomic_compare_exchange_strong(&current_isa, &expected, v)) v = expected;
    }
    return v;
}

/* "scalar, avx2 or avx512" */
static void list_names(char *buf, size_t len)
{
    size_t used = 0;
    int n = isa_count();
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ",
                                 isa_list[i]->name);
}

int isa_init_from_env(char *err, size_t errlen)
{
    const char *env = getenv("MNIST_CNN_ISA");
    if (!env || !*env) {
        atomic_store(&current_isa, isa_best_supported());
        return 0;
    }
    const IsaDesc *isa = isa_find(env);
    if (!isa) {
        char names[128];
        list_names(names, sizeof names);
        if (err && errlen)
            snprintf(err, errlen, "MNIST_CNN_ISA=%s: unknown instruction set (expected %s)", env, names);
        return -1;
    }
    if (isa_set(isa) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "MNIST_CNN_ISA=%s: not supported by this CPU or build (best supported: %s)",
                     env, isa_best_supported()->name);
        return -1;
    }
    return 0;
}
