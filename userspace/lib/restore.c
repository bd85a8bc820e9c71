// SPDX-License-Identifier: GPL-2.0
/*
 * The restorer's side of a restore: find a hole of the image's layout,
 * put the stub there with its arguments and a stack, move this process's
 * own descriptors out of the image's way, and jump into the stub.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/cohort.h>

#include "restore.h"
#include "stub_blob.h"

#define STUB_STACK	(64 * 1024)
#define PAGE		4096UL
#define ROUND(x)	(((x) + PAGE - 1) & ~(PAGE - 1))

static int fail(char *reason, size_t len, int err, const char *what,
		const char *detail)
{
	if (detail && *detail)
		snprintf(reason, len, "%s", detail);
	else
		snprintf(reason, len, "%s: %s", what, strerror(err));
	return -err;
}

/* Move @fd to a number at or above @min; returns the new number. */
static int move_up(int fd, int min)
{
	int nfd;

	if (fd >= min)
		return fd;
	nfd = fcntl(fd, F_DUPFD, min);
	if (nfd < 0)
		return -errno;
	close(fd);
	return nfd;
}

static void sort3(int *k)
{
	int i, j, t;

	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (k[j] < k[i]) {
				t = k[i];
				k[i] = k[j];
				k[j] = t;
			}
}

/* Close every descriptor above 2 but these three (-1: none). */
static void close_except(int a, int b, int c)
{
	int keep[3] = { a, b, c }, from = 3, i;

	sort3(keep);
	for (i = 0; i < 3; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			close_range(from, keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

int cohort_restore_become(int img_fd, int report_fd, char *reason, size_t len)
{
	size_t code = _binary_stub_bin_end - _binary_stub_bin_start;
	struct cohort_restore_req req = { .fd = img_fd, .region_len = PAGE };
	struct cohort_stub_args *a;
	size_t code_len, region_len;
	uintptr_t region = 0, top;
	int dev_fd, min, try, err;
	sigset_t all;
	void *p;

	dev_fd = open("/dev/cohort", O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		return fail(reason, len, errno, "open /dev/cohort", NULL);
	if (ioctl(dev_fd, COHORT_IOC_RESTORE_PREPARE, &req)) {
		err = errno;
		close(dev_fd);
		return fail(reason, len, err, "restore", req.reason);
	}
	code_len = ROUND(code);
	region_len = code_len + PAGE + ROUND(req.data_need) + STUB_STACK;
	req.region_len = region_len;
	for (try = 0; try < 64; try++) {
		if (ioctl(dev_fd, COHORT_IOC_RESTORE_PREPARE, &req)) {
			err = errno;
			close(dev_fd);
			return fail(reason, len, err, "restore", req.reason);
		}
		region = req.region;
		p = mmap((void *)region, region_len, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == (void *)region)
			break;
		if (p != MAP_FAILED)
			munmap(p, region_len);
		req.after = region + region_len;
		region = 0;
	}
	if (!region) {
		close(dev_fd);
		return fail(reason, len, ENOSPC, "no room for the stub region", NULL);
	}
	memcpy((void *)region, _binary_stub_bin_start, code);

	/* our descriptors go above every number the image uses */
	min = req.max_fd + 1 > 3 ? req.max_fd + 1 : 3;
	dev_fd = move_up(dev_fd, min);
	img_fd = dev_fd < 0 ? dev_fd : move_up(img_fd, min);
	if (report_fd >= 0 && img_fd >= 0)
		report_fd = move_up(report_fd, min);
	if (dev_fd < 0 || img_fd < 0 || report_fd < -1)
		return fail(reason, len, ENFILE, "moving descriptors", NULL);

	a = (struct cohort_stub_args *)(region + code_len);
	memset(a, 0, sizeof(*a));
	a->magic = COHORT_STUB_MAGIC;
	a->region = region;
	a->region_len = region_len;
	a->data = region + code_len + PAGE;
	a->data_len = ROUND(req.data_need);
	a->dev_fd = dev_fd;
	a->img_fd = img_fd;
	a->report_fd = report_fd;
	top = (region + region_len - 64) & ~15UL;

	/* nothing of ours may outlive this: other descriptors, signals, stdio */
	close_except(dev_fd, img_fd, report_fd);
	fflush(NULL);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "jmp *%1"
			 : : "r"(top), "r"(region), "D"(a) : "memory");
	__builtin_unreachable();
}
