/* ISA dispatch: names, parsing, MNIST_CNN_ISA handling in isa_init_from_env, isa_set. */
#include <stdlib.h>
#include <string.h>

#include "simd/isa.h"
#include "tests/check.h"

static void test_names_and_parse(void)
{
    for (int i = 0; i < ISA_COUNT; i++) CHECK(isa_parse(isa_name((Isa)i)) == i, "isa %d", i);
    CHECK(strcmp(isa_name(ISA_SCALAR), "scalar") == 0, "%s", isa_name(ISA_SCALAR));
    CHECK(strcmp(isa_name(ISA_AVX2), "avx2") == 0, "%s", isa_name(ISA_AVX2));
    CHECK(strcmp(isa_name(ISA_AVX512), "avx512") == 0, "%s", isa_name(ISA_AVX512));
    CHECK(isa_parse("sse") == -1, "sse");
    CHECK(isa_parse("") == -1, "empty");
    CHECK(isa_parse("avx") == -1, "avx");
    CHECK(isa_parse("avx5120") == -1, "avx5120");
    CHECK(isa_parse(NULL) == -1, "NULL");
}

static void test_supported_and_set(void)
{
    CHECK(isa_supported(ISA_SCALAR), "scalar always supported");
    const Isa best = isa_best_supported();
    CHECK(isa_supported(best), "best %s", isa_name(best));
    for (int i = best + 1; i < ISA_COUNT; i++)
        CHECK(!isa_supported((Isa)i), "%s supported but best is %s", isa_name((Isa)i),
              isa_name(best));
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    CHECK(isa_supported(ISA_AVX2) == (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")),
          "avx2 detection");
    CHECK(!isa_supported(ISA_AVX512) || __builtin_cpu_supports("avx512f"), "avx512 detection");
#endif
    for (int i = 0; i < ISA_COUNT; i++) {
        const int r = isa_set((Isa)i);
        CHECK(r == (isa_supported((Isa)i) ? 0 : -1), "isa_set(%s) = %d", isa_name((Isa)i), r);
        if (r == 0) CHECK(isa_current() == (Isa)i, "current %s", isa_name(isa_current()));
    }
    CHECK(isa_set(ISA_COUNT) == -1, "isa_set(ISA_COUNT)");
    CHECK(isa_set((Isa)-1) == -1, "isa_set(-1)");
}

static void test_env(void)
{
    char err[256];
    unsetenv("MNIST_CNN_ISA");
    isa_set(ISA_SCALAR);
    CHECK(isa_init_from_env(err, sizeof err) == 0, "unset");
    CHECK(isa_current() == isa_best_supported(), "unset -> best, got %s", isa_name(isa_current()));

    for (int i = 0; i < ISA_COUNT; i++) {
        setenv("MNIST_CNN_ISA", isa_name((Isa)i), 1);
        err[0] = 0;
        const int r = isa_init_from_env(err, sizeof err);
        if (isa_supported((Isa)i)) {
            CHECK(r == 0, "%s: %s", isa_name((Isa)i), err);
            CHECK(isa_current() == (Isa)i, "%s -> %s", isa_name((Isa)i), isa_name(isa_current()));
        } else {
            CHECK(r == -1, "unsupported %s accepted", isa_name((Isa)i));
            CHECK(strstr(err, "not supported") && strstr(err, isa_name((Isa)i)), "message: %s",
                  err);
            printf("# %s unsupported here: %s\n", isa_name((Isa)i), err);
        }
    }

    isa_set(ISA_SCALAR);
    setenv("MNIST_CNN_ISA", "avx1024", 1);
    err[0] = 0;
    CHECK(isa_init_from_env(err, sizeof err) == -1, "avx1024 accepted");
    CHECK(strstr(err, "unknown") && strstr(err, "avx1024") && strstr(err, "MNIST_CNN_ISA"),
          "message: %s", err);
    CHECK(isa_current() == ISA_SCALAR, "failed init changed the ISA to %s",
          isa_name(isa_current()));
    /* A short buffer is truncated, not overrun. */
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK(isa_init_from_env(small, 5) == -1, "avx1024 accepted");
    CHECK(small[4] == 0 && small[5] == 'x', "truncation");
    unsetenv("MNIST_CNN_ISA");
}

int main(void)
{
    RUN(test_names_and_parse);
    RUN(test_supported_and_set);
    RUN(test_env);
    return check_done();
}
