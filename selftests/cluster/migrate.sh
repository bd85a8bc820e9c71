#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Migration (cohortctl migrate PID NODE), driven from the host on a
# running 3-node virtual cluster whose nodes run cohortd. Prints TAP.
#
#   migrate.sh DIR
#
# The test process (selftests/guest/ckpt_victim.c) sets up state of every
# kind the image carries and spins until SIGUSR1, then checks all of it
# and exits with the number of failed checks (its output on the shared
# folder). It is migrated 1 -> 2 -> 3 -> 1 while it spins and must then
# pass every check, run exactly once at every step and keep its PID. A
# migration that cannot finish (refused, no restorer at the destination,
# the destination cut off mid-transfer) leaves it running where it was,
# exactly once. Real programs (python3, gzip) migrated mid-run give the
# result of an undisturbed run. With the test build on node 2, a fault at
# each step of the protocol (refused; held while node 2 is cut off or
# killed) leaves the process in exactly one place, every time.
#
# COHORT_SLOW (default 1) multiplies the time bounds; COHORT_CKPT_HEAP_MB
# (default 64) sizes the test heap; COHORT_MIG_LAPS (default 50 / SLOW)
# is the number of hops round the nodes; COHORT_MIG_FAULTS=0 leaves out
# the laps and the protocol faults.
set -u
. "$(dirname "$0")/lib.sh"
SLOW=${COHORT_SLOW:-1}
HEAP=${COHORT_CKPT_HEAP_MB:-64}
W=$D/shared/mig
V=$G/ckpt_victim
CHECKS=22	# the victim's checks

rm -rf "$W"
mkdir -p "$W"
chmod 1777 "$W"
echo "TAP version 13"

# count NODE PID: how many processes with this PID run the victim on NODE
# (a deputy, the task left at home, has the same exe but no memory:
# VmSize 0; its maps may still list the kernel's [vsyscall] page)
vmsize() { echo "awk '/^VmSize:/ { print \$2 }' /proc/$1/status 2> /dev/null"; }
count() { on "$1" "[ \"\$(readlink /proc/$2/exe)\" = $V ] && [ \"\$($(vmsize $2))\" != 0 ] && echo 1 || echo 0" 2>&1 | tail -n 1; }
# deputy NODE PID: PID on NODE is the victim's deputy (no memory)
deputy() { [ "$(on "$1" "[ \"\$(readlink /proc/$2/exe)\" = $V ] && [ \"\$($(vmsize $2))\" = 0 ] && echo 1" 2>&1 | tail -n 1)" = 1 ]; }
# where PID: the nodes where PID runs the victim, e.g. "2"
where() {
	local i s=""
	for i in 1 2 3; do [ "$(count $i "$1")" = 1 ] && s="$s$i"; done
	echo "$s"
}
# mig FROM PID TO: cohortctl -j migrate on node FROM; its output and rc=
mig() { T=$((300 * SLOW)) on "$1" "$C -j migrate $2 $3; echo rc=\$?" 2>&1; }
json() { sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" <<< "$1"; }	# TEXT KEY
# finish NODE PID NAME: SIGUSR1 to PID on NODE, wait for its verdict line
finish() {
	on "$1" "kill -USR1 $2; for k in \$(seq $((300 * SLOW))); do grep -q '^# [0-9]* failed' $W/$3.out && break; sleep 0.1; done" > /dev/null 2>&1
}
passed() {	# NAME: every check of the victim reported ok, none failed
	[ "$(grep -c '^ok ' "$W/$1.out")" = $CHECKS ] && ! grep -q '^not ok' "$W/$1.out" &&
		grep -q '^# 0 failed' "$W/$1.out"
}

# every node runs cohortd (it starts the restorers)
for i in 1 2 3; do on $i "sh $G/cohortd_start.sh" > /dev/null & done
wait
for k in $(seq 30); do [ "$(on 1 "$C nodes" 2>&1 | grep -c ' up ')" = 2 ] && break; sleep 1; done

echo "# section 1 at ${SECONDS} s"
# --- 1: 1 -> 2 -> 3 -> 1 while it spins; state intact, PID kept, once
p=$(start 1 v "$V $W $HEAP")
out=$(mig 1 "$p" 2)
echo "$out" | diag
rp=$(json "$out" remote-pid)
pages=$(json "$out" pages)
check "migrate 1 -> 2 of a process with a $HEAP MiB heap succeeds and reports bytes, pages, freeze and total time; only pages that exist move (1 GiB sparse mapping, 5 pages touched: ${pages:-0} pages)" \
	both says "$out" rc=0 '"bytes"' '"freeze-us"' '"total-us"' -- \
	sh -c "[ ${pages:-0} -ge $((HEAP * 256)) ] && [ ${pages:-0} -le $((HEAP * 256 + 4096)) ]"
check "it keeps its PID on node 2 ($p -> ${rp:-none})" same "$rp" "$p"
# the task at home lets go of its memory right after the commit's answer,
# which cohortctl's return does not wait for (seconds on the debug kernel)
for k in $(seq $((20 * SLOW))); do deputy 1 "$p" && break; sleep 0.5; done
wh=$(where "$p")
check "it runs on node 2 and on no other node (found on: ${wh:-none})" same "$wh" 2
check "its deputy holds PID $p on node 1 (the task, without its memory)" deputy 1 "$p"
dc=$(on 1 "$C checkpoint $p /tmp/dep.img; echo rc=\$?; $C migrate $p 3; echo rc=\$?" 2>&1)
echo "$dc" | diag
check "checkpoint and migration of the deputy at home are refused: it runs on node 2 (EREMOTE)" \
	both says "$dc" "process $p runs on node 2 (this is its deputy)" "rc=1" -- \
	same "$(grep -c 'this is its deputy' <<< "$dc")" 2
# psline NODE FROM: how cohortctl -j ps lists it running on NODE, come
# from FROM, home node 1
psline() { echo "\"node\": $1, \"pid\": $p, \"home-node\": 1, \"home-pid\": $p, \"from\": $2, \"comm\": \"victim-comm\""; }
ps1=$(on 3 "$C -j ps; echo rc=\$?" 2>&1)
echo "$ps1" | diag
out=$(mig 2 "$p" 3)
echo "$out" | diag
ps2=$(on 1 "$C -j ps; echo rc=\$?" 2>&1)
echo "$ps2" | diag
out2=$(mig 3 "$p" 1)
echo "$out2" | diag
ps3=$(on 2 "$C -j ps; echo rc=\$?" 2>&1)
echo "$ps3" | diag
# home again it runs behind its deputy, which keeps PID p: a PID of its own
hp=$(json "$out2" remote-pid)
wh=$(where "${hp:-0}")
check "migrated on 2 -> 3 and back 3 -> 1: it runs on node 1 only (as PID ${hp:-none}, found on: ${wh:-none}), its deputy still PID $p" \
	both says "$out" rc=0 -- both says "$out2" rc=0 -- both same "$wh" 1 -- deputy 1 "$p"
check "cohortctl ps, from any node, lists it where it runs with its home (node 1, PID $p) and the node it came from, back home too" \
	both says "$ps1" "$(psline 2 1)" rc=0 -- both says "$ps2" "$(psline 3 2)" rc=0 -- \
	both says "$ps3" rc=0 -- says "$ps3" "\"node\": 1, \"pid\": ${hp:-x}, \"home-node\": 1, \"home-pid\": $p, \"from\": 3"
finish 1 "$p" v
sed -n '/^#/p; /^not ok/p' "$W/v.out" | diag
check "after three migrations all $CHECKS of its checks pass (registers, FPU, stack, heap, brk, files, mappings, signals, cwd, umask, comm, rlimit)" \
	passed v

echo "# section 1b at ${SECONDS} s"
# --- 1b: the deputy. A parent on node 1 (parent.sh) waits for its child,
# a python3 program that says on which node a SIGTERM reached its handler
# and exits 43 then; the child is migrated to node 2. kill -TERM to its
# PID on node 1 reaches the handler on node 2 and the parent gets 43;
# another child, killed on node 2 by SIGUSR2 sent to its PID on node 1
# (no handler), leaves the parent a death by SIGUSR2 (sh: 140).
cat > "$W/parent.sh" <<'PARENT'
#!/bin/sh
# parent.sh NAME CMD...: CMD as a child; its wait status in NAME.status
name=$1
shift
"$@" &
c=$!
wait $c
echo "status=$?" > "$(dirname "$0")/$name.status"
PARENT
cat > "$W/child.py" <<'CHILD'
import os, signal, sys, time
def on_term(sig, frame):
    print("handled on node", open("/sys/kernel/cohort/node_id").read().strip(), flush=True)
    sys.exit(43)
signal.signal(signal.SIGTERM, on_term)
print("ready", os.getpid(), flush=True)
while True:
    time.sleep(0.05)
CHILD
# dchild NAME: parent.sh NAME with child.py on node 1; the child's PID
dchild() { start 1 "$1" "sh $W/parent.sh $1 /usr/bin/python3 $W/child.py"; }
# dstatus NAME: the parent's record, once it wrote it
dstatus() {
	local k
	for k in $(seq $((100 * SLOW))); do [ -s "$W/$1.status" ] && break; sleep 0.1; done
	cat "$W/$1.status" 2> /dev/null
}
c1=$(dchild d1)
o1=$(mig 1 "$c1" 2)
echo "$o1" | diag
on 1 "kill -TERM $c1" > /dev/null
st1=$(dstatus d1)
c2=$(dchild d2)
o2=$(mig 1 "$c2" 2)
echo "$o2" | diag
on 1 "kill -USR2 $c2" > /dev/null
st2=$(dstatus d2)
echo "# parent of $c1: ${st1:-nothing}; parent of $c2: ${st2:-nothing}; $(grep handled "$W/d1.out")" | diag
check "kill -TERM to a migrated child's PID at home reaches its handler on node 2; the parent's wait gets its exit code 43" \
	both says "$o1" rc=0 -- both says "$(cat "$W/d1.out")" "^handled on node 2\$" -- same "$st1" status=43
check "a migrated child killed on node 2 by SIGUSR2 sent to its PID at home: the parent's wait gets that signal (sh: 140)" \
	both says "$o2" rc=0 -- same "$st2" status=140
c4=$(dchild d4)
o4=$(mig 1 "$c4" 2)
echo "$o4" | diag
on 1 "kill -KILL $c4" > /dev/null
st4=$(dstatus d4)
gone=$(T=30 on 2 "for k in \$(seq $((50 * SLOW))); do [ -e /proc/$c4 ] || { echo gone; break; }; sleep 0.1; done" 2>&1 | tail -n 1)
check "kill -KILL to a migrated child's PID at home: the parent's wait gets SIGKILL (sh: 137) and the process on node 2 is gone too (${gone:-still there})" \
	both says "$o4" rc=0 -- both same "$st4" status=137 -- same "$gone" gone
st=$(on 1 "cat /sys/kernel/cohort/stats/deputy_signals /sys/kernel/cohort/stats/deputy_exits" 2>&1 | tr '\n' ' ')
check "node 1 counted the deputies' forwarded signals and mirrored exits (>= 3, >= 3: $st)" \
	sh -c "set -- $st; [ \"\${1:-0}\" -ge 3 ] && [ \"\${2:-0}\" -ge 3 ]"

echo "# section 2 at ${SECONDS} s"
# --- 2: refusals: the process goes on where it was
refuse() {	# NAME PATTERN CMD: CMD must fail saying PATTERN, the process lives
	local name=$1 pat=$2 out
	out=$(on 1 "$3" 2>&1)
	echo "$out" | diag
	check "$name" both says "$out" "$pat" "not migrated" -- last_is "$out" alive
}
py() { echo "( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /dev/null; exec python3 -c \"$1\" > /dev/null 2>&1 ) & p=\$!; sleep $((2 * SLOW))"; }
refuse "a multithreaded process is not migrated (2 threads), it goes on" "2 threads" \
	"$(py 'import threading,time; threading.Thread(target=time.sleep,args=(60,)).start(); time.sleep(60)'); $C migrate \$p 2; kill -0 \$p && echo alive; kill \$p"
refuse "another user's process is not migrated by an unprivileged caller, it goes on" "not permitted" \
	"sleep 60 & p=\$!; setpriv --reuid=65534 --regid=65534 --clear-groups $C migrate \$p 2; kill -0 \$p && echo alive; kill \$p"
refuse "a migration to a node that is not in the table fails at once, the process goes on" "no such node" \
	"sleep 60 & p=\$!; $C migrate \$p 9; kill -0 \$p && echo alive; kill \$p"
out=$(on 1 "sleep 60 & p=\$!; $C migrate \$p 1; echo rc=\$?; kill \$p" 2>&1)
echo "$out" | diag
check "a migration to the node itself is refused (EINVAL)" says "$out" "already" "rc=1"

echo "# section 3 at ${SECONDS} s"
# --- 3: the destination cannot restore (no cohortd there, so no restorer
# comes): the migration fails within its bound and the process goes on
# on node 1, exactly once; then the destination is cut off the network
# while the image is on its way: the same
on 2 "kill \$(cat /tmp/cohortd.pid); rm -f /tmp/cohortd.pid; echo 3000 > /sys/module/cohort/parameters/migrate_restore_ms" > /dev/null
p=$(start 1 r "$V $W 4")
out=$(mig 1 "$p" 2)
echo "$out" | diag
wh=$(where "$p")
check "no restorer at the destination: not migrated, with the reason; it runs on node 1 only (found on: ${wh:-none})" \
	both says "$out" "no restorer" "rc=1" -- same "$wh" 1
on 2 "echo 120000 > /sys/module/cohort/parameters/migrate_restore_ms; sh $G/cohortd_start.sh" > /dev/null
p2=$(start 1 c "$V $W 64")	# 64 MiB whatever the kernel: still on its way after 1 s
mig 1 "$p2" 2 > "$W/cut.mig" &
sleep 1
"$VMC" cut --dir "$D" 2 > /dev/null
wait $!
"$VMC" uncut --dir "$D" 2 > /dev/null
out=$(cat "$W/cut.mig")
echo "$out" | diag
check "destination cut off the network during the migration: not migrated, it goes on on node 1" \
	both says "$out" "rc=1" -- same "$(count 1 "$p2")" 1
for k in $(seq $((20 * SLOW))); do on 1 "$C nodes" 2>&1 | grep -q 'node2.*up' && break; sleep 1; done
wh=$(where "$p")$(where "$p2")
finish 1 "$p" r
finish 1 "$p2" c
check "after the failed migrations both run on node 1 only (found on: ${wh:-none}) and pass all $CHECKS checks" \
	both same "$wh" 11 -- both passed r -- passed c

echo "# section 4 at ${SECONDS} s"
# --- 4: real programs, unmodified, migrated mid-run 1 -> 2: the result
# of an undisturbed run
# The undisturbed results are computed on the host, by the same programs
# (the guests run the host's /usr over 9p), where they take a fraction of
# the time.
on 1 "head -c 3000000 /dev/urandom > /tmp/a && cat /tmp/a /tmp/a /tmp/a /tmp/a > $W/big" > /dev/null
/usr/bin/gzip -n -c "$W/big" | sha256sum > "$W/gz.want"
prog() {	# NAME CMD OUT: CMD > OUT started on node 1, migrated to 2 after 1 s
	on 1 "cd $W; ( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /dev/null; exec $2 > $3 2> $W/$1.err ) & p=\$!; sleep 1; $C -j migrate \$p 2; echo rc=\$?" 2>&1
}
# gone NODE PID: wait until PID has ended on NODE
gone() { [ -n "$2" ] || return 1; T=$((300 * SLOW)) on "$1" "for k in \$(seq $((2400 * SLOW))); do [ -e /proc/$2 ] || break; sleep 0.1; done" > /dev/null 2>&1; }
want=$(/usr/bin/python3 -c 's=0
for i in range(3000000): s += i * i % 7
print(s)')
out=$(prog py "python3 -c 's=0
for i in range(3000000): s += i * i % 7
print(s)'" "$W/py.res")
echo "$out" | diag
gone 2 "$(json "$out" remote-pid)"
check "python3 migrated mid-computation 1 -> 2: same result ($want)" \
	both says "$out" rc=0 -- same "$(cat "$W/py.res")" "$want"
out=$(prog gz "gzip -n -c $W/big" "$W/big.gz")
echo "$out" | diag
gone 2 "$(json "$out" remote-pid)"
check "gzip of 12 MB migrated mid-run 1 -> 2: the same bytes" \
	both says "$out" rc=0 -- same "$(sha256sum < "$W/big.gz")" "$(cat "$W/gz.want")"

# --- libcohort: a program moves itself (cohort_migrate_self) 1 -> 2; the
# call returns 0 on node 2, its PID and heap kept. Asked for a node not in
# the table, the call fails on node 1 with ENOENT and the reason.
SM=$G/self_mig
# selfmig NAME NODE: started on node 1, its verdict line once it has one
selfmig() {
	local sp
	sp=$(start 1 "$1" "$SM $2 8")
	for k in $(seq $((300 * SLOW))); do grep -q '^rc=' "$W/$1.out" 2> /dev/null && break; sleep 0.1; done
	echo "pid $sp"
	cat "$W/$1.out"
}
out=$(selfmig sm 2)
echo "$out" | diag
sp=$(sed -n 's/^pid //p' <<< "$out")
check "a program calling cohort_migrate_self(2) goes on on node 2: the call returned 0 there, PID $sp and its 8 MiB heap kept" \
	says "$out" "^rc=0 errno=0 node=2 pid=${sp:-x} heap=ok"
out=$(selfmig sm9 9)
echo "$out" | diag
check "cohort_migrate_self(9), a node not in the table: -1 with ENOENT on node 1, the reason given, heap intact" \
	says "$out" "^rc=-1 errno=2 node=1 pid=.* heap=ok reason=node 9: no such node"

st="$(on 1 "cd /sys/kernel/cohort/stats; echo \$(cat migrations_out migrations_out_failed)" 2>&1 | tail -n 1) $(on 2 "cd /sys/kernel/cohort/stats; echo \$(cat migrations_in migrations_in_failed)" 2>&1 | tail -n 1)"
echo "# node 1 out, out failed; node 2 in, in failed: $st" | diag
set -- $st
check "counted: node 1 migrated out >= 3 and failed >= 5, node 2 took >= 3 and gave up >= 1 ($st)" \
	sh -c "[ ${1:-0} -ge 3 ] && [ ${2:-0} -ge 5 ] && [ ${3:-0} -ge 3 ] && [ ${4:-0} -ge 1 ]"

# COHORT_MIG_FAULTS=0 leaves out sections 4b and 5 (the laps and the
# protocol faults: the debug lane, whose time they would double; 6.1
# and 6.12 run them)
if [ "${COHORT_MIG_FAULTS:-1}" = 0 ]; then
	echo "# sections 4b and 5 (laps, protocol faults) left out here (COHORT_MIG_FAULTS=0)"
else
echo "# section 4b at ${SECONDS} s"
# --- one process migrated round the three nodes 50 times (10 on a slower
# kernel): it moves itself (self_mig -l: cohort_migrate_self to node 2,
# 3, 1, ...) and checks after every hop that it runs on that node with
# its PID and its 8 MiB heap kept; afterwards no node keeps slab or shmem
# (images) for it
NM=${COHORT_MIG_LAPS:-$((50 / SLOW))}
mem() {	# NODE: slab and shmem in kB, after dropping caches
	on "$1" "sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; awk '/^Slab:/ { s = \$2 } /^Shmem:/ { m = \$2 } END { printf \"%s %s \", s, m }' /proc/meminfo" 2>&1 | tail -n 1
}
m0="$(mem 1)$(mem 2)$(mem 3)"
p=$(start 1 lap "$SM -l $NM 8 2 3 1")
for k in $(seq $((NM * 100 * SLOW))); do grep -q '^laps=' "$W/lap.out" 2> /dev/null && break; sleep 0.1; done
out=$(cat "$W/lap.out")
echo "$out" | diag
hops=$(sed -n 's/^laps=\([0-9]*\) .*/\1/p' <<< "$out")
m1="$(mem 1)$(mem 2)$(mem 3)"
echo "# slab, shmem (kB) on nodes 1-3 before: $m0; after: $m1" | diag
check "migrated itself $NM times round the nodes: every hop on the right node, PID ${p:-none} and heap kept (${hops:-0} passed)" \
	says "$out" "^laps=$NM of $NM pid=${p:-x}\$"
grown() {	# BEFORE AFTER: every slab grew < 2 MiB, every shmem < 8 MiB
	local b=($1) a=($2) i
	[ ${#b[@]} = 6 ] && [ ${#a[@]} = 6 ] || return 1
	for i in 0 2 4; do
		[ $((a[i] - b[i])) -lt 2048 ] && [ $((a[i + 1] - b[i + 1])) -lt 8192 ] || return 1
	done
}
check "after ${hops:-0} migrations no node kept memory for them (slab < 2 MiB, shmem < 8 MiB more)" \
	grown "$m0" "$m1"

echo "# section 5 at ${SECONDS} s"
# --- 5: a fault at each step of the protocol, made by the test build's
# knob on node 2 (debugfs mig_fault_step, once): refused at BEGIN, at the
# first DATA, at RESTORE, once restored, at COMMIT: each time not
# migrated, and the process runs on node 1 only. Held once restored
# while node 2 is cut off the network: the same. COMMIT applied there
# and its answer held while node 2 is cut off for longer than the dead
# timeout: once the link is back the source hears it, and the process
# runs on node 2 only; held for longer than the source asks (its
# migrate_commit_wait_ms): the source ends its own, the outcome unknown
# to it, and the process runs on node 2 only. Node 2 killed while it holds the first DATA: on
# node 1 only.
TESTMOD='${COHORT_MOD%/kernel/cohort.ko}-test/kernel/cohort.ko'
KNOB=/sys/kernel/debug/cohort
on 2 "kill \$(cat /tmp/cohortd.pid) 2> /dev/null; rm -f /tmp/cohortd.pid; rmmod cohort && insmod $TESTMOD && sh $G/cohortd_start.sh" > /dev/null
on 1 "sh $G/wait_state.sh 2 up $((30 * SLOW))" > /dev/null
p=$(start 1 f "$V $W 4")
ones=""
for step in 1:BEGIN 2:DATA 3:RESTORE 4:"restored, unanswered" 5:COMMIT; do
	on 2 "echo 0 > $KNOB/mig_fault_stall_ms; echo ${step%%:*} > $KNOB/mig_fault_step" > /dev/null
	out=$(mig 1 "$p" 2)
	echo "$out" | diag
	# the restored copy, if any, must have ended there too
	T=30 on 2 "for k in \$(seq $((50 * SLOW))); do [ -e /proc/$p ] || break; sleep 0.1; done" > /dev/null 2>&1
	wh=$(where "$p")
	says "$out" "rc=1" "not migrated" && [ "$wh" = 1 ] && ones="$ones${step%%:*}"
	echo "# refused at ${step#*:}: found on ${wh:-none}" | diag
done
check "node 2 refusing at BEGIN, DATA, RESTORE, once restored, COMMIT: never migrated, on node 1 only each time (passed: ${ones:-none} of 12345)" \
	same "$ones" 12345
# held once restored, node 2 cut off meanwhile
on 2 "echo $((8000 * SLOW)) > $KNOB/mig_fault_stall_ms; echo 4 > $KNOB/mig_fault_step" > /dev/null
mig 1 "$p" 2 > "$W/f4.mig" &
for k in $(seq $((100 * SLOW))); do [ "$(count 2 "$p")" = 1 ] && break; sleep 0.2; done
"$VMC" cut --dir "$D" 2 > /dev/null
wait $!
"$VMC" uncut --dir "$D" 2 > /dev/null
out=$(cat "$W/f4.mig")
echo "$out" | diag
on 1 "sh $G/wait_state.sh 2 up $((30 * SLOW))" > /dev/null
on 2 "for k in \$(seq $((100 * SLOW))); do [ -e /proc/$p ] || break; sleep 0.1; done" > /dev/null 2>&1
wh=$(where "$p")
check "node 2 cut off while the restored copy waits for COMMIT: not migrated, on node 1 only (found on: ${wh:-none})" \
	both says "$out" "rc=1" -- same "$wh" 1
# commit_held NAME: migrate p 1 -> 2 in the background ($mp, its output
# in $W/NAME.mig), node 2 applying the COMMIT and holding its answer (6
# s); node 2 is cut off once it has applied it
commit_held() {
	local in0 k
	in0=$(on 2 "cat /sys/kernel/cohort/stats/migrations_in" 2>&1 | tail -n 1)
	on 2 "echo $((6000 * SLOW)) > $KNOB/mig_fault_stall_ms; echo 5 > $KNOB/mig_fault_step" > /dev/null
	mig 1 "$p" 2 > "$W/$1.mig" &
	mp=$!
	for k in $(seq $((150 * SLOW))); do
		[ "$(on 2 "cat /sys/kernel/cohort/stats/migrations_in" 2>&1 | tail -n 1)" != "$in0" ] && break
		sleep 0.2
	done
	"$VMC" cut --dir "$D" 2 > /dev/null
}
# COMMIT applied, its answer held while node 2 is cut off
commit_held f5
sleep $((8 * SLOW))
"$VMC" uncut --dir "$D" 2 > /dev/null
wait $mp
out=$(cat "$W/f5.mig")
echo "$out" | diag
wh=$(where "$p")
check "COMMIT applied on node 2, its answer held while node 2 is cut off: migrated once the link is back, on node 2 only (found on: ${wh:-none})" \
	both says "$out" "rc=0" -- same "$wh" 2
back=$(mig 2 "$p" 1)
echo "$back" | diag
# COMMIT applied on node 2, no answer to it for longer than node 1 asks
# (its migrate_commit_wait_ms, 2 s here), nor to the ABORT that asks
# last: the outcome is unknown to node 1, which ends its process rather
# than let it run twice, says so and counts it; it runs on node 2 only
PRM=/sys/module/cohort/parameters/migrate_commit_wait_ms
MU=/sys/kernel/cohort/stats/migrations_out_unknown
u0=$(on 1 "cat $MU; echo 2000 > $PRM" 2>&1 | tail -n 1)
commit_held f6
wait $mp
sleep 1
"$VMC" uncut --dir "$D" 2 > /dev/null
u1=$(on 1 "echo 90000 > $PRM; cat $MU" 2>&1 | tail -n 1)
out=$(cat "$W/f6.mig")
echo "$out" | diag
on 1 "sh $G/wait_state.sh 2 up $((30 * SLOW))" > /dev/null
wh=$(where "$p")
check "COMMIT applied on node 2, unanswered past node 1's migrate_commit_wait_ms and ABORT unanswered too: outcome unknown, node 1 ends its process and counts it ($u0 -> $u1); it runs on node 2 only (found on: ${wh:-none})" \
	both says "$out" "rc=1" "outcome unknown; ended here" -- both same "$wh" 2 -- \
	same "${u1:-x}" "$((${u0:-0} + 1))"
lg=$(on 1 "grep 'event migrat.* pid=$p ' /tmp/cohortd.log" 2>&1)
echo "$lg" | tail -n 3 | diag
check "node 1's cohortd logged the events: migrated (its PID there, bytes, times), migrate-failed (errno, reason), migrate-unknown" \
	says "$lg" "event migrated pid=$p node=2 remote-pid=$p bytes=[1-9][0-9]* freeze-us=[0-9]* total-us=[1-9]" \
	"event migrate-failed pid=$p node=2 error=.* reason=node 2: " \
	"event migrate-unknown pid=$p node=2 error=.* reason=node 2: COMMIT unanswered"
back=$(mig 2 "$p" 1)
echo "$back" | diag
# a child of a parent on node 1 runs on node 2 when node 2 is killed: its
# deputy ends as killed by SIGKILL (sh: 137) and an event says why
c3=$(dchild d3)
o3=$(mig 1 "$c3" 2)
echo "$o3" | diag
# node 2 killed while it holds the first DATA of the next migration
on 2 "echo $((20000 * SLOW)) > $KNOB/mig_fault_stall_ms; echo 2 > $KNOB/mig_fault_step" > /dev/null 2>&1
on 1 "sh $G/wait_state.sh 2 up $((30 * SLOW))" > /dev/null
mig 1 "$p" 2 > "$W/f2.mig" &
mp=$!
sleep 1
for k in $(seq $((50 * SLOW))); do on 2 "dmesg | grep -q 'held [0-9]* ms at step 2'" > /dev/null 2>&1 && break; sleep 0.2; done
"$VMC" kill --dir "$D" 2 > /dev/null
wait $mp
out=$(cat "$W/f2.mig")
echo "$out" | diag
wh=$(count 1 "$p")$(count 3 "$p")
finish 1 "$p" f
check "back 2 -> 1, then node 2 killed while it holds the first DATA: not migrated, it goes on on node 1 (node 1, node 3: $wh), and all $CHECKS checks pass" \
	both says "$back" "rc=0" -- both says "$out" "rc=1" -- both same "$wh" 10 -- passed f
st3=$(dstatus d3)
lg=$(on 1 "grep 'event migrate-lost pid=$c3 ' /tmp/cohortd.log" 2>&1)
echo "# parent of $c3: ${st3:-nothing}; $lg" | diag
check "node 2 killed while a migrated child runs there: its deputy on node 1 ends as killed by SIGKILL (the parent's wait: ${st3:-nothing}), and an event says why" \
	both says "$o3" rc=0 -- both same "$st3" status=137 -- \
	says "$lg" "event migrate-lost pid=$c3 node=2 error=.* reason=node 2, where it ran, went down"
"$VMC" restart --dir "$D" 2 > "$W/restart.log" 2>&1
on 2 "sh $G/cohortd_start.sh" > /dev/null
check "node 2 is back after the kill and up on node 1" \
	sh -c "'$VMC' exec --dir '$D' 1 -- 'sh $G/wait_state.sh 2 up $((30 * SLOW))' > /dev/null"

fi

echo "# done at ${SECONDS} s"
echo "1..$n"
[ $failed -eq 0 ]
