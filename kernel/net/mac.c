// SPDX-License-Identifier: GPL-2.0
/*
 * The frame MAC: ChaCha20-Poly1305 (RFC 8439) with an empty ciphertext.
 * Each frame's one-time Poly1305 key is the first half of the ChaCha20
 * block 0 under its direction's key and the nonce
 *
 *   nonce = le32(part) | le64(seq)          (12 bytes)
 *
 * and the tag is Poly1305 over the associated data (the header with its
 * mac field zeroed, then the payload), zero padding to 16 bytes, le64 of
 * its length and le64(0), the length of the (empty) ciphertext: exactly
 * the RFC's AEAD construction. On an encrypted link the payload is
 * ciphertext instead: ChaCha20 under the same key and nonce from block
 * counter 1, the tag over the header as associated data (48 bytes, so no
 * padding), then the ciphertext, its padding and both lengths: the RFC's
 * AEAD with a non-empty ciphertext. A streamed frame's header tag covers
 * the header alone (part 0); its trailer (part 1) covers the header as
 * sent and the payload (encrypted under part 1's nonce when encrypting).
 * Part 2 ratchets the key: every COHORT_REKEY_FRAMES frames the key
 * becomes the first 32 bytes of its own ChaCha20 block 0 under nonce
 * le32(2) | le64(epoch), and the old one is wiped.
 *
 * Only the kernel's exported ChaCha20 and Poly1305 library functions are
 * used (on Debian's kernels, the x86-64 modules chacha-x86_64 and
 * poly1305-x86_64, loaded before cohort by modprobe).
 */
#include <linux/errno.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <crypto/algapi.h>

#include "../compat.h"
#include "buf.h"
#include "mac.h"

#define PART_REKEY	2

static void chacha_block0(const u32 *key, u32 part, u64 seq,
			  u8 out[CHACHA_BLOCK_SIZE])
{
	static const u8 zero[CHACHA_BLOCK_SIZE];
	u32 state[CHACHA_STATE_WORDS];
	u8 iv[CHACHA_IV_SIZE];

	put_unaligned_le32(0, iv);		/* block counter */
	put_unaligned_le32(part, iv + 4);
	put_unaligned_le64(seq, iv + 8);
	chacha_init(state, key, iv);
	chacha_crypt(state, out, zero, CHACHA_BLOCK_SIZE, 20);
	memzero_explicit(state, sizeof(state));
}

/* Set a direction's key from its 32 raw bytes (epoch 0). */
void cohort_mac_key_set(struct cohort_mac_key *k, const u8 *raw)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(k->k); i++)
		k->k[i] = get_unaligned_le32(raw + 4 * i);
	k->epoch = 0;
}

void cohort_mac_key_wipe(struct cohort_mac_key *k)
{
	memzero_explicit(k, sizeof(*k));
}

/*
 * Make @k the key of the frame with sequence number @seq, ratcheting it
 * forward as often as needed. Returns the number of ratchets, or -ESTALE
 * for a frame of an epoch already left (never: sequence numbers only grow).
 */
int cohort_mac_key_for(struct cohort_mac_key *k, u64 seq)
{
	u64 epoch = seq >> COHORT_REKEY_SHIFT;
	u8 block[CHACHA_BLOCK_SIZE];
	int n = 0;

	if (epoch < k->epoch)
		return -ESTALE;
	while (k->epoch < epoch) {
		u64 e = k->epoch;

		chacha_block0(k->k, PART_REKEY, e, block);
		cohort_mac_key_set(k, block);
		k->epoch = e + 1;
		n++;
	}
	memzero_explicit(block, sizeof(block));
	return n;
}

/* Start the tag of frame @seq's @part. */
void cohort_mac_begin(struct cohort_mac_run *r, const struct cohort_mac_key *k,
		      u32 part, u64 seq)
{
	u8 block[CHACHA_BLOCK_SIZE];

	chacha_block0(k->k, part, seq, block);
	poly1305_init(&r->poly, block);		/* the first 32 bytes */
	memzero_explicit(block, sizeof(block));
	r->aad = 0;
	r->ct = 0;
}

static const u8 zero_pad[16];

/* More associated data (all of it comes before any ciphertext). */
void cohort_mac_add(struct cohort_mac_run *r, const void *p, size_t len)
{
	poly1305_update(&r->poly, p, len);
	r->aad += len;
}

/* More ciphertext; the associated data is padded before the first. */
void cohort_mac_add_ct(struct cohort_mac_run *r, const void *p, size_t len)
{
	if (!len)
		return;
	if (!r->ct && r->aad % 16)
		poly1305_update(&r->poly, zero_pad, 16 - r->aad % 16);
	poly1305_update(&r->poly, p, len);
	r->ct += len;
}

/* Bytes [@off, @off + @len) of @buf, as ciphertext if @ct. */
void cohort_mac_pages(struct cohort_mac_run *r, const struct cohort_buf *buf,
		      size_t off, size_t len, bool ct)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - off % PAGE_SIZE);
		u8 *p = kmap_local_page(buf->pages[off / PAGE_SIZE]);

		if (ct)
			cohort_mac_add_ct(r, p + off % PAGE_SIZE, n);
		else
			cohort_mac_add(r, p + off % PAGE_SIZE, n);
		kunmap_local(p);
		off += n;
		len -= n;
	}
}

/* Pad, append the lengths and finish: the tag into @out; wipes @r. */
void cohort_mac_end(struct cohort_mac_run *r, u8 out[COHORT_WIRE_MAC_LEN])
{
	u64 last = r->ct ? r->ct : r->aad;
	u8 lens[16];

	if (last % 16)
		poly1305_update(&r->poly, zero_pad, 16 - last % 16);
	put_unaligned_le64(r->aad, lens);
	put_unaligned_le64(r->ct, lens + 8);
	poly1305_update(&r->poly, lens, sizeof(lens));
	poly1305_final(&r->poly, out);		/* wipes the state */
	r->aad = 0;
	r->ct = 0;
}

/*
 * The header tag of frame @seq: @hdr is the encoded header with its mac
 * field zeroed, @buf the payload (ciphertext if @ct), or NULL (and for a
 * streamed frame).
 */
void cohort_mac_frame(const struct cohort_mac_key *k, u64 seq, const u8 *hdr,
		      const struct cohort_buf *buf, bool ct,
		      u8 out[COHORT_WIRE_MAC_LEN])
{
	struct cohort_mac_run r;

	cohort_mac_begin(&r, k, COHORT_MAC_PART_FRAME, seq);
	cohort_mac_add(&r, hdr, COHORT_WIRE_HDR_LEN);
	if (buf && buf->len)
		cohort_mac_pages(&r, buf, 0, buf->len, ct);
	cohort_mac_end(&r, out);
}

/* ------------------------------------------------------------ cipher */

/* Start the keystream of frame @seq's @part, at block 1. */
void cohort_crypt_begin(struct cohort_crypt *c, const struct cohort_mac_key *k,
			u32 part, u64 seq)
{
	u8 iv[CHACHA_IV_SIZE];

	put_unaligned_le32(1, iv);		/* block 0 keyed the MAC */
	put_unaligned_le32(part, iv + 4);
	put_unaligned_le64(seq, iv + 8);
	chacha_init(c->state, k->k, iv);
	c->ks_left = 0;
}

/*
 * XOR the next @len bytes of keystream into @src, giving @dst (which may
 * be @src). Pieces need not be whole blocks: the rest of a block a piece
 * ended in is kept for the next one.
 */
void cohort_crypt(struct cohort_crypt *c, u8 *dst, const u8 *src, size_t len)
{
	size_t n;

	if (c->ks_left) {
		u8 *ks = c->ks + CHACHA_BLOCK_SIZE - c->ks_left;

		n = min_t(size_t, len, c->ks_left);
		crypto_xor_cpy(dst, src, ks, n);
		c->ks_left -= n;
		dst += n;
		src += n;
		len -= n;
	}
	n = round_down(len, CHACHA_BLOCK_SIZE);
	if (n) {
		chacha_crypt(c->state, dst, src, n, 20);
		dst += n;
		src += n;
		len -= n;
	}
	if (len) {
		memset(c->ks, 0, sizeof(c->ks));
		chacha_crypt(c->state, c->ks, c->ks, sizeof(c->ks), 20);
		crypto_xor_cpy(dst, src, c->ks, len);
		c->ks_left = CHACHA_BLOCK_SIZE - len;
	}
}

/* cohort_crypt() of @src's bytes from @soff into @dst's from @doff. */
void cohort_crypt_pages(struct cohort_crypt *c, struct cohort_buf *dst,
			size_t doff, const struct cohort_buf *src, size_t soff,
			size_t len)
{
	while (len) {
		size_t n = min3(len, PAGE_SIZE - soff % PAGE_SIZE,
				PAGE_SIZE - doff % PAGE_SIZE);
		u8 *s = kmap_local_page(src->pages[soff / PAGE_SIZE]);
		u8 *d = dst == src && doff / PAGE_SIZE == soff / PAGE_SIZE ?
			s : kmap_local_page(dst->pages[doff / PAGE_SIZE]);

		cohort_crypt(c, d + doff % PAGE_SIZE, s + soff % PAGE_SIZE, n);
		if (d != s)
			kunmap_local(d);
		kunmap_local(s);
		soff += n;
		doff += n;
		len -= n;
	}
}

void cohort_crypt_end(struct cohort_crypt *c)
{
	memzero_explicit(c, sizeof(*c));
}

/* What sysfs calls the frame MAC of a link (@up) or of this node. */
const char *cohort_mac_name(bool up)
{
	return up ? "chacha20-poly1305" : "none";
}

/* ------------------------------------------------------------ self-test */

/*
 * RFC 8439 known answers, checked at load and on demand (the test build's
 * debugfs mac_kat): section 2.6.2 (the one-time key of block 0) and
 * section 2.8.2 (the AEAD tag over its associated data and ciphertext;
 * the construction above with a ciphertext, which a frame does not have,
 * is the same Poly1305 input with the ciphertext in place of nothing).
 */
static const u8 kat_key[32] = {
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
};

/* 2.6.2: nonce 00000000 00010203 04050607 */
static const u8 kat_otk[32] = {
	0x8a, 0xd5, 0xa0, 0x8b, 0x90, 0x5f, 0x81, 0xcc,
	0x81, 0x50, 0x40, 0x27, 0x4a, 0xb2, 0x94, 0x71,
	0xa8, 0x33, 0xb6, 0x37, 0xe3, 0xfd, 0x0d, 0xa5,
	0x08, 0xdb, 0xb8, 0xe2, 0xfd, 0xd1, 0xa6, 0x46,
};

/* 2.8.2: nonce 07000000 40414243 44454647 */
static const u8 kat_aad[12] = {
	0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3,
	0xc4, 0xc5, 0xc6, 0xc7,
};

static const u8 kat_ct[114] = {
	0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb,
	0x7b, 0x86, 0xaf, 0xbc, 0x53, 0xef, 0x7e, 0xc2,
	0xa4, 0xad, 0xed, 0x51, 0x29, 0x6e, 0x08, 0xfe,
	0xa9, 0xe2, 0xb5, 0xa7, 0x36, 0xee, 0x62, 0xd6,
	0x3d, 0xbe, 0xa4, 0x5e, 0x8c, 0xa9, 0x67, 0x12,
	0x82, 0xfa, 0xfb, 0x69, 0xda, 0x92, 0x72, 0x8b,
	0x1a, 0x71, 0xde, 0x0a, 0x9e, 0x06, 0x0b, 0x29,
	0x05, 0xd6, 0xa5, 0xb6, 0x7e, 0xcd, 0x3b, 0x36,
	0x92, 0xdd, 0xbd, 0x7f, 0x2d, 0x77, 0x8b, 0x8c,
	0x98, 0x03, 0xae, 0xe3, 0x28, 0x09, 0x1b, 0x58,
	0xfa, 0xb3, 0x24, 0xe4, 0xfa, 0xd6, 0x75, 0x94,
	0x55, 0x85, 0x80, 0x8b, 0x48, 0x31, 0xd7, 0xbc,
	0x3f, 0xf4, 0xde, 0xf0, 0x8e, 0x4b, 0x7a, 0x9d,
	0xe5, 0x76, 0xd2, 0x65, 0x86, 0xce, 0xc6, 0x4b,
	0x61, 0x16,
};

/* 2.8.2's plaintext: "Ladies and Gentlemen of the class of '99: ..." */
static const u8 kat_pt[114] = {
	0x4c, 0x61, 0x64, 0x69, 0x65, 0x73, 0x20, 0x61,
	0x6e, 0x64, 0x20, 0x47, 0x65, 0x6e, 0x74, 0x6c,
	0x65, 0x6d, 0x65, 0x6e, 0x20, 0x6f, 0x66, 0x20,
	0x74, 0x68, 0x65, 0x20, 0x63, 0x6c, 0x61, 0x73,
	0x73, 0x20, 0x6f, 0x66, 0x20, 0x27, 0x39, 0x39,
	0x3a, 0x20, 0x49, 0x66, 0x20, 0x49, 0x20, 0x63,
	0x6f, 0x75, 0x6c, 0x64, 0x20, 0x6f, 0x66, 0x66,
	0x65, 0x72, 0x20, 0x79, 0x6f, 0x75, 0x20, 0x6f,
	0x6e, 0x6c, 0x79, 0x20, 0x6f, 0x6e, 0x65, 0x20,
	0x74, 0x69, 0x70, 0x20, 0x66, 0x6f, 0x72, 0x20,
	0x74, 0x68, 0x65, 0x20, 0x66, 0x75, 0x74, 0x75,
	0x72, 0x65, 0x2c, 0x20, 0x73, 0x75, 0x6e, 0x73,
	0x63, 0x72, 0x65, 0x65, 0x6e, 0x20, 0x77, 0x6f,
	0x75, 0x6c, 0x64, 0x20, 0x62, 0x65, 0x20, 0x69,
	0x74, 0x2e,
};

static const u8 kat_tag[16] = {
	0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a,
	0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91,
};

/*
 * Run the known-answer tests; with @report, say what each gave. Returns
 * 0 when all hold, -EBADMSG otherwise.
 */
int cohort_mac_selftest(char *report, size_t len)
{
	static const u8 pad[16];
	struct cohort_mac_key k;
	struct cohort_mac_run r;
	struct cohort_crypt c;
	u8 block[CHACHA_BLOCK_SIZE], tag[16], lens[16], ct[sizeof(kat_ct)];
	bool otk_ok, tag_ok, aead_ok;

	cohort_mac_key_set(&k, kat_key);
	/* nonce le32(0) | 00 01 02 03 04 05 06 07 read as le64 */
	chacha_block0(k.k, 0, 0x0706050403020100ULL, block);
	otk_ok = !memcmp(block, kat_otk, sizeof(kat_otk));

	/* nonce 07 00 00 00 | 40 .. 47: part 7, seq as le64 */
	cohort_mac_begin(&r, &k, 7, 0x4746454443424140ULL);
	cohort_mac_add(&r, kat_aad, sizeof(kat_aad));
	poly1305_update(&r.poly, pad, 16 - sizeof(kat_aad) % 16);
	poly1305_update(&r.poly, kat_ct, sizeof(kat_ct));
	poly1305_update(&r.poly, pad, 16 - sizeof(kat_ct) % 16);
	put_unaligned_le64(sizeof(kat_aad), lens);
	put_unaligned_le64(sizeof(kat_ct), lens + 8);
	poly1305_update(&r.poly, lens, sizeof(lens));
	poly1305_final(&r.poly, tag);
	tag_ok = !memcmp(tag, kat_tag, sizeof(tag));

	/*
	 * The same vector through what an encrypted link runs: the cipher
	 * in pieces that end inside blocks (1, 70, then 43 bytes), and the
	 * tag over associated data and ciphertext.
	 */
	BUILD_BUG_ON(sizeof(kat_pt) != sizeof(kat_ct));
	cohort_crypt_begin(&c, &k, 7, 0x4746454443424140ULL);
	cohort_crypt(&c, ct, kat_pt, 1);
	cohort_crypt(&c, ct + 1, kat_pt + 1, 70);
	cohort_crypt(&c, ct + 71, kat_pt + 71, sizeof(ct) - 71);
	cohort_crypt_end(&c);
	cohort_mac_begin(&r, &k, 7, 0x4746454443424140ULL);
	cohort_mac_add(&r, kat_aad, sizeof(kat_aad));
	cohort_mac_add_ct(&r, ct, 50);
	cohort_mac_add_ct(&r, ct + 50, sizeof(ct) - 50);
	cohort_mac_end(&r, tag);
	aead_ok = !memcmp(ct, kat_ct, sizeof(ct)) &&
		  !memcmp(tag, kat_tag, sizeof(tag));
	cohort_mac_key_wipe(&k);
	if (report)
		scnprintf(report, len,
			  "rfc8439 2.6.2 one-time key: %s\n"
			  "rfc8439 2.8.2 tag: %s (%*phN)\n"
			  "rfc8439 2.8.2 aead: %s\n",
			  otk_ok ? "ok" : "FAIL", tag_ok ? "ok" : "FAIL",
			  (int)sizeof(tag), tag, aead_ok ? "ok" : "FAIL");
	return otk_ok && tag_ok && aead_ok ? 0 : -EBADMSG;
}
