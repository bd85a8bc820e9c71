/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_EVENTS_H
#define _COHORT_EVENTS_H

#include <linux/notifier.h>
#include <linux/types.h>

struct cohort_net;

/* Events of the node notifier chain (and of the netlink "events" group). */
enum cohort_node_event {
	COHORT_EVENT_NODE_UP,
	COHORT_EVENT_NODE_DOWN,
	COHORT_EVENT_AUTH_FAILED,
};

/* What a notifier callback receives as its data. */
struct cohort_node_event_info {
	struct cohort_net *cn;
	u32 node_id;		/* 0 when not known (an auth failure) */
	const char *reason;
};

int cohort_register_node_notifier(struct notifier_block *nb);
int cohort_unregister_node_notifier(struct notifier_block *nb);
void cohort_node_event(struct cohort_net *cn, enum cohort_node_event ev,
		       u32 node_id, const char *reason);
void cohort_events_net_init(struct cohort_net *cn);
void cohort_events_net_stop(struct cohort_net *cn);

#endif /* _COHORT_EVENTS_H */
