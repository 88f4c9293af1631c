# Never lose the user's work: a typo or a second run leaves a trained model, its best checkpoint,
# log and graphs as they were; every file train writes follows the --out rule; a resume on other
# data is refused; SIGHUP and a reader that goes away stop a run like SIGTERM; closed or full
# standard streams are errors, never a silent success; graphs that crash cost nothing. Prints TAP.
#
#   bash tests/cli/keep_work.sh path/to/mnist-cnn path/to/cli_helper path/to/crash_plot.so
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CRASH_PLOT=${3:?usage: $0 MNIST_CNN CLI_HELPER CRASH_PLOT_SO}
CASES=("a typo in --data removes nothing" "a second run takes a free name, the first is kept"
       "eval and draw follow the newest run" "--out naming a finished run is refused"
       "a checkpoint never replaces a metric log, even with --force"
       "a user's file where a graph goes is kept" "--force replaces a run and its best"
       "a stale lock does not take a name" "--resume on other data is refused"
       "SIGHUP stops like SIGTERM" "a reader that goes away stops the run, saved"
       "stdout closed: no output in the lock file" "predict, info, eval: failed stdout is exit 1"
       "graphs that crash cost nothing")
if ! have_data; then
    for t in "${CASES[@]}"; do skip "$t"; done
    finish
    exit
fi

small_data "$WORK/data" 700 200
T=(--data "$WORK/data" --threads 2 --no-augment --epochs 2 --val 100 --checkpoint-every 0)
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CRASH_PLOT=$(cd "$(dirname "$CRASH_PLOT")" && pwd)/$(basename "$CRASH_PLOT")

# digest DIR: every file's name and checksum, to tell that nothing changed
digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

# the main job's files in $WORK/home/runs/, trained from $WORK/home with default names
mkdir -p "$WORK/home"
cd "$WORK/home" || exit 1
run "$BIN" train "${T[@]}"
[ "$rc" = 0 ] || { echo "Bail out! the first run failed: $(tail -3 "$WORK/err")"; exit 1; }
before=$(digest runs)

# ---- 1. a typo: checked before anything is touched ----
why=
run "$BIN" train --data "$WORK/data/mnsit" --epochs 1
[ "$rc" = 1 ] || why+="exit $rc, expected 1"$'\n'
grep -q "mnsit" "$WORK/err" || why+="the message does not name the folder: $(cat "$WORK/err")"$'\n'
grep -q "removed" "$WORK/err" && why+="it removed something: $(cat "$WORK/err")"$'\n'
[ "$(digest runs)" = "$before" ] || why+="runs/ changed"$'\n'
verdict "a typo in --data removes nothing" "$why"

# ---- 2. a second run: a free name, said; the first run's files untouched ----
why=
run "$BIN" train "${T[@]}" --epochs 1
[ "$rc" = 0 ] || why+="exit $rc: $(tail -2 "$WORK/err")"$'\n'
grep -q "this run writes runs/model-2.h5" "$WORK/err" || why+="the new name is not said: $(cat "$WORK/err")"$'\n'
grep -q "checkpoint runs/model-2.h5" "$WORK/out" || why+="the summary does not name it"$'\n'
for f in model-2.h5 model-2-metrics.h5 model-2-best.h5; do
    [ -s "runs/$f" ] || why+="no runs/$f"$'\n'
done
diff <(echo "$before") <(digest runs | grep -v 'model-2') >/dev/null || why+="the first run's files changed"$'\n'
verdict "a second run takes a free name, the first is kept" "$why"

# ---- 3. the defaults of eval and draw: the newest run ----
why=
run "$BIN" eval --data "$WORK/data"
[ "$rc" = 0 ] || why+="eval: exit $rc: $(tail -2 "$WORK/err")"$'\n'
grep -q "model runs/model-2-best.h5" "$WORK/err" || why+="eval read: $(head -1 "$WORK/err")"$'\n'
touch -d '+1 minute' runs/model.h5   # the first run written again later: it is the newest
run "$BIN" eval --data "$WORK/data"
grep -q "model runs/model-best.h5" "$WORK/err" || why+="eval after touching model.h5 read: $(head -1 "$WORK/err")"$'\n'
touch -d '+2 minutes' runs/model-2.h5
if command -v xvfb-run >/dev/null; then
    printf '100,100 180,180\n' >"$WORK/s.txt"
    run timeout 120 xvfb-run -a "$BIN" draw --replay "$WORK/s.txt" --print
    grep -q "model runs/model-2-best.h5" "$WORK/err" || why+="draw read: $(head -3 "$WORK/err")"$'\n'
fi
verdict "eval and draw follow the newest run" "$why"
before=$(digest runs)

# ---- 4. --out naming a finished run: refused before any work, naming the ways on ----
why=
run "$BIN" train "${T[@]}" --out runs/model.h5
[ "$rc" = 1 ] || why+="exit $rc, expected 1"$'\n'
for p in "holds a finished run (2 of 2 epochs)" "--resume runs/model.h5" "another --out" "--force"; do
    grep -qF -- "$p" "$WORK/err" || why+="the message lacks '$p': $(cat "$WORK/err")"$'\n'
done
grep -q "^training on" "$WORK/out" && why+="it started training"$'\n'
[ "$(digest runs)" = "$before" ] || why+="runs/ changed"$'\n'
verdict "--out naming a finished run is refused" "$why"

# ---- 5. kinds: a checkpoint only ever replaces a checkpoint ----
why=
run "$BIN" train "${T[@]}" --out runs/model-metrics.h5 --force
[ "$rc" = 1 ] || why+="exit $rc, expected 1"$'\n'
grep -q "is a metric log of another run, not a checkpoint" "$WORK/err" || why+="$(cat "$WORK/err")"$'\n'
[ "$(digest runs)" = "$before" ] || why+="runs/ changed"$'\n'
verdict "a checkpoint never replaces a metric log, even with --force" "$why"

# ---- 6. a user's own file where a graph would go ----
why=
mkdir -p "$WORK/mine"
echo "my picture" >"$WORK/mine/x-training.png"
run "$BIN" train "${T[@]}" --out "$WORK/mine/x.h5"
[ "$rc" = 1 ] || why+="exit $rc, expected 1"$'\n'
grep -q "the graph $WORK/mine/x-training.png exists" "$WORK/err" || why+="$(cat "$WORK/err")"$'\n'
[ -e "$WORK/mine/x.h5" ] && why+="it trained anyway"$'\n'
[ "$(cat "$WORK/mine/x-training.png")" = "my picture" ] || why+="the user's file changed"$'\n'
verdict "a user's file where a graph goes is kept" "$why"

# ---- 7. --force: the run and its best are replaced (an earlier best is not left behind) ----
why=
run "$BIN" train "${T[@]}" --val 0 --epochs 1 --out runs/model-2.h5 --force
[ "$rc" = 0 ] || why+="exit $rc: $(tail -2 "$WORK/err")"$'\n'
[ -e runs/model-2-best.h5 ] && why+="the replaced run's best is still there"$'\n'
grep -q "removed runs/model-2-best.h5" "$WORK/err" || why+="not said: $(cat "$WORK/err")"$'\n'
verdict "--force replaces a run and its best" "$why"

# ---- 8. a lock a killed run left (nobody holds it) does not make a name taken ----
why=
mkdir -p "$WORK/lk/runs"
: >"$WORK/lk/runs/model.h5.lock"
(cd "$WORK/lk" && "$BIN" train "${T[@]}" --epochs 1 >"$WORK/out" 2>"$WORK/err")
rc=$?
[ "$rc" = 0 ] || why+="exit $rc: $(tail -2 "$WORK/err")"$'\n'
[ -s "$WORK/lk/runs/model.h5" ] || why+="it did not take runs/model.h5: $(ls "$WORK/lk/runs")"$'\n'
verdict "a stale lock does not take a name" "$why"

# ---- 9. the data changed under a run: refused, naming the file; --force goes on ----
why=
mkdir -p "$WORK/d2"
cp "$WORK/data"/* "$WORK/d2/"
"$PYTHON" - "$WORK/d2/train-labels-idx1-ubyte" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
for i in range(8, len(b)):
    b[i] = (b[i] + 1) % 10
open(p, "wb").write(b)
EOF
run "$BIN" train "${T[@]}" --epochs 1 --out "$WORK/fp.h5"
cp "$WORK/fp.h5" "$WORK/fp.copy"
run "$BIN" train --resume "$WORK/fp.h5" --epochs 2 --data "$WORK/d2"
[ "$rc" = 1 ] || why+="exit $rc, expected 1"$'\n'
grep -q "$WORK/d2/train-labels-idx1-ubyte is not the file $WORK/fp.h5 was trained on" "$WORK/err" ||
    why+="$(cat "$WORK/err")"$'\n'
cmp -s "$WORK/fp.h5" "$WORK/fp.copy" || why+="the checkpoint changed"$'\n'
run "$BIN" train --resume "$WORK/fp.h5" --epochs 2 --data "$WORK/d2" --force
[ "$rc" = 0 ] || why+="with --force: exit $rc: $(tail -2 "$WORK/err")"$'\n'
run "$BIN" train --resume "$WORK/fp.copy" --epochs 3 --data "$WORK/data" --out "$WORK/fp2.h5"
[ "$rc" = 0 ] || why+="on the same data: exit $rc: $(tail -2 "$WORK/err")"$'\n'
verdict "--resume on other data is refused" "$why"

# stop_run NAME SIGNAL: train in the background, send SIGNAL once it has begun its first epoch,
# then check exit 128+N, the saved checkpoint, the resume hint and no lock left
stop_run() {
    local out=$WORK/$1.h5 sig=$2 code=$3 pid
    why=
    "$BIN" train "${T[@]}" --limit 1200 --epochs 50 --out "$out" >"$WORK/$1.out" 2>"$WORK/$1.err" &
    pid=$!
    for _ in $(seq 1 600); do
        [ -e "$out.lock" ] && grep -q "^training on" "$WORK/$1.out" && break
        sleep 0.05
    done
    sleep 0.3
    kill "-$sig" "$pid"
    wait "$pid"
    st=$?
    [ "$st" = "$code" ] || why+="exit $st, expected $code: $(tail -3 "$WORK/$1.err")"$'\n'
    [ -s "$out" ] || why+="no checkpoint"$'\n'
    [ -e "$out.lock" ] && why+="the lock file is left"$'\n'
    ls "$WORK/$1".h5.tmp-* >/dev/null 2>&1 && why+="temporary files are left"$'\n'
    grep -q "train --resume $out" "$WORK/$1.err" || why+="no resume hint: $(tail -3 "$WORK/$1.err")"$'\n'
}

# ---- 10. SIGHUP (a closed terminal) ----
stop_run hup HUP 129
grep -q "stopped by SIGHUP" "$WORK/hup.err" || why+="$(tail -2 "$WORK/hup.err")"$'\n'
verdict "SIGHUP stops like SIGTERM" "$why"

# ---- 11. a reader that goes away: the run stops after the step, saved, exit 141 ----
why=
"$BIN" train "${T[@]}" --limit 1200 --epochs 50 --json --out "$WORK/pipe.h5" 2>"$WORK/pipe.err" |
    head -1 >"$WORK/pipe.out"
st=${PIPESTATUS[0]}
[ "$st" = 141 ] || why+="exit $st, expected 141: $(tail -3 "$WORK/pipe.err")"$'\n'
"$PYTHON" -c 'import json, sys; json.loads(open(sys.argv[1]).read())' "$WORK/pipe.out" ||
    why+="the line read is not JSON: $(cat "$WORK/pipe.out")"$'\n'
[ -s "$WORK/pipe.h5" ] || why+="no checkpoint"$'\n'
[ -e "$WORK/pipe.h5.lock" ] && why+="the lock file is left"$'\n'
grep -q "stopped by SIGPIPE" "$WORK/pipe.err" || why+="$(tail -2 "$WORK/pipe.err")"$'\n'
grep -q "cannot write to standard output" "$WORK/pipe.err" && why+="a second message: $(cat "$WORK/pipe.err")"$'\n'
run "$BIN" train --resume "$WORK/pipe.h5" --epochs 3
[ "$rc" = 0 ] || why+="its resume: exit $rc: $(tail -2 "$WORK/err")"$'\n'
verdict "a reader that goes away stops the run, saved" "$why"

# ---- 12. stdout closed: the lock file is not fd 1; the failed writes are reported ----
why=
"$BIN" train "${T[@]}" --epochs 1 --out "$WORK/closed.h5" >&- 2>"$WORK/closed.err"
st=$?
[ "$st" = 1 ] || why+="exit $st, expected 1"$'\n'
grep -q "cannot write to standard output" "$WORK/closed.err" || why+="$(cat "$WORK/closed.err")"$'\n'
[ -s "$WORK/closed.h5" ] || why+="no checkpoint"$'\n'
[ -e "$WORK/closed.h5.lock" ] && why+="the lock file is left: $(head -c 200 "$WORK/closed.h5.lock")"$'\n'
verdict "stdout closed: no output in the lock file" "$why"

# ---- 13. a failed write to stdout is exit 1 with a message ----
why=
"$BIN" predict "$WORK/fp2.h5" --idx "$WORK/data/t10k-images-idx3-ubyte" --index 0 >&- 2>"$WORK/err"
st=$?
[ "$st" = 1 ] && grep -q "cannot write to standard output" "$WORK/err" || why+="predict >&-: exit $st: $(cat "$WORK/err")"$'\n'
"$BIN" info "$WORK/fp2.h5" >&- 2>"$WORK/err"
st=$?
[ "$st" = 1 ] && grep -q "cannot write to standard output" "$WORK/err" || why+="info >&-: exit $st: $(cat "$WORK/err")"$'\n'
if [ -w /dev/full ]; then
    "$BIN" eval "$WORK/fp2.h5" --data "$WORK/data" --json >/dev/full 2>"$WORK/err"
    st=$?
    [ "$st" = 1 ] && grep -q "cannot write to standard output" "$WORK/err" || why+="eval --json >/dev/full: exit $st: $(cat "$WORK/err")"$'\n'
fi
verdict "predict, info, eval: failed stdout is exit 1" "$why"

# ---- 14. drawing the graphs crashes (a library that dies, as under a tight ulimit -v) ----
why=
if "$BIN" plot --help >/dev/null 2>&1 && ! "$BIN" plot "$WORK/none.h5" 2>&1 | grep -q 'without PLplot'; then
    LD_PRELOAD=$CRASH_PLOT "$BIN" train "${T[@]}" --epochs 1 --out "$WORK/g.h5" >"$WORK/g.out" 2>"$WORK/g.err"
    st=$?
    [ "$st" = 0 ] || why+="exit $st, expected 0: $(tail -3 "$WORK/g.err")"$'\n'
    grep -q "warning: no training graphs" "$WORK/g.err" || why+="no warning: $(cat "$WORK/g.err")"$'\n'
    [ -s "$WORK/g.h5" ] || why+="no checkpoint"$'\n'
    [ -e "$WORK/g.h5.lock" ] && why+="the lock file is left"$'\n'
    ls "$WORK"/g-training.* "$WORK"/g*.tmp-* >/dev/null 2>&1 && why+="files left: $(ls "$WORK"/g*)"$'\n'
    verdict "graphs that crash cost nothing" "$why"
else
    skip "graphs that crash cost nothing" "built without PLplot"
fi

finish
