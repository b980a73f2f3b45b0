#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The GPL line in the sources (DESIGN §1, §2.2). Usage: check_sources.sh [SOURCE_DIR]
#   spdx     every source, build and script file carries, in its first three lines, the SPDX
#            identifier of its directory: abi/ "(GPL-2.0-only WITH Linux-syscall-note) OR MIT"
#            (the baselines' XML and text data included), shim_gpl/ "GPL-2.0-only", the rest "MIT"
#   include  no file outside shim_gpl/ includes a shim_gpl header (shim_gpl/..., or the shim's
#            own include roots core/ runtime/ loader/ backends/ services/)
#   link     no CMake target outside shim_gpl/ links a shim_gpl target (satori_shim,
#            satori_shim_static, satori_core, Satori::shim), multi-line calls included
# tests/ and tools/ are exempt from include and link: they are the GPL side's own users.
# Works on a git checkout (tracked + untracked, not ignored) or a plain copy (find).
# Prints every violation; exits 1 if there is one.
set -u
root="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$root" || exit 2
bad=0
report() { echo "GPL line: $*"; bad=1; }

expected_spdx() {  # sets $want
  case "$1" in
    abi/*) want="(GPL-2.0-only WITH Linux-syscall-note) OR MIT" ;;
    shim_gpl/*) want="GPL-2.0-only" ;;
    *) want="MIT" ;;
  esac
}

list_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ "$(git rev-parse --show-toplevel)" = "$(pwd -P)" ]; then
    git ls-files -co --exclude-standard
  else
    find . \( -name '.git' -o -name 'build*' -o -name 'out' \) -prune -o -type f -print | sed 's|^\./||'
  fi
}

files=$(list_files | grep -E '\.(c|h|cpp|hpp|cmake|sh|map|py)$|(^|/)CMakeLists\.txt$|^scripts/|^\.ci/|^abi/baselines/.*\.(xml|txt)$' \
  | grep -vE '^build|(^|/)\.new-' | sort -u | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done)
count=$(printf '%s\n' "$files" | grep -c . || true)

# spdx: one awk pass prints "file<TAB>identifier" for the first SPDX line in each file's head.
spdx=$(printf '%s\n' "$files" | tr '\n' '\0' | xargs -0 -r awk '
  FNR == 1 { done = 0 }
  FNR <= 3 && !done && match($0, /SPDX-License-Identifier: .*/) {
    id = substr($0, RSTART + 25); sub(/ *\*\/ *$/, "", id); sub(/ *--> *$/, "", id)
    print FILENAME "\t" id; done = 1 }')
declare -A spdx_of=()
while IFS=$'\t' read -r f id; do
  [ -n "$f" ] && spdx_of["$f"]="$id"
done <<<"$spdx"
while IFS= read -r f; do
  [ -n "$f" ] || continue
  expected_spdx "$f"
  got="${spdx_of[$f]:-}"
  if [ -z "$got" ]; then
    report "$f has no SPDX-License-Identifier line (want '$want')"
  elif [ "$got" != "$want" ]; then
    report "$f is '$got' but files in its directory must be '$want'"
  fi
done <<<"$files"

# include and link: only files outside the GPL side and its own users (tests, benchmarks, fuzzers and
# the tool, none of which is a plugin or part of the SDK).
outside=$(printf '%s\n' "$files" | grep -vE '^(shim_gpl|tests|bench|fuzz|tools|abi/baselines)/' || true)
sources=$(printf '%s\n' "$outside" | grep -E '\.(c|h|cpp|hpp)$' || true)
if [ -n "$sources" ]; then
  while IFS= read -r hit; do
    [ -n "$hit" ] && report "${hit%%:*} includes a shim_gpl header: ${hit#*:}"
  done < <(printf '%s\n' "$sources" | tr '\n' '\0' | xargs -0 -r grep -HnE \
    '#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?(shim_gpl|core|runtime|loader|backends|services)/' || true)
fi
cmakes=$(printf '%s\n' "$outside" | grep -E '(^|/)CMakeLists\.txt$|\.cmake$' || true)
if [ -n "$cmakes" ]; then
  while IFS= read -r hit; do
    [ -n "$hit" ] && report "${hit%%: *} links a shim_gpl target: ${hit#*: }"
  done < <(printf '%s\n' "$cmakes" | tr '\n' '\0' | xargs -0 -r perl -0ne '
    while (/target_link_libraries\s*\(([^)]*)\)/g) { my $a = $1; $a =~ s/\s+/ /g;
      print "$ARGV: target_link_libraries($a)\n"
        if $a =~ /(?<![\w:])(satori_shim|satori_shim_static|satori_core|Satori::shim)(?![\w])/ }')
fi
[ $bad -eq 0 ] && echo "GPL line: sources OK ($count files checked)"
exit $bad
