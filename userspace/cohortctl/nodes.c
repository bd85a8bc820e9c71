// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl nodes / node add / node del: the node table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cohortctl.h"
#include "nl.h"

static const char *const state_names[] = {
	[COHORT_NODE_UNKNOWN] = "unknown",
	[COHORT_NODE_CONNECTING] = "connecting",
	[COHORT_NODE_UP] = "up",
	[COHORT_NODE_DOWN] = "down",
	[COHORT_NODE_SELF] = "self",
};

static const char *const stat_names[] = {
	[COHORT_STAT_MSGS_TX] = "msgs-tx",
	[COHORT_STAT_MSGS_RX] = "msgs-rx",
	[COHORT_STAT_BYTES_TX] = "bytes-tx",
	[COHORT_STAT_BYTES_RX] = "bytes-rx",
	[COHORT_STAT_RECONNECTS] = "reconnects",
	[COHORT_STAT_AUTH_FAILURES] = "auth-failures",
	[COHORT_STAT_MALFORMED] = "malformed",
	[COHORT_STAT_RTT_US] = "rtt-us",
};

struct dump_ctx {
	int count;
};

static int print_node(struct nlattr **tb, void *arg)
{
	struct dump_ctx *ctx = arg;
	struct nlattr *st[COHORT_STAT_MAX + 1] = { NULL };
	char addr[INET6_ADDRSTRLEN + 10] = "?";
	unsigned long long v[COHORT_STAT_MAX + 1] = { 0 };
	unsigned int state;
	int i;

	if (!tb[COHORT_A_NODE_ID] || !tb[COHORT_A_NODE_NAME] ||
	    !tb[COHORT_A_NODE_STATE] || !tb[COHORT_A_NODE_PORT])
		return -EBADMSG;
	if (tb[COHORT_A_NODE_ADDR4] && nla_len(tb[COHORT_A_NODE_ADDR4]) == 4)
		inet_ntop(AF_INET, nla_data(tb[COHORT_A_NODE_ADDR4]), addr,
			  sizeof(addr));
	else if (tb[COHORT_A_NODE_ADDR6] && nla_len(tb[COHORT_A_NODE_ADDR6]) == 16)
		inet_ntop(AF_INET6, nla_data(tb[COHORT_A_NODE_ADDR6]), addr,
			  sizeof(addr));
	if (tb[COHORT_A_NODE_STATS])
		nla_parse_nested(st, COHORT_STAT_MAX, tb[COHORT_A_NODE_STATS], NULL);
	for (i = 1; i <= COHORT_STAT_MAX; i++)
		if (st[i] && nla_len(st[i]) == 8)
			v[i] = nla_get_u64(st[i]);
	state = nla_get_u8(tb[COHORT_A_NODE_STATE]);
	if (state >= ARRAY_SIZE(state_names))
		return -EBADMSG;

	if (json_output) {
		printf("%s{\"node-id\": %u, \"node-name\": ", ctx->count ? ", " : "",
		       nla_get_u32(tb[COHORT_A_NODE_ID]));
		json_string(stdout, nla_get_string(tb[COHORT_A_NODE_NAME]));
		printf(", \"address\": ");
		json_string(stdout, addr);
		printf(", \"port\": %u, \"state\": \"%s\"",
		       nla_get_u16(tb[COHORT_A_NODE_PORT]), state_names[state]);
		for (i = 1; i < COHORT_STAT_PAD; i++)
			printf(", \"%s\": %llu", stat_names[i], v[i]);
		printf("}");
	} else {
		if (!ctx->count)
			printf("%-5s %-16s %-22s %-10s %9s %9s %9s %6s %6s %6s\n",
			       "ID", "NAME", "ADDRESS", "STATE", "RTT(us)",
			       "MSGS-TX", "MSGS-RX", "RECONN", "AUTHF", "BAD");
		if (strchr(addr, ':')) {	/* IPv6: [ADDR]:PORT */
			memmove(addr + 1, addr, strlen(addr) + 1);
			addr[0] = '[';
			strcat(addr, "]");
		}
		snprintf(addr + strlen(addr), 8, ":%u",
			 nla_get_u16(tb[COHORT_A_NODE_PORT]));
		printf("%-5u %-16s %-22s %-10s %9llu %9llu %9llu %6llu %6llu %6llu\n",
		       nla_get_u32(tb[COHORT_A_NODE_ID]),
		       nla_get_string(tb[COHORT_A_NODE_NAME]), addr,
		       state_names[state], v[COHORT_STAT_RTT_US],
		       v[COHORT_STAT_MSGS_TX], v[COHORT_STAT_MSGS_RX],
		       v[COHORT_STAT_RECONNECTS], v[COHORT_STAT_AUTH_FAILURES],
		       v[COHORT_STAT_MALFORMED]);
	}
	ctx->count++;
	return 0;
}

int cmd_nodes(int argc, char **argv)
{
	struct dump_ctx ctx = { 0 };
	struct cohort_nl nl;
	struct nl_msg *msg;
	int err;

	if (argc != 1) {
		fprintf(stderr, "usage: cohortctl nodes\n");
		return EXIT_USAGE;
	}
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	if (json_output)
		printf("[");
	msg = cohort_nl_msg(&nl, COHORT_CMD_NODE_GET, NLM_F_DUMP);
	err = msg ? cohort_nl_call(&nl, msg, print_node, &ctx) : -ENOMEM;
	if (json_output)
		printf("]\n");
	else if (!err && !ctx.count)
		printf("no nodes (cohortctl node add ID NAME ADDRESS[:PORT])\n");
	if (err) {
		cohort_nl_perror(&nl, "nodes", err);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	cohort_nl_close(&nl);
	return 0;
}

int node_add(int argc, char **argv)
{
	unsigned char addr[16];
	unsigned int id, port;
	struct cohort_nl nl;
	struct nl_msg *msg;
	int family, rc;

	if (argc != 4) {
		fprintf(stderr, "usage: cohortctl node add ID NAME ADDRESS[:PORT]\n");
		return EXIT_USAGE;
	}
	if (cohortctl_parse_id(argv[1], &id))
		return EXIT_USAGE;
	if (cohort_parse_addr(argv[3], &family, addr, &port)) {
		fprintf(stderr, "cohortctl: '%s' is not ADDRESS[:PORT] (IPv6 as [ADDRESS]:PORT)\n",
			argv[3]);
		return EXIT_USAGE;
	}
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	msg = cohort_nl_msg(&nl, COHORT_CMD_NODE_ADD, 0);
	if (!msg || nla_put_u32(msg, COHORT_A_NODE_ID, id) ||
	    nla_put_string(msg, COHORT_A_NODE_NAME, argv[2]) ||
	    nla_put(msg, family == AF_INET ? COHORT_A_NODE_ADDR4 :
		    COHORT_A_NODE_ADDR6, family == AF_INET ? 4 : 16, addr) ||
	    nla_put_u16(msg, COHORT_A_NODE_PORT, port)) {
		nlmsg_free(msg);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	rc = cohortctl_do(msg, &nl, "node add");
	cohort_nl_close(&nl);
	return rc;
}

int node_del(int argc, char **argv)
{
	struct cohort_nl nl;
	struct nl_msg *msg;
	unsigned int id;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: cohortctl node del ID\n");
		return EXIT_USAGE;
	}
	if (cohortctl_parse_id(argv[1], &id))
		return EXIT_USAGE;
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	msg = cohort_nl_msg(&nl, COHORT_CMD_NODE_DEL, 0);
	if (!msg || nla_put_u32(msg, COHORT_A_NODE_ID, id)) {
		nlmsg_free(msg);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	rc = cohortctl_do(msg, &nl, "node del");
	cohort_nl_close(&nl);
	return rc;
}
