#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make style: the module built with W=1 and with sparse (C=2) must give no
# warning, and checkpatch.pl --strict must pass on every source file.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
KVER=${1:?usage: style.sh KVER}
KDIR=/lib/modules/$KVER/build
B=$TOP/build/style/$KVER
rc=0

mkdir -p "$B/kernel"
ln -sf "$TOP/Kbuild" "$B/Kbuild"
for f in "$TOP"/kernel/Kbuild "$TOP"/kernel/*.[ch] "$TOP"/kernel/*/*.[ch]; do
	d=$B/kernel/${f#"$TOP"/kernel/}
	mkdir -p "${d%/*}"
	ln -sf "$f" "$d"
done

echo "style: W=1 and sparse (C=2) on $KVER"
log=$B/build.log
make -s -C "$KDIR" M="$B" COHORT_TOP="$TOP" COHORT_TEST_HOOKS=y W=1 C=2 \
	modules > "$log" 2>&1 || rc=1
# Kbuild's own notes are not warnings about our code.
if grep -v -e 'Skipping BTF generation' -e '^make' "$log" | grep -q .; then
	grep -v -e 'Skipping BTF generation' -e '^make' "$log"
	rc=1
fi

echo "style: checkpatch --strict"
CP="$TOP/build/ksrc/scripts/checkpatch.pl"
IGN=SPDX_LICENSE_TAG,FILE_PATH_CHANGES,LINUX_VERSION_CODE
for f in "$TOP"/kernel/*.[ch] "$TOP"/kernel/*/*.[ch] "$TOP"/uapi/linux/*.h \
	 "$TOP"/userspace/lib/*.[ch] "$TOP"/userspace/cohortctl/*.[ch] \
	 "$TOP"/userspace/cohortd/*.[ch] "$TOP"/userspace/libcohort/*.[ch]; do
	# Userspace follows userspace conventions: <stdint.h> types.
	# compat.h is where version tests live (LINUX_VERSION_CODE >= ...).
	case $f in
	"$TOP"/userspace/*) ign=$IGN,PREFER_KERNEL_TYPES ;;
	"$TOP"/kernel/compat.h) ign=$IGN,CONSTANT_COMPARISON ;;
	*) ign=$IGN ;;
	esac
	out=$(perl "$CP" --strict --no-tree --terse --show-types \
		--ignore "$ign" -f "$f" 2>&1) || { echo "$out"; rc=1; }
done

[ $rc -eq 0 ] && echo "style: clean"
exit $rc
