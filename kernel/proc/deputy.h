/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_PROC_DEPUTY_H
#define _COHORT_PROC_DEPUTY_H

#include <linux/types.h>

struct cohort_net;
struct cohort_deputy;
struct cohort_guest_home;

/*
 * The process @pid (its home is here) is about to run at @node: its
 * deputy, to give cohort_ckpt_release_to() (or cohort_deputy_cancel()).
 */
struct cohort_deputy *cohort_deputy_new(struct cohort_net *cn, u32 pid,
					u32 node);
void cohort_deputy_cancel(struct cohort_deputy *dep);
/* In the held task's context, after COMMIT: it is the deputy until the end. */
void cohort_deputy_run(void *dep);
/* Whether @pid is a deputy here, and where its process runs. */
bool cohort_deputy_where(struct cohort_net *cn, u32 pid, u32 *node);

/* The process of @home left here for @to / arrived here from @from / ended. */
void cohort_deputy_tell_moved(struct cohort_net *cn,
			      const struct cohort_guest_home *home, u32 to);
void cohort_deputy_arrived_home(struct cohort_net *cn, u32 pid, u32 from);
void cohort_deputy_tell_exit(struct cohort_net *cn,
			     const struct cohort_guest_home *home, int status);

/* Counters: signals forwarded, exits mirrored, lost with their node. */
#define COHORT_DEP_STATS 3
void cohort_deputy_stats(u64 v[COHORT_DEP_STATS]);

int cohort_deputy_init(void);
void cohort_deputy_exit(void);

#endif
