#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the versions of the packaged guest kernels that have both an image
# and headers installed, oldest first (6.1 before 6.12). Never uname -r:
# the build machine's own kernel may have no module support.
for b in /lib/modules/*/build; do
	[ -e "$b/Makefile" ] || continue
	v=$(basename "$(dirname "$b")")
	[ -e "/boot/vmlinuz-$v" ] || continue
	echo "$v"
done | sort -V
