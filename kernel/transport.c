// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel TCP between the nodes of a cluster: one connection per pair of
 * nodes (the lower id connects, the higher accepts), the HELLO/AUTH
 * handshake, framing, heartbeats and dead-peer detection, reconnects with
 * exponential backoff and jitter.
 *
 * Socket callbacks only queue work, or wake a caller. Each connection has
 * an rx worker (non-blocking reads into a small state machine: header,
 * payload straight into pages, trailer), a tx worker (blocking sends
 * bounded by the socket's send timeout) and a release worker that tears
 * it down after cohort_conn_close(). A caller waiting for an answer runs
 * the same receive path itself while it waits (cohort_conn_await), for
 * answers only: that saves the hop through the worker on every call.
 * Small frames are sent inline by their sender when nothing is queued.
 * Every received header passes cohort_wire_check() and every
 * authenticated frame its MAC before any handler sees it; a frame that
 * fails closes the connection and is counted.
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
#include <linux/uio.h>
#include <linux/bvec.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/highmem.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "buf.h"
#include "events.h"
#include "node.h"
#include "rpc.h"
#include "transport.h"

/* Handshake progress (conn->hs_state). */
enum {
	HS_WAIT_HELLO,		/* nothing from the peer yet */
	HS_WAIT_AUTH,		/* HELLO in, our AUTH out, waiting for theirs */
	HS_DONE,
};

#define HELLO_LEN	(4 + 4 + COHORT_NONCE_LEN + 4)
#define AUTH_LEN	SHA256_DIGEST_SIZE
#define HB_LEN		8
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define CONNECT_TIMEOUT	(2 * HZ)
#define SEND_TIMEOUT	(60 * HZ)
#define RX_BUDGET	(4 << 20)	/* bytes per rx worker run */
#define INLINE_MAX	(16 << 10)	/* largest frame sent inline */
#define RX_STAGE	(8 << 10)	/* staging buffer for small frames */

static struct workqueue_struct *cohort_wq;

struct txframe {
	struct list_head list;
	struct cohort_hdr hdr;
	struct cohort_buf *buf;
};

static void conn_release(struct kref *ref)
{
	struct cohort_conn *conn = container_of(ref, struct cohort_conn, ref);

	kfree_sensitive(conn->rx_desc);
	kfree_sensitive(conn->rx_stage);
	cohort_mac_free(&conn->mac);
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

static void count_wire_error(struct cohort_conn *conn, enum cohort_wire_err e)
{
	atomic64_inc(&conn->cn->wire_errors[e]);
	if (conn->peer)
		atomic64_inc(&conn->peer->stats[COHORT_STAT_MALFORMED]);
}

/* ---------------------------------------------------------------- socket */

static void __rx_kick(struct cohort_conn *conn);

static void conn_data_ready(struct sock *sk)
{
	struct cohort_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn && !test_bit(COHORT_CONN_CLOSING, &conn->flags))
		__rx_kick(conn);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void conn_state_change(struct sock *sk)
{
	struct cohort_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn) {
		switch (sk->sk_state) {
		case TCP_CLOSE:
		case TCP_CLOSE_WAIT:
		case TCP_FIN_WAIT1:
		case TCP_FIN_WAIT2:
		case TCP_LAST_ACK:
			/* rx sees the end of the stream and closes */
			queue_work(cohort_wq, &conn->rx_work);
			break;
		}
		conn->saved_state_change(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
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

static void rx_work_fn(struct work_struct *work);
static void tx_work_fn(struct work_struct *work);
static void release_work_fn(struct work_struct *work);

/*
 * Called with cn->lock held: snapshots the configuration. Returns the
 * connection with two references: the instance list's (dropped by the
 * release worker) and the caller's.
 */
static struct cohort_conn *conn_alloc(struct cohort_net *cn,
				      struct socket *sock,
				      struct cohort_peer *peer, bool outgoing)
{
	struct cohort_conn *conn;
	struct sock *sk = sock->sk;

	lockdep_assert_held(&cn->lock);
	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return NULL;
	conn->rx_stage = kmalloc(RX_STAGE, GFP_KERNEL);
	if (!conn->rx_stage) {
		kfree(conn);
		return NULL;
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
	get_random_bytes(conn->my_nonce, sizeof(conn->my_nonce));
	conn->rx.version = COHORT_PROTO_VERSION;
	conn->rx.self = cn->self_id;
	conn->rx.max_len = cohort_msg_max_len;
	conn->rx.next_seq = 1;
	conn->created = jiffies;
	conn->last_rx = jiffies;
	spin_lock_init(&conn->tx_lock);
	mutex_init(&conn->tx_mutex);
	mutex_init(&conn->rx_mutex);
	init_waitqueue_head(&conn->rx_wait);
	INIT_LIST_HEAD(&conn->txq);
	INIT_WORK(&conn->rx_work, rx_work_fn);
	INIT_WORK(&conn->tx_work, tx_work_fn);
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
	sk->sk_data_ready = conn_data_ready;
	sk->sk_state_change = conn_state_change;
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
	struct cohort_peer *peer = conn->peer;
	bool was_current = false;

	if (test_and_set_bit(COHORT_CONN_CLOSING, &conn->flags))
		return;
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

/* Queue the rx worker unless the connection is being released. */
static void conn_kick_rx(struct cohort_conn *conn)
{
	struct sock *sk = conn->sk;

	read_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data == conn)
		queue_work(cohort_wq, &conn->rx_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void release_work_fn(struct work_struct *work)
{
	struct cohort_conn *conn = container_of(work, struct cohort_conn,
						release_work);
	struct cohort_net *cn = conn->cn;
	struct cohort_peer *peer = conn->peer;
	struct sock *sk = conn->sock->sk;
	struct txframe *f, *tmp;
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
	mutex_unlock(&conn->rx_mutex);
	list_for_each_entry_safe(f, tmp, &frames, list) {
		cohort_buf_put(f->buf);
		kfree(f);
	}

	spin_lock_bh(&cn->conns_lock);
	list_del_init(&conn->list);
	spin_unlock_bh(&cn->conns_lock);

	if (peer && test_bit(COHORT_CONN_NOTIFY_DOWN, &conn->flags))
		cohort_node_event(cn, COHORT_EVENT_NODE_DOWN, peer->id,
				  conn->reason);
	if (peer && conn->outgoing)
		schedule_connect(peer, false);
	cohort_conn_put(conn);		/* the release worker's */
	cohort_conn_put(conn);		/* the instance list's */
}

/*
 * Describe up to @max pages' worth of @buf from byte @off in @bv; returns
 * the number of entries and sets *@bytes.
 */
static int buf_bvec(const struct cohort_buf *buf, size_t off,
		    struct bio_vec *bv, int max, size_t *bytes)
{
	size_t chunk = 0;
	int n = 0;

	while (n < max && off + chunk < buf->len) {
		size_t pos = off + chunk;
		size_t len = min_t(size_t, PAGE_SIZE - pos % PAGE_SIZE,
				   buf->len - pos);

		bv[n].bv_page = buf->pages[pos / PAGE_SIZE];
		bv[n].bv_offset = pos % PAGE_SIZE;
		bv[n].bv_len = len;
		chunk += len;
		n++;
	}
	*bytes = chunk;
	return n;
}

/* ---------------------------------------------------------------- tx */

/* Send @len bytes from @kv, all or an error. */
static int send_kvec(struct cohort_conn *conn, struct kvec *kv, int n,
		     size_t len, bool more)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0) };
	int err = kernel_sendmsg(conn->sock, &msg, kv, n, len);

	return err == len ? 0 : err < 0 ? err : -EIO;
}

/*
 * Put one frame on the wire. Authenticated frames get the next sequence
 * number and their MAC here, under tx_mutex, so that they leave in
 * sequence order. A frame whose payload fits in a page goes out in one
 * sendmsg; a larger one as its header and then up to 16 pages at a time.
 * A streamed frame is MACed run by run while it is sent, its trailer last.
 */
static int send_frame(struct cohort_conn *conn, struct txframe *f)
{
	u8 raw[COHORT_WIRE_HDR_LEN], trailer[COHORT_WIRE_MAC_LEN];
	struct cohort_buf *buf = f->buf;
	bool streamed = cohort_wire_streamed(&f->hdr);
	bool auth = f->hdr.type != COHORT_MSG_HELLO &&
		    f->hdr.type != COHORT_MSG_AUTH;
	SHASH_DESC_ON_STACK(desc, conn->mac.tfm);
	struct kvec kv[2] = { { .iov_base = raw, .iov_len = sizeof(raw) } };
	struct bio_vec bv[16];
	size_t off = 0;
	int err;

	lockdep_assert_held(&conn->tx_mutex);
	if (auth) {
		f->hdr.seq = ++conn->tx_seq;
		memset(f->hdr.mac, 0, sizeof(f->hdr.mac));
		cohort_hdr_encode(raw, &f->hdr);
		err = cohort_mac_frame(&conn->mac, raw, streamed ? NULL : buf,
				       streamed, f->hdr.mac);
		if (err)
			return err;
	}
	cohort_hdr_encode(raw, &f->hdr);
	if (streamed) {
		err = cohort_mac_begin(&conn->mac, desc, raw, sizeof(raw));
		if (err) {
			shash_desc_zero(desc);
			return err;
		}
	}
	if (buf && buf->len <= PAGE_SIZE) {
		kv[1].iov_base = kmap_local_page(buf->pages[0]);
		kv[1].iov_len = buf->len;
		err = send_kvec(conn, kv, 2, sizeof(raw) + buf->len, false);
		kunmap_local(kv[1].iov_base);
		off = buf->len;
	} else {
		err = send_kvec(conn, kv, 1, sizeof(raw), buf);
	}
	while (!err && buf && off < buf->len) {
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | MSG_MORE };
		size_t chunk;
		int n = buf_bvec(buf, off, bv, ARRAY_SIZE(bv), &chunk);

		if (off + chunk == buf->len && !streamed)
			msg.msg_flags &= ~MSG_MORE;
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, chunk);
		err = sock_sendmsg(conn->sock, &msg);
		err = err == chunk ? 0 : err < 0 ? err : -EIO;
		/* MAC what is already on its way while the NIC sends it. */
		if (!err && streamed)
			err = cohort_mac_pages(desc, buf, off, chunk);
		off += chunk;
	}
	if (streamed) {
		if (err)
			shash_desc_zero(desc);
		else
			err = cohort_mac_end(desc, trailer);	/* wipes desc */
		kv[0].iov_base = trailer;
		kv[0].iov_len = sizeof(trailer);
		if (!err)
			err = send_kvec(conn, kv, 1, sizeof(trailer), false);
	}
	if (err)
		return err;
	if (conn->peer) {
		atomic64_inc(&conn->peer->stats[COHORT_STAT_MSGS_TX]);
		atomic64_add(sizeof(raw) + (buf ? buf->len : 0) +
			     (streamed ? sizeof(trailer) : 0),
			     &conn->peer->stats[COHORT_STAT_BYTES_TX]);
	}
	return 0;
}

static void tx_work_fn(struct work_struct *work)
{
	struct cohort_conn *conn = container_of(work, struct cohort_conn,
						tx_work);
	struct txframe *f;
	int err;

	for (;;) {
		if (test_bit(COHORT_CONN_CLOSING, &conn->flags))
			return;
		mutex_lock(&conn->tx_mutex);
		spin_lock_bh(&conn->tx_lock);
		f = list_first_entry_or_null(&conn->txq, struct txframe, list);
		if (f)
			list_del(&f->list);
		spin_unlock_bh(&conn->tx_lock);
		err = f ? send_frame(conn, f) : 0;
		mutex_unlock(&conn->tx_mutex);
		if (!f)
			return;
		cohort_buf_put(f->buf);
		kfree(f);
		if (err) {
			cohort_conn_close(conn, "send failed");
			return;
		}
	}
}

/*
 * Send a small frame at once from the caller's context when nothing is
 * queued before it and the socket has room (so the send cannot block):
 * this saves the tx worker's wake-up on every call and every answer.
 * Returns true when it was sent (or failed, closing the connection).
 */
static bool send_inline(struct cohort_conn *conn, struct txframe *f)
{
	size_t len = COHORT_WIRE_HDR_LEN + f->hdr.len;
	bool sent = false;
	int err = 0;

	if (len > INLINE_MAX || !mutex_trylock(&conn->tx_mutex))
		return false;
	spin_lock_bh(&conn->tx_lock);
	if (list_empty(&conn->txq) && conn->sock &&
	    !test_bit(COHORT_CONN_CLOSING, &conn->flags) &&
	    sk_stream_wspace(conn->sk) >= (int)(2 * len)) {
		sent = true;
	}
	spin_unlock_bh(&conn->tx_lock);
	if (sent)
		err = send_frame(conn, f);
	mutex_unlock(&conn->tx_mutex);
	if (err)
		cohort_conn_close(conn, "send failed");
	return sent;
}

/*
 * Queue a frame. @buf (may be NULL) gets an extra reference; the caller
 * keeps its own. Authenticated types only once the connection is up.
 */
int cohort_conn_send(struct cohort_conn *conn, u8 type, u16 flags,
		     u64 req_id, struct cohort_buf *buf)
{
	bool handshake = type == COHORT_MSG_HELLO || type == COHORT_MSG_AUTH;
	struct txframe tmp = {
		.hdr = {
			.magic = COHORT_WIRE_MAGIC,
			.version = COHORT_PROTO_VERSION,
			.type = type,
			.flags = flags,
			.len = buf ? buf->len : 0,
			.src = conn->self,
			.dst = conn->peer ? conn->peer->id : 0,
			.req_id = req_id,
		},
		.buf = buf,
	};
	struct txframe *f;

	if (test_bit(COHORT_CONN_CLOSING, &conn->flags))
		return -EHOSTDOWN;
	if (!handshake && !test_bit(COHORT_CONN_UP, &conn->flags))
		return -EHOSTDOWN;
	if (send_inline(conn, &tmp))
		return 0;
	f = kmemdup(&tmp, sizeof(tmp), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	spin_lock_bh(&conn->tx_lock);
	if (test_bit(COHORT_CONN_CLOSING, &conn->flags)) {
		spin_unlock_bh(&conn->tx_lock);
		kfree(f);
		return -EHOSTDOWN;
	}
	f->buf = buf ? cohort_buf_get(buf) : NULL;
	list_add_tail(&f->list, &conn->txq);
	queue_work(cohort_wq, &conn->tx_work);
	spin_unlock_bh(&conn->tx_lock);
	return 0;
}

/* ---------------------------------------------------------------- handshake */

static int send_hello(struct cohort_conn *conn)
{
	struct cohort_buf *buf = cohort_buf_alloc(HELLO_LEN, GFP_KERNEL);
	u8 p[HELLO_LEN];
	int err;

	if (!buf)
		return -ENOMEM;
	cohort_put_be32(p, conn->cluster_id);
	cohort_put_be32(p + 4, conn->dead_timeout_ms);
	memcpy(p + 8, conn->my_nonce, COHORT_NONCE_LEN);
	p[8 + COHORT_NONCE_LEN] = cohort_mac_preferred();
	memset(p + 9 + COHORT_NONCE_LEN, 0, 3);		/* reserved */
	cohort_buf_write(buf, 0, p, sizeof(p));
	err = cohort_conn_send(conn, COHORT_MSG_HELLO, 0, 0, buf);
	cohort_buf_put(buf);
	return err;
}

static void auth_failed(struct cohort_conn *conn, const char *why)
{
	u32 id = conn->peer ? conn->peer->id : 0;

	if (conn->peer)
		atomic64_inc(&conn->peer->stats[COHORT_STAT_AUTH_FAILURES]);
	count_wire_error(conn, COHORT_WIRE_BAD_HANDSHAKE);
	cohort_conn_close(conn, why);
	cohort_node_event(conn->cn, COHORT_EVENT_AUTH_FAILED, id, why);
}

/* The peer of an accepted connection names itself in its HELLO. */
static int attach_accepted(struct cohort_conn *conn, u16 src)
{
	struct cohort_net *cn = conn->cn;
	struct sockaddr_storage ss;
	struct cohort_peer *peer;
	struct cohort_conn *old;
	bool same;

	if (src >= conn->self)
		return -EPROTO;		/* the lower id connects */
	peer = cohort_peer_get(cn, src);
	if (!peer)
		return -ENOENT;
	if (kernel_getpeername(conn->sock, (struct sockaddr *)&ss) < 0) {
		cohort_peer_put(peer);
		return -ENOTCONN;
	}
	if (ss.ss_family == AF_INET)
		same = peer->addr.ss_family == AF_INET &&
		       ((struct sockaddr_in *)&ss)->sin_addr.s_addr ==
		       ((struct sockaddr_in *)&peer->addr)->sin_addr.s_addr;
	else
		same = peer->addr.ss_family == AF_INET6 &&
		       ipv6_addr_equal(&((struct sockaddr_in6 *)&ss)->sin6_addr,
				       &((struct sockaddr_in6 *)&peer->addr)->sin6_addr);
	if (!same) {
		cohort_peer_put(peer);
		return -EACCES;
	}
	conn->peer = peer;		/* the reference is now the conn's */
	conn->rx.peer = src;

	spin_lock_bh(&peer->lock);
	if (peer->removed) {
		spin_unlock_bh(&peer->lock);
		return -ENOENT;
	}
	old = peer->conn;
	/*
	 * With a connection there already (the peer restarted, or someone on
	 * its address pretends to be it) the new one replaces it only once
	 * it has authenticated (conn_up), so that nobody can keep restarting
	 * the peer's handshake. Nor is a connection already closing
	 * installed: its close has looked at peer->conn already.
	 */
	if (!old && !test_bit(COHORT_CONN_CLOSING, &conn->flags)) {
		kref_get(&conn->ref);
		peer->conn = conn;
		peer->state = peer->ups ? COHORT_NODE_DOWN :
					  COHORT_NODE_CONNECTING;
	}
	spin_unlock_bh(&peer->lock);
	return 0;
}

static void send_auth(struct cohort_conn *conn)
{
	u8 proof[AUTH_LEN];
	struct cohort_buf *buf;
	int err;

	err = cohort_auth_proof(conn->key, conn->keylen, conn->self,
				conn->peer->id, conn->cluster_id,
				conn->peer_nonce, conn->my_nonce, proof);
	buf = err ? NULL : cohort_buf_alloc(AUTH_LEN, GFP_KERNEL);
	if (!buf) {
		memzero_explicit(proof, sizeof(proof));
		cohort_conn_close(conn, "cannot compute the handshake proof");
		return;
	}
	cohort_buf_write(buf, 0, proof, sizeof(proof));
	memzero_explicit(proof, sizeof(proof));
	if (cohort_conn_send(conn, COHORT_MSG_AUTH, 0, 0, buf))
		cohort_conn_close(conn, "cannot send AUTH");
	cohort_buf_put(buf);
}

static void handle_hello(struct cohort_conn *conn, const struct cohort_hdr *h,
			 struct cohort_buf *buf)
{
	u8 p[HELLO_LEN];
	int err;

	if (conn->hs_state != HS_WAIT_HELLO || !buf || buf->len != HELLO_LEN) {
		count_wire_error(conn, COHORT_WIRE_BAD_HANDSHAKE);
		cohort_conn_close(conn, "unexpected HELLO");
		return;
	}
	cohort_buf_read(buf, 0, p, sizeof(p));
	if (!conn->peer) {
		err = attach_accepted(conn, h->src);
		if (err) {
			atomic64_inc(&conn->cn->accept_unknown);
			cohort_conn_close(conn, "HELLO from an unexpected node");
			return;
		}
	}
	if (cohort_get_be32(p) != conn->cluster_id) {
		auth_failed(conn, "cluster id mismatch");
		return;
	}
	if (cohort_get_be32(p + 4) != conn->dead_timeout_ms) {
		auth_failed(conn, "dead timeout mismatch");
		return;
	}
	memcpy(conn->peer_nonce, p + 8, COHORT_NONCE_LEN);
	/* Unknown preferences (a newer peer's) fall back to HMAC-SHA256. */
	conn->mac_alg = cohort_mac_choose(cohort_mac_preferred(),
					  p[8 + COHORT_NONCE_LEN]);
	if (!crypto_memneq(conn->peer_nonce, conn->my_nonce, COHORT_NONCE_LEN)) {
		auth_failed(conn, "reflected nonce");
		return;
	}
	if (!conn->outgoing && send_hello(conn)) {
		cohort_conn_close(conn, "cannot send HELLO");
		return;
	}
	conn->hs_state = HS_WAIT_AUTH;
	send_auth(conn);
}

static void conn_up(struct cohort_conn *conn)
{
	struct cohort_peer *peer = conn->peer;
	struct cohort_conn *old = NULL;
	bool again, removed, closing;

	spin_lock_bh(&peer->lock);
	removed = peer->removed;
	again = peer->ups > 0;
	/* Closed meanwhile (its close looked at peer->conn already). */
	closing = test_bit(COHORT_CONN_CLOSING, &conn->flags);
	if (!removed && !closing) {
		if (peer->conn != conn) {
			/* An authenticated newcomer replaces the old one. */
			old = peer->conn;
			kref_get(&conn->ref);
			peer->conn = conn;
		}
		set_bit(COHORT_CONN_UP, &conn->flags);
		peer->state = COHORT_NODE_UP;
		peer->ups++;
		peer->backoff_ms = BACKOFF_MIN_MS;
	}
	spin_unlock_bh(&peer->lock);
	if (closing)
		return;
	if (removed) {
		cohort_conn_close(conn, "node removed");
		return;
	}
	if (old) {
		/* Calls waiting on it fail at once (they went to a past self). */
		cohort_conn_close(old, "replaced by a new connection");
		cohort_conn_put(old);		/* the peer's reference */
	}
	if (again)
		atomic64_inc(&peer->stats[COHORT_STAT_RECONNECTS]);
	cohort_node_event(conn->cn, COHORT_EVENT_NODE_UP, peer->id, NULL);
}

static void handle_auth(struct cohort_conn *conn, struct cohort_buf *buf)
{
	u8 got[AUTH_LEN], want[AUTH_LEN], session[SHA256_DIGEST_SIZE];
	struct cohort_peer *peer = conn->peer;
	bool lower;
	int err;

	/* HS_WAIT_AUTH means a HELLO came first, so peer is known. */
	if (conn->hs_state != HS_WAIT_AUTH || !buf || buf->len != AUTH_LEN) {
		count_wire_error(conn, COHORT_WIRE_BAD_HANDSHAKE);
		cohort_conn_close(conn, "unexpected AUTH");
		return;
	}
	lower = conn->self < peer->id;
	cohort_buf_read(buf, 0, got, sizeof(got));
	err = cohort_auth_proof(conn->key, conn->keylen, peer->id, conn->self,
				conn->cluster_id, conn->my_nonce,
				conn->peer_nonce, want);
	if (err || crypto_memneq(got, want, AUTH_LEN)) {
		memzero_explicit(want, sizeof(want));
		auth_failed(conn, "bad key proof (different cluster key?)");
		return;
	}
	memzero_explicit(want, sizeof(want));
	err = cohort_auth_session_key(conn->key, conn->keylen,
				      lower ? conn->self : peer->id,
				      lower ? peer->id : conn->self,
				      conn->mac_alg,
				      lower ? conn->my_nonce : conn->peer_nonce,
				      lower ? conn->peer_nonce : conn->my_nonce,
				      session);
	if (!err)
		err = cohort_mac_init(&conn->mac, conn->mac_alg, session,
				      sizeof(session));
	memzero_explicit(session, sizeof(session));
	if (!err) {
		conn->rx_desc = kmalloc(cohort_mac_desc_size(&conn->mac),
					GFP_KERNEL);
		if (!conn->rx_desc)
			err = -ENOMEM;
	}
	if (err) {
		cohort_conn_close(conn, "cannot set up the session key");
		return;
	}
	conn->hs_state = HS_DONE;
	conn->rx.authenticated = 1;
	conn_up(conn);
}

/* ---------------------------------------------------------------- rx */

static void handle_heartbeat(struct cohort_conn *conn,
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

/* Refuse a frame whose MAC is wrong: count it and close. */
static void bad_mac(struct cohort_conn *conn)
{
	count_wire_error(conn, COHORT_WIRE_BAD_MAC);
	cohort_conn_close(conn, "bad MAC");
}

/*
 * Whether the header just received carries the right MAC: over the header
 * with its mac field zeroed and, unless the frame is streamed, @buf.
 */
static bool header_mac_ok(struct cohort_conn *conn, struct cohort_buf *buf)
{
	u8 raw[COHORT_WIRE_HDR_LEN], mac[COHORT_WIRE_MAC_LEN];

	memcpy(raw, conn->rx_raw, sizeof(raw));
	memset(raw + 32, 0, COHORT_WIRE_MAC_LEN);
	return !cohort_mac_frame(&conn->mac, raw, buf, conn->rx_streamed,
				 mac) &&
	       !crypto_memneq(mac, conn->rx_hdr.mac, COHORT_WIRE_MAC_LEN);
}

/*
 * A header is in: check it, and for a streamed frame its MAC, before
 * allocating anything for the payload. False when it closed the
 * connection.
 */
static bool rx_header(struct cohort_conn *conn)
{
	struct cohort_hdr *h = &conn->rx_hdr;
	enum cohort_wire_err e;

	cohort_hdr_decode(h, conn->rx_raw);
	e = cohort_wire_check(&conn->rx, h);
	conn->rx_streamed = cohort_wire_streamed(h);
	if (e == COHORT_WIRE_OK && conn->rx_streamed && !conn->rx.authenticated)
		e = COHORT_WIRE_BAD_HANDSHAKE;	/* no key to check it with */
	if (e != COHORT_WIRE_OK) {
		count_wire_error(conn, e);
		cohort_conn_close(conn, "malformed frame");
		return false;
	}
	if (conn->rx_streamed) {
		if (!header_mac_ok(conn, NULL)) {
			bad_mac(conn);
			return false;
		}
		if (cohort_mac_begin(&conn->mac, conn->rx_desc, conn->rx_raw,
				     COHORT_WIRE_HDR_LEN)) {
			cohort_conn_close(conn, "cannot compute a MAC");
			return false;
		}
	}
	if (h->len) {
		/* Pages as the payload arrives (rx_payload). */
		conn->rx_buf = cohort_buf_alloc_lazy(h->len, GFP_KERNEL);
		if (!conn->rx_buf) {
			cohort_conn_close(conn, "out of memory");
			return false;
		}
	}
	return true;
}

/* A streamed frame's payload is in, and its trailer: check the trailer. */
static bool trailer_ok(struct cohort_conn *conn)
{
	u8 mac[COHORT_WIRE_MAC_LEN];

	return !cohort_mac_end(conn->rx_desc, mac) &&
	       !crypto_memneq(mac, conn->rx_trailer, COHORT_WIRE_MAC_LEN);
}

/* A whole frame is in and authenticated: count it and hand it on. */
static void frame_complete(struct cohort_conn *conn)
{
	struct cohort_hdr *h = &conn->rx_hdr;
	struct cohort_buf *buf = conn->rx_buf;

	conn->rx_buf = NULL;
	conn->rx_have = 0;
	conn->rx_off = 0;
	conn->rx_tlen = 0;
	if (conn->rx.authenticated)
		conn->rx.next_seq++;
	if (conn->peer) {
		atomic64_inc(&conn->peer->stats[COHORT_STAT_MSGS_RX]);
		atomic64_add(COHORT_WIRE_HDR_LEN + h->len +
			     (conn->rx_streamed ? COHORT_WIRE_MAC_LEN : 0),
			     &conn->peer->stats[COHORT_STAT_BYTES_RX]);
	}
	switch (h->type) {
	case COHORT_MSG_HELLO:
		handle_hello(conn, h, buf);
		break;
	case COHORT_MSG_AUTH:
		handle_auth(conn, buf);
		break;
	case COHORT_MSG_HEARTBEAT:
		handle_heartbeat(conn, h, buf);
		break;
	default:
		cohort_rpc_dispatch(conn, h, buf);
		break;
	}
	cohort_buf_put(buf);
}

/* Read into [p, p + len) without blocking: bytes read, 0 on EOF, -errno. */
static int rx_bytes(struct cohort_conn *conn, void *p, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct kvec kv = { .iov_base = p, .iov_len = len };

	return kernel_recvmsg(conn->sock, &msg, &kv, 1, len, MSG_DONTWAIT);
}

/* Receive straight into the payload's pages, at most to its end. */
static int rx_pages(struct cohort_conn *conn)
{
	struct msghdr msg = {};
	struct bio_vec bv[16];
	size_t chunk;
	int n;

	if (cohort_buf_populate(conn->rx_buf, conn->rx_off +
				ARRAY_SIZE(bv) * PAGE_SIZE, GFP_KERNEL))
		return -ENOMEM;
	n = buf_bvec(conn->rx_buf, conn->rx_off, bv, ARRAY_SIZE(bv), &chunk);
	iov_iter_bvec(&msg.msg_iter, ITER_DEST, bv, n, chunk);
	return sock_recvmsg(conn->sock, &msg, MSG_DONTWAIT);
}

/*
 * Small frames are received through a staging buffer: one read takes a
 * header and its payload (and whatever follows, already waiting), where
 * reading into place would take one read for the header and one for the
 * payload. What is staged is consumed before the socket is read again; a
 * large payload with nothing staged is read straight into its pages.
 */
static size_t rx_staged(const struct cohort_conn *conn)
{
	return conn->rx_stage_len - conn->rx_stage_off;
}

static void rx_consume(struct cohort_conn *conn, size_t n)
{
	WRITE_ONCE(conn->rx_stage_off, conn->rx_stage_off + n);
}

/* One read into the (empty) staging buffer: as rx_bytes(). */
static int rx_fill(struct cohort_conn *conn)
{
	int n = rx_bytes(conn, conn->rx_stage, RX_STAGE);

	if (n > 0) {
		WRITE_ONCE(conn->rx_stage_off, 0);
		WRITE_ONCE(conn->rx_stage_len, n);
	}
	return n;
}

/* Up to @len bytes into @p, staged ones first: as rx_bytes(). */
static int rx_take(struct cohort_conn *conn, void *p, size_t len)
{
	int n;

	if (!rx_staged(conn)) {
		n = rx_fill(conn);
		if (n <= 0)
			return n;
	}
	n = min(len, rx_staged(conn));
	memcpy(p, conn->rx_stage + conn->rx_stage_off, n);
	rx_consume(conn, n);
	return n;
}

/* The next payload bytes into conn->rx_buf at rx_off: as rx_bytes(). */
static int rx_payload(struct cohort_conn *conn)
{
	size_t want = conn->rx_buf->len - conn->rx_off;
	int n;

	if (!rx_staged(conn)) {
		if (want >= RX_STAGE / 2)
			return rx_pages(conn);
		n = rx_fill(conn);
		if (n <= 0)
			return n;
	}
	n = min(want, rx_staged(conn));
	if (cohort_buf_populate(conn->rx_buf, conn->rx_off + n, GFP_KERNEL))
		return -ENOMEM;
	cohort_buf_write(conn->rx_buf, conn->rx_off,
			 conn->rx_stage + conn->rx_stage_off, n);
	rx_consume(conn, n);
	return n;
}

/*
 * Whether a read could return anything: data, or the end of the stream.
 * Data that arrives after this looked calls data_ready, which queues the
 * rx worker again, so saying no is never final.
 */
static bool rx_pending(const struct sock *sk)
{
	return !skb_queue_empty_lockless(&sk->sk_receive_queue) ||
	       READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
	       READ_ONCE(sk->sk_state) != TCP_ESTABLISHED;
}

/*
 * rx_pending(), or bytes staged. Without @rx_mutex only a hint, but the
 * holder of @rx_mutex looks again after it unlocks (rx_unlock), so staged
 * bytes are never left without somebody kicked to receive them.
 */
static bool rx_has_data(const struct cohort_conn *conn)
{
	return READ_ONCE(conn->rx_stage_off) != READ_ONCE(conn->rx_stage_len) ||
	       rx_pending(conn->sk);
}

/*
 * Something may be waiting to be received: wake a caller waiting for an
 * answer on this connection to receive it (it saves the worker's hop), or
 * else queue the rx worker. Called with sk_callback_lock held and the
 * socket still the connection's, so that nothing is queued once the
 * release worker has detached it (and then cancelled rx_work).
 */
static void __rx_kick(struct cohort_conn *conn)
{
	smp_mb();	/* what is to receive, before reading rx_callers */
	if (atomic_read(&conn->rx_callers) &&
	    !test_bit(COHORT_CONN_RX_HANDOFF, &conn->flags))
		wake_up(&conn->rx_wait);
	else
		queue_work(cohort_wq, &conn->rx_work);
}

/* __rx_kick() from anywhere but the socket's callbacks. */
static void rx_kick(struct cohort_conn *conn)
{
	struct sock *sk = conn->sk;

	read_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data == conn)
		__rx_kick(conn);
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Release rx_mutex; hand on whatever arrived while it was held. */
static void rx_unlock(struct cohort_conn *conn)
{
	mutex_unlock(&conn->rx_mutex);
	smp_mb();	/* unlocked, before looking for data (see __rx_kick) */
	if (!test_bit(COHORT_CONN_CLOSING, &conn->flags) && rx_has_data(conn))
		rx_kick(conn);
}

enum rx_result {
	RX_IDLE,		/* nothing more to read for now */
	RX_STOPPED,		/* closed, budget spent, or the caller is done */
	RX_HANDOFF,		/* a caller met a frame that is not an answer */
};

/*
 * The receive state machine: header, payload, and for a streamed frame the
 * trailer; each step reads what the socket has without blocking and picks
 * up where the last run stopped. A streamed payload is MACed as it comes.
 * Run by the rx worker (@done NULL), or by a caller waiting for an answer
 * (@done its flag), who receives answers only: it stops at the header of
 * any other frame and leaves the frame to the worker, and it stops when it
 * is being killed (whoever receives next picks up where it stopped).
 */
static enum rx_result rx_run(struct cohort_conn *conn, const bool *done)
{
	size_t budget = RX_BUDGET;
	int n;

	lockdep_assert_held(&conn->rx_mutex);
	while (budget) {
		bool in_payload = conn->rx_buf && conn->rx_off < conn->rx_buf->len;

		if (test_bit(COHORT_CONN_CLOSING, &conn->flags) ||
		    (done && (READ_ONCE(*done) || fatal_signal_pending(current))))
			return RX_STOPPED;
		/* The worker stopped inside a frame that is not an answer. */
		if (done && conn->rx_have == COHORT_WIRE_HDR_LEN &&
		    !(conn->rx_hdr.flags & COHORT_F_RESPONSE))
			return RX_HANDOFF;
		if (conn->rx_have < COHORT_WIRE_HDR_LEN) {
			if (!conn->rx_have && !rx_staged(conn) &&
			    !rx_pending(conn->sk))
				return RX_IDLE;
			n = rx_take(conn, conn->rx_raw + conn->rx_have,
				    COHORT_WIRE_HDR_LEN - conn->rx_have);
		} else if (in_payload) {
			n = rx_payload(conn);
		} else {
			n = rx_take(conn, conn->rx_trailer + conn->rx_tlen,
				    COHORT_WIRE_MAC_LEN - conn->rx_tlen);
		}
		if (n == -EAGAIN)
			return RX_IDLE;
		if (n <= 0) {
			cohort_conn_close(conn, !n ? "closed by the peer" :
					  n == -ENOMEM ? "out of memory" :
					  "receive error");
			return RX_STOPPED;
		}
		WRITE_ONCE(conn->last_rx, jiffies);
		budget -= min_t(size_t, budget, n);
		if (conn->rx_have < COHORT_WIRE_HDR_LEN) {
			conn->rx_have += n;
			if (conn->rx_have < COHORT_WIRE_HDR_LEN)
				continue;
			if (!rx_header(conn))
				return RX_STOPPED;
			if (done && !(conn->rx_hdr.flags & COHORT_F_RESPONSE))
				return RX_HANDOFF;
			if (conn->rx_hdr.len)
				continue;
		} else if (in_payload) {
			if (conn->rx_streamed &&
			    cohort_mac_pages(conn->rx_desc, conn->rx_buf,
					     conn->rx_off, n)) {
				cohort_conn_close(conn, "cannot compute a MAC");
				return RX_STOPPED;
			}
			conn->rx_off += n;
			if (conn->rx_off < conn->rx_buf->len || conn->rx_streamed)
				continue;
		} else {
			conn->rx_tlen += n;
			if (conn->rx_tlen < COHORT_WIRE_MAC_LEN)
				continue;
			if (!trailer_ok(conn)) {
				bad_mac(conn);
				return RX_STOPPED;
			}
		}
		if (!conn->rx_streamed && conn->rx.authenticated &&
		    !header_mac_ok(conn, conn->rx_buf)) {
			bad_mac(conn);
			return RX_STOPPED;
		}
		frame_complete(conn);
		/* Time spent handling the frame is not the peer's silence. */
		WRITE_ONCE(conn->last_rx, jiffies);
	}
	return RX_STOPPED;
}

static void rx_work_fn(struct work_struct *work)
{
	struct cohort_conn *conn = container_of(work, struct cohort_conn,
						rx_work);

	mutex_lock(&conn->rx_mutex);
	clear_bit(COHORT_CONN_RX_HANDOFF, &conn->flags);
	if (conn->sock && rx_run(conn, NULL) == RX_STOPPED &&
	    !test_bit(COHORT_CONN_CLOSING, &conn->flags))
		conn_kick_rx(conn);			/* budget spent */
	rx_unlock(conn);
}

/* Whether a waiting caller should try to receive now. */
static bool rx_caller_may_run(struct cohort_conn *conn)
{
	return !test_bit(COHORT_CONN_CLOSING, &conn->flags) &&
	       !test_bit(COHORT_CONN_RX_HANDOFF, &conn->flags) &&
	       !mutex_is_locked(&conn->rx_mutex) && rx_has_data(conn);
}

/**
 * cohort_conn_await - wait for an answer, receiving it meanwhile
 * @conn: the connection the request went out on (the caller's reference)
 * @done: set (under the answer's own lock) when the answer is in or the
 *	call has failed; the setter also wakes the caller
 * @timeout: jiffies to wait at most
 *
 * While it waits, the caller runs the receive path for answers itself
 * whenever data arrives and nobody else is receiving: the answer then
 * needs no hop through the rx worker. Frames that are not answers are
 * left to the worker. Process context; sleeps, killable (a caller that
 * is being killed does not wait out a long timeout).
 *
 * Return: the jiffies left, 0 if @timeout passed first, -EINTR if the
 * caller got a fatal signal.
 */
long cohort_conn_await(struct cohort_conn *conn, const bool *done,
		       long timeout)
{
	unsigned long deadline = jiffies + timeout;
	DEFINE_WAIT(wait);

	atomic_inc(&conn->rx_callers);
	smp_mb__after_atomic();	/* rx_callers, before looking for data */
	for (;;) {
		prepare_to_wait_exclusive(&conn->rx_wait, &wait,
					  TASK_KILLABLE);
		if (READ_ONCE(*done) || !timeout)
			break;
		if (fatal_signal_pending(current)) {
			timeout = -EINTR;
			break;
		}
		if (rx_caller_may_run(conn) &&
		    mutex_trylock(&conn->rx_mutex)) {
			__set_current_state(TASK_RUNNING);
			if (conn->sock && rx_run(conn, done) == RX_HANDOFF) {
				set_bit(COHORT_CONN_RX_HANDOFF, &conn->flags);
				conn_kick_rx(conn);
			}
			rx_unlock(conn);
			/* Receiving for others counts against our time too. */
			timeout = max_t(long, (long)(deadline - jiffies), 0);
			continue;
		}
		timeout = schedule_timeout(timeout);
	}
	finish_wait(&conn->rx_wait, &wait);
	atomic_dec(&conn->rx_callers);
	smp_mb__after_atomic();	/* see __rx_kick */
	/* Another caller may have been woken for data in our place. */
	if (!test_bit(COHORT_CONN_CLOSING, &conn->flags) && rx_has_data(conn))
		rx_kick(conn);
	return timeout;
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
	conn = cluster_ready(cn) ? conn_alloc(cn, sock, peer, true) : NULL;
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
	if (send_hello(conn))
		cohort_conn_close(conn, "cannot send HELLO");
	/* Data may have arrived before our callbacks were in place. */
	conn_kick_rx(conn);
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

static bool addr_in_table(struct cohort_net *cn, struct sockaddr_storage *ss)
{
	struct cohort_peer *peer;
	unsigned long id;
	bool found = false;

	rcu_read_lock();
	xa_for_each(&cn->peers, id, peer) {
		if (peer->addr.ss_family != ss->ss_family)
			continue;
		if (ss->ss_family == AF_INET)
			found = ((struct sockaddr_in *)ss)->sin_addr.s_addr ==
				((struct sockaddr_in *)&peer->addr)->sin_addr.s_addr;
		else
			found = ipv6_addr_equal(&((struct sockaddr_in6 *)ss)->sin6_addr,
						&((struct sockaddr_in6 *)&peer->addr)->sin6_addr);
		if (found && id < cn->self_id)
			break;
		found = false;
	}
	rcu_read_unlock();
	return found;
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
		conn = conn_alloc(cn, sock, NULL, false);
		mutex_unlock(&cn->lock);
		if (!conn) {
			sock_release(sock);
			continue;
		}
		conn_kick_rx(conn);
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
	if (err)
		return err;
	sock_set_reuseaddr(sock->sk);
	err = kernel_bind(sock, (struct sockaddr *)&ss, len);
	if (!err)
		err = kernel_listen(sock, 64);
	if (err) {
		sock_release(sock);
		pr_warn("netns %u: cannot listen: %d\n", cn->net->ns.inum, err);
		return err;
	}
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
	struct cohort_conn *conn, *victims[8], *up[COHORT_NODES_MAX];
	struct cohort_buf *buf;
	unsigned long dead;
	unsigned int nv = 0, nu = 0, i, period;
	u32 dead_ms;
	u8 p[HB_LEN];

	mutex_lock(&cn->lock);
	dead_ms = cn->dead_timeout_ms;
	mutex_unlock(&cn->lock);
	dead = msecs_to_jiffies(dead_ms);

	spin_lock_bh(&cn->conns_lock);
	list_for_each_entry(conn, &cn->conns, list) {
		if (test_bit(COHORT_CONN_CLOSING, &conn->flags))
			continue;
		/* Input being received (by rx work or a caller) is life. */
		if (time_after(jiffies, READ_ONCE(conn->last_rx) + dead) &&
		    !work_busy(&conn->rx_work) &&
		    !mutex_is_locked(&conn->rx_mutex) &&
		    nv < ARRAY_SIZE(victims)) {
			kref_get(&conn->ref);
			victims[nv++] = conn;
		}
	}
	spin_unlock_bh(&cn->conns_lock);
	for (i = 0; i < nv; i++) {
		cohort_conn_close(victims[i],
				  test_bit(COHORT_CONN_UP, &victims[i]->flags) ?
				  "dead timeout" : "handshake timeout");
		cohort_conn_put(victims[i]);
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
			    test_bit(COHORT_CONN_UP, &conn->flags) &&
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
	peer->backoff_ms = BACKOFF_MIN_MS;
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
