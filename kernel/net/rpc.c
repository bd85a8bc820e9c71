// SPDX-License-Identifier: GPL-2.0
/*
 * Messages and remote calls over the transport: the registry of message
 * types (handler and largest payload, enforced by the receive path before
 * any handler runs), request/response matching by request id, one-way
 * sends, and the ECHO type used by tests and benchmarks.
 *
 * No wait is unbounded: every call has a timeout, and a peer going down
 * completes every call waiting on it at once with -EHOSTDOWN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "buf.h"
#include "conn.h"
#include "node.h"
#include "rpc.h"

#define RPC_TIMEOUT_MAX_MS	600000

/* Written at registration (module init), read by every receive path. */
static u32 msg_max_len[COHORT_MSG_TYPE_MAX];
static cohort_msg_handler_t msg_handlers[COHORT_MSG_TYPE_MAX];
static unsigned int msg_flags[COHORT_MSG_TYPE_MAX];

/* Where handlers that may call run (COHORT_RPC_MAY_CALL). */
static struct workqueue_struct *handler_wq;

unsigned int cohort_handlers_max = 32;
module_param_named(handlers_max, cohort_handlers_max, uint, 0644);
MODULE_PARM_DESC(handlers_max,
		 "handlers that may call, running at once per connection (1-1024; more are refused with EBUSY)");

/**
 * struct rpc_job - a request for a handler that may call
 * @work: on handler_wq
 * @conn: the connection it came on, with a reference
 * @hdr: its header
 * @buf: its payload (a reference), or NULL
 * @fn: the handler
 */
struct rpc_job {
	struct work_struct work;
	struct cohort_conn *conn;
	struct cohort_hdr hdr;
	struct cohort_buf *buf;
	cohort_msg_handler_t fn;
};

const u32 *cohort_msg_max_len = msg_max_len;

/*
 * A call waiting for its answer, on the caller's stack, in cn->rpc_hash
 * under its request id. Whoever takes it out of the table (the answer,
 * the peer going down) fills in @err and @resp, sets @done and wakes
 * @task, all under cn->rpc_lock; the caller takes that lock once more
 * before it returns, so the waker is done with the waiter by then.
 *
 * @conn is only compared: the caller holds its reference throughout.
 * Request ids come from a 64-bit counter and are never reused, so a late
 * answer to a call that gave up cannot complete a newer one; the table
 * has fixed buckets, so a call allocates nothing to wait.
 */
struct rpc_waiter {
	struct hlist_node link;
	u64 id;
	const struct cohort_conn *conn;	/* the request went out on it */
	u16 node;
	u8 type;
	bool done;
	struct task_struct *task;
	int err;
	struct cohort_buf *resp;
};

static struct hlist_head *rpc_bucket(struct cohort_net *cn, u64 id)
{
	return &cn->rpc_hash[hash_64(id, COHORT_RPC_HASH_BITS)];
}

/* The waiter of call @id, or NULL. */
static struct rpc_waiter *rpc_find(struct cohort_net *cn, u64 id)
{
	struct rpc_waiter *w;

	lockdep_assert_held(&cn->rpc_lock);
	hlist_for_each_entry(w, rpc_bucket(cn, id), link)
		if (w->id == id)
			return w;
	return NULL;
}

/* Take @w out of the table and hand it its result. */
static void waiter_done(struct cohort_net *cn, struct rpc_waiter *w, int err)
{
	lockdep_assert_held(&cn->rpc_lock);
	hlist_del_init(&w->link);
	w->err = err;
	WRITE_ONCE(w->done, true);
	wake_up_process(w->task);
}

int cohort_rpc_register(u8 type, u32 max_len, cohort_msg_handler_t fn)
{
	return cohort_rpc_register_flags(type, max_len, fn, 0);
}

int cohort_rpc_register_flags(u8 type, u32 max_len, cohort_msg_handler_t fn,
			      unsigned int flags)
{
	if (!type || type >= COHORT_MSG_TYPE_MAX || !max_len ||
	    max_len > COHORT_MSG_MAX)
		return -EINVAL;
	if (READ_ONCE(msg_max_len[type]))
		return -EBUSY;
	WRITE_ONCE(msg_handlers[type], fn);
	WRITE_ONCE(msg_flags[type], flags);
	smp_wmb();	/* handler before the type becomes acceptable */
	WRITE_ONCE(msg_max_len[type], max_len);
	return 0;
}

void cohort_rpc_unregister(u8 type)
{
	if (type && type < COHORT_MSG_TYPE_MAX) {
		WRITE_ONCE(msg_max_len[type], 0);
		WRITE_ONCE(msg_handlers[type], NULL);
		WRITE_ONCE(msg_flags[type], 0);
		/* A handler of this type still running finishes first. */
		if (handler_wq)
			flush_workqueue(handler_wq);
	}
}

/*
 * The error a peer's handler answered, as a local one: from a fixed set
 * (a remote node never chooses, say, a kernel-internal restart code);
 * anything else is EREMOTEIO.
 */
static int remote_error(u32 e)
{
	static const u16 known[] = {
		EPERM, ENOENT, ESRCH, EIO, E2BIG, EAGAIN, ENOMEM, EACCES,
		EBUSY, EEXIST, EINVAL, ENOSPC, ERANGE, EMSGSIZE,
		EPROTO, EOPNOTSUPP, ETIMEDOUT, EHOSTDOWN, ECONNRESET, EOVERFLOW,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (e == known[i])
			return -(int)e;
	return -EREMOTEIO;
}

/* Complete the call that @h answers, if it is still waiting. */
static void complete_call(struct cohort_conn *conn, const struct cohort_hdr *h,
			  struct cohort_buf *buf)
{
	struct cohort_net *cn = conn->cn;
	struct rpc_waiter *w;
	int err = 0;
	u8 e[4];

	if (h->flags & COHORT_F_ERROR) {
		err = -EPROTO;
		if (buf && buf->len == 4) {
			cohort_buf_read(buf, 0, e, 4);
			err = remote_error(cohort_get_be32(e));
		}
	}
	spin_lock_bh(&cn->rpc_lock);
	w = rpc_find(cn, h->req_id);
	/* Only the node asked, answering the type asked, completes a call. */
	if (w && w->node == h->src && w->type == h->type) {
		if (!err)
			w->resp = buf ? cohort_buf_get(buf) : NULL;
		waiter_done(cn, w, err);
	}
	spin_unlock_bh(&cn->rpc_lock);
}

static void reply_error(struct cohort_conn *conn, const struct cohort_hdr *h,
			int err)
{
	struct cohort_buf *buf = cohort_buf_alloc(4, GFP_KERNEL);
	u8 e[4];

	if (!buf)
		return;
	cohort_put_be32(e, -err);
	cohort_buf_write(buf, 0, e, 4);
	cohort_conn_send(conn, h->type, COHORT_F_RESPONSE | COHORT_F_ERROR,
			 h->req_id, buf);
	cohort_buf_put(buf);
}

static void job_fn(struct work_struct *work)
{
	struct rpc_job *job = container_of(work, struct rpc_job, work);
	int err = job->fn(job->conn, &job->hdr, job->buf);

	if (err && job->hdr.req_id)
		reply_error(job->conn, &job->hdr, err);
	cohort_buf_put(job->buf);
	atomic_dec(&job->conn->handlers);
	cohort_conn_put(job->conn);
	kfree(job);
}

/*
 * A request for a handler that may call: to a work item of its own, if
 * the connection has fewer than cohort_handlers_max running; otherwise
 * answered -EBUSY (a sender that floods gets refusals, not a queue).
 */
static void dispatch_job(struct cohort_conn *conn, const struct cohort_hdr *h,
			 struct cohort_buf *buf, cohort_msg_handler_t fn)
{
	unsigned int max = clamp_val(READ_ONCE(cohort_handlers_max), 1, 1024);
	struct rpc_job *job;

	if (atomic_inc_return(&conn->handlers) > max) {
		atomic_dec(&conn->handlers);
		atomic64_inc(&conn->cn->handlers_busy);
		if (h->req_id)
			reply_error(conn, h, -EBUSY);
		return;
	}
	job = kmalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		atomic_dec(&conn->handlers);
		if (h->req_id)
			reply_error(conn, h, -ENOMEM);
		return;
	}
	INIT_WORK(&job->work, job_fn);
	kref_get(&conn->ref);
	job->conn = conn;
	job->hdr = *h;
	job->buf = buf ? cohort_buf_get(buf) : NULL;
	job->fn = fn;
	queue_work(handler_wq, &job->work);
}

/* Wait until every handler queued so far has run (an instance stops). */
void cohort_rpc_flush(void)
{
	flush_workqueue(handler_wq);
}

/* Called by the transport for every checked frame of a registered type. */
void cohort_rpc_dispatch(struct cohort_conn *conn, const struct cohort_hdr *h,
			 struct cohort_buf *buf)
{
	cohort_msg_handler_t fn;
	int err;

	if (h->flags & COHORT_F_RESPONSE) {
		complete_call(conn, h, buf);
		return;
	}
	fn = READ_ONCE(msg_handlers[h->type]);
	if (!fn) {
		if (h->req_id)
			reply_error(conn, h, -EOPNOTSUPP);
		return;
	}
	if (READ_ONCE(msg_flags[h->type]) & COHORT_RPC_MAY_CALL) {
		dispatch_job(conn, h, buf, fn);
		return;
	}
	err = fn(conn, h, buf);
	if (err && h->req_id)
		reply_error(conn, h, err);
}

int cohort_rpc_reply(struct cohort_conn *conn, const struct cohort_hdr *req,
		     struct cohort_buf *buf)
{
	if (!req->req_id)
		return 0;	/* one-way message: nobody waits */
	return cohort_conn_send(conn, req->type, COHORT_F_RESPONSE,
				req->req_id, buf);
}

static struct cohort_conn *up_conn(struct cohort_net *cn, u32 node)
{
	struct cohort_peer *peer = cohort_peer_get(cn, node);
	struct cohort_conn *conn;

	if (!peer)
		return ERR_PTR(-ENOENT);
	conn = cohort_peer_conn_get(peer);
	cohort_peer_put(peer);
	if (!conn)
		return ERR_PTR(-EHOSTDOWN);
	if (!cohort_conn_is_up(conn)) {
		cohort_conn_put(conn);
		return ERR_PTR(-EHOSTDOWN);
	}
	return conn;
}

/**
 * cohort_rpc_call - send a request and wait for its answer
 * @cn: node instance
 * @node: destination node id
 * @type: registered message type
 * @req: request payload, or NULL (the caller keeps its reference)
 * @resp: the answer's payload (NULL if empty); the caller puts it
 * @timeout_ms: give up after this long (1..600000)
 *
 * Return: 0, -ENOENT (no such node), -EHOSTDOWN (not up, or went down
 * while waiting), -ETIMEDOUT, -EINTR (the caller is being killed), or the
 * error the peer's handler returned.
 */
int cohort_rpc_call(struct cohort_net *cn, u32 node, u8 type,
		    struct cohort_buf *req, struct cohort_buf **resp,
		    unsigned int timeout_ms)
{
	struct rpc_waiter w = {
		.node = node,
		.type = type,
		.task = current,
		.err = -EHOSTDOWN,
	};
	struct cohort_conn *conn;
	long left = 0;
	int err;

	*resp = NULL;
	if (!timeout_ms || timeout_ms > RPC_TIMEOUT_MAX_MS)
		return -EINVAL;
	conn = up_conn(cn, node);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	w.conn = conn;
	spin_lock_bh(&cn->rpc_lock);
	w.id = ++cn->rpc_next;
	hlist_add_head(&w.link, rpc_bucket(cn, w.id));
	spin_unlock_bh(&cn->rpc_lock);
	err = cohort_conn_send(conn, type, 0, w.id, req);
	if (!err)
		left = cohort_conn_await(conn, &w.done,
					 msecs_to_jiffies(timeout_ms));
	spin_lock_bh(&cn->rpc_lock);
	if (!w.done) {
		/* Not sent, timed out or killed: nobody has taken it, nor will. */
		hlist_del(&w.link);
		w.err = err ?: left < 0 ? -EINTR : -ETIMEDOUT;
	}
	spin_unlock_bh(&cn->rpc_lock);
	err = w.err;
	*resp = w.resp;
	cohort_conn_put(conn);
	return err;
}

/* One-way message: no answer is expected or waited for. */
int cohort_rpc_send(struct cohort_net *cn, u32 node, u8 type,
		    struct cohort_buf *buf)
{
	struct cohort_conn *conn = up_conn(cn, node);
	int err;

	if (IS_ERR(conn))
		return PTR_ERR(conn);
	err = cohort_conn_send(conn, type, 0, 0, buf);
	cohort_conn_put(conn);
	return err;
}

/* Every call waiting on @conn (on any, if NULL) fails with @err. */
static void fail_calls(struct cohort_net *cn, const struct cohort_conn *conn,
		       int err)
{
	struct hlist_node *tmp;
	struct rpc_waiter *w;
	unsigned int i;

	spin_lock_bh(&cn->rpc_lock);
	for (i = 0; i < ARRAY_SIZE(cn->rpc_hash); i++)
		hlist_for_each_entry_safe(w, tmp, &cn->rpc_hash[i], link)
			if (!conn || w->conn == conn)
				waiter_done(cn, w, err);
	spin_unlock_bh(&cn->rpc_lock);
}

/* @conn is closing: every call waiting for an answer on it fails now. */
void cohort_rpc_fail_conn(struct cohort_conn *conn, int err)
{
	fail_calls(conn->cn, conn, err);
}

void cohort_rpc_net_init(struct cohort_net *cn)
{
	unsigned int i;

	spin_lock_init(&cn->rpc_lock);
	for (i = 0; i < ARRAY_SIZE(cn->rpc_hash); i++)
		INIT_HLIST_HEAD(&cn->rpc_hash[i]);
}

void cohort_rpc_net_exit(struct cohort_net *cn)
{
	fail_calls(cn, NULL, -EHOSTDOWN);
}

/* ECHO: the answer is the request, byte for byte, in the same buffer. */
static int echo_handler(struct cohort_conn *conn, const struct cohort_hdr *h,
			struct cohort_buf *buf)
{
	return cohort_rpc_reply(conn, h, buf);
}

int __init cohort_rpc_init(void)
{
	int err;

	handler_wq = alloc_workqueue("cohort_handlers", WQ_UNBOUND, 0);
	if (!handler_wq)
		return -ENOMEM;

	/* The transport handles these three itself; only their sizes here. */
	err = cohort_rpc_register(COHORT_MSG_HELLO,
				  4 + 4 + COHORT_NONCE_LEN + 4, NULL);
	if (!err)
		err = cohort_rpc_register(COHORT_MSG_AUTH, 32, NULL);
	if (!err)
		err = cohort_rpc_register(COHORT_MSG_HEARTBEAT, 8, NULL);
	if (!err)
		err = cohort_rpc_register(COHORT_MSG_ECHO, COHORT_MSG_MAX,
					  echo_handler);
	if (err)
		destroy_workqueue(handler_wq);
	return err;
}

void cohort_rpc_exit(void)
{
	cohort_rpc_unregister(COHORT_MSG_ECHO);
	cohort_rpc_unregister(COHORT_MSG_HEARTBEAT);
	cohort_rpc_unregister(COHORT_MSG_AUTH);
	cohort_rpc_unregister(COHORT_MSG_HELLO);
	destroy_workqueue(handler_wq);
}
