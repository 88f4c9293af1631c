# What every bash test shares (sourced, not run): TAP output, a scratch folder $WORK removed on
# exit, an environment that does not leak in from the caller, and whether the real MNIST files
# are there ($MNIST_DATA; the cases that need them are skipped otherwise).
set -u

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mnist-test.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
# Never pick up a forced kernel path or thread count from the caller's environment by accident.
# meson runs two tests at once on two cores: mnist-cnn's own default wait (cli/omp_wait.c) keeps
# its OpenMP threads from spinning long while the other test needs the core.
unset MNIST_CNN_ISA OMP_NUM_THREADS MNIST_CNN_NO_SHM

tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $1"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP ${2:-no data}"; }
diag() { sed 's/^/# /'; }
# Report a case: pass when $2 (the reasons it failed) is empty.
verdict() {
    if [ -z "$2" ]; then
        ok "$1"
    else
        not_ok "$1"
        printf '%s\n' "$2" | diag
    fi
}
# The plan line, and the exit status: non-zero if any case failed.
finish() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}

have_data() {
    [ -n "${MNIST_DATA:-}" ] || return 1
    local f
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
             t10k-labels-idx1-ubyte; do
        [ -s "$MNIST_DATA/$f" ] || return 1
    done
}
