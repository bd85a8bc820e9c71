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
for size in 64 4096; do
	kp50=() kp99=() up50=() up99=() rs=()
	for r in $(seq $ROUNDS); do
		on 2 "setsid timeout 300 $T server 7471 > /dev/null 2>&1 < /dev/null &"
		j=$(on 1 "$P 10.77.0.2 7471 2 $size $N 10" | tail -1)
		case $j in
		"{"*) ;;
		*) echo "bench: rpc_pair failed: $j" >&2; exit 1 ;;
		esac
		echo "# round $r: $j"
		kp50+=("$(get "$j" kernel-p50-us)") kp99+=("$(get "$j" kernel-p99-us)")
		up50+=("$(get "$j" tcp-p50-us)") up99+=("$(get "$j" tcp-p99-us)")
		rs+=("$(get "$j" ratio)")
	done
	name=rpc_rtt_$([ $size = 64 ] && echo 64 || echo 4k)
	echo "# $name per-round ratios: ${rs[*]}"
	echo "BENCH $name kernel_p50_us=$(int "$(med "${kp50[@]}")")" \
	     "kernel_p99_us=$(int "$(med "${kp99[@]}")")" \
	     "tcp_p50_us=$(int "$(med "${up50[@]}")")" \
	     "tcp_p99_us=$(int "$(med "${up99[@]}")")" \
	     "ratio=$($PY -c "import sys; print('%.2f' % float(sys.argv[1]))" "$(med "${rs[@]}")")"
done

# A 64 MiB ECHO moves 128 MiB; the stream moves 64 MiB one way. Five
# alternating rounds, ratio of the MB/s in each, median of those.
big=67108864
km=() um=() rs=()
for r in 1 2 3 4 5; do
	k=$(on 1 "$C -j ping 2 -s $big" | tail -1)
	on 2 "setsid timeout 300 $T server 7471 > /dev/null 2>&1 < /dev/null &"
	u=$(on 1 "$T stream 10.77.0.2 7471 $big" | tail -1)
	echo "# round $r kernel: $k"
	echo "# round $r tcp:    $u"
	kmbps=$($PY -c "import sys; print('%.2f' % (2 * $big / (float(sys.argv[1]) / 1e6) / 1e6))" "$(get "$k" avg-us)")
	km+=("$kmbps") um+=("$(get "$u" MBps)")
	rs+=("$(ratio "$kmbps" "$(get "$u" MBps)")")
done
echo "# rpc_throughput_64m per-round ratios: ${rs[*]}"
echo "BENCH rpc_throughput_64m kernel_MBps=$(med "${km[@]}") tcp_MBps=$(med "${um[@]}")" \
     "ratio=$($PY -c "import sys; print('%.2f' % float(sys.argv[1]))" "$(med "${rs[@]}")")"
