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

#include <linux/capability.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/version.h>

/* get_user_pages() lost its vmas argument in 6.5. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define cohort_gup(start, nr, flags, pages) get_user_pages(start, nr, flags, pages)
#else
#define cohort_gup(start, nr, flags, pages) get_user_pages(start, nr, flags, pages, NULL)
#endif

/* kernel_cap_t became one u64 in 6.3. */
static inline u64 cohort_cap_u64(kernel_cap_t c)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return c.val;
#else
	return c.cap[0] | (u64)c.cap[1] << 32;
#endif
}

static inline kernel_cap_t cohort_u64_cap(u64 v)
{
	kernel_cap_t c;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	c.val = v & CAP_VALID_MASK;
#else
	c.cap[0] = (u32)v;
	c.cap[1] = (u32)(v >> 32) & CAP_LAST_U32_VALID_MASK;
#endif
	return c;
}

/* close_on_exec() takes the files_struct since 6.8; call under RCU. */
static inline bool cohort_close_on_exec(unsigned int fd, struct files_struct *files)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return close_on_exec(fd, files);
#else
	return close_on_exec(fd, files_fdtable(files));
#endif
}

#ifdef CONFIG_RSEQ
/* The task remembers its rseq area's length since 6.3. */
static inline u32 cohort_rseq_len(struct task_struct *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return t->rseq_len;
#else
	return 32;
#endif
}

static inline void cohort_set_rseq_len(struct task_struct *t, u32 len)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	t->rseq_len = len;
#endif
}
#endif

/* dequeue_signal() lost its task argument (always current) before 6.12. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define cohort_dequeue_signal(mask, info, type) dequeue_signal(mask, info, type)
#else
#define cohort_dequeue_signal(mask, info, type) \
	dequeue_signal(current, mask, info, type)
#endif

/* Forget a task's rseq(2) registration (rseq_len came in 6.3). */
static inline void cohort_rseq_forget(struct task_struct *t)
{
#ifdef CONFIG_RSEQ
	t->rseq = NULL;
	t->rseq_sig = 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	t->rseq_len = 0;
#endif
#endif
}

#endif /* _COHORT_COMPAT_H */
