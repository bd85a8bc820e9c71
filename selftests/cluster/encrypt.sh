#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Encrypted links, driven from the host on a running 3-node virtual
# cluster (scripts/vmcluster up -n 3 --dir DIR) whose nodes run cohortd
# (selftests/guest/cohortd_start.sh). Prints TAP.
#
#   encrypt.sh DIR
#
# A capture on node 2 (tcpdump, of the cluster port) must hold the 4 KiB
# marker an ECHO from node 1 carries when encryption is off, and none of
# it when it is on; calls of every frame shape (small, paged, streamed)
# come back identical across the key's ratchet while encrypted; a node
# that disagrees is refused, saying why; the setting is reported and
# malformed values are refused.
set -u
. "$(dirname "$0")/lib.sh"

MARK=c0ffee00deadbeef5a5a0123456789ab	# 16 bytes, repeated over 4 KiB
TESTMOD='${COHORT_MOD%/kernel/cohort.ko}-test/kernel/cohort.ko'
START=$(( (1 << 32) - 40 ))		# 40 frames before the first ratchet

# restart ENC [plain]: every node loads the test build (sequence numbers
# start near the ratchet), or with "plain" the module itself, and runs
# cohortd with "encrypt ENC"; node 1 waits for both peers.
restart() {
	local i mod="$TESTMOD test_seq_start=$START"
	[ "${2:-}" = plain ] && mod='$COHORT_MOD'
	for i in 3 2 1; do
		on $i "kill \$(cat /tmp/cohortd.pid) 2> /dev/null; rm -f /tmp/cohortd.pid
			rmmod cohort 2> /dev/null; insmod $mod &&
			COHORT_ENCRYPT=$1 sh $G/cohortd_start.sh" > /dev/null
	done
	on 1 "sh $G/wait_state.sh 2 up 30 && sh $G/wait_state.sh 3 up 30" > /dev/null
}

# capture NAME: node 2 records the cluster port while node 1 sends one
# 4 KiB ECHO full of the marker; prints how many 64-byte runs of the
# marker the capture holds (both ways: request and answer), then the
# packet count.
capture() {
	on 2 "rm -f /tmp/$1.pcap
		tcpdump -i eth0 -U -s 0 -Z root -w /tmp/$1.pcap tcp port 7470 2> /tmp/$1.err &
		echo \$! > /tmp/tcpdump.pid; sleep 2" > /dev/null
	on 1 "$C ping 2 -c 1 -s 4096 -p $MARK" > /dev/null || echo "# ping failed"
	on 2 "sleep 1; kill \$(cat /tmp/tcpdump.pid); sleep 1
		python3 -c \"
import sys
d = open('/tmp/$1.pcap', 'rb').read()
print(d.count(bytes.fromhex('$MARK') * 4), len(d))
\"; tail -1 /tmp/$1.err"
}

echo "TAP version 13"

# --- off (the default): the marker crosses the wire in the clear
restart off
out=$(on 1 "$C info")
echo "$out" | diag
check "cohortctl info says encryption is off by default" \
	sh -c "echo '$out' | grep -qx 'encryption: off'"
set -- $(capture plain)
echo "# encryption off: $1 marker runs in a capture of $2 bytes"
check "encryption off: a capture shows the ECHO's 4 KiB marker" [ "${1:-0}" -ge 64 ]

# --- on: nothing of it
restart on
out=$(on 1 "$C -j info")
echo "$out" | diag
check "cohortctl -j info says encryption is on" \
	sh -c "echo '$out' | grep -q '\"encrypt\": true'"
set -- $(capture secret)
echo "# encryption on: $1 marker runs in a capture of $2 bytes"
check "encryption on: a capture of the same ECHO holds none of the marker" \
	sh -c "[ '${1:-1}' = 0 ] && [ '${2:-0}' -gt 8192 ]"

# --- encrypted calls of every shape come back identical (the kernel
# compares them byte for byte), across the key's ratchet
r0=$(on 1 "cat /sys/kernel/cohort/stats/rekeys")
REFUSED="cat /sys/kernel/cohort/nodes/*/malformed /sys/kernel/cohort/nodes/*/auth_failures | awk '{ s += \$1 } END { print s }'"
f0=$(on 2 "$REFUSED")
# (each ECHO may take COHORT_SLOW times the default time: pingw)
sizes=
for s in 0 1 100 4095 4096 4097 65536 65537 1048576 3000001; do
	sizes="$sizes$C ping 2 -c 2 -s $s -W $(pingw $s) > /dev/null || echo size $s failed
	"
done
out=$(T=$((300 * ${COHORT_SLOW:-1})) on 1 "$C -j ping 2 -c 100 -s 64 > /tmp/e1 & $C -j ping 3 -c 50 -s 8192 > /tmp/e2 &
	$sizes wait; cat /tmp/e1 /tmp/e2" 2>&1)
echo "$out" | diag
r1=$(on 1 "cat /sys/kernel/cohort/stats/rekeys")
check "encrypted ECHOs of 0 B to 3 MB (small, paged, streamed) come back identical" \
	sh -c "! echo '$out' | grep -q failed && /usr/bin/python3 -c \"
import json, sys
rs = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith('{')]
assert len(rs) == 2 and [r['ok'] for r in rs] == [100, 50], rs
\" '$out'"
# (Counted since the module was loaded with encryption on: on a slow
# kernel the heartbeats may cross the ratchet before the calls start.)
echo "# key ratchets on node 1: $r0 before the calls, $r1 after"
check "the encrypted links ratcheted their keys (both directions)" [ "$r1" -ge 2 ]
f1=$(on 2 "$REFUSED")
check "node 2 refused no frame meanwhile (malformed, auth failures: $f0 -> $f1)" [ "$f1" = "$f0" ]

# --- a node that disagrees is refused, and the event says why
a0=$(on 1 "cat /sys/kernel/cohort/nodes/3/auth_failures")
on 3 "COHORT_ENCRYPT=off sh $G/cohortd_start.sh" > /dev/null
sleep 3
st=$(on 1 "cat /sys/kernel/cohort/nodes/3/state")
a1=$(on 1 "cat /sys/kernel/cohort/nodes/3/auth_failures")
ev1=$(on 1 "grep -c 'auth-failed.*encryption differs (this node: on, peer: off)' /tmp/cohortd.log")
ev3=$(on 3 "grep -c 'auth-failed.*encryption differs (this node: off, peer: on)' /tmp/cohortd.log")
echo "# node 3 as seen from node 1: $st, auth failures $a0 -> $a1; events: node 1 $ev1, node 3 $ev3"
check "mismatched encryption: the link is refused and both events say why" \
	sh -c "[ '$st' != up ] && [ $a1 -gt $a0 ] && [ '${ev1:-0}' -ge 1 ] && [ '${ev3:-0}' -ge 1 ]"
on 3 "COHORT_ENCRYPT=on sh $G/cohortd_start.sh" > /dev/null
check "once it agrees again the link comes up and answers" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'sh $G/wait_state.sh 3 up 30 && $C ping 3 -c 3 -s 4096' > /dev/null"

# --- bad input
out=$(on 1 "$C cluster set --encrypt maybe; echo rc=\$?; $C cluster --encrypt on; echo rc=\$?" 2>&1)
echo "$out" | diag
check "cohortctl refuses --encrypt maybe (usage) and takes cluster --encrypt on" \
	sh -c "echo '$out' | grep -q 'takes on or off' && [ '$(echo "$out" | grep -o 'rc=[0-9]*' | tr '\n' ' ')' = 'rc=2 rc=0 ' ]"
out=$(on 1 "printf 'cluster-id 77\nkey-file /tmp/cohort.key\nself 1\nencrypt yes\nnode 1 node1 10.77.0.1\n' > /tmp/bad.conf
	$TOP/userspace/cohortd/cohortd --check -c /tmp/bad.conf; echo rc=\$?" 2>&1)
echo "$out" | diag
check "cohortd refuses 'encrypt yes', naming the line" \
	sh -c "echo '$out' | grep -q 'bad.conf:4: encrypt must be on or off' && echo '$out' | grep -q rc=2"

# back to the default (the plain module, encryption off), for whatever
# runs next on this cluster
restart off plain

echo "1..$n"
[ $failed = 0 ]
