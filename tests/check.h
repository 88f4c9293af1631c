/* A tiny TAP producer for the C tests: each TEST is one test case, reported as "ok N - name" or
 * "not ok N - name"; CHECK failures print a diagnostic line ("# file:line ...") and mark the
 * current case failed. main() ends with `return check_done();`, which prints the plan and returns
 * non-zero if any case failed. meson runs these with protocol 'tap'; scripts/test.sh counts cases. */
#ifndef MNIST_TESTS_CHECK_H
#define MNIST_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>

__attribute__((unused)) static int check_cases_ = 0, check_failures_ = 0, check_case_failed_ = 0;

#define CHECK(cond, ...)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            check_case_failed_ = 1;                                                         \
            printf("# %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);               \
            printf(__VA_ARGS__);                                                            \
            printf("\n");                                                                   \
        }                                                                                   \
    } while (0)

/* |a - b| <= atol + rtol * |b| */
#define CHECK_CLOSE(a, b, atol, rtol)                                                       \
    CHECK(fabs((double)(a) - (double)(b)) <= (atol) + (rtol) * fabs((double)(b)),           \
          "%s = %.9g, %s = %.9g", #a, (double)(a), #b, (double)(b))

/* Run one test case: a void function of no arguments. */
#define RUN(fn)                                                                             \
    do {                                                                                    \
        check_case_failed_ = 0;                                                             \
        fn();                                                                               \
        check_cases_++;                                                                     \
        if (check_case_failed_) check_failures_++;                                          \
        printf("%s %d - %s\n", check_case_failed_ ? "not ok" : "ok", check_cases_, #fn);    \
        fflush(stdout);                                                                     \
    } while (0)

/* The same for a call with a name made at run time (e.g. one case per instruction set). */
#define RUN_AS(name, call)                                                                  \
    do {                                                                                    \
        check_case_failed_ = 0;                                                             \
        call;                                                                               \
        check_cases_++;                                                                     \
        if (check_case_failed_) check_failures_++;                                          \
        printf("%s %d - %s\n", check_case_failed_ ? "not ok" : "ok", check_cases_, name);   \
        fflush(stdout);                                                                     \
    } while (0)

static inline int check_done(void)
{
    printf("1..%d\n", check_cases_);
    return check_failures_ ? 1 : 0;
}

#endif
