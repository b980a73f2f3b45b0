#!/usr/bin/bash
# SPDX-License-Identifier: MIT
# tests/vm/guest/runner.sh — runs the guest tests listed in /vm/tests, one after another, each
# under a timeout, and prints one machine-readable line per test for scripts/vm-test:
#   SATORI-VM-RESULT <test> PASS|FAIL|NOTRUN <seconds> <reason>
# then SATORI-VM-DONE and powers the guest off. A guest-wide watchdog prints the dmesg tail
# and powers off if the whole run takes too long.
# Kernel command line knobs: satori_vm_test_timeout=S (per test), satori_vm_watchdog=S.
set -u
exec 2>&1

cmdline_value() { # cmdline_value NAME DEFAULT
  local w
  for w in $(cat /proc/cmdline); do
    case "$w" in "$1="*) echo "${w#*=}"; return ;; esac
  done
  echo "$2"
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
dmesg_tail() {
  echo "---- dmesg (last ${1:-40} lines) ----"
  dmesg | tail -n "${1:-40}"
  echo "----"
}

test_timeout="$(cmdline_value satori_vm_test_timeout 120)"
watchdog="$(cmdline_value satori_vm_watchdog 300)"

(
  sleep "$watchdog"
  echo "SATORI-VM-WATCHDOG: the guest run exceeded ${watchdog} s"
  dmesg_tail 60
  echo "SATORI-VM-RESULT watchdog FAIL $watchdog guest watchdog fired after ${watchdog} s"
  echo "SATORI-VM-DONE"
  sync
  poweroff -f
) &
watchdog_pid=$!

echo "SATORI-VM-BOOTED kernel $(uname -r), up $(uptime_s) s, $(nproc) CPU(s)," \
  "$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MiB"

# scripts/vm-test --inject stall: the guest hangs with no watchdog (the host timeout must act).
if [ "$(cmdline_value satori_vm_inject "")" = stall ]; then
  kill "$watchdog_pid"
  echo "injected fault: the guest stalls"
  sleep 100000
fi

while read -r t; do
  [ -n "$t" ] || continue
  log="/tmp/vm-test-$t.log"
  start="$(uptime_s)"
  echo "SATORI-VM-START $t"
  # timeout signals its whole process group: a timeout also ends what the test started.
  timeout -k 5 "$test_timeout" bash "/vm/test-$t.sh" </dev/null 2>&1 |
    while IFS= read -r line; do
      echo "$line" >>"$log"
      echo "[$t] $line"
    done
  rc=${PIPESTATUS[0]}
  secs="$(awk -v a="$start" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')"
  case "$rc" in
    0) status=PASS reason="" ;;
    77)
      status=NOTRUN
      reason="$(sed -n 's/^NOTRUN: //p' "$log" | tail -n1)"
      ;;
    124 | 137)
      status=FAIL
      reason="timed out after ${test_timeout} s"
      ;;
    *)
      status=FAIL
      reason="$(sed -n 's/^FAIL: //p' "$log" | tail -n1)"
      [ -n "$reason" ] || reason="exit status $rc"
      ;;
  esac
  if [ "$status" = FAIL ]; then
    dmesg_tail 40 | sed "s/^/[$t] /"
  fi
  echo "SATORI-VM-RESULT $t $status $secs ${reason:-ok}"
done </vm/tests

kill "$watchdog_pid" 2>/dev/null
echo "SATORI-VM-DONE"
sync
poweroff -f
