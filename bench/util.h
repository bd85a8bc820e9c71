/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the benchmark programs: a monotonic clock in ns,
 * reading or writing a whole buffer, a u64 comparison for qsort, and a
 * TCP connection (TCP_NODELAY) retried for 5 s while the peer starts.
 */
#ifndef COHORT_BENCH_UTIL_H
#define COHORT_BENCH_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* All @n bytes out of (@out) or into @p: 0, or -1 on error or EOF. */
static inline int full(int fd, void *p, size_t n, int out)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = out ? write(fd, (char *)p + done, n - done) :
				  read(fd, (char *)p + done, n - done);
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static inline int dial(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, i;

	if (fd < 0)
		return -1;
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (i = 0; i < 50; i++) {
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		usleep(100000);
	}
	close(fd);
	return -1;
}

#endif /* COHORT_BENCH_UTIL_H */
