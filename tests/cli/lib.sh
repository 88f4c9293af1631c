# Shared by the tests/cli/*.sh scripts (sourced, not run): tests/tap.sh, then checks of a
# command's exit code, stderr and stdout, and small data folders cut from the real files.
#
#   bash tests/cli/X.sh path/to/mnist-cnn path/to/cli_helper
#
# Cases that need the real MNIST files ($MNIST_DATA) are skipped when it is unset or incomplete.
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

BIN=${1:?usage: $0 MNIST_CNN CLI_HELPER}
HELPER=${2:?usage: $0 MNIST_CNN CLI_HELPER}

# The real interpreter: a python3 found on PATH may be a slow wrapper script (pyenv shims).
PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PYTHON=python3
python3() { "$PYTHON" "$@"; }

# run CMD... : runs it with stdout/stderr in $WORK/out, $WORK/err; exit status in $rc.
run() {
    "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
}

# expect NAME CODE [-o STDOUT_TEXT] [STDERR_TEXT...] -- CMD...
# One case: CMD must exit with CODE, its stderr must contain every STDERR_TEXT (fixed strings) and
# its stdout every STDOUT_TEXT given with -o.
expect() {
    local name=$1 code=$2 why="" p
    shift 2
    local errpats=() outpats=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        if [ "$1" = "-o" ]; then outpats+=("$2"); shift 2; else errpats+=("$1"); shift; fi
    done
    shift
    run "$@"
    [ "$rc" -eq "$code" ] || why="exit status $rc, expected $code"
    for p in ${errpats[@]+"${errpats[@]}"}; do
        grep -qF -- "$p" "$WORK/err" || why="${why:+$why
}stderr lacks: $p"
    done
    for p in ${outpats[@]+"${outpats[@]}"}; do
        grep -qF -- "$p" "$WORK/out" || why="${why:+$why
}stdout lacks: $p"
    done
    if [ -n "$why" ]; then
        why="$why
command: $*
stderr: $(head -c 2000 "$WORK/err")
stdout: $(head -c 500 "$WORK/out")"
    fi
    verdict "$name" "$why"
}

# be32 N: N as 4 big-endian bytes (for IDX headers).
be32() {
    printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))"
    printf "\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"
}

# idx_head SRC N DST: the first N items of IDX file SRC (3-D 28x28 images or 1-D labels) as a
# valid IDX file DST with its count rewritten.
idx_head() {
    local src=$1 n=$2 dst=$3 ndim item
    ndim=$(od -An -tu1 -j3 -N1 "$src" | tr -d ' ')
    if [ "$ndim" = 3 ]; then item=784; else item=1; fi
    {
        printf '\x00\x00\x08'
        printf "\\x0$ndim"
        be32 "$n"
        if [ "$ndim" = 3 ]; then be32 28; be32 28; fi
        tail -c +$((5 + 4 * ndim)) "$src" | head -c $((n * item))
    } >"$dst"
}

# small_data DIR NTRAIN NTEST: a valid data folder with the first images of the real files.
small_data() {
    mkdir -p "$1"
    idx_head "$MNIST_DATA/train-images-idx3-ubyte" "$2" "$1/train-images-idx3-ubyte"
    idx_head "$MNIST_DATA/train-labels-idx1-ubyte" "$2" "$1/train-labels-idx1-ubyte"
    idx_head "$MNIST_DATA/t10k-images-idx3-ubyte" "$3" "$1/t10k-images-idx3-ubyte"
    idx_head "$MNIST_DATA/t10k-labels-idx1-ubyte" "$3" "$1/t10k-labels-idx1-ubyte"
}

# json_get FILE EXPR: evaluate a Python expression on the JSON object j read from FILE.
json_get() {
    python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
