#!/bin/bash
# Where a training step goes: one table whose rows add up to the measured step. Runs the
# step_phases benchmark (train_run over 200 batches of real MNIST with augmentation, its phases
# timed by the engine's own clock, engine/step_phases.h) and prints ms per step and the share of
# each phase, beside train_step and the FMA peak of the same process.
#   benchmarks/step_phases.sh [ISA [THREADS [winograd|direct]]]   (default: avx512 or the best
#   set this CPU runs, all cores, winograd)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BUILD:-build}/benchmarks/mnist-cnn-bench
[[ -x $BENCH ]] || { echo "step_phases.sh: no $BENCH (build first: ninja -C build)" >&2; exit 1; }
isa=${1:-$("$BENCH" --benchmark_list_tests | sed -n 's|^peak_fma/||p' | tail -1)}
threads=${2:-$(nproc)}
conv=${3:-winograd}
suffix=$([[ $conv == winograd ]] && echo /winograd || true)
filter="^step_phases/$isa/threads:$threads$suffix/|^train_step/$isa/threads:$threads$suffix/|^peak_fma/$isa\$"
"$BENCH" --benchmark_filter="$filter" --benchmark_format=json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print("#", d["context"].get("date", ""), "-", d["context"].get("host_name", ""),
      "-", d["context"].get("num_cpus", ""), "CPUs")
for b in d["benchmarks"]:
    name = b["name"]
    if name.startswith("peak_fma/"):
        print("%-44s %8.1f GFLOP/s one core" % (name, b["GFLOP/s"]))
    elif name.startswith("train_step/"):
        print("%-44s %8.3f ms/step  %5.1f %% of peak  (net_train_step + Adam, no batch build)"
              % (name, b["ms/step"], b["pct_peak"]))
    elif name.startswith("step_phases/"):
        step = b["ms/step"]
        print("%-44s %8.3f ms/step  %5.1f %% of peak  (%s)" % (name, step, b["pct_peak"], b["label"]))
        rows = [(k[3:], v) for k, v in b.items() if k.startswith("ms:")]
        total = 0.0
        for k, v in rows:
            print("    %-28s %8.3f ms  %5.1f %%" % (k, v, 100 * v / step))
            total += v
        print("    %-28s %8.3f ms  %5.1f %%" % ("total", total, 100 * total / step))
'
