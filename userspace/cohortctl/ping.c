// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl ping: in-kernel ECHO round trips to a node.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohortctl.h"
#include "nl.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void print_summary(unsigned int node, unsigned long size,
			  unsigned long sent, unsigned long ok,
			  uint64_t *rtt)
{
	unsigned long long sum = 0, p50 = 0, p99 = 0, min = 0, max = 0;
	unsigned long i;

	if (ok) {
		qsort(rtt, ok, sizeof(*rtt), cmp_u64);
		for (i = 0; i < ok; i++)
			sum += rtt[i];
		min = rtt[0];
		max = rtt[ok - 1];
		p50 = rtt[ok / 2];
		p99 = rtt[ok * 99 / 100];
	}
	if (json_output) {
		printf("{\"node-id\": %u, \"size\": %lu, \"sent\": %lu, \"ok\": %lu, ",
		       node, size, sent, ok);
		printf("\"min-us\": %llu, \"avg-us\": %llu, \"p50-us\": %llu, ",
		       min, ok ? sum / ok : 0, p50);
		printf("\"p99-us\": %llu, \"max-us\": %llu}\n", p99, max);
	} else if (ok) {
		printf("%lu/%lu ok, rtt min/avg/max %llu/%llu/%llu us, p50 %llu p99 %llu\n",
		       ok, sent, min, sum / ok, max, p50, p99);
	}
}

/* -p: up to COHORT_PING_PATTERN_MAX bytes in hex; their count, or -1. */
static int parse_pattern(const char *s, unsigned char *out)
{
	size_t len = strlen(s), i;

	if (!len || len % 2 || len / 2 > COHORT_PING_PATTERN_MAX)
		return -1;
	for (i = 0; i < len; i += 2) {
		unsigned int v;

		if (!isxdigit((unsigned char)s[i]) ||
		    !isxdigit((unsigned char)s[i + 1]) ||
		    sscanf(s + i, "%2x", &v) != 1)
			return -1;
		out[i / 2] = v;
	}
	return len / 2;
}

int cmd_ping(int argc, char **argv)
{
	unsigned long count = 1, size = 64, burst = 1, ok = 0, n, i, wait = 0;
	unsigned char pattern[COHORT_PING_PATTERN_MAX];
	int plen = 0;
	uint64_t *rtt;
	unsigned int node;
	struct cohort_nl nl;
	int c, err = 0;
	char *end;

	optind = 0;	/* glibc: restart option parsing */
	while ((c = getopt(argc, argv, "bc:p:s:W:")) != -1) {
		switch (c) {
		case 'b':
			burst = COHORT_PING_COUNT_MAX;
			break;
		case 'c':
			count = strtoul(optarg, &end, 10);
			if (*end || !count || count > 1000000) {
				fprintf(stderr, "cohortctl: bad count '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			plen = parse_pattern(optarg, pattern);
			if (plen < 0) {
				fprintf(stderr,
					"cohortctl: -p takes 1 to %d bytes in hex, not '%s'\n",
					COHORT_PING_PATTERN_MAX, optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			size = strtoul(optarg, &end, 10);
			if (*end || size > COHORT_MSG_MAX) {
				fprintf(stderr, "cohortctl: size must be 0..%u\n",
					COHORT_MSG_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'W':
			wait = strtoul(optarg, &end, 10);
			if (*end || !wait || wait > COHORT_PING_TIMEOUT_MAX_MS / 1000) {
				fprintf(stderr, "cohortctl: -W takes 1..%d seconds\n",
					COHORT_PING_TIMEOUT_MAX_MS / 1000);
				return EXIT_USAGE;
			}
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: cohortctl ping NODE [-c COUNT] [-s BYTES] [-p HEX] [-b]\n"
			"       [-W SECONDS]\n");
		return EXIT_USAGE;
	}
	if (cohortctl_parse_id(argv[optind], &node))
		return EXIT_USAGE;
	rtt = calloc(count, sizeof(*rtt));
	if (!rtt)
		return EXIT_KERNEL;
	if (cohortctl_open(&nl)) {
		free(rtt);
		return EXIT_KERNEL;
	}
	/*
	 * One request per round trip; with -b, up to COHORT_PING_COUNT_MAX
	 * per request, made back to back in the kernel.
	 */
	for (; ok < count; ok += n) {
		int got;

		n = count - ok < burst ? count - ok : burst;
		got = cohort_nl_ping(&nl, node, size, n, pattern, plen,
				     wait * 1000, rtt + ok);
		if (got < 0) {
			err = got;
			break;
		}
		n = got;	/* fewer when the kernel's time for one ran out */
		for (i = ok; !json_output && count <= 20 && i < ok + n; i++)
			printf("%lu bytes from node %u: seq=%lu rtt=%llu us\n",
			       size, node, i + 1, (unsigned long long)rtt[i]);
	}
	cohort_nl_close(&nl);
	print_summary(node, size, ok + (err ? n : 0), ok, rtt);
	free(rtt);
	return err ? EXIT_KERNEL : 0;
}
