#!/usr/bin/env python3
"""How well the drawing window reads digits of each kind (size, pen, slant).

    python3 tests/gui/measure_kinds.py build/mnist-cnn MODEL.h5 [--input-stroke 0,2.5]
        [--per-digit 5] [--seed 1] [--kinds large,medium,...] [--out DIR] [--json] [--verbose]

Makes stroke files (gui/replay.h) from a few hand-designed templates per digit: each template is
one or more strokes of control points in a unit box, with corners marked; a drawing jitters the
points, picks an aspect ratio, a size, a place on the 280x280 canvas and (slanted) a shear, and
follows smooth curves between the corners with a point every ~3 canvas pixels, as a mouse gives.
Every kind gets the same digits and templates, so kinds differ only in what the kind says.

Each kind is replayed as one stroke file (drawings separated by 'clear') through
`mnist-cnn draw MODEL --replay FILE --print` on a virtual screen (xvfb-run), once per value of
--input-stroke (the stroke width of the network's input; 0 gives the canvas itself, as the window
did before it drew the strokes again), and a drawing counts as read when the prediction after its
last stroke is its digit. Prints a table of accuracy and mean probability given to the right digit
per kind (and the misreads with --verbose); --out keeps the stroke files, one per drawing too.
The figures in docs/drawing.md ("What the network is given") come from this script, with --input-stroke 0,2.5 and
with 1.5,2,2.5,3,3.5,4.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

# Templates: strokes of control points (x, y) in a unit box (y down). A point written as
# (x, y, 1) is a corner: the smooth curve stops there and a new one starts.
T = {
    0: [
        [[(0.55, 0.0), (0.2, 0.12), (0.03, 0.5), (0.2, 0.9), (0.5, 1.0), (0.82, 0.88), (0.97, 0.5),
          (0.82, 0.1), (0.55, 0.0), (0.42, 0.04)]],
        [[(0.65, 0.02), (0.3, 0.1), (0.08, 0.45), (0.2, 0.9), (0.5, 1.0), (0.85, 0.75), (0.92, 0.3),
          (0.72, 0.02), (0.5, 0.03)]],
        [[(0.5, 0.0), (0.8, 0.15), (0.95, 0.55), (0.75, 0.95), (0.45, 1.0), (0.12, 0.8),
          (0.05, 0.4), (0.25, 0.06), (0.55, 0.02)]],
    ],
    1: [
        [[(0.55, 0.0), (0.5, 0.5), (0.45, 1.0)]],
        [[(0.22, 0.22), (0.4, 0.1), (0.58, 0.0, 1), (0.54, 0.5), (0.5, 1.0)]],
        [[(0.62, 0.0), (0.5, 0.5), (0.4, 1.0)]],
    ],
    2: [
        [[(0.1, 0.25), (0.3, 0.03), (0.6, 0.0), (0.85, 0.15), (0.85, 0.4), (0.55, 0.7),
          (0.08, 1.0, 1), (0.5, 0.97), (0.95, 0.98)]],
        [[(0.08, 0.2), (0.4, 0.0), (0.8, 0.08), (0.82, 0.4), (0.45, 0.75), (0.1, 0.95),
          (0.25, 0.82), (0.35, 0.95), (0.65, 1.0), (0.95, 0.96)]],
        [[(0.05, 0.3), (0.25, 0.05), (0.6, 0.0), (0.9, 0.2), (0.8, 0.5), (0.4, 0.8),
          (0.05, 1.0, 1), (0.95, 1.0)]],
    ],
    3: [
        [[(0.1, 0.15), (0.45, 0.0), (0.85, 0.15), (0.8, 0.38), (0.4, 0.48, 1), (0.85, 0.62),
          (0.9, 0.85), (0.5, 1.0), (0.1, 0.88)]],
        [[(0.1, 0.0), (0.9, 0.0, 1), (0.45, 0.4, 1), (0.85, 0.58), (0.88, 0.85), (0.5, 1.0),
          (0.08, 0.9)]],
        [[(0.15, 0.1), (0.5, 0.0), (0.82, 0.12), (0.7, 0.4), (0.45, 0.5, 1), (0.75, 0.55),
          (0.92, 0.78), (0.7, 0.97), (0.3, 0.98), (0.05, 0.8)]],
    ],
    4: [
        [[(0.55, 0.0), (0.05, 0.65, 1), (0.95, 0.65)], [(0.7, 0.3), (0.68, 1.0)]],
        [[(0.15, 0.0), (0.1, 0.55, 1), (0.9, 0.55)], [(0.75, 0.0), (0.72, 1.0)]],
        [[(0.7, 1.0), (0.7, 0.0, 1), (0.05, 0.65, 1), (0.95, 0.65)]],
    ],
    5: [
        [[(0.2, 0.0), (0.15, 0.45, 1), (0.5, 0.38), (0.85, 0.55), (0.85, 0.85), (0.5, 1.0),
          (0.1, 0.9)], [(0.2, 0.0), (0.9, 0.0)]],
        [[(0.9, 0.0), (0.25, 0.0, 1), (0.2, 0.45, 1), (0.6, 0.4), (0.9, 0.65), (0.7, 0.95),
          (0.3, 1.0), (0.05, 0.85)]],
        [[(0.25, 0.02), (0.2, 0.5, 1), (0.55, 0.42), (0.9, 0.62), (0.8, 0.92), (0.4, 1.0),
          (0.1, 0.92)], [(0.25, 0.0), (0.95, 0.05)]],
    ],
    6: [
        [[(0.75, 0.0), (0.35, 0.25), (0.1, 0.65), (0.25, 0.95), (0.6, 1.0), (0.85, 0.8),
          (0.7, 0.55), (0.35, 0.55), (0.15, 0.7)]],
        [[(0.6, 0.0), (0.25, 0.4), (0.15, 0.75), (0.4, 1.0), (0.8, 0.85), (0.75, 0.6), (0.4, 0.55),
          (0.2, 0.75)]],
        [[(0.85, 0.05), (0.45, 0.1), (0.15, 0.45), (0.1, 0.8), (0.45, 1.0), (0.9, 0.85),
          (0.8, 0.55), (0.45, 0.5), (0.12, 0.65)]],
    ],
    7: [
        [[(0.05, 0.05), (0.95, 0.02, 1), (0.5, 0.6), (0.35, 1.0)]],
        [[(0.05, 0.05), (0.95, 0.02, 1), (0.5, 0.6), (0.35, 1.0)], [(0.3, 0.5), (0.8, 0.5)]],
        [[(0.05, 0.2), (0.08, 0.02, 1), (0.9, 0.02, 1), (0.45, 1.0)]],
    ],
    8: [
        [[(0.8, 0.12), (0.5, 0.0), (0.18, 0.15), (0.25, 0.38), (0.5, 0.5), (0.8, 0.65),
          (0.85, 0.88), (0.5, 1.0), (0.15, 0.88), (0.2, 0.65), (0.5, 0.5), (0.78, 0.35),
          (0.82, 0.15), (0.55, 0.0)]],
        [[(0.5, 0.5), (0.15, 0.28), (0.5, 0.0), (0.85, 0.25), (0.5, 0.5)],
         [(0.5, 0.5), (0.1, 0.75), (0.5, 1.0), (0.9, 0.75), (0.5, 0.5)]],
        [[(0.2, 0.1), (0.5, 0.0), (0.8, 0.1), (0.7, 0.35), (0.3, 0.6), (0.15, 0.85), (0.5, 1.0),
          (0.85, 0.85), (0.7, 0.6), (0.3, 0.35), (0.2, 0.1)]],
    ],
    9: [
        [[(0.85, 0.15), (0.5, 0.0), (0.15, 0.2), (0.25, 0.45), (0.6, 0.45), (0.85, 0.2, 1),
          (0.82, 0.6), (0.75, 1.0)]],
        [[(0.8, 0.1), (0.45, 0.0), (0.15, 0.2), (0.3, 0.45), (0.8, 0.35)],
         [(0.85, 0.05), (0.8, 1.0)]],
        [[(0.85, 0.15), (0.5, 0.0), (0.12, 0.18), (0.22, 0.45), (0.6, 0.45), (0.85, 0.2, 1),
          (0.8, 0.7), (0.6, 0.95), (0.3, 1.0)]],
    ],
}

# kind: (height range in canvas pixels, pen width or None for the default, shear in degrees)
KINDS = {
    "large": ((190, 240), None, 0),
    "medium": ((110, 150), None, 0),
    "small": ((60, 80), None, 0),
    "tiny": ((30, 40), None, 0),
    "thin-pen": ((110, 200), 8, 0),
    "thick-pen": ((110, 200), 30, 0),
    "slanted": ((110, 190), None, 20),
}
CANVAS = 280
STEP = 3.0   # canvas pixels between recorded points, about what a mouse gives


def catmull_rom(pts, step):
    """Points every ~step along a Catmull-Rom curve through pts (scaled units)."""
    if len(pts) == 1:
        return [pts[0]]
    ext = [pts[0]] + pts + [pts[-1]]
    out = [pts[0]]
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1], ext[i], ext[i + 1], ext[i + 2]
        n = max(1, int(math.dist(p1, p2) / step + 0.5))
        for k in range(1, n + 1):
            t = k / n
            t2, t3 = t * t, t * t * t
            out.append(tuple(0.5 * (2 * p1[j] + (-p0[j] + p2[j]) * t
                                    + (2 * p0[j] - 5 * p1[j] + 4 * p2[j] - p3[j]) * t2
                                    + (-p0[j] + 3 * p1[j] - 3 * p2[j] + p3[j]) * t3)
                            for j in range(2)))
    return out


def drawing(digit, template, kind, rng):
    """One drawing: a list of strokes, each a list of (x, y) canvas points."""
    (hlo, hhi), _, shear = KINDS[kind]
    h = rng.uniform(hlo, hhi)
    w = h * rng.uniform(0.6, 0.8)
    sh = math.tan(math.radians(shear + (rng.uniform(-3, 3) if shear else 0)))
    placed = []
    for stroke in T[digit][template]:
        pts = []
        for p in stroke:
            x = (p[0] + rng.uniform(-0.03, 0.03)) * w
            y = (p[1] + rng.uniform(-0.03, 0.03)) * h
            x += (h / 2 - y) * sh   # the top leans right
            pts.append((x, y, len(p) > 2))
        placed.append(pts)
    xs = [p[0] for s in placed for p in s]
    ys = [p[1] for s in placed for p in s]
    margin = 14
    ox = rng.uniform(margin - min(xs), max(margin - min(xs), CANVAS - margin - max(xs)))
    oy = rng.uniform(margin - min(ys), max(margin - min(ys), CANVAS - margin - max(ys)))
    strokes = []
    for s in placed:
        pieces, cur = [], [(s[0][0] + ox, s[0][1] + oy)]
        for x, y, corner in s[1:]:
            cur.append((x + ox, y + oy))
            if corner:
                pieces.append(cur)
                cur = [(x + ox, y + oy)]
        pieces.append(cur)
        line = []
        for piece in pieces:
            seg = catmull_rom(piece, STEP)
            line.extend(seg if not line else seg[1:])
        strokes.append([(min(max(x, 0.0), CANVAS - 0.01), min(max(y, 0.0), CANVAS - 0.01))
                        for x, y in line])
    return strokes


def stroke_text(strokes):
    return "\n".join(" ".join(f"{x:.1f},{y:.1f}" for x, y in s) for s in strokes) + "\n"


def replay(a, kind, combined, items, stroke_width):
    """Replays one kind's file; returns {"right", "n", "wrong", "p"}."""
    pen = KINDS[kind][1]
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24 -nolisten tcp", a.bin, "draw",
           a.model, "--replay", combined, "--print"] + (["--pen", str(pen)] if pen else [])
    if stroke_width is not None:
        cmd += ["--input-stroke", stroke_width]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode:
        sys.exit(f"{' '.join(cmd)}: exit {run.returncode}\n{run.stderr}")
    lines = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
    by_stroke = {l["stroke"]: l for l in lines}
    n_stroke, right, wrong, p_true = 0, 0, [], 0.0
    for d, name, strokes in items:
        n_stroke += len(strokes)
        got = by_stroke[n_stroke]["digit"]
        p_true += by_stroke[n_stroke]["probs"][d] if got is not None else 0.0
        if got == d:
            right += 1
        else:
            wrong.append((name, got))
    return {"right": right, "n": len(items), "wrong": wrong, "p": p_true / len(items)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bin")
    ap.add_argument("model")
    ap.add_argument("--input-stroke", help="draw's --input-stroke values to compare, e.g. 0,2.5 "
                    "(0: the canvas itself, as before the strokes were drawn again); default: "
                    "draw's own")
    ap.add_argument("--per-digit", type=int, default=5, help="drawings per digit and kind")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--out", help="keep the stroke files here")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    ap.add_argument("--verbose", action="store_true", help="list the misreads")
    a = ap.parse_args()
    kinds = a.kinds.split(",")
    for k in kinds:
        if k not in KINDS:
            sys.exit(f"unknown kind {k}; kinds: {', '.join(KINDS)}")
    widths = a.input_stroke.split(",") if a.input_stroke else [None]
    tmp = tempfile.TemporaryDirectory()
    out = a.out or tmp.name
    results = {w: {} for w in widths}
    for kind in kinds:
        rng = random.Random(f"{a.seed}/{kind}")
        items = []   # (digit, name, strokes)
        for i in range(a.per_digit):
            for d in range(10):
                tpl = i % len(T[d])
                items.append((d, f"{kind}-digit-{d}-{i}", drawing(d, tpl, kind, rng)))
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        combined = os.path.join(out, kind + ".txt")
        with open(combined, "w") as f:
            f.write(f"# measure_kinds.py: {len(items)} drawings of kind {kind}, seed {a.seed}\n")
            for d, name, strokes in items:
                text = stroke_text(strokes)
                with open(os.path.join(out, kind, name + ".txt"), "w") as g:
                    g.write(f"# a {d}, kind {kind} (measure_kinds.py, seed {a.seed})\n" + text)
                f.write(f"# {name}\n" + text + "clear\n")
        for w in widths:
            results[w][kind] = replay(a, kind, combined, items, w)
    if a.json:
        print(json.dumps({w or "default": {
            k: {"accuracy": r["right"] / r["n"], "n": r["n"], "p_true": r["p"],
                "misread": {n: g for n, g in r["wrong"]}} for k, r in res.items()}
            for w, res in results.items()}))
        return
    print("accuracy (mean probability of the right digit) per kind and --input-stroke")
    print(f"{'kind':<10}" + "".join(f"{w or 'default':>17}" for w in widths))
    def cell(res):   # one kind's result, or several summed
        n = sum(r["n"] for r in res)
        right, p = sum(r["right"] for r in res), sum(r["p"] * r["n"] for r in res) / n
        return f"{f'{100 * right / n:.1f}% ({p:.3f})':>17}"
    for k in kinds:
        print(f"{k:<10}" + "".join(cell([results[w][k]]) for w in widths))
    print(f"{'all':<10}" + "".join(cell(list(results[w].values())) for w in widths))
    if a.verbose:
        for w in widths:
            wrong = [f"{n} as {g}" for k in kinds for n, g in results[w][k]["wrong"]]
            print(f"misread with --input-stroke {w or 'default'}: " + (", ".join(wrong) or "none"))


if __name__ == "__main__":
    main()
