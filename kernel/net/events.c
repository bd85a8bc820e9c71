// SPDX-License-Identifier: GPL-2.0
/*
 * Node events: an in-kernel notifier chain for the subsystems that must
 * react to a node coming up or going down (waiters, migrations, DSM), and
 * the same events multicast to userspace on the netlink "events" group.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/notifier.h>
#include <net/net_namespace.h>

#include "events.h"
#include "node.h"
#include "../admin/netlink.h"

static BLOCKING_NOTIFIER_HEAD(cohort_node_chain);

int cohort_register_node_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&cohort_node_chain, nb);
}

int cohort_unregister_node_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&cohort_node_chain, nb);
}

/* Tell everyone. Process context; may sleep. */
void cohort_node_event(struct cohort_net *cn, enum cohort_node_event ev,
		       u32 node_id, const char *reason)
{
	struct cohort_node_event_info info = {
		.cn = cn, .node_id = node_id, .reason = reason,
	};
	static const char * const names[] = {
		[COHORT_EVENT_NODE_UP] = "up",
		[COHORT_EVENT_NODE_DOWN] = "down",
		[COHORT_EVENT_AUTH_FAILED] = "auth-failed",
	};

	/* Rate-limited: a stranger failing handshakes must not flood the log. */
	pr_info_ratelimited("netns %u: node %u %s%s%s\n", cn->net->ns.inum,
			    node_id, names[ev], reason ? ": " : "", reason ?: "");
	blocking_notifier_call_chain(&cohort_node_chain, ev, &info);
	cohort_genl_event(cn, ev, node_id, reason);
}
