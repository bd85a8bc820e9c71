#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make debug-kernel: build the debug guest kernel (KASAN, lockdep,
# kmemleak, UBSAN, KFENCE, debug objects, SLUB debugging; see
# scripts/debug-kernel.config) from Debian's linux-source-6.12, once.
#
# The build is cached outside the repository, in
#   $COHORT_CACHE/debug-kernel/<key>/
# (COHORT_CACHE: /var/cache/cohort, or ~/.cache/cohort when that is not
# writable)
# where <key> hashes the config fragment, the source tarball (name and
# size) and the compiler's version: a second run with the same inputs only
# checks the stamp. build/debug-kernel is made a link to the entry, so the
# rest of the tree finds the image at build/debug-kernel/bzImage and the
# tree to build modules against at build/debug-kernel/out. Entries for
# other keys are removed once a new one is complete (each is about 3 GB).
#
#   debug_kernel.sh            build if needed, link, print the path
#   debug_kernel.sh --check    exit 0 if the current key is built
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
FRAG=$TOP/scripts/debug-kernel.config
if [ -z "${COHORT_CACHE:-}" ]; then
	COHORT_CACHE=/var/cache/cohort
	mkdir -p "$COHORT_CACHE" 2>/dev/null && [ -w "$COHORT_CACHE" ] ||
		COHORT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cohort
fi
CACHE=$COHORT_CACHE/debug-kernel
LINK=$TOP/build/debug-kernel

tarball=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "debug-kernel: no /usr/src/linux-source-6.12*.tar.xz: run make deps" >&2
	exit 1
fi
key=$( { cat "$FRAG"; basename "$tarball"; stat -c %s "$tarball";
	 ${CC:-gcc} --version | head -n 1; } | sha256sum | cut -c1-16)
entry=$CACHE/$key

if [ "${1:-}" = --check ]; then
	[ -e "$entry/.complete" ]
	exit
fi

link() {
	mkdir -p "$TOP/build"
	ln -sfn "$entry" "$LINK"
	echo "debug-kernel: $(cat "$entry/kernelrelease") in $entry" \
	     "(built in $(cat "$entry/build-seconds") s)"
}

if [ -e "$entry/.complete" ]; then
	link
	exit 0
fi

mkdir -p "$CACHE"
# One build at a time per cache; a second caller waits, then finds it done.
exec 9> "$CACHE/.lock"
flock 9
if [ -e "$entry/.complete" ]; then
	link
	exit 0
fi

start=$(date +%s)
echo "debug-kernel: building $key from $(basename "$tarball")" \
     "(about 10 minutes on 2 cores, once)"
rm -rf "$entry"
mkdir -p "$entry/src" "$entry/out"
tar -C "$entry/src" --strip-components=1 -xJf "$tarball"

km() {
	make -C "$entry/src" O="$entry/out" ARCH=x86_64 "$@"
}
km -s allnoconfig > /dev/null
"$entry/src/scripts/kconfig/merge_config.sh" -m -O "$entry/out" \
	"$entry/out/.config" "$FRAG" > "$entry/merge.log" 2>&1
km -s olddefconfig > /dev/null

# Every line of the fragment must hold in the final config (a renamed or
# unmet option would silently drop an instrument).
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n) opt=${line%%=*}
		if grep -q "^$opt=" "$entry/out/.config"; then
			echo "debug-kernel: $opt is set, the fragment says n" >&2
			bad=1
		fi ;;
	CONFIG_*=*)
		if ! grep -qxF "$line" "$entry/out/.config"; then
			echo "debug-kernel: '$line' does not hold:" \
			     "$(grep "^${line%%=*}=" "$entry/out/.config" || echo unset)" >&2
			bad=1
		fi ;;
	esac
done < "$FRAG"
[ $bad -eq 0 ] || exit 1

log=$entry/build.log
if ! km -j"$(nproc)" all > "$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "debug-kernel: build failed; log in $log" >&2
	exit 1
fi
cp "$entry/out/arch/x86/boot/bzImage" "$entry/bzImage"
km -s kernelrelease > "$entry/kernelrelease"
echo $(( $(date +%s) - start )) > "$entry/build-seconds"
touch "$entry/.complete"

# Older keys are of no further use.
for old in "$CACHE"/*; do
	[ "$old" = "$entry" ] || [ ! -d "$old" ] || rm -rf "$old"
done
link
