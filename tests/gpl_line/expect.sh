#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# expect.sh pass|fail TEXT COMMAND... — runs COMMAND and passes when its verdict is the
# expected one (exit 0 for pass, exit 1 for fail: a crash or a usage error is never a pass)
# and its output contains TEXT. Used to prove that the GPL-line checks catch what they must.
set -u
[ $# -ge 3 ] || { echo "usage: expect.sh pass|fail TEXT COMMAND..." >&2; exit 2; }
expect="$1" text="$2"
shift 2
out=$("$@" 2>&1)
rc=$?
echo "$out"
echo "---"
case "$expect" in
pass) [ $rc -eq 0 ] || { echo "expect.sh: expected exit 0, got $rc" >&2; exit 1; } ;;
fail) [ $rc -eq 1 ] || { echo "expect.sh: expected exit 1 (a reported violation), got $rc" >&2; exit 1; } ;;
*) echo "expect.sh: first argument must be pass or fail" >&2; exit 2 ;;
esac
printf '%s\n' "$out" | grep -qF -- "$text" || { echo "expect.sh: the output does not say: $text" >&2; exit 1; }
echo "expect.sh: $expect as expected (exit $rc): $text"
