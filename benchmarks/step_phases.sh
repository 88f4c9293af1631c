#!/bin/bash
# Where a training step goes: one table whose rows add up to the measured step. Runs the
# step_phases benchmark (train_run over 200 batches of real MNIST with augmentation, its phases
# timed by the engine's own clock, engine/step_phases.h) and prints ms per step and the share of
# each phase, beside train_step and the FMA peak of the same process.
#   benchmarks/step_phases.sh [ISA [THREADS [winograd|direct|bf16]]]   (default: the best set this
#   CPU runs, all cores, winograd; bf16: direct conv2 with BF16 products, train --precision bf16)
#   benchmarks/step_phases.sh --model [ISA [winograd|direct]]: the thread-scaling model. From
#   the one-thread table and how each phase is shared out (its tasks up to 16 threads / above,
#   engine/net_passes.h net_phase_tasks), the step's time on n threads if every task took
#   1/tasks of its phase:
#     T(n) = sum over phases of T1(phase) * ceil(tasks / n) / tasks   (elementwise: / n)
#   next to the measured step at 1 and all cores. It leaves out what n threads add (the
#   barriers, memory bandwidth shared between cores).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BUILD:-build}/benchmarks/mnist-cnn-bench
[[ -x $BENCH ]] || { echo "step_phases.sh: no $BENCH (build first: ninja -C build)" >&2; exit 1; }
model=0
[[ ${1:-} == --model ]] && { model=1; shift; }
isa=${1:-$("$BENCH" --benchmark_list_tests | sed -n 's|^peak_fma/||p' | tail -1)}
if (( model )); then
  conv=${2:-winograd}
  threads="(1|$(nproc))"
else
  threads=${2:-$(nproc)}
  conv=${3:-winograd}
fi
case $conv in winograd) suffix=/winograd ;; bf16) suffix=/bf16 ;; *) suffix= ;; esac
filter="^step_phases/$isa/threads:$threads$suffix/|^train_step/$isa/threads:$threads$suffix/|^peak_fma/$isa\$"
if (( model )); then
  "$BENCH" --benchmark_filter="^step_phases/$isa/threads:$threads$suffix/" --benchmark_format=json 2>/dev/null | /usr/bin/python3 -c '
import json, math, sys
d = json.load(sys.stdin)
runs = {b["threads"]: b for b in d["benchmarks"]}
one = runs[1]
phases = [k[3:] for k in one if k.startswith("ms:") and k != "ms:outside"]
print("# %s, %s: one-thread step %.3f ms (%s)" % (d["context"].get("date", ""), one["name"], one["ms/step"], one["label"]))
print("%-24s %8s %6s  %s" % ("phase", "1 thread", "tasks", "ms on n = 1, 2, 4, 8, 16, 32, 64 threads"))
ns = [1, 2, 4, 8, 16, 32, 64]
total = [0.0] * len(ns)
def share(t1, k, n):
    return t1 / n if k == 0 else t1 * math.ceil(k / n) / k
for p in phases:
    t1, k, k64 = one["ms:" + p], int(one["tasks:" + p]), int(one["tasks64:" + p])
    row = [share(t1, k if n <= 16 else k64, n) for n in ns]
    total = [a + b for a, b in zip(total, row)]
    tasks = ("%d/%d" % (k, k64) if k64 != k else "%d" % k) if k else "each"
    print("%-24s %8.3f %6s  %s" % (p, t1, tasks, " ".join("%6.3f" % v for v in row)))
print("%-24s %8.3f %6s  %s" % ("model: step", total[0], "", " ".join("%6.3f" % v for v in total)))
print("%-24s %8s %6s  %s" % ("model: speed-up", "", "", " ".join("%6.2f" % (total[0] / v) for v in total)))
for n, b in sorted(runs.items()):
    print("measured on %d thread(s): %.3f ms/step, phases %.3f ms (the rest: allocation, shuffle)" %
          (n, b["ms/step"], b["ms/step"] - b["ms:outside"]))
'
  exit
fi
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
