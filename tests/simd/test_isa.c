/* Instruction-set dispatch: the list and its descriptors, isa_find, isa_set, MNIST_CNN_ISA. */
#include <stdlib.h>
#include <string.h>

#include "simd/conv.h"
#include "simd/dense.h"
#include "simd/isa.h"
#include "tests/check.h"

static void test_list(void)
{
    int n = isa_count();
    CHECK(n >= 1 && strcmp(isa_list[0]->name, "scalar") == 0, "the list starts with scalar");
    for (int i = 0; i < n; i++) {
        const IsaDesc *d = isa_list[i];
        CHECK(d->name && d->cpu_has && d->conv_tile && d->wgrad_tile && d->dense_tile &&
                  d->pool.forward && d->pool.backward_sums && d->pool.unpool_bn && d->peak_chains,
              "%d: incomplete", i);
        /* the tile sizes the loops in conv.c, dense.c and pool.c rely on */
        CHECK(d->conv_px >= 1 && d->conv_cb >= 1 && CONV_CHANNEL_STEP % d->conv_cb == 0 &&
                  d->wgrad_rows >= 1 && d->wgrad_rows <= 64 && CONV_CHANNEL_STEP % d->wgrad_cb == 0 &&
                  d->dense_rows >= 1 &&
                  (d->dense_cb % DENSE_COL_STEP == 0 || DENSE_COL_STEP % d->dense_cb == 0),
              "%s: tile sizes", d->name);
        CHECK(isa_find(d->name) == d, "isa_find(%s)", d->name);
        for (int k = 0; k < i; k++) CHECK(strcmp(isa_list[k]->name, d->name) != 0, "%s twice", d->name);
    }
#if defined(__x86_64__)
    CHECK(isa_find("avx2") && isa_find("avx512"), "an x86-64 build has avx2 and avx512");
#endif
    const char *bad[] = {"sse", "", "avx", "avx5120", "AVX2", NULL};
    for (int i = 0; bad[i]; i++) CHECK(isa_find(bad[i]) == NULL, "isa_find(%s)", bad[i]);
    CHECK(isa_find(NULL) == NULL, "isa_find(NULL)");
}

static void test_supported_and_set(void)
{
    CHECK(isa_supported(isa_list[0]), "scalar always supported");
    CHECK(!isa_supported(NULL) && isa_set(NULL) == -1, "NULL");
    const IsaDesc *best = isa_best_supported();
    CHECK(isa_supported(best), "best %s", isa_name(best));
    int after_best = 0;
    for (int i = 0; isa_list[i]; i++) {
        if (after_best) CHECK(!isa_supported(isa_list[i]), "%s supported but best is %s",
                              isa_list[i]->name, best->name);
        after_best |= isa_list[i] == best;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    CHECK(isa_supported(isa_find("avx2")) == (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")),
          "avx2 detection");
    CHECK(!isa_supported(isa_find("avx512")) || __builtin_cpu_supports("avx512f"), "avx512 detection");
#endif
    for (int i = 0; isa_list[i]; i++) {
        const IsaDesc *d = isa_list[i];
        const int r = isa_set(d);
        CHECK(r == (isa_supported(d) ? 0 : -1), "isa_set(%s) = %d", d->name, r);
        if (r == 0) CHECK(isa_current() == d, "current %s", isa_name(isa_current()));
        if (r == 0) CHECK(d->peak_chains(1000) > 0, "%s: peak chains", d->name);
    }
}

static void test_env(void)
{
    char err[256];
    unsetenv("MNIST_CNN_ISA");
    isa_set(isa_list[0]);
    CHECK(isa_init_from_env(err, sizeof err) == 0, "unset");
    CHECK(isa_current() == isa_best_supported(), "unset -> best, got %s", isa_name(isa_current()));

    for (int i = 0; isa_list[i]; i++) {
        const IsaDesc *d = isa_list[i];
        setenv("MNIST_CNN_ISA", d->name, 1);
        err[0] = 0;
        const int r = isa_init_from_env(err, sizeof err);
        if (isa_supported(d)) {
            CHECK(r == 0, "%s: %s", d->name, err);
            CHECK(isa_current() == d, "%s -> %s", d->name, isa_name(isa_current()));
        } else {
            CHECK(r == -1, "unsupported %s accepted", d->name);
            CHECK(strstr(err, "not supported") && strstr(err, d->name), "message: %s", err);
            printf("# %s unsupported here: %s\n", d->name, err);
        }
    }

    isa_set(isa_list[0]);
    setenv("MNIST_CNN_ISA", "avx1024", 1);
    err[0] = 0;
    CHECK(isa_init_from_env(err, sizeof err) == -1, "avx1024 accepted");
    CHECK(strstr(err, "unknown") && strstr(err, "avx1024") && strstr(err, "MNIST_CNN_ISA"),
          "message: %s", err);
    /* the message lists every set of the list */
    for (int i = 0; isa_list[i]; i++) CHECK(strstr(err, isa_list[i]->name), "message lacks %s: %s",
                                             isa_list[i]->name, err);
    CHECK(isa_current() == isa_list[0], "failed init changed the set to %s", isa_name(isa_current()));
    /* A short buffer is truncated, not overrun. */
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK(isa_init_from_env(small, 5) == -1, "avx1024 accepted");
    CHECK(small[4] == 0 && small[5] == 'x', "truncation");
    unsetenv("MNIST_CNN_ISA");
}

int main(void)
{
    RUN(test_list);
    RUN(test_supported_and_set);
    RUN(test_env);
    return check_done();
}
