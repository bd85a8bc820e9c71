/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_NODE_H
#define _COHORT_NODE_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/cohort.h>

#include "wire.h"

/* Buckets of the table of waiting calls (a few calls wait at a time). */
#define COHORT_RPC_HASH_BITS	6

struct net;
struct netlink_ext_ack;
struct cohort_conn;
struct kobject;
struct sock;

/**
 * struct cohort_peer - one entry of a node's node table
 * @cn: the node instance whose table this is; constant
 * @id: node id; constant
 * @name: node name; constant
 * @addr: address and port; constant
 * @addrlen: length of @addr; constant
 * @ref: references: the table holds one, so do connections and lookups
 * @lock: protects @conn, @state, @backoff_ms, @ups and @removed
 * @conn: the connection in use (outgoing from connect, or accepted and
 *	past HELLO), holding a reference; NULL if none
 * @state: &enum cohort_node_state
 * @backoff_ms: next reconnect delay (connecting side)
 * @ups: times this peer came up
 * @removed: deleted from the table; nothing may attach to it any more
 * @connect_work: connects to this peer (when it has the higher id)
 * @stats: counters, indexed by &enum cohort_stat_attr (the uapi's numbering);
 *	atomic, read without locks
 * @kobj: /sys/kernel/cohort/nodes/<id>/ (initial namespace only);
 *	protected by the node instance's lock
 * @rcu: for freeing after RCU readers of the table are done
 */
struct cohort_peer {
	struct cohort_net *cn;
	u16 id;
	char name[COHORT_NODE_NAME_MAX];
	struct sockaddr_storage addr;
	int addrlen;
	refcount_t ref;
	spinlock_t lock;		/* see above */
	struct cohort_conn *conn;
	enum cohort_node_state state;
	unsigned int backoff_ms;
	unsigned int ups;
	bool removed;
	struct delayed_work connect_work;
	atomic64_t stats[COHORT_STAT_MAX + 1];
	struct kobject *kobj;
	struct rcu_head rcu;
};

/**
 * struct cohort_net - the cohort node that one network namespace is
 * @net: the namespace; constant for the life of the instance
 * @lock: serialises configuration: identity, cluster settings, the node
 *	table's writers and the listener
 * @self_id: this node's id, 0 until configured; protected by @lock
 * @self_name: this node's name, "" until configured; protected by @lock
 * @cluster_id: cluster id, 0 until configured; protected by @lock
 * @key: cluster key; protected by @lock, wiped when replaced or freed
 * @keylen: bytes in @key, 0 until configured; protected by @lock
 * @dead_timeout_ms: dead timeout of this cluster; protected by @lock
 * @encrypt: payloads are encrypted (cluster setting); protected by @lock
 * @peers: node id -> &struct cohort_peer; written under @lock, read
 *	under RCU
 * @nr_peers: entries in @peers; protected by @lock
 * @listen_sock: listening socket, or NULL; protected by @lock
 * @listen_saved_data_ready: its callback before ours; protected by @lock
 * @listen_err: why the last listen failed, 0 if it did not; protected by
 *	@lock (the heartbeat worker tries again every tick)
 * @listen_failures: listens that failed
 * @stopping: the instance is going away; set under @lock
 * @accept_work: accepts connections queued on @listen_sock
 * @hb_work: periodic heartbeats and dead-peer detection
 * @hb_last: jiffies of the last heartbeat round; @hb_work only
 * @conns_lock: protects @conns
 * @conns: every live connection of this instance, handshaking or not
 * @rpc_lock: protects @rpc_hash and @rpc_next
 * @rpc_hash: waiting calls, hashed by request id
 * @rpc_next: the last request id handed out (64 bits: never reused)
 * @accept_unknown: accepted connections dropped: address not in the table
 * @handshakes: accepted connections not yet authenticated (at most
 *	cohort_handshakes_max; COHORT_HS_PER_ADDR from one address)
 * @handshakes_refused: accepted connections closed at once: over either
 *	limit
 * @handshakes_expired: connections closed for not authenticating within
 *	COHORT_HS_TIMEOUT
 * @inflight: bytes in flight: payloads being received and frames queued
 *	to be sent, over all connections (capped by cohort_inflight_max_mb
 *	when receiving)
 * @inflight_waits: times a payload waited for room under that cap
 * @rx_throttled: times a connection stopped being read because its
 *	answers waiting to be sent were over the limit (send.c)
 * @wire_errors: frames refused, by &enum cohort_wire_err
 * @rekeys: frame keys ratcheted forward (either direction)
 * @handlers_busy: requests refused: their connection had handlers_max
 *	handlers running
 * @events_lock: protects @events and @nr_events
 * @events: node events waiting for delivery (events.c), oldest first
 * @nr_events: how many
 * @events_work: delivers them
 * @events_dropped: events dropped (too many waiting, or no memory)
 */
struct cohort_net {
	struct net *net;
	struct mutex lock;		/* see above */
	u32 self_id;
	char self_name[COHORT_NODE_NAME_MAX];
	u32 cluster_id;
	u8 key[COHORT_KEY_MAX];
	unsigned int keylen;
	u32 dead_timeout_ms;
	bool encrypt;
	struct xarray peers;
	unsigned int nr_peers;
	struct socket *listen_sock;
	void (*listen_saved_data_ready)(struct sock *sk);
	int listen_err;
	atomic64_t listen_failures;
	bool stopping;
	struct work_struct accept_work;
	struct delayed_work hb_work;
	unsigned long hb_last;
	spinlock_t conns_lock;		/* see above */
	struct list_head conns;
	spinlock_t rpc_lock;		/* see above */
	struct hlist_head rpc_hash[1 << COHORT_RPC_HASH_BITS];
	u64 rpc_next;
	atomic64_t accept_unknown;
	atomic_t handshakes;
	atomic64_t handshakes_refused;
	atomic64_t handshakes_expired;
	atomic_long_t inflight;
	atomic64_t inflight_waits;
	atomic64_t rx_throttled;
	atomic64_t wire_errors[COHORT_WIRE_ERR_MAX];
	atomic64_t rekeys;
	atomic64_t handlers_busy;
	spinlock_t events_lock;		/* see above */
	struct list_head events;
	unsigned int nr_events;
	struct work_struct events_work;
	atomic64_t events_dropped;
};

struct cohort_node_addr {
	struct sockaddr_storage ss;
	int len;
};

struct cohort_net *cohort_net(const struct net *net);
void cohort_node_get_self(struct cohort_net *cn, u32 *id,
			  char name[COHORT_NODE_NAME_MAX]);
int cohort_node_set_self(struct cohort_net *cn, u32 id, const char *name,
			 struct netlink_ext_ack *extack);
int cohort_node_add(struct cohort_net *cn, u32 id, const char *name,
		    const struct cohort_node_addr *addr,
		    struct netlink_ext_ack *extack);
int cohort_node_del(struct cohort_net *cn, u32 id,
		    struct netlink_ext_ack *extack);
int cohort_cluster_set(struct cohort_net *cn, u32 cluster_id, const u8 *key,
		       unsigned int keylen, u32 dead_timeout_ms, int encrypt,
		       struct netlink_ext_ack *extack);
bool cohort_cluster_encrypted(struct cohort_net *cn);
struct cohort_peer *cohort_peer_get(struct cohort_net *cn, u32 id);
void cohort_peer_put(struct cohort_peer *peer);
enum cohort_node_state cohort_peer_state(struct cohort_peer *peer);
long cohort_node_instances(void);
extern unsigned int cohort_max_nodes;

int cohort_node_init(void);
void cohort_node_exit(void);

#endif /* _COHORT_NODE_H */
