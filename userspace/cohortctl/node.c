// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl node: this node's identity (and, later, the node table).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cohortctl.h"
#include "nl.h"

static int node_set_self(int argc, char **argv)
{
	struct cohort_nl nl;
	struct nl_msg *msg;
	unsigned int id;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: cohortctl node set-self ID NAME\n");
		return EXIT_USAGE;
	}
	if (cohortctl_parse_id(argv[1], &id))
		return EXIT_USAGE;
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	/* The name is checked by the kernel, which says what is wrong. */
	msg = cohort_nl_msg(&nl, COHORT_CMD_NODE_SET_SELF, 0);
	if (!msg || nla_put_u32(msg, COHORT_A_NODE_ID, id) ||
	    nla_put_string(msg, COHORT_A_NODE_NAME, argv[2])) {
		fprintf(stderr, "cohortctl: out of memory\n");
		nlmsg_free(msg);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	err = cohort_nl_call(&nl, msg, NULL, NULL);
	if (err) {
		cohort_nl_perror(&nl, "node set-self", err);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	cohort_nl_close(&nl);
	if (json_output) {
		printf("{\"node-id\": %u, \"node-name\": ", id);
		json_string(stdout, argv[2]);
		printf("}\n");
	}
	return 0;
}

int cmd_node(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "set-self"))
		return node_set_self(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return node_add(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "del"))
		return node_del(argc - 1, argv + 1);
	fprintf(stderr, "usage: cohortctl node set-self ID NAME\n"
		"       cohortctl node add ID NAME ADDRESS[:PORT]\n"
		"       cohortctl node del ID\n");
	return EXIT_USAGE;
}
