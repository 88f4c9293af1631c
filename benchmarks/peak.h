/* Measured peak FP32 multiply-add throughput of one core, per instruction set: its descriptor's
 * independent FMA chains (simd/isa.h), timed here. The yardstick for the "% of peak" counters. */
#ifndef MNIST_BENCH_PEAK_H
#define MNIST_BENCH_PEAK_H

#include "simd/isa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run the FMA chains of isa for iters iterations; returns the floating-point operations done
 * (an FMA counts 2), 0 when this CPU does not run isa. */
double peak_run(const IsaDesc *isa, long iters);
/* Best-of-several measured GFLOP/s of peak_run on this core (cached after the first call). */
double peak_gflops(const IsaDesc *isa);

#ifdef __cplusplus
}
#endif

#endif
