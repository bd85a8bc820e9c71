// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace peer of the RPC benchmark: a TCP ping-pong and a TCP
 * stream between two guests, to compare cohort's in-kernel RPC with.
 *
 *   tcp_echo server PORT                 serve one client, then exit
 *   tcp_echo pingpong ADDR PORT SIZE N   N round trips of SIZE bytes
 *   tcp_echo stream ADDR PORT BYTES      send BYTES, wait for the ack
 *
 * Prints one JSON line with the measurements.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* full() over @n bytes in 1 MiB pieces of the same buffer. */
static int full_chunked(int fd, void *buf, uint64_t n, int out)
{
	while (n) {
		size_t k = n < (1 << 20) ? n : (1 << 20);

		if (full(fd, buf, k, out))
			return -1;
		n -= k;
	}
	return 0;
}

/* Header from the client: mode (1 ping-pong, 2 stream), size, count. */
struct req {
	uint32_t mode, size;
	uint64_t count;
};

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int l = socket(AF_INET, SOCK_STREAM, 0), fd, one = 1;
	struct timeval tv = { .tv_sec = 120 };
	struct req r;
	char *buf;
	uint64_t i;

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		return 1;
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (full(fd, &r, sizeof(r), 0) || r.size > (256u << 20))
		return 1;
	buf = malloc(r.mode == 2 ? (1 << 20) : r.size ? r.size : 1);
	if (r.mode == 1) {
		for (i = 0; i < r.count; i++)
			if (full(fd, buf, r.size, 0) || full(fd, buf, r.size, 1))
				return 1;
	} else if (full_chunked(fd, buf, r.size, 0) || full(fd, buf, 1, 1)) {
		return 1;
	}
	close(fd);
	close(l);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		return serve(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "pingpong")) {
		struct req r = { .mode = 1, .size = atoi(argv[4]),
				 .count = strtoull(argv[5], NULL, 10) };
		int fd = dial(argv[2], atoi(argv[3]));
		uint64_t *rtt = calloc(r.count, sizeof(*rtt)), i;
		char *buf = calloc(1, r.size ? r.size : 1);

		if (fd < 0 || !rtt || full(fd, &r, sizeof(r), 1))
			return 1;
		for (i = 0; i < r.count; i++) {
			uint64_t t0 = now_ns();

			if (full(fd, buf, r.size, 1) || full(fd, buf, r.size, 0))
				return 1;
			rtt[i] = (now_ns() - t0) / 1000;
		}
		qsort(rtt, r.count, sizeof(*rtt), cmp_u64);
		printf("{\"size\": %u, \"n\": %llu, \"p50-us\": %llu, \"p99-us\": %llu}\n",
		       r.size, (unsigned long long)r.count,
		       (unsigned long long)rtt[r.count / 2],
		       (unsigned long long)rtt[r.count * 99 / 100]);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "stream")) {
		struct req r = { .mode = 2, .size = strtoul(argv[4], NULL, 10) };
		int fd = dial(argv[2], atoi(argv[3]));
		char *buf = calloc(1, 1 << 20);
		uint64_t t0;
		double s;

		if (fd < 0 || full(fd, &r, sizeof(r), 1))
			return 1;
		t0 = now_ns();
		if (full_chunked(fd, buf, r.size, 1) || full(fd, buf, 1, 0))
			return 1;
		s = (now_ns() - t0) / 1e9;
		printf("{\"bytes\": %u, \"seconds\": %.3f, \"MBps\": %.2f}\n",
		       r.size, s, r.size / s / 1e6);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of tcp_echo.c\n");
	return 2;
}
