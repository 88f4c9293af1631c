#!/bin/bash
# Side-by-side training throughput, single-image latency and peak memory: PyTorch (Debian's
# python3-torch) against mnist-cnn. Arguments go to compare_pytorch.py (--threads N, --batches N,
# --no-augment, --json, --build DIR, --data DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 benchmarks/compare_pytorch.py "$@"
