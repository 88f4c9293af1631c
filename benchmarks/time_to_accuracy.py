#!/usr/bin/env python3
"""Time to accuracy: wall-clock seconds of training until the test accuracy first reaches 99.0 %
and 99.5 % (MLPerf Training's measure), median over seeds, for mnist-cnn's recipes and, for the
99.0 % target, the same quick recipe in PyTorch (Debian's python3-torch), side by side in one run.

What is timed: training plus the evaluations needed to know (after every epoch: the test set,
and the validation set where the recipe holds one out), never loading the data. Ours: the sum of
`seconds` and `eval_seconds` of `mnist-cnn train --json` up to the epoch that reaches the target
(a run is stopped once it has reached both). PyTorch: the same model, batch 64, AdamW (weight
decay 0.02), OneCycleLR to 8e-3 over 2 epochs with 10 % warm-up and no momentum cycling (our
one-cycle), the random affine augmentation (F.affine_grid + F.grid_sample, batched, as
compare_pytorch.py), dropout 0.5, inputs (x - 0.5) / 0.5, all 60,000 training images; timed by
time.perf_counter around its epochs and test evaluations.

  benchmarks/time_to_accuracy.sh [--seeds N] [--threads N] [--recipes quick,default]
                                 [--no-torch] [--json] [--build DIR] [--data DIR]
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from compare_pytorch import cli_in, data_dir, find_build, random_affine, read_idx, torch_net  # noqa: E402

TARGETS = (0.990, 0.995)
BATCH = 64


def ours(binary, recipe, seed, threads, data, workdir):
    """Seconds to each target (None: not reached) of one run, and its epochs' figures."""
    out = os.path.join(workdir, f"{recipe}-{seed}.h5")
    cmd = [binary, "train", "--recipe", recipe, "--seed", str(seed), "--threads", str(threads),
           "--data", data, "--json", "--out", out, "--force", "--checkpoint-every", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    reached = {t: None for t in TARGETS}
    elapsed, epochs = 0.0, []
    for line in proc.stdout:
        e = json.loads(line)
        elapsed += e["seconds"] + (e["eval_seconds"] or 0.0)
        epochs.append((e["epoch"], e["test_accuracy"], round(elapsed, 2)))
        for t in TARGETS:
            if reached[t] is None and e["test_accuracy"] >= t - 1e-9:
                reached[t] = elapsed
        if all(v is not None for v in reached.values()):
            proc.terminate()
            break
    proc.wait()
    return reached, epochs


def torch_run(seed, threads, data, epochs=2, peak=8e-3):
    """The quick recipe in PyTorch: seconds to each target, and its epochs' figures."""
    import numpy as np
    import torch
    import torch.nn as nn

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x_tr = torch.from_numpy(read_idx(os.path.join(data, "train-images-idx3-ubyte")).copy())
    y_tr = torch.from_numpy(read_idx(os.path.join(data, "train-labels-idx1-ubyte")).astype(np.int64))
    x_te = torch.from_numpy(read_idx(os.path.join(data, "t10k-images-idx3-ubyte")).copy())
    y_te = torch.from_numpy(read_idx(os.path.join(data, "t10k-labels-idx1-ubyte")).astype(np.int64))
    x_te = ((x_te.unsqueeze(1).float() / 255.0) - 0.5) / 0.5

    model = torch_net()
    steps_per_epoch = math.ceil(x_tr.shape[0] / BATCH)
    opt = torch.optim.AdamW(model.parameters(), lr=peak, weight_decay=0.02)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=peak, total_steps=epochs * steps_per_epoch,
                                                pct_start=0.1, anneal_strategy="cos",
                                                cycle_momentum=False)
    loss_fn = nn.CrossEntropyLoss()
    reached = {t: None for t in TARGETS}
    elapsed, rows = 0.0, []
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(x_tr.shape[0], generator=gen)
        for i in range(steps_per_epoch):
            idx = perm[i * BATCH:(i + 1) * BATCH]
            x = random_affine(x_tr[idx].unsqueeze(1).float().div_(255.0), gen)
            x = (x - 0.5) / 0.5
            opt.zero_grad()
            loss_fn(model(x), y_tr[idx]).backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(x_te[i:i + 1000]).argmax(1) == y_te[i:i + 1000]).sum())
                          for i in range(0, x_te.shape[0], 1000))
        elapsed += time.perf_counter() - t0
        acc = correct / x_te.shape[0]
        rows.append((epoch, acc, round(elapsed, 2)))
        for t in TARGETS:
            if reached[t] is None and acc >= t - 1e-9:
                reached[t] = elapsed
    return reached, rows


def median_or_none(values):
    got = [v for v in values if v is not None]
    # a target missed by a seed makes the median "not reached" when the misses are the majority
    return statistics.median(got) if len(got) * 2 > len(values) else None


def fmt(v):
    return "not reached" if v is None else f"{v:.1f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3, help="seeds 1..N (3)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--recipes", default="quick,default")
    ap.add_argument("--no-torch", dest="torch", action="store_false")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--build")
    ap.add_argument("--data")
    ap.add_argument("--child-torch", type=int, help=argparse.SUPPRESS)   # a seed
    args = ap.parse_args()
    data = data_dir(args.data)
    if args.child_torch is not None:
        reached, rows = torch_run(args.child_torch, args.threads, data)
        print(json.dumps({"reached": {str(k): v for k, v in reached.items()}, "epochs": rows}))
        return 0
    build = find_build(args.build)
    if not build:
        print("time_to_accuracy: no build with mnist-cnn (ninja -C build, or --build DIR)", file=sys.stderr)
        return 1
    binary = cli_in(build)
    seeds = list(range(1, args.seeds + 1))
    result = {"threads": args.threads, "seeds": seeds, "ours": {}, "torch": None}
    with tempfile.TemporaryDirectory() as work:
        for recipe in args.recipes.split(","):
            runs = [ours(binary, recipe, s, args.threads, data, work) for s in seeds]
            result["ours"][recipe] = {
                "runs": [{"reached": {str(k): v for k, v in r.items()}, "epochs": e} for r, e in runs],
                "median": {str(t): median_or_none([r[t] for r, _ in runs]) for t in TARGETS},
            }
    if args.torch:
        try:
            import torch  # noqa: F401
        except ImportError as e:
            result["torch"] = f"PyTorch unavailable: {e}"
        else:
            runs = []
            for s in seeds:
                out = subprocess.run([sys.executable, __file__, "--child-torch", str(s), "--threads",
                                      str(args.threads), "--data", data],
                                     capture_output=True, text=True, check=True).stdout
                runs.append(json.loads(out))
            result["torch"] = {
                "version": __import__("torch").__version__,
                "runs": runs,
                "median": {str(t): median_or_none([r["reached"][str(t)] for r in runs]) for t in TARGETS},
            }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"time to accuracy, {args.threads} threads, median of seeds {seeds}; data {data}")
    for recipe, r in result["ours"].items():
        per_seed = "; ".join(", ".join(fmt(x["reached"][str(t)]) for t in TARGETS) for x in r["runs"])
        print(f"  mnist-cnn --recipe {recipe:8s} 99.0 %: {fmt(r['median'][str(TARGETS[0])]):>12s}"
              f"   99.5 %: {fmt(r['median'][str(TARGETS[1])]):>12s}   (per seed: {per_seed})")
    t = result["torch"]
    if isinstance(t, dict):
        per_seed = "; ".join(fmt(x["reached"][str(TARGETS[0])]) for x in t["runs"])
        print(f"  PyTorch {t['version']} quick recipe 99.0 %: {fmt(t['median'][str(TARGETS[0])]):>12s}"
              f"   (per seed: {per_seed})")
        a, b = result["ours"].get("quick", {}).get("median", {}).get(str(TARGETS[0])), t["median"][str(TARGETS[0])]
        if a and b:
            print(f"  to 99.0 %: mnist-cnn takes {b / a:.1f}x less time than PyTorch")
    elif t:
        print(f"  {t}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
