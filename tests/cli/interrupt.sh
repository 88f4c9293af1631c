#!/usr/bin/env bash
# Kill anywhere, lose nothing: a short run with checkpoints inside its epochs is killed (SIGKILL)
# at random moments and, with strace's fault injection, at every rename and every fsync it makes;
# each time `train --resume` is run until the run completes. The final checkpoint must be byte for
# byte the uninterrupted run's (cmp), and the metric log must hold the same rows (every field but
# the wall-clock ones, seconds and samples_per_s). SIGINT and SIGTERM must save, say how to
# resume, exit 130/143 and leave no temporary file; resuming then gives the same bytes too.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N_RANDOM=${N_RANDOM_KILLS:-20}
if ! have_data; then
    for c in "reference run" "random kills" "kills at every rename" "kills at every fsync" \
             "SIGINT" "SIGINT resume" "SIGTERM" "SIGTERM resume"; do skip "$c"; done
    finish
    exit
fi
SMALL=$WORK/small
small_data "$SMALL" 600 100
# 2 epochs of 10 steps, a checkpoint every 4 steps and at each epoch's end: saves inside and at
# the end of epochs, and a step row every 3 steps
ARGS=(--data "$SMALL" --epochs 2 --checkpoint-every 4 --log-every 3 --seed 5 --threads 2 --quiet)

# The log's rows without the wall-clock fields, one line per dataset/field/attribute.
log_rows() { "$HELPER" digest "$1" | grep -v -e '\.seconds ' -e '\.eval_seconds ' -e '\.samples_per_s ' -e '^/ group' -e '^/metrics group'; }

REF=$WORK/ref.h5
t0=$(date +%s.%N)
run "$BIN" train "${ARGS[@]}" --out "$REF"
DUR=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(date +%s.%N)")
verdict "reference run (uninterrupted)" "$( [ "$rc" = 0 ] || cat "$WORK/err")"
log_rows "$WORK/ref-metrics.h5" >"$WORK/ref.rows"

# same_as_reference NAME OUT: the finished run equals the reference.
same_as_reference() {
    local why=""
    cmp -s "$2" "$REF" || why="checkpoint differs from the uninterrupted run's: $(cmp "$2" "$REF" 2>&1)"
    log_rows "${2%.h5}-metrics.h5" >"$WORK/got.rows"
    diff -q "$WORK/got.rows" "$WORK/ref.rows" >/dev/null ||
        why="$why${why:+; }metric log rows differ: $(diff "$WORK/got.rows" "$WORK/ref.rows" | head -5)"
    ls "$(dirname "$2")" | grep -q '\.tmp-' && why="$why${why:+; }temporary files left"
    echo "$why"
}

# finish_run OUT: --resume until it exits 0 (at most 40 times); echoes the tries. A first run that
# was killed before its first checkpoint starts again from scratch, as a user would.
finish_run() {
    local out=$1 n=0
    while [ $n -lt 40 ]; do
        n=$((n + 1))
        if [ -f "$out" ]; then
            "$BIN" train --resume "$out" --quiet >"$WORK/resume.out" 2>&1 && break
        else
            "$BIN" train "${ARGS[@]}" --out "$out" >"$WORK/resume.out" 2>&1 && break
        fi
    done
    echo $n
}

# ---- SIGKILL at random moments, resumes killed at random too ----
# delays up to the length of a whole run (measured above) land anywhere in it, start-up included
why=""
kills=0
i=0
while [ $kills -lt "$N_RANDOM" ] && [ $i -lt $((2 * N_RANDOM)) ]; do
    i=$((i + 1))
    out=$WORK/rand$i/run.h5
    mkdir -p "$(dirname "$out")"
    # each attempt is killed after a random delay until one finishes
    tries=0
    while :; do
        tries=$((tries + 1))
        if [ -f "$out" ]; then "$BIN" train --resume "$out" --quiet >/dev/null 2>&1 &
        else "$BIN" train "${ARGS[@]}" --out "$out" >/dev/null 2>&1 & fi
        pid=$!
        sleep "$(python3 -c "import random, sys; print(random.uniform(0, float(sys.argv[1])))" "$DUR")"
        if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); wait "$pid" 2>/dev/null; continue; fi
        wait "$pid" && break
        [ $tries -gt 40 ] && { why="$why run $i never finished;"; break; }
    done
    w=$(same_as_reference "rand$i" "$out")
    [ -n "$w" ] && why="$why run $i ($tries attempts): $w;"
    rm -rf "$WORK/rand$i"
done
echo "# $i runs, $kills SIGKILLs at random moments within ${DUR} s"
verdict "SIGKILL at $kills random moments, then --resume: same checkpoint bytes and log rows" "$why"

# ---- SIGKILL at every rename and every fsync (strace fault injection) ----
inject_each() {  # inject_each SYSCALLS LABEL
    local calls=$1 label=$2 why="" k n
    n=$(strace -f -c -e trace="$calls" "$BIN" train "${ARGS[@]}" --out "$WORK/count/run.h5" 2>&1 >/dev/null |
        awk '$NF ~ /^(rename|renameat|renameat2|fsync|fdatasync)$/ { s += $4 } END { print s + 0 }')
    rm -rf "$WORK/count"
    [ "$n" -gt 0 ] || { echo "no $label calls counted"; return; }
    for k in $(seq 1 "$n"); do
        out=$WORK/inj/run.h5
        mkdir -p "$WORK/inj"
        strace -f -o /dev/null -e trace="$calls" -e inject="$calls":signal=SIGKILL:when="$k" \
            "$BIN" train "${ARGS[@]}" --out "$out" >/dev/null 2>&1
        finish_run "$out" >/dev/null
        w=$(same_as_reference "inj" "$out")
        [ -n "$w" ] && why="$why $label $k of $n: $w;"
        rm -rf "$WORK/inj"
    done
    echo "# killed at each of $n $label calls" >&2
    echo "$why"
}
if command -v strace >/dev/null 2>&1; then
    mkdir -p "$WORK/count"
    verdict "SIGKILL at every rename, then --resume: same bytes and rows" "$(inject_each rename,renameat,renameat2 rename)"
    mkdir -p "$WORK/count"
    verdict "SIGKILL at every fsync, then --resume: same bytes and rows" "$(inject_each fsync,fdatasync fsync)"
else
    skip "kills at every rename" "strace not installed"
    skip "kills at every fsync" "strace not installed"
fi

# ---- SIGINT and SIGTERM: finish the step, save, say how to resume ----
REF_CONST=$WORK/refc.h5
run "$BIN" train "${ARGS[@]}" --schedule constant --out "$REF_CONST"
for sig in INT TERM; do
    code=$([ $sig = INT ] && echo 130 || echo 143)
    out=$WORK/sig$sig/run.h5
    mkdir -p "$(dirname "$out")"
    # 40 epochs leave time to signal; at a constant rate, because resuming with --epochs 2 below
    # shortens the run, which would shorten a cosine too (REF_CONST: 2 epochs at that rate)
    "$BIN" train "${ARGS[@]}" --schedule constant --epochs 40 --out "$out" >"$WORK/sig.out" \
        2>"$WORK/sig.err" &
    pid=$!
    # the first checkpoint (step 4 of epoch 1) is there: signal at once, inside epoch 1
    for _ in $(seq 1 400); do [ -f "$out" ] && break; sleep 0.01; done
    kill -$sig "$pid"
    wait "$pid"
    st=$?
    why=""
    [ "$st" = "$code" ] || why="exit $st, expected $code"
    grep -q "stopped by SIG$sig" "$WORK/sig.err" || why="$why; no 'stopped by SIG$sig'"
    grep -q "mnist-cnn train --resume $out" "$WORK/sig.err" || why="$why; no resume command"
    ls "$(dirname "$out")" | grep -q -e '\.tmp-' -e '\.lock' && why="$why; temporary or lock files left: $(ls "$(dirname "$out")")"
    "$BIN" info "$out" >/dev/null 2>&1 || why="$why; the checkpoint does not load"
    verdict "SIG$sig: exit $code, checkpoint saved, resume command printed, nothing left over" "${why#; }$( [ -n "$why" ] && cat "$WORK/sig.err")"
    # resume with the original length: the same bytes as the reference
    run "$BIN" train --resume "$out" --epochs 2 --quiet
    w=$( [ "$rc" = 0 ] || echo "resume exit $rc: $(cat "$WORK/err")")
    [ -z "$w" ] && w=$(REF=$REF_CONST; log_rows "${REF%.h5}-metrics.h5" >"$WORK/ref.rows";
                       same_as_reference "sig$sig" "$out")
    if [ -n "$w" ] && grep -q "already trained" "$WORK/out"; then
        w=""; echo "# SIG$sig came after epoch 2: nothing left to compare"
    fi
    verdict "SIG$sig, then --resume to 2 epochs: same bytes and rows as uninterrupted" "$w"
done
finish
