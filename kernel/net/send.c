// SPDX-License-Identifier: GPL-2.0
/*
 * The send path: frames are queued for the connection's tx worker
 * (blocking sends bounded by the socket's send timeout), or sent inline by
 * their sender when nothing is queued and the socket has room. Sequence
 * numbers and MACs are given under tx_mutex, so frames leave in order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <net/sock.h>

#include "buf.h"
#include "conn.h"
#include "node.h"

#define INLINE_MAX	(16 << 10)	/* largest frame sent inline */

/* Send @len bytes from @kv, all or an error. */
static int send_kvec(struct cohort_conn *conn, struct kvec *kv, int n,
		     size_t len, bool more)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0) };
	int err = kernel_sendmsg(conn->sock, &msg, kv, n, len);

	return err == len ? 0 : err < 0 ? err : -EIO;
}

/*
 * On an encrypted link, encrypt @len bytes of @buf from @off into the
 * connection's ciphertext buffer, from its start: the view to send.
 */
static struct cohort_buf *encrypt_into(struct cohort_conn *conn,
				       struct cohort_crypt *c,
				       const struct cohort_buf *buf,
				       size_t off, size_t len)
{
	struct cohort_buf *ct = conn->tx_ct;

	lockdep_assert_held(&conn->tx_mutex);
	cohort_crypt_pages(c, ct, 0, buf, off, len);
	ct->len = len;
	return ct;
}

/*
 * Put one frame on the wire. Authenticated frames get the next sequence
 * number and their MAC here, under tx_mutex, so that they leave in
 * sequence order. A frame whose payload fits in a page goes out in one
 * sendmsg; a larger one as its header and then up to 16 pages at a time.
 * A streamed frame is MACed run by run while it is sent, its trailer last.
 * On an encrypted link the payload goes out as ciphertext made in
 * conn->tx_ct (the caller's buffer is shared and never changes): all of
 * it before the header tag, or a streamed frame's piece by piece.
 */
static int send_frame(struct cohort_conn *conn, struct cohort_txframe *f)
{
	u8 raw[COHORT_WIRE_HDR_LEN], trailer[COHORT_WIRE_MAC_LEN];
	struct cohort_buf *buf = f->buf, *out = f->buf;
	bool streamed = cohort_wire_streamed(&f->hdr);
	bool auth = f->hdr.type != COHORT_MSG_HELLO &&
		    f->hdr.type != COHORT_MSG_AUTH;
	bool enc = auth && conn->encrypt && buf && buf->len;
	struct cohort_mac_run run;
	struct cohort_crypt cr;
	struct kvec kv[2] = { { .iov_base = raw, .iov_len = sizeof(raw) } };
	struct bio_vec bv[16];
	size_t off = 0;
	int err;

	lockdep_assert_held(&conn->tx_mutex);
	if (auth) {
		/* A nonce is never reused: the connection ends first. */
		if (conn->tx_seq == U64_MAX)
			return -EOVERFLOW;
		f->hdr.seq = ++conn->tx_seq;
		err = cohort_mac_key_for(&conn->tx_key, f->hdr.seq);
		if (err < 0)
			return err;
		if (err)
			atomic64_add(err, &conn->cn->rekeys);
		if (enc && !streamed) {
			cohort_crypt_begin(&cr, &conn->tx_key,
					   COHORT_MAC_PART_FRAME, f->hdr.seq);
			out = encrypt_into(conn, &cr, buf, 0, buf->len);
			cohort_crypt_end(&cr);
		}
		memset(f->hdr.mac, 0, sizeof(f->hdr.mac));
		cohort_hdr_encode(raw, &f->hdr);
		cohort_mac_frame(&conn->tx_key, f->hdr.seq, raw,
				 streamed ? NULL : out, enc, f->hdr.mac);
	}
	cohort_hdr_encode(raw, &f->hdr);
	if (streamed) {
		cohort_mac_begin(&run, &conn->tx_key, COHORT_MAC_PART_TRAILER,
				 f->hdr.seq);
		cohort_mac_add(&run, raw, sizeof(raw));
		if (enc)
			cohort_crypt_begin(&cr, &conn->tx_key,
					   COHORT_MAC_PART_TRAILER, f->hdr.seq);
	}
	if (out && out->len <= PAGE_SIZE) {
		kv[1].iov_base = kmap_local_page(out->pages[0]);
		kv[1].iov_len = out->len;
		err = send_kvec(conn, kv, 2, sizeof(raw) + out->len, false);
		kunmap_local(kv[1].iov_base);
		off = out->len;
	} else {
		err = send_kvec(conn, kv, 1, sizeof(raw), buf);
	}
	while (!err && buf && off < buf->len) {
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | MSG_MORE };
		struct cohort_buf *src = out;
		size_t chunk, soff = off;
		int n = cohort_buf_bvec(buf, off, bv, ARRAY_SIZE(bv), &chunk);

		if (enc && streamed) {
			/* off is page aligned: the piece fills tx_ct's pages. */
			src = encrypt_into(conn, &cr, buf, off, chunk);
			soff = 0;
			n = cohort_buf_bvec(src, 0, bv, ARRAY_SIZE(bv), &chunk);
		} else if (src != buf) {
			n = cohort_buf_bvec(src, off, bv, ARRAY_SIZE(bv), &chunk);
		}
		if (off + chunk == buf->len && !streamed)
			msg.msg_flags &= ~MSG_MORE;
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, chunk);
		/* Copied into the socket's buffers: tx_ct may be reused. */
		err = sock_sendmsg(conn->sock, &msg);
		err = err == chunk ? 0 : err < 0 ? err : -EIO;
		WRITE_ONCE(conn->last_tx, jiffies);
		/* MAC what is already on its way while the NIC sends it. */
		if (!err && streamed)
			cohort_mac_pages(&run, src, soff, chunk, enc);
		off += chunk;
	}
	if (streamed) {
		if (enc)
			cohort_crypt_end(&cr);
		cohort_mac_end(&run, trailer);		/* wipes run */
		kv[0].iov_base = trailer;
		kv[0].iov_len = sizeof(trailer);
		if (!err)
			err = send_kvec(conn, kv, 1, sizeof(trailer), false);
	}
	if (err)
		return err;
	WRITE_ONCE(conn->last_tx, jiffies);
	if (conn->peer) {
		atomic64_inc(&conn->peer->stats[COHORT_STAT_MSGS_TX]);
		atomic64_add(sizeof(raw) + (buf ? buf->len : 0) +
			     (streamed ? sizeof(trailer) : 0),
			     &conn->peer->stats[COHORT_STAT_BYTES_TX]);
	}
	return 0;
}

/* What a queued frame holds: payload in whole pages, and the frame. */
size_t cohort_txframe_cost(const struct cohort_txframe *f)
{
	return sizeof(*f) + (f->buf ? PAGE_ALIGN(f->buf->len) : 0);
}

/*
 * Whether the send queue is over its limits: the receive path then reads
 * no new frame (its answers would only queue more) and says so with
 * %COHORT_CONN_RX_THROTTLED, so that the tx worker wakes it below half.
 */
bool cohort_conn_tx_full(struct cohort_conn *conn)
{
	bool full;

	spin_lock_bh(&conn->tx_lock);
	full = conn->tx_bytes > COHORT_TXQ_BYTES_MAX ||
	       conn->tx_frames > COHORT_TXQ_FRAMES_MAX;
	if (full && !test_and_set_bit(COHORT_CONN_RX_THROTTLED, &conn->flags))
		atomic64_inc(&conn->cn->rx_throttled);
	spin_unlock_bh(&conn->tx_lock);
	return full;
}

/* A queued frame is sent (or dropped): uncount it, maybe resume reading. */
static void frame_done(struct cohort_conn *conn, struct cohort_txframe *f)
{
	bool resume = false;

	spin_lock_bh(&conn->tx_lock);
	conn->tx_bytes -= cohort_txframe_cost(f);
	conn->tx_frames--;
	cohort_inflight_uncharge(conn->cn, cohort_txframe_cost(f));
	if (test_bit(COHORT_CONN_RX_THROTTLED, &conn->flags) &&
	    conn->tx_bytes <= COHORT_TXQ_BYTES_MAX / 2 &&
	    conn->tx_frames <= COHORT_TXQ_FRAMES_MAX / 2) {
		clear_bit(COHORT_CONN_RX_THROTTLED, &conn->flags);
		resume = true;
	}
	spin_unlock_bh(&conn->tx_lock);
	if (resume) {
		/* Its silence while unread was ours, not the peer's. */
		WRITE_ONCE(conn->last_rx, jiffies);
		cohort_conn_kick_rx(conn);
	}
}

void cohort_tx_work_fn(struct work_struct *work)
{
	struct cohort_conn *conn = container_of(work, struct cohort_conn,
						tx_work);
	struct cohort_txframe *f;
	int err;

	for (;;) {
		if (test_bit(COHORT_CONN_CLOSING, &conn->flags))
			return;
		mutex_lock(&conn->tx_mutex);
		spin_lock_bh(&conn->tx_lock);
		f = list_first_entry_or_null(&conn->txq, struct cohort_txframe, list);
		if (f)
			list_del(&f->list);
		spin_unlock_bh(&conn->tx_lock);
		err = f ? send_frame(conn, f) : 0;
		mutex_unlock(&conn->tx_mutex);
		if (!f)
			return;
		frame_done(conn, f);
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
static bool send_inline(struct cohort_conn *conn, struct cohort_txframe *f)
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
	struct cohort_txframe tmp = {
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
	struct cohort_txframe *f;

	if (test_bit(COHORT_CONN_CLOSING, &conn->flags))
		return -EHOSTDOWN;
	if (!handshake && !cohort_conn_is_up(conn))
		return -EHOSTDOWN;
	if (send_inline(conn, &tmp))
		return 0;
	f = kmemdup(&tmp, sizeof(tmp), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	spin_lock_bh(&conn->tx_lock);
	if (test_bit(COHORT_CONN_CLOSING, &conn->flags)) {
		spin_unlock_bh(&conn->tx_lock);
		kfree(f);
		return -EHOSTDOWN;
	}
	f->buf = buf ? cohort_buf_get(buf) : NULL;
	conn->tx_bytes += cohort_txframe_cost(f);
	conn->tx_frames++;
	/* Sent frames always queue; receiving waits while over the cap. */
	atomic_long_add(cohort_txframe_cost(f), &conn->cn->inflight);
	list_add_tail(&f->list, &conn->txq);
	queue_work(cohort_wq, &conn->tx_work);
	spin_unlock_bh(&conn->tx_lock);
	return 0;
}
