#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of scripts/vmcluster's control channel (a virtio-serial
# port). Runs inside the guest's chroot. Protocol, one line each way:
#   host:  RUN <token> <timeout-seconds> <base64 of a shell script>
#   guest: OUT <token> <exit status> <base64 of stdout+stderr>
# Commands run one at a time, with stdin from /dev/null, killed after their
# timeout (exit status 137 then).
port=$1
. /tmp/cohort-env
mkdir -p /tmp/.ctl
exec 3<>"$port"

while :; do
	if ! read -r verb tok tmo b64 <&3; then
		sleep 0.2
		continue
	fi
	[ "$verb" = RUN ] || continue
	f=/tmp/.ctl/$tok
	if echo "$b64" | base64 -d > "$f.sh" 2>/dev/null; then
		(cd /tmp && timeout -s KILL "$tmo" sh "$f.sh" < /dev/null > "$f.out" 2>&1)
		rc=$?
	else
		echo "cohort-ctl: bad command encoding" > "$f.out"
		rc=126
	fi
	printf 'OUT %s %s %s\n' "$tok" "$rc" "$(base64 -w0 < "$f.out")" >&3
	rm -f "$f.sh" "$f.out"
done
