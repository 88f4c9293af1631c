#!/usr/bin/env bash
# A long fuzzing run: every libFuzzer target (tests/fuzz) for SECONDS each (default 600), in the
# clang build with ASan and UBSan that scripts/test.sh makes (build-san/, set up here if missing).
# New inputs collect in build-san/tests/fuzz/work/<target>/corpus and carry over to the next run;
# a crashing input is kept there as crash-* and named in the report.
#
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ ! -f build-san/meson-private/coredata.dat ]; then
    CC=clang CXX=clang++ meson setup build-san -Db_sanitize=address,undefined -Db_lundef=false \
        -Dfuzz=enabled -Dbenchmarks=disabled -Dbuildtype=debugoptimized \
        -Dc_args=-fno-sanitize-recover=all
fi
export FUZZ_SECONDS=${1:-600}
export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
exec meson test -C build-san --suite fuzz --timeout-multiplier 0 --print-errorlogs
