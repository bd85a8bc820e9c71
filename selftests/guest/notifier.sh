#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Test build only: the in-kernel node notifier chain reaches a subscriber.
# The test hooks subscribe to it and count in debugfs; two namespace nodes
# come up (one node-up event on each side) and deleting one namespace
# takes its node down on the other side (one node-down event). On each
# node-up the subscriber calls the node that came up (an ECHO): answered,
# since events are delivered from a work item, not from the receive path.
. "$(dirname "$0")/lib.sh"

E=/sys/kernel/debug/cohort/node_events
[ -d /sys/kernel/debug/cohort ] || mount -t debugfs none /sys/kernel/debug
count() { awk -v k="$1" '$1 == k {print $2}' $E; }
check "the test build exposes the subscriber's counts" [ -r $E ]
up0=$(count up) down0=$(count down)
ok0=$(count echo-on-up-ok) failed0=$(count echo-on-up-failed)
sh "$(dirname "$0")/netns_cluster.sh" > /tmp/notifier-netns.log 2>&1
check "the namespace cluster scenario passed" [ $? = 0 ]
sed 's/^/# /' $E
check "the subscriber saw both nodes come up" [ $(($(count up) - up0)) -ge 2 ]
check "the subscriber saw the node go down" [ $(($(count down) - down0)) -ge 1 ]
okd=$(($(count echo-on-up-ok) - ok0)) failed=$(count echo-on-up-failed)
check "a subscriber calling the node that just came up is answered" \
	[ "$okd" -ge 2 -a "$failed" = "$failed0" ]
done_testing
