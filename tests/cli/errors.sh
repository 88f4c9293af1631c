#!/usr/bin/env bash
# Bad input to every command: each must end with the documented exit status (1 runtime error,
# 2 usage) and say on stderr which file or option is wrong and why. Also --help, --version and
# MNIST_CNN_ISA. No training here: checkpoints come from cli_helper (an untrained model), data
# folders from the first images of the real files (those cases are skipped without $MNIST_DATA).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- usage errors and help: no data needed ----
expect "no command: usage on stderr, exit 2" 2 "Usage: mnist-cnn COMMAND" -- "$BIN"
expect "unknown command: exit 2, names it" 2 "unknown command 'frobnicate'" -- "$BIN" frobnicate
expect "mnist-cnn --help: exit 0, usage on stdout" 0 -o "Usage: mnist-cnn COMMAND" -o train \
    -o predict -- "$BIN" --help
# Every command the top-level help lists (so commands added later are covered too); at least
# the four of the foundation.
run "$BIN" --help
commands=$(awk '/^Commands:/ {f = 1; next} f && /^  [a-z]/ {print $1} f && /^$/ && NR > 3 {f = 0}' "$WORK/out")
echo "# commands listed by --help:" $commands
missing=""
for cmd in train eval predict info; do grep -qx "$cmd" <<<"$commands" || missing="$missing $cmd"; done
verdict "--help lists train, eval, predict, info" "${missing:+missing:$missing}"
for cmd in $commands; do
    expect "$cmd --help: exit 0, usage on stdout" 0 -o "Usage: mnist-cnn $cmd" -- "$BIN" "$cmd" --help
    expect "$cmd -h: exit 0" 0 -o "Usage: mnist-cnn $cmd" -- "$BIN" "$cmd" -h
    expect "$cmd --bogus: exit 2, names the option, points to --help" 2 "--bogus" \
        "Try 'mnist-cnn $cmd --help'" -- "$BIN" "$cmd" --bogus
done
# Usage errors come before any file is touched: --data points nowhere on purpose.
for v in 0 -3 abc 2x ""; do
    expect "train --epochs '$v': exit 2, names the option and value" 2 \
        "--epochs expects a whole number" "got '$v'" "Try 'mnist-cnn train --help'" -- \
        "$BIN" train --epochs "$v" --data "$WORK/nowhere" --out "$WORK/x.h5"
done
expect "train --batch 0: exit 2" 2 "--batch expects" "got '0'" -- \
    "$BIN" train --batch 0 --data "$WORK/nowhere" --out "$WORK/x.h5"
expect "train --lr nan: exit 2" 2 "--lr expects a number" "got 'nan'" -- \
    "$BIN" train --lr nan --data "$WORK/nowhere" --out "$WORK/x.h5"
expect "train --threads 0: exit 2" 2 "--threads expects" -- \
    "$BIN" train --threads 0 --data "$WORK/nowhere" --out "$WORK/x.h5"
expect "train --epochs without a value: exit 2" 2 "epochs" "Try 'mnist-cnn train --help'" -- \
    "$BIN" train --data "$WORK/nowhere" --epochs
expect "train with a stray argument: exit 2, names it" 2 "unexpected argument 'extra'" -- \
    "$BIN" train extra --data "$WORK/nowhere"
expect "eval with no checkpoint and no runs/: exit 1, names the default" 1 "runs/model.h5" -- \
    env -C "$WORK" "$(realpath "$BIN")" eval
expect "eval with two checkpoints: exit 2" 2 "expected one checkpoint" -- "$BIN" eval a.h5 b.h5
expect "info with no checkpoint: exit 2" 2 "expected exactly one checkpoint" -- "$BIN" info
expect "predict with a checkpoint but no image: exit 2" 2 "expected at least one image" \
    -- "$BIN" predict "$WORK/x.h5"
expect "predict --index without --idx: exit 2" 2 "--index needs --idx" -- \
    "$BIN" predict "$WORK/x.h5" img.png --index 3
expect "predict --index -1: exit 2" 2 "--index expects" "got '-1'" -- \
    "$BIN" predict "$WORK/x.h5" --idx f --index -1
ls "$WORK"/x.h5* >/dev/null 2>&1 && { not_ok "usage errors write no checkpoint"; ls "$WORK" | diag; } \
    || ok "usage errors write no checkpoint"

# ---- kernel selection ----
expect "MNIST_CNN_ISA=bogus: exit 2, names the variable and value" 2 "MNIST_CNN_ISA=bogus" \
    "unknown instruction set" -- env MNIST_CNN_ISA=bogus "$BIN" --version
expect "MNIST_CNN_ISA=bogus stops a command too" 2 "MNIST_CNN_ISA=bogus" -- \
    env MNIST_CNN_ISA=bogus "$BIN" info "$WORK/x.h5"
expect "MNIST_CNN_ISA=scalar: --version says scalar" 0 -o "(kernels: scalar;" -- \
    env MNIST_CNN_ISA=scalar "$BIN" --version
run "$BIN" --version
grep -qE '^mnist-cnn [0-9]+\.[0-9]+\.[0-9]+ \(kernels: (scalar|avx2|avx512); conv2 in training: winograd by default, eval direct; bf16: (native|emulated|none)\)$' "$WORK/out" \
    && ok "--version: version and kernel path" \
    || { not_ok "--version: version and kernel path"; diag <"$WORK/out"; }

# ---- checkpoints: missing, not HDF5, missing or mis-shaped datasets ----
CK=$WORK/good.h5
"$HELPER" mkckpt "$CK" 3 || { echo "Bail out! cli_helper mkckpt failed"; exit 1; }
expect "info on a good checkpoint: exit 0" 0 -o "conv1.weight" -- "$BIN" info "$CK"
for cmd in eval info; do
    expect "$cmd on a missing file: exit 1, names it" 1 "$WORK/missing.h5" "cannot open" -- \
        "$BIN" "$cmd" "$WORK/missing.h5"
done
printf 'this is not a checkpoint\n%.0s' {1..100} >"$WORK/notes.h5"
for cmd in eval info; do
    expect "$cmd on a text file: exit 1, says not HDF5" 1 "$WORK/notes.h5" "not an HDF5 file" -- \
        "$BIN" "$cmd" "$WORK/notes.h5"
done
expect "predict with a text file as checkpoint: exit 1" 1 "$WORK/notes.h5" "not an HDF5 file" -- \
    "$BIN" predict "$WORK/notes.h5" "$WORK/notes.h5"
: >"$WORK/empty.h5"
expect "eval on an empty file: exit 1" 1 "$WORK/empty.h5: not an HDF5 file" -- "$BIN" eval "$WORK/empty.h5"

cp "$CK" "$WORK/nofc2.h5" && "$HELPER" drop "$WORK/nofc2.h5" /model/fc2.bias
expect "predict, checkpoint without /model/fc2.bias: exit 1, names file and dataset" 1 \
    "$WORK/nofc2.h5" "/model/fc2.bias is missing" -- "$BIN" predict "$WORK/nofc2.h5" "$WORK/x.png"
expect "eval, checkpoint without /model/fc2.bias: exit 1, names file and dataset" 1 \
    "$WORK/nofc2.h5" "/model/fc2.bias is missing" -- "$BIN" eval "$WORK/nofc2.h5"
cp "$CK" "$WORK/nomodel.h5" && "$HELPER" drop "$WORK/nomodel.h5" /model
expect "predict, checkpoint without /model: exit 1" 1 "$WORK/nomodel.h5" "/model is missing" -- \
    "$BIN" predict "$WORK/nomodel.h5" "$WORK/x.png"
cp "$CK" "$WORK/conv5.h5" && "$HELPER" reshape "$WORK/conv5.h5" /model/conv1.weight 32 1 5 5
expect "predict, conv1.weight 32x1x5x5: exit 1, names dataset, both shapes" 1 "$WORK/conv5.h5" \
    "/model/conv1.weight has shape 32x1x5x5, expected 32x1x3x3" -- \
    "$BIN" predict "$WORK/conv5.h5" "$WORK/x.png"
cp "$CK" "$WORK/fc2t.h5" && "$HELPER" reshape "$WORK/fc2t.h5" /model/fc2.weight 128 10
expect "eval, fc2.weight transposed (128x10): exit 1" 1 "$WORK/fc2t.h5" \
    "/model/fc2.weight has shape 128x10, expected 10x128" -- "$BIN" eval "$WORK/fc2t.h5"
cp "$CK" "$WORK/nbt.h5" && "$HELPER" reshape "$WORK/nbt.h5" /model/bn1.num_batches_tracked 1
expect "predict, bn1.num_batches_tracked as float32[1]: exit 1, names it" 1 "$WORK/nbt.h5" \
    "/model/bn1.num_batches_tracked" -- "$BIN" predict "$WORK/nbt.h5" "$WORK/x.png"
for f in nofc2 conv5; do
    expect "info on $f.h5: exit 1, names the problem" 1 "mnist-cnn info: $WORK/$f.h5: /model/" -- \
        "$BIN" info "$WORK/$f.h5"
done
cp "$CK" "$WORK/extra.h5" && "$HELPER" reshape "$WORK/extra.h5" /model/fc3.weight 10 10
expect "predict, checkpoint with an extra /model/fc3.weight: exit 1" 1 "$WORK/extra.h5" "fc3.weight" -- \
    "$BIN" predict "$WORK/extra.h5" "$WORK/x.png"

# ---- predict: files that are not images ----
printf 'P5\n28 28\n255\n' >"$WORK/short.pgm"                    # header, no pixels
head -c 300 /dev/urandom >"$WORK/noise.png"
printf 'P5\n100000 100000\n255\n\x80' >"$WORK/huge.pgm"         # absurd size, one byte of data
printf 'P5\n0 0\n255\n' >"$WORK/zero.pgm"
printf 'P2\n2 2\n255\n0 255 300 1\n' >"$WORK/over.pgm"            # sample above maxval
mkdir "$WORK/folder.png"
while read -r f problem; do
    expect "predict on $f (not an image): exit 1, names it and the problem" 1 "$WORK/$f: $problem" \
        -- "$BIN" predict "$CK" "$WORK/$f"
done <<'EOF'
notes.h5 not a PNG, JPEG or PGM/PPM image
short.pgm truncated: 28x28 P5 needs 784 bytes of pixel data, file has 0
noise.png not a PNG, JPEG or PGM/PPM image
missing.png cannot open: No such file or directory
huge.pgm unsupported image size 100000x100000
zero.pgm unsupported image size 0x0
over.pgm sample 2 is 300, above maxval 255
folder.png not a regular file
EOF
{ printf 'P5\n28 28\n255\n'; head -c 784 /dev/zero | tr '\0' '\377'; } >"$WORK/blank.pgm"
expect "predict on a blank (all white) image: warns 'no ink found' naming it, no guess" 0 \
    "$WORK/blank.pgm: no ink found" -o "$WORK/blank.pgm: no digit (blank image)" -- \
    "$BIN" predict "$CK" "$WORK/blank.pgm"
expect "predict --json on a blank image: digit and probs null" 0 "no ink found" \
    -o '"digit": null, "probs": null' -- "$BIN" predict "$CK" "$WORK/blank.pgm" --json

# ---- a data folder of 20x20 images (made up: no real data needed) ----
mkdir "$WORK/d20"
{ printf '\x00\x00\x08\x03'; be32 100; be32 20; be32 20; head -c 40000 /dev/zero; } \
    >"$WORK/d20/t10k-images-idx3-ubyte"
{ printf '\x00\x00\x08\x01'; be32 100; head -c 100 /dev/zero; } >"$WORK/d20/t10k-labels-idx1-ubyte"
cp "$WORK/d20/t10k-images-idx3-ubyte" "$WORK/d20/train-images-idx3-ubyte"
cp "$WORK/d20/t10k-labels-idx1-ubyte" "$WORK/d20/train-labels-idx1-ubyte"
expect "train on 20x20 images: exit 1, says the model needs 28x28" 1 "20x20, the model needs 28x28" -- \
    "$BIN" train --data "$WORK/d20" --epochs 1 --threads 1 --out "$WORK/t.h5"
expect "eval on 20x20 images: exit 1, says the model needs 28x28" 1 "20x20, the model needs 28x28" -- \
    "$BIN" eval "$CK" --data "$WORK/d20" --threads 1

# ---- no data folder named anywhere: the message says how to give one ----
mkdir "$WORK/empty"
expect "train in a folder without data/mnist, no --data or MNIST_DATA: exit 1, names both" 1 \
    "data/mnist/train-images-idx3-ubyte: cannot open" "--data DIR" "MNIST_DATA" -- \
    env -u MNIST_DATA -C "$WORK/empty" "$(realpath "$BIN")" train --epochs 1 --out "$WORK/t.h5"
expect "eval in a folder without data/mnist, no --data or MNIST_DATA: exit 1, names both" 1 \
    "data/mnist/t10k-images-idx3-ubyte: cannot open" "--data DIR" "MNIST_DATA" -- \
    env -u MNIST_DATA -C "$WORK/empty" "$(realpath "$BIN")" eval "$CK"
expect "eval with MNIST_DATA naming no folder: exit 1, says so" 1 \
    "MNIST_DATA=$WORK/nowhere: no such folder" "--data DIR" -- \
    env MNIST_DATA="$WORK/nowhere" "$BIN" eval "$CK"
rmdir "$WORK/empty"

# ---- data folders: missing, truncated, wrong magic, wrong counts ----
if ! have_data; then
    for c in "train --data /nonexistent" "eval --data /nonexistent" "sanity: small data folder" \
             "missing label file" "truncated images (train)" "truncated images (eval)" \
             "truncated header" "wrong magic (gzip)" "float IDX" "labels file as images" \
             "header claims more images" "label/image count mismatch (train set)" \
             "label/image count mismatch (test set)" "label value 11" "extra bytes" \
             "failed trainings write no checkpoint" "predict --idx on labels" \
             "predict --idx out of range" "predict --idx on a missing file" \
             "predict: good image and bad file" "train --out under a file" \
             "train --out is a folder" "a failed save leaves no temporary file" \
             "train --out two missing folders"; do
        skip "$c"
    done
    finish
    exit
fi

expect "train --data /nonexistent: exit 1, names the file" 1 \
    "/nonexistent/train-images-idx3-ubyte: cannot open" -- \
    "$BIN" train --data /nonexistent --epochs 1 --out "$WORK/t.h5"
expect "eval --data /nonexistent: exit 1, names the test file" 1 \
    "/nonexistent/t10k-images-idx3-ubyte: cannot open" -- "$BIN" eval "$CK" --data /nonexistent

# Each broken folder: the first 200 training images (valid) and the test set broken one way.
# Every training run below would take under a second if the data were accepted.
SMALL=$WORK/small
small_data "$SMALL" 200 200
expect "sanity: the small data folder is accepted" 0 -o '"images": 200' -- \
    "$BIN" eval "$CK" --data "$SMALL" --json --threads 1
broken() { rm -rf "$WORK/bad"; cp -r "$SMALL" "$WORK/bad"; }

broken; rm "$WORK/bad/t10k-labels-idx1-ubyte"
expect "missing label file: train exit 1, names it" 1 "$WORK/bad/t10k-labels-idx1-ubyte: cannot open" -- \
    "$BIN" train --data "$WORK/bad" --epochs 1 --threads 1 --out "$WORK/t.h5"

broken; cp "$MNIST_DATA"/t10k-* "$WORK/bad/"
truncate -s 5000000 "$WORK/bad/t10k-images-idx3-ubyte"
expect "truncated images (train): exit 1, names file, claimed vs actual size" 1 \
    "$WORK/bad/t10k-images-idx3-ubyte: header claims 10000 items of 28x28 (7840000 bytes) but the file holds only 4999984 bytes" \
    -- "$BIN" train --data "$WORK/bad" --epochs 1 --threads 1 --out "$WORK/t.h5"
expect "truncated images (eval): exit 1, names file" 1 \
    "$WORK/bad/t10k-images-idx3-ubyte: header claims 10000 items" -- \
    "$BIN" eval "$CK" --data "$WORK/bad"

broken; head -c 10 "$SMALL/t10k-images-idx3-ubyte" >"$WORK/bad/t10k-images-idx3-ubyte"
expect "truncated header: exit 1" 1 "$WORK/bad/t10k-images-idx3-ubyte: truncated header" -- \
    "$BIN" eval "$CK" --data "$WORK/bad"

broken; { printf '\x1f\x8b\x08\x00'; tail -c +5 "$SMALL/t10k-images-idx3-ubyte"; } \
    >"$WORK/bad/t10k-images-idx3-ubyte"
expect "wrong magic (gzip): exit 1, says not IDX" 1 \
    "$WORK/bad/t10k-images-idx3-ubyte: not an IDX file (magic bytes 1f 8b 08 00" -- \
    "$BIN" train --data "$WORK/bad" --epochs 1 --threads 1 --out "$WORK/t.h5"

broken; { printf '\x00\x00\x0d\x03'; tail -c +5 "$SMALL/t10k-images-idx3-ubyte"; } \
    >"$WORK/bad/t10k-images-idx3-ubyte"
expect "float IDX (type 0x0d): exit 1, names the type" 1 \
    "$WORK/bad/t10k-images-idx3-ubyte: IDX data type 0x0d is not supported" -- \
    "$BIN" eval "$CK" --data "$WORK/bad"

broken; cp "$SMALL/t10k-labels-idx1-ubyte" "$WORK/bad/t10k-images-idx3-ubyte"
expect "labels file as images: exit 1, says 3-D needed" 1 \
    "$WORK/bad/t10k-images-idx3-ubyte: images must be 3-D" -- "$BIN" eval "$CK" --data "$WORK/bad"

broken; { printf '\x00\x00\x08\x03'; be32 400; tail -c +9 "$SMALL/t10k-images-idx3-ubyte"; } \
    >"$WORK/bad/t10k-images-idx3-ubyte"
expect "header claims more images than the file holds: exit 1" 1 \
    "$WORK/bad/t10k-images-idx3-ubyte: header claims 400 items of 28x28 (313600 bytes) but the file holds only 156800 bytes" \
    -- "$BIN" train --data "$WORK/bad" --epochs 1 --threads 1 --out "$WORK/t.h5"

broken; idx_head "$SMALL/train-labels-idx1-ubyte" 150 "$WORK/bad/train-labels-idx1-ubyte"
expect "label/image count mismatch (train set): exit 1, names both files and counts" 1 \
    "$WORK/bad/train-labels-idx1-ubyte holds 150 labels but $WORK/bad/train-images-idx3-ubyte holds 200 images" \
    -- "$BIN" train --data "$WORK/bad" --epochs 1 --threads 1 --out "$WORK/t.h5"
broken; idx_head "$SMALL/t10k-images-idx3-ubyte" 199 "$WORK/bad/t10k-images-idx3-ubyte"
expect "label/image count mismatch (test set): exit 1" 1 \
    "$WORK/bad/t10k-labels-idx1-ubyte holds 200 labels but $WORK/bad/t10k-images-idx3-ubyte holds 199 images" \
    -- "$BIN" eval "$CK" --data "$WORK/bad"

broken; printf '\x0b' | dd of="$WORK/bad/t10k-labels-idx1-ubyte" bs=1 seek=$((8 + 3)) conv=notrunc 2>/dev/null
expect "label value 11: exit 1, names file, index and value" 1 \
    "$WORK/bad/t10k-labels-idx1-ubyte: label 3 is 11" -- "$BIN" eval "$CK" --data "$WORK/bad"

broken; printf 'xyz' >>"$WORK/bad/t10k-images-idx3-ubyte"
expect "extra bytes after the data: exit 1" 1 "$WORK/bad/t10k-images-idx3-ubyte" "3 extra bytes" -- \
    "$BIN" eval "$CK" --data "$WORK/bad"
[ -e "$WORK/t.h5" ] && { not_ok "failed trainings write no checkpoint"; ls -l "$WORK" | diag; } \
    || ok "failed trainings write no checkpoint"

expect "predict --idx on a labels file: exit 1" 1 "$SMALL/t10k-labels-idx1-ubyte" \
    "not a file of 28x28 images" -- "$BIN" predict "$CK" --idx "$SMALL/t10k-labels-idx1-ubyte" --index 0
expect "predict --idx --index 200 of 200: exit 2, out of range" 2 \
    "--index 200 is out of range (file holds 200 images)" -- \
    "$BIN" predict "$CK" --idx "$SMALL/t10k-images-idx3-ubyte" --index 200
expect "predict --idx on a missing file: exit 1" 1 "$WORK/nothing-idx: cannot open" -- \
    "$BIN" predict "$CK" --idx "$WORK/nothing-idx" --index 0

# Unwritable --out: refused before training starts.
expect "train --out under a regular file: exit 1, names the path" 1 "$CK/x.h5" "is not a folder" -- \
    "$BIN" train --data "$SMALL" --epochs 1 --threads 1 --quiet --out "$CK/x.h5"
mkdir "$WORK/outdir"
expect "train --out is a folder: exit 1, names it" 1 "$WORK/outdir is a folder" -- \
    "$BIN" train --data "$SMALL" --epochs 1 --threads 1 --quiet --out "$WORK/outdir"
left=$(ls -A "$WORK" | grep -e '\.tmp-' -e '^outdir-training')
[ -z "$left" ] && ok "a failed save leaves no temporary file" \
    || { not_ok "a failed save leaves no temporary file"; echo "$left" | diag; }
expect "train --out in two missing folders: exit 1, names the folder" 1 \
    "cannot create folder $WORK/n1/n2" -- \
    "$BIN" train --data "$SMALL" --epochs 1 --threads 1 --quiet --out "$WORK/n1/n2/x.h5"

"$HELPER" export "$SMALL/t10k-images-idx3-ubyte" 0 "$WORK/seven.png"
expect "predict: good image and bad file: exit 1, good one still predicted" 1 "$WORK/noise.png" \
    -o "$WORK/seven.png: " -- "$BIN" predict "$CK" "$WORK/seven.png" "$WORK/noise.png"

finish
