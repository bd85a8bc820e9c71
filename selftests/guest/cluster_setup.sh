#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Configure this guest's cohort node for an N-node test cluster with
# cohortctl: identity, every node of the cluster, cluster id and key.
#   cluster_setup.sh [KEYFILE] [CLUSTER_ID] [DEAD_TIMEOUT_MS]
. /tmp/cohort-env
C=$COHORT_TOP/userspace/cohortctl/cohortctl
key=${1:-/tmp/cohort.key}
cid=${2:-77}
dead=${3:-3000}
if [ ! -e "$key" ]; then
	umask 077
	echo 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff > "$key"
fi
$C node set-self "$COHORT_NODE" "node$COHORT_NODE" || exit 1
i=1
while [ $i -le "$COHORT_NODES" ]; do
	$C node add $i node$i "$COHORT_SUBNET.$i:7470" || exit 1
	i=$((i + 1))
done
$C cluster set --id "$cid" --key-file "$key" --dead-timeout "$dead"
