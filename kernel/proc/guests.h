/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_PROC_GUESTS_H
#define _COHORT_PROC_GUESTS_H

#include <linux/types.h>

struct cohort_net;
struct cohort_buf;
struct pid;

/* Where a migrated process belongs: its first node, and its PID there. */
struct cohort_guest_home {
	u32 node;
	u32 pid;
};

/*
 * One guest in a MIG_LIST answer, big-endian: PID here, home node, home
 * PID, the node it came from, then its command name (TASK_COMM_LEN bytes,
 * NUL-padded).
 */
#define COHORT_GUEST_REC_LEN	32
#define COHORT_GUEST_COMM_LEN	16
/* Most guests one node lists (the records of a MIG_LIST answer). */
#define COHORT_GUESTS_LIST_MAX	4096

int cohort_guest_add(struct cohort_net *cn, struct pid *pid,
		     const struct cohort_guest_home *home, u32 from);
bool cohort_guest_home(struct cohort_net *cn, struct pid *pid,
		       struct cohort_guest_home *home);
void cohort_guest_del(struct cohort_net *cn, struct pid *pid);
struct pid *cohort_guest_by_home(struct cohort_net *cn, u32 home_node,
				 u32 home_pid);
long cohort_guests_reap_ioctl(struct cohort_net *cn);
/* This node's guests as MIG_LIST records (NULL and 0 when none). */
int cohort_guests_snapshot(struct cohort_net *cn, struct cohort_buf **out);

/* Every node's guests, as `cohortctl ps` shows them. */
struct cohort_guests_node {
	u32 node;
	int err;			/* it did not answer: why */
	struct cohort_buf *list;	/* its records, or NULL: none */
};

struct cohort_guests_all {
	unsigned int n;
	struct cohort_guests_node nodes[];
};

int cohort_guests_collect(struct cohort_net *cn, struct cohort_guests_all **out);
void cohort_guests_all_free(struct cohort_guests_all *all);

int cohort_guests_init(void);
void cohort_guests_exit(void);

#endif
