// SPDX-License-Identifier: GPL-2.0
/*
 * The HELLO/AUTH handshake of a connection: both sides send a HELLO
 * (cluster id, dead timeout, a fresh nonce, options), then an AUTH
 * proving they know the cluster key (auth.c); the session keys, one per
 * direction, follow from both nonces. An accepted connection learns its
 * peer from the HELLO.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <crypto/algapi.h>

#include "buf.h"
#include "conn.h"
#include "events.h"
#include "node.h"

/* Handshake progress (conn->hs_state). */
enum {
	HS_WAIT_HELLO,		/* nothing from the peer yet */
	HS_WAIT_AUTH,		/* HELLO in, our AUTH out, waiting for theirs */
	HS_DONE,
};

#define HELLO_LEN	(4 + 4 + COHORT_NONCE_LEN + 4)
#define AUTH_LEN	SHA256_DIGEST_SIZE

int cohort_hs_send_hello(struct cohort_conn *conn)
{
	struct cohort_buf *buf = cohort_buf_alloc(HELLO_LEN, GFP_KERNEL);
	u8 p[HELLO_LEN];
	int err;

	if (!buf)
		return -ENOMEM;
	cohort_put_be32(p, conn->cluster_id);
	cohort_put_be32(p + 4, conn->dead_timeout_ms);
	memcpy(p + 8, conn->my_nonce, COHORT_NONCE_LEN);
	p[8 + COHORT_NONCE_LEN] = conn->encrypt ? COHORT_HELLO_OPT_ENCRYPT :
						  COHORT_HELLO_OPTS;
	memset(p + 9 + COHORT_NONCE_LEN, 0, 3);		/* reserved */
	cohort_buf_write(buf, 0, p, sizeof(p));
	err = cohort_conn_send(conn, COHORT_MSG_HELLO, 0, 0, buf);
	cohort_buf_put(buf);
	return err;
}

/* The handshake failed: count it as @e, close, and tell subscribers why. */
void cohort_hs_failed(struct cohort_conn *conn, enum cohort_wire_err e,
		      const char *why)
{
	u32 id = conn->peer ? conn->peer->id : 0;

	if (conn->peer)
		atomic64_inc(&conn->peer->stats[COHORT_STAT_AUTH_FAILURES]);
	cohort_conn_count_error(conn, e);
	cohort_conn_close(conn, why);
	cohort_node_event(conn->cn, COHORT_EVENT_AUTH_FAILED, id, why);
}

static void auth_failed(struct cohort_conn *conn, const char *why)
{
	cohort_hs_failed(conn, COHORT_WIRE_BAD_HANDSHAKE, why);
}

/* The peer of an accepted connection names itself in its HELLO. */
static int attach_accepted(struct cohort_conn *conn, u16 src)
{
	struct cohort_net *cn = conn->cn;
	struct sockaddr_storage ss;
	struct cohort_peer *peer;
	struct cohort_conn *old;

	if (src >= conn->self)
		return -EPROTO;		/* the lower id connects */
	peer = cohort_peer_get(cn, src);
	if (!peer)
		return -ENOENT;
	if (kernel_getpeername(conn->sock, (struct sockaddr *)&ss) < 0) {
		cohort_peer_put(peer);
		return -ENOTCONN;
	}
	if (!cohort_addr_equal(&ss, &peer->addr)) {
		cohort_peer_put(peer);
		return -EACCES;
	}
	WRITE_ONCE(conn->peer, peer);	/* the reference is now the conn's */
	conn->rx.peer = src;
	/*
	 * Pairs with cohort_conn_close(), which sets CLOSING before it reads
	 * conn->peer: either it sees the peer (and clears peer->conn under
	 * peer->lock, after us) or we see CLOSING below and install nothing.
	 */
	smp_mb();

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

/* Why the peer's HELLO @p cannot go with ours, or NULL if it can. */
static const char *hello_mismatch(const struct cohort_conn *conn, const u8 *p)
{
	if (cohort_get_be32(p) != conn->cluster_id)
		return "cluster id mismatch";
	if (cohort_get_be32(p + 4) != conn->dead_timeout_ms)
		return "dead timeout mismatch";
	if (conn->opts & ~COHORT_HELLO_OPTS_KNOWN)
		return "HELLO options differ";
	/* Never fall back: one side wants its payloads kept secret. */
	if (!!(conn->opts & COHORT_HELLO_OPT_ENCRYPT) != conn->encrypt)
		return conn->encrypt ?
		       "encryption differs (this node: on, peer: off)" :
		       "encryption differs (this node: off, peer: on)";
	return NULL;
}

void cohort_hs_hello(struct cohort_conn *conn, const struct cohort_hdr *h,
		     struct cohort_buf *buf)
{
	const char *why;
	u8 p[HELLO_LEN];
	int err;

	if (conn->hs_state != HS_WAIT_HELLO || !buf || buf->len != HELLO_LEN) {
		cohort_conn_count_error(conn, COHORT_WIRE_BAD_HANDSHAKE);
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
	memcpy(conn->peer_nonce, p + 8, COHORT_NONCE_LEN);
	conn->opts = p[8 + COHORT_NONCE_LEN];
	why = hello_mismatch(conn, p);
	if (why) {
		/*
		 * An accepting node answers with its own HELLO first, so that
		 * the connecting one can tell its admin why too (it is sent
		 * inline, ahead of the close, unless the socket is full).
		 */
		if (!conn->outgoing)
			cohort_hs_send_hello(conn);
		auth_failed(conn, why);
		return;
	}
	if (!crypto_memneq(conn->peer_nonce, conn->my_nonce, COHORT_NONCE_LEN)) {
		auth_failed(conn, "reflected nonce");
		return;
	}
	if (!conn->outgoing && cohort_hs_send_hello(conn)) {
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
		/* Release: keys and buffers before anyone sees it up. */
		smp_mb__before_atomic();
		set_bit(COHORT_CONN_UP, &conn->flags);
		peer->state = COHORT_NODE_UP;
		peer->ups++;
		peer->backoff_ms = COHORT_BACKOFF_MIN_MS;
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

void cohort_hs_auth(struct cohort_conn *conn, struct cohort_buf *buf)
{
	u8 got[AUTH_LEN], want[AUTH_LEN], tx[SHA256_DIGEST_SIZE],
	   rx[SHA256_DIGEST_SIZE];
	u16 lo, hi;
	struct cohort_peer *peer = conn->peer;
	bool lower;
	int err;

	/* HS_WAIT_AUTH means a HELLO came first, so peer is known. */
	if (conn->hs_state != HS_WAIT_AUTH || !buf || buf->len != AUTH_LEN) {
		cohort_conn_count_error(conn, COHORT_WIRE_BAD_HANDSHAKE);
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
	lo = lower ? conn->self : peer->id;
	hi = lower ? peer->id : conn->self;
	err = cohort_auth_session_key(conn->key, conn->keylen, lo, hi,
				      conn->opts, conn->self,
				      lower ? conn->my_nonce : conn->peer_nonce,
				      lower ? conn->peer_nonce : conn->my_nonce,
				      tx) ?:
	      cohort_auth_session_key(conn->key, conn->keylen, lo, hi,
				      conn->opts, peer->id,
				      lower ? conn->my_nonce : conn->peer_nonce,
				      lower ? conn->peer_nonce : conn->my_nonce,
				      rx);
	/* Buffers for ciphertext only once the peer has proven itself. */
	if (!err && conn->encrypt && !conn->tx_ct) {
		conn->tx_ct = cohort_buf_alloc(COHORT_WIRE_STREAM_MIN,
					       GFP_KERNEL_ACCOUNT);
		if (!conn->tx_ct)
			err = -ENOMEM;
	}
	if (!err) {
		cohort_mac_key_set(&conn->tx_key, tx);
		cohort_mac_key_set(&conn->rx_key, rx);
		/* Sequence numbers from 1 (a test build may start later). */
		conn->tx_seq = cohort_seq_start;
		conn->rx.next_seq = cohort_seq_start + 1;
	}
	memzero_explicit(tx, sizeof(tx));
	memzero_explicit(rx, sizeof(rx));
	if (err) {
		cohort_conn_close(conn, "cannot set up the session keys");
		return;
	}
	if (cohort_conn_authenticated(conn)) {
		cohort_conn_close(conn, "out of memory");
		return;
	}
	conn->hs_state = HS_DONE;
	conn->rx.authenticated = 1;
	conn_up(conn);
}
