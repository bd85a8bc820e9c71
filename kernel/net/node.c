// SPDX-License-Identifier: GPL-2.0
/*
 * The per-network-namespace node instance: each namespace is one cohort
 * node, with its own identity, cluster settings and node table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "conn.h"
#include "events.h"
#include "name.h"
#include "node.h"
#include "rpc.h"
#include "../tunables.h"
#include "../admin/sysfs.h"

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

static int check_id(u32 id, struct netlink_ext_ack *extack)
{
	if (id < 1 || id > COHORT_NODE_ID_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "node id out of range");
		return -EINVAL;
	}
	return 0;
}

static int check_name(const char *name, struct netlink_ext_ack *extack)
{
	if (!cohort_name_valid(name, COHORT_NODE_NAME_MAX)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "node name must be 1-63 characters of [A-Za-z0-9._-] starting with a letter or digit");
		return -EINVAL;
	}
	return 0;
}

int cohort_node_set_self(struct cohort_net *cn, u32 id, const char *name,
			 struct netlink_ext_ack *extack)
{
	int err = check_id(id, extack) ?: check_name(name, extack);

	if (err)
		return err;
	mutex_lock(&cn->lock);
	if (cn->self_id != id) {
		cn->self_id = id;
		/* A new identity: every connection starts over. */
		cohort_transport_reconfigure(cn, true);
	}
	strscpy(cn->self_name, name, sizeof(cn->self_name));
	mutex_unlock(&cn->lock);
	pr_debug("netns %u: this node is now %u (%s)\n",
		 cn->net->ns.inum, id, name);
	return 0;
}

struct cohort_peer *cohort_peer_get(struct cohort_net *cn, u32 id)
{
	struct cohort_peer *peer;

	rcu_read_lock();
	peer = xa_load(&cn->peers, id);
	if (peer && !refcount_inc_not_zero(&peer->ref))
		peer = NULL;
	rcu_read_unlock();
	return peer;
}

void cohort_peer_put(struct cohort_peer *peer)
{
	if (peer && refcount_dec_and_test(&peer->ref))
		kfree_rcu(peer, rcu);
}

enum cohort_node_state cohort_peer_state(struct cohort_peer *peer)
{
	enum cohort_node_state s;

	spin_lock_bh(&peer->lock);
	s = peer->state;
	spin_unlock_bh(&peer->lock);
	return s;
}

static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr &&
		       x->sin_port == y->sin_port;
	}
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr,
		       sizeof(struct in6_addr)) &&
	       ((const struct sockaddr_in6 *)a)->sin6_port ==
	       ((const struct sockaddr_in6 *)b)->sin6_port;
}

int cohort_node_add(struct cohort_net *cn, u32 id, const char *name,
		    const struct cohort_node_addr *addr,
		    struct netlink_ext_ack *extack)
{
	struct cohort_peer *peer, *p;
	unsigned long i;
	int err = check_id(id, extack) ?: check_name(name, extack);

	if (err)
		return err;
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return -ENOMEM;
	peer->cn = cn;
	peer->id = id;
	strscpy(peer->name, name, sizeof(peer->name));
	peer->addr = addr->ss;
	peer->addrlen = addr->len;
	refcount_set(&peer->ref, 1);
	spin_lock_init(&peer->lock);
	peer->state = COHORT_NODE_UNKNOWN;
	cohort_transport_peer_init(peer);

	mutex_lock(&cn->lock);
	if (xa_load(&cn->peers, id)) {
		NL_SET_ERR_MSG_MOD(extack, "a node with this id exists already");
		err = -EEXIST;
		goto err_unlock;
	}
	xa_for_each(&cn->peers, i, p) {
		if (same_addr(&p->addr, &peer->addr)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "another node has this address and port");
			err = -EEXIST;
			goto err_unlock;
		}
		if (!strcmp(p->name, name)) {
			NL_SET_ERR_MSG_MOD(extack, "another node has this name");
			err = -EEXIST;
			goto err_unlock;
		}
	}
	if (cn->nr_peers >= READ_ONCE(cohort_max_nodes)) {
		NL_SET_ERR_MSG_MOD(extack, "the node table is full (max_nodes)");
		err = -ENOSPC;
		goto err_unlock;
	}
	err = xa_insert(&cn->peers, id, peer, GFP_KERNEL);
	if (err)
		goto err_unlock;
	cn->nr_peers++;
	if (net_eq(cn->net, &init_net))
		cohort_sysfs_peer_add(peer);
	cohort_transport_reconfigure(cn, false);
	mutex_unlock(&cn->lock);
	return 0;

err_unlock:
	mutex_unlock(&cn->lock);
	kfree(peer);
	return err;
}

/* Called with cn->lock held; the caller finishes with peer_finish(). */
static struct cohort_peer *peer_unlink(struct cohort_net *cn, u32 id)
{
	struct cohort_peer *peer;

	lockdep_assert_held(&cn->lock);
	peer = xa_erase(&cn->peers, id);
	if (!peer)
		return NULL;
	cn->nr_peers--;
	cohort_sysfs_peer_del(peer);
	cohort_transport_peer_removed(peer);
	return peer;
}

/* Without cn->lock: wait for the peer's work, then drop the table's ref. */
static void peer_finish(struct cohort_peer *peer)
{
	cancel_delayed_work_sync(&peer->connect_work);
	cohort_peer_put(peer);
}

int cohort_node_del(struct cohort_net *cn, u32 id,
		    struct netlink_ext_ack *extack)
{
	struct cohort_peer *peer;

	mutex_lock(&cn->lock);
	peer = peer_unlink(cn, id);
	if (peer && id == cn->self_id)
		cohort_transport_reconfigure(cn, true);
	mutex_unlock(&cn->lock);
	if (!peer) {
		NL_SET_ERR_MSG_MOD(extack, "no node with this id");
		return -ENOENT;
	}
	peer_finish(peer);
	return 0;
}

int cohort_cluster_set(struct cohort_net *cn, u32 cluster_id, const u8 *key,
		       unsigned int keylen, u32 dead_timeout_ms, int encrypt,
		       struct netlink_ext_ack *extack)
{
	bool changed = false;

	mutex_lock(&cn->lock);
	if (cluster_id && cluster_id != cn->cluster_id) {
		cn->cluster_id = cluster_id;
		changed = true;
	}
	if (key && (keylen != cn->keylen || memcmp(key, cn->key, keylen))) {
		memzero_explicit(cn->key, sizeof(cn->key));
		memcpy(cn->key, key, keylen);
		cn->keylen = keylen;
		changed = true;
	}
	if (dead_timeout_ms && dead_timeout_ms != cn->dead_timeout_ms) {
		cn->dead_timeout_ms = dead_timeout_ms;
		changed = true;
	}
	/* < 0: leave it; every connection is made again when it changes */
	if (encrypt >= 0 && !!encrypt != cn->encrypt) {
		cn->encrypt = encrypt;
		changed = true;
	}
	cohort_transport_reconfigure(cn, changed);
	mutex_unlock(&cn->lock);
	return 0;
}

/* Whether this node encrypts payloads (the cluster setting). */
bool cohort_cluster_encrypted(struct cohort_net *cn)
{
	bool on;

	mutex_lock(&cn->lock);
	on = cn->encrypt;
	mutex_unlock(&cn->lock);
	return on;
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
	cn->dead_timeout_ms = READ_ONCE(cohort_dead_timeout_ms);
	xa_init(&cn->peers);
	cohort_rpc_net_init(cn);
	cohort_events_net_init(cn);
	cohort_transport_net_init(cn);
	atomic_long_inc(&instances);
	return 0;
}

static void __net_exit cohort_net_exit(struct net *net)
{
	struct cohort_net *cn = cohort_net(net);
	struct cohort_peer *peer;
	unsigned long id;

	cohort_transport_net_stop(cn);
	xa_for_each(&cn->peers, id, peer) {
		mutex_lock(&cn->lock);
		peer = peer_unlink(cn, id);
		mutex_unlock(&cn->lock);
		if (peer)
			peer_finish(peer);
	}
	xa_destroy(&cn->peers);
	cohort_events_net_stop(cn);
	cohort_rpc_net_exit(cn);
	memzero_explicit(cn->key, sizeof(cn->key));
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
