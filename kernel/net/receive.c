// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path: socket callbacks that only queue work or wake a
 * caller, and a small state machine (header, payload straight into pages,
 * trailer) run by the connection's rx worker with non-blocking reads. A
 * caller waiting for an answer runs the same path itself while it waits
 * (cohort_conn_await), for answers only: that saves the hop through the
 * worker on every call. Every received header passes cohort_wire_check()
 * and every authenticated frame its MAC before any handler sees it; a
 * frame that fails closes the connection and is counted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/bvec.h>
#include <crypto/algapi.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "buf.h"
#include "conn.h"
#include "node.h"
#include "rpc.h"

#define RX_BUDGET	(4 << 20)	/* bytes per rx worker run */

static void __rx_kick(struct cohort_conn *conn);

void cohort_conn_data_ready(struct sock *sk)
{
	struct cohort_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn && !test_bit(COHORT_CONN_CLOSING, &conn->flags))
		__rx_kick(conn);
	read_unlock_bh(&sk->sk_callback_lock);
}

void cohort_conn_state_change(struct sock *sk)
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

/* Queue the rx worker unless the connection is being released. */
void cohort_conn_kick_rx(struct cohort_conn *conn)
{
	struct sock *sk = conn->sk;

	read_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data == conn)
		queue_work(cohort_wq, &conn->rx_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Refuse a frame whose MAC is wrong: count it and close. */
static void bad_mac(struct cohort_conn *conn)
{
	cohort_conn_count_error(conn, COHORT_WIRE_BAD_MAC);
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
	cohort_mac_frame(&conn->rx_key, conn->rx_hdr.seq, raw,
			 conn->rx_streamed ? NULL : buf, conn->encrypt, mac);
	return !crypto_memneq(mac, conn->rx_hdr.mac, COHORT_WIRE_MAC_LEN);
}

/* An unstreamed frame's ciphertext, its tag checked: decrypt in place. */
static void decrypt_frame(struct cohort_conn *conn, struct cohort_buf *buf)
{
	struct cohort_crypt c;

	cohort_crypt_begin(&c, &conn->rx_key, COHORT_MAC_PART_FRAME,
			   conn->rx_hdr.seq);
	cohort_crypt_pages(&c, buf, 0, buf, 0, buf->len);
	cohort_crypt_end(&c);
}

/*
 * The buffer of the payload whose header is in, once the payload fits
 * under the instance's cap of bytes in flight: 1 when allocated, 0 when it
 * has to wait (the heartbeat worker kicks the connection every tick until
 * it fits), -1 when it closed the connection.
 */
static int rx_payload_buf(struct cohort_conn *conn)
{
	size_t charge = PAGE_ALIGN(conn->rx_hdr.len);

	if (!cohort_inflight_charge(conn->cn, charge)) {
		if (!test_and_set_bit(COHORT_CONN_RX_WAITMEM, &conn->flags))
			atomic64_inc(&conn->cn->inflight_waits);
		return 0;
	}
	if (test_and_clear_bit(COHORT_CONN_RX_WAITMEM, &conn->flags))
		WRITE_ONCE(conn->last_rx, jiffies);	/* the wait was ours */
	conn->rx_charged = charge;
	/* Pages as the payload arrives (rx_payload). */
	conn->rx_buf = cohort_buf_alloc_lazy(conn->rx_hdr.len, GFP_KERNEL_ACCOUNT);
	if (!conn->rx_buf) {
		cohort_conn_close(conn, "out of memory");
		return -1;
	}
	return 1;
}

/*
 * A header is in: check it, and for a streamed frame its MAC, before
 * allocating anything for the payload. 1 when the frame may go on, 0 when
 * its payload waits for room in flight (rx_payload_buf), -1 when it closed
 * the connection.
 */
static int rx_header(struct cohort_conn *conn)
{
	struct cohort_hdr *h = &conn->rx_hdr;
	enum cohort_wire_err e;

	cohort_hdr_decode(h, conn->rx_raw);
	e = cohort_wire_check(&conn->rx, h);
	conn->rx_streamed = cohort_wire_streamed(h);
	if (e == COHORT_WIRE_OK && conn->rx_streamed && !conn->rx.authenticated)
		e = COHORT_WIRE_BAD_HANDSHAKE;	/* no key to check it with */
	if (e == COHORT_WIRE_BAD_VERSION && h->type == COHORT_MSG_HELLO &&
	    !conn->rx.authenticated) {
		/* Say so: an admin upgrading nodes one by one meets this. */
		cohort_hs_failed(conn, e, h->version < COHORT_PROTO_VERSION ?
				 "peer speaks an older protocol version" :
				 "peer speaks a newer protocol version");
		return -1;
	}
	if (e != COHORT_WIRE_OK) {
		cohort_conn_count_error(conn, e);
		cohort_conn_close(conn, "malformed frame");
		return -1;
	}
	if (conn->rx.authenticated) {
		int n = cohort_mac_key_for(&conn->rx_key, h->seq);

		if (n < 0) {
			bad_mac(conn);
			return -1;
		}
		if (n)
			atomic64_add(n, &conn->cn->rekeys);
	}
	if (conn->rx_streamed) {
		if (!header_mac_ok(conn, NULL)) {
			bad_mac(conn);
			return -1;
		}
		cohort_mac_begin(&conn->rx_mac, &conn->rx_key,
				 COHORT_MAC_PART_TRAILER, h->seq);
		cohort_mac_add(&conn->rx_mac, conn->rx_raw, COHORT_WIRE_HDR_LEN);
		if (conn->encrypt)
			cohort_crypt_begin(&conn->rx_crypt, &conn->rx_key,
					   COHORT_MAC_PART_TRAILER, h->seq);
	}
	return h->len ? rx_payload_buf(conn) : 1;
}

/* A streamed frame's payload is in, and its trailer: check the trailer. */
static bool trailer_ok(struct cohort_conn *conn)
{
	u8 mac[COHORT_WIRE_MAC_LEN];

	cohort_mac_end(&conn->rx_mac, mac);
	cohort_crypt_end(&conn->rx_crypt);
	return !crypto_memneq(mac, conn->rx_trailer, COHORT_WIRE_MAC_LEN);
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
	/* Handed on: no longer in flight here (an answer queued is, again). */
	cohort_inflight_uncharge(conn->cn, conn->rx_charged);
	conn->rx_charged = 0;
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
		cohort_hs_hello(conn, h, buf);
		break;
	case COHORT_MSG_AUTH:
		cohort_hs_auth(conn, buf);
		break;
	case COHORT_MSG_HEARTBEAT:
		cohort_conn_heartbeat(conn, h, buf);
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
				ARRAY_SIZE(bv) * PAGE_SIZE, GFP_KERNEL_ACCOUNT))
		return -ENOMEM;
	n = cohort_buf_bvec(conn->rx_buf, conn->rx_off, bv, ARRAY_SIZE(bv), &chunk);
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
	int n = rx_bytes(conn, conn->rx_stage, conn->rx_stage_size);

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
		if (want >= conn->rx_stage_size / 2)
			return rx_pages(conn);
		n = rx_fill(conn);
		if (n <= 0)
			return n;
	}
	n = min(want, rx_staged(conn));
	if (cohort_buf_populate(conn->rx_buf, conn->rx_off + n,
				GFP_KERNEL_ACCOUNT))
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
	/* A throttled connection is kicked by its tx worker instead. */
	if (!test_bit(COHORT_CONN_CLOSING, &conn->flags) &&
	    !test_bit(COHORT_CONN_RX_THROTTLED, &conn->flags) &&
	    !test_bit(COHORT_CONN_RX_WAITMEM, &conn->flags) &&
	    rx_has_data(conn))
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
		/* A payload that waited for room in flight. */
		if (conn->rx_have == COHORT_WIRE_HDR_LEN && conn->rx_hdr.len &&
		    !conn->rx_buf) {
			n = rx_payload_buf(conn);
			if (n <= 0)
				return n ? RX_STOPPED : RX_IDLE;
			continue;
		}
		if (conn->rx_have < COHORT_WIRE_HDR_LEN) {
			if (!conn->rx_have && !rx_staged(conn) &&
			    !rx_pending(conn->sk))
				return RX_IDLE;
			/*
			 * Back-pressure: no new frame while our answers are
			 * not read (the tx worker kicks us again); a caller
			 * still takes the answers it waits for.
			 */
			if (!done && !conn->rx_have && cohort_conn_tx_full(conn))
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
		conn->rx_progress += n;
		budget -= min_t(size_t, budget, n);
		if (conn->rx_have < COHORT_WIRE_HDR_LEN) {
			conn->rx_have += n;
			if (conn->rx_have < COHORT_WIRE_HDR_LEN)
				continue;
			n = rx_header(conn);
			if (n < 0)
				return RX_STOPPED;
			if (done && !(conn->rx_hdr.flags & COHORT_F_RESPONSE))
				return RX_HANDOFF;
			if (!n)
				return RX_IDLE;		/* waits for room */
			if (conn->rx_hdr.len)
				continue;
		} else if (in_payload) {
			if (conn->rx_streamed) {
				/* MAC the ciphertext, then decrypt it in place */
				cohort_mac_pages(&conn->rx_mac, conn->rx_buf,
						 conn->rx_off, n, conn->encrypt);
				if (conn->encrypt)
					cohort_crypt_pages(&conn->rx_crypt,
							   conn->rx_buf,
							   conn->rx_off,
							   conn->rx_buf,
							   conn->rx_off, n);
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
		if (!conn->rx_streamed && conn->rx.authenticated) {
			if (!header_mac_ok(conn, conn->rx_buf)) {
				bad_mac(conn);
				return RX_STOPPED;
			}
			if (conn->encrypt && conn->rx_buf)
				decrypt_frame(conn, conn->rx_buf);
		}
		frame_complete(conn);
		/* Time spent handling the frame is not the peer's silence. */
		WRITE_ONCE(conn->last_rx, jiffies);
	}
	return RX_STOPPED;
}

void cohort_rx_work_fn(struct work_struct *work)
{
	struct cohort_conn *conn = container_of(work, struct cohort_conn,
						rx_work);

	mutex_lock(&conn->rx_mutex);
	clear_bit(COHORT_CONN_RX_HANDOFF, &conn->flags);
	if (conn->sock && rx_run(conn, NULL) == RX_STOPPED &&
	    !test_bit(COHORT_CONN_CLOSING, &conn->flags))
		cohort_conn_kick_rx(conn);			/* budget spent */
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
			unsigned long before = conn->rx_progress;
			bool progress;

			__set_current_state(TASK_RUNNING);
			if (conn->sock && rx_run(conn, done) == RX_HANDOFF) {
				set_bit(COHORT_CONN_RX_HANDOFF, &conn->flags);
				cohort_conn_kick_rx(conn);
			}
			progress = conn->rx_progress != before;
			rx_unlock(conn);
			/*
			 * Read nothing though it looked like data: sleep a
			 * tick (or until woken) rather than spin on it.
			 */
			if (!progress && !READ_ONCE(*done)) {
				set_current_state(TASK_KILLABLE);
				schedule_timeout(1);
			}
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
