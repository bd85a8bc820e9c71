/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_PROC_MIGRATE_H
#define _COHORT_PROC_MIGRATE_H

#include <linux/cohort.h>
#include <linux/types.h>

struct cohort_net;
struct cohort_mig_in;
struct file;

struct cohort_migrate_result {
	u64 bytes, pages, freeze_ns, total_ns;
	u32 remote_pid;
	char reason[COHORT_REASON_MAX];
};

/* Move process @vpid (the caller's PID namespace) to @node. */
int cohort_migrate(struct cohort_net *cn, pid_t vpid, u32 node,
		   struct cohort_migrate_result *res);
long cohort_migrate_fetch_ioctl(struct cohort_migrate_fetch __user *ureq);
long cohort_migrate_self_ioctl(struct cohort_migrate_self __user *ureq);
/*
 * Counters, in this order: migrated out, out failed (the process went on
 * here), in, in failed, out with an unknown outcome (ended here); the
 * deputies' signals forwarded, exits mirrored, lost with their node.
 */
#define COHORT_MIG_STATS 8
void cohort_migrate_stats(u64 v[COHORT_MIG_STATS]);

/*
 * For restore: the incoming migration whose image @img is (a reference,
 * or NULL); its restore failed with @reason; it is ready and waits for the
 * verdict (0: commit, run); the restorer is done with it.
 */
struct cohort_mig_in *cohort_mig_claim(struct file *img);
void cohort_mig_fail(struct cohort_mig_in *in, const char *reason);
int cohort_mig_ready(struct cohort_mig_in *in);
void cohort_mig_unclaim(struct cohort_mig_in *in);

int cohort_migrate_init(void);
void cohort_migrate_exit(void);

#endif
