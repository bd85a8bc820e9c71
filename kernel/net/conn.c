// SPDX-License-Identifier: GPL-2.0
/*
 * The connections between the nodes of a cluster: one TCP connection per
 * pair of nodes (the lower id connects, the higher accepts), their life
 * (allocation, close, release), reconnects with exponential backoff and
 * jitter, heartbeats and dead-peer detection, and the control entry points
 * that bring the transport in line with the configuration.
 *
 * Each connection has an rx worker (receive.c), a tx worker (send.c) and
 * a release worker, here, that tears it down after cohort_conn_close().
 * The handshake that authenticates it is in handshake.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "buf.h"
#include "conn.h"
#include "events.h"
#include "node.h"
#include "rpc.h"

#define HB_LEN		8
#define BACKOFF_MAX_MS	5000
#define CONNECT_TIMEOUT	(2 * HZ)
#define SEND_TIMEOUT	(60 * HZ)

struct workqueue_struct *cohort_wq;

/* The sequence number before a connection's first frame; see selftest_hooks.c. */
u64 cohort_seq_start;

unsigned int cohort_inflight_max_mb = 256;
module_param_named(inflight_max_mb, cohort_inflight_max_mb, uint, 0644);
MODULE_PARM_DESC(inflight_max_mb,
		 "MiB of payloads being received and frames waiting to be sent, per node, before a new payload waits (1-65536, default 256)");

/*
 * Charge @bytes of a payload about to be received to @cn's bytes in
 * flight, if they fit under the cap. One alone always fits (a message is
 * at most COHORT_MSG_MAX), so every message can be received eventually.
 */
bool cohort_inflight_charge(struct cohort_net *cn, size_t bytes)
{
	long max = (long)clamp_val(READ_ONCE(cohort_inflight_max_mb), 1, 65536) << 20;
	long cur = atomic_long_read(&cn->inflight);

	do {
		if (cur > 0 && cur + (long)bytes > max)
			return false;
	} while (!atomic_long_try_cmpxchg(&cn->inflight, &cur, cur + bytes));
	return true;
}

void cohort_inflight_uncharge(struct cohort_net *cn, size_t bytes)
{
	atomic_long_sub(bytes, &cn->inflight);
}

unsigned int cohort_handshakes_max = 64;
module_param_named(handshakes_max, cohort_handshakes_max, uint, 0644);
MODULE_PARM_DESC(handshakes_max,
		 "Accepted connections not yet authenticated, per node, at most (1-4096, default 64)");

static void conn_release(struct kref *ref)
{
	struct cohort_conn *conn = container_of(ref, struct cohort_conn, ref);

	if (conn->rx_stage != conn->rx_stage_hs)
		kfree_sensitive(conn->rx_stage);
	memzero_explicit(conn->rx_stage_hs, sizeof(conn->rx_stage_hs));
	cohort_mac_key_wipe(&conn->tx_key);
	cohort_mac_key_wipe(&conn->rx_key);
	memzero_explicit(&conn->rx_mac, sizeof(conn->rx_mac));
	cohort_crypt_end(&conn->rx_crypt);
	if (conn->tx_ct)
		cohort_buf_put(conn->tx_ct);	/* only ever ciphertext */
	sock_put(conn->sk);
	memzero_explicit(conn->key, sizeof(conn->key));
	memzero_explicit(conn->my_nonce, sizeof(conn->my_nonce));
	if (conn->peer)
		cohort_peer_put(conn->peer);
	kfree(conn);
}

void cohort_conn_put(struct cohort_conn *conn)
{
	kref_put(&conn->ref, conn_release);
}

/* The peer's current connection, with a reference, or NULL. */
struct cohort_conn *cohort_peer_conn_get(struct cohort_peer *peer)
{
	struct cohort_conn *conn;

	spin_lock_bh(&peer->lock);
	conn = peer->conn;
	if (conn)
		kref_get(&conn->ref);
	spin_unlock_bh(&peer->lock);
	return conn;
}

void cohort_conn_count_error(struct cohort_conn *conn, enum cohort_wire_err e)
{
	atomic64_inc(&conn->cn->wire_errors[e]);
	if (conn->peer)
		atomic64_inc(&conn->peer->stats[COHORT_STAT_MALFORMED]);
}

static void set_sock_options(struct socket *sock, u32 dead_timeout_ms)
{
	struct sock *sk = sock->sk;

	tcp_sock_set_nodelay(sk);
	sock_set_keepalive(sk);
	tcp_sock_set_keepidle(sk, max_t(int, 1, dead_timeout_ms / 1000));
	tcp_sock_set_keepintvl(sk, 1);
	tcp_sock_set_keepcnt(sk, 3);
	/*
	 * A blocked send gives up, and the connection with it. Liveness is
	 * judged by what we receive (heartbeats), so this only has to bound
	 * a peer that is alive but does not read: generous, not unbounded.
	 */
	sk->sk_sndtimeo = SEND_TIMEOUT;
	sk->sk_allocation = GFP_NOFS;
}

static void release_work_fn(struct work_struct *work);

/*
 * Called with cn->lock held: snapshots the configuration. Returns the
 * connection with two references: the instance list's (dropped by the
 * release worker) and the caller's.
 */
static struct cohort_conn *conn_alloc(struct cohort_net *cn,
				      struct socket *sock,
				      struct cohort_peer *peer, bool outgoing,
				      const struct sockaddr_storage *raddr)
{
	struct cohort_conn *conn;
	struct sock *sk = sock->sk;

	lockdep_assert_held(&cn->lock);
	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		return NULL;
	/* The real staging buffer comes with authentication. */
	conn->rx_stage = conn->rx_stage_hs;
	conn->rx_stage_size = sizeof(conn->rx_stage_hs);
	if (raddr)
		conn->raddr = *raddr;
	if (!outgoing) {
		set_bit(COHORT_CONN_HS_COUNTED, &conn->flags);
		atomic_inc(&cn->handshakes);
	}
	kref_init(&conn->ref);		/* the instance list's */
	kref_get(&conn->ref);		/* the caller's */
	conn->cn = cn;
	conn->sock = sock;
	conn->sk = sk;
	sock_hold(sk);		/* outlives the socket, for late readers */
	conn->outgoing = outgoing;
	conn->self = cn->self_id;
	conn->cluster_id = cn->cluster_id;
	memcpy(conn->key, cn->key, cn->keylen);
	conn->keylen = cn->keylen;
	conn->dead_timeout_ms = cn->dead_timeout_ms;
	conn->encrypt = cn->encrypt;
	get_random_bytes(conn->my_nonce, sizeof(conn->my_nonce));
	conn->rx.version = COHORT_PROTO_VERSION;
	conn->rx.self = cn->self_id;
	conn->rx.max_len = cohort_msg_max_len;
	conn->rx.next_seq = 1;
	conn->created = jiffies;
	conn->last_rx = jiffies;
	conn->last_tx = jiffies;
	spin_lock_init(&conn->tx_lock);
	mutex_init(&conn->tx_mutex);
	mutex_init(&conn->rx_mutex);
	init_waitqueue_head(&conn->rx_wait);
	INIT_LIST_HEAD(&conn->txq);
	INIT_WORK(&conn->rx_work, cohort_rx_work_fn);
	INIT_WORK(&conn->tx_work, cohort_tx_work_fn);
	INIT_WORK(&conn->release_work, release_work_fn);
	if (peer) {
		refcount_inc(&peer->ref);
		conn->peer = peer;
		conn->rx.peer = peer->id;
	}
	set_sock_options(sock, conn->dead_timeout_ms);

	spin_lock_bh(&cn->conns_lock);
	list_add_tail(&conn->list, &cn->conns);
	spin_unlock_bh(&cn->conns_lock);

	write_lock_bh(&sk->sk_callback_lock);
	conn->saved_data_ready = sk->sk_data_ready;
	conn->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = conn;
	sk->sk_data_ready = cohort_conn_data_ready;
	sk->sk_state_change = cohort_conn_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	return conn;
}

static void schedule_connect(struct cohort_peer *peer, bool now);

/*
 * Close a connection: detach it from its peer (which goes down if it was
 * up; the release worker then tells everyone), fail every call waiting
 * for an answer on it, and queue its release. Any context but hard irq;
 * idempotent. The caller must hold a reference.
 */
void cohort_conn_close(struct cohort_conn *conn, const char *reason)
{
	struct cohort_peer *peer;
	bool was_current = false;

	if (test_and_set_bit(COHORT_CONN_CLOSING, &conn->flags))
		return;
	/* After CLOSING (a full barrier): see attach_accepted(). */
	peer = READ_ONCE(conn->peer);
	conn->reason = reason;
	if (peer) {
		spin_lock_bh(&peer->lock);
		if (peer->conn == conn) {
			was_current = true;
			peer->conn = NULL;
			if (peer->state == COHORT_NODE_UP) {
				peer->state = COHORT_NODE_DOWN;
				set_bit(COHORT_CONN_NOTIFY_DOWN, &conn->flags);
			} else if (peer->state == COHORT_NODE_CONNECTING) {
				peer->state = peer->ups ? COHORT_NODE_DOWN :
						COHORT_NODE_UNKNOWN;
			}
		}
		spin_unlock_bh(&peer->lock);
	}
	/* After CLOSING: a call that registers later cannot send on it. */
	cohort_rpc_fail_conn(conn, -EHOSTDOWN);
	pr_debug("connection to node %u closed: %s\n",
		 peer ? peer->id : 0, reason);
	kref_get(&conn->ref);			/* for the release worker */
	queue_work(cohort_wq, &conn->release_work);
	if (was_current)
		cohort_conn_put(conn);		/* the peer's reference */
}

/* The connection no longer counts as a handshake in progress. */
static void hs_uncount(struct cohort_conn *conn)
{
	if (test_and_clear_bit(COHORT_CONN_HS_COUNTED, &conn->flags))
		atomic_dec(&conn->cn->handshakes);
}

/*
 * The peer has authenticated (called under rx_mutex before the
 * connection is up): it gets its full staging buffer, with what is staged
 * already moved into it, and stops counting against the handshake limits.
 */
int cohort_conn_authenticated(struct cohort_conn *conn)
{
	size_t have = conn->rx_stage_len - conn->rx_stage_off;
	u8 *stage;

	lockdep_assert_held(&conn->rx_mutex);
	if (conn->rx_stage == conn->rx_stage_hs) {
		stage = kmalloc(COHORT_RX_STAGE, GFP_KERNEL_ACCOUNT);
		if (!stage)
			return -ENOMEM;
		memcpy(stage, conn->rx_stage + conn->rx_stage_off, have);
		memzero_explicit(conn->rx_stage_hs, sizeof(conn->rx_stage_hs));
		conn->rx_stage = stage;
		conn->rx_stage_size = COHORT_RX_STAGE;
		WRITE_ONCE(conn->rx_stage_off, 0);
		WRITE_ONCE(conn->rx_stage_len, have);
	}
	hs_uncount(conn);
	return 0;
}

static void release_work_fn(struct work_struct *work)
{
	struct cohort_conn *conn = container_of(work, struct cohort_conn,
						release_work);
	struct cohort_net *cn = conn->cn;
	struct cohort_peer *peer = conn->peer;
	struct sock *sk = conn->sock->sk;
	struct cohort_txframe *f, *tmp;
	LIST_HEAD(frames);

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = conn->saved_data_ready;
	sk->sk_state_change = conn->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);

	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	/* Senders check CLOSING under tx_lock: none queues after this. */
	spin_lock_bh(&conn->tx_lock);
	list_splice_init(&conn->txq, &frames);
	spin_unlock_bh(&conn->tx_lock);
	cancel_work_sync(&conn->rx_work);
	cancel_work_sync(&conn->tx_work);
	/* A caller receiving, or an inline sender, may still be in it. */
	mutex_lock(&conn->rx_mutex);
	mutex_lock(&conn->tx_mutex);
	sock_release(conn->sock);
	conn->sock = NULL;
	mutex_unlock(&conn->tx_mutex);
	cohort_buf_put(conn->rx_buf);
	conn->rx_buf = NULL;
	cohort_inflight_uncharge(cn, conn->rx_charged);
	conn->rx_charged = 0;
	mutex_unlock(&conn->rx_mutex);
	list_for_each_entry_safe(f, tmp, &frames, list) {
		cohort_inflight_uncharge(cn, cohort_txframe_cost(f));
		cohort_buf_put(f->buf);
		kfree(f);
	}

	spin_lock_bh(&cn->conns_lock);
	list_del_init(&conn->list);
	spin_unlock_bh(&cn->conns_lock);
	hs_uncount(conn);

	if (peer && test_bit(COHORT_CONN_NOTIFY_DOWN, &conn->flags))
		cohort_node_event(cn, COHORT_EVENT_NODE_DOWN, peer->id,
				  conn->reason);
	if (peer && conn->outgoing)
		schedule_connect(peer, false);
	cohort_conn_put(conn);		/* the release worker's */
	cohort_conn_put(conn);		/* the instance list's */
}

/* ---------------------------------------------------------------- heartbeat */

void cohort_conn_heartbeat(struct cohort_conn *conn,
			   const struct cohort_hdr *h, struct cohort_buf *buf)
{
	u64 sent;
	u8 p[HB_LEN];

	if (!buf || buf->len != HB_LEN)
		return;
	if (!(h->flags & COHORT_F_RESPONSE)) {
		cohort_conn_send(conn, COHORT_MSG_HEARTBEAT, COHORT_F_RESPONSE,
				 h->req_id, buf);
		return;
	}
	cohort_buf_read(buf, 0, p, sizeof(p));
	sent = cohort_get_be64(p);
	atomic64_set(&conn->peer->stats[COHORT_STAT_RTT_US],
		     div_u64(ktime_get_ns() - sent, NSEC_PER_USEC));
}

/* ---------------------------------------------------------------- connect */

static int make_socket(struct cohort_net *cn, int family,
		       struct socket **sockp)
{
	return sock_create_kern(cn->net, family, SOCK_STREAM, IPPROTO_TCP,
				sockp);
}

static void schedule_connect(struct cohort_peer *peer, bool now)
{
	unsigned int delay = 0;

	/* Under the lock: once removed is set, nothing queues any more. */
	spin_lock_bh(&peer->lock);
	if (!peer->removed) {
		if (!now) {
			/* exponential backoff with +-25% jitter */
			delay = peer->backoff_ms * 3 / 4 +
				get_random_u32_below(peer->backoff_ms / 2 + 1);
			peer->backoff_ms = min(peer->backoff_ms * 2,
					       BACKOFF_MAX_MS);
		}
		mod_delayed_work(cohort_wq, &peer->connect_work,
				 msecs_to_jiffies(delay));
	}
	spin_unlock_bh(&peer->lock);
}

static bool self_addr(struct cohort_net *cn, struct sockaddr_storage *ss,
		      int *len)
{
	struct cohort_peer *self = xa_load(&cn->peers, cn->self_id);

	lockdep_assert_held(&cn->lock);
	if (!self)
		return false;
	*ss = self->addr;
	*len = self->addrlen;
	return true;
}

static bool cluster_ready(struct cohort_net *cn)
{
	lockdep_assert_held(&cn->lock);
	return !cn->stopping && cn->self_id && cn->keylen && cn->cluster_id &&
	       xa_load(&cn->peers, cn->self_id);
}

static void connect_work_fn(struct work_struct *work)
{
	struct cohort_peer *peer = container_of(to_delayed_work(work),
						struct cohort_peer,
						connect_work);
	struct cohort_net *cn = peer->cn;
	struct sockaddr_storage local;
	struct cohort_conn *conn;
	struct socket *sock;
	int err, locallen;

	mutex_lock(&cn->lock);
	if (!cluster_ready(cn) || peer->id <= cn->self_id ||
	    !self_addr(cn, &local, &locallen)) {
		mutex_unlock(&cn->lock);
		return;
	}
	spin_lock_bh(&peer->lock);
	if (peer->conn || peer->removed) {
		spin_unlock_bh(&peer->lock);
		mutex_unlock(&cn->lock);
		return;
	}
	if (peer->state == COHORT_NODE_UNKNOWN)
		peer->state = COHORT_NODE_CONNECTING;
	spin_unlock_bh(&peer->lock);
	mutex_unlock(&cn->lock);

	err = make_socket(cn, peer->addr.ss_family, &sock);
	if (err)
		goto retry;
	sock->sk->sk_sndtimeo = CONNECT_TIMEOUT;
	/* Connect from our configured address: the peer checks it. */
	if (local.ss_family == peer->addr.ss_family) {
		if (local.ss_family == AF_INET)
			((struct sockaddr_in *)&local)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&local)->sin6_port = 0;
		err = kernel_bind(sock, (struct sockaddr *)&local, locallen);
		if (err)
			goto err_release;
	}
	err = kernel_connect(sock, (struct sockaddr *)&peer->addr,
			     peer->addrlen, 0);
	if (err)
		goto err_release;

	mutex_lock(&cn->lock);
	conn = cluster_ready(cn) ? conn_alloc(cn, sock, peer, true, NULL) : NULL;
	mutex_unlock(&cn->lock);
	if (!conn)
		goto err_release;

	spin_lock_bh(&peer->lock);
	/* Closed already (a reconfiguration): its close saw no peer->conn. */
	if (peer->conn || peer->removed ||
	    test_bit(COHORT_CONN_CLOSING, &conn->flags)) {
		spin_unlock_bh(&peer->lock);
		cohort_conn_close(conn, "raced with another connection");
		cohort_conn_put(conn);
		return;
	}
	kref_get(&conn->ref);
	peer->conn = conn;
	if (peer->state != COHORT_NODE_UP)
		peer->state = peer->ups ? COHORT_NODE_DOWN :
				COHORT_NODE_CONNECTING;
	spin_unlock_bh(&peer->lock);
	if (cohort_hs_send_hello(conn))
		cohort_conn_close(conn, "cannot send HELLO");
	/* Data may have arrived before our callbacks were in place. */
	cohort_conn_kick_rx(conn);
	cohort_conn_put(conn);
	return;

err_release:
	sock_release(sock);
retry:
	pr_debug("connect to node %u failed: %d\n", peer->id, err);
	schedule_connect(peer, false);
}

/* ---------------------------------------------------------------- accept */

static void listen_data_ready(struct sock *sk)
{
	struct cohort_net *cn;

	read_lock_bh(&sk->sk_callback_lock);
	cn = sk->sk_user_data;
	if (cn && sk->sk_state == TCP_LISTEN)
		queue_work(cohort_wq, &cn->accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Whether @a and @b are the same host (ports aside). */
bool cohort_addr_equal(const struct sockaddr_storage *a,
		       const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((struct sockaddr_in *)b)->sin_addr.s_addr;
	return ipv6_addr_equal(&((struct sockaddr_in6 *)a)->sin6_addr,
			       &((struct sockaddr_in6 *)b)->sin6_addr);
}

static bool addr_in_table(struct cohort_net *cn, struct sockaddr_storage *ss)
{
	struct cohort_peer *peer;
	unsigned long id;
	bool found = false;

	rcu_read_lock();
	xa_for_each(&cn->peers, id, peer) {
		found = id < cn->self_id && cohort_addr_equal(&peer->addr, ss);
		if (found)
			break;
	}
	rcu_read_unlock();
	return found;
}

/*
 * Whether one more unauthenticated connection may be accepted, from @ss:
 * at most cohort_handshakes_max in all and COHORT_HS_PER_ADDR from one
 * address (so from one claimed peer), each for COHORT_HS_TIMEOUT at most.
 * What an address of a member can make a node hold before it proves
 * anything is then bounded, however fast it connects.
 */
static bool handshake_allowed(struct cohort_net *cn,
			      const struct sockaddr_storage *ss)
{
	struct cohort_conn *conn;
	unsigned int from = 0;

	lockdep_assert_held(&cn->lock);		/* counts cannot race */
	if (atomic_read(&cn->handshakes) >=
	    clamp_val(READ_ONCE(cohort_handshakes_max), 1, 4096))
		return false;
	spin_lock_bh(&cn->conns_lock);
	list_for_each_entry(conn, &cn->conns, list)
		if (test_bit(COHORT_CONN_HS_COUNTED, &conn->flags) &&
		    cohort_addr_equal(&conn->raddr, ss))
			from++;
	spin_unlock_bh(&cn->conns_lock);
	return from < COHORT_HS_PER_ADDR;
}

static void accept_work_fn(struct work_struct *work)
{
	struct cohort_net *cn = container_of(work, struct cohort_net,
					     accept_work);
	struct sockaddr_storage ss;
	struct cohort_conn *conn;
	struct socket *sock;
	int err;

	for (;;) {
		mutex_lock(&cn->lock);
		if (!cn->listen_sock || cn->stopping) {
			mutex_unlock(&cn->lock);
			return;
		}
		err = kernel_accept(cn->listen_sock, &sock, O_NONBLOCK);
		if (err) {
			mutex_unlock(&cn->lock);
			return;
		}
		if (kernel_getpeername(sock, (struct sockaddr *)&ss) < 0 ||
		    !addr_in_table(cn, &ss)) {
			mutex_unlock(&cn->lock);
			atomic64_inc(&cn->accept_unknown);
			sock_release(sock);
			continue;
		}
		if (!handshake_allowed(cn, &ss)) {
			mutex_unlock(&cn->lock);
			atomic64_inc(&cn->handshakes_refused);
			sock_release(sock);
			continue;
		}
		conn = conn_alloc(cn, sock, NULL, false, &ss);
		mutex_unlock(&cn->lock);
		if (!conn) {
			sock_release(sock);
			continue;
		}
		cohort_conn_kick_rx(conn);
		cohort_conn_put(conn);		/* the list keeps its own */
	}
}

static void listener_stop(struct cohort_net *cn)
{
	struct socket *sock = cn->listen_sock;

	lockdep_assert_held(&cn->lock);
	if (!sock)
		return;
	write_lock_bh(&sock->sk->sk_callback_lock);
	sock->sk->sk_user_data = NULL;
	sock->sk->sk_data_ready = cn->listen_saved_data_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	cn->listen_sock = NULL;
	sock_release(sock);
}

static int listener_start(struct cohort_net *cn)
{
	struct sockaddr_storage ss;
	struct socket *sock;
	int err, len;

	lockdep_assert_held(&cn->lock);
	if (cn->listen_sock || !self_addr(cn, &ss, &len))
		return 0;
	err = make_socket(cn, ss.ss_family, &sock);
	if (!err) {
		sock_set_reuseaddr(sock->sk);
		err = kernel_bind(sock, (struct sockaddr *)&ss, len);
		if (!err)
			err = kernel_listen(sock, 64);
		if (err)
			sock_release(sock);
	}
	if (err) {
		/* Tried again every heartbeat tick; said once per cause. */
		atomic64_inc(&cn->listen_failures);
		if (err != cn->listen_err)
			pr_warn("netns %u: cannot listen on %pISpc: %d (trying again)\n",
				cn->net->ns.inum, &ss, err);
		cn->listen_err = err;
		return err;
	}
	if (cn->listen_err)
		pr_info("netns %u: listening on %pISpc\n", cn->net->ns.inum, &ss);
	cn->listen_err = 0;
	write_lock_bh(&sock->sk->sk_callback_lock);
	sock->sk->sk_user_data = cn;
	cn->listen_saved_data_ready = sock->sk->sk_data_ready;
	sock->sk->sk_data_ready = listen_data_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	cn->listen_sock = sock;
	queue_work(cohort_wq, &cn->accept_work);
	return 0;
}

/* ---------------------------------------------------------------- heartbeat */

static void hb_work_fn(struct work_struct *work)
{
	struct cohort_net *cn = container_of(to_delayed_work(work),
					     struct cohort_net, hb_work);
	struct cohort_conn *conn, *tmp, *up[COHORT_NODES_MAX];
	struct cohort_buf *buf;
	unsigned long dead, hs;
	unsigned int nu = 0, i, period;
	LIST_HEAD(victims);
	u32 dead_ms;
	u8 p[HB_LEN];

	mutex_lock(&cn->lock);
	dead_ms = cn->dead_timeout_ms;
	/* A listen that failed (address not there yet, port taken) */
	if (!cn->listen_sock && !cn->stopping && cluster_ready(cn))
		listener_start(cn);
	mutex_unlock(&cn->lock);
	dead = msecs_to_jiffies(dead_ms);
	hs = min_t(unsigned long, dead, COHORT_HS_TIMEOUT);

	/* Every connection past its time, however many: none waits a tick. */
	spin_lock_bh(&cn->conns_lock);
	list_for_each_entry(conn, &cn->conns, list) {
		bool up = cohort_conn_is_up(conn);

		if (test_bit(COHORT_CONN_CLOSING, &conn->flags))
			continue;
		/* A payload waiting for room in flight tries again. */
		if (test_bit(COHORT_CONN_RX_WAITMEM, &conn->flags))
			cohort_conn_kick_rx(conn);
		if (!up && time_after(jiffies, conn->created + hs)) {
			/* Fixed: a handshake does not live on by trickling. */
			kref_get(&conn->ref);
			list_add_tail(&conn->reap, &victims);
		} else if (up &&
			   time_after(jiffies, READ_ONCE(conn->last_rx) + dead) &&
			   /* Not read by us: the peer taking our bytes is life. */
			   !(test_bit(COHORT_CONN_RX_THROTTLED, &conn->flags) &&
			     time_before(jiffies, READ_ONCE(conn->last_tx) + dead)) &&
			   /* Nor is it silent while its payload waits for room. */
			   !test_bit(COHORT_CONN_RX_WAITMEM, &conn->flags) &&
			   /* Input being received (rx work, a caller) is life. */
			   !work_busy(&conn->rx_work) &&
			   !mutex_is_locked(&conn->rx_mutex)) {
			kref_get(&conn->ref);
			list_add_tail(&conn->reap, &victims);
		}
	}
	spin_unlock_bh(&cn->conns_lock);
	list_for_each_entry_safe(conn, tmp, &victims, reap) {
		list_del(&conn->reap);
		if (cohort_conn_is_up(conn)) {
			cohort_conn_close(conn, "dead timeout");
		} else {
			atomic64_inc(&cn->handshakes_expired);
			cohort_conn_close(conn, "handshake timeout");
		}
		cohort_conn_put(conn);
	}

	/* Every quarter of the dead timeout, a heartbeat to every peer up. */
	if (time_before(jiffies, cn->hb_last + msecs_to_jiffies(dead_ms / 4)))
		goto requeue;
	cn->hb_last = jiffies;
	cohort_put_be64(p, ktime_get_ns());
	buf = cohort_buf_alloc(HB_LEN, GFP_KERNEL);
	if (buf) {
		cohort_buf_write(buf, 0, p, sizeof(p));
		spin_lock_bh(&cn->conns_lock);
		list_for_each_entry(conn, &cn->conns, list) {
			if (nu < ARRAY_SIZE(up) &&
			    cohort_conn_is_up(conn) &&
			    !test_bit(COHORT_CONN_CLOSING, &conn->flags)) {
				kref_get(&conn->ref);
				up[nu++] = conn;
			}
		}
		spin_unlock_bh(&cn->conns_lock);
		for (i = 0; i < nu; i++) {
			cohort_conn_send(up[i], COHORT_MSG_HEARTBEAT, 0, 0, buf);
			cohort_conn_put(up[i]);
		}
		cohort_buf_put(buf);
	}

requeue:
	/* Checked ten times per dead timeout: detection within 1.1 x it. */
	period = max_t(unsigned int, dead_ms / 10, 50);
	mutex_lock(&cn->lock);
	if (!cn->stopping)
		queue_delayed_work(cohort_wq, &cn->hb_work,
				   msecs_to_jiffies(period));
	mutex_unlock(&cn->lock);
}

/* ---------------------------------------------------------------- control */

/* Close every connection of @cn (configuration changed or stopping). */
static void close_all(struct cohort_net *cn, const char *reason)
{
	struct cohort_conn *conn;

	for (;;) {
		spin_lock_bh(&cn->conns_lock);
		list_for_each_entry(conn, &cn->conns, list) {
			if (!test_bit(COHORT_CONN_CLOSING, &conn->flags)) {
				kref_get(&conn->ref);
				goto found;
			}
		}
		spin_unlock_bh(&cn->conns_lock);
		return;
found:
		spin_unlock_bh(&cn->conns_lock);
		cohort_conn_close(conn, reason);
		cohort_conn_put(conn);
	}
}

/*
 * Bring the transport in line with the configuration: listen when this
 * node is configured, connect to every higher node. Called with cn->lock
 * held after any change; @reset closes existing connections first (the
 * cluster id, key or timeouts changed).
 */
void cohort_transport_reconfigure(struct cohort_net *cn, bool reset)
{
	struct cohort_peer *peer;
	unsigned long id;

	lockdep_assert_held(&cn->lock);
	if (reset || !cluster_ready(cn)) {
		listener_stop(cn);
		close_all(cn, "configuration changed");
	}
	if (!cluster_ready(cn))
		return;
	listener_start(cn);
	xa_for_each(&cn->peers, id, peer) {
		if (id > cn->self_id && !READ_ONCE(peer->conn))
			schedule_connect(peer, true);
	}
	mod_delayed_work(cohort_wq, &cn->hb_work, 0);
}

/* A peer left the table (cn->lock held): drop its connection. */
void cohort_transport_peer_removed(struct cohort_peer *peer)
{
	struct cohort_conn *conn;

	lockdep_assert_held(&peer->cn->lock);
	spin_lock_bh(&peer->lock);
	peer->removed = true;
	spin_unlock_bh(&peer->lock);
	conn = cohort_peer_conn_get(peer);
	if (conn) {
		cohort_conn_close(conn, "node removed");
		cohort_conn_put(conn);
	}
}

void cohort_transport_peer_init(struct cohort_peer *peer)
{
	INIT_DELAYED_WORK(&peer->connect_work, connect_work_fn);
	peer->backoff_ms = COHORT_BACKOFF_MIN_MS;
}

void cohort_transport_net_init(struct cohort_net *cn)
{
	INIT_WORK(&cn->accept_work, accept_work_fn);
	INIT_DELAYED_WORK(&cn->hb_work, hb_work_fn);
	spin_lock_init(&cn->conns_lock);
	INIT_LIST_HEAD(&cn->conns);
}

/* The instance goes away: stop everything and wait until it has stopped. */
void cohort_transport_net_stop(struct cohort_net *cn)
{
	struct cohort_peer *peer;
	unsigned long id;

	mutex_lock(&cn->lock);
	cn->stopping = true;
	listener_stop(cn);
	mutex_unlock(&cn->lock);
	cancel_work_sync(&cn->accept_work);
	cancel_delayed_work_sync(&cn->hb_work);
	xa_for_each(&cn->peers, id, peer) {
		spin_lock_bh(&peer->lock);
		peer->removed = true;
		spin_unlock_bh(&peer->lock);
		cancel_delayed_work_sync(&peer->connect_work);
	}
	close_all(cn, "node instance stopping");
	flush_workqueue(cohort_wq);
	/* Handlers still running may hold connections (and call, failing). */
	cohort_rpc_flush();
	flush_workqueue(cohort_wq);
	WARN_ON_ONCE(!list_empty(&cn->conns));
}

int __init cohort_transport_init(void)
{
	cohort_wq = alloc_workqueue("cohort", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return cohort_wq ? 0 : -ENOMEM;
}

void cohort_transport_exit(void)
{
	destroy_workqueue(cohort_wq);
}
