// mnist-cnn-bench: Google Benchmark main. Benchmarks register themselves (BENCHMARK macros or
// static registration functions) from the files in bench_src; MNIST_CNN_ISA selects the kernels
// used by benchmarks that do not pick an ISA themselves.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "simd/isa.h"

int main(int argc, char **argv)
{
    char err[256];
    if (isa_init_from_env(err, sizeof err) != 0) {
        std::fprintf(stderr, "mnist-cnn-bench: %s\n", err);
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("mnist_cnn_isa", isa_name(isa_current()));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
