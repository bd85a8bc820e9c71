/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_CONN_H
#define _COHORT_CONN_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/socket.h>
#include <crypto/sha2.h>

#include <linux/cohort.h>

#include "auth.h"
#include "mac.h"
#include "wire.h"

struct cohort_net;
struct cohort_peer;
struct cohort_buf;
struct socket;
struct sock;

#define COHORT_BACKOFF_MIN_MS	100	/* first reconnect delay */
#define COHORT_RX_STAGE		(8 << 10)	/* staging buffer for small frames */
#define COHORT_RX_STAGE_HS	128	/* the same before authentication */
#define COHORT_HS_TIMEOUT	(2 * HZ)	/* to authenticate, at most */
#define COHORT_HS_PER_ADDR	4	/* unauthenticated, from one address */

/* The module's workqueue: every connection's and instance's work. */
extern struct workqueue_struct *cohort_wq;

/* A frame queued for the tx worker (send.c); under conn->tx_lock. */
struct cohort_txframe {
	struct list_head list;
	struct cohort_hdr hdr;
	struct cohort_buf *buf;
};

/* conn->flags bits */
#define COHORT_CONN_CLOSING	0	/* closed, release queued */
#define COHORT_CONN_UP		1	/* handshake complete */
#define COHORT_CONN_NOTIFY_DOWN	2	/* its peer went down with it */
#define COHORT_CONN_RX_HANDOFF	3	/* a caller left a frame to rx_work */
#define COHORT_CONN_HS_COUNTED	4	/* in cn->handshakes (accepted, not up) */
#define COHORT_CONN_RX_THROTTLED 5	/* not read: too much waits to be sent */
#define COHORT_CONN_RX_WAITMEM	6	/* a payload waits for room in flight */

/*
 * Back-pressure: while more than this waits in a connection's send queue
 * (frames queued or being sent, payloads counted in whole pages), its
 * rx worker reads no new frame; it reads again below half of each.
 */
#define COHORT_TXQ_BYTES_MAX	(16u << 20)
#define COHORT_TXQ_FRAMES_MAX	1024

/**
 * struct cohort_conn - one TCP connection to a peer
 * @cn: the node instance; constant
 * @sock: the socket; constant until release, which clears it under
 *	@tx_mutex
 * @sk: the socket's sock, with a reference held until the connection is
 *	freed; constant
 * @ref: references (the instance's list, the peer, queued work)
 * @list: in cn->conns, under cn->conns_lock
 * @peer: the peer, with a reference; set at creation for outgoing
 *	connections, by the HELLO for accepted ones; written by the under
 *	@rx_mutex, before %COHORT_CONN_UP
 * @flags: %COHORT_CONN_CLOSING, %COHORT_CONN_UP
 * @outgoing: we connected (we have the lower id)
 * @self: our node id; constant (snapshot of the configuration)
 * @cluster_id: constant
 * @key: cluster key; constant, wiped when the connection is freed
 * @keylen: constant
 * @dead_timeout_ms: constant
 * @encrypt: payloads are encrypted on this link (the cluster setting when
 *	it was made; the peer's HELLO must say the same); constant
 * @hs_state: handshake progress; under @rx_mutex
 * @my_nonce: our handshake nonce; constant
 * @peer_nonce: the peer's nonce; under @rx_mutex
 * @opts: the HELLO options byte both ends sent; under @rx_mutex, then
 *	constant once %COHORT_CONN_UP
 * @tx_key: the key of the frames we send; set before %COHORT_CONN_UP,
 *	then under @tx_mutex (it ratchets)
 * @rx_key: the key of the frames we receive; set before
 *	%COHORT_CONN_UP, then under @rx_mutex
 * @rx: receive expectations; under @rx_mutex
 * @rx_raw: header bytes received so far; under @rx_mutex
 * @rx_have: bytes in @rx_raw; under @rx_mutex
 * @rx_hdr: decoded header of the frame being received; under @rx_mutex
 * @rx_buf: its payload; under @rx_mutex
 * @rx_off: payload bytes received; under @rx_mutex
 * @rx_streamed: the frame being received is streamed (has a trailer);
 *	under @rx_mutex
 * @rx_trailer: trailer bytes received so far; under @rx_mutex
 * @rx_tlen: bytes in @rx_trailer; under @rx_mutex
 * @rx_stage: staging buffer for small frames: @rx_stage_hs until the
 *	peer has authenticated, then COHORT_RX_STAGE bytes allocated for it;
 *	under @rx_mutex
 * @rx_stage_size: its size; under @rx_mutex
 * @rx_stage_hs: the small one of the handshake (so that a connection
 *	nobody has authenticated holds no more than its own struct)
 * @rx_stage_off: staged bytes consumed; written under @rx_mutex
 *	(WRITE_ONCE), read locklessly as a hint
 * @rx_stage_len: bytes staged; likewise
 * @rx_charged: what the frame being received is charged to its
 *	instance's bytes in flight; under @rx_mutex
 * @rx_progress: bytes the receive path has read, ever; written under
 *	@rx_mutex (a caller that read none sleeps instead of trying again)
 * @rx_mac: the running trailer MAC of a streamed frame; under @rx_mutex
 * @rx_crypt: the cipher of a streamed frame's payload on an encrypted
 *	link; under @rx_mutex
 * @last_rx: jiffies of the last complete frame; WRITE_ONCE/READ_ONCE
 * @last_tx: jiffies of the last bytes the socket took from us; likewise
 *	(while %COHORT_CONN_RX_THROTTLED, the peer reading is its life)
 * @created: jiffies at creation; constant
 * @raddr: the peer's address (accepted connections); constant
 * @reap: in the heartbeat worker's list of connections to close
 * @tx_lock: protects @txq, @tx_bytes and @tx_frames
 * @txq: frames waiting to be sent
 * @tx_bytes: what the frames of @txq and the one being sent from it hold
 *	(payloads in whole pages, plus the frame itself)
 * @tx_frames: how many they are
 * @tx_mutex: held while a frame goes out (tx worker, or a small frame
 *	sent inline by its sender); orders sequence numbers and sends
 * @tx_seq: sequence number of the last authenticated frame sent; under
 *	@tx_mutex
 * @tx_ct: on an encrypted link, where payloads are encrypted before they
 *	are sent (COHORT_WIRE_STREAM_MIN bytes: a whole unstreamed payload,
 *	or one piece of a streamed one); allocated once authenticated,
 *	before %COHORT_CONN_UP, then used under @tx_mutex
 * @rx_mutex: held by whoever runs the receive path: the rx worker, or a
 *	caller waiting for an answer (cohort_conn_await); taken before
 *	@tx_mutex
 * @handlers: handlers that may call (rpc.c) running for requests that
 *	came on this connection; atomic
 * @rx_callers: callers in cohort_conn_await on this connection
 * @rx_wait: where they sleep; data_ready wakes one of them (instead of
 *	queueing @rx_work) while there are any
 * @rx_work: receives (queued by data_ready, or by a caller for a frame
 *	that is not an answer)
 * @tx_work: sends @txq
 * @release_work: tears the connection down after close
 * @saved_data_ready: the socket's callback before ours; constant
 * @saved_state_change: likewise
 * @reason: why it was closed; set once by the closer
 */
struct cohort_conn {
	struct cohort_net *cn;
	struct socket *sock;
	struct sock *sk;
	struct kref ref;
	struct list_head list;
	struct cohort_peer *peer;
	unsigned long flags;
	bool outgoing;
	u16 self;
	u32 cluster_id;
	u8 key[COHORT_KEY_MAX];
	unsigned int keylen;
	u32 dead_timeout_ms;
	bool encrypt;
	int hs_state;
	u8 my_nonce[COHORT_NONCE_LEN];
	u8 peer_nonce[COHORT_NONCE_LEN];
	u8 opts;
	struct cohort_mac_key tx_key;
	struct cohort_mac_key rx_key;
	struct cohort_wire_rx rx;
	u8 rx_raw[COHORT_WIRE_HDR_LEN];
	size_t rx_have;
	struct cohort_hdr rx_hdr;
	struct cohort_buf *rx_buf;
	size_t rx_off;
	bool rx_streamed;
	u8 rx_trailer[COHORT_WIRE_MAC_LEN];
	size_t rx_tlen;
	u8 *rx_stage;
	size_t rx_stage_size;
	u8 rx_stage_hs[COHORT_RX_STAGE_HS];
	size_t rx_stage_off;
	size_t rx_stage_len;
	size_t rx_charged;
	unsigned long rx_progress;
	struct cohort_mac_run rx_mac;
	struct cohort_crypt rx_crypt;
	unsigned long last_rx;
	unsigned long last_tx;
	unsigned long created;
	struct sockaddr_storage raddr;
	struct list_head reap;
	spinlock_t tx_lock;		/* see above */
	struct list_head txq;
	size_t tx_bytes;
	unsigned int tx_frames;
	struct mutex tx_mutex;		/* see above */
	u64 tx_seq;
	struct cohort_buf *tx_ct;
	struct mutex rx_mutex;		/* see above */
	atomic_t handlers;
	atomic_t rx_callers;
	wait_queue_head_t rx_wait;
	struct work_struct rx_work;
	struct work_struct tx_work;
	struct work_struct release_work;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	const char *reason;
};

/*
 * Whether the connection is up: read with acquire ordering, paired with
 * the release that publishes it (conn_up), so that whoever sees it up
 * sees its keys and buffers set.
 */
static inline bool cohort_conn_is_up(const struct cohort_conn *conn)
{
	return test_bit_acquire(COHORT_CONN_UP, &conn->flags);
}

int cohort_transport_init(void);
void cohort_transport_exit(void);
void cohort_transport_net_init(struct cohort_net *cn);
void cohort_transport_net_stop(struct cohort_net *cn);
void cohort_transport_reconfigure(struct cohort_net *cn, bool reset);
void cohort_transport_peer_init(struct cohort_peer *peer);
void cohort_transport_peer_removed(struct cohort_peer *peer);
void cohort_conn_close(struct cohort_conn *conn, const char *reason);
void cohort_conn_put(struct cohort_conn *conn);
struct cohort_conn *cohort_peer_conn_get(struct cohort_peer *peer);
int cohort_conn_send(struct cohort_conn *conn, u8 type, u16 flags,
		     u64 req_id, struct cohort_buf *buf);
/* Between the files of the transport (conn.c, send.c, receive.c, handshake.c) */
void cohort_conn_count_error(struct cohort_conn *conn, enum cohort_wire_err e);
void cohort_conn_heartbeat(struct cohort_conn *conn,
			   const struct cohort_hdr *h, struct cohort_buf *buf);
void cohort_conn_data_ready(struct sock *sk);
void cohort_conn_state_change(struct sock *sk);
void cohort_conn_kick_rx(struct cohort_conn *conn);
bool cohort_conn_tx_full(struct cohort_conn *conn);
bool cohort_inflight_charge(struct cohort_net *cn, size_t bytes);
void cohort_inflight_uncharge(struct cohort_net *cn, size_t bytes);
extern unsigned int cohort_inflight_max_mb;
size_t cohort_txframe_cost(const struct cohort_txframe *f);
int cohort_conn_authenticated(struct cohort_conn *conn);
bool cohort_addr_equal(const struct sockaddr_storage *a,
		       const struct sockaddr_storage *b);
extern unsigned int cohort_handshakes_max;
void cohort_rx_work_fn(struct work_struct *work);
void cohort_tx_work_fn(struct work_struct *work);
int cohort_hs_send_hello(struct cohort_conn *conn);
void cohort_hs_hello(struct cohort_conn *conn, const struct cohort_hdr *h,
		     struct cohort_buf *buf);
void cohort_hs_auth(struct cohort_conn *conn, struct cohort_buf *buf);
void cohort_hs_failed(struct cohort_conn *conn, enum cohort_wire_err e,
		      const char *why);
extern u64 cohort_seq_start;
long cohort_conn_await(struct cohort_conn *conn, const bool *done,
		       long timeout);
extern const u32 *cohort_msg_max_len;

#endif /* _COHORT_CONN_H */
