// SPDX-License-Identifier: GPL-2.0
/*
 * Authentication: the handshake's HMAC-SHA256 challenge-response, the
 * session key derived from both sides' fresh nonces, and the truncated
 * HMAC on every frame after the handshake. The cluster key itself never
 * crosses the wire.
 *
 *   proof(from -> to)  = HMAC(key, "cohort-auth-v1" | from | to | cluster
 *                                  | nonce(to) | nonce(from))
 *   session key        = HMAC(key, "cohort-session-v1" | lo | hi
 *                                  | nonce(lo) | nonce(hi))
 * Node ids are big-endian u16, the cluster id a big-endian u32, nonces
 * COHORT_NONCE_LEN random bytes; lo and hi are the lower and higher node id.
 */
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/string.h>

#include "auth.h"
#include "buf.h"

static struct crypto_shash *hmac_tfm(const u8 *key, unsigned int keylen)
{
	struct crypto_shash *tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	int err;

	if (IS_ERR(tfm))
		return tfm;
	err = crypto_shash_setkey(tfm, key, keylen);
	if (err) {
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

int cohort_mac_init(struct cohort_mac *m, const u8 *key, unsigned int keylen)
{
	m->tfm = hmac_tfm(key, keylen);
	if (IS_ERR(m->tfm)) {
		int err = PTR_ERR(m->tfm);

		m->tfm = NULL;
		return err;
	}
	return 0;
}

void cohort_mac_free(struct cohort_mac *m)
{
	if (m->tfm)
		crypto_free_shash(m->tfm);
	m->tfm = NULL;
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

/*
 * MAC of a frame: @hdr is the encoded header with its mac field zeroed,
 * @buf the payload or NULL (a streamed frame's header MAC covers the
 * header alone).
 */
int cohort_mac_frame(const struct cohort_mac *m, const u8 *hdr,
		     const struct cohort_buf *buf, u8 out[COHORT_WIRE_MAC_LEN])
{
	SHASH_DESC_ON_STACK(desc, m->tfm);
	int err;

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
	struct crypto_shash *tfm = hmac_tfm(key, keylen);
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
			    u16 hi, const u8 *nonce_lo, const u8 *nonce_hi,
			    u8 out[SHA256_DIGEST_SIZE])
{
	return hmac_parts(key, keylen, "cohort-session-v1", lo, hi, NULL, 0,
			  nonce_lo, nonce_hi, out);
}
