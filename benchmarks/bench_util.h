// Helpers shared by the benchmark files.
#ifndef MNIST_BENCH_UTIL_H
#define MNIST_BENCH_UTIL_H

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>
#include <cstdlib>

#include "simd/isa.h"

namespace bench {

// Deterministic values in [-0.5, 0.5): the same inputs every run, so runs compare.
inline std::vector<float> random_vec(size_t n, uint32_t seed)
{
    std::vector<float> v(n);
    for (auto &x : v) {
        seed = seed * 1664525u + 1013904223u;
        x = (float)(seed >> 8) / (float)(1u << 24) - 0.5f;
    }
    return v;
}

// Every instruction set this CPU runs, in list order (simd/isa.h).
inline std::vector<const IsaDesc *> supported_isas()
{
    std::vector<const IsaDesc *> v;
    for (int i = 0; isa_list[i]; i++)
        if (isa_supported(isa_list[i])) v.push_back(isa_list[i]);
    return v;
}

// Call run() once per benchmark iteration; returns the wall seconds and, in *count, how many.
template <class Run> double timed_loop(benchmark::State &state, Run run, int64_t *count)
{
    int64_t n = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
        run();
        benchmark::ClobberMemory();
        n++;
    }
    *count = n;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace bench

#endif
