#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Write this guest's /tmp/cohort.conf for an N-node cluster and (re)start
# cohortd with it, logging to /tmp/cohortd.log.
#   cohortd_start.sh [KEY_HEX] [DEAD_TIMEOUT_MS] [v6]
# With "v6", nodes are addressed by their IPv6 addresses (fd77::N).
# COHORT_ENCRYPT=on|off writes "encrypt on|off" (default: no such line).
. /tmp/cohort-env
key=${1:-00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff}
# The lane's dead timeout, if it set one in the shared folder (check.sh
# does for the debug kernel), else 3000 ms.
dead=${2:-$(cat "$COHORT_SHARED/dead_ms" 2> /dev/null || echo 3000)}
v6=${3:-}
umask 077
echo "$key" > /tmp/cohort.key
{
	echo "cluster-id 77"
	echo "key-file /tmp/cohort.key"
	echo "self $COHORT_NODE"
	echo "dead-timeout-ms $dead"
	[ -n "${COHORT_ENCRYPT:-}" ] && echo "encrypt $COHORT_ENCRYPT"
	i=1
	while [ "$i" -le "$COHORT_NODES" ]; do
		if [ "$v6" = v6 ]; then
			echo "node $i node$i [fd77::$i]:7470"
		else
			echo "node $i node$i $COHORT_SUBNET.$i:7470"
		fi
		i=$((i + 1))
	done
} > /tmp/cohort.conf
if [ -s /tmp/cohortd.pid ] && kill -0 "$(cat /tmp/cohortd.pid)" 2>/dev/null; then
	kill -HUP "$(cat /tmp/cohortd.pid)"
	exit 0
fi
setsid "$COHORT_TOP/userspace/cohortd/cohortd" --foreground -c /tmp/cohort.conf \
	>> /tmp/cohortd.log 2>&1 < /dev/null &
echo $! > /tmp/cohortd.pid
sleep 1
kill -0 "$(cat /tmp/cohortd.pid)" || { cat /tmp/cohortd.log; exit 1; }
