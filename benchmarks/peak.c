/* Peak FP32 throughput per instruction set: its descriptor's FMA chains, calibrated and timed. */
#include "benchmarks/peak.h"
#include "common/clock.h"

double peak_run(const IsaDesc *isa, long iters)
{
    return isa_supported(isa) ? isa->peak_chains(iters) : 0.0;
}

enum { MAX_SETS = 16 };
static const IsaDesc *seen[MAX_SETS];
static double best_seen[MAX_SETS];

/* The slot of isa in seen/best_seen, claiming a free one; -1 when the table is full. */
static int slot_of(const IsaDesc *isa)
{
    for (int i = 0; i < MAX_SETS; i++) {
        if (seen[i] == isa) return i;
        if (!seen[i]) {
            seen[i] = isa;
            return i;
        }
    }
    return -1;
}

/* Best of 5 runs calibrated to ~20 ms each. */
static double measure_once(const IsaDesc *isa)
{
    long iters = 1 << 14;
    double best = 0.0;
    for (int rep = 0; rep < 5;) {
        const double t0 = clock_seconds();
        const double flops = peak_run(isa, iters);
        const double dt = clock_seconds() - t0;
        if (dt < 0.02 && iters < (1L << 40)) {
            iters *= 2;
            continue;
        }
        if (flops / dt / 1e9 > best) best = flops / dt / 1e9;
        rep++;
    }
    return best;
}

void peak_measure(const IsaDesc *isa)
{
    if (!isa_supported(isa)) return;
    const double g = measure_once(isa);
    const int slot = slot_of(isa);
    if (slot >= 0 && g > best_seen[slot]) best_seen[slot] = g;
}

double peak_gflops(const IsaDesc *isa)
{
    if (!isa_supported(isa)) return 0.0;
    const int slot = slot_of(isa);
    if (slot < 0) return measure_once(isa);
    if (best_seen[slot] == 0.0) peak_measure(isa);
    return best_seen[slot];
}
