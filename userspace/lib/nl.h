/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client for the cohort family, over libnl-genl-3,
 * shared by cohortctl and (later) cohortd.
 */
#ifndef COHORT_NL_H
#define COHORT_NL_H

#include <stdint.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <linux/cohort.h>

struct cohort_nl {
	struct nl_sock *sk;
	int family;
	/* Extended ACK of the last failed request, "" if none. */
	char errmsg[256];
	int miss_type;
};

/* Reply attributes are handed to the caller's parser. */
typedef int (*cohort_nl_reply_cb)(struct nlattr **tb, void *arg);

int cohort_nl_open(struct cohort_nl *nl);
void cohort_nl_close(struct cohort_nl *nl);
struct nl_msg *cohort_nl_msg(struct cohort_nl *nl, int cmd, int flags);
int cohort_nl_call(struct cohort_nl *nl, struct nl_msg *msg,
		   cohort_nl_reply_cb cb, void *arg);
void cohort_nl_perror(struct cohort_nl *nl, const char *what, int err);
int cohort_nl_ping(struct cohort_nl *nl, unsigned int node, unsigned int size,
		   unsigned long count, const unsigned char *pattern,
		   int plen, unsigned int timeout_ms, uint64_t *rtt);

#endif /* COHORT_NL_H */
