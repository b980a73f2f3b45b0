# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# tests/vm/guest/lib.sh — helpers for the guest tests (sourced by /vm/test-*.sh under bash).
# A test exits 0 (passed), 77 after vm_notrun (a prerequisite is missing: reported as NOT RUN,
# never as passed) or anything else after vm_fail.
set -eEuo pipefail
trap 'exit 143' TERM # so that EXIT traps (cleanup) also run on a timeout
# A command that fails under set -e names itself as the reason in the summary.
trap 'echo "FAIL: \"$BASH_COMMAND\" failed with status $? (line $LINENO)"' ERR

VM_TEST="$(basename "$0" .sh)"
VM_TEST="${VM_TEST#test-}"
VM_PLUGINS=/opt/satori/lib/satori/plugins
# For a sanitizer build of satori (scripts/vm-test --build-dir build-asan): any report fails.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SATORI_PID=""
# Fault injection for testing the tests (scripts/vm-test --inject WHAT): "" normally.
export VM_INJECT
VM_INJECT="$(sed -n 's/.*satori_vm_inject=\([^ ]*\).*/\1/p' /proc/cmdline)"

vm_fail() {
  echo "FAIL: $*"
  exit 1
}
vm_notrun() {
  echo "NOTRUN: $*"
  exit 77
}
vm_uptime() { cut -d' ' -f1 /proc/uptime; }
vm_step() { echo "-- $* (t=$(vm_uptime) s)"; }

# vm_load_modules — loads the modules build-initramfs resolved for this test, in order.
# "req" lines must load; "opt" lines are soft dependencies (modprobe ignores their failures too).
vm_load_modules() {
  local kind path name kver
  kver="$(cat /vm/kernel-version)"
  while read -r kind path; do
    name="$(basename "$path" .ko)"
    name="${name//-/_}"
    [ -d "/sys/module/$name" ] && continue
    if ! insmod "/lib/modules/$kver/$path" 2>/tmp/insmod.err; then
      if [ "$kind" = req ]; then
        cat /tmp/insmod.err
        vm_fail "cannot load kernel module $name"
      fi
      echo "optional module $name not loaded: $(cat /tmp/insmod.err)"
    fi
  done <"/vm/modules/$VM_TEST.list"
  echo "modules: $(cut -d' ' -f2 "/vm/modules/$VM_TEST.list" | xargs -n1 basename | tr '\n' ' ')"
}

# vm_wait_for SECONDS WHAT COMMAND... — polls COMMAND every 0.1 s; fails the test on timeout.
vm_wait_for() {
  local secs="$1" what="$2" i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  vm_fail "timed out after $secs s waiting for $what"
}

# vm_satori_has OPTION — whether `satori run --help` offers OPTION.
vm_satori_has() { satori run --help 2>&1 | grep -q -- "$1"; }

# vm_satori_start LOG ARGS... — `satori run --sim --json ARGS...` in the background.
vm_satori_start() {
  local log="$1"
  shift
  satori run --sim --json --plugins "$VM_PLUGINS" "$@" >"$log" 2>&1 &
  SATORI_PID=$!
}

# vm_satori_stop LOG — SIGTERM, then requires a clean exit (status 0) within 15 s.
vm_satori_stop() {
  local log="$1" i rc=0
  [ -n "$SATORI_PID" ] || return 0
  kill -TERM "$SATORI_PID" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$SATORI_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SATORI_PID" 2>/dev/null; then
    kill -KILL "$SATORI_PID" 2>/dev/null || true
    SATORI_PID=""
    tail -n 20 "$log"
    vm_fail "satori did not stop within 15 s of SIGTERM"
  fi
  wait "$SATORI_PID" || rc=$?
  SATORI_PID=""
  if [ "$rc" != 0 ]; then
    tail -n 20 "$log"
    vm_fail "satori exited with status $rc"
  fi
}

# vm_satori_kill — cleanup path: ends a satori still running, without judging it.
vm_satori_kill() {
  [ -n "$SATORI_PID" ] || return 0
  kill -KILL "$SATORI_PID" 2>/dev/null || true
  wait "$SATORI_PID" 2>/dev/null || true
  SATORI_PID=""
}

# vm_json_field LINE KEY — the number after "KEY": in a one-line JSON object (first match).
vm_json_field() { sed -n "s/.*\"$2\":\([0-9][0-9]*\).*/\1/p" <<<"$1" | head -n1; }
