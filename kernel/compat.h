/* SPDX-License-Identifier: GPL-2.0 */
/* Differences between the kernels cohort builds on (6.1 and 6.12), in one place. */
#ifndef _COHORT_COMPAT_H
#define _COHORT_COMPAT_H

/*
 * 6.12 moved the unaligned access helpers from asm/ to linux/ (Kbuild
 * defines COHORT_HAVE_LINUX_UNALIGNED when the kernel has the new header).
 */
#ifdef COHORT_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _COHORT_COMPAT_H */
