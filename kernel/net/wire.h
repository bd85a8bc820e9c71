/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cohort wire format: a fixed header of big-endian fields before every
 * message, and the checks every received header passes before anything
 * else looks at it. Pure C with no kernel dependency beyond fixed-size
 * types, so the host-side unit tests and fuzzer build it as it is.
 *
 * Protocol versions (COHORT_PROTO_VERSION in uapi/linux/cohort.h):
 *   1 - first version: HELLO/AUTH handshake with HMAC-SHA256
 *       challenge-response, truncated HMAC-SHA256 on every later frame,
 *       per-direction sequence numbers from 1, HEARTBEAT, ECHO.
 *   2 - streamed frames: a payload over COHORT_WIRE_STREAM_MIN bytes is
 *       authenticated by a header MAC over the header alone (checked
 *       before the receiver allocates anything for the payload) and a
 *       trailer MAC after the payload, so both ends MAC while the bytes
 *       move instead of before and after. The frame MAC's hash is chosen
 *       in the handshake: each HELLO names the sender's preferred
 *       enum cohort_mac_alg; when both name the same one it is used, else
 *       HMAC-SHA256. The choice is bound into the session key.
 *   3 - small frames (not streamed, payload at most COHORT_WIRE_MAC_SMALL
 *       bytes) are always MACed with HMAC-SHA256, whatever the link's
 *       frame MAC: for short messages it costs less than HMAC-BLAKE2b,
 *       which still MACs larger frames where it is chosen.
 *   4 - the frame MAC is ChaCha20-Poly1305 (RFC 8439) under one key per
 *       direction, with nonce part | seq (net/mac.c); the key ratchets
 *       forward every 2^32 frames. The HELLO's MAC preference byte is now
 *       an options byte (COHORT_HELLO_OPTS; both ends must send the same),
 *       bound into the session keys. Its bit COHORT_HELLO_OPT_ENCRYPT
 *       makes payloads the AEAD's ciphertext (same frames otherwise).
 */
#ifndef _COHORT_WIRE_H
#define _COHORT_WIRE_H

#ifdef __KERNEL__
#include <linux/types.h>
#endif
/* Userspace includers define u8, u16, u32 and u64 first (ktypes.h). */

#define COHORT_WIRE_MAGIC	0x434f4854u	/* "COHT" */
#define COHORT_WIRE_MAC_LEN	16		/* Poly1305 tag */
#define COHORT_WIRE_HDR_LEN	48
#define COHORT_NONCE_LEN	32
#define COHORT_WIRE_STREAM_MIN	(64u << 10)	/* larger payloads stream */

/* Message types. Values are part of the wire protocol: never reuse one. */
enum cohort_msg_type {
	COHORT_MSG_HELLO = 1,		/* handshake, unauthenticated */
	COHORT_MSG_AUTH = 2,		/* handshake proof */
	COHORT_MSG_HEARTBEAT = 3,
	COHORT_MSG_ECHO = 4,		/* test and benchmark RPC */
	COHORT_MSG_MIG_BEGIN = 5,	/* migration: reserve (kernel/proc/migrate.c) */
	COHORT_MSG_MIG_DATA = 6,	/* migration: a piece of the image */
	COHORT_MSG_MIG_RESTORE = 7,	/* migration: restore it, answer when ready */
	COHORT_MSG_MIG_COMMIT = 8,	/* migration: let it run there */
	COHORT_MSG_MIG_ABORT = 9,	/* migration: give it up */
	COHORT_MSG_MIG_LIST = 10,	/* the processes running here from elsewhere */
	COHORT_MSG_DEP_SIGNAL = 11,	/* deputy: a signal for its process */
	COHORT_MSG_DEP_EXIT = 12,	/* to a deputy: its process ended so */
	COHORT_MSG_DEP_MOVED = 13,	/* to a deputy: its process moved on */
	COHORT_MSG_TEST_ERR = 61,	/* test build only: answers an error */
	COHORT_MSG_TEST_NEST = 62,	/* test build only: a handler that calls */
	COHORT_MSG_TYPE_MAX = 64,	/* table size; types are below it */
};

/*
 * HELLO byte 40: options, which both ends must send alike. Bit 0: the
 * sender encrypts payloads (cluster setting encrypt). No other bit is
 * defined; a HELLO with one set is refused.
 */
#define COHORT_HELLO_OPTS	0
#define COHORT_HELLO_OPT_ENCRYPT	0x01
#define COHORT_HELLO_OPTS_KNOWN	COHORT_HELLO_OPT_ENCRYPT

/* Header flags. */
#define COHORT_F_RESPONSE	0x0001	/* answers the request with req_id */
#define COHORT_F_ERROR		0x0002	/* response payload is a be32 errno */
#define COHORT_F_ALL		(COHORT_F_RESPONSE | COHORT_F_ERROR)

/*
 * On the wire, in this order, all big-endian, 48 bytes:
 *   u32 magic, u8 version, u8 type, u16 flags, u32 len (payload bytes),
 *   u16 src node, u16 dst node, u64 seq, u64 req_id, u8 mac[16]
 * The MAC is the ChaCha20-Poly1305 tag (RFC 8439, empty ciphertext) under
 * the sending direction's key and nonce 0 | seq over the header (with the
 * mac field zeroed) and the payload. A streamed frame (payload over
 * COHORT_WIRE_STREAM_MIN) instead has a header MAC over the header alone,
 * and its payload is followed by a 16-byte trailer: the tag under nonce
 * 1 | seq over the header as sent (with its MAC) and the payload.
 * Handshake frames (HELLO, AUTH) carry seq 0 and a zero MAC.
 */
struct cohort_hdr {
	u32 magic;
	u8 version;
	u8 type;
	u16 flags;
	u32 len;
	u16 src;
	u16 dst;
	u64 seq;
	u64 req_id;
	u8 mac[COHORT_WIRE_MAC_LEN];
};

/* Whether a frame with this header is streamed (has a trailer MAC). */
static inline int cohort_wire_streamed(const struct cohort_hdr *h)
{
	return h->len > COHORT_WIRE_STREAM_MIN;
}

/* Why a frame was refused; each is counted. */
enum cohort_wire_err {
	COHORT_WIRE_OK = 0,
	COHORT_WIRE_BAD_MAGIC,
	COHORT_WIRE_BAD_VERSION,
	COHORT_WIRE_BAD_TYPE,
	COHORT_WIRE_BAD_FLAGS,
	COHORT_WIRE_TOO_LONG,
	COHORT_WIRE_BAD_NODE,
	COHORT_WIRE_BAD_SEQ,
	COHORT_WIRE_BAD_MAC,
	COHORT_WIRE_BAD_HANDSHAKE,
	COHORT_WIRE_ERR_MAX,
};

static inline u16 cohort_get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 cohort_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 cohort_get_be64(const u8 *p)
{
	return (u64)cohort_get_be32(p) << 32 | cohort_get_be32(p + 4);
}

static inline void cohort_put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void cohort_put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void cohort_put_be64(u8 *p, u64 v)
{
	cohort_put_be32(p, v >> 32);
	cohort_put_be32(p + 4, (u32)v);
}

/* Encode @h into the 48 bytes at @p. */
static inline void cohort_hdr_encode(u8 *p, const struct cohort_hdr *h)
{
	unsigned int i;

	cohort_put_be32(p, h->magic);
	p[4] = h->version;
	p[5] = h->type;
	cohort_put_be16(p + 6, h->flags);
	cohort_put_be32(p + 8, h->len);
	cohort_put_be16(p + 12, h->src);
	cohort_put_be16(p + 14, h->dst);
	cohort_put_be64(p + 16, h->seq);
	cohort_put_be64(p + 24, h->req_id);
	for (i = 0; i < COHORT_WIRE_MAC_LEN; i++)
		p[32 + i] = h->mac[i];
}

/* Decode the 48 bytes at @p into @h; no check yet. */
static inline void cohort_hdr_decode(struct cohort_hdr *h, const u8 *p)
{
	unsigned int i;

	h->magic = cohort_get_be32(p);
	h->version = p[4];
	h->type = p[5];
	h->flags = cohort_get_be16(p + 6);
	h->len = cohort_get_be32(p + 8);
	h->src = cohort_get_be16(p + 12);
	h->dst = cohort_get_be16(p + 14);
	h->seq = cohort_get_be64(p + 16);
	h->req_id = cohort_get_be64(p + 24);
	for (i = 0; i < COHORT_WIRE_MAC_LEN; i++)
		h->mac[i] = p[32 + i];
}

/**
 * struct cohort_wire_rx - what the receiver of one connection expects
 * @version: protocol version
 * @self: this node's id (every frame's destination)
 * @peer: the peer's id, or 0 while the handshake has not told it yet
 * @next_seq: sequence number the next authenticated frame must carry
 * @authenticated: the handshake is over
 * @max_len: largest payload accepted per message type, 0 for unknown types
 */
struct cohort_wire_rx {
	u8 version;
	u16 self;
	u16 peer;
	u64 next_seq;
	int authenticated;
	const u32 *max_len;
};

/**
 * cohort_wire_check - check a decoded header before anything else
 * @rx: the connection's expectations
 * @h: the header
 *
 * Everything but the MAC, which needs the payload. Return: COHORT_WIRE_OK
 * or the reason to refuse the frame (and close the connection).
 */
static inline enum cohort_wire_err
cohort_wire_check(const struct cohort_wire_rx *rx, const struct cohort_hdr *h)
{
	int handshake = h->type == COHORT_MSG_HELLO || h->type == COHORT_MSG_AUTH;

	if (h->magic != COHORT_WIRE_MAGIC)
		return COHORT_WIRE_BAD_MAGIC;
	if (h->version != rx->version)
		return COHORT_WIRE_BAD_VERSION;
	if (h->type == 0 || h->type >= COHORT_MSG_TYPE_MAX ||
	    !rx->max_len[h->type])
		return COHORT_WIRE_BAD_TYPE;
	if (h->flags & ~COHORT_F_ALL)
		return COHORT_WIRE_BAD_FLAGS;
	if (h->len > rx->max_len[h->type])
		return COHORT_WIRE_TOO_LONG;
	if (h->dst != rx->self || h->src == 0 ||
	    (rx->peer && h->src != rx->peer))
		return COHORT_WIRE_BAD_NODE;
	if (handshake == rx->authenticated)
		return COHORT_WIRE_BAD_HANDSHAKE;
	if (handshake ? h->seq != 0 : h->seq != rx->next_seq)
		return COHORT_WIRE_BAD_SEQ;
	return COHORT_WIRE_OK;
}

#endif /* _COHORT_WIRE_H */
