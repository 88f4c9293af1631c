#!/usr/bin/env bash
# The main job: set-up + build (scripts/setup.sh), then train the CNN on the real MNIST data,
# writing the model to runs/model.h5 (a run after it to runs/model-2.h5, ...: a finished model is
# never replaced). Extra arguments go to `mnist-cnn train`.
#
#   scripts/run.sh [train args...]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/setup.sh
[ -x build/mnist-cnn ] || { echo "run.sh: build/mnist-cnn was not built (see meson.build / cli/)" >&2; exit 1; }
exec build/mnist-cnn train --data data/mnist "$@"
