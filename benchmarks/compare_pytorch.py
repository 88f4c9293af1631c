#!/usr/bin/env python3
"""Side by side: the same CNN trained with PyTorch on the CPU and with our engine, in one run.

Both sides train the model of this project (conv1 1->32 3x3 pad 1 -> BN -> ReLU -> maxpool 2 ->
conv2 32->64 -> BN -> ReLU -> maxpool 2 -> fc1 3136->128 -> ReLU -> dropout 0.5 -> fc2 10,
cross-entropy, Adam lr 1e-3) on real MNIST training images read from the IDX files in data/mnist
(or $MNIST_DATA), batch 64, inputs (x/255 - 0.5)/0.5, the same thread count, with the random affine
augmentation (15 degrees, translate 0.1, scale 0.8-1.2) unless --no-augment.

Each side runs as its own child process, one after the other, so their peak resident memory
(ru_maxrss from os.wait4 on that child) is separate:
  * PyTorch: this script with --child-torch. Trains --warmup + --batches batches, timing only the
    last --batches; then the single-image latency: model.eval() forward of one 1x1x28x28 tensor
    under torch.no_grad(), median of --latency-calls calls.
  * ours: `<build>/mnist-cnn train --limit batches * 64 --epochs 2 --test-limit 1 --threads N
    --json`; samples_per_s from its JSON for the second epoch (the first is its warm-up, as
    PyTorch's warm-up batches are not timed either; the epoch's time covers building the batches
    with augmentation and every step, not the test or the checkpoint after it); then
    `mnist-cnn-bench --benchmark_filter=^infer/<isa>` for the single-image latency (median of
    per-call times, the median_us counter).

Augmentation on the PyTorch side is done per batch with F.affine_grid + F.grid_sample (bilinear,
zero fill, on x/255 before normalising) rather than torchvision's per-image PIL RandomAffine in a
DataLoader: torchvision is usually not installed next to Debian's python3-torch, and the batched
form is the faster of the two, so the comparison does not flatter us.

Exits 0 with "PyTorch unavailable: ..." when `import torch` fails.
"""

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BATCH = 64


def data_dir(arg):
    if arg:
        return arg
    env = os.environ.get("MNIST_DATA")
    if env:
        return env
    for d in ("data/mnist", os.path.join(ROOT, "data", "mnist")):
        if os.path.exists(os.path.join(d, "train-images-idx3-ubyte")):
            return d
    return os.path.join(ROOT, "data", "mnist")


def read_idx(path):
    import numpy as np
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    off = 4 + 4 * ndim
    return np.frombuffer(raw, dtype=np.uint8, count=math.prod(dims), offset=off).reshape(dims)


# ---------------------------------------------------------------------------------------------
# PyTorch child
# ---------------------------------------------------------------------------------------------

def torch_net():
    """The model of this project in PyTorch (torch imported by the caller's child process)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(32)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.bn2 = nn.BatchNorm2d(64)
            self.fc1 = nn.Linear(64 * 7 * 7, 128)
            self.dropout = nn.Dropout(0.5)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
            x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
            x = torch.flatten(x, 1)
            x = self.dropout(F.relu(self.fc1(x)))
            return self.fc2(x)

    return Net()


def random_affine(x01, gen):
    """RandomAffine(15, translate=(0.1, 0.1), scale=(0.8, 1.2)) per sample, on (B,1,28,28) in
    0..1, bilinear, fill 0, drawn from generator gen. affine_grid's theta maps output to input
    coordinates in [-1, 1], so it is the inverse of the image transform."""
    import torch
    import torch.nn.functional as F
    b = x01.shape[0]
    ang = (torch.rand(b, generator=gen) * 30 - 15) * (math.pi / 180)
    scale = torch.rand(b, generator=gen) * 0.4 + 0.8
    max_t = 0.1 * 28
    tx = torch.round(torch.rand(b, generator=gen) * 2 * max_t - max_t) * (2 / 28)
    ty = torch.round(torch.rand(b, generator=gen) * 2 * max_t - max_t) * (2 / 28)
    c, s = torch.cos(ang) / scale, torch.sin(ang) / scale
    theta = torch.stack([torch.stack([c, s, -(c * tx + s * ty)], 1),
                         torch.stack([-s, c, -(-s * tx + c * ty)], 1)], 1)
    grid = F.affine_grid(theta, list(x01.shape), align_corners=False)
    return F.grid_sample(x01, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def torch_child(args):
    import numpy as np
    import torch
    import torch.nn as nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images = read_idx(os.path.join(args.data, "train-images-idx3-ubyte"))
    labels = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte"))
    x_all = torch.from_numpy(images.copy())          # uint8 (N, 28, 28): stays uint8 in memory
    y_all = torch.from_numpy(labels.astype(np.int64))

    model = torch_net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)

    total = args.warmup + args.batches
    perm = torch.randperm(x_all.shape[0], generator=gen)
    model.train()
    t_start = None
    for i in range(total):
        if i == args.warmup:
            t_start = time.perf_counter()
        idx = perm[(i * BATCH) % (x_all.shape[0] - BATCH):][:BATCH]
        x = x_all[idx].unsqueeze(1).float().div_(255.0)
        if args.augment:
            x = random_affine(x, gen)
        x = (x - 0.5) / 0.5
        y = y_all[idx]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    train_s = time.perf_counter() - t_start

    model.eval()
    one = ((x_all[:1].unsqueeze(1).float() / 255.0) - 0.5) / 0.5
    times = []
    with torch.no_grad():
        for _ in range(20):
            model(one)
        for _ in range(args.latency_calls):
            t0 = time.perf_counter()
            model(one)
            times.append(time.perf_counter() - t0)
    times.sort()
    out = {
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "samples_per_s": args.batches * BATCH / train_s,
        "train_seconds": train_s,
        "final_loss": float(loss),
        "latency_median_ms": 1e3 * times[len(times) // 2],
        "latency_p90_ms": 1e3 * times[len(times) * 9 // 10],
        "augment": "F.affine_grid + F.grid_sample (batched)" if args.augment else "off",
    }
    print(json.dumps(out))
    return 0


# ---------------------------------------------------------------------------------------------
# Parent: runs both children
# ---------------------------------------------------------------------------------------------

def vm_hwm_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def run_child(cmd, env=None, mark=None):
    """Run cmd as a child; returns (rc, stdout, stderr, peak RSS in MB, wall seconds, mark_mb).
    Peak RSS is the child's VmHWM, sampled every few ms from /proc (it only grows, so the last
    sample is the peak to within the last few ms). Not ru_maxrss: Linux carries the RSS a child
    had at fork over exec, so a child of this Python process (hundreds of MB once numpy/torch are
    loaded) would report at least the parent's size. With mark (a prefix), mark_mb is VmHWM when
    the first stdout line starting with mark arrives (for mnist-cnn train: the first epoch's JSON
    line, printed after training and the checkpoint, before the training graphs are drawn)."""
    import threading
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
        hwm = [None]
        marked = [None]
        done = threading.Event()

        def sample():
            while not done.is_set():
                v = vm_hwm_mb(p.pid)
                if v is not None:
                    hwm[0] = v
                time.sleep(0.003)

        sampler = threading.Thread(target=sample, daemon=True)
        if sampler:
            sampler.start()
        lines = []
        for raw in p.stdout:
            line = raw.decode(errors="replace")
            if mark and marked[0] is None and line.startswith(mark):
                marked[0] = vm_hwm_mb(p.pid) or hwm[0]
            lines.append(line)
        _, status, ru = os.wait4(p.pid, 0)
        done.set()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        p.stdout.close()
        err.seek(0)
        sampler.join()
        # fall back to ru_maxrss (kilobytes on Linux; see above) if /proc gave nothing
        rss = hwm[0] if hwm[0] is not None else ru.ru_maxrss / 1024.0
        return (p.returncode, "".join(lines), err.read().decode(errors="replace"),
                rss, wall, marked[0])


def cli_in(build):
    """The mnist-cnn executable of a build folder (build/mnist-cnn, or cli/ in older trees)."""
    for rel in ("mnist-cnn", os.path.join("cli", "mnist-cnn")):
        p = os.path.join(build, rel)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def find_build(arg):
    cands = [arg] if arg else [os.environ.get("MNIST_BUILD"), "build", os.path.join(ROOT, "build"),
                               "build-bench", os.path.join(ROOT, "build-bench")]
    for b in cands:
        if b and cli_in(b):
            return b
    return None


def load_average():
    try:
        return os.getloadavg()
    except OSError:
        return (float("nan"),) * 3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="threads for both sides (default: all cores, %(default)s here)")
    ap.add_argument("--batches", type=int, default=300, help="timed training batches (300)")
    ap.add_argument("--warmup", type=int, default=20, help="warm-up batches before timing (20)")
    ap.add_argument("--latency-calls", type=int, default=1000,
                    help="single-image calls for the latency median (1000)")
    ap.add_argument("--no-augment", dest="augment", action="store_false",
                    help="no random affine augmentation (default: on)")
    ap.add_argument("--data", help="folder with the MNIST IDX files (default $MNIST_DATA or "
                                   "data/mnist)")
    ap.add_argument("--build", help="meson build folder with mnist-cnn and "
                                    "benchmarks/mnist-cnn-bench (default: build, else build-bench)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    ap.add_argument("--child-torch", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.data = data_dir(args.data)

    if args.child_torch:
        return torch_child(args)

    # PyTorch first: say so clearly when it is missing.
    try:
        import torch  # noqa: F401
        import numpy  # noqa: F401
    except Exception as e:  # ImportError, or a broken install
        print(f"PyTorch unavailable: {type(e).__name__}: {e} "
              f"(interpreter {sys.executable}; on Debian: apt-get install python3-torch). "
              "Nothing compared.")
        return 0

    for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        if not os.path.exists(os.path.join(args.data, f)):
            print(f"compare_pytorch: {args.data}/{f} missing (run scripts/setup.sh)", file=sys.stderr)
            return 1
    build = find_build(args.build)
    if not build:
        print("compare_pytorch: no mnist-cnn in build/ or build-bench/ (build first, or "
              "--build DIR)", file=sys.stderr)
        return 1

    load_before = load_average()
    res = {"threads": args.threads, "batch": BATCH, "augment": args.augment,
           "batches": args.batches, "warmup": args.warmup, "data": args.data,
           "load_average_before": load_before}

    # --- PyTorch ---
    cmd = [sys.executable, os.path.abspath(__file__), "--child-torch", "--threads",
           str(args.threads), "--batches", str(args.batches), "--warmup", str(args.warmup),
           "--latency-calls", str(args.latency_calls), "--data", args.data]
    if not args.augment:
        cmd.append("--no-augment")
    rc, out, err, rss, wall, _ = run_child(cmd)
    if rc != 0:
        print(f"compare_pytorch: PyTorch child failed ({rc}):\n{err}", file=sys.stderr)
        return 1
    pt = json.loads(out.strip().splitlines()[-1])
    pt["peak_rss_mb"] = rss
    pt["wall_s"] = wall
    res["pytorch"] = pt

    # --- ours: training ---
    tmp = tempfile.mkdtemp(prefix="mnist-compare-")
    try:
        env = dict(os.environ, MNIST_DATA=args.data)
        n = args.batches * BATCH
        cmd = [cli_in(build), "train", "--data", args.data,
               "--limit", str(n), "--epochs", "2", "--test-limit", "1",
               # PyTorch's side: Adam at a constant 1e-3, no held-out images
               "--schedule", "constant", "--lr", "1e-3", "--val", "0",
               "--threads", str(args.threads), "--json", "--out", os.path.join(tmp, "m.h5")]
        if not args.augment:
            cmd.append("--no-augment")
        rc, out, err, rss, wall, train_rss = run_child(cmd, env, mark='{')
        if rc != 0:
            print(f"compare_pytorch: {' '.join(cmd)} failed ({rc}):\n{err}", file=sys.stderr)
            return 1
        ep = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
        ours = {"samples_per_s": ep["samples_per_s"], "train_seconds": ep["seconds"],
                "final_loss": ep["train_loss"], "images": n, "peak_rss_mb": rss,
                "peak_rss_before_graphs_mb": train_rss, "wall_s": wall,
                "command": " ".join(cmd)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # --- ours: single-image latency (the first build folder whose bench binary has infer/) ---
    isa = os.environ.get("MNIST_CNN_ISA")
    if not isa:
        rc, out, _, _, _, _ = run_child([cli_in(build), "--version"])
        isa = next((w for w in ("avx512", "avx2", "scalar") if w in out), "")
    flt = f"^infer/{isa}/" if isa else "^infer/"
    for bdir in [build] + [b for b in ("build", "build-bench") if b != build]:
        bench = os.path.join(bdir, "benchmarks", "mnist-cnn-bench")
        if not os.access(bench, os.X_OK):
            continue
        rc, out, err, _, _, _ = run_child([bench, f"--benchmark_filter={flt}",
                                        "--benchmark_format=json"], env)
        try:
            b = json.loads(out)["benchmarks"][0]
            ours["latency_median_ms"] = b["median_us"] / 1e3
            ours["latency_p90_ms"] = b["p90_us"] / 1e3
            ours["latency_source"] = f"{bench} --benchmark_filter='{flt}'"
            ours["isa"] = b["name"].split("/")[1]
            break
        except (ValueError, KeyError, IndexError):
            continue
    res["ours"] = ours
    res["load_average_after"] = load_average()
    res["ratio_train"] = ours["samples_per_s"] / pt["samples_per_s"]
    if "latency_median_ms" in ours:
        res["ratio_latency"] = pt["latency_median_ms"] / ours["latency_median_ms"]
    res["ratio_rss"] = pt["peak_rss_mb"] / ours["peak_rss_mb"]

    if args.json:
        print(json.dumps(res, indent=2))
        return 0

    def fmt(v, spec):
        return format(v, spec) if isinstance(v, (int, float)) else "n/a"

    print(f"MNIST CNN, batch {BATCH}, {args.threads} threads, augmentation "
          f"{'on' if args.augment else 'off'}, {args.batches} timed batches after {args.warmup} "
          f"warm-up, data {args.data}; {platform.processor() or platform.machine()}")
    print(f"load average before {load_before[0]:.2f}, after {res['load_average_after'][0]:.2f}")
    print()
    print(f"| {'':28} | {'training samples/s':>18} | {'1-image latency (median)':>24} | "
          f"{'peak RSS':>9} |")
    print(f"|{'-' * 30}|{'-' * 20}|{'-' * 26}|{'-' * 11}|")
    print(f"| {'PyTorch ' + pt['torch_version']:28} | {fmt(pt['samples_per_s'], '18.0f')} | "
          f"{fmt(pt['latency_median_ms'], '21.3f')} ms | {fmt(pt['peak_rss_mb'], '6.0f')} MB |")
    name = "mnist-cnn" + (f" ({ours['isa']})" if "isa" in ours else "")
    lat = ours.get("latency_median_ms")
    print(f"| {name:28} | {fmt(ours['samples_per_s'], '18.0f')} | "
          f"{(fmt(lat, '21.3f') + ' ms') if lat is not None else 'n/a':>24} | "
          f"{fmt(ours['peak_rss_mb'], '6.0f')} MB |")
    print()
    line = f"ratio ours/pytorch: training {res['ratio_train']:.2f}x"
    if "ratio_latency" in res:
        line += f", latency {res['ratio_latency']:.2f}x faster"
    line += f", peak RSS {1 / res['ratio_rss']:.2f} of PyTorch's"
    print(line)
    if ours.get("peak_rss_before_graphs_mb"):
        print(f"mnist-cnn peak RSS up to the end of training + checkpoint (VmHWM, before the "
              f"training graphs are drawn): {ours['peak_rss_before_graphs_mb']:.0f} MB")
    print("(PyTorch augmentation: " + pt["augment"] + "; ours: mnist-cnn train, the second of two "
          "epochs of the timed batches; latency: ours via mnist-cnn-bench (infer_run, all cores), "
          f"PyTorch {pt['threads']} threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
