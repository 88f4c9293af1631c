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

finish
