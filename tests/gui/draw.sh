# Tests of `mnist-cnn draw` under Xvfb; prints TAP.
#
#   bash tests/gui/draw.sh MNIST_CNN PNG_PROBE WM_CLOSE STROKES_DIR XVFB_RUN XDOTOOL
#
# XVFB_RUN / XDOTOOL may be empty (not installed): their cases are skipped. Cases that need a
# trained model train a small one (6000 images, 2 epochs) from $MNIST_DATA, and are skipped when
# it is unset or incomplete.
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

BIN=${1:?usage: $0 MNIST_CNN PNG_PROBE WM_CLOSE STROKES_DIR XVFB_RUN XDOTOOL}
PROBE=${2:?}
WMCLOSE=${3:?}
STROKES=${4:?}
XVFB=${5:-}
XDO=${6:-}
L_DEBUG_SIZE=1092x620   # gui/layout.h: L_DEBUG_W x L_DEBUG_H

# Run a command on a fresh virtual screen (24-bit, as the window needs).
on_xvfb() { timeout 120 "$XVFB" -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$@"; }
# The "digit" of the last JSON line of a --print output file ("null" for a blank canvas).
last_digit() { tail -n 1 "$1" | sed -n 's/.*"digit": \([0-9a-z]*\).*/\1/p'; }

# ---- without a display ----
out=$(env -u DISPLAY "$BIN" draw "$WORK/none.h5" 2>&1); rc=$?
why=""
[ "$rc" = 2 ] || why="exit code $rc, expected 2"
printf '%s' "$out" | grep -q 'Xvfb' || why="$why; no mention of Xvfb"
printf '%s' "$out" | grep -q 'ssh -X' || why="$why; no mention of ssh -X"
verdict "no display: exit 2 and a message naming Xvfb and ssh -X" "${why#; }${why:+
$out}"

out=$("$BIN" draw --help 2>&1); rc=$?
why=""
[ "$rc" = 0 ] || why="--help: exit $rc"
printf '%s' "$out" | grep -q -- '--replay' || why="$why; --help does not describe --replay"
"$BIN" draw --no-such-option >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || why="$why; unknown option: exit $rc, expected 2"
env -u DISPLAY "$BIN" draw a.h5 b.h5 >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || why="$why; two checkpoints: exit $rc, expected 2"
env -u DISPLAY "$BIN" draw --pen 0 >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || why="$why; --pen 0: exit $rc, expected 2"
env -u DISPLAY "$BIN" draw --input-stroke 5 >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || why="$why; --input-stroke 5: exit $rc, expected 2"
verdict "usage: --help, bad options exit 2" "${why#; }"

# ---- with a display and a model ----
digits=$(ls "$STROKES"/digit-*.txt)
n_model_cases=$(( $(printf '%s\n' "$digits" | wc -l) + 12 ))
data=${MNIST_DATA:-}
reason=""
[ -n "$XVFB" ] || reason="xvfb-run not found"
if [ -z "$reason" ]; then
    if [ -z "$data" ] || [ ! -f "$data/train-images-idx3-ubyte" ] || [ ! -f "$data/train-labels-idx1-ubyte" ]; then
        reason="no MNIST data (set MNIST_DATA)"
    fi
fi
if [ -z "$reason" ]; then
    M=$WORK/m.h5
    if "$BIN" train --data "$data" --limit 6000 --test-limit 1000 --epochs 2 --out "$M" --quiet \
        >"$WORK/train.out" 2>&1; then
        ok "train a small model (6000 images, 2 epochs)"
    else
        not_ok "train a small model (6000 images, 2 epochs)"
        diag <"$WORK/train.out"
        reason="training failed"
    fi
else
    skip "train a small model" "$reason"
fi
if [ -n "$reason" ]; then
    for i in $(seq 2 "$n_model_cases"); do skip "needs a display and a model" "$reason"; done
    finish
    exit
fi

# (a) each recorded digit is read correctly; one JSON line per stroke
for f in $digits; do
    name=$(basename "$f" .txt)
    want=${name#digit-}
    want=${want%%-*}
    on_xvfb "$BIN" draw "$M" --replay "$f" --print >"$WORK/out" 2>"$WORK/err"; rc=$?
    strokes=$(grep -c '^[ ]*[0-9e]' "$f")
    got=$(last_digit "$WORK/out")
    why=""
    [ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
    [ "$(wc -l <"$WORK/out")" = "$strokes" ] || why="$why; $(wc -l <"$WORK/out") JSON lines for $strokes strokes"
    [ "$got" = "$want" ] || why="$why; read as '$got', expected $want: $(tail -n 1 "$WORK/out")"
    verdict "replay $name: read as $want" "${why#; }"
done

# --input-stroke: 0 reads the canvas itself (as before the strokes were drawn again), 4 draws them
# wider; a full-size digit reads the same either way, with other probabilities
for w in 0 4; do
    on_xvfb "$BIN" draw "$M" --replay "$STROKES/digit-3.txt" --print --input-stroke $w \
        >"$WORK/out-$w" 2>"$WORK/err"; rc=$?
    [ "$rc" = 0 ] || break
done
why=""
[ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
[ "$(last_digit "$WORK/out-0")" = 3 ] && [ "$(last_digit "$WORK/out-4")" = 3 ] ||
    why="$why; not read as 3: $(cat "$WORK/out-0" "$WORK/out-4")"
cmp -s "$WORK/out-0" "$WORK/out-4" && why="$why; the same probabilities at 0 and 4"
verdict "--input-stroke 0 and 4: a full-size 3 read as 3 either way" "${why#; }"

# clear and erase lines of the stroke format
line7=$(grep -v '^#' "$STROKES/digit-7.txt" | head -n 1)
line1=$(grep -v '^#' "$STROKES/digit-1.txt" | head -n 1)
printf '# a 7, cleared, then a 1\n%s\nclear\n%s\n' "$line7" "$line1" >"$WORK/clear.txt"
on_xvfb "$BIN" draw "$M" --replay "$WORK/clear.txt" --print >"$WORK/out" 2>"$WORK/err"; rc=$?
first=$(head -n 1 "$WORK/out" | sed -n 's/.*"digit": \([0-9a-z]*\).*/\1/p')
why=""
[ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
[ "$first" = 7 ] && [ "$(last_digit "$WORK/out")" = 1 ] || why="$why; got $(cat "$WORK/out")"
verdict "replay: 'clear' starts a new digit" "${why#; }"

printf '%s\nerase 140,20 140,60 140,100 140,140 140,180 140,220 140,260\n' "$line1" >"$WORK/erase.txt"
on_xvfb "$BIN" draw "$M" --replay "$WORK/erase.txt" --print >"$WORK/out" 2>"$WORK/err"; rc=$?
why=""
[ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
[ "$(head -n 1 "$WORK/out" | sed -n 's/.*"digit": \([0-9a-z]*\).*/\1/p')" = 1 ] &&
    [ "$(last_digit "$WORK/out")" = null ] || why="$why; got $(cat "$WORK/out")"
verdict "replay: an 'erase' stroke over the whole digit leaves a blank canvas" "${why#; }"

printf '10,10 20,20\n30,30 40;40\n' >"$WORK/bad.txt"
on_xvfb "$BIN" draw "$M" --replay "$WORK/bad.txt" --print >"$WORK/out" 2>"$WORK/err"; rc=$?
why=""
[ "$rc" = 1 ] || why="exit $rc, expected 1"
grep -q 'bad.txt:2:' "$WORK/err" || why="$why; no 'bad.txt:2:' in: $(cat "$WORK/err")"
verdict "replay: a malformed stroke file is an error naming file and line" "${why#; }"

# (d) following a training run: while the window is open, the checkpoint is replaced atomically
# (as train saves it: a temporary file renamed over it) by one of 2 epochs, then by a file that is
# no checkpoint; the window reloads the first (a reload line, the drawing read again) and keeps it
# through the second. Two tiny models, of 1 and 2 epochs.
# follow.sh NAME [draw options]: replay a 3 on fm.h5 (a copy of f1.h5), replace it by f2.h5, then
# by a bad file; the window's stdout, then "exit N", in $WORK/NAME.out, its stderr in NAME.err
cat >"$WORK/follow.sh" <<EOS
set -u
name=\$1
shift
cp "$WORK/f1.h5" "$WORK/fm.h5" && cp "$WORK/f1-metrics.h5" "$WORK/fm-metrics.h5"
"$BIN" draw "$WORK/fm.h5" --replay "$STROKES/digit-3.txt" --print "\$@" \\
    >"$WORK/\$name.out" 2>"$WORK/\$name.err" &
pid=\$!
for i in \$(seq 200); do grep -q '"stroke"' "$WORK/\$name.out" && break; sleep 0.1; done
cp "$WORK/f2-metrics.h5" "$WORK/fm.tmp" && mv "$WORK/fm.tmp" "$WORK/fm-metrics.h5"
cp "$WORK/f2.h5" "$WORK/fm.tmp" && mv "$WORK/fm.tmp" "$WORK/fm.h5"
for i in \$(seq 50); do [ "\$(grep -c . "$WORK/\$name.out")" -ge 3 ] && break; sleep 0.1; done
echo 'not a checkpoint' >"$WORK/fm.tmp" && mv "$WORK/fm.tmp" "$WORK/fm.h5"
wait \$pid
echo "exit \$?" >>"$WORK/\$name.out"
EOS
why=""
for e in 1 2; do
    "$BIN" train --data "$data" --limit 512 --epochs $e --test-limit 100 --original --quiet \
        --out "$WORK/f$e.h5" >"$WORK/train.out" 2>&1 ||
        why="training $e epochs failed: $(cat "$WORK/train.out")"
done
if [ -z "$why" ]; then
    on_xvfb bash "$WORK/follow.sh" follow --linger 6
    out=$WORK/follow.out
    reload='{"reload": ".*fm.h5", "epoch": 2, "epochs": 2, "role": "latest", "val_accuracy": null'
    grep -q "^$reload, \"test_accuracy\": 0\\.[0-9]*}\$" "$out" || why="no reload line for epoch 2"
    again=$(grep -A1 '"epoch": 2' "$out" | sed -n '2s/^{"stroke": 1, "digit": [0-9].*/again/p')
    [ "$again" = again ] || why="$why; the drawing not read again after the reload"
    grep -q '^{"reload": ".*fm.h5", "error": ".*fm.h5: .*"}$' "$out" ||
        why="$why; no error line for the bad file"
    grep -qx 'exit 0' "$out" || why="$why; not exit 0"
    grep -q 'epoch 1 of 1' "$WORK/follow.err" || why="$why; the first model not named on stderr"
fi
verdict "follows the run: reloads a replaced checkpoint, reads again, keeps it over a bad file" \
    "${why#; }${why:+
$(cat "$WORK/follow.out" "$WORK/follow.err" 2>/dev/null)}"
why=""
if [ -f "$WORK/f2.h5" ]; then
    on_xvfb bash "$WORK/follow.sh" nofollow --linger 1 --no-follow
    grep -q '"reload"' "$WORK/nofollow.out" && why="reloaded"
    grep -qx 'exit 0' "$WORK/nofollow.out" || why="$why; not exit 0"
else
    why="no models"
fi
verdict "--no-follow: no reload" "${why#; }${why:+
$(cat "$WORK/nofollow.out" "$WORK/nofollow.err" 2>/dev/null)}"

# (c) screenshots: not blank, bars drawn, the debug view's maps drawn
on_xvfb "$BIN" draw "$M" --replay "$STROKES/digit-3.txt" --screenshot "$WORK/shot.png" --timing \
    >"$WORK/out" 2>"$WORK/err"; rc=$?
why=""
[ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
"$PROBE" "$WORK/shot.png" normal 3 >"$WORK/probe" 2>&1 || why="$why; $(cat "$WORK/probe")"
cat "$WORK/probe"
grep -q 'per-event cost' "$WORK/err" || why="$why; --timing printed nothing"
diag <"$WORK/err"
verdict "screenshot: canvas has the digit, bars show the probabilities" "${why#; }"

on_xvfb "$BIN" draw "$M" --debug --replay "$STROKES/digit-0.txt" --screenshot "$WORK/debug.png" \
    --timing >"$WORK/out" 2>"$WORK/err"; rc=$?
why=""
[ "$rc" = 0 ] || why="exit $rc: $(cat "$WORK/err")"
"$PROBE" "$WORK/debug.png" debug 0 >"$WORK/probe" 2>&1 || why="$why; $(cat "$WORK/probe")"
cat "$WORK/probe"
diag <"$WORK/err"
verdict "screenshot of the debug view: input and feature maps drawn" "${why#; }"

# (b) a real pointer drag through XTest onto the canvas, then close with the window's close button
if [ -z "$XDO" ]; then
    skip "pointer drag with xdotool" "xdotool not found"
    skip "keys" "xdotool not found"
    skip "window close button" "xdotool not found"
else
    # the 7 of the stroke file, every third point, in window coordinates (canvas at 16,16)
    moves=""
    i=0
    for p in $line7; do
        if [ $((i % 3)) = 0 ]; then
            moves="$moves mousemove --window \$wid $((${p%,*} + 16)) $((${p#*,} + 16)) sleep 0.01"
        fi
        i=$((i + 1))
    done
    cat >"$WORK/drag.sh" <<EOS
set -u
"$BIN" draw "$M" --print >"$WORK/drag.out" 2>"$WORK/drag.err" &
pid=\$!
wid=\$(timeout 20 "$XDO" search --sync --onlyvisible --name '^mnist-cnn draw\$' | head -n 1)
[ -n "\$wid" ] || { echo "no window"; kill \$pid; exit 1; }
first=\$(printf '%s' "$line7" | cut -d' ' -f1)
"$XDO" mousemove --window \$wid \$((\${first%,*} + 16)) \$((\${first#*,} + 16)) sleep 0.05 mousedown 1 $moves mouseup 1
for i in \$(seq 50); do grep -q digit "$WORK/drag.out" && break; sleep 0.1; done
# keys: d (debug view: the window grows), c (clear), p (predict: prints the blank canvas)
"$XDO" key d
sleep 0.3
"$XDO" getwindowgeometry \$wid | sed -n 's/.*Geometry: /geometry /p'
"$XDO" key c p
for i in \$(seq 50); do [ "\$(wc -l <"$WORK/drag.out")" -ge 2 ] && break; sleep 0.1; done
# then the close button: WM_DELETE_WINDOW
"$WMCLOSE" \$wid
for i in \$(seq 50); do kill -0 \$pid 2>/dev/null || break; sleep 0.1; done
if kill -0 \$pid 2>/dev/null; then echo "still running after WM_DELETE_WINDOW"; kill \$pid; exit 1; fi
wait \$pid
echo "exit \$?"
EOS
    on_xvfb bash "$WORK/drag.sh" >"$WORK/drag.log" 2>&1
    why=""
    first=$(head -n 1 "$WORK/drag.out")
    got=$(printf '%s\n' "$first" | sed -n 's/.*"digit": \([0-9a-z]*\).*/\1/p')
    printf '%s\n' "$first" | grep -q '"stroke": 1,' || why="not the first stroke: $first"
    [ "$got" = 7 ] || why="$why; read as '$got', expected 7"
    verdict "pointer drag with xdotool: one stroke, read as 7" "${why#; }${why:+
$(cat "$WORK/drag.log" "$WORK/drag.err")}"
    why=""
    grep -qx "geometry ${L_DEBUG_SIZE}" "$WORK/drag.log" || why="d: window not resized to $L_DEBUG_SIZE"
    [ "$(sed -n 2p "$WORK/drag.out")" = '{"stroke": 1, "digit": null, "probs": null}' ] ||
        why="$why; c then p: expected a blank-canvas line, got: $(sed -n '2,$p' "$WORK/drag.out")"
    verdict "keys: d shows the debug view, c clears, p predicts" "${why#; }${why:+
$(cat "$WORK/drag.log")}"
    why=""
    grep -qx 'exit 0' "$WORK/drag.log" || why="$(cat "$WORK/drag.log" "$WORK/drag.err")"
    verdict "window close button (WM_DELETE_WINDOW): exit 0" "$why"
fi
finish
