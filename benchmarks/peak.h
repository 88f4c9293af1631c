/* Measured peak FP32 multiply-add throughput of one core, per ISA: many independent FMA chains
 * (enough accumulators to cover latency x pipes), the yardstick for the "% of peak" counters. */
#ifndef MNIST_BENCH_PEAK_H
#define MNIST_BENCH_PEAK_H

#include "simd/isa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run the FMA chains of isa for iters iterations; returns the floating-point operations done
 * (an FMA counts 2). isa must be supported. */
double peak_run(Isa isa, long iters);
/* Best-of-several measured GFLOP/s of peak_run on this core (cached after the first call). */
double peak_gflops(Isa isa);

#ifdef __cplusplus
}
#endif

#endif
