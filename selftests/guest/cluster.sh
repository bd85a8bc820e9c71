#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run on every node of a cluster: the module is loaded; this node takes id
# $COHORT_NODE and name node$COHORT_NODE and reports cohortctl -j info on
# its last line (the host compares all nodes).
. /tmp/cohort-env
COHORTCTL=$COHORT_TOP/userspace/cohortctl/cohortctl
lsmod | grep -q '^cohort ' || { echo "cohort.ko is not loaded"; exit 1; }
$COHORTCTL node set-self "$COHORT_NODE" "node$COHORT_NODE" || exit 1
$COHORTCTL -j info
