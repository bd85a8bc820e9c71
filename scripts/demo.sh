#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo: boot a 3-node virtual cluster with cohort loaded, give each
# node its identity and show cohortctl info from every node.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
KVER=${1:-}
D=$TOP/build/demo
rm -rf "$D"
echo "demo: booting 3 guests (kernel ${KVER:-default}, TCG emulation; about 20 s)..."
exec "$TOP/scripts/vmcluster" run -n 3 ${KVER:+--kver "$KVER"} --dir "$D" \
	--timeout 300 -- '
. /tmp/cohort-env
C=$COHORT_TOP/userspace/cohortctl/cohortctl
$C node set-self "$COHORT_NODE" "node$COHORT_NODE"
echo "$ hostname; uname -r"
hostname; uname -r
echo "$ cohortctl info"
$C info
echo "$ cohortctl -j info"
$C -j info
echo "$ cat /sys/kernel/cohort/{version,dead_timeout_ms}"
cat /sys/kernel/cohort/version /sys/kernel/cohort/dead_timeout_ms
'
