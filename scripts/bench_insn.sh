#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, second part: guest instructions per round trip, counted by a
# QEMU TCG plugin (bench/qemu_insn.so) in both guests, for cohort's ECHO and
# for the userspace TCP ping-pong between the same two guests.
#   rpc_insn_64 / rpc_insn_4k: instructions both guests execute per round
#     trip (kernel and user space; the runs of N1 and N2 round trips are
#     subtracted, so starting the programs does not count); ratio = kernel
#     / TCP (lower is better). Unlike the timed benchmarks these figures do
#     not drift with the emulator's speed; '#' lines show where the two
#     differ most, function by function.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
VMC=$TOP/scripts/vmcluster
KVER=${1:-}
D=$TOP/build/bench-insn
C=$TOP/userspace/cohortctl/cohortctl
T=$TOP/bench/tcp_echo
N1=${BENCH_INSN_N1:-500}
N2=${BENCH_INSN_N2:-2500}

. "$TOP/scripts/bench_cluster.sh"
bench_up --insn "$TOP/bench/qemu_insn.so"
dump() { "$VMC" insn --dir "$D" 1 "$1.1" && "$VMC" insn --dir "$D" 2 "$1.2"; }
for i in 1 2; do
	on $i "cat /proc/kallsyms" > "$D/kallsyms.$i" || exit 1
done

tcp_rt() {
	on 2 "setsid timeout 300 $T server 7471 > /dev/null 2>&1 < /dev/null &"
	on 1 "$T pingpong 10.77.0.2 7471 $1 $2" > /dev/null
}
kern_rt() { on 1 "$C -j ping 2 -b -c $2 -s $1" > /dev/null; }

for size in 64 4096; do
	# Once each first, so that the code measured is already translated.
	tcp_rt $size 200 && kern_rt $size 200 || exit 1
	for n in $N1 $N2; do
		dump "$D/start" && tcp_rt $size $n && dump "$D/tcp.$n" &&
			kern_rt $size $n && dump "$D/kern.$n" || exit 1
	done
	/usr/bin/python3 "$TOP/bench/insn_report.py" \
		"rpc_insn_$([ $size = 64 ] && echo 64 || echo 4k)" $N1 $N2 "$D" ||
		exit 1
done
