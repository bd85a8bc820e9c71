// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/cohort/: the module's version, its module-wide tunables and
 * counters, and the initial network namespace's node identity and node
 * table (sysfs is not per namespace; generic netlink is the full
 * interface).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>
#include <linux/cohort.h>

#include "netlink.h"
#include "sysfs.h"
#include "../tunables.h"
#include "../version.h"
#include "../net/auth.h"
#include "../net/conn.h"
#include "../net/node.h"
#include "../proc/migrate.h"

unsigned int cohort_dead_timeout_ms = COHORT_DEAD_TIMEOUT_MS_DEFAULT;
unsigned int cohort_max_nodes = COHORT_NODES_MAX;

static struct kobject *cohort_kobj;
static struct kobject *nodes_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", COHORT_VERSION);
}

static ssize_t protocol_version_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", COHORT_PROTO_VERSION);
}

static ssize_t frame_mac_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", cohort_mac_name(true));
}

/* The initial namespace's own node id, or with @want_name its name. */
static ssize_t self_show(char *buf, bool want_name)
{
	char name[COHORT_NODE_NAME_MAX];
	u32 id;

	cohort_node_get_self(cohort_net(&init_net), &id, name);
	return want_name ? sysfs_emit(buf, "%s\n", name) :
			   sysfs_emit(buf, "%u\n", id);
}

static ssize_t node_id_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return self_show(buf, false);
}

static ssize_t node_name_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return self_show(buf, true);
}

static ssize_t dead_timeout_ms_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(cohort_dead_timeout_ms));
}

/* Parse a tunable written to sysfs: a decimal in [@min, @max]. */
static int parse_tunable(const char *buf, unsigned int min, unsigned int max,
			 unsigned int *val)
{
	int err = kstrtouint(buf, 10, val);

	if (err)
		return err;
	return *val < min || *val > max ? -EINVAL : 0;
}

static ssize_t dead_timeout_ms_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned int val;
	int err;

	err = parse_tunable(buf, COHORT_DEAD_TIMEOUT_MS_MIN,
			    COHORT_DEAD_TIMEOUT_MS_MAX, &val);
	if (err)
		return err;
	WRITE_ONCE(cohort_dead_timeout_ms, val);
	/* The default for new namespaces, and the initial one's setting. */
	cohort_cluster_set(cohort_net(&init_net), 0, NULL, 0, val, -1, NULL);
	return count;
}

static ssize_t max_nodes_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(cohort_max_nodes));
}

static ssize_t max_nodes_store(struct kobject *kobj, struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	unsigned int val;
	int err;

	err = parse_tunable(buf, 1, COHORT_NODES_MAX, &val);
	if (err)
		return err;
	WRITE_ONCE(cohort_max_nodes, val);
	return count;
}

/* The initial namespace's node's counters: one show, told which by offset. */
struct cn_stat_attr {
	struct kobj_attribute attr;
	size_t off;		/* of an atomic64_t in struct cohort_net */
};

static ssize_t cn_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct cn_stat_attr *sa = container_of(attr, struct cn_stat_attr, attr);
	atomic64_t *v = (void *)cohort_net(&init_net) + sa->off;

	return sysfs_emit(buf, "%lld\n", atomic64_read(v));
}

#define CN_STAT(_name, _off) {						\
	.attr = { .attr = { .name = _name, .mode = 0444 },		\
		  .show = cn_stat_show },				\
	.off = _off,							\
}

static struct cn_stat_attr cn_stat_attrs[] = {
	CN_STAT("accept_unknown", offsetof(struct cohort_net, accept_unknown)),
	CN_STAT("rekeys", offsetof(struct cohort_net, rekeys)),
	CN_STAT("handlers_busy", offsetof(struct cohort_net, handlers_busy)),
	CN_STAT("events_dropped", offsetof(struct cohort_net, events_dropped)),
	CN_STAT("handshakes_refused",
		offsetof(struct cohort_net, handshakes_refused)),
	CN_STAT("handshakes_expired",
		offsetof(struct cohort_net, handshakes_expired)),
	CN_STAT("rx_throttled", offsetof(struct cohort_net, rx_throttled)),
	CN_STAT("listen_failures", offsetof(struct cohort_net, listen_failures)),
	CN_STAT("inflight_waits", offsetof(struct cohort_net, inflight_waits)),
};

/* Bytes in flight (being received, waiting to be sent), now. */
static ssize_t inflight_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&cohort_net(&init_net)->inflight));
}

/* Accepted connections not authenticated yet, now. */
static ssize_t handshakes_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&cohort_net(&init_net)->handshakes));
}

static ssize_t frames_refused_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	static const char * const names[COHORT_WIRE_ERR_MAX] = {
		[COHORT_WIRE_BAD_MAGIC] = "bad_magic",
		[COHORT_WIRE_BAD_VERSION] = "bad_version",
		[COHORT_WIRE_BAD_TYPE] = "bad_type",
		[COHORT_WIRE_BAD_FLAGS] = "bad_flags",
		[COHORT_WIRE_TOO_LONG] = "too_long",
		[COHORT_WIRE_BAD_NODE] = "bad_node",
		[COHORT_WIRE_BAD_SEQ] = "bad_seq",
		[COHORT_WIRE_BAD_MAC] = "bad_mac",
		[COHORT_WIRE_BAD_HANDSHAKE] = "bad_handshake",
	};
	struct cohort_net *cn = cohort_net(&init_net);
	int i, len = 0;

	for (i = 1; i < COHORT_WIRE_ERR_MAX; i++)
		len += sysfs_emit_at(buf, len, "%s %lld\n", names[i],
				     atomic64_read(&cn->wire_errors[i]));
	return len;
}

static ssize_t netlink_rejected_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", cohort_genl_rejected());
}

static ssize_t instances_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", cohort_node_instances());
}

static struct kobj_attribute version_attr = __ATTR_RO(version);
static struct kobj_attribute protocol_version_attr = __ATTR_RO(protocol_version);
static struct kobj_attribute frame_mac_attr = __ATTR_RO(frame_mac);
static struct kobj_attribute node_id_attr = __ATTR_RO(node_id);
static struct kobj_attribute node_name_attr = __ATTR_RO(node_name);
static struct kobj_attribute dead_timeout_ms_attr =
	__ATTR(dead_timeout_ms, 0644, dead_timeout_ms_show,
	       dead_timeout_ms_store);
static struct kobj_attribute max_nodes_attr =
	__ATTR(max_nodes, 0644, max_nodes_show, max_nodes_store);

static struct attribute *cohort_attrs[] = {
	&version_attr.attr,
	&protocol_version_attr.attr,
	&frame_mac_attr.attr,
	&node_id_attr.attr,
	&node_name_attr.attr,
	&dead_timeout_ms_attr.attr,
	&max_nodes_attr.attr,
	NULL,
};

static const struct attribute_group cohort_group = {
	.attrs = cohort_attrs,
};

static struct kobj_attribute netlink_rejected_attr =
	__ATTR_RO(netlink_rejected);
static struct kobj_attribute instances_attr = __ATTR_RO(instances);
static struct kobj_attribute frames_refused_attr = __ATTR_RO(frames_refused);
static struct kobj_attribute handshakes_attr = __ATTR_RO(handshakes);
static struct kobj_attribute inflight_attr = __ATTR_RO(inflight);

/* Migrations of this node's processes (out) and to this node (in). */
static ssize_t migrations_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf);
static struct kobj_attribute mig_attrs[] = {
	__ATTR(migrations_out, 0444, migrations_show, NULL),
	__ATTR(migrations_out_failed, 0444, migrations_show, NULL),
	__ATTR(migrations_in, 0444, migrations_show, NULL),
	__ATTR(migrations_in_failed, 0444, migrations_show, NULL),
	__ATTR(migrations_out_unknown, 0444, migrations_show, NULL),
	__ATTR(deputy_signals, 0444, migrations_show, NULL),
	__ATTR(deputy_exits, 0444, migrations_show, NULL),
	__ATTR(deputy_lost, 0444, migrations_show, NULL),
};

static ssize_t migrations_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	u64 v[COHORT_MIG_STATS];

	BUILD_BUG_ON(ARRAY_SIZE(mig_attrs) != COHORT_MIG_STATS);
	cohort_migrate_stats(v);
	return sysfs_emit(buf, "%llu\n", v[attr - mig_attrs]);
}

/* Filled in by cohort_sysfs_init(): the 13 above, then the counters. */
static struct attribute *cohort_stats_attrs[13 + ARRAY_SIZE(cn_stat_attrs) + 1] = {
	&netlink_rejected_attr.attr,
	&instances_attr.attr,
	&frames_refused_attr.attr,
	&handshakes_attr.attr,
	&inflight_attr.attr,
	&mig_attrs[0].attr,
	&mig_attrs[1].attr,
	&mig_attrs[2].attr,
	&mig_attrs[3].attr,
	&mig_attrs[4].attr,
	&mig_attrs[5].attr,
	&mig_attrs[6].attr,
	&mig_attrs[7].attr,
};

static const struct attribute_group cohort_stats_group = {
	.name = "stats",
	.attrs = cohort_stats_attrs,
};

static const struct attribute_group *cohort_groups[] = {
	&cohort_group,
	&cohort_stats_group,
	NULL,
};

/* /sys/kernel/cohort/nodes/<id>/: one per node of the initial namespace. */
struct peer_kobj {
	struct kobject kobj;
	struct cohort_peer *peer;	/* holds a reference */
};

static struct cohort_peer *kobj_peer(struct kobject *kobj)
{
	return container_of(kobj, struct peer_kobj, kobj)->peer;
}

static void peer_kobj_release(struct kobject *kobj)
{
	struct peer_kobj *pk = container_of(kobj, struct peer_kobj, kobj);

	cohort_peer_put(pk->peer);
	kfree(pk);
}

static ssize_t name_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_peer(kobj)->name);
}

static ssize_t address_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%pISpc\n", &kobj_peer(kobj)->addr);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	static const char * const names[] = {
		[COHORT_NODE_UNKNOWN] = "unknown",
		[COHORT_NODE_CONNECTING] = "connecting",
		[COHORT_NODE_UP] = "up",
		[COHORT_NODE_DOWN] = "down",
		[COHORT_NODE_SELF] = "self",
	};
	struct cohort_peer *peer = kobj_peer(kobj);
	enum cohort_node_state st = cohort_peer_state(peer);

	if (peer->id == READ_ONCE(peer->cn->self_id))
		st = COHORT_NODE_SELF;
	return sysfs_emit(buf, "%s\n", names[st]);
}

/* The frame MAC of the peer's current connection, once it is up. */
static ssize_t peer_frame_mac_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct cohort_conn *conn = cohort_peer_conn_get(kobj_peer(kobj));
	bool up = false;

	if (conn) {
		up = cohort_conn_is_up(conn);
		cohort_conn_put(conn);
	}
	return sysfs_emit(buf, "%s\n", cohort_mac_name(up));
}

/* The counters: one show function, told which by the attribute. */
struct peer_stat_attr {
	struct kobj_attribute attr;
	int idx;		/* &enum cohort_stat_attr */
};

static ssize_t peer_stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	struct peer_stat_attr *pa = container_of(attr, struct peer_stat_attr, attr);

	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&kobj_peer(kobj)->stats[pa->idx]));
}

#define PEER_STAT(_name, _idx) {					\
	.attr = { .attr = { .name = _name, .mode = 0444 },		\
		  .show = peer_stat_show },				\
	.idx = _idx,							\
}

static struct peer_stat_attr peer_stat_attrs[] = {
	PEER_STAT("msgs_tx", COHORT_STAT_MSGS_TX),
	PEER_STAT("msgs_rx", COHORT_STAT_MSGS_RX),
	PEER_STAT("bytes_tx", COHORT_STAT_BYTES_TX),
	PEER_STAT("bytes_rx", COHORT_STAT_BYTES_RX),
	PEER_STAT("reconnects", COHORT_STAT_RECONNECTS),
	PEER_STAT("auth_failures", COHORT_STAT_AUTH_FAILURES),
	PEER_STAT("malformed", COHORT_STAT_MALFORMED),
	PEER_STAT("rtt_us", COHORT_STAT_RTT_US),
};

static struct kobj_attribute name_attr = __ATTR_RO(name);
static struct kobj_attribute address_attr = __ATTR_RO(address);
static struct kobj_attribute state_attr = __ATTR_RO(state);
static struct kobj_attribute peer_frame_mac_attr =
	__ATTR(frame_mac, 0444, peer_frame_mac_show, NULL);

/* Filled in by cohort_sysfs_init(): the four above, then the counters. */
static struct attribute *peer_attrs[4 + ARRAY_SIZE(peer_stat_attrs) + 1] = {
	&name_attr.attr, &address_attr.attr, &state_attr.attr,
	&peer_frame_mac_attr.attr,
};
ATTRIBUTE_GROUPS(peer);

static const struct kobj_type peer_ktype = {
	.release = peer_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = peer_groups,
};

/* Called with the instance's lock held. Failure only costs the files. */
void cohort_sysfs_peer_add(struct cohort_peer *peer)
{
	struct peer_kobj *pk;

	lockdep_assert_held(&peer->cn->lock);
	if (!nodes_kobj)
		return;
	pk = kzalloc(sizeof(*pk), GFP_KERNEL);
	if (!pk)
		return;
	refcount_inc(&peer->ref);
	pk->peer = peer;
	if (kobject_init_and_add(&pk->kobj, &peer_ktype, nodes_kobj, "%u",
				 peer->id)) {
		kobject_put(&pk->kobj);
		return;
	}
	peer->kobj = &pk->kobj;
}

void cohort_sysfs_peer_del(struct cohort_peer *peer)
{
	lockdep_assert_held(&peer->cn->lock);
	if (!peer->kobj)
		return;
	kobject_del(peer->kobj);
	kobject_put(peer->kobj);
	peer->kobj = NULL;
}

int __init cohort_sysfs_init(void)
{
	int err, i;

	for (i = 0; i < ARRAY_SIZE(peer_stat_attrs); i++)
		peer_attrs[4 + i] = &peer_stat_attrs[i].attr.attr;
	for (i = 0; i < ARRAY_SIZE(cn_stat_attrs); i++)
		cohort_stats_attrs[13 + i] = &cn_stat_attrs[i].attr.attr;
	cohort_kobj = kobject_create_and_add("cohort", kernel_kobj);
	if (!cohort_kobj)
		return -ENOMEM;
	err = sysfs_create_groups(cohort_kobj, cohort_groups);
	if (err)
		goto err_put_kobj;
	nodes_kobj = kobject_create_and_add("nodes", cohort_kobj);
	if (!nodes_kobj) {
		err = -ENOMEM;
		goto err_remove_groups;
	}
	return 0;

err_remove_groups:
	sysfs_remove_groups(cohort_kobj, cohort_groups);
err_put_kobj:
	kobject_put(cohort_kobj);
	return err;
}

void cohort_sysfs_exit(void)
{
	kobject_put(nodes_kobj);
	nodes_kobj = NULL;
	sysfs_remove_groups(cohort_kobj, cohort_groups);
	kobject_put(cohort_kobj);
}
