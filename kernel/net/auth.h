/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_AUTH_H
#define _COHORT_AUTH_H

#include <linux/types.h>
#include <crypto/sha2.h>

#include "wire.h"

int cohort_auth_init(void);
int cohort_auth_proof(const u8 *key, unsigned int keylen, u16 from, u16 to,
		      u32 cluster_id, const u8 *nonce_to, const u8 *nonce_from,
		      u8 out[SHA256_DIGEST_SIZE]);
int cohort_auth_session_key(const u8 *key, unsigned int keylen, u16 lo,
			    u16 hi, u8 opts, u16 src, const u8 *nonce_lo,
			    const u8 *nonce_hi, u8 out[SHA256_DIGEST_SIZE]);

#endif /* _COHORT_AUTH_H */
