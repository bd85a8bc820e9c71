/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel for kernel/proc/image.c and parse.c to build
 * on the host (image_test, image_fuzz): memory, a struct file that is a
 * buffer in memory, kernel_read/kernel_write on it, CRC32. The headers
 * beside this one stand in for the kernel's and include it.
 */
#ifndef COHORT_KSHIM_H
#define COHORT_KSHIM_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as the kernel's, for printf */
typedef int32_t s32;
typedef long long s64;

#define GFP_KERNEL		0
#define GFP_KERNEL_ACCOUNT	0
#define kmalloc(n, gfp)		malloc(n)
#define kzalloc(n, gfp)		calloc(1, n)
#define kvmalloc(n, gfp)	malloc(n)
#define kvzalloc(n, gfp)	calloc(1, n)
#define kvcalloc(n, size, gfp)	calloc(n, size)
#define kfree(p)		free(p)
#define kvfree(p)		free(p)

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1ULL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x)		(((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(x)		(((x) & (PAGE_SIZE - 1)) == 0)
#define TASK_SIZE_MAX		((1ULL << 47) - PAGE_SIZE)	/* x86-64, 4 levels */
#define MAX_LFS_FILESIZE	((loff_t)LLONG_MAX)
#define AT_VECTOR_SIZE		(2 * (2 + 20 + 1))		/* x86-64, 6.1 */
#define AT_NULL			0
#undef _NSIG
#define _NSIG			64
#define RLIM_NLIMITS		16
#define SZ_1M			0x00100000
#ifndef __O_SYNC
#define __O_SYNC		04000000
#endif
#undef O_LARGEFILE
#define O_LARGEFILE		00100000	/* the kernel's; glibc says 0 */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#define min(a, b)		((a) < (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))

struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
};

/* A file is a buffer: read from @data, or written into (grown). */
struct file {
	u8 *data;
	size_t size, cap;
	size_t read_max;	/* >0: no read returns more (short reads) */
};

static inline ssize_t kernel_read(struct file *f, void *buf, size_t n, loff_t *pos)
{
	if (*pos < 0)
		return -EINVAL;
	if ((size_t)*pos >= f->size)
		return 0;
	n = min(n, f->size - (size_t)*pos);
	if (f->read_max)
		n = min(n, f->read_max);
	memcpy(buf, f->data + *pos, n);
	*pos += n;
	return n;
}

static inline ssize_t kernel_write(struct file *f, const void *buf, size_t n, loff_t *pos)
{
	size_t end = (size_t)*pos + n;

	if (end > f->cap) {
		u8 *p = realloc(f->data, end * 2);

		if (!p)
			return -ENOMEM;
		f->data = p;
		f->cap = end * 2;
	}
	memcpy(f->data + *pos, buf, n);
	if (end > f->size)
		f->size = end;
	*pos = end;
	return n;
}

#define current NULL
static inline bool fatal_signal_pending(const void *task)
{
	return false;
}

/* No signals on the host: a write is never interrupted. */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define TIF_SIGPENDING		2
#define TIF_NOTIFY_SIGNAL	9
static inline bool test_and_clear_thread_flag(int flag)
{
	return false;
}

static inline void set_thread_flag(int flag)
{
}

static inline void *memchr_inv(const void *p, int c, size_t n)
{
	const u8 *b = p;

	for (; n; n--, b++)
		if (*b != (u8)c)
			return (void *)b;
	return NULL;
}

/* The kernel's crc32_le: no inversion before or after (the caller does). */
static inline u32 crc32_le(u32 crc, const void *p, size_t len)
{
	static u32 table[256];
	const u8 *b = p;
	u32 c;
	int i, k;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			for (c = i, k = 0; k < 8; k++)
				c = (c >> 1) ^ (0xedb88320U & -(c & 1));
			table[i] = c;
		}
	}
	while (len--)
		crc = (crc >> 8) ^ table[(crc ^ *b++) & 0xff];
	return crc;
}

#endif /* COHORT_KSHIM_H */
