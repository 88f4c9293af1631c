#!/usr/bin/env bash
# Results that are not numbers, and messages that say the wrong thing (docs/failures.md, "Results
# that are not numbers"): a model whose output overflows to NaN, metric logs holding impossible
# values, stroke files with points nowhere, the real cause of a failure behind a misleading one,
# and --show pictures that must not overwrite each other. Each must end with a message naming the
# file and a non-zero exit, never NaN or infinity printed as a result.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T="timeout 60"
STROKES="$(dirname "${BASH_SOURCE[0]}")/../gui/strokes"
XVFB=$(command -v xvfb-run || true)
on_xvfb() { timeout 120 "$XVFB" -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$@"; }
# no_nan FILE: the file holds no nan or inf as a word (what printf makes of NaN and infinity)
no_nan() { ! grep -qiwE -- '-?(nan|inf|infinity)' "$1"; }

"$HELPER" mkckpt "$WORK/good.h5" 3 || { not_ok "fixture"; finish; exit; }
fresh() { cp "$WORK/good.h5" "$WORK/$1"; echo "$WORK/$1"; }
# a 28x28 plain PGM with a vertical stroke: some digit, whichever
{ echo "P2 28 28 255"; for y in $(seq 0 27); do for x in $(seq 0 27); do
    if [ $x -ge 12 ] && [ $x -le 15 ] && [ $y -ge 4 ] && [ $y -le 23 ]; then printf '255 '; else printf '0 '; fi
  done; echo; done; } >"$WORK/stroke.pgm"
# a test set of two 28x28 images (one blank, one with a square) for eval, no real data needed
mkdir -p "$WORK/data"
{ printf '\x00\x00\x08\x03'; be32 2; be32 28; be32 28; head -c 784 /dev/zero
  head -c 300 /dev/zero; head -c 184 /dev/zero | tr '\0' '\377'; head -c 300 /dev/zero; } \
    >"$WORK/data/t10k-images-idx3-ubyte"
{ printf '\x00\x00\x08\x01'; be32 2; printf '\x01\x07'; } >"$WORK/data/t10k-labels-idx1-ubyte"

# ---- a model whose output is not a number ----
# every weight finite (the load's checks pass), but fc1's sums overflow float: infinity, then NaN
big=$(fresh big.h5); "$HELPER" fill "$big" /model/fc1.weight 3e38
expect "finite but huge weights: predict --json exits 1 naming model and image, no JSON line" 1 \
    "big.h5: $WORK/stroke.pgm: the network's output is not a number (NaN or infinite)" -- \
    $T "$BIN" predict "$big" "$WORK/stroke.pgm" --json
why=""; [ -s "$WORK/out" ] && why="stdout not empty: $(cat "$WORK/out")"
verdict "the same: nothing on stdout (no probs of -nan)" "$why"
expect "the same with --idx: exit 1" 1 "the network's output is not a number" -- \
    $T "$BIN" predict "$big" --idx "$WORK/data/t10k-images-idx3-ubyte" --index 1
expect "the same: eval exits 1, says for how many test images, no loss or accuracy printed" 1 \
    "big.h5: the network's output is not a number (NaN or infinite)" "(2 of the 2 test images)" -- \
    $T "$BIN" eval "$big" --data "$WORK/data" --json
why=""; [ -s "$WORK/out" ] && why="stdout not empty: $(cat "$WORK/out")"
verdict "the same: eval prints nothing on stdout" "$why"
expect "a good model on the same data: eval exits 0 (the check does not refuse numbers)" 0 \
    -o '"accuracy": ' -- $T "$BIN" eval "$WORK/good.h5" --data "$WORK/data" --json
if [ -n "$XVFB" ]; then
    # conv1 overflowing: the debug view's feature maps are not numbers either
    bigc=$(fresh bigc.h5); "$HELPER" fill "$bigc" /model/conv1.weight 3e38
    for m in "$big" "$bigc"; do
        run on_xvfb "$BIN" draw "$m" --debug --replay "$STROKES/digit-3.txt" --print
        why=""
        [ "$rc" = 1 ] || why="exit $rc, expected 1"
        grep -qF "$(basename "$m"): stroke 1: the network's output is not a number" "$WORK/err" ||
            why="$why; stderr lacks the model and the stroke: $(cat "$WORK/err")"
        python3 -c 'import json, sys
for l in open(sys.argv[1]):
    j = json.loads(l, parse_constant=lambda c: sys.exit("not JSON: " + c))
    assert j["digit"] is None and j["probs"] is None and "not a number" in j["error"], l' \
            "$WORK/out" || why="$why; stdout: $(cat "$WORK/out")"
        verdict "draw --print on $(basename "$m"): exit 1, JSON lines with an error, no NaN" "${why#; }"
    done
    run on_xvfb "$BIN" draw "$big" --replay "$STROKES/digit-3.txt" --screenshot "$WORK/shot.png"
    verdict "the window on that model: shows no prediction, exit 0 (it says so, it does not crash)" \
        "$([ "$rc" = 0 ] || echo "exit $rc: $(cat "$WORK/err")")"
else
    skip "draw --print on a model whose output is not a number" "xvfb-run not found"
    skip "draw --print on a model whose feature maps are not numbers" "xvfb-run not found"
    skip "the window on that model" "xvfb-run not found"
fi

# ---- metric logs holding values no run writes ----
# logged.h5 and its log logged-metrics.h5 (3 epochs, 40 step rows), one field of one row changed
log_with() {
    cp "$WORK/good.h5" "$WORK/logged.h5"
    "$HELPER" mklog "$WORK/logged-metrics.h5" && "$HELPER" setfield "$WORK/logged-metrics.h5" "$@"
}
log_with /metrics/epochs 2 epoch -2147483648
expect "a metric log with epoch -2^31: info exits 1 naming the file, row and field" 1 \
    "logged-metrics.h5: /metrics/epochs[2].epoch is -2147483648, outside 1..1000000" -- \
    $T "$BIN" info "$WORK/logged.h5"
why=""; grep -q -- '-2147483648' "$WORK/out" && why="printed: $(grep -- -2147483648 "$WORK/out")"
verdict "the same: info prints no epoch -2147483648" "$why"
expect "the same: plot exits 1 (no axis to -2e9)" 1 \
    "logged-metrics.h5: /metrics/epochs[2].epoch is -2147483648" -- $T "$BIN" plot "$WORK/logged.h5"
log_with /metrics/epochs 2 test_acc inf
expect "a metric log with test accuracy inf: info exits 1 naming row and field" 1 \
    "logged-metrics.h5: /metrics/epochs[2].test_acc is inf, outside 0..1" -- \
    $T "$BIN" info "$WORK/logged.h5"
verdict "the same: info prints no inf%" "$(no_nan "$WORK/out" || cat "$WORK/out")"
log_with /metrics/epochs 0 train_loss nan
expect "a NaN training loss (a field that is always measured): plot exits 1" 1 \
    "/metrics/epochs[0].train_loss is nan, not a finite number >= 0" -- $T "$BIN" plot "$WORK/logged.h5"
log_with /metrics/steps 5 step 0
expect "a step row of step 0: plot exits 1" 1 "/metrics/steps[5].step is 0, outside 1..1000000000000" \
    -- $T "$BIN" plot "$WORK/logged.h5"
log_with /metrics/epochs 1 test_acc nan
expect "NaN where it means 'not evaluated' still loads: info exits 0" 0 \
    -o "metric log: $WORK/logged-metrics.h5 (3 epochs" -- $T "$BIN" info "$WORK/logged.h5"
if [ -n "$XVFB" ]; then
    log_with /metrics/epochs 2 val_acc inf
    run on_xvfb "$BIN" draw "$WORK/logged.h5" --replay "$STROKES/digit-3.txt" --print
    why=""
    [ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
    grep -qF "no training curves: $WORK/logged-metrics.h5: /metrics/epochs[2].val_acc is inf" \
        "$WORK/err" || why="$why; stderr: $(cat "$WORK/err")"
    no_nan "$WORK/out" || why="$why; stdout: $(cat "$WORK/out")"
    verdict "draw on a log with val_acc inf: goes on without curves, says why, prints no inf" "${why#; }"
else
    skip "draw on a log with val_acc inf" "xvfb-run not found"
fi

# ---- stroke files with points nowhere ----
if [ -n "$XVFB" ]; then
    printf '10,10 20,20\nnan,nan\n' >"$WORK/nan.txt"
    run on_xvfb "$BIN" draw "$WORK/good.h5" --replay "$WORK/nan.txt" --print
    verdict "draw --replay of a stroke file with nan,nan: exit 1, FILE:LINE" "$(
        [ "$rc" = 1 ] || echo "exit $rc"
        grep -qF "nan.txt:2: point 1 is (nan, nan): coordinates must be numbers" "$WORK/err" ||
            echo "stderr: $(cat "$WORK/err")")"
    printf '1e20,5\n' >"$WORK/far.txt"
    run on_xvfb "$BIN" draw "$WORK/good.h5" --replay "$WORK/far.txt" --screenshot "$WORK/s.png"
    verdict "draw --replay of a point at 1e20: exit 1, FILE:LINE, nothing drawn" "$(
        [ "$rc" = 1 ] || echo "exit $rc"
        grep -qF "far.txt:1: point 1 is (1e+20, 5)" "$WORK/err" || echo "stderr: $(cat "$WORK/err")"
        [ -e "$WORK/s.png" ] && echo "a screenshot was written")"
    # 20,000 points on one line took 12.6 s to replay: refused at once now
    awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%d,%d ", i % 280, 100; print "" }' >"$WORK/long.txt"
    run on_xvfb "$BIN" draw "$WORK/good.h5" --replay "$WORK/long.txt" --print
    verdict "draw --replay of 20,000 points on a line: exit 1, names the cap" "$(
        [ "$rc" = 1 ] || echo "exit $rc"
        grep -qF "long.txt:1: more than 4096 points on one line" "$WORK/err" ||
            echo "stderr: $(cat "$WORK/err")")"
else
    for i in 1 2 3; do skip "draw --replay of a hostile stroke file" "xvfb-run not found"; done
fi

# ---- the real cause, not a misleading one ----
cp "$WORK/good.h5" "$WORK/plotted.h5" && "$HELPER" mklog "$WORK/plotted-metrics.h5"
if "$BIN" plot "$WORK/plotted.h5" >/dev/null 2>&1; then
    # stdin, stdout, stderr and two more: PLplot cannot open its driver list
    expect "plot out of file descriptors (ulimit -n 5): exit 1, says so, not 'no pngcairo device'" 1 \
        "PLplot cannot read its list of output devices: Too many open files" "ulimit -n" -- \
        bash -c 'ulimit -n 5 && exec "$@"' _ "$BIN" plot "$WORK/plotted.h5"
    verdict "the same: no advice to install a driver, no PLplot noise" "$(
        grep -E "pngcairo|PLPLOT ERROR" "$WORK/err")"
else
    skip "plot out of file descriptors" "built without PLplot"
    skip "plot out of file descriptors: the message" "built without PLplot"
fi
"$HELPER" statedict "$WORK/unwritten.h5" 4 unwritten
expect "a state_dict whose datasets were created but never written: predict exit 1, names one" 1 \
    "unwritten.h5: /model/conv1.weight holds no data (the dataset was created but never written)" -- \
    $T "$BIN" predict "$WORK/unwritten.h5" "$WORK/stroke.pgm"
why=""; [ -s "$WORK/out" ] && why="printed: $(cat "$WORK/out")"
verdict "the same: no prediction of 0.1 for every class" "$why"

# ---- --show pictures that must not overwrite each other or the user's files ----
mkdir -p "$WORK/c1" "$WORK/c2" "$WORK/shown"
cp "$WORK/stroke.pgm" "$WORK/c1/x.pgm"; cp "$WORK/stroke.pgm" "$WORK/c2/x.pgm"
cp "$WORK/stroke.pgm" "$WORK/x-2.pgm"
echo "the user's own file" >"$WORK/shown/x-seen.png"
show() { run "$BIN" predict "$WORK/good.h5" "$WORK/c1/x.pgm" "$WORK/c2/x.pgm" "$WORK/x-2.pgm" --show "$WORK/shown"; }
show
why=""
[ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
for f in x-2-seen x-3-seen x-2-2-seen; do
    grep -qxF "  wrote $WORK/shown/$f.png" "$WORK/out" || why="$why; stdout lacks 'wrote .../$f.png'"
    [ -s "$WORK/shown/$f.png" ] || why="$why; no $f.png"
done
[ "$(grep -c '  wrote ' "$WORK/out")" = 3 ] && [ "$(grep '  wrote ' "$WORK/out" | sort -u | wc -l)" = 3 ] ||
    why="$why; not three different names: $(cat "$WORK/out")"
[ "$(cat "$WORK/shown/x-seen.png")" = "the user's own file" ] || why="$why; the user's x-seen.png replaced"
verdict "--show for c1/x, c2/x and x-2 beside a user's x-seen.png: three pictures, three names printed, the user's file kept" \
    "${why#; }${why:+
$(cat "$WORK/out")}"
show
why=""
[ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
grep -qxF "  wrote $WORK/shown/x-3-seen.png" "$WORK/out" || why="$why; not the same names: $(cat "$WORK/out")"
[ "$(ls "$WORK/shown" | wc -l)" = 4 ] || why="$why; files now: $(ls "$WORK/shown")"
[ "$(cat "$WORK/shown/x-seen.png")" = "the user's own file" ] || why="$why; the user's x-seen.png replaced"
verdict "--show again into the same folder: its own earlier pictures replaced, the same names, nothing more" "${why#; }"

finish
