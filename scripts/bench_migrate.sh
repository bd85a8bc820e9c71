#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/migrate (make bench): a process with 1, 16, 64 and 256 MiB
# resident (bench/mig_load) moved from node 1 to node 2 of one virtual
# cluster, against CRIU in the same two guests in the same run.
#   cohort: `cohortctl migrate PID 2`, its total time (issued -> running
#     on node 2, as the kernel measures it) and the image bytes it moved
#   CRIU: `criu dump` of the same program into a tmpfs on node 1, the
#     images copied to node 2 over TCP (bench/xfer.py), `criu restore`
#     there; the sum of the three, each timed in its guest
#   TCP: a stream of the image's bytes between the same guests
#     (bench/tcp_echo stream), the time the bytes alone would take
# Each moved process is then told to check its memory on node 2 (a
# damaged copy fails the bench). Prints
#   BENCH migrate_<N>m total_ms= bytes= criu_ms= ... ratio=<cohort/CRIU>
# Goals at 64 MiB: ratio <= 0.5, and total <= 1.3 x the TCP time
# (tcp_ratio).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
VMC=$TOP/scripts/vmcluster
KVER=${1:-}
D=$TOP/build/bench-migrate
C=$TOP/userspace/cohortctl/cohortctl
L=$TOP/bench/mig_load
X=$TOP/bench/xfer.py
T=$TOP/bench/tcp_echo
PY=/usr/bin/python3
SIZES=${BENCH_MIG_SIZES:-1 16 64 256}

. "$TOP/scripts/bench_cluster.sh"
bench_up --mem 1536
W=$D/shared/mig
mkdir -p "$W"

num() { sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" <<< "$1"; }	# JSON KEY
calc() { $PY -c "import sys; print(eval(sys.argv[1]))" "$1"; }
fail() { echo "bench: $*" >&2; exit 1; }

# start NAME MIB: mig_load on node 1 in its own session, no terminal,
# its output on the shared folder; prints its PID once it is filled
start() {
	on 1 "cd /tmp; ( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; exec setsid $L $2 < /dev/null > $W/$1.out 2>&1 ) &
		for k in \$(seq 3000); do grep -q '^ready' $W/$1.out && break; sleep 0.1; done
		sed -n 's/^ready //p' $W/$1.out"
}
# verify NODE PID NAME: SIGUSR1, and its memory must be intact
verify() {
	on "$1" "kill -USR1 $2; for k in \$(seq 600); do grep -q 'intact\|damaged' $W/$3.out && break; sleep 0.1; done" > /dev/null
	grep -q '^intact' "$W/$3.out" || fail "$3: $(tail -n 1 "$W/$3.out")"
}

on 1 "criu check > /dev/null 2>&1" || echo "# criu check complains (it may still dump and restore): $(on 1 "criu check 2>&1 | tail -n 1")"
for mib in $SIZES; do
	# cohort
	p=$(start c$mib "$mib")
	[ -n "$p" ] || fail "mig_load $mib did not start"
	out=$(on 1 "$C -j migrate $p 2")
	echo "# cohort $mib MiB: $out"
	tot=$(num "$out" total-us) bytes=$(num "$out" bytes) fr=$(num "$out" freeze-us)
	rp=$(num "$out" remote-pid)
	[ -n "$tot" ] && [ -n "$rp" ] || fail "migration of $mib MiB failed: $out"
	verify 2 "$rp" c$mib

	# CRIU: dump on node 1 (to its tmpfs), copy, restore on node 2
	p=$(start r$mib "$mib")
	on 1 "rm -rf /tmp/ci; mkdir -p /tmp/ci" > /dev/null
	on 2 "rm -rf /tmp/ci /tmp/ci.tar; mkdir -p /tmp/ci" > /dev/null
	dump=$(on 1 "t0=\$(date +%s%N); criu dump -t $p -D /tmp/ci --shell-job -o dump.log ||
		{ tail -n 5 /tmp/ci/dump.log; exit 1; }; t1=\$(date +%s%N)
		tar cf /tmp/ci.tar -C /tmp/ci . && echo \$(( (t1 - t0) / 1000 )) \$(stat -c %s /tmp/ci.tar)") ||
		fail "criu dump of $mib MiB: $dump"
	set -- $dump
	dump_us=$1 cbytes=$2
	on 2 "setsid $PY $X recv 7480 /tmp/ci.tar < /dev/null > /dev/null 2>&1 &" > /dev/null
	sleep 1
	copy_ms=$(on 1 "$PY $X send 10.77.0.2 7480 /tmp/ci.tar; rm -rf /tmp/ci /tmp/ci.tar") ||
		fail "copy of the CRIU images: $copy_ms"
	rst=$(on 2 "t0=\$(date +%s%N); tar xf /tmp/ci.tar -C /tmp/ci &&
		criu restore -D /tmp/ci --shell-job -d -o restore.log ||
		{ tail -n 5 /tmp/ci/restore.log; exit 1; }; t1=\$(date +%s%N); echo \$(( (t1 - t0) / 1000 ))") ||
		fail "criu restore of $mib MiB: $rst"
	on 2 "rm -rf /tmp/ci /tmp/ci.tar" > /dev/null
	verify 2 "$p" r$mib
	echo "# criu $mib MiB: dump ${dump_us} us, images $cbytes bytes, copy $copy_ms ms, restore $rst us"

	# the same bytes as one TCP stream between the guests
	on 2 "setsid timeout 300 $T server 7471 > /dev/null 2>&1 < /dev/null &"
	s=$(on 1 "$T stream 10.77.0.2 7471 $bytes" | tail -n 1)
	mbps=$(num "$s" MBps)
	[ -n "$mbps" ] || fail "tcp stream: $s"

	tot_ms=$(calc "round($tot / 1000, 1)")
	criu_ms=$(calc "round($dump_us / 1000 + $copy_ms + $rst / 1000, 1)")
	tcp_ms=$(calc "round($bytes / ($mbps * 1e6) * 1000, 1)")
	echo "BENCH migrate_${mib}m total_ms=$tot_ms freeze_ms=$(calc "round($fr / 1000, 1)") bytes=$bytes" \
	     "criu_ms=$criu_ms criu_dump_ms=$(calc "round($dump_us / 1000, 1)") criu_copy_ms=$copy_ms" \
	     "criu_restore_ms=$(calc "round($rst / 1000, 1)") criu_bytes=$cbytes" \
	     "tcp_MBps=$mbps tcp_ms=$tcp_ms tcp_ratio=$(calc "'%.2f' % ($tot_ms / $tcp_ms)")" \
	     "ratio=$(calc "'%.2f' % ($tot_ms / $criu_ms)")"
done
