# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the cluster suites (transport.sh, encrypt.sh, hardening.sh),
# each run from the host against a running virtual cluster in directory
# $1: paths, the insider's command line, and the TAP helpers.
#   ok/not_ok NAME           one numbered TAP result
#   check NAME CMD...        ok if CMD succeeds
#   on NODE CMD...           run CMD on a guest (timeout $T, default 120 s)
#   diag                     stdin as TAP comments
D=$1
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMC=$TOP/scripts/vmcluster
G=$TOP/selftests/guest
C=$TOP/userspace/cohortctl/cohortctl
DEAD=3000
K=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
# An insider on node 1's address, knowing the key, against node 2.
HOSTILE="$G/hostile 10.77.0.2 7470 1 2 $K 77 $DEAD"
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
on() { local i=$1; shift; "$VMC" exec --dir "$D" --timeout "${T:-120}" "$i" -- "$*"; }
diag() { sed 's/^/# /'; }
