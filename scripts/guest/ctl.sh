#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of scripts/vmcluster's control channel (a virtio-serial
# port). Runs inside the guest's chroot. Protocol, one line each way:
#   host:  RUN <token> <timeout-seconds> <base64 of a shell script>
#   guest: OUT <token> <exit status> <base64 of stdout+stderr>
# Commands run one at a time, with stdin from /dev/null, killed after their
# timeout (exit status 137 then). Run by busybox sh (see the idle wait),
# which prefers its own applets: commands are run by path, so they get
# the host's /bin/sh and coreutils like everything else.
port=$1
. /tmp/cohort-env
mkdir -p /tmp/.ctl
exec 3<>"$port"
# While no host is connected the port reads as end-of-file: wait 0.2 s
# before trying again. The wait is busybox ash's read timeout on a FIFO
# nobody writes: a builtin, so an idle guest forks nothing (a sleep
# process five times a second costs an emulated guest real CPU time,
# which shows up as noise in benchmarks).
mkfifo /tmp/.ctl/idle
exec 4<>/tmp/.ctl/idle

while :; do
	if ! read -r verb tok tmo b64 <&3; then
		read -t 0.2 -u 4 _ || :
		continue
	fi
	[ "$verb" = RUN ] || continue
	f=/tmp/.ctl/$tok
	if echo "$b64" | /usr/bin/base64 -d > "$f.sh" 2>/dev/null; then
		(cd /tmp && /usr/bin/timeout -s KILL "$tmo" /bin/sh "$f.sh" \
			< /dev/null > "$f.out" 2>&1)
		rc=$?
	else
		echo "cohort-ctl: bad command encoding" > "$f.out"
		rc=126
	fi
	printf 'OUT %s %s %s\n' "$tok" "$rc" "$(/usr/bin/base64 -w0 < "$f.out")" >&3
	rm -f "$f.sh" "$f.out"
done
