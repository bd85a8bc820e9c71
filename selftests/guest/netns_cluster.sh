#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two cohort nodes in one guest: each a network namespace, joined by a
# veth pair. They form a cluster and answer pings; deleting one namespace
# with its connection live takes that node down on the other side, and
# every node instance created is destroyed.
#
#   [ns cha: 10.88.0.1, node 1] --veth-- [ns chb: 10.88.0.2, node 2]
. "$(dirname "$0")/lib.sh"

key=/tmp/netns.key
umask 077
echo 0123456789abcdef0123456789abcdef > $key
before=$(cat /sys/kernel/cohort/stats/instances)
cleanup() { ip netns del cha 2>/dev/null; ip netns del chb 2>/dev/null; }
trap cleanup EXIT

ip netns add cha && ip netns add chb &&
ip link add vcha netns cha type veth peer name vchb netns chb &&
ip -n cha addr add 10.88.0.1/24 dev vcha && ip -n chb addr add 10.88.0.2/24 dev vchb &&
ip -n cha link set vcha up && ip -n chb link set vchb up &&
ip -n cha link set lo up && ip -n chb link set lo up
check "two namespaces joined by veth" [ $? = 0 ]
check "each namespace is a new node instance" \
	[ "$(cat /sys/kernel/cohort/stats/instances)" = $((before + 2)) ]

for n in a b; do
	id=$([ $n = a ] && echo 1 || echo 2)
	ip netns exec ch$n sh -c "
		$COHORTCTL node set-self $id ns$n &&
		$COHORTCTL node add 1 nsa 10.88.0.1 &&
		$COHORTCTL node add 2 nsb 10.88.0.2 &&
		$COHORTCTL cluster set --id 5 --key-file $key --dead-timeout 2000"
done
# wait_state NS NODE STATE: poll (10 s at most) until NS sees NODE in STATE
wait_state() {
	for i in $(seq 50); do
		ip netns exec "$1" $COHORTCTL -j nodes |
			grep -q "\"node-id\": $2, [^}]*\"state\": \"$3\"" && return 0
		sleep 0.2
	done
	return 1
}
check "the two namespace nodes come up" wait_state cha 2 up
check "they answer ECHO" sh -c "ip netns exec chb $COHORTCTL ping 1 -c 3 -s 1000 > /dev/null"
check "the initial namespace's node is not involved" \
	sh -c "! $COHORTCTL -j nodes | grep -q nsa"

ip netns del cha
check "deleting a namespace with a live connection takes its node down" \
	wait_state chb 1 down
ip netns del chb
gone=0
for i in $(seq 100); do
	[ "$(cat /sys/kernel/cohort/stats/instances)" = "$before" ] && { gone=1; break; }
	sleep 0.1
done
check "every node instance created was destroyed" [ $gone = 1 ]
done_testing
