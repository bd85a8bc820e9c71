// SPDX-License-Identifier: GPL-2.0
/*
 * libcohort: cohort_migrate() over the generic netlink family,
 * cohort_migrate_self() over /dev/cohort (COHORT_IOC_MIGRATE_SELF).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libcohort.h"
#include "nl.h"

static __thread char last_reason[COHORT_REASON_MAX];

const char *cohort_last_reason(void)
{
	return last_reason;
}

/* MIGRATE's reply: the reason, when it failed. */
static int migrate_reply(struct nlattr **tb, void *arg)
{
	if (tb[COHORT_A_REASON])
		snprintf(last_reason, sizeof(last_reason), "%s",
			 nla_get_string(tb[COHORT_A_REASON]));
	return 0;
}

int cohort_migrate(pid_t pid, unsigned int node)
{
	struct cohort_nl nl;
	struct nl_msg *msg;
	int err;

	last_reason[0] = '\0';
	err = cohort_nl_open(&nl);
	if (err) {
		snprintf(last_reason, sizeof(last_reason),
			 "the cohort module is not loaded");
		errno = -err;
		return -1;
	}
	msg = cohort_nl_msg(&nl, COHORT_CMD_MIGRATE, 0);
	if (!msg || nla_put_u32(msg, COHORT_A_PID, pid) ||
	    nla_put_u32(msg, COHORT_A_NODE_ID, node)) {
		nlmsg_free(msg);
		cohort_nl_close(&nl);
		errno = ENOMEM;
		return -1;
	}
	err = cohort_nl_call(&nl, msg, migrate_reply, NULL);
	if (err && !last_reason[0])
		snprintf(last_reason, sizeof(last_reason), "%.*s",
			 (int)sizeof(last_reason) - 1, nl.errmsg);
	cohort_nl_close(&nl);
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

int cohort_migrate_self(unsigned int node)
{
	struct cohort_migrate_self req = { .node = node };
	int fd, ret, e;

	last_reason[0] = '\0';
	fd = open("/dev/cohort", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(last_reason, sizeof(last_reason), "cannot open /dev/cohort");
		return -1;
	}
	/* Here on failure; on @node (the descriptor reopened there) on success. */
	ret = ioctl(fd, COHORT_IOC_MIGRATE_SELF, &req);
	e = errno;
	close(fd);
	if (ret) {
		req.reason[sizeof(req.reason) - 1] = '\0';
		memcpy(last_reason, req.reason, sizeof(last_reason));
		errno = e;
		return -1;
	}
	return 0;
}
