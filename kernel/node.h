/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_NODE_H
#define _COHORT_NODE_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/cohort.h>

struct net;
struct netlink_ext_ack;

/**
 * struct cohort_net - the cohort node that one network namespace is
 * @net: the namespace; constant for the life of the instance
 * @lock: serialises changes to this node's identity
 * @self_id: this node's id, 0 until configured; protected by @lock
 * @self_name: this node's name, "" until configured; protected by @lock
 */
struct cohort_net {
	struct net *net;
	struct mutex lock;	/* protects self_id and self_name */
	u32 self_id;
	char self_name[COHORT_NODE_NAME_MAX];
};

struct cohort_net *cohort_net(const struct net *net);
void cohort_node_get_self(struct cohort_net *cn, u32 *id,
			  char name[COHORT_NODE_NAME_MAX]);
int cohort_node_set_self(struct cohort_net *cn, u32 id, const char *name,
			 struct netlink_ext_ack *extack);
long cohort_node_instances(void);

int cohort_node_init(void);
void cohort_node_exit(void);

#endif /* _COHORT_NODE_H */
