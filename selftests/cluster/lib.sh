# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the cluster suites (transport.sh, encrypt.sh, hardening.sh),
# each run from the host against a running virtual cluster in directory
# $1: paths, the insider's command line, and the TAP helpers.
#   ok/not_ok NAME           one numbered TAP result
#   check NAME CMD...        ok if CMD succeeds
#   on NODE CMD...           run CMD on a guest (timeout $T, default 120 s)
#   diag                     stdin as TAP comments
#   says/same/last_is/both   text and command checks (below)
#   start NODE NAME ARGS...  a test process on NODE, output in $W/NAME.out
D=$1
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMC=$TOP/scripts/vmcluster
G=$TOP/selftests/guest
C=$TOP/userspace/cohortctl/cohortctl
# The cluster's dead timeout: what the lane set (check.sh), else 3000 ms.
DEAD=$(cat "$D/shared/dead_ms" 2> /dev/null || echo 3000)
K=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
# An insider on node 1's address, knowing the key, against node 2.
HOSTILE="$G/hostile 10.77.0.2 7470 1 2 $K 77 $DEAD"
n=0
failed=0

# Each result's time since the one before goes to $D/times.tsv (suite,
# number, seconds, name): check.sh prints the slowest steps of a lane.
_t=$SECONDS
_time() {
	printf '%s\t%s\t%s\t%s\n' "$(basename "$0" .sh)" "$n" $((SECONDS - _t)) "$*" >> "$D/times.tsv"
	_t=$SECONDS
}
ok() { n=$((n + 1)); echo "ok $n $*"; _time "$*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; _time "$*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
on() { local i=$1; shift; "$VMC" exec --dir "$D" --timeout "${T:-120}" "$i" -- "$*"; }
diag() { sed 's/^/# /'; }
# pingw SIZE [TIMES]: seconds for ping -W, for one SIZE-byte ECHO: TIMES
# (default 1) x COHORT_SLOW x the kernel's default (10 s + 2 s per
# 256 KiB), at most 600 (a slower kernel's link is slower than the
# default says)
pingw() {
	local w=$(( ${2:-1} * ${COHORT_SLOW:-1} * (10 + ($1 >> 18) * 2) ))
	echo $(( w > 600 ? 600 : w ))
}

# says TEXT PATTERN...: TEXT has a line matching each PATTERN
says() {
	local text=$1 p
	shift
	for p; do grep -q -- "$p" <<< "$text" || return 1; done
}
last_is() { [ "$(tail -n 1 <<< "$1")" = "$2" ]; }	# TEXT LINE
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }
# both CMD1... -- CMD2...: both succeed
both() {
	local a=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	"${a[@]}" && "$@"
}

# start NODE NAME ARGS...: ARGS on NODE (in $W, a folder of the shared
# one), output in $W/NAME.out, no descriptor of the agent's inherited;
# prints its PID once it said "ready PID" (within 10 s x ${SLOW:-1})
start() {
	local i=$1 name=$2
	shift 2
	on "$i" "cd $W; ( exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- < /dev/null; exec $* > $W/$name.out 2>&1 ) &
		for k in \$(seq $((100 * ${SLOW:-1}))); do grep -q '^ready' $W/$name.out 2> /dev/null && break; sleep 0.1; done
		sed -n 's/^ready //p' $W/$name.out"
}
