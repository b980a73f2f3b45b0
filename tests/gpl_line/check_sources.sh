#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GPL line in the sources: no file outside shim_gpl/ includes a shim_gpl header (tests/
# and tools/ excepted: they are the GPL side's own users), no CMake target outside them links
# a shim_gpl target, and every source file carries the SPDX identifier of its directory
# (DESIGN §1). Prints every violation; exits 1 if there is one.
set -u
root="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$root" || exit 2
bad=0
report() { echo "GPL line: $*"; bad=1; }

expected_spdx() {
  case "$1" in
    abi/*) echo "(GPL-2.0-only WITH Linux-syscall-note) OR MIT" ;;
    shim_gpl/*) echo "GPL-2.0-only" ;;
    *) echo "MIT" ;;
  esac
}

files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.cpp' '*.hpp' '*.cmake' '*.sh' \
  '*CMakeLists.txt' '*.map' '*.py' 'scripts/*' '.ci/*' 2>/dev/null | grep -v '^build' | sort -u)
for f in $files; do
  [ -f "$f" ] || continue
  want=$(expected_spdx "$f")
  got=$(head -n 3 "$f" | grep -o 'SPDX-License-Identifier: .*' | head -1 | sed 's/SPDX-License-Identifier: //; s/ *\*\/$//')
  if [ -z "$got" ]; then
    report "$f has no SPDX-License-Identifier line"
  elif [ "$got" != "$want" ]; then
    report "$f is '$got' but files in its directory must be '$want'"
  fi
  case "$f" in
    shim_gpl/*|tests/*|tools/*) continue ;;
  esac
  if grep -nE '#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?(shim_gpl|core|runtime|loader|backends)/' "$f" >/dev/null 2>&1; then
    report "$f includes a shim_gpl header: $(grep -nE '#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?(shim_gpl|core|runtime|loader|backends)/' "$f" | head -1)"
  fi
  case "$f" in
    *CMakeLists.txt|*.cmake)
      if grep -nE 'target_link_libraries\([^)]*(satori_shim|satori_core|Satori::shim)' "$f" >/dev/null; then
        report "$f links a shim_gpl target"
      fi ;;
  esac
done
[ $bad -eq 0 ] && echo "GPL line: sources OK ($(echo "$files" | wc -w) files checked)"
exit $bad
