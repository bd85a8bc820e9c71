// SPDX-License-Identifier: GPL-2.0
/*
 * Authentication: the handshake's HMAC-SHA256 challenge-response, the
 * session key derived from both sides' fresh nonces, and the truncated
 * HMAC on every frame after the handshake. The cluster key itself never
 * crosses the wire.
 *
 *   proof(from -> to)  = HMAC(key, "cohort-auth-v1" | from | to | cluster
 *                                  | nonce(to) | nonce(from))
 *   session key        = HMAC(key, "cohort-session-v3" | lo | hi | mac
 *                                  | nonce(lo) | nonce(hi))
 * Node ids are big-endian u16, the cluster id a big-endian u32, mac the
 * frame MAC's enum cohort_mac_alg (one byte), nonces COHORT_NONCE_LEN
 * random bytes; lo and hi are the lower and higher node id. HMAC here is
 * HMAC-SHA256.
 *
 * The frame MAC is HMAC-SHA256 or HMAC-BLAKE2b-256 (both 256-bit HMACs).
 * Each node prefers the one it computes faster, measured once at load
 * (the kernel picks its xor and RAID6 routines the same way): on CPUs
 * with SHA instructions that is SHA-256, elsewhere usually BLAKE2b. The
 * module parameter frame_mac overrides the measurement. Small frames are
 * MACed with HMAC-SHA256 whatever the choice (protocol 3): over a header
 * and a short payload SHA-256 costs less, and the SHA-256 library with the
 * key's pad blocks hashed once per connection saves the crypto API's
 * per-call work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "auth.h"
#include "buf.h"

static const char *const mac_tfm_names[COHORT_MAC_ALG_MAX + 1] = {
	[COHORT_MAC_HMAC_SHA256] = "hmac(sha256)",
	[COHORT_MAC_HMAC_BLAKE2B] = "hmac(blake2b-256)",
};

static const char *const mac_names[COHORT_MAC_ALG_MAX + 1] = {
	[COHORT_MAC_HMAC_SHA256] = "hmac-sha256",
	[COHORT_MAC_HMAC_BLAKE2B] = "hmac-blake2b-256",
};

/* Set once at module init. */
static u8 mac_preferred = COHORT_MAC_HMAC_SHA256;

static char *frame_mac = "auto";
module_param(frame_mac, charp, 0444);
MODULE_PARM_DESC(frame_mac,
		 "frame MAC this node prefers: auto (the faster here, measured at load), hmac-sha256 or hmac-blake2b-256");

static struct crypto_shash *hmac_tfm(u8 alg, const u8 *key,
				     unsigned int keylen)
{
	struct crypto_shash *tfm;
	int err;

	if (alg < COHORT_MAC_HMAC_SHA256 || alg > COHORT_MAC_ALG_MAX)
		return ERR_PTR(-EINVAL);
	tfm = crypto_alloc_shash(mac_tfm_names[alg], 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_shash_setkey(tfm, key, keylen);
	if (err) {
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

const char *cohort_mac_name(u8 alg)
{
	if (alg < COHORT_MAC_HMAC_SHA256 || alg > COHORT_MAC_ALG_MAX)
		return "none";
	return mac_names[alg];
}

u8 cohort_mac_preferred(void)
{
	return mac_preferred;
}

/* The frame MAC of a connection: the preference both ends share, if any. */
u8 cohort_mac_choose(u8 mine, u8 theirs)
{
	return mine == theirs && theirs >= COHORT_MAC_HMAC_SHA256 &&
	       theirs <= COHORT_MAC_ALG_MAX ? theirs : COHORT_MAC_HMAC_SHA256;
}

/* SHA-256 state after HMAC's inner (0x36) or outer (0x5c) key block. */
static void pad_state(struct sha256_state *st, const u8 *key,
		      unsigned int keylen, u8 fill)
{
	u8 pad[SHA256_BLOCK_SIZE];
	unsigned int i;

	memset(pad, fill, sizeof(pad));
	for (i = 0; i < keylen; i++)
		pad[i] ^= key[i];
	sha256_init(st);
	sha256_update(st, pad, sizeof(pad));
	memzero_explicit(pad, sizeof(pad));
}

int cohort_mac_init(struct cohort_mac *m, u8 alg, const u8 *key,
		    unsigned int keylen)
{
	if (keylen > SHA256_BLOCK_SIZE)
		return -EINVAL;		/* session keys are 32 bytes */
	m->tfm = hmac_tfm(alg, key, keylen);
	if (IS_ERR(m->tfm)) {
		int err = PTR_ERR(m->tfm);

		m->tfm = NULL;
		return err;
	}
	pad_state(&m->small_in, key, keylen, 0x36);
	pad_state(&m->small_out, key, keylen, 0x5c);
	return 0;
}

/* One HMAC over @len bytes at @p with @tfm, in ns; U64_MAX on error. */
static u64 mac_time(struct crypto_shash *tfm, const u8 *p, size_t len)
{
	u8 out[SHA256_DIGEST_SIZE];
	u64 t0 = ktime_get_ns();

	if (crypto_shash_tfm_digest(tfm, p, len, out))
		return U64_MAX;
	return ktime_get_ns() - t0;
}

/*
 * The best of eight runs of each MAC over @len bytes at @p, in ns (U64_MAX
 * if unusable), the two taking turns after one run each that is not
 * counted: the first run of code can cost far more than the next ones
 * (under an emulator it is translated then), and taking turns exposes
 * both to the same moments of a machine that is busy booting.
 */
static void mac_costs(const u8 *p, size_t len, u64 *sha, u64 *blake)
{
	static const u8 key[32] = { 1 };
	struct crypto_shash *s = hmac_tfm(COHORT_MAC_HMAC_SHA256, key,
					  sizeof(key));
	struct crypto_shash *b = hmac_tfm(COHORT_MAC_HMAC_BLAKE2B, key,
					  sizeof(key));
	int i;

	*sha = U64_MAX;
	*blake = U64_MAX;
	for (i = 0; i <= 8; i++) {
		u64 ts = IS_ERR(s) ? U64_MAX : mac_time(s, p, len);
		u64 tb = IS_ERR(b) ? U64_MAX : mac_time(b, p, len);

		if (i) {
			*sha = min(*sha, ts);
			*blake = min(*blake, tb);
		}
	}
	if (!IS_ERR(b))
		crypto_free_shash(b);
	if (!IS_ERR(s))
		crypto_free_shash(s);
}

/* Choose this node's preferred frame MAC (module init). */
int __init cohort_auth_init(void)
{
	size_t len = 16 << 10;
	u64 sha, blake;
	u8 *p;

	if (!strcmp(frame_mac, mac_names[COHORT_MAC_HMAC_SHA256])) {
		mac_preferred = COHORT_MAC_HMAC_SHA256;
		return 0;
	}
	if (!strcmp(frame_mac, mac_names[COHORT_MAC_HMAC_BLAKE2B])) {
		mac_preferred = COHORT_MAC_HMAC_BLAKE2B;
		return 0;
	}
	if (strcmp(frame_mac, "auto")) {
		pr_err("frame_mac must be auto, %s or %s\n",
		       mac_names[COHORT_MAC_HMAC_SHA256],
		       mac_names[COHORT_MAC_HMAC_BLAKE2B]);
		return -EINVAL;
	}
	p = kzalloc(len, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	mac_costs(p, len, &sha, &blake);
	kfree(p);
	if (sha == U64_MAX)
		return -ENOENT;		/* no HMAC-SHA256: cannot work at all */
	mac_preferred = blake < sha ? COHORT_MAC_HMAC_BLAKE2B :
				      COHORT_MAC_HMAC_SHA256;
	pr_info("frame MAC: %s preferred (16 KiB: hmac-sha256 %llu us, hmac-blake2b-256 %s%llu us)\n",
		mac_names[mac_preferred], div_u64(sha, NSEC_PER_USEC),
		blake == U64_MAX ? "unavailable, " : "",
		blake == U64_MAX ? 0 : div_u64(blake, NSEC_PER_USEC));
	return 0;
}

void cohort_mac_free(struct cohort_mac *m)
{
	if (m->tfm)
		crypto_free_shash(m->tfm);
	m->tfm = NULL;
	memzero_explicit(&m->small_in, sizeof(m->small_in));
	memzero_explicit(&m->small_out, sizeof(m->small_out));
}

/* Size of the descriptor cohort_mac_begin() fills. */
size_t cohort_mac_desc_size(const struct cohort_mac *m)
{
	return sizeof(struct shash_desc) + crypto_shash_descsize(m->tfm);
}

/* Start a MAC over @len bytes at @p (the encoded header, usually). */
int cohort_mac_begin(const struct cohort_mac *m, struct shash_desc *desc,
		     const u8 *p, size_t len)
{
	desc->tfm = m->tfm;
	return crypto_shash_init(desc) ?: crypto_shash_update(desc, p, len);
}

/* Add bytes [@off, @off + @len) of @buf to the MAC. */
int cohort_mac_pages(struct shash_desc *desc, const struct cohort_buf *buf,
		     size_t off, size_t len)
{
	int err = 0;

	while (!err && len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - off % PAGE_SIZE);
		u8 *p = kmap_local_page(buf->pages[off / PAGE_SIZE]);

		err = crypto_shash_update(desc, p + off % PAGE_SIZE, n);
		kunmap_local(p);
		off += n;
		len -= n;
	}
	return err;
}

/* Finish the MAC, truncated into @out, and wipe the descriptor. */
int cohort_mac_end(struct shash_desc *desc, u8 out[COHORT_WIRE_MAC_LEN])
{
	u8 digest[SHA256_DIGEST_SIZE];
	int err = crypto_shash_final(desc, digest);

	shash_desc_zero(desc);
	memcpy(out, digest, COHORT_WIRE_MAC_LEN);
	memzero_explicit(digest, sizeof(digest));
	return err;
}

/* HMAC-SHA256 of a small frame, from the precomputed pad states. */
static void mac_small(const struct cohort_mac *m, const u8 *hdr,
		      const struct cohort_buf *buf, u8 out[COHORT_WIRE_MAC_LEN])
{
	struct sha256_state st = m->small_in;
	u8 digest[SHA256_DIGEST_SIZE];

	sha256_update(&st, hdr, COHORT_WIRE_HDR_LEN);
	if (buf && buf->len) {
		u8 *p = kmap_local_page(buf->pages[0]);

		sha256_update(&st, p, buf->len);
		kunmap_local(p);
	}
	sha256_final(&st, digest);		/* wipes st */
	st = m->small_out;
	sha256_update(&st, digest, sizeof(digest));
	sha256_final(&st, digest);
	memcpy(out, digest, COHORT_WIRE_MAC_LEN);
	memzero_explicit(digest, sizeof(digest));
}

/*
 * MAC of a frame: @hdr is the encoded header with its mac field zeroed,
 * @buf the payload or NULL. A streamed frame's header MAC covers the
 * header alone (@buf NULL, @streamed true).
 */
int cohort_mac_frame(const struct cohort_mac *m, const u8 *hdr,
		     const struct cohort_buf *buf, bool streamed,
		     u8 out[COHORT_WIRE_MAC_LEN])
{
	SHASH_DESC_ON_STACK(desc, m->tfm);
	int err;

	if (!streamed && (!buf || buf->len <= COHORT_WIRE_MAC_SMALL)) {
		mac_small(m, hdr, buf, out);
		return 0;
	}

	err = cohort_mac_begin(m, desc, hdr, COHORT_WIRE_HDR_LEN);
	if (!err && buf)
		err = cohort_mac_pages(desc, buf, 0, buf->len);
	if (err) {
		shash_desc_zero(desc);
		return err;
	}
	return cohort_mac_end(desc, out);
}

static int hmac_parts(const u8 *key, unsigned int keylen, const char *label,
		      u16 a, u16 b, const u8 *extra, unsigned int extralen,
		      const u8 *n1, const u8 *n2, u8 out[SHA256_DIGEST_SIZE])
{
	struct crypto_shash *tfm = hmac_tfm(COHORT_MAC_HMAC_SHA256, key, keylen);
	u8 ids[4];
	int err;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	cohort_put_be16(ids, a);
	cohort_put_be16(ids + 2, b);
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		err = crypto_shash_init(desc);
		if (!err)
			err = crypto_shash_update(desc, label, strlen(label));
		if (!err)
			err = crypto_shash_update(desc, ids, sizeof(ids));
		if (!err && extralen)
			err = crypto_shash_update(desc, extra, extralen);
		if (!err)
			err = crypto_shash_update(desc, n1, COHORT_NONCE_LEN);
		if (!err)
			err = crypto_shash_update(desc, n2, COHORT_NONCE_LEN);
		if (!err)
			err = crypto_shash_final(desc, out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return err;
}

int cohort_auth_proof(const u8 *key, unsigned int keylen, u16 from, u16 to,
		      u32 cluster_id, const u8 *nonce_to, const u8 *nonce_from,
		      u8 out[SHA256_DIGEST_SIZE])
{
	u8 cid[4];

	cohort_put_be32(cid, cluster_id);
	return hmac_parts(key, keylen, "cohort-auth-v1", from, to, cid,
			  sizeof(cid), nonce_to, nonce_from, out);
}

int cohort_auth_session_key(const u8 *key, unsigned int keylen, u16 lo,
			    u16 hi, u8 mac_alg, const u8 *nonce_lo,
			    const u8 *nonce_hi, u8 out[SHA256_DIGEST_SIZE])
{
	return hmac_parts(key, keylen, "cohort-session-v3", lo, hi, &mac_alg,
			  1, nonce_lo, nonce_hi, out);
}
