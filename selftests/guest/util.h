/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the guest selftest programs. */
#ifndef COHORT_SELFTEST_UTIL_H
#define COHORT_SELFTEST_UTIL_H

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* The number at the start of a (sysfs) file, or -1. */
static inline long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

#endif /* COHORT_SELFTEST_UTIL_H */
