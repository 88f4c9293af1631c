// sgemm on the model's GEMM shapes, per supported ISA, single thread; and the measured FMA peak
// per ISA. Counters: GFLOP/s (2*M*N*K per call over the wall time of the timed loop) and
// pct_peak (against peak_gflops of the same ISA, measured in this process).
#include <benchmark/benchmark.h>

#include "benchmarks/bench_util.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "benchmarks/peak.h"
#include "simd/gemm.h"
#include "simd/isa.h"

namespace {

struct Shape {
    const char *name;
    bool ta, tb;
    int M, N, K;
};

// The model's GEMMs (M x N x K, op flags as the engine calls them).
const Shape kShapes[] = {
    {"conv2_fwd", false, false, 64, 784, 288},
    {"conv2_wgrad", false, true, 64, 288, 784},
    {"conv2_igrad", true, false, 288, 784, 64},
    {"conv1_fwd", false, false, 32, 3136, 9},
    {"fc1_fwd", false, true, 64, 128, 3136},
    {"fc1_wgrad", true, false, 128, 3136, 64},
    {"fc1_igrad", false, false, 64, 3136, 128},
};

void BM_gemm(benchmark::State &state, const IsaDesc *isa, Shape s)
{
    if (isa_set(isa) != 0) {
        state.SkipWithError("ISA not supported");
        return;
    }
    const int lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
    std::vector<float> A = bench::random_vec((size_t)s.M * s.K, 1), B = bench::random_vec((size_t)s.K * s.N, 2),
                       C((size_t)s.M * s.N);
    bench::PackBuffers pack;
    sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N, pack.p);
    peak_measure(isa);
    int64_t calls = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
        sgemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N,
              pack.p);
        benchmark::ClobberMemory();
        calls++;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double gflops = 2.0 * s.M * s.N * s.K * (double)calls / secs / 1e9;
    const double peak = peak_gflops(isa);
    state.counters["GFLOP/s"] = gflops;
    state.counters["pct_peak"] = peak > 0 ? 100.0 * gflops / peak : 0.0;
    state.counters["peak_GFLOP/s"] = peak;
    state.SetLabel(isa_name(isa));
}

void BM_peak(benchmark::State &state, const IsaDesc *isa)
{
    const long iters = 1 << 16;
    double flops = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) flops += peak_run(isa, iters);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.counters["GFLOP/s"] = flops / secs / 1e9;
    state.SetLabel(isa_name(isa));
}

int register_gemm_benchmarks()
{
    for (const IsaDesc *isa : bench::supported_isas()) {
        benchmark::RegisterBenchmark((std::string("peak_fma/") + isa_name(isa)).c_str(), BM_peak,
                                     isa);
        for (const Shape &s : kShapes) {
            const std::string name = std::string("sgemm/") + s.name + "_" + std::to_string(s.M) +
                                     "x" + std::to_string(s.N) + "x" + std::to_string(s.K) +
                                     (s.ta ? "_T" : "_N") + (s.tb ? "T" : "N") + "/" +
                                     isa_name(isa);
            benchmark::RegisterBenchmark(name.c_str(), BM_gemm, isa, s)
                ->Unit(benchmark::kMicrosecond);
        }
    }
    return 0;
}

const int registered = register_gemm_benchmarks();

} // namespace
