#!/usr/bin/env bash
# Runs one libFuzzer target for a while and reports it as one TAP case: no crash, no leak, no
# undefined behaviour, no input that takes too long.
#
#   run.sh FUZZ_EXE NAME SECONDS SEED_DIR WORK_DIR CLI_HELPER     ($FUZZ_SECONDS overrides SECONDS)
#
# New inputs go to WORK_DIR/NAME/corpus (the seeds in SEED_DIR are only read); a crashing input
# is kept as WORK_DIR/NAME/crash-* and named in the report.
set -u
exe=$1 name=$2 seconds=${FUZZ_SECONDS:-$3} seeds=$4 work=$5/$2 helper=$6
mkdir -p "$work/corpus" "$work/seeds"
# seeds too large for git: checkpoints as train and PyTorch users write them
if [ "$name" = checkpoint ]; then
    "$helper" mkckpt "$work/seeds/sealed.h5" 1 &&
    cp "$work/seeds/sealed.h5" "$work/seeds/foreign.h5" && "$helper" unseal "$work/seeds/foreign.h5" &&
    "$helper" statedict "$work/seeds/statedict.h5" 2 &&
    "$helper" mklog "$work/seeds/run-metrics.h5" || { echo "not ok 1 - fuzz $name: cannot make seeds"; echo "1..1"; exit 1; }
fi
dirs=("$work/corpus" "$work/seeds")
[ -d "$seeds" ] && dirs+=("$seeds")
# a damaged file can make HDF5 loop: the child gets 1 s, not 10, so the fuzzer moves on
export MNIST_CNN_PARSE_TIMEOUT=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=1
"$exe" "${dirs[@]}" -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=3000 -max_len=2000000 -artifact_prefix="$work/" -print_final_stats=1 \
    >"$work/log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
if [ $rc = 0 ]; then
    echo "ok 1 - fuzz $name: ${runs:-?} inputs in $seconds s, no crash, leak or undefined behaviour"
else
    echo "not ok 1 - fuzz $name: exit $rc after ${runs:-?} inputs"
    grep -E 'ERROR|SUMMARY|artifact|Test unit written' "$work/log" | head -20 | sed 's/^/# /'
fi
echo "1..1"
exit $rc
