// SPDX-License-Identifier: GPL-2.0
/*
 * Node events: an in-kernel notifier chain for the subsystems that must
 * react to a node coming up or going down (waiters, migrations, DSM), and
 * the same events multicast to userspace on the netlink "events" group.
 *
 * Events are delivered from a work item of their instance, in the order
 * they happened, never from where they happen: a node comes up under its
 * connection's receive mutex, and a subscriber that calls that node at
 * once would otherwise wait for an answer nobody can receive. At most
 * EVENTS_MAX wait; beyond that they are dropped and counted
 * (stats: events_dropped).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "conn.h"
#include "events.h"
#include "node.h"
#include "../admin/netlink.h"

#define EVENTS_MAX	256
#define REASON_MAX	64

static BLOCKING_NOTIFIER_HEAD(cohort_node_chain);

/* One event waiting in cn->events, under cn->events_lock. */
struct pending_event {
	struct list_head list;
	enum cohort_node_event ev;
	u32 node_id;
	bool has_reason;
	char reason[REASON_MAX];
};

int cohort_register_node_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&cohort_node_chain, nb);
}

int cohort_unregister_node_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&cohort_node_chain, nb);
}

/* Tell everyone. Process context; may sleep. */
static void deliver(struct cohort_net *cn, const struct pending_event *e)
{
	struct cohort_node_event_info info = {
		.cn = cn, .node_id = e->node_id,
		.reason = e->has_reason ? e->reason : NULL,
	};

	blocking_notifier_call_chain(&cohort_node_chain, e->ev, &info);
	cohort_genl_event(cn, e->ev, e->node_id, info.reason);
}

static void events_work_fn(struct work_struct *work)
{
	struct cohort_net *cn = container_of(work, struct cohort_net,
					     events_work);
	struct pending_event *e;

	for (;;) {
		spin_lock_bh(&cn->events_lock);
		e = list_first_entry_or_null(&cn->events, struct pending_event,
					     list);
		if (e) {
			list_del(&e->list);
			cn->nr_events--;
		}
		spin_unlock_bh(&cn->events_lock);
		if (!e)
			return;
		deliver(cn, e);
		kfree(e);
	}
}

/* Queue an event for the subscribers; process context. */
void cohort_node_event(struct cohort_net *cn, enum cohort_node_event ev,
		       u32 node_id, const char *reason)
{
	static const char * const names[] = {
		[COHORT_EVENT_NODE_UP] = "up",
		[COHORT_EVENT_NODE_DOWN] = "down",
		[COHORT_EVENT_AUTH_FAILED] = "auth-failed",
	};
	struct pending_event *e;

	/* Rate-limited: a stranger failing handshakes must not flood the log. */
	pr_info_ratelimited("netns %u: node %u %s%s%s\n", cn->net->ns.inum,
			    node_id, names[ev], reason ? ": " : "", reason ?: "");
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e) {
		atomic64_inc(&cn->events_dropped);
		return;
	}
	e->ev = ev;
	e->node_id = node_id;
	if (reason) {
		e->has_reason = true;
		strscpy(e->reason, reason, sizeof(e->reason));
	}
	spin_lock_bh(&cn->events_lock);
	if (cn->nr_events >= EVENTS_MAX) {
		spin_unlock_bh(&cn->events_lock);
		kfree(e);
		atomic64_inc(&cn->events_dropped);
		return;
	}
	list_add_tail(&e->list, &cn->events);
	cn->nr_events++;
	queue_work(cohort_wq, &cn->events_work);
	spin_unlock_bh(&cn->events_lock);
}

void cohort_events_net_init(struct cohort_net *cn)
{
	spin_lock_init(&cn->events_lock);
	INIT_LIST_HEAD(&cn->events);
	INIT_WORK(&cn->events_work, events_work_fn);
}

/* The instance stops: deliver what is waiting, then nothing more comes. */
void cohort_events_net_stop(struct cohort_net *cn)
{
	flush_work(&cn->events_work);
	cancel_work_sync(&cn->events_work);	/* none queued after we return */
	events_work_fn(&cn->events_work);	/* anything left, delivered here */
}
