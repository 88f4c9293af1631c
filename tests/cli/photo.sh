#!/usr/bin/env bash
# predict on photos: JPEGs (Exif-turned), the clean-up (phone-like pictures of real test digits
# made by tests/photo/photo_gen are read with it and not without it), --show's pictures, and the
# errors around them. A model trained for 1 epoch on 3000 images reads them (~92 % on MNIST).
#
#   bash tests/cli/photo.sh MNIST_CNN CLI_HELPER PHOTO_GEN
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
GEN=${3:?usage: $0 MNIST_CNN CLI_HELPER PHOTO_GEN}
SEEDS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz/corpus/image" && pwd)   # small JPEGs in git
N=20          # digits per kind
MIN_RIGHT=16  # of N, with the clean-up
MIN_GAIN=6    # how many more the clean-up must get right on phone pictures than --no-clean

# png_size FILE: "WIDTH HEIGHT" from the PNG header, or nothing when it is not a PNG.
png_size() {
    python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read(24)
if b[:8] == b"\x89PNG\r\n\x1a\n": print(*struct.unpack(">II", b[16:24]))' "$1"
}

# right FILE: how many JSON lines of predict's output name the digit in their file name
# (.../00017-7.jpg holds a 7).
right() {
    python3 -c '
import json, os, sys
n = 0
for line in open(sys.argv[1]):
    j = json.loads(line)
    n += j["digit"] == int(os.path.basename(j["file"]).split("-")[1].split(".")[0])
print(n)' "$1"
}

# ---- without data: an untrained model is enough to read files and write pictures ----
CK0=$WORK/untrained.h5
"$HELPER" mkckpt "$CK0" 1 >/dev/null

expect "predict reads a JPEG (Exif Orientation 6): exit 0, a digit" 0 -o "exif-rot6.jpg: " -- \
    "$BIN" predict "$CK0" "$SEEDS/exif-rot6.jpg"

head -c 300 "$SEEDS/gray.jpg" >"$WORK/cut.jpg"
expect "predict on a truncated JPEG: exit 1, names it, says truncated" 1 \
    "$WORK/cut.jpg: corrupt or truncated JPEG: Premature end of JPEG file" -- \
    "$BIN" predict "$CK0" "$WORK/cut.jpg"

# --show: the picture (40x30 stored, shown upright 30x40: 210x280), what the clean-up kept (the
# same), the input magnified 10x (280), 8 px between
why=""
run "$BIN" predict "$CK0" "$SEEDS/exif-rot6.jpg" "$SEEDS/gray.jpg" --show "$WORK/seen/"   # "/": no "//"
[ "$rc" -eq 0 ] || why="exit status $rc: $(cat "$WORK/err")"
for f in exif-rot6 gray; do
    grep -qxF "  wrote $WORK/seen/$f-seen.png" "$WORK/out" || why="$why
stdout lacks 'wrote $WORK/seen/$f-seen.png': $(cat "$WORK/out")"
done
size=$(png_size "$WORK/seen/exif-rot6-seen.png" 2>&1)
[ "$size" = "$((210 + 8 + 210 + 8 + 280)) 280" ] || why="$why
exif-rot6-seen.png is '$size', expected '716 280' (upright picture, clean-up, input)"
size=$(png_size "$WORK/seen/gray-seen.png" 2>&1)
[ "$size" = "$((280 + 8 + 280 + 8 + 280)) 280" ] || why="$why
gray-seen.png is '$size', expected '856 280'"
verdict "predict --show DIR: writes DIR/NAME-seen.png per image (picture turned upright, clean-up, input), says so" "$why"

run "$BIN" predict "$CK0" "$SEEDS/gray.jpg" --show "$WORK/seen2" --no-clean --json
why=""
[ "$rc" -eq 0 ] || why="exit status $rc: $(cat "$WORK/err")"
grep -qF "\"seen\": \"$WORK/seen2/gray-seen.png\"}" "$WORK/out" || why="$why
JSON lacks \"seen\": $(cat "$WORK/out")"
size=$(png_size "$WORK/seen2/gray-seen.png" 2>&1)
[ "$size" = "$((280 + 8 + 280)) 280" ] || why="$why
with --no-clean, gray-seen.png is '$size', expected '568 280' (picture, input)"
verdict "predict --show --no-clean --json: \"seen\" in the JSON, two panels" "$why"

mkdir -p "$WORK/a" "$WORK/b"
cp "$SEEDS/gray.jpg" "$WORK/a/x.jpg"
cp "$SEEDS/gray.jpg" "$WORK/b/x.png"
run "$BIN" predict "$CK0" "$WORK/a/x.jpg" "$WORK/b/x.png" --show "$WORK/seen3"
why=""
[ -s "$WORK/seen3/x-seen.png" ] && [ -s "$WORK/seen3/x-2-seen.png" ] ||
    why="expected x-seen.png and x-2-seen.png, got: $(ls "$WORK/seen3" 2>&1)"
verdict "predict --show: two images with the same name get two pictures" "$why"

touch "$WORK/afile"
expect "predict --show onto a file: exit 1, says it needs a folder" 1 "$WORK/afile: --show needs a folder" -- \
    "$BIN" predict "$CK0" "$SEEDS/gray.jpg" --show "$WORK/afile"
expect "predict --show with --idx only: exit 2" 2 "--show draws image files" -- \
    "$BIN" predict "$CK0" --idx "$WORK/whatever" --index 0 --show "$WORK/seen4"

# ---- with data: phone-like pictures of real test digits ----
if ! have_data; then
    for c in "phone pictures" "Exif-turned pictures" "gradient+grain pictures" "sheet-on-a-desk pictures"; do skip "$c"; done
    finish
    exit
fi
CK=$WORK/a.h5
run "$BIN" train --limit 3000 --epochs 1 --no-augment --threads 2 --quiet --out "$CK"
[ "$rc" -eq 0 ] || { not_ok "train a small model: $(head -c 2000 "$WORK/err")"; finish; exit; }
"$GEN" "$MNIST_DATA" "$WORK/pics" "$N" >/dev/null || { not_ok "photo_gen"; finish; exit; }

# phone: gradient, grain and dust, colour cast, JPEG 70-90, Exif Orientation 1/3/6/8
"$BIN" predict "$CK" --json "$WORK/pics/phone"/* >"$WORK/with.json" 2>"$WORK/err"
"$BIN" predict "$CK" --json --no-clean "$WORK/pics/phone"/* >"$WORK/without.json" 2>>"$WORK/err"
with=$(right "$WORK/with.json") without=$(right "$WORK/without.json")
echo "# phone pictures: $with of $N right with the clean-up, $without without"
why=""
[ "$with" -ge "$MIN_RIGHT" ] || why="only $with of $N right (at least $MIN_RIGHT expected)"
[ "$with" -ge $((without + MIN_GAIN)) ] || why="$why
the clean-up gains only $((with - without)) (at least $MIN_GAIN expected)"
verdict "phone pictures (JPEG, Exif-turned, gradient, grain, colour cast): >= $MIN_RIGHT of $N read, $MIN_GAIN more than --no-clean" "$why"

# desk: a phone picture of a sheet on a desk, the desk around it (engine/photo_clean.h, step 1b)
for kind in exif grad-grain desk; do
    "$BIN" predict "$CK" --json "$WORK/pics/$kind"/* >"$WORK/k.json" 2>"$WORK/err"
    n=$(right "$WORK/k.json")
    echo "# $kind: $n of $N right"
    why=""
    [ "$n" -ge "$MIN_RIGHT" ] || why="only $n of $N right: $(head -c 1000 "$WORK/err")"
    verdict "$kind pictures: >= $MIN_RIGHT of $N read" "$why"
done
finish
