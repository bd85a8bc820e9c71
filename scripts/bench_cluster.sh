# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the bench scripts (which set TOP, VMC, KVER and D).
#   bench_up [vmcluster up options]: boot two guests in $D, tear them down
#     on exit, start cohortd on both and wait for their connection
#   on NODE CMD...: run CMD on a guest

on() { local i=$1; shift; "$VMC" exec --dir "$D" --timeout 600 "$i" -- "$*"; }

bench_up() {
	rm -rf "$D"
	trap '"$VMC" down --dir "$D" > /dev/null 2>&1' EXIT
	"$VMC" up -n 2 ${KVER:+--kver "$KVER"} --dir "$D" --max-life 1200 \
		"$@" || exit 1
	for i in 1 2; do
		on $i "sh $TOP/selftests/guest/cohortd_start.sh" > /dev/null ||
			exit 1
	done
	on 1 "sh $TOP/selftests/guest/wait_state.sh 2 up 30" > /dev/null ||
		exit 1
	echo "# frame MAC of the connection (each node's choice at load," \
	     "then agreed): $(on 1 "cat /sys/kernel/cohort/nodes/2/frame_mac")"
}
