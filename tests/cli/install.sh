#!/usr/bin/env bash
# The README's install command (`meson configure build --prefix P && meson install -C build`) with
# a scratch prefix, then the installed tool on its own: exactly the binary,
# the man page and the bash completion are installed; the binary runs and reads a digit from an
# exported test image (needs $MNIST_DATA, skipped otherwise); the man page renders with `man -l`
# with its sections and every option each --help lists; the completion offers the commands, the
# options and the right files.
#
#   bash tests/cli/install.sh MNIST_CNN CLI_HELPER BUILD_DIR MESON VERSION
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage="usage: $0 MNIST_CNN CLI_HELPER BUILD_DIR MESON VERSION"
BUILD=${3:?$usage}
MESON=${4:?$usage}
version=${5:?$usage}
HELPER=$(realpath "$HELPER")

# ---- install, the way the README says: on the build/ made already, a prefix, then install ----
# (the build's own prefix is put back afterwards, whatever happens)
PREFIX=$WORK/prefix
DEST=
OLD_PREFIX=$("$MESON" introspect --buildoptions "$BUILD" |
             python3 -c 'import json, sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
restore_prefix() { "$MESON" configure "$BUILD" --prefix "$OLD_PREFIX" >/dev/null 2>&1; rm -rf "$WORK"; }
trap restore_prefix EXIT
if ! { "$MESON" configure "$BUILD" --prefix "$PREFIX" && "$MESON" install -C "$BUILD"; } \
        >"$WORK/install.log" 2>&1; then
    not_ok "meson configure build --prefix P && meson install -C build"
    diag <"$WORK/install.log"
    echo "Bail out! meson install failed"
    exit 1
fi
ok "meson configure build --prefix P && meson install -C build"
( cd "$PREFIX" && find . ! -type d | sort ) >"$WORK/installed"
want="./bin/mnist-cnn
./share/bash-completion/completions/mnist-cnn
./share/man/man1/mnist-cnn.1"
why=""
[ -x "$PREFIX/bin/mnist-cnn" ] || why="no bin/mnist-cnn installed"
[ "$(cat "$WORK/installed")" = "$want" ] || why="${why:+$why
}installed files differ from the expected three:
$(diff <(echo "$want") "$WORK/installed")"
verdict "installs bin/mnist-cnn, share/man/man1/mnist-cnn.1, share/bash-completion/completions/mnist-cnn, nothing else" "$why"
BIN_I=$DEST$PREFIX/bin/mnist-cnn
MAN_I=$DEST$PREFIX/share/man/man1/mnist-cnn.1
COMP_I=$DEST$PREFIX/share/bash-completion/completions/mnist-cnn
[ -x "$BIN_I" ] || { echo "Bail out! no installed binary"; exit 1; }

# ---- the installed binary, away from the source and build trees ----
SRC=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")
BUILD_ABS=$(realpath "$BUILD")
if command -v readelf >/dev/null; then
    paths=$(readelf -d "$BIN_I" | grep -E 'R(UN)?PATH' || true)
    case $paths in
        *"$BUILD_ABS"* | *"$SRC"*) not_ok "the installed binary's RUNPATH leaves out the build and source trees"
                                    echo "$paths" | diag ;;
        *) ok "the installed binary's RUNPATH leaves out the build and source trees" ;;
    esac
else
    skip "the installed binary's RUNPATH leaves out the build and source trees" "no readelf"
fi
mkdir "$WORK/home"
cd "$WORK/home" || exit 1
expect "installed mnist-cnn --version: $version" 0 -o "mnist-cnn $version (kernels: " -- \
    env -u MNIST_DATA "$BIN_I" --version
expect "installed train with no data anywhere: exit 1, names --data DIR and MNIST_DATA" 1 \
    "--data DIR" "MNIST_DATA" -- env -u MNIST_DATA "$BIN_I" train --epochs 1 --out "$WORK/none.h5"
if have_data; then
    # a model in a few seconds: 256 images, one epoch, one thread
    expect "installed train --limit 256 --epochs 1" 0 -- "$BIN_I" train --data "$MNIST_DATA" \
        --limit 256 --epochs 1 --test-limit 100 --threads 1 --quiet --out "$WORK/home/m.h5"
    "$HELPER" export "$MNIST_DATA/t10k-images-idx3-ubyte" 0 "$WORK/home/digit.png" ||
        { echo "Bail out! cli_helper export failed"; exit 1; }
    expect "installed predict on an exported test image: exit 0, one digit" 0 \
        -o '"file": "digit.png", "digit": ' -- "$BIN_I" predict m.h5 digit.png --json
else
    skip "installed train --limit 256 --epochs 1"
    skip "installed predict on an exported test image: exit 0, one digit"
fi
cd "$WORK" || exit 1

# ---- the man page ----
if command -v man >/dev/null; then
    # -l: this file, not the system's pages; no pager, no formatting codes, a fixed width
    LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat MAN_KEEP_FORMATTING= \
        man --warnings -l "$MAN_I" >"$WORK/man.txt" 2>"$WORK/man.err"
    rc=$?
    why=""
    [ "$rc" -eq 0 ] || why="man -l exited $rc"
    [ -s "$WORK/man.err" ] && why="${why:+$why
}warnings: $(head -c 1000 "$WORK/man.err")"
    for s in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" ENVIRONMENT FILES; do
        grep -qx "$s" "$WORK/man.txt" || why="${why:+$why
}no section $s"
    done
    verdict "man -l renders the installed page, NAME SYNOPSIS COMMANDS EXIT STATUS ENVIRONMENT FILES" "$why"
    why=""
    grep -q "^mnist-cnn $version  *MNIST-CNN(1)\$" "$WORK/man.txt" || why="footer lacks mnist-cnn $version"
    for code in 0 1 2 130 143; do
        grep -qE "^       $code( |\$)" "$WORK/man.txt" || why="${why:+$why
}EXIT STATUS lacks $code"
    done
    for v in MNIST_DATA MNIST_CNN_ISA OMP_NUM_THREADS OMP_WAIT_POLICY GOMP_SPINCOUNT runs/model.h5 \
             runs/model-best.h5 FILE-metrics.h5 FILE-training.png FILE-training.svg \
             data/mnist/train-images-idx3-ubyte; do
        grep -qF -- "$v" "$WORK/man.txt" || why="${why:+$why
}lacks $v"
    done
    # option names rendered as typed: ASCII hyphens, not U+2010 or U+2212
    LC_ALL=C grep -qE $'\xe2\x80\x90|\xe2\x88\x92' "$WORK/man.txt" && why="${why:+$why
}hyphens rendered as U+2010/U+2212"
    verdict "man page: version, exit codes, environment, files; plain hyphens" "$why"
    # Each command has a subsection ("   train" under COMMANDS) naming every option its --help
    # lists, so the hand-written page cannot fall behind the program unnoticed.
    why=""
    commands=$(awk '/^Commands:/ {f = 1; next} f && /^$/ {f = 0} f && /^  [a-z]/ {print $1}' \
        <("$BIN_I" --help))
    re='^  (-[A-Za-z], )?(--[a-z0-9][a-z0-9-]*)'
    for cmd in $commands; do
        awk -v c="   $cmd" '$0 == c {f = 1; next} f && /^(   )?[^ ]/ {f = 0} f' "$WORK/man.txt" \
            >"$WORK/man-$cmd.txt"
        if [ ! -s "$WORK/man-$cmd.txt" ]; then
            why="${why:+$why
}no subsection for $cmd"
            continue
        fi
        while IFS= read -r line; do
            [[ $line =~ $re ]] || continue
            o=${BASH_REMATCH[2]}
            [ "$o" = --help ] && continue
            grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$WORK/man-$cmd.txt" || why="${why:+$why
}$cmd: $o is in --help but not in the man page"
        done < <("$BIN_I" "$cmd" --help)
    done
    verdict "man page: a subsection per command ($(echo $commands)) naming every option of its --help" "$why"
else
    skip "man -l renders the installed page, NAME SYNOPSIS COMMANDS EXIT STATUS ENVIRONMENT FILES" "no man (Debian man-db)"
    skip "man page: version, exit codes, environment, files; plain hyphens" "no man (Debian man-db)"
    skip "man page: a subsection per command naming every option of its --help" "no man (Debian man-db)"
fi

# ---- the bash completion, with the installed binary first on PATH ----
PATH=$DEST$PREFIX/bin:$PATH
# shellcheck source=/dev/null
. "$COMP_I"
# complete WORD... : what the completion offers for the last word, sorted, one per line
complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _mnist_cnn 2>"$WORK/comp.err"
    [ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}
# expect_completion NAME 'EXPECTED (words, sorted, space-separated)' WORD...
expect_completion() {
    local name=$1 want=$2 got
    shift 2
    got=$(complete_words "$@" | tr '\n' ' ')
    got=${got% }
    if [ "$got" = "$want" ] && [ ! -s "$WORK/comp.err" ]; then
        ok "completion: $name"
    else
        not_ok "completion: $name"
        { echo "words: $*"; echo "expected: $want"; echo "got: $got"; cat "$WORK/comp.err"; } | diag
    fi
}
complete -p mnist-cnn 2>/dev/null | grep -q -- '-F _mnist_cnn mnist-cnn$' &&
    ok "completion file registers _mnist_cnn for mnist-cnn" ||
    not_ok "completion file registers _mnist_cnn for mnist-cnn"
mkdir -p "$WORK/c/sub" && cd "$WORK/c" || exit 1
touch a.h5 B.H5 a-metrics.h5 x.png y.JPG p.pgm z.txt
expect_completion "mnist-cnn tr<TAB>" "train" mnist-cnn tr
expect_completion "mnist-cnn train --sch<TAB>" "--schedule" mnist-cnn train --sch
expect_completion "mnist-cnn <TAB>: the commands of --help" \
    "$(echo $commands | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" mnist-cnn ''
expect_completion "mnist-cnn --v<TAB>" "--version" mnist-cnn --v
expect_completion "mnist-cnn plot --w<TAB>" "--width" mnist-cnn plot --w
expect_completion "train --resume <TAB>: .h5 files and folders" "B.H5 a.h5 sub" mnist-cnn train --resume ''
expect_completion "train --out=<TAB>: .h5 files and folders" "B.H5 a.h5 sub" mnist-cnn train --out = ''
expect_completion "train --data <TAB>: folders" "sub" mnist-cnn train --data ''
expect_completion "train --epochs <TAB>: nothing" "" mnist-cnn train --epochs ''
expect_completion "eval --report <TAB>: folders" "sub" mnist-cnn eval --report ''
for cmd in eval info plot draw predict; do
    expect_completion "$cmd <TAB>: .h5 files and folders" "B.H5 a.h5 sub" mnist-cnn "$cmd" ''
done
expect_completion "predict a.h5 <TAB>: images and folders" "p.pgm sub x.png y.JPG" mnist-cnn predict a.h5 ''
expect_completion "predict --json a.h5 x.png <TAB>: more images" "p.pgm sub x.png y.JPG" \
    mnist-cnn predict --json a.h5 x.png ''
expect_completion "eval a.h5 <TAB>: nothing more" "" mnist-cnn eval a.h5 ''
expect_completion "train --schedule <TAB>: the schedules" "constant cosine onecycle" mnist-cnn train --schedule ''
expect_completion "train --conv w<TAB>" "winograd" mnist-cnn train --conv w
expect_completion "train --precision b<TAB>" "bf16" mnist-cnn train --precision b
expect_completion "train --recipe <TAB>: the recipes" "default original quick" mnist-cnn train --recipe ''

finish
