// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl info: module version, protocol version, this node's identity
 * and whether it encrypts payloads.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cohortctl.h"
#include "nl.h"

struct info {
	char version[COHORT_VERSION_MAX];
	unsigned int proto;
	unsigned int node_id;
	char node_name[COHORT_NODE_NAME_MAX];
	int encrypt;		/* -1: a module that does not say */
};

static int parse_info(struct nlattr **tb, void *arg)
{
	struct info *in = arg;

	if (!tb[COHORT_A_VERSION] || !tb[COHORT_A_PROTO_VERSION] ||
	    !tb[COHORT_A_NODE_ID] || !tb[COHORT_A_NODE_NAME])
		return -EBADMSG;
	snprintf(in->version, sizeof(in->version), "%s",
		 nla_get_string(tb[COHORT_A_VERSION]));
	in->proto = nla_get_u32(tb[COHORT_A_PROTO_VERSION]);
	in->node_id = nla_get_u32(tb[COHORT_A_NODE_ID]);
	snprintf(in->node_name, sizeof(in->node_name), "%s",
		 nla_get_string(tb[COHORT_A_NODE_NAME]));
	in->encrypt = tb[COHORT_A_ENCRYPT] ? nla_get_u8(tb[COHORT_A_ENCRYPT]) : -1;
	return 0;
}

static void print_info(const struct info *in)
{
	if (json_output) {
		printf("{\"version\": ");
		json_string(stdout, in->version);
		printf(", \"proto-version\": %u, \"node-id\": %u, \"node-name\": ",
		       in->proto, in->node_id);
		json_string(stdout, in->node_name);
		if (in->encrypt >= 0)
			printf(", \"encrypt\": %s", in->encrypt ? "true" : "false");
		printf("}\n");
		return;
	}
	printf("cohort %s, protocol %u\n", in->version, in->proto);
	if (in->node_id)
		printf("node: %u (%s)\n", in->node_id, in->node_name);
	else
		printf("node: not configured (cohortctl node set-self ID NAME)\n");
	if (in->encrypt >= 0)
		printf("encryption: %s\n", in->encrypt ? "on" : "off");
}

int cmd_info(int argc, char **argv)
{
	struct cohort_nl nl;
	struct info in = { 0 };
	struct nl_msg *msg;
	int err;

	if (argc != 1) {
		fprintf(stderr, "usage: cohortctl info\n");
		return EXIT_USAGE;
	}
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	msg = cohort_nl_msg(&nl, COHORT_CMD_INFO_GET, 0);
	err = msg ? cohort_nl_call(&nl, msg, parse_info, &in) : -ENOMEM;
	if (err) {
		cohort_nl_perror(&nl, "info", err);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	cohort_nl_close(&nl);
	print_info(&in);
	return 0;
}
