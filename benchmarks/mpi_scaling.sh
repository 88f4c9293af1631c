#!/usr/bin/env bash
# Data-parallel scaling on this machine: training samples/s of `mnist-cnn train` with 1, 2 and 4
# processes (mpirun) x 1 and 2 OpenMP threads each, and the per-step exchange measured by
# mnist-cnn-bench-exchange. One epoch on the first N training images (default 20000), no
# validation, 1000 test images; the samples/s is the epoch's, from --json.
#
#   bash benchmarks/mpi_scaling.sh [N]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/build/mnist-cnn
N=${1:-20000}
export MNIST_DATA=${MNIST_DATA:-$ROOT/data/mnist}
mpi=(mpirun --oversubscribe)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
cores=$(nproc)
# Processes x threads within the cores: each process bound to its own cores (mpirun --map-by
# slot:PE=T), measured 24 % faster than unbound at 2 x 1 here. Beyond the cores (oversubscribed,
# marked so): unbound, and OpenMP threads that sleep rather than spin at barriers (spinning threads
# of 4 processes on 2 cores ran 25x slower).
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf "%-10s %-8s %-12s %s\n" processes threads samples/s "cores used"
for np in 1 2 4; do
    for t in 1 2; do
        opts=(train --limit "$N" --epochs 1 --val 0 --test-limit 1000 --threads "$t" --json
              --log-every 0 --checkpoint-every 0 --out "$OUT/m.h5" --force)
        note=""
        if [ "$np" = 1 ]; then
            "$BIN" "${opts[@]}" >"$OUT/j" 2>/dev/null
        elif [ $((np * t)) -le "$cores" ]; then
            "${mpi[@]}" --map-by "slot:PE=$t" --bind-to core -np "$np" "$BIN" "${opts[@]}" \
                >"$OUT/j" 2>/dev/null
        else
            note=" (oversubscribed)"
            OMP_WAIT_POLICY=passive "${mpi[@]}" --bind-to none -np "$np" "$BIN" "${opts[@]}" \
                >"$OUT/j" 2>/dev/null
        fi
        sps=$(python3 -c 'import json,sys; print(round(json.loads(open(sys.argv[1]).readline())["samples_per_s"]))' "$OUT/j")
        printf "%-10s %-8s %-12s %s\n" "$np" "$t" "$sps" "$((np * t))$note"
    done
done
if [ -x "$ROOT/build/benchmarks/mnist-cnn-bench-exchange" ]; then
    for np in 2 4; do
        "${mpi[@]}" --bind-to none -np "$np" "$ROOT/build/benchmarks/mnist-cnn-bench-exchange" 300
    done
fi
