#!/usr/bin/bash
# SPDX-License-Identifier: MIT
# tests/vm/guest/test-network.sh — two simulated NICs on the simulator's virtual switch, each
# backed by a TAP interface (`satori run --sim --nic tap=stva --nic tap=stvb`), moved into two
# network namespaces with link-local addresses (169.254.0.0/16 only); ping both ways with 0%
# loss, a full-size ping, and a TCP transfer whose checksum must match. NOT RUN while satori
# has no --nic.
# vm-modules: tun
# vm-tools: ip ping sha256sum
source /vm/lib.sh

vm_satori_has --nic || vm_notrun "satori has no --nic yet"

SATORI_LOG=/tmp/satori-network.log
A=169.254.77.1
B=169.254.77.2

net_cleanup() {
  trap - ERR
  set +e
  vm_satori_kill
  ip netns del nsa 2>/dev/null
  ip netns del nsb 2>/dev/null
}
trap net_cleanup EXIT

vm_load_modules
vm_wait_for 10 "/dev/net/tun" test -c /dev/net/tun
ip link set lo up

vm_step "satori run --sim --nic tap=stva --nic tap=stvb"
vm_satori_start "$SATORI_LOG" --heartbeat-interval 1000 --nic tap=stva --nic tap=stvb
vm_wait_for 60 "the TAP interfaces stva and stvb" ip link show stvb
ip link show stva >/dev/null || vm_fail "no interface stva"
grep -v '^{' "$SATORI_LOG" | tail -n 5 || true

vm_step "two namespaces, link-local addresses"
ip netns add nsa
ip netns add nsb
ip link set stva netns nsa
ip link set stvb netns nsb
for ns in nsa nsb; do ip -n "$ns" link set lo up; done
ip -n nsa addr add "$A/16" dev stva
ip -n nsb addr add "$B/16" dev stvb
ip -n nsa link set stva up
ip -n nsb link set stvb up
vm_wait_for 20 "carrier on stva" bash -c "ip -n nsa link show stva | grep -q LOWER_UP"
vm_wait_for 20 "carrier on stvb" bash -c "ip -n nsb link show stvb | grep -q LOWER_UP"
ip -n nsa -brief link show stva
ip -n nsb -brief link show stvb

# ping_ok NS ARGS... — ping from NS; requires 0% loss
ping_ok() {
  local ns="$1" out
  shift
  out="$(ip netns exec "$ns" ping "$@" 2>&1)" || true
  echo "$out" | tail -n 2
  grep -q ' 0% packet loss' <<<"$out" || vm_fail "ping $* from $ns lost packets"
}

vm_step "ping both ways"
ping_ok nsa -c 20 -i 0.2 -W 2 "$B"
ping_ok nsb -c 20 -i 0.2 -W 2 "$A"
ping_ok nsa -c 5 -i 0.2 -W 2 -s 1472 -M 'do' "$B"

vm_step "TCP transfer with checksum"
head -c $((4 << 20)) /dev/urandom >/tmp/net-send
ip netns exec nsb nc -l -p 5001 >/tmp/net-recv &
server=$!
vm_wait_for 10 "the TCP listener" bash -c "ip netns exec nsb netstat -ltn | grep -q ':5001 '"
start="$(vm_uptime)"
ip netns exec nsa bash -c "cat /tmp/net-send >/dev/tcp/$B/5001" || vm_fail "TCP send failed"
for ((i = 0; i < 300; i++)); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
kill -0 "$server" 2>/dev/null && vm_fail "the TCP receiver did not see the end of the stream"
wait "$server" || true
end="$(vm_uptime)"
want="$(sha256sum </tmp/net-send | cut -d' ' -f1)"
have="$(sha256sum </tmp/net-recv | cut -d' ' -f1)"
[ "$want" = "$have" ] || vm_fail "TCP data differs: $(stat -c %s /tmp/net-recv) bytes received, checksum $have"
echo "4 MiB over TCP, checksum ok, $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"

vm_step "stop"
vm_satori_stop "$SATORI_LOG"
stopped="$(grep '"event":"stopped"' "$SATORI_LOG" | tail -n1 || true)"
[ -n "$stopped" ] || vm_fail "satori printed no final statistics"
echo "satori: $(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' <<<"$stopped")"
vm_step "done"
