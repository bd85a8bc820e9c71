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
# result of an undisturbed run.
#
# COHORT_SLOW (default 1) multiplies the time bounds; COHORT_CKPT_HEAP_MB
# (default 64) sizes the test heap.
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
count() { on "$1" "[ \"\$(readlink /proc/$2/exe)\" = $V ] && echo 1 || echo 0" 2>&1 | tail -n 1; }
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
check "migrate 1 -> 2 of a process with a $HEAP MiB heap succeeds and reports bytes, pages, freeze and total time" \
	both says "$out" rc=0 '"bytes"' '"freeze-us"' '"total-us"' -- \
	sh -c "[ ${pages:-0} -ge $((HEAP * 256)) ]"
check "it keeps its PID on node 2 ($p -> ${rp:-none})" same "$rp" "$p"
wh=$(where "$p")
check "it runs on node 2 and on no other node (found on: ${wh:-none})" same "$wh" 2
out=$(mig 2 "$p" 3)
echo "$out" | diag
out2=$(mig 3 "$p" 1)
echo "$out2" | diag
wh=$(where "$p")
check "migrated on 2 -> 3 and back 3 -> 1: it runs on node 1 only (found on: ${wh:-none})" \
	both says "$out" rc=0 -- both says "$out2" rc=0 -- same "$wh" 1
finish 1 "$p" v
sed -n '/^#/p; /^not ok/p' "$W/v.out" | diag
check "after three migrations all $CHECKS of its checks pass (registers, FPU, stack, heap, brk, files, mappings, signals, cwd, umask, comm, rlimit)" \
	passed v

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
on 1 "head -c 3000000 /dev/urandom > /tmp/a && cat /tmp/a /tmp/a /tmp/a /tmp/a > $W/big && gzip -n -c $W/big | sha256sum > $W/gz.want" > /dev/null
prog() {	# NAME CMD OUT: CMD > OUT started on node 1, migrated to 2 after 1 s
	on 1 "cd $W; ( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /dev/null; exec $2 > $3 2> $W/$1.err ) & p=\$!; sleep 1; $C -j migrate \$p 2; echo rc=\$?" 2>&1
}
# gone NODE PID: wait until PID has ended on NODE
gone() { [ -n "$2" ] || return 1; T=$((300 * SLOW)) on "$1" "for k in \$(seq $((2400 * SLOW))); do [ -e /proc/$2 ] || break; sleep 0.1; done" > /dev/null 2>&1; }
want=$(on 1 "python3 -c 's=0
for i in range(3000000): s += i * i % 7
print(s)'")
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

st="$(on 1 "cd /sys/kernel/cohort/stats; echo \$(cat migrations_out migrations_out_failed)" 2>&1 | tail -n 1) $(on 2 "cd /sys/kernel/cohort/stats; echo \$(cat migrations_in migrations_in_failed)" 2>&1 | tail -n 1)"
echo "# node 1 out, out failed; node 2 in, in failed: $st" | diag
set -- $st
check "counted: node 1 migrated out >= 3 and failed >= 5, node 2 took >= 3 and gave up >= 1 ($st)" \
	sh -c "[ ${1:-0} -ge 3 ] && [ ${2:-0} -ge 5 ] && [ ${3:-0} -ge 3 ] && [ ${4:-0} -ge 1 ]"

echo "# done at ${SECONDS} s"
echo "1..$n"
[ $failed -eq 0 ]
