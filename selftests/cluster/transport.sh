#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Transport and membership scenarios, driven from the host on a running
# 3-node virtual cluster (scripts/vmcluster up -n 3 --dir DIR). Prints TAP.
#
#   node1 ---+
#   node2 ---+--- vde_switch (10.77.0.0/24)
#   node3 ---+
#
#   transport.sh DIR
#
# COHORT_BIG_ECHO: the size of the largest ECHO and of the calls kept in
# flight by the replaced-connection and killed-caller checks (default
# 64 MiB; check.sh uses 8 MiB on the debug kernel, where 64 MiB take
# minutes and 8 MiB go through the same streamed, paged path).
# COHORT_RPC_DIV: divides the number of calls of the concurrency checks
# (default 1: 10,000 from 4 callers, 1,500 back to back, 4,000 both ways;
# check.sh uses 10 on the debug kernel). COHORT_SLOW: multiplies the
# bound of the killed-caller check (default 1; 5 on the debug kernel).
# COHORT_HOSTILE_FRAMES: how many malformed frames the hostile peer sends
# (default 100,000), and COHORT_HOSTILE_AUTH_EVERY how often a round is an
# insider's (default 1 in 50; check.sh: 20,000 frames with 1 round in 10
# on the debug kernel, the same number of insider rounds).
set -u
. "$(dirname "$0")/lib.sh"
BIG=${COHORT_BIG_ECHO:-67108864}
DIV=${COHORT_RPC_DIV:-1}
SLOW=${COHORT_SLOW:-1}
N4=$((2500 / DIV))	# per caller, 4 callers
NB=$((1500 / DIV))	# back to back
N2=$((1000 / DIV))	# per caller, 2 callers each way
NH=${COHORT_HOSTILE_FRAMES:-100000}
HEVERY=${COHORT_HOSTILE_AUTH_EVERY:-50}

# node_answers NODE PEER: NODE sees PEER up again, and PEER answers it.
# One try; on a slower kernel (COHORT_SLOW > 1) up to six, about a
# minute: a call abandoned by the check before may still be on its way,
# and the pings queue behind it (an 8 MiB ECHO takes 40 s on the debug
# kernel).
node_answers() {
	local tries=1
	[ "$SLOW" -gt 1 ] && tries=6
	T=300 on "$1" "sh $G/wait_state.sh $2 up 30 > /dev/null &&
		for k in \$(seq $tries); do $C ping $2 -c 3 && exit 0; sleep 1; done; exit 1" > /dev/null
}
# all_ok OUT RUNS TOTAL: OUT holds RUNS ping -j summaries, TOTAL calls ok
all_ok() {
	/usr/bin/python3 -c "
import json, sys
rs = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith('{')]
assert len(rs) == int(sys.argv[2]), rs
assert sum(r['ok'] for r in rs) == int(sys.argv[3]), rs
" "$@"
}

echo "TAP version 13"

# --- cohortd refuses a key file others can read, and a broken config
out=$(on 1 "sh $G/cohortd_start.sh > /dev/null; kill \$(cat /tmp/cohortd.pid); sleep 1
	chmod 644 /tmp/cohort.key; $TOP/userspace/cohortd/cohortd --check -c /tmp/cohort.conf; echo rc=\$?
	chmod 600 /tmp/cohort.key; echo 'node 9 bad name 1.2.3.4' >> /tmp/cohort.conf
	$TOP/userspace/cohortd/cohortd --check -c /tmp/cohort.conf; echo rc=\$?
	rm -f /tmp/cohortd.pid" 2>&1)
echo "$out" | diag
check "cohortd refuses a key file readable by others" \
	sh -c "echo '$out' | grep -q 'readable or writable by others' && echo '$out' | grep -q 'rc=2'"
check "cohortd refuses a malformed config line, naming file and line" \
	sh -c "echo '$out' | grep -q 'cohort.conf:[0-9]*: ' && [ \$(echo '$out' | grep -c 'rc=2') = 2 ]"
check "cohortd exited cleanly on SIGTERM" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'grep -q \"signal 15: exiting\" /tmp/cohortd.log'"
# A line longer than cohortd's buffer would read as two lines (here: a
# valid node line, and a dead timeout hidden 500 spaces later): refused.
# A key file owned by somebody else: refused, naming the owner.
out=$(on 1 "sh $G/cohortd_start.sh > /dev/null; kill \$(cat /tmp/cohortd.pid); rm -f /tmp/cohortd.pid
	cp /tmp/cohort.conf /tmp/long.conf
	printf 'node 9 node9 10.77.0.9:7470%500sdead-timeout-ms 9999\\n' '' >> /tmp/long.conf
	$TOP/userspace/cohortd/cohortd --check -c /tmp/long.conf; echo rc=\$?
	chown 65534 /tmp/cohort.key
	$TOP/userspace/cohortd/cohortd --check -c /tmp/cohort.conf; echo rc=\$?
	chown 0 /tmp/cohort.key" 2>&1)
echo "$out" | diag
check "cohortd refuses a line longer than its buffer" \
	sh -c "echo '$out' | grep -q 'long.conf:[0-9]*: line too long' && [ \$(echo '$out' | grep -c 'rc=2') = 2 ]"
check "cohortd refuses a key file owned by another user" \
	sh -c "echo '$out' | grep -q 'owned by uid 65534'"

# --- formation: cohortd on every node, from its config file
for i in 1 2 3; do
	on $i "sh $G/cohortd_start.sh" > /dev/null || echo "# cohortd on node $i did not start"
done
formed=1
for i in 1 2 3; do
	for j in 1 2 3; do
		[ $i = $j ] && continue
		on $i "sh $G/wait_state.sh $j up 20" > /dev/null 2>&1 || {
			echo "# node $i does not see node $j up"; formed=0; }
	done
done
check "3 nodes form a cluster: each sees the other two up" [ $formed = 1 ]
on 1 "$C nodes" | diag
check "cohortd logged node-up events" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'grep -c \"event node-up\" /tmp/cohortd.log' | grep -qx '[1-9][0-9]*'"
check "sysfs shows the peers' state" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'cat /sys/kernel/cohort/nodes/2/state /sys/kernel/cohort/nodes/1/state' | tr '\n' ' ' | grep -q '^up self'"

# --- ECHO round trips of several sizes come back identical (checked in
# the kernel, byte for byte)
# (64 KiB is the largest frame whose MAC is in the header; one byte more
# streams, with a trailer.)
# (each may take COHORT_SLOW times the default: pingw)
for size in 1 4096 65536 65537 1048576 $BIG; do
	w=$(pingw $size)
	out=$(T=$((w + 60)) on 1 "$C ping 2 -s $size -W $w" 2>&1)
	rc=$?
	echo "$out" | tail -1 | diag
	check "ECHO of $size bytes returns identical bytes" [ $rc = 0 ]
done

# --- 10,000 concurrent RPCs from 4 callers
out=$(T=600 on 1 "for k in 1 2 3 4; do $C -j ping 2 -c $N4 -s 64 > /tmp/p\$k & done; wait; cat /tmp/p1 /tmp/p2 /tmp/p3 /tmp/p4" 2>&1)
echo "$out" | diag
check "$((4 * N4)) RPCs from 4 concurrent callers all complete" all_ok "$out" 4 $((4 * N4))

# --- back-to-back round trips in one request (ping -b)
out=$(on 1 "$C -j ping 2 -b -c $NB -s 64" 2>&1)
echo "$out" | diag
check "$NB back-to-back round trips (two requests) all complete" \
	/usr/bin/python3 -c "
import json, sys
r = json.loads(sys.argv[1].splitlines()[-1])
assert r['ok'] == int(sys.argv[2]) and 0 < r['min-us'] <= r['p50-us'] <= r['max-us'], r
" "$out" $NB

# --- calls both ways at once: a caller that receives answers itself meets
# the other side's requests too, and must leave them to the rx worker
T=600 on 2 "for k in 1 2; do $C -j ping 1 -c $N2 -s 64 > /tmp/q\$k & done; wait; cat /tmp/q1 /tmp/q2" > "$D/both.2" 2>&1 &
both=$!
out=$(T=600 on 1 "for k in 1 2; do $C -j ping 2 -c $N2 -s 64 > /tmp/q\$k & done; wait; cat /tmp/q1 /tmp/q2" 2>&1)
wait $both
out="$out
$(cat "$D/both.2")"
echo "$out" | diag
check "$((4 * N2)) RPCs in both directions at once all complete" all_ok "$out" 4 $((4 * N2))

# --- a hostile peer (on node 1's address, knowing the key for some rounds)
# sends node 2 at least 100,000 malformed frames (COHORT_HOSTILE_FRAMES) over thousands of
# connections: every one is refused and counted, nothing leaks, and node 2
# keeps serving its real peers.
slab() { on 2 "sync; echo 2 > /proc/sys/vm/drop_caches; sleep 1; awk '/^Slab:/ {print \$2}' /proc/meminfo"; }
refused() { on 2 "awk '{s += \$2} END {print s}' /sys/kernel/cohort/stats/frames_refused"; }
s0=$(slab)
r0=$(refused)
out=$(T=900 on 1 "HOSTILE_AUTH_EVERY=$HEVERY $HOSTILE $NH" 2>&1)
echo "$out" | diag
sent=$(echo "$out" | sed -n 's/^hostile: \([0-9]*\) frames over.*/\1/p')
check "hostile peer sent its $NH frames" [ "${sent:-0}" -ge "$NH" ]
hs=$(echo "$out" | sed -n 's/.* \([0-9]*\) handshakes completed.*/\1/p')
sr=$(echo "$out" | sed -n 's/.*, \([0-9]*\) of \([0-9]*\) bad streamed.*/\1 \2/p')
check "hostile peer completed real handshakes (as an insider)" [ "${hs:-0}" -ge 20 ]
# A streamed frame's header is authenticated before its payload is waited
# for: a bad header MAC with no payload behind it still closes at once.
check "every bad streamed frame (header MAC or trailer) was refused" \
	sh -c "set -- $sr; [ \"\${2:-0}\" -ge 10 ] && [ \"\$1\" = \"\$2\" ]"
rp=$(echo "$out" | sed -n 's/.*, \([0-9]*\) of \([0-9]*\) frames replayed.*/\1 \2/p')
check "every frame replayed from another connection was refused" \
	sh -c "set -- $rp; [ \"\${2:-0}\" -ge 5 ] && [ \"\$1\" = \"\$2\" ]"
sleep 5
s1=$(slab)
r1=$(refused)
echo "# node 2: slab ${s0} kB before, ${s1} kB after; frames refused ${r0} -> ${r1}"
on 2 "cat /sys/kernel/cohort/stats/frames_refused /sys/kernel/cohort/stats/accept_unknown" | diag
check "every hostile connection was refused and counted" [ $((r1 - r0)) -ge $((NH / 100)) ]
check "no slab growth on the attacked node (< 2 MiB)" [ $((s1 - s0)) -lt 2048 ]
check "the attacked node still serves node 3" sh -c "'$VMC' exec --dir '$D' 3 -- '$C ping 2 -c 3' > /dev/null"
check "node 1 is up again on the attacked node, and answers" node_answers 2 1

# --- a connection replaced by an authenticated newcomer fails the calls
# waiting on it at once: node 2 waits for a 64 MiB ECHO from node 1 (some
# seconds here) when an insider on node 1's address completes a handshake
# as node 1; the call must end with EHOSTDOWN right after, not wait out
# its timeout (10 s + 2 s per 256 KiB).
# The newcomer comes only once the call is in flight: node 2 has sent
# 1 MiB of its request (a ping slow to start would otherwise go out on
# the connection that replaced the newcomer's, and be answered).
tx=/sys/kernel/cohort/nodes/1/bytes_tx
on 2 "rm -f /tmp/big.out; cat $tx > /tmp/big.tx0; setsid sh -c '$C ping 1 -s $BIG; \
	echo rc=\$? end=\$((\$(date +%s%N) / 1000000))' > /tmp/big.out 2>&1 < /dev/null &
	for i in \$(seq 200); do [ \$((\$(cat $tx) - \$(cat /tmp/big.tx0))) -ge 1048576 ] && break; sleep 0.05; done"
hs=$(on 1 "$HOSTILE 0; echo rc=\$?" 2>&1)
t_hs=$(on 2 'echo $(($(date +%s%N) / 1000000))')
out=$(on 2 "for i in \$(seq 100); do grep -q rc= /tmp/big.out && break; sleep 0.1; done; cat /tmp/big.out")
echo "$hs" "$out" | diag
end=$(echo "$out" | sed -n 's/.*end=\([0-9]*\).*/\1/p')
check "a replaced connection fails its waiting call with EHOSTDOWN at once" \
	sh -c "echo '$hs' | grep -q 'rc=0' && echo '$out' | grep -q 'not up' && [ \$(( ${end:-999999999999999} - ${t_hs:-0} )) -lt 5000 ]"
check "node 1 is up again after the replacement" node_answers 2 1

# --- a caller that is killed stops waiting: kill -9 during a 64 MiB ECHO
# (some seconds here) ends the process at once, not when the call ends.
# "At once" is 2 s, or COHORT_SLOW times that on a slower kernel (the
# guest shell's polling is most of it: a fork and exec per 50 ms turn);
# a wait that is not killable would last until the answer or the call's
# timeout (10 s + 2 s per 256 KiB).
on 2 "setsid $C ping 1 -s $BIG > /dev/null 2>&1 < /dev/null & echo \$! > /tmp/big.pid" > /dev/null
sleep 1.5
out=$(on 2 'p=$(cat /tmp/big.pid); [ -e /proc/$p ] && echo alive; s=$(date +%s%N); kill -9 $p
	while [ -e /proc/$p ] && ! grep -q "^[0-9]* ([^)]*) Z" /proc/$p/stat; do sleep 0.05; done
	echo ms=$(( ($(date +%s%N) - s) / 1000000 ))')
echo "$out" | diag
ms=$(echo "$out" | sed -n 's/^ms=\([0-9]*\)$/\1/p')
check "a caller killed while it waits for an answer exits at once" \
	sh -c "echo '$out' | grep -qx alive && [ '${ms:-99999}' -lt $((2000 * SLOW)) ]"
check "the node answers again after the killed call" node_answers 2 1

# --- a streamed frame cut off early holds only the pages that arrived: an
# insider on node 1's address announces a 64 MiB ECHO to node 2, sends
# 4 MiB of it and falls silent until node 2 closes the connection (dead
# timeout). Node 1 leaves node 2 out of its table meanwhile, so that its
# reconnect does not end the insider's connection first. Node 2's free
# memory must not drop by anything like the 64 MiB announced.
on 1 "sed -i '/^node 2 /d' /tmp/cohort.conf; kill -HUP \$(cat /tmp/cohortd.pid); sleep 1" > /dev/null
on 2 "sync; echo 3 > /proc/sys/vm/drop_caches; sh $G/memwatch.sh start"
out=$(on 1 "$HOSTILE cut; echo rc=\$?" 2>&1)
mw=$(on 2 "sh $G/memwatch.sh stop")
echo "node 2 MemAvailable (kB) first, lowest, last: $mw" | diag
echo "$out" | diag
check "a streamed frame cut off early holds only what arrived (< 24 MiB of 64)" \
	sh -c "echo '$out' | grep -q 'rc=0' && set -- $mw && [ \$((\$1 - \$2)) -lt 24576 ]"
on 1 "sh $G/cohortd_start.sh" > /dev/null
check "node 1 and node 2 are up again after the cut frame" node_answers 2 1

# --- a node dies: the others see it down within dead timeout + 1 s (with
# a dead timeout over 3 s, as the debug lane's, + its tenth more: the
# silence is checked ten times per dead timeout), and calls to it fail
# at once instead of hanging
BOUND=$((DEAD + (DEAD / 10 + 700 > 1000 ? DEAD / 10 + 700 : 1000)))
t0=$(on 1 'echo $(($(date +%s%N) / 1000000))')
"$VMC" kill --dir "$D" 3
for i in 1 2; do
	on $i "sh $G/wait_state.sh 3 down $((DEAD / 1000 + 12))" > /dev/null
	rc=$?
	if [ $i = 1 ]; then
		# cohortd stamps each event with the guest's clock, in ms
		t1=$(on 1 "grep 'event node-down node=3' /tmp/cohortd.log | tail -1" |
		     sed -n 's/^cohortd\[[0-9]*\] \([0-9]*\)\.\([0-9]*\):.*/\1\2/p')
		delay=$(( ${t1:-999999999999999} - t0 ))
		echo "# node 1 logged node 3 down ${delay} ms after the kill (dead timeout ${DEAD} ms)"
		[ $rc = 0 ] && [ "$delay" -ge 0 ] && [ "$delay" -le $BOUND ]
		check "node 1 sees a killed node down within $BOUND ms (dead timeout $DEAD ms)" [ $? = 0 ]
	else
		check "node 2 sees the killed node down" [ $rc = 0 ]
	fi
done
out=$(on 1 "start=\$(date +%s%N); $C ping 3; echo rc=\$? ms=\$(( (\$(date +%s%N) - start) / 1000000 ))" 2>&1)
echo "$out" | diag
# "At once": well inside the 10 s the call would wait for an answer.
ms=$(echo "$out" | sed -n 's/.*ms=\([0-9]*\).*/\1/p')
check "a call to a down node fails with EHOSTDOWN at once" \
	sh -c "echo '$out' | grep -q 'not up' && echo '$out' | grep -q 'rc=1' && [ '${ms:-99999}' -lt 5000 ]"
check "cohortd logged the node-down event" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'grep \"event node-down node=3\" /tmp/cohortd.log' | grep -q reason"

# --- it comes back: restarted, it rejoins by itself
"$VMC" restart --dir "$D" 3 > /dev/null
on 3 "sh $G/cohortd_start.sh" > /dev/null
check "the restarted node is up again on node 1" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'sh $G/wait_state.sh 3 up 30' > /dev/null"
check "the restarted node sees node 1 up" \
	sh -c "'$VMC' exec --dir '$D' 3 -- 'sh $G/wait_state.sh 1 up 30' > /dev/null"
check "node 1 counted a reconnect to node 3" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'cat /sys/kernel/cohort/nodes/3/reconnects' | grep -qx '[1-9][0-9]*'"

# --- wrong key: node 3 reloads with another key and never comes up
on 3 "sh $G/cohortd_start.sh ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100" > /dev/null
sleep 2
on 1 "sh $G/wait_state.sh 3 up 8" > /dev/null 2>&1
check "a node with the wrong key never becomes up" [ $? != 0 ]
check "the auth failure is counted" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'cat /sys/kernel/cohort/nodes/3/auth_failures' | grep -qx '[1-9][0-9]*'"
check "cohortd logged an auth-failed event with the reason" \
	sh -c "'$VMC' exec --dir '$D' 3 -- 'grep \"event auth-failed\" /tmp/cohortd.log' | grep -q 'key'"
on 3 "sh $G/cohortd_start.sh" > /dev/null
check "with the right key again (SIGHUP reload) it rejoins" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'sh $G/wait_state.sh 3 up 30' > /dev/null"

# --- reload removes and adds nodes without disturbing the others
on 1 "sed -i '/^node 3 /d' /tmp/cohort.conf; kill -HUP \$(cat /tmp/cohortd.pid); sleep 2" > /dev/null
out=$(on 1 "$C -j nodes")
check "SIGHUP with node 3 removed leaves nodes 1 and 2" /usr/bin/python3 -c "
import json, sys
ns = json.loads(sys.argv[1])
assert [n['node-id'] for n in ns] == [1, 2] and ns[1]['state'] == 'up', ns
" "$out"
on 1 "sh $G/cohortd_start.sh" > /dev/null
check "SIGHUP with node 3 back brings it up" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'sh $G/wait_state.sh 3 up 30' > /dev/null"

# --- IPv6: the whole cluster moves to its IPv6 addresses (SIGHUP reload)
for i in 1 2 3; do
	on $i "sh $G/cohortd_start.sh $K $DEAD v6" > /dev/null
done
v6ok=1
for i in 1 2 3; do
	for j in 1 2 3; do
		[ $i = $j ] && continue
		on $i "sh $G/wait_state.sh $j up 30" > /dev/null 2>&1 || v6ok=0
	done
done
on 1 "$C nodes" | diag
check "the cluster re-forms over IPv6" [ $v6ok = 1 ]
check "ECHO over IPv6" sh -c "'$VMC' exec --dir '$D' 1 -- '$C ping 3 -c 3 -s 4096' > /dev/null"
for i in 1 2 3; do
	on $i "sh $G/cohortd_start.sh" > /dev/null
done
for j in 2 3; do
	on 1 "sh $G/wait_state.sh $j up 30" > /dev/null 2>&1
done

# --- unload with live connections and calls in flight
out=$(T=120 on 2 "for k in 1 2 3; do $C ping 1 -c 100000 -s 4096 > /dev/null 2>&1 & done; sleep 3; kill \$(cat /tmp/cohortd.pid); rmmod cohort; echo rmmod=\$?; wait; lsmod | grep -c '^cohort '" 2>&1)
echo "$out" | diag
check "rmmod with live connections and RPCs in flight succeeds" \
	sh -c "echo '$out' | grep -q 'rmmod=0'"
check "node 1 sees the unloaded node down" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'sh $G/wait_state.sh 2 down 15' > /dev/null"

# --- the frame MAC (ChaCha20-Poly1305), its known answers, and rekeying:
# the test build's test_seq_start starts every connection's sequence
# numbers 40 frames before the key's first ratchet (every 2^32 frames);
# calls across it, in flight while it happens, all complete, and both ends
# count their ratchets.
l13=$(on 1 "cat /sys/kernel/cohort/nodes/3/frame_mac")
echo "# the 1-3 link uses $l13"
check "a link's frame MAC is chacha20-poly1305" [ "$l13" = chacha20-poly1305 ]
TESTMOD='${COHORT_MOD%/kernel/cohort.ko}-test/kernel/cohort.ko'
START=$(( (1 << 32) - 40 ))
for i in 3 2 1; do
	on $i "kill \$(cat /tmp/cohortd.pid) 2> /dev/null; rm -f /tmp/cohortd.pid
		rmmod cohort 2> /dev/null; insmod $TESTMOD test_seq_start=$START &&
		sh $G/cohortd_start.sh" > /dev/null
done
out=$(on 1 "cat /sys/kernel/debug/cohort/mac_kat" 2>&1)
echo "$out" | diag
check "the frame MAC and cipher give RFC 8439's known answers (2.6.2, 2.8.2 tag and AEAD)" \
	sh -c "echo '$out' | grep -q 'result: ok' && [ \$(echo '$out' | grep -c ': ok') = 4 ]"
r1=$(on 1 "cat /sys/kernel/cohort/stats/rekeys")
r2=$(on 2 "cat /sys/kernel/cohort/stats/rekeys")
on 1 "sh $G/wait_state.sh 2 up 30" > /dev/null
# (a small call can wait behind a 1 MiB frame for seconds on a slower
# kernel: each may take COHORT_SLOW times the default)
out=$(T=$((300 * SLOW)) on 1 "for k in 1 2; do $C -j ping 2 -c 100 -s 64 -W $(pingw 64) > /tmp/rk\$k & done
	$C ping 2 -c 2 -s 1048576 -W $(pingw 1048576) > /dev/null; echo big=\$?; wait; cat /tmp/rk1 /tmp/rk2" 2>&1)
echo "$out" | diag
r1=$(( $(on 1 "cat /sys/kernel/cohort/stats/rekeys") - r1 ))
r2=$(( $(on 2 "cat /sys/kernel/cohort/stats/rekeys") - r2 ))
echo "# key ratchets: node 1 $r1, node 2 $r2"
check "calls across the rekey point all complete (200 small, 2 streamed)" \
	sh -c "echo '$out' | grep -q big=0 && /usr/bin/python3 -c \"
import json, sys
rs = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith('{')]
assert len(rs) == 2 and sum(r['ok'] for r in rs) == 200, rs
\" '$out'"
check "both ends ratcheted both directions' keys" sh -c "[ '$r1' -ge 2 ] && [ '$r2' -ge 2 ]"

# --- nested calls: node 1 calls node 2, whose handler (one that may call)
# calls node 1 and node 3 before it answers; from four threads at once.
# Then with node 2's limit of running handlers at 1, the excess is refused
# with EBUSY and counted, and nothing else fails.
NN=$((1000 / DIV))
on 1 "sh $G/wait_state.sh 3 up 30 && sh $G/wait_state.sh 2 up 30" > /dev/null
on 2 "sh $G/wait_state.sh 3 up 30" > /dev/null
out=$(T=600 on 1 "for k in 1 2 3 4; do echo '2 1,3 $((NN / 4))' > /sys/kernel/debug/cohort/nest & done; wait
	cat /sys/kernel/debug/cohort/nest" 2>&1)
echo "$out" | diag
check "$NN nested calls (1 -> 2 -> 1 and 3) from 4 threads all complete" \
	sh -c "echo '$out' | grep -qx 'ok $NN failed 0 busy 0'"
b0=$(on 2 "cat /sys/kernel/cohort/stats/handlers_busy")
on 2 "echo 1 > /sys/module/cohort/parameters/handlers_max" > /dev/null
T=600 on 1 "for k in 1 2 3 4; do echo '2 1,3 25' > /sys/kernel/debug/cohort/nest & done; wait" > /dev/null
out=$(on 1 "cat /sys/kernel/debug/cohort/nest")
b1=$(on 2 "cat /sys/kernel/cohort/stats/handlers_busy")
on 2 "echo 32 > /sys/module/cohort/parameters/handlers_max" > /dev/null
echo "# totals now: $out; node 2 refused $b0 -> $b1"
check "with handlers_max 1 the excess is refused (EBUSY) and counted, none fails" \
	sh -c "set -- $out; [ \$4 = 0 ] && [ \$6 -gt 0 ] && [ \$((\$2 + \$6)) = $((NN + 100)) ] && [ $b1 -gt $b0 ]"

# --- a remote node never chooses a local error code: node 2's handler
# answers 512 (ERESTARTSYS, kernel-internal), which arrives as EREMOTEIO
# (121); EBUSY (16) passes as itself.
out=$(on 1 "d=/sys/kernel/debug/cohort/remote_err; echo '2 512' > \$d; cat \$d; echo '2 16' > \$d; cat \$d" 2>&1)
echo "$out" | diag
check "a peer's unknown error code arrives as EREMOTEIO, a known one as itself" \
	sh -c "[ '$(echo $out)' = '-121 -16' ]"

# --- a peer speaking the previous protocol version is refused, saying so
b0=$(on 2 "awk '/bad_version/ {print \$2}' /sys/kernel/cohort/stats/frames_refused")
out=$(on 1 "$HOSTILE old" 2>&1)
echo "$out" | diag
b1=$(on 2 "awk '/bad_version/ {print \$2}' /sys/kernel/cohort/stats/frames_refused")
ev=$(on 2 "grep -c 'auth-failed.*older protocol version' /tmp/cohortd.log")
echo "# bad_version $b0 -> $b1; cohortd logged $ev such events"
check "an old-protocol HELLO is refused, counted, and the event says why" \
	sh -c "echo '$out' | grep -q 'closed by the node' && [ $b1 -gt $b0 ] && [ '${ev:-0}' -ge 1 ]"

echo "1..$n"
[ $failed = 0 ]
