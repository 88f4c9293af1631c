#!/bin/bash
# Time to 99.0 % and 99.5 % test accuracy, mnist-cnn against PyTorch: see time_to_accuracy.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 benchmarks/time_to_accuracy.py "$@"
