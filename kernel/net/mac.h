/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_MAC_H
#define _COHORT_MAC_H

#include <linux/bits.h>
#include <linux/types.h>
#include <crypto/chacha.h>
#include <crypto/poly1305.h>

#include "wire.h"

struct cohort_buf;

/*
 * Frames after the handshake carry a ChaCha20-Poly1305 tag (RFC 8439):
 * the AEAD of the frame with an empty ciphertext, the header and payload
 * as associated data; on an encrypted link the payload is the AEAD's
 * ciphertext instead (ChaCha20 from block 1 of the same nonce). Every
 * frame with sequence number S uses the nonce part || S (part
 * COHORT_MAC_PART_FRAME for a frame's header tag, COHORT_MAC_PART_TRAILER
 * for a streamed frame's trailer) under its direction's key; the key
 * ratchets forward every COHORT_REKEY_FRAMES frames (cohort_mac_key_for),
 * so that no nonce is used twice under one key. See Documentation/wire-protocol.md.
 */
#define COHORT_MAC_PART_FRAME	0
#define COHORT_MAC_PART_TRAILER	1
#define COHORT_REKEY_SHIFT	32
#define COHORT_REKEY_FRAMES	BIT_ULL(COHORT_REKEY_SHIFT)

/**
 * struct cohort_mac_key - one direction's frame key
 * @k: the ChaCha20 key, as CPU-order words
 * @epoch: how many times it has ratcheted (seq >> COHORT_REKEY_SHIFT)
 */
struct cohort_mac_key {
	u32 k[CHACHA_KEY_SIZE / sizeof(u32)];
	u64 epoch;
};

/**
 * struct cohort_mac_run - a tag being computed over bytes as they move
 * @poly: Poly1305 under the frame's one-time key
 * @aad: associated data bytes so far (for the padding and lengths)
 * @ct: ciphertext bytes so far (encrypted links only; after all @aad)
 */
struct cohort_mac_run {
	struct poly1305_desc_ctx poly;
	u64 aad;
	u64 ct;
};

/**
 * struct cohort_crypt - ChaCha20 of a payload, in pieces of any size
 * @state: the cipher state; its block counter starts at 1 (block 0 gave
 *	the Poly1305 key of the same nonce)
 * @ks: keystream of the last block, when a piece ended inside it
 * @ks_left: unused bytes at the end of @ks
 */
struct cohort_crypt {
	u32 state[CHACHA_STATE_WORDS];
	u8 ks[CHACHA_BLOCK_SIZE];
	unsigned int ks_left;
};

void cohort_mac_key_set(struct cohort_mac_key *k, const u8 *raw);
int cohort_mac_key_for(struct cohort_mac_key *k, u64 seq);
void cohort_mac_key_wipe(struct cohort_mac_key *k);
void cohort_mac_begin(struct cohort_mac_run *r, const struct cohort_mac_key *k,
		      u32 part, u64 seq);
void cohort_mac_add(struct cohort_mac_run *r, const void *p, size_t len);
void cohort_mac_add_ct(struct cohort_mac_run *r, const void *p, size_t len);
void cohort_mac_pages(struct cohort_mac_run *r, const struct cohort_buf *buf,
		      size_t off, size_t len, bool ct);
void cohort_mac_end(struct cohort_mac_run *r, u8 out[COHORT_WIRE_MAC_LEN]);
void cohort_mac_frame(const struct cohort_mac_key *k, u64 seq, const u8 *hdr,
		      const struct cohort_buf *buf, bool ct,
		      u8 out[COHORT_WIRE_MAC_LEN]);
void cohort_crypt_begin(struct cohort_crypt *c, const struct cohort_mac_key *k,
			u32 part, u64 seq);
void cohort_crypt(struct cohort_crypt *c, u8 *dst, const u8 *src, size_t len);
void cohort_crypt_pages(struct cohort_crypt *c, struct cohort_buf *dst,
			size_t doff, const struct cohort_buf *src, size_t soff,
			size_t len);
void cohort_crypt_end(struct cohort_crypt *c);
const char *cohort_mac_name(bool up);
int cohort_mac_selftest(char *report, size_t len);

#endif /* _COHORT_MAC_H */
