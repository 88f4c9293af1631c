#!/usr/bin/env bash
# OpenMP's waiting threads on an idle and on a busy machine (cli/omp_wait.c, issue 18): training
# samples/s and the drawing window's cost per event, each alone and beside one CPU-bound job (a
# shell loop that ends itself after at most 5 minutes, even if this script is killed), for
#   default     what mnist-cnn does when nothing is set (train: a bounded spin, GOMP_SPINCOUNT
#               10000 / KMP_BLOCKTIME 1; draw: one thread per drawing);
#   old         the behaviour before: the runtime's own default, GOMP_SPINCOUNT=300000 (libgomp;
#               KMP_BLOCKTIME=200 for LLVM's libomp) for train, and
#               every core for a drawing (OMP_NUM_THREADS=cores, as infer_create had);
#   active      OMP_WAIT_POLICY=active (spin until the work comes);
#   passive     OMP_WAIT_POLICY=passive (sleep at once; the README's advice before).
# Runs alternate between the settings, REPS rounds; each cell is the median [min-max] of its rounds.
# Training: `train --limit N --epochs 2 --val 0 --json`, the second epoch's samples/s. The window:
# `draw --replay` of tests/gui/strokes/*.txt on Xvfb (xvfb-run) with --timing, its mean cost per
# event and the forward pass's part of it, in ms. Timings on a machine shared with other work
# are noise: compare the rows of one table.
#
#   bash benchmarks/busy_machine.sh [N]        N training images (default 6000)
#   REPS=5 SPINS="0 3000 30000 100000" bash benchmarks/busy_machine.sh
#                                              more rounds; extra training rows GOMP_SPINCOUNT=S
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/mnist-cnn}
N=${1:-6000}
REPS=${REPS:-3}
export MNIST_DATA=${MNIST_DATA:-$ROOT/data/mnist}
unset OMP_WAIT_POLICY GOMP_SPINCOUNT KMP_BLOCKTIME OMP_NUM_THREADS
cores=$(nproc)
OUT=$(mktemp -d)
BUSY=
cleanup() {
    [ -n "$BUSY" ] && kill "$BUSY" 2>/dev/null
    rm -rf "$OUT"
}
trap cleanup EXIT

# the CPU-bound job: ends by itself after 300 s at most; stopped after each measurement
busy_start() {
    timeout 300 sh -c 'while :; do :; done' &
    BUSY=$!
    sleep 0.2
}
busy_stop() {
    [ -n "$BUSY" ] && { kill "$BUSY" 2>/dev/null; wait "$BUSY" 2>/dev/null || true; }
    BUSY=
}

train() {   # ENV...: samples/s of the second epoch
    env "$@" "$BIN" train --limit "$N" --epochs 2 --val 0 --test-limit 100 --json --log-every 0 \
        --checkpoint-every 0 --out "$OUT/m.h5" --force 2>/dev/null |
        sed -n 's/.*"samples_per_s": \([0-9.]*\).*/\1/p' | tail -n 1
}

# one stroke file: every test drawing, with a clear between them
for f in "$ROOT"/tests/gui/strokes/*.txt; do cat "$f"; echo clear; done >"$OUT/strokes.txt"
window() {   # ENV...: "mean forward" ms per event
    env "$@" xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$BIN" draw "$OUT/model.h5" \
        --no-follow --replay "$OUT/strokes.txt" --print --timing 2>&1 >/dev/null |
        sed -n 's/.*mean \([0-9.]*\) ms, max.*forward \([0-9.]*\) .*/\1 \2/p'
}

label() { [ "$2" = X=1 ] && echo "$1 (nothing set)" || echo "$1 ($2)"; }
# median [min-max] of the numbers in a string
stats() {
    tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR] = $1} END {
        if (!NR) { print "-"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.4g [%.4g-%.4g]", m, v[1], v[NR] }'
}

names=(default old active passive)
envs=("X=1" "GOMP_SPINCOUNT=300000 KMP_BLOCKTIME=200" "OMP_WAIT_POLICY=active"
      "OMP_WAIT_POLICY=passive")
for s in ${SPINS:-}; do names+=("spin $s"); envs+=("GOMP_SPINCOUNT=$s"); done
wnames=(default old active passive)
wenvs=("X=1" "OMP_NUM_THREADS=$cores" "OMP_NUM_THREADS=$cores OMP_WAIT_POLICY=active"
       "OMP_NUM_THREADS=$cores OMP_WAIT_POLICY=passive")
have_x=0
command -v xvfb-run >/dev/null && "$BIN" draw --help >/dev/null 2>&1 && have_x=1

declare -A tr win fwd
for r in $(seq "$REPS"); do
    for load in idle busy; do
        for i in "${!names[@]}"; do
            [ "$load" = busy ] && busy_start
            v=$(train ${envs[$i]})
            busy_stop
            tr[$load,$i]="${tr[$load,$i]:-} $v"
        done
        [ -f "$OUT/model.h5" ] || cp "$OUT/m.h5" "$OUT/model.h5"   # the window reads this one
        [ "$have_x" = 1 ] || continue
        for i in "${!wnames[@]}"; do
            [ "$load" = busy ] && busy_start
            read -r mean f < <(window ${wenvs[$i]}) || true
            busy_stop
            win[$load,$i]="${win[$load,$i]:-} ${mean:-}"
            fwd[$load,$i]="${fwd[$load,$i]:-} ${f:-}"
        done
    done
    echo "round $r of $REPS done" >&2
done

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $cores cores;" \
     "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "train --limit $N --epochs 2 --val 0: samples/s of epoch 2, median [min-max] of $REPS"
printf "%-50s %-28s %s\n" setting idle "beside 1 CPU-bound job"
for i in "${!names[@]}"; do
    printf "%-50s %-28s %s\n" "$(label "${names[$i]}" "${envs[$i]}")" "$(stats "${tr[idle,$i]}")" \
        "$(stats "${tr[busy,$i]}")"
done
if [ "$have_x" = 1 ]; then
    echo
    echo "draw --replay (Xvfb): mean ms per event / of it the forward pass, median [min-max] of $REPS"
    printf "%-46s %-30s %s\n" setting idle "beside 1 CPU-bound job"
    for i in "${!wnames[@]}"; do
        printf "%-46s %-30s %s\n" "$(label "${wnames[$i]}" "${wenvs[$i]}")" \
            "$(stats "${win[idle,$i]}") / $(stats "${fwd[idle,$i]}")" \
            "$(stats "${win[busy,$i]}") / $(stats "${fwd[busy,$i]}")"
    done
else
    echo "(no xvfb-run or no X support in $BIN: the window is not measured)"
fi
