#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo: boot a 3-node virtual cluster, start cohortd on every node
# (each with its own /tmp/cohort.conf: cluster id, shared key, the three
# nodes), wait for the cluster to form and show every node's view of it.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
KVER=${1:-}
D=$TOP/build/demo
rm -rf "$D"
echo "demo: booting 3 guests (kernel ${KVER:-default}, TCG emulation; about 30 s)..."
exec "$TOP/scripts/vmcluster" run -n 3 ${KVER:+--kver "$KVER"} --dir "$D" \
	--timeout 300 -- '
. /tmp/cohort-env
C=$COHORT_TOP/userspace/cohortctl/cohortctl
G=$COHORT_TOP/selftests/guest
sh $G/cohortd_start.sh
for j in 1 2 3; do
	[ $j = $COHORT_NODE ] || sh $G/wait_state.sh $j up 30 > /dev/null
done
echo "$ cat /tmp/cohort.conf"
cat /tmp/cohort.conf
echo "$ cohortctl info"
$C info
echo "$ cohortctl nodes"
$C nodes
echo "$ cohortctl ping $(( COHORT_NODE % 3 + 1 )) -c 3"
$C ping $(( COHORT_NODE % 3 + 1 )) -c 3
echo "$ tail -n 3 /tmp/cohortd.log"
tail -n 3 /tmp/cohortd.log
'
