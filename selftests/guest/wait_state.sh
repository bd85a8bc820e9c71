#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# wait_state.sh NODE STATE SECONDS: wait until this node sees NODE in STATE.
# Prints this guest's clock (ms) when the state was first seen.
. /tmp/cohort-env
C=$COHORT_TOP/userspace/cohortctl/cohortctl
node=$1 want=$2 secs=$3
ms() { echo $(($(date +%s%N) / 1000000)); }
end=$(($(ms) + secs * 1000))
while [ "$(ms)" -lt "$end" ]; do
	st=$($C -j nodes | /usr/bin/python3 -c "
import json, sys
for n in json.load(sys.stdin):
    if n['node-id'] == $node: print(n['state'])")
	now=$(ms)
	if [ "$st" = "$want" ]; then
		echo "$now"
		exit 0
	fi
	sleep 0.1
done
echo "node $node still '$st', not '$want', after ${secs}s" >&2
exit 1
