#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cohortctl: round trip, JSON output, and clear one-line errors with a
# non-zero exit code for bad input and missing privilege.
. "$(dirname "$0")/lib.sh"

check "set-self" $COHORTCTL node set-self 12 node-twelve
out=$($COHORTCTL info)
echo "$out" | sed 's/^/# /'
check "info shows the node" sh -c "echo '$out' | grep -q 'node: 12 (node-twelve)'"

json=$($COHORTCTL -j info)
echo "# $json"
check "-j info is JSON with the node" /usr/bin/python3 -c "
import json, sys
d = json.loads(sys.argv[1])
assert d['node-id'] == 12 and d['node-name'] == 'node-twelve', d
assert d['proto-version'] == int(sys.argv[2]) and d['version']
" "$json" "$(cat /sys/kernel/cohort/protocol_version)"

# Bad name: the kernel's extack text reaches the user, exit 1.
err=$($COHORTCTL node set-self 3 'bad name!' 2>&1)
rc=$?
echo "# $err"
check "bad name exits 1" [ $rc -eq 1 ]
check "bad name prints the kernel's reason" \
	sh -c "echo '$err' | grep -q 'node name must be'"
check "error is one line" [ "$(echo "$err" | wc -l)" -eq 1 ]

# Bad id: refused before asking the kernel, exit 2.
err=$($COHORTCTL node set-self 0 n0 2>&1)
rc=$?
check "id 0 refused with usage error" [ $rc -eq 2 ]
err=$($COHORTCTL node set-self 4096 n0 2>&1)
check "id 4096 refused" [ $? -eq 2 ]
err=$($COHORTCTL node set-self 12abc n0 2>&1)
check "id 12abc refused" [ $? -eq 2 ]
$COHORTCTL ping 1 -W 0 > /dev/null 2>&1
check "ping -W 0 refused" [ $? -eq 2 ]
$COHORTCTL ping 1 -W 601 > /dev/null 2>&1
check "ping -W 601 refused" [ $? -eq 2 ]
$COHORTCTL frobnicate > /dev/null 2>&1
check "unknown command exits 2" [ $? -eq 2 ]
$COHORTCTL node set-self 1 > /dev/null 2>&1
check "missing argument exits 2" [ $? -eq 2 ]

# Unprivileged: refused by the kernel, which says why.
err=$(setpriv --reuid=65534 --regid=65534 --clear-groups $COHORTCTL node set-self 5 evil 2>&1)
rc=$?
echo "# $err"
check "unprivileged set-self exits 1" [ $rc -eq 1 ]
check "unprivileged set-self names CAP_NET_ADMIN" \
	sh -c "echo '$err' | grep -q CAP_NET_ADMIN"
ev=$(python3 "$(dirname "$0")/events_join.py")
evn=$(setpriv --reuid=65534 --regid=65534 --clear-groups python3 "$(dirname "$0")/events_join.py")
echo "# events group: root $ev, unprivileged $evn"
check "the events group is for CAP_NET_ADMIN only (root joins, nobody: EPERM)" \
	[ "$ev/$evn" = joined/EPERM ]
check "unprivileged info works" \
	sh -c "setpriv --reuid=65534 --regid=65534 --clear-groups $COHORTCTL info > /dev/null"
check "state unchanged by refused requests" \
	sh -c "$COHORTCTL info | grep -q 'node: 12 (node-twelve)'"
check "--help lists commands" sh -c "$COHORTCTL --help | grep -q set-self"
done_testing
