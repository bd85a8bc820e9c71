// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl migrate PID NODE
 *
 * Moves a running process to another node (stop and copy): it goes on
 * there, or, if anything fails, here as if nothing happened, and the
 * reason is printed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/cohort.h>

#include "cohortctl.h"
#include "nl.h"

struct migrate_out {
	uint64_t bytes, pages, freeze_us, total_us;
	unsigned int remote_pid;
	char reason[COHORT_REASON_MAX];
};

static int parse_migrate(struct nlattr **tb, void *arg)
{
	struct migrate_out *o = arg;

	if (tb[COHORT_A_MIG_BYTES])
		o->bytes = nla_get_u64(tb[COHORT_A_MIG_BYTES]);
	if (tb[COHORT_A_MIG_PAGES])
		o->pages = nla_get_u64(tb[COHORT_A_MIG_PAGES]);
	if (tb[COHORT_A_MIG_FREEZE_US])
		o->freeze_us = nla_get_u64(tb[COHORT_A_MIG_FREEZE_US]);
	if (tb[COHORT_A_MIG_TOTAL_US])
		o->total_us = nla_get_u64(tb[COHORT_A_MIG_TOTAL_US]);
	if (tb[COHORT_A_MIG_REMOTE_PID])
		o->remote_pid = nla_get_u32(tb[COHORT_A_MIG_REMOTE_PID]);
	if (tb[COHORT_A_REASON])
		snprintf(o->reason, sizeof(o->reason), "%s",
			 nla_get_string(tb[COHORT_A_REASON]));
	return 0;
}

int cmd_migrate(int argc, char **argv)
{
	struct migrate_out o = {};
	struct cohort_nl nl;
	struct nl_msg *msg;
	unsigned int node;
	char *end;
	long pid;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: cohortctl migrate PID NODE\n");
		return EXIT_USAGE;
	}
	errno = 0;
	pid = strtol(argv[1], &end, 10);
	if (errno || *end || pid <= 0 || pid > 0x3fffffff) {
		fprintf(stderr, "cohortctl: migrate: '%s' is not a process id\n",
			argv[1]);
		return EXIT_USAGE;
	}
	if (cohortctl_parse_id(argv[2], &node))
		return EXIT_USAGE;
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	msg = cohort_nl_msg(&nl, COHORT_CMD_MIGRATE, 0);
	if (!msg || nla_put_u32(msg, COHORT_A_PID, pid) ||
	    nla_put_u32(msg, COHORT_A_NODE_ID, node)) {
		fprintf(stderr, "cohortctl: migrate: out of memory\n");
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	err = cohort_nl_call(&nl, msg, parse_migrate, &o);
	if (err) {
		/* ENOLINK: the outcome is unknown, the process ended here */
		if (o.reason[0])
			fprintf(stderr, "cohortctl: migrate %ld: %s%s (%s)\n", pid,
				o.reason, err == -ENOLINK ? "" :
				": not migrated, it goes on here", strerror(-err));
		else
			cohort_nl_perror(&nl, "migrate", err);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	cohort_nl_close(&nl);
	if (json_output) {
		printf("{\"pid\": %ld, \"node\": %u, \"remote-pid\": %u, ", pid, node,
		       o.remote_pid);
		printf("\"bytes\": %llu, \"pages\": %llu, ", (unsigned long long)o.bytes,
		       (unsigned long long)o.pages);
		printf("\"freeze-us\": %llu, \"total-us\": %llu}\n",
		       (unsigned long long)o.freeze_us, (unsigned long long)o.total_us);
	} else {
		printf("migrated %ld to node %u (process %u there): ", pid, node,
		       o.remote_pid);
		printf("%llu bytes, %llu pages, frozen %.1f ms, total %.1f ms\n",
		       (unsigned long long)o.bytes, (unsigned long long)o.pages,
		       o.freeze_us / 1e3, o.total_us / 1e3);
	}
	return 0;
}
