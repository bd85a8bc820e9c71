// SPDX-License-Identifier: GPL-2.0
/*
 * Authentication of a connection: the handshake's HMAC-SHA256
 * challenge-response and the two session keys (one per direction) derived
 * from both sides' fresh nonces. The cluster key itself never crosses the
 * wire. Frames after the handshake are authenticated with the session
 * keys by mac.c.
 *
 *   proof(from -> to)  = HMAC(key, "cohort-auth-v1" | from | to | cluster
 *                                  | nonce(to) | nonce(from))
 *   key(src -> dst)    = HMAC(key, "cohort-session-v4" | lo | hi | opts
 *                                  | src | nonce(lo) | nonce(hi))
 * Node ids are big-endian u16, the cluster id a big-endian u32, opts the
 * HELLOs' options byte (both ends sent the same one), nonces
 * COHORT_NONCE_LEN random bytes; lo and hi are the lower and higher node
 * id, src the sender of the frames the key authenticates. HMAC here is
 * HMAC-SHA256.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/string.h>

#include "auth.h"
#include "mac.h"

static struct crypto_shash *hmac_tfm(const u8 *key, unsigned int keylen)
{
	struct crypto_shash *tfm;
	int err;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_shash_setkey(tfm, key, keylen);
	if (err) {
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

/* Check the frame MAC against RFC 8439's answers (module init). */
int __init cohort_auth_init(void)
{
	char report[160];
	int err = cohort_mac_selftest(report, sizeof(report));

	if (err)
		pr_err("frame MAC self-test failed:\n%s", report);
	return err;
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
			    u16 hi, u8 opts, u16 src, const u8 *nonce_lo,
			    const u8 *nonce_hi, u8 out[SHA256_DIGEST_SIZE])
{
	u8 extra[3] = { opts };

	cohort_put_be16(extra + 1, src);
	return hmac_parts(key, keylen, "cohort-session-v4", lo, hi, extra,
			  sizeof(extra), nonce_lo, nonce_hi, out);
}
