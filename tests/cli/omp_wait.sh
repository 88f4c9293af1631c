# How OpenMP's threads wait (cli/omp_wait.c): with none of OMP_WAIT_POLICY, GOMP_SPINCOUNT (GCC's
# libgomp) or KMP_BLOCKTIME (LLVM's libomp) set, train and eval get a bounded spin; a variable the
# user set wins; other commands keep the runtime's own default. Read from the runtime itself:
# OMP_DISPLAY_ENV=verbose makes it print its settings when it starts (libgomp before main, so a
# program that runs itself again prints twice: the last block is the one that counts; libomp at
# the first OpenMP call, so its cases train a few steps on the real data and skip without it).
# Not a timing test (benchmarks/busy_machine.sh measures the speed). Prints TAP.
#
#   bash tests/cli/omp_wait.sh path/to/mnist-cnn path/to/cli_helper
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HEADER=$(dirname "${BASH_SOURCE[0]}")/../../cli/omp_wait.h
SPIN=$(sed -n 's/^#define OMP_WAIT_SPINCOUNT "\(.*\)"$/\1/p' "$HEADER")
BLOCK=$(sed -n 's/^#define OMP_WAIT_BLOCKTIME "\(.*\)"$/\1/p' "$HEADER")

# settings VAR=VALUE... -- ARGS...: the runtime's last printed spin setting, as
# "GOMP_SPINCOUNT=N" or "KMP_BLOCKTIME=N", or "none" when it printed none; the pid the program
# saw in $WORK/pids. The caller's own OpenMP variables are removed first.
settings() {
    local vars=()
    while [ "$1" != "--" ]; do vars+=("$1"); shift; done
    shift
    env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u KMP_BLOCKTIME OMP_DISPLAY_ENV=verbose \
        ${vars[@]+"${vars[@]}"} "$BIN" "$@" >"$WORK/out" 2>&1
    sed -n "s/^ *GOMP_SPINCOUNT = '\([0-9]*\)'.*/GOMP_SPINCOUNT=\1/p;
            s/^ *\[host\] KMP_BLOCKTIME='\([0-9a-z]*\)'.*/KMP_BLOCKTIME=\1/p" "$WORK/out" |
        tail -n 1 | grep . || echo none
}

# case NAME EXPECTED VAR=VALUE... -- ARGS...
case_is() {
    local name=$1 want=$2 got
    shift 2
    got=$(settings "$@")
    if [ "$got" = "$want" ]; then ok "$name"
    else not_ok "$name"; printf 'got %s, expected %s\n%s\n' "$got" "$want" "$(head -c 1500 "$WORK/out")" | diag
    fi
}

runtime=$(settings -- info --help)   # libgomp prints before main; libomp prints nothing here
if [ "$runtime" != none ]; then
    # GCC's libgomp: its default is 300000; train and eval run again with theirs
    case_is "libgomp: train with nothing set spins $SPIN" "GOMP_SPINCOUNT=$SPIN" -- train --help
    case_is "libgomp: eval with nothing set spins $SPIN" "GOMP_SPINCOUNT=$SPIN" -- eval --help
    case_is "libgomp: the user's GOMP_SPINCOUNT wins" "GOMP_SPINCOUNT=300000" \
        GOMP_SPINCOUNT=300000 -- train --help
    case_is "libgomp: the user's OMP_WAIT_POLICY=passive wins" "GOMP_SPINCOUNT=0" \
        OMP_WAIT_POLICY=passive -- train --help
    case_is "libgomp: the user's OMP_WAIT_POLICY=active wins" "GOMP_SPINCOUNT=30000000000" \
        OMP_WAIT_POLICY=active -- train --help
    case_is "libgomp: commands that run no long parallel work are not run again" \
        "GOMP_SPINCOUNT=300000" -- info --help
    # one block printed by the first image, one by the second; the usage text once
    env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_DISPLAY_ENV=true "$BIN" train --help \
        >"$WORK/out" 2>&1
    n=$(grep -c "OPENMP DISPLAY ENVIRONMENT BEGIN" "$WORK/out")
    u=$(grep -c "^Usage: mnist-cnn train" "$WORK/out")
    verdict "libgomp: train runs itself again exactly once" \
        "$([ "$n" = 2 ] || echo "$n display blocks, expected 2")$([ "$u" = 1 ] || echo "usage printed $u times")"
else
    skip "libgomp cases" "the OpenMP runtime is not GCC's libgomp"
fi

# Any runtime: a few steps of training, after which the runtime has started and printed.
if have_data; then
    small_data "$WORK/small" 64 16
    tr=(train --data "$WORK/small" --epochs 1 --val 0 --quiet --checkpoint-every 0
        --out "$WORK/m.h5" --force)
    if [ "$runtime" != none ]; then
        want="GOMP_SPINCOUNT=$SPIN" user="GOMP_SPINCOUNT=7"
        user_var=GOMP_SPINCOUNT
    else
        want="KMP_BLOCKTIME=$BLOCK" user="KMP_BLOCKTIME=7"
        user_var=KMP_BLOCKTIME
    fi
    case_is "training with nothing set: $want" "$want" -- "${tr[@]}"
    case_is "training with $user_var set: the user's" "$user" "$user" -- "${tr[@]}"
    got=$(settings OMP_WAIT_POLICY=passive -- "${tr[@]}")
    verdict "training with OMP_WAIT_POLICY=passive: no spin" \
        "$(case $got in *=0) ;; *) echo "got $got"; head -c 1500 "$WORK/out";; esac)"
else
    skip "training cases" "no data"
fi
finish
