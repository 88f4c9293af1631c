#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then every test with meson, twice: the release build (build/), then a
# clang build with AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer (build-san/: the
# whole suite but the 'slow' kill tests and the 'e2e' end-to-end runs, whose C paths the other
# suites drive under the sanitizers too; plus a short run of every fuzz target). The bad-input
# suites ('inputs') run in the sanitizer build only: the same messages, and out-of-bounds reads
# caught too. Then a count of test *cases* over both.
#
#   scripts/test.sh [meson test args...]      e.g. scripts/test.sh --suite io
#   SANITIZERS=0 scripts/test.sh              the release build only (a quicker local run)
#
# Each test binary speaks TAP (tests/check.h): its "ok" / "not ok" lines are its cases. A test with no
# TAP lines is one case. The last line is "N passed, N failed" (", N skipped" when some were skipped);
# the exit status is non-zero if any case failed or meson test failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/setup.sh

export MNIST_DATA=$ROOT/data/mnist
# The bad-input suites ('inputs') run once, in the sanitizer build; without it, here.
INPUTS=inputs
[ "${SANITIZERS:-1}" = 0 ] && INPUTS=none
LOG=build/meson-logs/testlog.json
SAN_LOG=build-san/meson-logs/testlog.json
rm -f "$LOG" "$SAN_LOG"        # never count a previous run's results
rc=0
meson test -C build --num-processes 2 --print-errorlogs --no-suite "$INPUTS" "$@" </dev/null ||
    rc=$?

san_rc=0
if [ "${SANITIZERS:-1}" != 0 ]; then
    echo "== the same suite under AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz targets (clang) =="
    if [ ! -f build-san/meson-private/coredata.dat ]; then
        CC=clang CXX=clang++ meson setup build-san -Db_sanitize=address,undefined -Db_lundef=false \
            -Dfuzz=enabled -Dbenchmarks=disabled -Dbuildtype=debugoptimized \
            -Dc_args=-fno-sanitize-recover=all >build-san-setup.log 2>&1 ||
            { cat build-san-setup.log >&2; echo "test.sh: meson setup build-san failed" >&2; san_rc=1; }
        rm -f build-san-setup.log
    fi
    # leaks in libraries we do not own (fontconfig under PLplot, OpenMP's pool) are suppressed
    export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    if [ $san_rc = 0 ]; then
        meson test -C build-san --num-processes 2 --print-errorlogs --no-suite slow --no-suite e2e "$@" </dev/null ||
            san_rc=$?
    fi
fi

python3 - "$rc" "$LOG" "$san_rc" "$SAN_LOG" <<'EOF'
import json, os, re, sys

passed = failed = skipped = 0
notes = []
tests = []
meson_rc = 0
for i in range(1, len(sys.argv), 2):
    rc, log = int(sys.argv[i]), sys.argv[i + 1]
    label = "" if log.startswith("build/") else "sanitizers: "
    if rc != 0 and meson_rc == 0:
        meson_rc = rc
    if os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.strip():
                    t = json.loads(line)
                    t["name"] = label + t.get("name", "?")
                    tests.append(t)

for t in tests:
    name, result = t.get("name", "?"), t.get("result", "?")
    ok_results = ("OK", "EXPECTEDFAIL")    # EXPECTEDFAIL: a should_fail test that failed, as asked
    p = f = s = 0
    for line in (t.get("stdout") or "").splitlines():
        if line.startswith("ok "):
            if re.search(r"#\s*skip", line, re.I):
                s += 1
            else:
                p += 1
        elif line.startswith("not ok "):
            f += 1
            notes.append(f"{name}: {line}")
    if p + f + s == 0:                     # no TAP lines: the test is one case
        if result in ok_results:
            p = 1
        elif result == "SKIP":
            s = 1
        else:
            f = 1
            notes.append(f"{name}: {result}")
    elif f == 0 and result not in ok_results and result != "SKIP":
        f = 1                              # all its cases passed, then it crashed / timed out
        notes.append(f"{name}: {result} after {p} passing case(s)")
    passed, failed, skipped = passed + p, failed + f, skipped + s

if meson_rc != 0 and failed == 0:
    failed = 1
    notes.append(f"meson test exited {meson_rc}" + ("" if tests else " before running any test"))

if notes:
    print("\nFailed:")
    for n in notes:
        print("  " + n)
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
EOF
