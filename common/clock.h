/* The clocks every part of the program times itself with. Header only. */
#ifndef MNIST_COMMON_CLOCK_H
#define MNIST_COMMON_CLOCK_H

#include <time.h>

/* Seconds on a monotonic clock (never jumps with the wall clock). */
static inline double clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds this process has used, all threads together. */
static inline double clock_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
