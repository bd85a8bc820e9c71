#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Drive the family with the kernel's own YNL client, from
# Documentation/netlink/specs/cohort.yaml alone, and compare with cohortctl.
. "$(dirname "$0")/lib.sh"

YNL="/usr/bin/python3 $COHORT_TOP/build/ksrc/tools/net/ynl/cli.py \
	--spec $COHORT_TOP/Documentation/netlink/specs/cohort.yaml \
	--schema $COHORT_TOP/build/ksrc/Documentation/netlink/genetlink-c.yaml"

$COHORTCTL node set-self 21 via-cohortctl
y=$($YNL --do info-get --json '{}' --output-json 2>&1)
c=$($COHORTCTL -j info)
echo "# ynl:       $y"
echo "# cohortctl: $c"
check "info-get equals cohortctl -j info" /usr/bin/python3 -c "
import json, sys
y, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert y == c, (y, c)
assert c['node-id'] == 21
" "$y" "$c"

out=$($YNL --do node-set-self --json '{"node-id": 33, "node-name": "via-ynl"}' 2>&1)
echo "$out" | sed 's/^/# /'
check "node-set-self seen by cohortctl" \
	sh -c "$COHORTCTL info | grep -q 'node: 33 (via-ynl)'"

out=$($YNL --do node-set-self --json '{"node-id": 33, "node-name": "bad name"}' 2>&1)
rc=$?
echo "$out" | tail -3 | sed 's/^/# /'
check "bad name refused with the extack text" \
	sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q 'node name must be'"
done_testing
