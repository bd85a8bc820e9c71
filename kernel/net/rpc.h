/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_RPC_H
#define _COHORT_RPC_H

#include <linux/types.h>

#include "wire.h"

struct cohort_net;
struct cohort_conn;
struct cohort_buf;

/*
 * A message handler runs after the frame passed every check. It may
 * answer with cohort_rpc_reply(); @buf is the payload (NULL when empty),
 * valid for the call (take a reference to keep it). Registered without
 * flags it runs in the receiving connection's worker and must not sleep
 * for long nor wait for an answer; with COHORT_RPC_MAY_CALL it runs in a
 * work item of its own and may sleep and call any node, the asking one
 * included. At most cohort_handlers_max such handlers run per connection
 * at once; a request beyond that is answered -EBUSY and counted
 * (stats/handlers_busy).
 */
#define COHORT_RPC_MAY_CALL	0x1
typedef int (*cohort_msg_handler_t)(struct cohort_conn *conn,
				    const struct cohort_hdr *h,
				    struct cohort_buf *buf);

int cohort_rpc_register(u8 type, u32 max_len, cohort_msg_handler_t fn);
int cohort_rpc_register_flags(u8 type, u32 max_len, cohort_msg_handler_t fn,
			      unsigned int flags);
void cohort_rpc_flush(void);
extern unsigned int cohort_handlers_max;
void cohort_rpc_unregister(u8 type);
void cohort_rpc_dispatch(struct cohort_conn *conn, const struct cohort_hdr *h,
			 struct cohort_buf *buf);
int cohort_rpc_reply(struct cohort_conn *conn, const struct cohort_hdr *req,
		     struct cohort_buf *buf);
int cohort_rpc_call(struct cohort_net *cn, u32 node, u8 type,
		    struct cohort_buf *req, struct cohort_buf **resp,
		    unsigned int timeout_ms);
int cohort_rpc_send(struct cohort_net *cn, u32 node, u8 type,
		    struct cohort_buf *buf);
void cohort_rpc_fail_conn(struct cohort_conn *conn, int err);
void cohort_rpc_net_init(struct cohort_net *cn);
void cohort_rpc_net_exit(struct cohort_net *cn);
int cohort_rpc_init(void);
void cohort_rpc_exit(void);

#endif /* _COHORT_RPC_H */
