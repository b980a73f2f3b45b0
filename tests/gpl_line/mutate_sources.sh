#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mutation tests of check_sources.sh: copy the source tree (no build directories), break the
# GPL line in one way, and check that the violation is reported; "clean" checks that the
# unmodified copy passes (so a check that fails everything fails here).
# Usage: mutate_sources.sh SOURCE_DIR WORK_DIR CASE    (CASE: see the case statement)
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: mutate_sources.sh SOURCE_DIR WORK_DIR CASE" >&2; exit 2; }
src="$1" work="$2" case="$3"
here="$(cd "$(dirname "$0")" && pwd)"
die() { echo "mutate_sources.sh [$case]: $*" >&2; exit 1; }

tree="$work/$case"
rm -rf "$tree" && mkdir -p "$tree"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -co --exclude-standard | grep -v '^build' | tar -cf - -T - 2>/dev/null) | tar -xf - -C "$tree"
else
  (cd "$src" && tar -cf - --exclude='./build*' --exclude=.git .) | tar -xf - -C "$tree"
fi

append() { printf '%s\n' "$2" >>"$tree/$1"; }
expect=fail
case "$case" in
clean) expect=pass want="sources OK" ;;
wrong_spdx)
  f=samples/heartbeat/heartbeat.cpp
  sed -i '1s/SPDX-License-Identifier: MIT/SPDX-License-Identifier: GPL-2.0-only/' "$tree/$f"
  want="$f is 'GPL-2.0-only' but files in its directory must be 'MIT'" ;;
wrong_spdx_abi)
  f=abi/include/satori/log.h
  sed -i '1s|SPDX-License-Identifier: .* \*/|SPDX-License-Identifier: MIT */|' "$tree/$f"
  want="$f is 'MIT' but files in its directory must be '(GPL-2.0-only WITH Linux-syscall-note) OR MIT'" ;;
missing_spdx)
  f=sdk/include/satori/sdk/new_helper.hpp
  printf '#pragma once\n// a new SDK header without a license line\n' >"$tree/$f"
  want="$f has no SPDX-License-Identifier line" ;;
includes_shim)
  f=samples/heartbeat/heartbeat.cpp
  append "$f" '#include "runtime/shim.h"'
  want="$f includes a shim_gpl header" ;;
links_shim)
  f=samples/heartbeat/CMakeLists.txt
  append "$f" 'target_link_libraries(heartbeat PRIVATE'
  append "$f" '  Satori::sdk satori_shim)'
  want="$f links a shim_gpl target" ;;
*) die "unknown case" ;;
esac

set +e
out=$("$here/check_sources.sh" "$tree" 2>&1)
rc=$?
set -e
echo "$out"
echo "---"
if [ "$expect" = pass ]; then
  [ $rc -eq 0 ] || die "expected the unmodified copy to pass, got exit $rc"
else
  [ $rc -eq 1 ] || die "expected a reported violation (exit 1), got exit $rc"
fi
printf '%s\n' "$out" | grep -qF -- "$want" || die "the report does not say: $want"
echo "mutate_sources.sh [$case]: $expect as expected: $want"
