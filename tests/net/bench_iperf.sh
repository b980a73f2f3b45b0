#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark (not a test): iperf3 TCP through TAP -> netvsc -> virtual switch -> netvsc -> TAP
# next to the same iperf3 over a plain veth pair, in namespaces made here; prints both and
# the ratio. Needs root, iproute2 and iperf3.  Usage: bench_iperf.sh BUILD_DIR [SECONDS]
set -eu
build=${1:?usage: bench_iperf.sh BUILD_DIR [SECONDS]}
secs=${2:-5}
id=$$
cleanup() {
    for n in bna$id bnb$id bva$id bvb$id; do ip netns del "$n" 2>/dev/null || true; done
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
}
trap cleanup EXIT
run_iperf() { # ns_server ns_client addr
    ip netns exec "$1" iperf3 -s -1 -D
    sleep 0.5
    ip netns exec "$2" iperf3 -J -t "$secs" -c "$3" |
        sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | tail -1
}
"$build/bin/satori" run --sim --plugins "$build/lib/satori/plugins" --nic tap=bsa$id --nic tap=bsb$id >/dev/null 2>&1 &
pid=$!
for i in 1 2 3 4 5 6 7 8 9 10; do ip link show bsb$id >/dev/null 2>&1 && break; sleep 0.3; done
ip netns add bna$id; ip netns add bnb$id
ip link set bsa$id netns bna$id; ip link set bsb$id netns bnb$id
ip -n bna$id addr add 169.254.91.1/16 dev bsa$id; ip -n bna$id link set bsa$id up
ip -n bnb$id addr add 169.254.91.2/16 dev bsb$id; ip -n bnb$id link set bsb$id up
sleep 1
satori_bps=$(run_iperf bnb$id bna$id 169.254.91.2)
ip netns add bva$id; ip netns add bvb$id
ip link add bva$id type veth peer name bvb$id
ip link set bva$id netns bva$id; ip link set bvb$id netns bvb$id
ip -n bva$id addr add 169.254.92.1/16 dev bva$id; ip -n bva$id link set bva$id up
ip -n bvb$id addr add 169.254.92.2/16 dev bvb$id; ip -n bvb$id link set bvb$id up
sleep 1
veth_bps=$(run_iperf bvb$id bva$id 169.254.92.2)
awk -v s="$satori_bps" -v v="$veth_bps" 'BEGIN {
    printf "iperf3 TCP, satori path: %.0f Mbit/s\n", s / 1e6
    printf "iperf3 TCP, veth pair:   %.0f Mbit/s\n", v / 1e6
    printf "ratio: %.3f x\n", s / v }'
