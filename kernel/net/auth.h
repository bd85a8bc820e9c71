/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_AUTH_H
#define _COHORT_AUTH_H

#include <linux/types.h>
#include <crypto/sha2.h>

#include "wire.h"

struct crypto_shash;
struct shash_desc;
struct cohort_buf;

/*
 * A per-connection frame MAC, keyed by the session key: the link's HMAC
 * (@tfm), and HMAC-SHA256 for small frames as two precomputed SHA-256
 * states, after the key's inner and after its outer pad block (@small_in,
 * @small_out). Constant once set up.
 */
struct cohort_mac {
	struct crypto_shash *tfm;
	struct sha256_state small_in;
	struct sha256_state small_out;
};

int cohort_auth_init(void);
u8 cohort_mac_preferred(void);
u8 cohort_mac_choose(u8 mine, u8 theirs);
const char *cohort_mac_name(u8 alg);
int cohort_mac_init(struct cohort_mac *m, u8 alg, const u8 *key,
		    unsigned int keylen);
void cohort_mac_free(struct cohort_mac *m);
int cohort_mac_frame(const struct cohort_mac *m, const u8 *hdr,
		     const struct cohort_buf *buf, bool streamed,
		     u8 out[COHORT_WIRE_MAC_LEN]);
size_t cohort_mac_desc_size(const struct cohort_mac *m);
int cohort_mac_begin(const struct cohort_mac *m, struct shash_desc *desc,
		     const u8 *p, size_t len);
int cohort_mac_pages(struct shash_desc *desc, const struct cohort_buf *buf,
		     size_t off, size_t len);
int cohort_mac_end(struct shash_desc *desc, u8 out[COHORT_WIRE_MAC_LEN]);

int cohort_auth_proof(const u8 *key, unsigned int keylen, u16 from, u16 to,
		      u32 cluster_id, const u8 *nonce_to, const u8 *nonce_from,
		      u8 out[SHA256_DIGEST_SIZE]);
int cohort_auth_session_key(const u8 *key, unsigned int keylen, u16 lo,
			    u16 hi, u8 mac_alg, const u8 *nonce_lo,
			    const u8 *nonce_hi, u8 out[SHA256_DIGEST_SIZE]);

#endif /* _COHORT_AUTH_H */
