#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AVX state across a migration, on a 2-node cluster whose emulated CPU has
# AVX (vmcluster with COHORT_QEMU_CPU=max; the main lanes' qemu64 has
# none) running the test build of the module on both nodes. Prints TAP.
#
#   avx.sh DIR
#
# The test process (ckpt_victim with COHORT_VICTIM_AVX set) holds values
# in ymm0-3, 8, 9, 14 and 15 in a tight loop while it is migrated 1 -> 2,
# then checks them (and everything else it checks). With the test knob
# ckpt_corrupt=3 (one bit of ymm0's upper half flipped in the image) the
# same migration must make its AVX check fail.
set -u
. "$(dirname "$0")/lib.sh"
SLOW=${COHORT_SLOW:-1}
W=$D/shared/avx
V=$G/ckpt_victim
CHECKS=23	# the victim's checks, the AVX one included

rm -rf "$W"
mkdir -p "$W"
chmod 1777 "$W"
echo "TAP version 13"

json() { sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" <<< "$1"; }	# TEXT KEY
mig() { T=$((300 * SLOW)) on "$1" "$C -j migrate $2 $3; echo rc=\$?" 2>&1; }
finish() {	# NODE PID NAME: SIGUSR1, then its verdict line
	on "$1" "kill -USR1 $2; for k in \$(seq $((300 * SLOW))); do grep -q '^# [0-9]* failed' $W/$3.out && break; sleep 0.1; done" > /dev/null 2>&1
}

check "the guest CPU has AVX enabled (XSAVE AVX state in the kernel)" \
	sh -c "$VMC exec --dir $D 1 -- 'grep -qw avx /proc/cpuinfo && dmesg | grep -q \"AVX registers\"'"
for i in 1 2; do on $i "sh $G/cohortd_start.sh" > /dev/null & done
wait
for k in $(seq 30); do [ "$(on 1 "$C nodes" 2>&1 | grep -c ' up ')" = 1 ] && break; sleep 1; done

# --- 1: held in ymm registers while migrated, intact after
p=$(start 1 a1 "env COHORT_VICTIM_AVX=1 $V $W 4")
out=$(mig 1 "$p" 2)
echo "$out" | diag
finish 2 "$(json "$out" remote-pid)" a1
sed -n '/^#/p; /^not ok/p' "$W/a1.out" | diag
check "ymm registers held in a loop are intact after migration 1 -> 2, with all $CHECKS checks" \
	bash -c "grep -q rc=0 <<< '$out' && grep -q '^ok AVX registers' '$W/a1.out' &&
		[ \$(grep -c '^ok ' '$W/a1.out') = $CHECKS ] && grep -q '^# 0 failed' '$W/a1.out'"

# --- 2: the check can fail: one bit of ymm0's upper half flipped
p=$(start 1 a2 "env COHORT_VICTIM_AVX=1 $V $W 4")
on 1 "echo 3 > /sys/kernel/debug/cohort/ckpt_corrupt" > /dev/null
out=$(mig 1 "$p" 2)
echo "$out" | diag
finish 2 "$(json "$out" remote-pid)" a2
sed -n '/^not ok/p' "$W/a2.out" | diag
check "with one bit of ymm0's upper half flipped in the image, the AVX check fails (and only it)" \
	bash -c "grep -q rc=0 <<< '$out' && grep -q '^not ok AVX registers' '$W/a2.out' &&
		[ \$(grep -c '^not ok' '$W/a2.out') = 1 ] && grep -q '^ok SSE registers' '$W/a2.out'"

echo "1..$n"
[ "$failed" = 0 ]
