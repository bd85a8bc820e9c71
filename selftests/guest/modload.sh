#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load and unload cohort.ko 20 times; each time the module's sysfs folder,
# device and netlink family appear and disappear with it. Leaves it loaded.
. "$(dirname "$0")/lib.sh"

rmmod cohort 2>/dev/null
fails=0
i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	if ! insmod "$COHORT_MOD"; then
		echo "# insmod failed in round $i"; fails=$((fails + 1)); continue
	fi
	[ -e /sys/kernel/cohort/version ] || { echo "# no sysfs in round $i"; fails=$((fails + 1)); }
	[ -c /dev/cohort ] || { echo "# no /dev/cohort in round $i"; fails=$((fails + 1)); }
	$COHORTCTL info > /dev/null || { echo "# no netlink in round $i"; fails=$((fails + 1)); }
	if ! rmmod cohort; then
		echo "# rmmod failed in round $i"; fails=$((fails + 1)); continue
	fi
	[ ! -e /sys/kernel/cohort ] || { echo "# sysfs left after rmmod in round $i"; fails=$((fails + 1)); }
	[ ! -e /dev/cohort ] || { echo "# /dev/cohort left after rmmod in round $i"; fails=$((fails + 1)); }
done
check "20 load/unload cycles" [ $fails -eq 0 ]

# With the module gone, cohortctl says so and fails.
out=$($COHORTCTL info 2>&1)
rc=$?
check "cohortctl reports a missing module" \
	[ $rc -ne 0 ] && echo "$out" | grep -q "not loaded"

insmod "$COHORT_MOD"
check "reloaded for the remaining tests" [ -e /sys/kernel/cohort/version ]
done_testing
