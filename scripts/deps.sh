#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what cohort needs from Debian's packages, and nothing else.
# Idempotent: when everything is present it changes nothing and exits 0.
# Then extract the few files we use from the 6.12 kernel source into
# build/ksrc/ (never committed).
set -eu

PKGS="build-essential pkg-config kmod cpio xz-utils
      linux-image-amd64 linux-headers-amd64
      linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
      qemu-system-x86 busybox-static vde2 iproute2
      libnl-3-dev libnl-genl-3-dev criu sparse clang libclang-rt-14-dev
      python3 python3-yaml python3-jsonschema tcpdump wireguard-tools
      flex bison bc libelf-dev libssl-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q >/dev/null
	# INITRD=No: the kernel packages' hook (/etc/kernel/postinst.d/
	# initramfs-tools) then builds no initramfs for them; with none built,
	# initramfs-tools' own trigger (update-initramfs -u) finds nothing to
	# update either. The guests boot an initramfs of vmcluster's, never
	# these, and generating them was most of a fresh install's time.
	# shellcheck disable=SC2086
	$SUDO env INITRD=No apt-get install -y -q --no-install-recommends $missing
else
	echo "deps: all packages present"
fi

# Files taken from the kernel source (kselftest harness, checkpatch, YNL).
top=$(cd "$(dirname "$0")/.." && pwd)
ksrc="$top/build/ksrc"
tarball=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "deps: no /usr/src/linux-source-6.12*.tar.xz" >&2
	exit 1
fi
stamp="$ksrc/.extracted-$(basename "$tarball")"
if [ ! -e "$stamp" ]; then
	echo "deps: extracting selftest harness, checkpatch and ynl from $tarball"
	rm -rf "$ksrc"
	mkdir -p "$ksrc"
	base=$(basename "$tarball" .tar.xz)
	tar -C "$ksrc" --strip-components=1 -xJf "$tarball" \
		"$base/tools/testing/selftests/kselftest_harness.h" \
		"$base/tools/testing/selftests/kselftest.h" \
		"$base/scripts/checkpatch.pl" \
		"$base/scripts/spelling.txt" \
		"$base/scripts/const_structs.checkpatch" \
		"$base/tools/net/ynl" \
		"$base/Documentation/netlink"
	touch "$stamp"
fi
echo "deps: ok"
