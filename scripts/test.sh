#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then every test with meson, then a count of test *cases*.
#
#   scripts/test.sh [meson test args...]      e.g. scripts/test.sh --suite io
#
# Each test binary speaks TAP (tests/check.h): its "ok" / "not ok" lines are its cases. A test with no
# TAP lines is one case. The last line is "N passed, N failed" (", N skipped" when some were skipped);
# the exit status is non-zero if any case failed or meson test failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/setup.sh

export MNIST_DATA=$ROOT/data/mnist
# Two tests run at once on two cores, each with OpenMP threads: sleeping rather than spinning at
# barriers keeps oversubscribed threads from starving each other (4x slower runs otherwise).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
LOG=build/meson-logs/testlog.json
rm -f "$LOG"                   # never count a previous run's results
rc=0
meson test -C build --num-processes 2 --print-errorlogs "$@" </dev/null || rc=$?

python3 - "$LOG" "$rc" <<'EOF'
import json, os, re, sys

log, meson_rc = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
notes = []
tests = []
if os.path.exists(log):
    with open(log, encoding="utf-8", errors="replace") as f:
        tests = [json.loads(line) for line in f if line.strip()]

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
