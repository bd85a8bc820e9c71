#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak in the test guests (the debug kernel has it; others do nothing).
#   kmemleak.sh boot   before cohort.ko is loaded (scripts/guest/stage2):
#                      scan once and forget what boot itself left behind,
#                      so that only what happens afterwards is reported
#   kmemleak.sh end    at the end of a run (vmcluster down/run): wait out
#                      kmemleak's minimum object age, scan twice (an object
#                      whose only pointer sat in a register or on a CPU's
#                      list in the first scan is found in the second), and
#                      print every object still unreferenced on the console,
#                      where the console scan fails the run on it
# The kernel scans only objects older than 5 s (MSECS_MIN_AGE in
# mm/kmemleak.c), hence the wait.
f=/sys/kernel/debug/kmemleak
[ -w "$f" ] || exit 0

case ${1:-} in
boot)
	echo scan > "$f" && echo clear > "$f"
	;;
end)
	sleep 6
	echo scan > "$f" || exit 1
	echo scan > "$f" || exit 1
	n=$(grep -c '^unreferenced object' "$f")
	# The console shows that the scan ran (check.sh looks for the line),
	# and what it found.
	if [ "$n" -gt 0 ]; then
		{
			echo "cohort-kmemleak: end-of-run scan: $n unreferenced object(s):"
			cat "$f"
		} > /dev/console
	else
		echo "cohort-kmemleak: end-of-run scan: no leak" > /dev/console
	fi
	echo "kmemleak: $n unreferenced object(s)"
	;;
*)
	echo "usage: kmemleak.sh boot|end" >&2
	exit 2
	;;
esac
