// SPDX-License-Identifier: GPL-2.0
/*
 * The per-network-namespace node instance: each namespace is one cohort
 * node, with its own identity (and, later, its own node table).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/netlink.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "name.h"
#include "node.h"

static unsigned int cohort_net_id __read_mostly;

/* Live node instances, for leak checks in tests (sysfs stats/instances). */
static atomic_long_t instances = ATOMIC_LONG_INIT(0);

struct cohort_net *cohort_net(const struct net *net)
{
	return net_generic(net, cohort_net_id);
}

void cohort_node_get_self(struct cohort_net *cn, u32 *id,
			  char name[COHORT_NODE_NAME_MAX])
{
	mutex_lock(&cn->lock);
	*id = cn->self_id;
	strscpy(name, cn->self_name, COHORT_NODE_NAME_MAX);
	mutex_unlock(&cn->lock);
}

int cohort_node_set_self(struct cohort_net *cn, u32 id, const char *name,
			 struct netlink_ext_ack *extack)
{
	if (id < 1 || id > COHORT_NODE_ID_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "node id out of range");
		return -EINVAL;
	}
	if (!cohort_name_valid(name, COHORT_NODE_NAME_MAX)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "node name must be 1-63 characters of [A-Za-z0-9._-] starting with a letter or digit");
		return -EINVAL;
	}

	mutex_lock(&cn->lock);
	cn->self_id = id;
	strscpy(cn->self_name, name, sizeof(cn->self_name));
	mutex_unlock(&cn->lock);
	pr_debug("netns %u: this node is now %u (%s)\n",
		 cn->net->ns.inum, id, name);
	return 0;
}

long cohort_node_instances(void)
{
	return atomic_long_read(&instances);
}

static int __net_init cohort_net_init(struct net *net)
{
	struct cohort_net *cn = cohort_net(net);

	cn->net = net;
	mutex_init(&cn->lock);
	cn->self_id = 0;
	cn->self_name[0] = '\0';
	atomic_long_inc(&instances);
	return 0;
}

static void __net_exit cohort_net_exit(struct net *net)
{
	struct cohort_net *cn = cohort_net(net);

	mutex_destroy(&cn->lock);
	atomic_long_dec(&instances);
}

static struct pernet_operations cohort_net_ops = {
	.init = cohort_net_init,
	.exit = cohort_net_exit,
	.id = &cohort_net_id,
	.size = sizeof(struct cohort_net),
};

int cohort_node_init(void)
{
	return register_pernet_subsys(&cohort_net_ops);
}

void cohort_node_exit(void)
{
	unregister_pernet_subsys(&cohort_net_ops);
}
