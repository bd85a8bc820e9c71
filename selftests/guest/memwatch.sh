#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# memwatch.sh start | stop
#   start: sample MemAvailable (kB) every 0.1 s in the background
#   stop:  end the sampling; print the first, lowest and last sample
case $1 in
start)
	rm -f /tmp/memwatch.log
	setsid sh -c 'while :; do awk "/^MemAvailable:/ {print \$2}" /proc/meminfo; sleep 0.1; done' \
		> /tmp/memwatch.log 2>&1 < /dev/null &
	echo $! > /tmp/memwatch.pid
	sleep 0.3
	;;
stop)
	kill "$(cat /tmp/memwatch.pid)"
	awk 'NR == 1 { f = $1; m = $1 } { if ($1 < m) m = $1; l = $1 }
	     END { print f, m, l }' /tmp/memwatch.log
	;;
*)
	echo "usage: memwatch.sh start|stop" >&2
	exit 2
	;;
esac
