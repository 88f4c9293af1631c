# Training you can watch, end to end on the real MNIST files ($MNIST_DATA; cases skip without it):
# the metric log survives a SIGKILL with every completed epoch, `train --json` prints one JSON
# object per epoch and the graphs at the end, `eval --report DIR` writes its pictures and tables.
# Prints TAP.
#
#   bash tests/cli/runs.sh path/to/mnist-cnn
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

BIN=${1:?usage: $0 MNIST_CNN}
PID=
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

have_plots() { "$BIN" plot --help >/dev/null 2>&1 && ! "$BIN" plot "$WORK/none.h5" 2>&1 | grep -q 'without PLplot'; }
# h5py: Debian's python3-h5py lives with /usr/bin/python3 (python3 on PATH may be another one)
H5PY_PY=
for p in /usr/bin/python3 python3; do
    "$p" -c 'import h5py' 2>/dev/null && { H5PY_PY=$p; break; }
done
have_h5py() { [ -n "$H5PY_PY" ]; }

# python3 -c "$PICS" FILE.png W H  /  FILE.svg W H : checks a PNG's signature and IHDR size, or
# parses an SVG with a real XML parser and checks its <svg> root and size (in pt).
PICS='
import sys, struct, xml.etree.ElementTree as ET
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if path.endswith(".png"):
    b = open(path, "rb").read(33)
    assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert b[12:16] == b"IHDR", "no IHDR first"
    got = struct.unpack(">II", b[16:24])
else:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", "root is " + root.tag
    got = tuple(float(root.get(k).rstrip("pt")) for k in ("width", "height"))
assert got == (w, h), "size %s, expected %s" % (got, (w, h))
'
picture_ok() { python3 -c "$PICS" "$@" 2>&1 | tail -1; }

if ! have_data; then
    for t in "metric log survives SIGKILL after epoch 2" "train --json parses, graphs at the end" \
             "eval --report writes its files" "eval --json unchanged with --report" \
             "eval --report to a bad folder fails cleanly"; do
        skip "$t" "no MNIST data (set MNIST_DATA)"
    done
    finish
    exit
fi
PLOTS=0
have_plots && PLOTS=1

# ---- 1. interrupted run: SIGKILL after the 2nd epoch line ----
name="metric log survives SIGKILL after epoch 2"
why=
"$BIN" train --limit 640 --test-limit 500 --epochs 5 --no-augment --threads 2 \
    --out "$WORK/int.h5" >"$WORK/int.out" 2>"$WORK/int.err" &
PID=$!
for _ in $(seq 1 1200); do  # up to 120 s
    grep -q '^epoch  2/5' "$WORK/int.out" && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
kill -9 "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
st=$?
PID=
lines=$(grep -c '^epoch ' "$WORK/int.out")
[ "$st" -eq 137 ] || why+="train was not killed (exit $st): $(tail -3 "$WORK/int.out" "$WORK/int.err")"$'\n'
[ "$lines" -ge 2 ] || why+="only $lines epoch lines before the kill"$'\n'
[ "$lines" -lt 5 ] || why+="all 5 epochs ran before the kill"$'\n'
"$BIN" info "$WORK/int.h5" >"$WORK/int.info" 2>&1 || why+="info cannot read it: $(cat "$WORK/int.info")"$'\n'
if [ "$PLOTS" = 1 ]; then
    out=$("$BIN" plot "$WORK/int.h5" 2>&1)
    n=$(printf '%s' "$out" | sed -n 's/.*: \([0-9]*\) epochs\{0,1\} ->.*/\1/p')
    # the checkpoint is saved before the epoch's line is printed: lines <= rows <= lines + 1
    if [ -z "$n" ] || [ "$n" -lt "$lines" ] || [ "$n" -gt $((lines + 1)) ]; then
        why+="plot after the kill: $out (printed $lines epoch lines)"$'\n'
    fi
fi
if have_h5py; then
    py=$("$H5PY_PY" - "$WORK/int.h5" "$lines" "$WORK/int-metrics.h5" <<'EOF' 2>&1
import sys, math, h5py
f = h5py.File(sys.argv[1], "r")
lines = int(sys.argv[2])
m = h5py.File(sys.argv[3], "r")   # the metric log train keeps beside the checkpoint
assert "metrics" not in f, "the checkpoint holds a metric log too"
e = m["metrics/epochs"][:]
assert len(e) >= 2 and lines <= len(e) <= lines + 1, "%d rows for %d lines" % (len(e), lines)
assert list(e["epoch"]) == list(range(1, len(e) + 1)), "epochs %s" % list(e["epoch"])
# the checkpoint is written first, then the log: a kill between them leaves the log one behind
assert len(e) <= int(f.attrs["epoch"]) <= len(e) + 1, "attr epoch %s, rows %d" % (f.attrs["epoch"], len(e))
for k in ("train_loss", "train_acc", "test_loss", "test_acc", "seconds", "samples_per_s", "lr"):
    assert all(math.isfinite(v) for v in e[k]), k
assert all(0 <= a <= 1 for a in e["test_acc"])
s = m["metrics/steps"][:]
assert list(s.dtype.names) == ["step", "loss", "acc", "lr"], s.dtype
# the default schedule: a warm-up to 3e-3, then a cosine (never above the peak, never constant)
assert all(0 < v <= 3e-3 * (1 + 1e-6) for v in s["lr"]), s["lr"][:8]
assert len(s) < 2 or len(set(s["lr"])) > 1, "a constant rate logged: %s" % s["lr"][:8]
EOF
    ) || why+="h5py: $py"$'\n'
fi
verdict "$name" "$why"

# ---- 2. --json: one object per epoch, and the graphs at the end of training ----
name="train --json parses, graphs at the end"
why=
if "$BIN" train --limit 256 --test-limit 200 --epochs 2 --no-augment --threads 2 --json \
        --out "$WORK/j.h5" >"$WORK/j.out" 2>"$WORK/j.err"; then
    py=$(python3 - "$WORK/j.out" "$WORK/j.h5" <<'EOF' 2>&1
import sys, json
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, "%d lines on stdout: %r" % (len(lines), lines)
keys = {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss",
        "test_accuracy", "lr", "seconds", "samples_per_s", "eval_seconds", "best", "checkpoint"}
for i, l in enumerate(lines):
    o = json.loads(l)
    assert set(o) == keys, sorted(o)
    assert o["epoch"] == i + 1 and o["checkpoint"] == sys.argv[2], o
    assert 0 <= o["test_accuracy"] <= 1 and o["train_loss"] > 0, o
EOF
    ) || why+="$py"$'\n'
    if [ "$PLOTS" = 1 ]; then
        for p in "j-training.png" "j-training.svg"; do
            r=$(picture_ok "$WORK/$p" 1200 480) || why+="$p: $r"$'\n'
        done
    fi
else
    why+="train failed: $(tail -3 "$WORK/j.err")"$'\n'
fi
verdict "$name" "$why"

# eval --report exits 0, or without PLplot 1 and says so (the text files are written all the same)
report_ran() {
    local st=$1 errf=$2
    [ "$st" = 0 ] && [ "$PLOTS" = 1 ] && return 0
    [ "$st" = 1 ] && [ "$PLOTS" = 0 ] && grep -q 'without PLplot' "$errf"
}

# ---- 3. eval --report ----
name="eval --report writes its files"
why=
"$BIN" eval "$WORK/j.h5" --threads 2 --report "$WORK/rep/sub" >"$WORK/e.out" 2>"$WORK/e.err"
st=$?
if [ ! -s "$WORK/j.h5" ]; then
    why="no checkpoint from the --json run"
elif report_ran "$st" "$WORK/e.err"; then
    grep -q 'confusion matrix' "$WORK/e.out" || why+="no text matrix on stdout"$'\n'
    [ "$(grep -cE '^ +[0-9] +[0-9]+ +[0-9.]+%$' "$WORK/rep/sub/per_class.txt")" = 10 ] ||
        why+="per_class.txt: $(cat "$WORK/rep/sub/per_class.txt")"$'\n'
    [ "$(grep -cE '^ +[0-9]( +[0-9]+){10}$' "$WORK/rep/sub/confusion.txt")" = 10 ] ||
        why+="confusion.txt: $(cat "$WORK/rep/sub/confusion.txt")"$'\n'
    # one line per mistake: test images minus the matrix's diagonal
    diag=$(grep -E '^ +[0-9]( +[0-9]+){10}$' "$WORK/rep/sub/confusion.txt" |
           awk '{ s += $($1 + 2) } END { print s }')
    images=$(sed -n 's/.* on \([0-9]*\) test images.*/\1/p' "$WORK/e.out")
    nw=$(grep -vc '^#' "$WORK/rep/sub/worst.txt")
    [ "$nw" = $((images - diag)) ] || why+="worst.txt: $nw rows, $images images, $diag right"$'\n'
    if [ "$PLOTS" = 1 ]; then
        r=$(picture_ok "$WORK/rep/sub/confusion.png" 760 760) || why+="confusion.png: $r"$'\n'
        cols=8 rows=3
        [ "$nw" -lt 24 ] && { rows=$(((nw + 7) / 8)); [ "$nw" -lt 8 ] && cols=$nw; }
        r=$(picture_ok "$WORK/rep/sub/worst.png" $((40 + cols * 170)) $((60 + rows * 230))) ||
            why+="worst.png: $r"$'\n'
    fi
else
    why+="eval --report: exit $st: $(cat "$WORK/e.err")"$'\n'
fi
verdict "$name" "$why"

name="eval --json unchanged with --report"
why=
"$BIN" eval "$WORK/j.h5" --threads 2 --json --report "$WORK/rep2" >"$WORK/ej.out" 2>"$WORK/ej.err"
st=$?
if [ -s "$WORK/j.h5" ] && report_ran "$st" "$WORK/ej.err"; then
    py=$(python3 - "$WORK/ej.out" "$WORK/j.h5" <<'EOF' 2>&1
import sys, json
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert set(o) == {"checkpoint", "images", "accuracy", "accuracy_95", "loss", "per_class",
                  "confusion"}, sorted(o)
lo, hi = o["accuracy_95"]
assert lo < o["accuracy"] < hi and hi - lo < 0.1, o["accuracy_95"]
assert o["checkpoint"] == sys.argv[2] and len(o["per_class"]) == 10 and len(o["confusion"]) == 10
assert sum(map(sum, o["confusion"])) == o["images"]
EOF
    ) || why+="$py"$'\n'
    [ -s "$WORK/rep2/worst.txt" ] || why+="no report written"$'\n'
else
    why+="eval --json --report: exit $st: $(cat "$WORK/ej.err")"$'\n'
fi
verdict "$name" "$why"

name="eval --report to a bad folder fails cleanly"
why=
: >"$WORK/afile"
"$BIN" eval "$WORK/j.h5" --threads 2 --report "$WORK/afile/rep" >/dev/null 2>"$WORK/bad.err"
st=$?
[ "$st" = 1 ] || why+="exit $st"$'\n'
grep -q "$WORK/afile/rep" "$WORK/bad.err" || why+="message does not name the folder: $(cat "$WORK/bad.err")"$'\n'
verdict "$name" "$why"

finish
