#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cohortd as a daemon logging to syslog: a stand-in syslog (a datagram
# socket on /dev/log) must receive its start-up and its exit on SIGTERM.
. "$(dirname "$0")/lib.sh"

D=/tmp/syslog-test
COHORTD=$COHORT_TOP/userspace/cohortd/cohortd
rm -rf $D && mkdir -p $D && umask 077
echo 00112233445566778899aabbccddeeff > $D/key
cat > $D/conf <<EOC
cluster-id 91
key-file $D/key
self $COHORT_NODE
node $COHORT_NODE syslogtest $COHORT_SUBNET.$COHORT_NODE:7470
EOC
[ -e /dev/log ] && { echo "# /dev/log exists already"; exit 1; }
/usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('/dev/log')
with open(sys.argv[1], 'ab', buffering=0) as f:
    while True:
        f.write(s.recv(4096) + b'\n')
" $D/log &
listener=$!
for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
before=$(pidof cohortd)
$COHORTD --syslog -c $D/conf
check "cohortd --syslog starts and detaches" [ $? = 0 ]
pid=
for i in $(seq 50); do
	pid=$(pidof -o "${before:-%PPID}" cohortd)
	[ -n "$pid" ] && break
	sleep 0.1
done
for i in $(seq 50); do grep -q 'configured: cluster 91' $D/log 2>/dev/null && break; sleep 0.1; done
sed 's/^/# /' $D/log
# (configured before it detaches: the tag has the parent's pid)
check "its start-up reached syslog, tagged cohortd[pid]" \
	grep -q "cohortd\[[0-9]*\]: configured: cluster 91" $D/log
[ -n "$pid" ] && kill "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM ends it" sh -c "[ -n '$pid' ] && ! kill -0 $pid 2>/dev/null"
check "its exit reached syslog" grep -q "cohortd\[$pid\]: signal 15: exiting" $D/log
kill $listener
rm -f /dev/log
done_testing
