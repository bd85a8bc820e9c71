#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: host unit tests, then the guest suites on each kernel given
# (KVER...), all reported as one flat TAP stream; the last line is
# "N passed, N failed" (", N skipped" when any were skipped). Exits non-zero
# on any failure. Results and consoles are kept in build/check/.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
VMC=$TOP/scripts/vmcluster
OUT=$TOP/build/check
PY=/usr/bin/python3

pass=0
fail=0
skip=0
n=0
clusters=()

emit() {	# emit ok|not-ok|skip NAME
	n=$((n + 1))
	case $1 in
	ok) pass=$((pass + 1)); echo "ok $n $2" ;;
	skip) skip=$((skip + 1)); echo "ok $n $2 # SKIP" ;;
	*) fail=$((fail + 1)); echo "not ok $n $2" ;;
	esac
}

# collect PREFIX FILE: re-emit the TAP results found in FILE.
collect() {
	local top=$1 file=$2 line name prefix=$1
	while IFS= read -r line; do
		case $line in
		"# suite: "*)
			prefix="$top: ${line#\# suite: }"
			prefix=${prefix%.sh}
			echo "$line" ;;
		"ok "*"# SKIP"*)
			name=${line#ok }; name=${name#* }
			emit skip "$prefix: ${name%% # SKIP*}" ;;
		"ok "*)
			name=${line#ok }; emit ok "$prefix: ${name#* }" ;;
		"not ok "*)
			name=${line#not ok }; emit fail "$prefix: ${name#* }" ;;
		"# exit: "*|"#  "*RUN*|"#  "*OK*|"# Starting"*|"# PASSED"*|"# Totals"*)
			;;
		"#"*)
			echo "$line" ;;
		esac
	done < "$file"
}

# run_tap PREFIX CMD...: run a TAP-printing command; a non-zero exit with
# no failed result in its output still counts as a failure.
run_tap() {
	local prefix=$1 f before rc
	shift
	f=$(mktemp "$OUT/tap.XXXXXX")
	"$@" > "$f" 2>&1
	rc=$?
	before=$fail
	collect "$prefix" "$f"
	if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
		sed 's/^/# /' "$f" | tail -20
		emit fail "$prefix: exited with status $rc"
	fi
}

cleanup() {
	local d
	for d in "${clusters[@]}"; do
		"$VMC" down --dir "$d" > /dev/null 2>&1
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$OUT"
echo "TAP version 13"

# ---- host
echo "# host unit tests"
run_tap "host: name rules" "$TOP/selftests/host/name_test"
run_tap "host" "$PY" "$TOP/selftests/host/spec_check.py"
run_tap "host: wire" "$TOP/selftests/host/wire_test"
# The frame parser under libFuzzer (ASan/UBSan), for a bounded time.
fz=$OUT/fuzz
mkdir -p "$fz/corpus"
if (cd "$fz" && "$TOP/selftests/host/wire_fuzz" -max_total_time=20 \
	-print_final_stats=1 corpus > "$fz/log" 2>&1); then
	grep -E '^stat::number_of_executed_units' "$fz/log" | sed 's/^/# /'
	emit ok "host: wire parser fuzzed 20 s without a crash"
else
	tail -20 "$fz/log" | sed 's/^/# /'
	emit fail "host: wire parser fuzzed 20 s without a crash"
fi

# The image parser (the kernel's own code over a host shim): unit test,
# then libFuzzer from its valid image for a bounded time.
run_tap "host: image" "$TOP/selftests/host/image_test"
fz=$OUT/image-fuzz
mkdir -p "$fz/corpus"
if COHORT_IMAGE_SEED=$fz/corpus/seed "$TOP/selftests/host/image_test" -t seed_accepted > /dev/null 2>&1 &&
	(cd "$fz" && "$TOP/selftests/host/image_fuzz" -max_total_time=20 \
	-print_final_stats=1 corpus > "$fz/log" 2>&1); then
	grep -E '^stat::number_of_executed_units' "$fz/log" | sed 's/^/# /'
	emit ok "host: image parser fuzzed 20 s without a crash"
else
	tail -20 "$fz/log" 2>/dev/null | sed 's/^/# /'
	emit fail "host: image parser fuzzed 20 s without a crash"
fi

# debug_instruments TESTMOD: on the debug kernel, each instrument must
# catch the bug the test build commits on purpose (kernel/selftest_hooks.c),
# and the run must fail on it; so must a WARN. One boot; lockdep's bug
# goes first, since a KASAN report turns lockdep off (it taints the kernel).
debug_instruments() {
	local w=$OUT/debug-instruments con rc
	"$VMC" run -n 1 --kver debug --module "$1" --dir "$w" --timeout 300 -- \
		'd=/sys/kernel/debug/cohort
		 for t in lockdep warn ubsan leak oob; do
			echo 1 > $d/trigger_$t || exit 1
		 done' > "$w.log" 2>&1
	rc=$?
	con=$w/node1.console
	instrument() {	# instrument NAME PATTERN [PATTERN...]: all in the console
		local name=$1 p
		shift
		for p in "$@"; do
			if ! grep -q -e "$p" "$con" 2>/dev/null; then
				echo "# no '$p' on the console"
				emit fail "debug: $name"
				return
			fi
		done
		emit ok "debug: $name"
	}
	instrument "lockdep reports a lock-order inversion" \
		'WARNING: possible circular locking dependency detected' \
		'bug_lockdep'
	instrument "a kernel WARNING is on the console" \
		'WARNING: CPU: .* bug_warn'
	instrument "UBSAN reports an oversized shift" \
		'UBSAN: shift-out-of-bounds' 'selftest_hooks.c'
	instrument "kmemleak reports a leaked allocation at the end of the run" \
		'unreferenced object .* (size 128)' 'bug_leak'
	instrument "KASAN reports an out-of-bounds read" \
		'BUG: KASAN: slab-out-of-bounds in bug_oob'
	if [ $rc -eq 1 ] && grep -q 'console scan' "$w.log" &&
	   grep -q 'unreferenced object' "$w/scan.txt" &&
	   grep -q 'UBSAN' "$w/scan.txt" && grep -q 'KASAN' "$w/scan.txt" &&
	   grep -q 'possible circular locking' "$w/scan.txt" &&
	   grep -q 'WARNING: CPU: .* bug_warn' "$w/scan.txt"; then
		emit ok "debug: the console scan fails the run on each of them"
	else
		sed 's/^/# /' "$w.log" | tail -10
		emit fail "debug: the console scan fails the run on each of them (exit $rc)"
	fi
}

# ---- guests
# lane KVER: every guest suite on one kernel, as TAP (numbered on its own;
# relayed into the main stream by relay()).
lane() {
	local kver=$1 mod testmod d w rc big div slow heap nmut ping3 kl i laps faults

	mod=$TOP/build/mod/$kver/kernel/cohort.ko
	testmod=$TOP/build/mod/$kver-test/kernel/cohort.ko
	d=$OUT/$kver
	echo "# guest suite on $kver"
	clusters+=("$d")
	# A debug guest's boot scans for leaks before cohort loads: it took
	# 122 s once (vmcluster's default bound is 90 s). For every boot of
	# the lane, the suites' restarts included (the lane is a subshell).
	[ "$kver" = debug ] && export COHORT_BOOT_TIMEOUT=300
	# The watchdog's bound: twice what a lane took on a slow day (the
	# debug lane took 45 minutes when the host was half its usual speed).
	if ! "$VMC" up -n 3 --kver "$kver" --module "$mod" --dir "$d" \
		--max-life "$([ "$kver" = debug ] && echo 4800 || echo 1800)" > "$OUT/$kver.up.log" 2>&1; then
		sed 's/^/# /' "$OUT/$kver.up.log"
		emit fail "$kver: 3-node cluster boots"
		return
	fi
	emit ok "$kver: 3-node cluster boots"

	# Single-node suite on node 1. Not on the debug kernel, where it
	# took 6 minutes of a lane that must fit CI's time: its netlink,
	# sysfs and chardev input paths run there under the cluster suites.
	if [ "$kver" != debug ]; then
		"$VMC" exec --dir "$d" --timeout 600 1 -- \
			"sh $TOP/selftests/guest/run.sh" > "$d/single.tap" 2>&1
		collect "$kver" "$d/single.tap"
		grep -q '^# suite: ynl.sh' "$d/single.tap" ||
			emit fail "$kver: single-node suite ran to the end"
	fi

	# Every node loads the module and reports its own id.
	for i in 1 2 3; do
		"$VMC" exec --dir "$d" --timeout 60 "$i" -- \
			"sh $TOP/selftests/guest/cluster.sh" > "$d/cluster.$i" 2>&1 &
	done
	wait
	if "$PY" - "$d" <<'EOF'
import json, sys
seen = {}
for i in (1, 2, 3):
    last = open(f"{sys.argv[1]}/cluster.{i}").read().strip().splitlines()[-1]
    info = json.loads(last)
    assert info["node-id"] == i and info["node-name"] == f"node{i}", (i, info)
    seen[i] = info
print("# " + "; ".join(f"node {i}: id {v['node-id']} ({v['node-name']})" for i, v in seen.items()))
EOF
	then
		emit ok "$kver: 3 nodes each load cohort and report their own id"
	else
		sed 's/^/# /' "$d"/cluster.*
		emit fail "$kver: 3 nodes each load cohort and report their own id"
	fi

	# The cluster transport: formation, ECHO, failures, keys, hostile
	# input, unload (selftests/cluster/transport.sh).
	# On the debug kernel, where a 64 MiB ECHO takes five minutes and a
	# 64-byte call about 40 ms, the largest calls are 8 MiB, the
	# concurrency checks make a tenth of the calls and "at once" is 5x.
	# Its nodes judge a peer dead after 10 s of silence, not 3: a
	# streamed frame's sender there can go quiet for seconds while the
	# link is sound (cohortd_start.sh and lib.sh read shared/dead_ms).
	# The hostile peer sends a fifth of the frames there, with as many
	# insider rounds (one round in 10, not 50).
	big=67108864 div=1 slow=1 nh=100000 hevery=50
	rm -f "$d/shared/dead_ms"
	if [ "$kver" = debug ]; then
		big=8388608 div=10 slow=5 nh=20000 hevery=10
		echo 10000 > "$d/shared/dead_ms"
	fi
	COHORT_BIG_ECHO=$big COHORT_RPC_DIV=$div COHORT_SLOW=$slow \
	COHORT_HOSTILE_FRAMES=$nh COHORT_HOSTILE_AUTH_EVERY=$hevery \
		"$TOP/selftests/cluster/transport.sh" "$d" > "$d/transport.tap" 2>&1
	collect "$kver: transport" "$d/transport.tap"
	grep -q '^1\.\.' "$d/transport.tap" ||
		emit fail "$kver: transport suite ran to the end"

	# Encrypted links: a capture, every frame shape, a node that
	# disagrees (selftests/cluster/encrypt.sh).
	COHORT_SLOW=$slow "$TOP/selftests/cluster/encrypt.sh" "$d" > "$d/encrypt.tap" 2>&1
	collect "$kver: encrypt" "$d/encrypt.tap"
	grep -q '^1\.\.' "$d/encrypt.tap" ||
		emit fail "$kver: encryption suite ran to the end"

	# Hardening: floods (silent connections, a peer that never reads), a
	# listen that failed, long PINGs against genetlink users
	# (selftests/cluster/hardening.sh). Its bytes-in-flight check uses
	# 32 MiB ECHOs (the cap is an eighth of that). Not on the debug
	# kernel: the floods cannot be mounted there in their bounds, and
	# the rest is timing and rate behaviour, paths the other suites and
	# lanes cover (it took 9 of the debug lane's 60 minutes).
	if [ "$kver" != debug ]; then
		COHORT_BIG_ECHO=33554432 COHORT_SLOW=$slow \
			"$TOP/selftests/cluster/hardening.sh" "$d" > "$d/hardening.tap" 2>&1
		collect "$kver: hardening" "$d/hardening.tap"
		grep -q '^1\.\.' "$d/hardening.tap" ||
			emit fail "$kver: hardening suite ran to the end"
	fi

	# Checkpoint and restore: a process with every kind of state moved
	# between nodes, corrupted and hostile images, refusals, real
	# programs (selftests/cluster/ckpt.sh): 50 hostile images (the image
	# parser is fuzzed on the host too). The debug kernel gets a smaller
	# heap and 24 hostile images.
	heap=64 nmut=50
	[ "$kver" = debug ] && heap=8 nmut=24
	COHORT_SLOW=$slow COHORT_CKPT_HEAP_MB=$heap COHORT_CKPT_MUTANTS=$nmut \
		"$TOP/selftests/cluster/ckpt.sh" "$d" > "$d/ckpt.tap" 2>&1
	collect "$kver: ckpt" "$d/ckpt.tap"
	grep -q '^1\.\.' "$d/ckpt.tap" ||
		emit fail "$kver: checkpoint suite ran to the end"

	# Migration: a process moved 1 -> 2 -> 3 -> 1 and checked, refusals,
	# no restorer at the destination, the destination cut off mid-way,
	# real programs (selftests/cluster/migrate.sh).
	# 6.1 moves one process 50 times round the nodes, 6.12 20 times; the
	# debug lane leaves out the laps and the protocol faults (their
	# logic is the same on every kernel; its KASAN and lockdep still see
	# every migration path of sections 1-4).
	laps=50 faults=1
	[ "$kver" = debug ] && faults=0
	case $kver in 6.12*) laps=20 ;; esac
	COHORT_SLOW=$slow COHORT_CKPT_HEAP_MB=$heap COHORT_MIG_LAPS=$laps \
	COHORT_MIG_FAULTS=$faults \
		"$TOP/selftests/cluster/migrate.sh" "$d" > "$d/migrate.tap" 2>&1
	collect "$kver: migrate" "$d/migrate.tap"
	grep -q '^1\.\.' "$d/migrate.tap" ||
		emit fail "$kver: migration suite ran to the end"

	# Scenario controls: cut one node off the switch and back, kill one
	# and restart it, while the others keep running.
	ping3="busybox ping -c 1 -W 2 10.77.0.3 > /dev/null"
	"$VMC" cut --dir "$d" 3 &&
		! "$VMC" exec --dir "$d" --timeout 30 1 -- "$ping3" > /dev/null 2>&1 &&
		"$VMC" uncut --dir "$d" 3 &&
		"$VMC" exec --dir "$d" --timeout 30 1 -- \
			"for i in 1 2 3 4 5; do $ping3 && exit 0; done; exit 1" > /dev/null 2>&1
	emit "$([ $? -eq 0 ] && echo ok || echo fail)" \
		"$kver: vmcluster cut/uncut takes a node off the network and back"
	# (not on the debug kernel, where one boot takes minutes: vmcluster
	# itself is the same on every lane)
	[ "$kver" = debug ] || {
	"$VMC" kill --dir "$d" 2 &&
		! "$VMC" exec --dir "$d" --timeout 10 2 -- true > /dev/null 2>&1 &&
		"$VMC" exec --dir "$d" --timeout 30 3 -- true &&
		"$VMC" restart --dir "$d" 2 > "$d/restart.log" 2>&1 &&
		"$VMC" exec --dir "$d" --timeout 30 2 -- \
			"lsmod | grep -q '^cohort ' && [ \$(cat /sys/kernel/cohort/node_id) = 0 ]"
	emit "$([ $? -eq 0 ] && echo ok || echo fail)" \
		"$kver: vmcluster kill/restart one node while the others run"
	}

	# Where the lane's time went: each cluster suite's total, and the
	# slowest steps (selftests/cluster/lib.sh writes times.tsv).
	if [ -s "$d/times.tsv" ]; then
		awk -F'\t' '{ s[$1] += $3 } END { for (k in s) printf "# %s: %s took %d s\n", kv, k, s[k] }' \
			kv="$kver" "$d/times.tsv"
		sort -t "$(printf '\t')" -k3,3nr "$d/times.tsv" | head -n 6 |
			awk -F'\t' '{ printf "# slow step: %s %s (%d s): %s\n", $1, $2, $3, $4 }'
	fi

	if "$VMC" down --dir "$d" > "$OUT/$kver.down.log" 2>&1; then
		emit ok "$kver: consoles clean (no BUG/WARNING/Oops/hung task/stall)"
	else
		sed 's/^/# /' "$OUT/$kver.down.log" | head -20
		emit fail "$kver: consoles clean (no BUG/WARNING/Oops/hung task/stall)"
	fi
	if [ "$kver" = debug ]; then
		# Clean must mean scanned: each node's last boot ends with
		# the end-of-run kmemleak scan (scripts/guest/kmemleak.sh).
		kl=ok
		for i in 1 2 3; do
			awk '/===== vmcluster: boot/ { s = "" } /cohort-kmemleak: end-of-run scan: no leak/ { s = 1 } END { exit !s }' \
				"$d/node$i.console" || { echo "# node $i: no end-of-run kmemleak scan found no leak"; kl=fail; }
		done
		emit $kl "$kver: kmemleak scanned every node at the end and found no leak"
	fi

	# The console scan must be able to fail, and on the debug kernel each
	# instrument must report (one boot, debug_instruments). There the
	# notifier's run is left out: 6.1 and 6.12 cover it.
	if [ "$kver" = debug ]; then
		debug_instruments "$testmod"
		return
	fi

	# AVX registers across a migration: a 2-node cluster whose emulated
	# CPU has AVX (qemu64, the lanes' CPU, has none), the test build on
	# both nodes for its corruption knob (selftests/cluster/avx.sh).
	w=$OUT/$kver-avx
	clusters+=("$w")
	if COHORT_QEMU_CPU=max "$VMC" up -n 2 --kver "$kver" --module "$testmod" \
		--dir "$w" --max-life 900 > "$w.up.log" 2>&1; then
		"$TOP/selftests/cluster/avx.sh" "$w" > "$w/avx.tap" 2>&1
		collect "$kver: avx" "$w/avx.tap"
		grep -q '^1\.\.' "$w/avx.tap" ||
			emit fail "$kver: AVX suite ran to the end"
		if "$VMC" down --dir "$w" > "$w.down.log" 2>&1; then
			emit ok "$kver: AVX cluster's consoles clean"
		else
			sed 's/^/# /' "$w.down.log" | head -20
			emit fail "$kver: AVX cluster's consoles clean"
		fi
	else
		sed 's/^/# /' "$w.up.log"
		emit fail "$kver: 2-node cluster with an AVX CPU boots"
	fi

	# The in-kernel notifier chain, seen by the test build's subscriber.
	w=$OUT/$kver-notifier
	run_tap "$kver: notifier" "$VMC" run -n 1 --kver "$kver" \
		--module "$testmod" --dir "$w" --timeout 180 -- \
		"sh $TOP/selftests/guest/notifier.sh"

	# The console scan must be able to fail: a deliberate WARN in the
	# test build of the module has to fail the run.
	w=$OUT/$kver-warn
	"$VMC" run -n 1 --kver "$kver" --module "$testmod" --dir "$w" \
		--timeout 120 -- \
		'echo 1 > /sys/kernel/debug/cohort/trigger_warn; sleep 1' \
		> "$w.log" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q 'WARNING:' "$w/scan.txt" &&
	   grep -q 'console scan' "$w.log"; then
		emit ok "$kver: a kernel WARNING fails the run (console scan works)"
	else
		sed 's/^/# /' "$w.log" | tail -10
		emit fail "$kver: a kernel WARNING fails the run (exit $rc)"
	fi
}

# relay FILE: re-emit a lane's results, in the main numbering.
relay() {
	local line name
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"*)
			name=${line#ok }; name=${name#* }; emit skip "${name%% # SKIP*}" ;;
		"ok "*)
			name=${line#ok }; emit ok "${name#* }" ;;
		"not ok "*)
			name=${line#not ok }; emit fail "${name#* }" ;;
		*)
			echo "$line" ;;
		esac
	done < "$1"
}

# emulator_fault KVER: whether a console of the lane shows the emulator's
# own fault: a register dump whose RFLAGS has reserved bits (22-31) set,
# which no guest code can set (QEMU 7.2's TCG, seen at the slab
# allocator's fast path as a spurious debug trap or a double fault; see
# Documentation/testing.md). Prints what it found.
emulator_fault() {
	"$PY" - "$OUT" "$1" <<'PYEOF'
import glob, re, sys
out, kver = sys.argv[1], sys.argv[2]
hits = []
for c in sorted(glob.glob(f"{out}/{kver}/node*.console") + glob.glob(f"{out}/{kver}-*/node*.console")):
    for line in open(c, errors="replace"):
        m = re.search(r"EFLAGS: ([0-9a-f]{8,16})", line)
        if m and int(m.group(1), 16) & 0xffc00000:
            hits.append(f"{c.split('/')[-2]}/{c.split('/')[-1]}: {line.strip()}")
for h in hits[:4]:
    print(f"# emulator fault: {h}")
sys.exit(0 if hits else 1)
PYEOF
}

# The lanes run one after the other (a lane beside another, or beside
# the debug kernel's build, slowed both by half and failed the 6.x lanes'
# time bounds); each lane's results are relayed as soon as it ends.
for kver in "$@"; do
	for attempt in 1 2; do
		( trap cleanup EXIT; lane "$kver" ) > "$OUT/$kver.lane" 2>&1
		if [ $attempt = 1 ] && grep -q '^not ok' "$OUT/$kver.lane" &&
		   emulator_fault "$kver"; then
			echo "# $kver: the emulator faulted (above), not the module: the lane runs once more; the first attempt is kept in $OUT/attempt1"
			mkdir -p "$OUT/attempt1"
			mv "$OUT/$kver.lane" "$OUT/$kver" "$OUT/$kver"-* "$OUT/attempt1/" 2>/dev/null
			continue
		fi
		break
	done
	relay "$OUT/$kver.lane"
done

echo "1..$n"
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
