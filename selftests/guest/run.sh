#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The single-node guest suite: each part prints TAP; the host's
# scripts/check.sh collects it. Run as root with cohort.ko loaded.
d=$(dirname "$0")
for t in modload.sh; do
	echo "# suite: $t"; sh "$d/$t"; echo "# exit: $?"
done
for t in genl_test sysfs_test; do
	echo "# suite: $t"; "$d/$t"; echo "# exit: $?"
done
for t in cohortctl.sh netns_cluster.sh ynl.sh cohortd_syslog.sh; do
	echo "# suite: $t"; sh "$d/$t"; echo "# exit: $?"
done
