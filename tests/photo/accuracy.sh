#!/usr/bin/env bash
# How well `mnist-cnn predict` reads photos: pictures of real test digits from photo_gen (one
# folder per kind: clean, gradient, shadow, grain, colour, jpeg, exif, combinations, and a sheet on
# a desk), predicted with and without the clean-up (--no-clean), and optionally by another build
# (e.g. main's) for a "before" column. Prints a Markdown table of the share read right, per kind.
#
#   tests/photo/accuracy.sh MODEL.h5 [COUNT]        (default 200 digits per kind)
#
# Environment: MNIST_DATA (default data/mnist), BUILD (default build), BEFORE=path/to/mnist-cnn
# (adds its column; files it cannot read count as wrong), KEEP=DIR (write the pictures there and
# keep them; default a temporary folder, removed at the end).
set -euo pipefail

MODEL=${1:?usage: $0 MODEL.h5 [COUNT]}
COUNT=${2:-200}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DATA=${MNIST_DATA:-$ROOT/data/mnist}
BIN=$BUILD/mnist-cnn
GEN=$BUILD/tests/photo/photo_gen

if [ -n "${KEEP:-}" ]; then
    OUT=$KEEP
    mkdir -p "$OUT"
else
    OUT=$(mktemp -d "${TMPDIR:-/tmp}/photo-accuracy.XXXXXX")
    trap 'rm -rf "$OUT"' EXIT
fi
kinds=$("$GEN" "$DATA" "$OUT" "$COUNT")   # prints the kinds' folder names, in order

# score BIN [OPTIONS]: "right/total" for the files of $kind (labels are in the file names).
score() {
    local bin=$1
    shift
    # Files a binary cannot read print an error on stderr and nothing on stdout: they count as
    # wrong. The exit status is then 1, which is expected here.
    "$bin" predict "$MODEL" --json "$@" "$OUT/$kind"/* 2>/dev/null | python3 -c '
import json, os, sys
right = 0
for line in sys.stdin:
    j = json.loads(line)
    label = int(os.path.basename(j["file"]).split("-")[1].split(".")[0])
    right += j["digit"] == label
print(right)' || true
}

total() { find "$OUT/$kind" -type f | wc -l; }
pct() { awk -v r="$1" -v n="$2" 'BEGIN { printf "%.1f %%", 100 * r / n }'; }

if [ -n "${BEFORE:-}" ]; then
    echo "| kind | before | JPEG read, no clean-up (--no-clean) | after |"
    echo "|---|---|---|---|"
else
    echo "| kind | no clean-up (--no-clean) | after |"
    echo "|---|---|---|"
fi
for kind in $kinds; do
    n=$(total)
    row="| $kind"
    [ -n "${BEFORE:-}" ] && row="$row | $(pct "$(score "$BEFORE")" "$n")"
    row="$row | $(pct "$(score "$BIN" --no-clean)" "$n") | $(pct "$(score "$BIN")" "$n") |"
    echo "$row"
done
