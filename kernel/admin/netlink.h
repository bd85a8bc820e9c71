/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_NETLINK_H
#define _COHORT_NETLINK_H

#include <linux/types.h>

int cohort_genl_init(void);
void cohort_genl_exit(void);
long cohort_genl_rejected(void);

struct cohort_net;
void cohort_genl_event(struct cohort_net *cn, int ev, u32 node_id,
		       const char *reason);
void cohort_genl_migrate_in(struct cohort_net *cn, u32 node, u64 id, u32 pid);
struct cohort_migrate_result;
void cohort_genl_migrate_out(struct cohort_net *cn, u32 pid, u32 node,
			     int err, const struct cohort_migrate_result *res);
/* At a process's home: its node went down, its deputy ends (@reason). */
void cohort_genl_migrate_lost(struct cohort_net *cn, u32 pid, u32 node,
			      const char *reason);

#endif /* _COHORT_NETLINK_H */
