// SPDX-License-Identifier: GPL-2.0
/*
 * Round trips of cohort's in-kernel ECHO and of a userspace TCP ping-pong,
 * interleaved in small batches from one process on one guest, so that
 * both meet the same moments of the emulator's (and the host's) speed:
 *
 *   rpc_pair ADDR PORT NODE SIZE N BATCH
 *
 * ADDR:PORT is a "tcp_echo server" on the guest that is cohort node NODE.
 * Alternately BATCH in-kernel ECHOs of SIZE bytes (one PING request with
 * COUNT=BATCH: back to back, each timed in the kernel) and BATCH TCP round
 * trips of SIZE bytes (back to back, each timed here), until N of each.
 * Prints one JSON line: p50 and p99 of each, and the ratio of the p50s.
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

#include "nl.h"
#include "util.h"

/* The tcp_echo server's request: mode (1 ping-pong), size, count. */
struct req {
	uint32_t mode, size;
	uint64_t count;
};

int main(int argc, char **argv)
{
	unsigned long n, batch, done, k, i;
	uint64_t *krtt, *trtt, kp50, tp50;
	unsigned int node, size;
	struct cohort_nl nl;
	struct req r;
	char *buf;
	int fd;

	if (argc != 7) {
		fprintf(stderr, "usage: rpc_pair ADDR PORT NODE SIZE N BATCH\n");
		return 2;
	}
	node = strtoul(argv[3], NULL, 10);
	size = strtoul(argv[4], NULL, 10);
	n = strtoul(argv[5], NULL, 10);
	batch = strtoul(argv[6], NULL, 10);
	if (!n || !batch || batch > COHORT_PING_COUNT_MAX || !size ||
	    size > (1u << 20)) {
		fprintf(stderr, "rpc_pair: bad N, BATCH or SIZE\n");
		return 2;
	}
	krtt = calloc(n, sizeof(*krtt));
	trtt = calloc(n, sizeof(*trtt));
	buf = calloc(1, size);
	if (!krtt || !trtt || !buf)
		return 1;
	if (cohort_nl_open(&nl)) {
		fprintf(stderr, "rpc_pair: cannot reach the cohort module\n");
		return 1;
	}
	fd = dial(argv[1], atoi(argv[2]));
	r = (struct req){ .mode = 1, .size = size, .count = n };
	if (fd < 0 || full(fd, &r, sizeof(r), 1)) {
		fprintf(stderr, "rpc_pair: cannot reach the TCP peer\n");
		return 1;
	}
	for (done = 0; done < n; done += k) {
		k = n - done < batch ? n - done : batch;
		int got = cohort_nl_ping(&nl, node, size, k, NULL, 0, 0, krtt + done);

		if (got < 0)
			return 1;
		k = got;
		for (i = done; i < done + k; i++) {
			uint64_t t0 = now_ns();

			if (full(fd, buf, size, 1) || full(fd, buf, size, 0)) {
				fprintf(stderr, "rpc_pair: TCP peer failed\n");
				return 1;
			}
			trtt[i] = (now_ns() - t0) / 1000;
		}
	}
	close(fd);
	cohort_nl_close(&nl);
	qsort(krtt, n, sizeof(*krtt), cmp_u64);
	qsort(trtt, n, sizeof(*trtt), cmp_u64);
	kp50 = krtt[n / 2];
	tp50 = trtt[n / 2];
	printf("{\"size\": %u, \"n\": %lu, \"batch\": %lu, ", size, n, batch);
	printf("\"kernel-p50-us\": %llu, \"kernel-p99-us\": %llu, ",
	       (unsigned long long)kp50,
	       (unsigned long long)krtt[n * 99 / 100]);
	printf("\"tcp-p50-us\": %llu, \"tcp-p99-us\": %llu, \"ratio\": %.3f}\n",
	       (unsigned long long)tp50,
	       (unsigned long long)trtt[n * 99 / 100],
	       tp50 ? (double)kp50 / tp50 : 0.0);
	return 0;
}
