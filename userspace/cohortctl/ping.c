// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl ping: in-kernel ECHO round trips to a node.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cohortctl.h"
#include "nl.h"

struct ping_result {
	unsigned long long rtt_us;
};

static int parse_ping(struct nlattr **tb, void *arg)
{
	struct ping_result *r = arg;

	if (!tb[COHORT_A_PING_RTT_US])
		return -EBADMSG;
	r->rtt_us = nla_get_u64(tb[COHORT_A_PING_RTT_US]);
	return 0;
}

int cmd_ping(int argc, char **argv)
{
	unsigned long count = 1, size = 64, i, ok = 0;
	unsigned long long min = ~0ULL, max = 0, sum = 0;
	unsigned int node;
	struct cohort_nl nl;
	int c, err = 0;
	char *end;

	optind = 0;	/* glibc: restart option parsing */
	while ((c = getopt(argc, argv, "c:s:")) != -1) {
		switch (c) {
		case 'c':
			count = strtoul(optarg, &end, 10);
			if (*end || !count || count > 1000000) {
				fprintf(stderr, "cohortctl: bad count '%s'\n", optarg);
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
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: cohortctl ping NODE [-c COUNT] [-s BYTES]\n");
		return EXIT_USAGE;
	}
	if (cohortctl_parse_id(argv[optind], &node))
		return EXIT_USAGE;
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	for (i = 0; i < count; i++) {
		struct ping_result r = { 0 };
		struct nl_msg *msg = cohort_nl_msg(&nl, COHORT_CMD_PING, 0);

		if (!msg || nla_put_u32(msg, COHORT_A_NODE_ID, node) ||
		    nla_put_u32(msg, COHORT_A_PING_SIZE, size)) {
			nlmsg_free(msg);
			err = -ENOMEM;
			break;
		}
		err = cohort_nl_call(&nl, msg, parse_ping, &r);
		if (err) {
			cohort_nl_perror(&nl, "ping", err);
			break;
		}
		ok++;
		sum += r.rtt_us;
		min = r.rtt_us < min ? r.rtt_us : min;
		max = r.rtt_us > max ? r.rtt_us : max;
		if (!json_output && count <= 20)
			printf("%lu bytes from node %u: seq=%lu rtt=%llu us\n",
			       size, node, i + 1, r.rtt_us);
	}
	cohort_nl_close(&nl);
	if (json_output)
		printf("{\"node-id\": %u, \"size\": %lu, \"sent\": %lu, \"ok\": %lu, \"min-us\": %llu, \"avg-us\": %llu, \"max-us\": %llu}\n",
		       node, size, i + (err ? 1 : 0), ok, ok ? min : 0,
		       ok ? sum / ok : 0, max);
	else if (ok)
		printf("%lu/%lu ok, rtt min/avg/max = %llu/%llu/%llu us\n", ok,
		       count, min, sum / ok, max);
	return err ? EXIT_KERNEL : 0;
}
