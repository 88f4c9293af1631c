#!/usr/bin/env bash
# scripts/setup.sh installs missing packages as root directly, as a user through sudo, and as a
# user without sudo prints the command to run as root and exits 1. Run against stand-ins for
# dpkg-query (every package missing), id, sudo and apt-get that only record their arguments, in a
# PATH that holds nothing else, so no real package is touched. TAP output.
#   setup_elevation.sh SETUP_SH
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
setup=${1:?usage: $0 SETUP_SH}
work=$WORK

# A bin folder with the tools setup.sh uses, the stand-ins, and sudo only when asked for.
make_bin() {  # make_bin DIR UID WITH_SUDO
  local dir=$1 uid=$2 with_sudo=$3 t
  mkdir -p "$dir"
  for t in bash env sed grep tr sort cat rm mktemp dirname; do ln -sf "$(command -v $t)" "$dir/$t"; done
  # no package installed: the listing is empty, each package query fails
  printf '#!/bin/sh\n[ $# -le 2 ] && exit 0\nexit 1\n' >"$dir/dpkg-query"
  printf '#!/bin/sh\n[ "$1" = -u ] && echo %s || echo user\n' "$uid" >"$dir/id"
  printf '#!/bin/sh\necho "apt-get $*" >>"%s/calls"\n' "$dir" >"$dir/apt-get"
  [ "$with_sudo" = 1 ] && printf '#!/bin/sh\necho "sudo $*" >>"%s/calls"\nexec "$@"\n' "$dir" >"$dir/sudo"
  chmod +x "$dir"/*
}

run_setup() {  # run_setup DIR -> exit status in $rc, output in DIR/out
  rc=0
  PATH=$1 "$1/bash" "$setup" --no-data --no-build >"$1/out" 2>&1 || rc=$?
}

# root: apt-get directly, no sudo
make_bin "$work/root" 0 1
run_setup "$work/root"
if [ $rc = 0 ] && grep -q '^apt-get install -y --no-install-recommends .*libhdf5-dev' "$work/root/calls" &&
   ! grep -q '^sudo' "$work/root/calls"; then ok "as root: apt-get runs directly"
else verdict "as root: apt-get runs directly" "rc=$rc $(cat "$work/root/calls" "$work/root/out" 2>&1)"; fi

# a user with sudo: apt-get through sudo
make_bin "$work/user" 1000 1
run_setup "$work/user"
if [ $rc = 0 ] && grep -q '^sudo env DEBIAN_FRONTEND=noninteractive apt-get update' "$work/user/calls" &&
   grep -q '^sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y' "$work/user/calls"; then
  ok "as a user with sudo: apt-get runs through sudo"
else verdict "as a user with sudo: apt-get runs through sudo" "rc=$rc $(cat "$work/user/calls" "$work/user/out" 2>&1)"; fi

# a user without sudo: the command to run as root, exit 1, nothing installed
make_bin "$work/nosudo" 1000 0
run_setup "$work/nosudo"
if [ $rc = 1 ] && [ ! -e "$work/nosudo/calls" ] &&
   grep -q '^  apt-get update && apt-get install -y --no-install-recommends .*libhdf5-dev' "$work/nosudo/out" &&
   grep -q 'sudo is not installed' "$work/nosudo/out"; then
  ok "as a user without sudo: prints the command for root and exits 1"
else verdict "as a user without sudo: prints the command for root and exits 1" "rc=$rc $(cat "$work/nosudo/out")"; fi

finish
