#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checkpoint and restore, driven from the host on a running 3-node virtual
# cluster (nodes 1 and 2). Prints TAP.
#
#   ckpt.sh DIR
#
# The test process (selftests/guest/ckpt_victim.c) sets up state of every
# kind the image carries and spins with values in its registers at the
# bottom of a deep recursion; after SIGUSR1 it checks all of it and exits
# with the number of failed checks. It is checkpointed on node 1 into the
# shared folder and restored on node 2 (and on node 1), checkpointed while
# it keeps running, and, with the test build's ckpt_corrupt knob, from a
# deliberately corrupted image (its checks must then fail). Refusals leave
# the process running; 100 hostile variants of an image (their CRC fixed
# up) are all refused; real programs (python3, gzip) finish with the
# result of an undisturbed run.
#
# COHORT_SLOW (default 1; check.sh: 5 on the debug kernel) multiplies the
# time bounds; COHORT_CKPT_HEAP_MB (default 64) sizes the test heap;
# COHORT_CKPT_MUTANTS (default 100) is the number of hostile images.
set -u
. "$(dirname "$0")/lib.sh"
SLOW=${COHORT_SLOW:-1}
HEAP=${COHORT_CKPT_HEAP_MB:-64}
NMUT=${COHORT_CKPT_MUTANTS:-100}
W=$D/shared/ckpt	# the cluster's shared folder: every node sees it at this path
V=$G/ckpt_victim
MUT=$G/img_mutate.py
CHECKS=22	# the victim's checks
TESTMOD='${COHORT_MOD%/kernel/cohort.ko}-test/kernel/cohort.ko'

rm -rf "$W"
mkdir -p "$W"
chmod 1777 "$W"
echo "TAP version 13"

# restore_run NODE IMAGE NAME: restore on NODE, send SIGUSR1, wait; prints
# the exit status of the restored process (cohortctl restore's own)
restore_run() {
	T=$((120 * SLOW)) on "$1" "$C restore $2 2> $W/$3.restore & r=\$!
		for k in \$(seq $((300 * SLOW))); do grep -q 'as process' $W/$3.restore 2> /dev/null && break; sleep 0.1; done
		p=\$(sed -n 's/.* as process \([0-9]*\) .*/\1/p' $W/$3.restore 2> /dev/null)
		[ -n \"\$p\" ] && kill -USR1 \$p
		wait \$r; echo \$?"
}

# restored_ok RC NAME: the restored process exited 0 (RC) after all its
# checks passed, each reported
restored_ok() {
	[ "$1" = 0 ] && [ "$(grep -c '^ok ' "$W/$2.out")" = $CHECKS ] &&
		! grep -q '^not ok' "$W/$2.out" && grep -q '^# 0 failed' "$W/$2.out"
}

echo "# section 1 at ${SECONDS} s"
# --- 1: checkpoint on node 1 (--stop), restore on node 2
p=$(start 1 v1 "$V $W $HEAP")
out=$(on 1 "$C -j checkpoint $p $W/v1.img --stop; $G/img_mutate.py --summary $W/v1.img | head -1" 2>&1)
echo "$out" | diag
pages=$(echo "$out" | sed -n 's/.*"pages": \([0-9]*\).*/\1/p')
heap_pages=$((HEAP * 256))
check "checkpoint --stop of a process with a $HEAP MiB heap writes an image" \
	says "$out" '"bytes"'
check "only pages that exist are saved: $HEAP MiB heap, 1 GiB sparse mapping (5 pages touched): $heap_pages..$((heap_pages + 4096)) pages" \
	sh -c "[ ${pages:-0} -ge $heap_pages ] && [ ${pages:-0} -lt $((heap_pages + 4096)) ]"
st=$(on 1 "grep State /proc/$p/status" 2>&1)
check "--stop leaves the process stopped" says "$st" stopped
on 1 "kill -9 $p" > /dev/null
rc=$(restore_run 2 "$W/v1.img" v1)
sed -n '/^#/p; /^not ok/p' "$W/v1.out" | diag
diag < "$W/v1.restore"
check "restored on node 2: all $CHECKS checks pass (registers, FPU, stack, heap, brk, files, mappings, signals, cwd, umask, comm, rlimit)" \
	restored_ok "$rc" v1

echo "# section 2 at ${SECONDS} s"
# --- 2: checkpoint without --stop: the process runs on untouched; its
# image restores on node 1 as well
p=$(start 1 v2 "$V $W 4")
out=$(on 1 "$C checkpoint $p $W/v2.img && kill -USR1 $p; for k in \$(seq $((300 * SLOW))); do grep -q '^# [0-9]* failed' $W/v2.out && break; sleep 0.1; done; grep -c '^ok ' $W/v2.out" 2>&1)
echo "$out" | diag
check "checkpoint without --stop: the process runs on and passes its checks" \
	last_is "$out" $CHECKS
rc=$(restore_run 1 "$W/v2.img" v2)
check "the image of the running process restores on the same node" \
	restored_ok "$rc" v2

echo "# section 3 at ${SECONDS} s"
# --- 3: the checks can fail: corrupted images (test build's knob)
on 1 "kill \$(cat /tmp/cohortd.pid) 2> /dev/null; rm -f /tmp/cohortd.pid; rmmod cohort && insmod $TESTMOD" > /dev/null
for c in 1:rbx:"general registers" 2:heap:"heap pattern"; do
	k=${c%%:*} what=${c#*:}; what=${what#*:}
	p=$(start 1 c$k "$V $W 16")
	on 1 "echo $k > /sys/kernel/debug/cohort/ckpt_corrupt; $C checkpoint $p $W/c$k.img --stop; kill -9 $p" > /dev/null
	rc=$(restore_run 1 "$W/c$k.img" c$k)
	grep '^not ok' "$W/c$k.out" | diag
	check "an image with one corrupted ${c#*:} fails the restored process's check (exit $rc)" \
		sh -c "[ '$rc' = 1 ] && grep -q '^not ok $what' '$W/c$k.out'"
done
on 1 "rmmod cohort && insmod \$COHORT_MOD && sh $G/cohortd_start.sh" > /dev/null

echo "# section 4 at ${SECONDS} s"
# --- 4: refusals leave the process running
refuse() {	# NAME PATTERN CMD: CMD must fail saying PATTERN, the process lives
	local name=$1 pat=$2 out
	out=$(on 1 "$3" 2>&1)
	echo "$out" | diag
	check "$name" both says "$out" "$pat" -- last_is "$out" alive
}
py() { echo "( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /dev/null; exec python3 -c \"$1\" > /dev/null 2>&1 ) & p=\$!; sleep $((2 * SLOW))"; }
refuse "a multithreaded process is refused (EOPNOTSUPP), untouched" "2 threads" \
	"$(py 'import threading,time; threading.Thread(target=time.sleep,args=(60,)).start(); time.sleep(60)'); $C checkpoint \$p /tmp/t.img; kill -0 \$p && echo alive; kill \$p"
refuse "a process holding a socket is refused, untouched" "is a socket" \
	"$(py 'import socket,time; s=socket.socket(); time.sleep(60)'); $C checkpoint \$p /tmp/t.img; kill -0 \$p && echo alive; kill \$p"
refuse "another user's process is refused to an unprivileged caller (EPERM), untouched" "not permitted" \
	"sleep 60 & p=\$!; setpriv --reuid=65534 --regid=65534 --clear-groups $C checkpoint \$p /tmp/u.img; kill -0 \$p && echo alive; kill \$p"
refuse "a process in uninterruptible wait... or stopped: the checkpoint times out, untouched" "did not reach" \
	"sleep 60 & p=\$!; kill -STOP \$p; $C checkpoint \$p /tmp/s.img; kill -0 \$p && echo alive; kill -9 \$p"
out=$(on 1 "cp $W/v2.img /tmp/n.img && chmod 644 /tmp/n.img && setpriv --reuid=65534 --regid=65534 --clear-groups $C restore /tmp/n.img; echo rc=\$?" 2>&1)
echo "$out" | diag
check "an unprivileged caller cannot restore another user's image" \
	says "$out" credentials rc=1
out=$(on 1 "cp $W/v2.img /tmp/t.img && printf 'X' | dd of=/tmp/t.img bs=1 seek=100000 conv=notrunc 2> /dev/null; $C restore /tmp/t.img; echo rc=\$?" 2>&1)
echo "$out" | diag
check "a tampered image is refused (checksum)" \
	says "$out" checksum rc=1

echo "# section 5 at ${SECONDS} s"
# --- 5: hostile images, CRC fixed up: those of a refusable kind are all
# refused with a reason; the rest (a field flipped, a record dropped: may
# still be valid) restore or are refused, and nothing hangs
out=$(T=$((600 * SLOW)) on 1 "python3 $MUT --try $W/v2.img /tmp/mut.img $NMUT 7 $((20 * SLOW)) $C restore --detach; pgrep -c ckpt_victim || true" 2>&1)
echo "$out" | diag
check "$NMUT hostile variants of an image (CRC fixed up): every refusable one refused with a reason, none hangs, none left running" \
	both says "$out" "tried=$NMUT .* bad=0" -- last_is "$out" 0

echo "# section 6 at ${SECONDS} s"
# --- 6: blocked in a system call when checkpointed: it goes on as after a
# signal without a handler (coreutils sleep loops on EINTR with the time
# left, pause() and read() are made again)
out=$(on 1 "cd $W; ( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /dev/null; exec sleep 6 > $W/sl.out 2>&1 ) & p=\$!; sleep 1
	$C checkpoint \$p $W/sl.img --stop > /dev/null && kill -9 \$p && echo saved" 2>&1)
out="$out
$(T=$((60 * SLOW)) on 2 "t0=\$(date +%s); $C restore $W/sl.img 2> /dev/null; echo rc=\$? took=\$((\$(date +%s) - t0))" 2>&1)"
echo "$out" | diag
took=$(sed -n 's/.*took=\([0-9]*\).*/\1/p' <<< "$out")
check "sleep 6 checkpointed 1 s in, restored on node 2: sleeps the rest (3..$((10 * SLOW)) s), exits 0" \
	both says "$out" saved rc=0 -- sh -c "[ ${took:-0} -ge 3 ] && [ ${took:-0} -le $((10 * SLOW)) ]"
out=$(on 1 "cd $W; ( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /dev/null; exec python3 -c 'import signal, sys
signal.signal(signal.SIGUSR1, lambda *a: print(\"got USR1\", flush=True))
print(\"pausing\", flush=True); signal.pause(); sys.exit(7)' > $W/pa.out 2>&1 ) & p=\$!
	for k in \$(seq $((100 * SLOW))); do grep -q pausing $W/pa.out && break; sleep 0.1; done
	$C checkpoint \$p $W/pa.img --stop > /dev/null && kill -9 \$p && echo saved" 2>&1)
out="$out
$(restore_run 2 "$W/pa.img" pa)"
echo "$out" | diag
check "pause() in python3 when checkpointed: restored on node 2, SIGUSR1 reaches its handler, exit 7" \
	both says "$out" saved -- both last_is "$out" 7 -- says "$(cat "$W/pa.out")" "got USR1"
out=$(on 1 "cd $W; rm -f /tmp/ff; mkfifo /tmp/ff; ( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /tmp/ff; exec wc -c 2> $W/rd.err ) > $W/rd.out & p=\$!
	( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- > /tmp/ff; exec sleep 60 ) & w=\$!; sleep $((1 * SLOW))
	$C checkpoint \$p $W/rd.img --stop > /dev/null && kill -9 \$p && echo saved; kill \$w; rm /tmp/ff" 2>&1)
out="$out
$(on 2 "head -c 5000 /dev/zero | $C restore $W/rd.img 2> /dev/null; echo rc=\$?; cat $W/rd.out" 2>&1)"
echo "$out" | diag
check "read() on a pipe (stdin) when checkpointed: the restored wc reads the restorer's stdin to its end (5000)" \
	both says "$out" saved rc=0 -- last_is "$out" 5000

echo "# section 7 at ${SECONDS} s"
# --- 7: real programs, unmodified: python3 and gzip, each checkpointed
# mid-run on node 1 and finished on node 2, give the undisturbed result
# The undisturbed results are computed on the host, by the same programs
# (the guests run the host's /usr over 9p), where they take a fraction of
# the time.
on 1 "head -c 3000000 /dev/urandom > /tmp/a && cat /tmp/a /tmp/a /tmp/a /tmp/a > $W/big" > /dev/null
/usr/bin/gzip -n -c "$W/big" | sha256sum > "$W/gz.want"
# (1 s whatever the kernel: user-space code runs at the same speed on all)
prog() {	# NAME CMD OUT: CMD > OUT on node 1, checkpointed after 1 s, finished on 2
	on 1 "cd $W; ( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /dev/null; exec $2 > $3 2> $W/$1.err ) & p=\$!; sleep 1; $C checkpoint \$p $W/$1.img --stop && kill -9 \$p" 2>&1 | diag
	T=$((300 * SLOW)) on 2 "cd $W; $C restore $W/$1.img 2> $W/$1.restore; echo rc=\$?"
}
want=$(/usr/bin/python3 -c 's=0
for i in range(3000000): s += i * i % 7
print(s)')
out=$(prog py "python3 -c 's=0
for i in range(3000000): s += i * i % 7
print(s)'" "$W/py.res")
echo "$out" | diag
diag < "$W/py.restore"
check "python3 checkpointed mid-computation on node 1, finished on node 2: same result ($want)" \
	both says "$out" rc=0 -- same "$(cat "$W/py.res")" "$want"
out=$(prog gz "gzip -n -c $W/big" "$W/big.gz")
echo "$out" | diag
check "gzip of 12 MB checkpointed mid-run on node 1, finished on node 2: the same bytes" \
	both says "$out" rc=0 -- same "$(sha256sum < "$W/big.gz")" "$(cat "$W/gz.want")"

echo "# done at ${SECONDS} s"
echo "1..$n"
[ $failed -eq 0 ]
