#!/usr/bin/env bash
# The recipe's pieces end to end: a schedule survives --resume in the middle of its warm-up and of
# its cosine (same bytes as a run never stopped); the best checkpoint (--val) equals the model of
# the epoch the log calls best; --patience stops where it should; eval and predict say which model
# they read; --val that leaves nothing to train on is refused. On a slice of the real data.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CASES=("resume mid warm-up: same bytes as straight" "resume mid cosine: same bytes as straight"
       "best checkpoint = the log's best epoch" "eval and predict say which model they read"
       "--patience stops after N epochs without a better validation"
       "a new run in the same place removes the previous run's best" "--val too large: exit 1")
if ! have_data; then
    for c in "${CASES[@]}"; do skip "$c" "no MNIST data (set MNIST_DATA)"; done
    finish
    exit
fi
small_data "$WORK/data" 3000 300
T=(--data "$WORK/data" --test-limit 300 --threads 2 --no-augment)

# state NAME: digest lines of the model and optimizer of NAME.h5 (the tensors only)
state() { "$HELPER" digest "$WORK/$1.h5" | grep -E '^/(model|optimizer)/' ; }

# resume_case NAME WARMUP: 3 epochs of 2700 images (43 steps each) with 300 held out, cosine;
# one run straight, one stopped by SIGTERM once epoch 1 is done (so inside epoch 2) and resumed.
resume_case() {
    local name=$1 warm=$2 why="" st
    local opts=(--limit 3000 --val 300 --epochs 3 --schedule cosine --warmup "$warm" --lr 2e-3
                --log-every 5)
    run "$BIN" train "${T[@]}" "${opts[@]}" --out "$WORK/s$warm.h5"
    [ "$rc" = 0 ] || why+="straight run: exit $rc: $(tail -3 "$WORK/err")"$'\n'
    # emptied first: the loop below must not see the previous case's line before this run starts
    : >"$WORK/k.out"
    "$BIN" train "${T[@]}" "${opts[@]}" --json --out "$WORK/k$warm.h5" >"$WORK/k.out" 2>"$WORK/k.err" &
    local pid=$!
    for _ in $(seq 1 600); do
        grep -q '"epoch": 1,' "$WORK/k.out" 2>/dev/null && break
        sleep 0.05
    done
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    st=$?
    [ "$st" = 143 ] || why+="the stopped run exited $st, not 143 (SIGTERM): $(tail -2 "$WORK/k.err")"$'\n'
    grep -q "(epoch 2)" "$WORK/k.err" || why+="not stopped inside epoch 2: $(tail -2 "$WORK/k.err")"$'\n'
    run "$BIN" train --resume "$WORK/k$warm.h5" --threads 1
    [ "$rc" = 0 ] || why+="resume: exit $rc: $(tail -3 "$WORK/err")"$'\n'
    cmp -s "$WORK/s$warm.h5" "$WORK/k$warm.h5" ||
        why+="straight and resumed checkpoints differ: $(diff <(state "s$warm") <(state "k$warm") | head -4)"$'\n'
    cmp -s "$WORK/s$warm-best.h5" "$WORK/k$warm-best.h5" || why+="the best checkpoints differ"$'\n'
    verdict "$name" "$why"
}
# 129 steps: warm-up 0.9 ends at step 116 (epoch 3), 0.2 at step 26 (epoch 1)
resume_case "resume mid warm-up: same bytes as straight" 0.9
resume_case "resume mid cosine: same bytes as straight" 0.2

# The best checkpoint: at a constant rate, the model of epoch b of a longer run is the model a run
# of b epochs ends with.
why=
# (a high rate on 1500 images: validation stops improving before the end, here after epoch 6)
run "$BIN" train "${T[@]}" --limit 2000 --val 500 --epochs 8 --lr 1e-2 --schedule constant --json \
    --out "$WORK/b.h5"
cp "$WORK/out" "$WORK/b.json"
b=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
best = max(rows, key=lambda r: (r["val_accuracy"], -r["val_loss"], -r["epoch"]))
flagged = [r["epoch"] for r in rows if r["best"]]
assert flagged and flagged[-1] == best["epoch"], (flagged, best["epoch"])
print(best["epoch"])' "$WORK/b.json" 2>&1) || why+="JSON lines: $b"$'\n'
echo "# best epoch $b of 8"
if [ -z "$why" ]; then
    run "$BIN" train "${T[@]}" --limit 2000 --val 500 --epochs "$b" --lr 1e-2 --schedule constant \
        --out "$WORK/c.h5"
    d=$(diff <(state b-best) <(state c))
    [ -z "$d" ] || why+="b-best.h5 is not the model of epoch $b: $d"$'\n'
    [ "$(state c | wc -l)" -ge 42 ] || why+="digest covers too little"$'\n'
fi
verdict "best checkpoint = the log's best epoch" "$why"

why=
run "$BIN" eval "$WORK/b-best.h5" --data "$WORK/data"
grep -q "model $WORK/b-best.h5: the best epoch by validation (epoch $b of 8)" "$WORK/err" ||
    why+="eval: $(cat "$WORK/err")"$'\n'
grep -q "95% interval" "$WORK/out" || why+="eval prints no interval: $(head -1 "$WORK/out")"$'\n'
"$HELPER" export "$MNIST_DATA/t10k-images-idx3-ubyte" 0 "$WORK/d.png" >/dev/null 2>&1
run "$BIN" predict "$WORK/b.h5" "$WORK/d.png"
grep -q "model $WORK/b.h5: the latest checkpoint (epoch 8 of 8)" "$WORK/err" ||
    why+="predict: $(cat "$WORK/err")"$'\n'
verdict "eval and predict say which model they read" "$why"

why=
run "$BIN" train "${T[@]}" --limit 2000 --val 500 --epochs 8 --patience 1 --lr 1e-2 --json --out "$WORK/p.h5"
[ "$rc" = 0 ] || why+="exit $rc: $(tail -2 "$WORK/err")"$'\n'
r=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
best, since = -1.0, 0
for i, r in enumerate(rows):
    better = r["best"]
    since = 0 if better else since + 1
    if since >= 1 and i + 1 < len(rows):
        sys.exit("epoch %d had no better validation, yet training went on" % r["epoch"])
if len(rows) < 8 and since != 1:
    sys.exit("stopped after %d epochs, %d since the best" % (len(rows), since))
print(len(rows))' "$WORK/out" 2>&1) || why+="$r"$'\n'
echo "# --patience 1 trained $r of 8 epochs"
verdict "--patience stops after N epochs without a better validation" "$why"

# b-best.h5 belongs to the run that wrote b.h5: a new run there is refused, and one told to replace
# it (--force; here without validation) must not leave it for draw and eval to read as its own
why=
[ -s "$WORK/b-best.h5" ] || why+="no b-best.h5 to begin with"$'\n'
run "$BIN" train "${T[@]}" --original --limit 600 --epochs 1 --out "$WORK/b.h5"
[ "$rc" = 1 ] || why+="without --force: exit $rc, expected 1"$'\n'
[ -s "$WORK/b-best.h5" ] || why+="without --force: b-best.h5 is gone"$'\n'
run "$BIN" train "${T[@]}" --original --limit 600 --epochs 1 --out "$WORK/b.h5" --force
[ "$rc" = 0 ] || why+="exit $rc: $(tail -2 "$WORK/err")"$'\n'
[ -e "$WORK/b-best.h5" ] && why+="b-best.h5 of the previous run is still there"$'\n'
grep -q "removed $WORK/b-best.h5" "$WORK/err" || why+="not said: $(cat "$WORK/err")"$'\n'
verdict "a new run in the same place removes the previous run's best" "$why"

expect "--val too large: exit 1" 1 "--val 1000 leaves no training images" -- \
    "$BIN" train "${T[@]}" --limit 1000 --val 1000 --out "$WORK/v.h5"

finish
