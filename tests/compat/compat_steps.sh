#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Old plugins on a new shim, as chained ctest steps (like tests/package). Usage:
#   compat_steps.sh STEP VERSION SOURCE_DIR WORK_DIR SATORI
# Steps:
#   configure  tests/compat/project against abi/baselines/VERSION/include + today's SDK
#   build      build it; check that every compile used the frozen headers, not abi/include
#   check      satori check-plugin on the result (GPL line + ABI version)
#   run        satori run --sim with only that plugin: it must bind and answer heartbeats
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: compat_steps.sh STEP VERSION SOURCE_DIR WORK_DIR SATORI" >&2; exit 2; }
step="$1" version="$2" src="$3" work="$4" satori="$5"
frozen="$src/abi/baselines/$version/include"
fail() { echo "compat ($version, $step): $*" >&2; exit 1; }

case "$step" in
configure)
  [ -f "$frozen/satori/plugin.h" ] || fail "no frozen headers in $frozen (scripts/abi-baseline $version)"
  rm -rf "$work" && mkdir -p "$work"
  cmake -S "$src/tests/compat/project" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DSATORI_FROZEN_INCLUDE="$frozen" -DSATORI_SOURCE_DIR="$src" >/dev/null
  echo "configured against $frozen"
  ;;
build)
  cmake --build "$work/build" >/dev/null
  cc_json="$work/build/compile_commands.json"
  grep -q -- "-I$frozen" "$cc_json" || fail "the build did not use $frozen"
  grep -q -- "-I$src/abi/include" "$cc_json" && fail "the build used today's headers ($src/abi/include)"
  so="$work/build/plugins/heartbeat.so"
  [ -f "$so" ] || fail "no heartbeat.so"
  rm -rf "$work/plugins" && mkdir -p "$work/plugins" && cp "$so" "$work/plugins/"
  echo "built $work/plugins/heartbeat.so from the ABI $version headers"
  ;;
check)
  "$satori" check-plugin "$work/plugins/heartbeat.so"
  ;;
run)
  out=$("$satori" run --sim --json --duration 1 --heartbeat-interval 100 --plugins "$work/plugins")
  echo "$out" | grep -q '"event":"bound"' || { echo "$out"; fail "the ABI $version heartbeat plugin did not bind"; }
  answered=$(echo "$out" | grep -c '"event":"heartbeat"' || true)
  [ "$answered" -ge 3 ] || { echo "$out"; fail "only $answered heartbeats answered"; }
  echo "ABI $version heartbeat plugin on today's shim: bound, $answered heartbeats answered"
  ;;
*) fail "unknown step" ;;
esac
