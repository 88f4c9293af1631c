/* Peak FP32 throughput per instruction set: its descriptor's FMA chains, calibrated and timed. */
#include "benchmarks/peak.h"
#include "common/clock.h"

double peak_run(const IsaDesc *isa, long iters)
{
    return isa_supported(isa) ? isa->peak_chains(iters) : 0.0;
}

double peak_gflops(const IsaDesc *isa)
{
    enum { MAX_SETS = 16 };
    static const IsaDesc *seen[MAX_SETS];
    static double cache[MAX_SETS];
    if (!isa_supported(isa)) return 0.0;
    int slot = 0;
    while (slot < MAX_SETS && seen[slot] && seen[slot] != isa) slot++;
    if (slot < MAX_SETS && seen[slot] == isa) return cache[slot];
    /* Calibrate to ~20 ms a run, keep the best of 5 (the machine may be shared). */
    long iters = 1 << 14;
    double best = 0.0;
    for (int rep = 0; rep < 8; rep++) {
        const double t0 = clock_seconds();
        const double flops = peak_run(isa, iters);
        const double dt = clock_seconds() - t0;
        if (dt < 0.02) {
            iters *= 2;
            rep--;
            if (iters > (1L << 40)) break;
            continue;
        }
        if (flops / dt / 1e9 > best) best = flops / dt / 1e9;
        if (rep >= 4) break;
    }
    if (slot < MAX_SETS) {
        seen[slot] = isa;
        cache[slot] = best;
    }
    return best;
}
