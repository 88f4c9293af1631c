# The recipe's options end to end on small data: --precision bf16 (info shows it, --resume keeps
# it, its refusals), --recipe, --label-smoothing and --ema (each recorded, kept by --resume bit
# for bit, and doing something), the average being the model eval reads. Release build only
# (suite e2e): under the sanitizers the same code runs in tests/engine (test_fast_vs_ref,
# test_adam_augment, test_determinism) and tests/cli/test_checkpoint.c. Prints TAP.
#
#   bash tests/cli/recipes.sh path/to/mnist-cnn path/to/cli_helper
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

CASES=("train --precision bf16: info shows it, --resume keeps it" "--precision bf16 refusals"
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

# ---- BF16: recorded in the checkpoint, taken back by --resume ----
run "$BIN" train "${T[@]}" --epochs 1 --out "$WORK/one.h5"
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
grep -q "epochs completed 2 of 2" "$WORK/out" && grep -q "lr 0.008 onecycle" "$WORK/out" \
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
