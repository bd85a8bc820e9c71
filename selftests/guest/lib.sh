# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the guest shell tests (sourced).
_tap_n=0
_tap_failed=0
echo "TAP version 13"

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n $*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n $*"
}

# check NAME CMD...: one TAP result from a command's exit status.
check() {
	_name=$1
	shift
	if "$@"; then ok "$_name"; else not_ok "$_name"; fi
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

COHORTCTL=$COHORT_TOP/userspace/cohortctl/cohortctl
