// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl ps: the migrated processes of the cluster, where each runs now.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cohortctl.h"
#include "nl.h"

struct ps_ctx {
	int count;		/* processes printed */
	int missing;		/* nodes that did not answer */
};

static unsigned int u32_of(struct nlattr *a)
{
	return a && nla_len(a) == 4 ? nla_get_u32(a) : 0;
}

static int print_ps(struct nlattr **tb, void *arg)
{
	struct ps_ctx *ctx = arg;
	unsigned int node = u32_of(tb[COHORT_A_NODE_ID]);
	const char *comm;

	if (!node)
		return -EBADMSG;
	if (tb[COHORT_A_REASON]) {
		/* A node that did not answer: said on stderr, and in -j. */
		fprintf(stderr, "cohortctl: ps: node %u did not answer (%s)\n",
			node, nla_get_string(tb[COHORT_A_REASON]));
		ctx->missing++;
		return 0;
	}
	if (!tb[COHORT_A_PID] || !tb[COHORT_A_HOME_NODE] ||
	    !tb[COHORT_A_HOME_PID] || !tb[COHORT_A_MIG_FROM] ||
	    !tb[COHORT_A_COMM])
		return -EBADMSG;
	comm = nla_get_string(tb[COHORT_A_COMM]);
	if (json_output) {
		printf("%s{\"node\": %u, \"pid\": %u, ", ctx->count ? ", " : "",
		       node, u32_of(tb[COHORT_A_PID]));
		printf("\"home-node\": %u, \"home-pid\": %u, \"from\": %u, ",
		       u32_of(tb[COHORT_A_HOME_NODE]),
		       u32_of(tb[COHORT_A_HOME_PID]),
		       u32_of(tb[COHORT_A_MIG_FROM]));
		printf("\"comm\": ");
		json_string(stdout, comm);
		printf("}");
	} else {
		if (!ctx->count)
			printf("%5s %8s %5s %8s %5s  %s\n", "NODE", "PID", "HOME",
			       "HOME-PID", "FROM", "COMMAND");
		printf("%5u %8u %5u %8u %5u  %s\n", node,
		       u32_of(tb[COHORT_A_PID]), u32_of(tb[COHORT_A_HOME_NODE]),
		       u32_of(tb[COHORT_A_HOME_PID]),
		       u32_of(tb[COHORT_A_MIG_FROM]), comm);
	}
	ctx->count++;
	return 0;
}

int cmd_ps(int argc, char **argv)
{
	struct ps_ctx ctx = { 0 };
	struct cohort_nl nl;
	struct nl_msg *msg;
	int err;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: cohortctl ps\n");
		return EXIT_USAGE;
	}
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	if (json_output)
		printf("[");
	msg = cohort_nl_msg(&nl, COHORT_CMD_PS, NLM_F_DUMP);
	err = msg ? cohort_nl_call(&nl, msg, print_ps, &ctx) : -ENOMEM;
	if (json_output)
		printf("]\n");
	else if (!err && !ctx.count)
		printf("no migrated processes\n");
	if (err) {
		cohort_nl_perror(&nl, "ps", err);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	cohort_nl_close(&nl);
	/* Incomplete: some node did not answer (its processes are unknown). */
	return ctx.missing ? EXIT_KERNEL : 0;
}
