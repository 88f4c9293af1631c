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
/* Measure the peak of isa on this core again (best of 5 runs of ~20 ms). Benchmarks call it just
 * before their timed loop: on a shared or frequency-scaling machine the clock moves, and a peak
 * measured only once, at another moment, can make a ratio look better than it is. */
void peak_measure(const IsaDesc *isa);
/* The highest GFLOP/s peak_measure has seen for isa in this process (measuring first if it has
 * not run): the yardstick of the "% of peak" counters, never flattering. */
double peak_gflops(const IsaDesc *isa);

#ifdef __cplusplus
}
#endif

#endif
