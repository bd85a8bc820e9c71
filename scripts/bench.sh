#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: cohort's in-kernel RPC against a userspace TCP peer, both run
# between the same two guests of one virtual cluster in the same run.
#   rpc_rtt_64 / rpc_rtt_4k: ECHO round trip vs a TCP ping-pong of the
#     same size, interleaved in batches of 10 from one process
#     (bench/rpc_pair: the kernel's back to back in one PING request and
#     timed in the kernel, the TCP ones back to back on one connection and
#     timed in userspace), so that both meet the same moments of the
#     emulator's speed; p50 and p99; ratio = kernel p50 / TCP p50, the
#     median over a few such runs (lower is better; goal <= 1.0)
#   rpc_throughput_64m: a 64 MiB ECHO moves 128 MiB (there and back) in its
#     round trip; vs one 64 MiB TCP stream; ratio is kernel MB/s / TCP MB/s
#     (higher is better; goal >= 0.8), median of five alternating rounds
#     (one takes about 10 s; the emulator's speed drifts over seconds)
#   rpc_rtt_4k_enc / rpc_throughput_64m_enc: the same with the cluster's
#     encryption on, against userspace TCP through a WireGuard tunnel
#     between the same two guests (the kernel's wireguard module, Debian's
#     wg), which is what a cluster that wants confidentiality uses today;
#     goal: round trip <= 1.0, throughput >= 1.0
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
VMC=$TOP/scripts/vmcluster
KVER=${1:-}
D=$TOP/build/bench
C=$TOP/userspace/cohortctl/cohortctl
T=$TOP/bench/tcp_echo
P=$TOP/bench/rpc_pair
N=${BENCH_N:-1000}
PY=/usr/bin/python3

. "$TOP/scripts/bench_cluster.sh"
bench_up

get() { $PY -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
ratio() { $PY -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }

ROUNDS=${BENCH_ROUNDS:-3}
med() { $PY -c "import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))" "$@"; }
int() { $PY -c "import sys; print(int(float(sys.argv[1])))" "$1"; }

# rtt NAME ADDR SIZE: rounds of interleaved ECHO / TCP round trips, TCP
# to ADDR (node 2, directly or through the tunnel).
rtt() {
	local name=$1 addr=$2 size=$3 r j kp50=() kp99=() up50=() up99=() rs=()
	for r in $(seq $ROUNDS); do
		on 2 "setsid timeout 300 $T server 7471 > /dev/null 2>&1 < /dev/null &"
		j=$(on 1 "$P $addr 7471 2 $size $N 10" | tail -1)
		case $j in
		"{"*) ;;
		*) echo "bench: rpc_pair failed: $j" >&2; exit 1 ;;
		esac
		echo "# round $r: $j"
		kp50+=("$(get "$j" kernel-p50-us)") kp99+=("$(get "$j" kernel-p99-us)")
		up50+=("$(get "$j" tcp-p50-us)") up99+=("$(get "$j" tcp-p99-us)")
		rs+=("$(get "$j" ratio)")
	done
	echo "# $name per-round ratios: ${rs[*]}"
	echo "BENCH $name kernel_p50_us=$(int "$(med "${kp50[@]}")")" \
	     "kernel_p99_us=$(int "$(med "${kp99[@]}")")" \
	     "tcp_p50_us=$(int "$(med "${up50[@]}")")" \
	     "tcp_p99_us=$(int "$(med "${up99[@]}")")" \
	     "ratio=$($PY -c "import sys; print('%.2f' % float(sys.argv[1]))" "$(med "${rs[@]}")")"
}

# throughput NAME ADDR: a 64 MiB ECHO moves 128 MiB; the stream to ADDR
# moves 64 MiB one way. Five alternating rounds, ratio of the MB/s in
# each, median of those.
throughput() {
	local name=$1 addr=$2 big=67108864 r k u kmbps km=() um=() rs=()
	for r in 1 2 3 4 5; do
		k=$(on 1 "$C -j ping 2 -s $big" | tail -1)
		on 2 "setsid timeout 300 $T server 7471 > /dev/null 2>&1 < /dev/null &"
		u=$(on 1 "$T stream $addr 7471 $big" | tail -1)
		echo "# round $r kernel: $k"
		echo "# round $r tcp:    $u"
		kmbps=$($PY -c "import sys; print('%.2f' % (2 * $big / (float(sys.argv[1]) / 1e6) / 1e6))" "$(get "$k" avg-us)")
		km+=("$kmbps") um+=("$(get "$u" MBps)")
		rs+=("$(ratio "$kmbps" "$(get "$u" MBps)")")
	done
	echo "# $name per-round ratios: ${rs[*]}"
	echo "BENCH $name kernel_MBps=$(med "${km[@]}") tcp_MBps=$(med "${um[@]}")" \
	     "ratio=$($PY -c "import sys; print('%.2f' % float(sys.argv[1]))" "$(med "${rs[@]}")")"
}

rtt rpc_rtt_64 10.77.0.2 64
rtt rpc_rtt_4k 10.77.0.2 4096
throughput rpc_throughput_64m 10.77.0.2

# Encryption on both nodes, and a WireGuard tunnel (10.78.0.0/24, UDP
# 51820 over the cluster's switch) for the userspace side.
for i in 1 2; do
	on $i "COHORT_ENCRYPT=on sh $TOP/selftests/guest/cohortd_start.sh" > /dev/null ||
		exit 1
done
on 1 "sh $TOP/selftests/guest/wait_state.sh 2 up 30" > /dev/null || exit 1
echo "# encryption: $(on 1 "$C info" | grep encryption)"
keys=$(on 1 "umask 077; for i in 1 2; do k=\$(wg genkey); echo \$k \$(echo \$k | wg pubkey); done")
set -- $keys
[ $# = 4 ] || { echo "bench: wg genkey failed: $keys" >&2; exit 1; }
priv=("" "$1" "$3") pub=("" "$2" "$4")
for i in 1 2; do
	j=$((3 - i))
	on $i "umask 077; echo ${priv[$i]} > /tmp/wg.key
		ip link add wg0 type wireguard &&
		wg set wg0 listen-port 51820 private-key /tmp/wg.key \
			peer ${pub[$j]} allowed-ips 10.78.0.$j/32 endpoint 10.77.0.$j:51820 &&
		ip addr add 10.78.0.$i/24 dev wg0 && ip link set wg0 up" > /dev/null ||
		{ echo "bench: wireguard on node $i failed" >&2; exit 1; }
done
on 1 "busybox ping -c 2 -W 5 10.78.0.2 > /dev/null" ||
	{ echo "bench: no answer through the WireGuard tunnel" >&2; exit 1; }
echo "# wireguard: $(on 1 "wg show wg0 | grep -c handshake") handshake(s) done"
rtt rpc_rtt_4k_enc 10.78.0.2 4096
throughput rpc_throughput_64m_enc 10.78.0.2
