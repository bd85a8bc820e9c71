// SPDX-License-Identifier: GPL-2.0
/*
 * Migration, stop and copy, in two phases over the cluster RPC.
 *
 * Source (the MIGRATE request, in the asking process's context): BEGIN
 * reserves a slot at the destination; the process is checkpointed into a
 * shmem file and held frozen in its own context; DATA carries the image
 * in chunks; RESTORE has the destination restore it, which answers once
 * the restored process waits, complete, for the verdict; COMMIT lets it
 * run there, and only then the held process here is ended. Any failure
 * before COMMIT: ABORT (best effort) and the held process goes on here.
 *
 * Destination: an incoming migration is a shmem file being filled. On
 * RESTORE an event asks cohortd for a restorer, which fetches the file
 * (COHORT_IOC_MIGRATE_FETCH) and restores from it as from any image; its
 * FINISH tells the RESTORE handler the process is ready and waits for
 * COMMIT, ABORT, the source node going down, or COHORT_MIG_READY_MAX.
 *
 * Never in two places: the destination's process runs only after COMMIT
 * arrived, and the source ends its own only after COMMIT was answered. A
 * COMMIT whose answer is lost is asked again (it is idempotent; the
 * outcome of a migration is kept for COHORT_MIG_KEEP) until the
 * destination answers or has been down for longer than a node that comes
 * back would be: only then does the source decide it is gone, with the
 * process, and let its own go on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <net/net_namespace.h>

#include "../admin/netlink.h"
#include "../net/buf.h"
#include "../net/conn.h"
#include "../net/events.h"
#include "../net/node.h"
#include "../net/rpc.h"
#include "../net/wire.h"
#include "checkpoint.h"
#include "migrate.h"

#define COHORT_MIG_CHUNK	(8U << 20)	/* image bytes per DATA */
#define COHORT_MIG_IMAGE_MAX	(8ULL << 30)
#define COHORT_MIG_INCOMING_MAX	8		/* unfinished, per node */
#define COHORT_MIG_IDLE_MAX	(60 * HZ)	/* a transfer that stalls */
#define COHORT_MIG_READY_MAX	(30 * HZ)	/* ready, waiting for COMMIT */
#define COHORT_MIG_KEEP		(300 * HZ)	/* an outcome stays known */
#define COHORT_MIG_CALL_MS	20000
#define COHORT_MIG_RESTORE_MS	600000	/* the destination bounds it */
#define COHORT_MIG_COMMIT_TRIES_MS (90 * 1000)

enum {
	MIG_RECEIVING,
	MIG_RESTORING,		/* event sent, waiting for the restorer */
	MIG_READY,		/* restored, waiting for COMMIT */
	MIG_COMMITTED,
	MIG_ABORTED,
	MIG_FAILED,		/* the restore failed */
};

/* An incoming migration; all fields under mig_lock but the constants. */
struct cohort_mig_in {
	struct list_head link;
	struct kref ref;
	struct cohort_net *cn;		/* constant */
	u32 src;			/* constant: the sending node */
	u64 id;				/* constant */
	u32 src_pid;			/* constant */
	int state;
	struct file *img;		/* until the outcome */
	u64 have;			/* bytes received */
	bool fetched, claimed;
	pid_t pid;			/* when MIG_READY */
	unsigned long touched;		/* jiffies of the last change */
	char reason[COHORT_REASON_MAX];	/* when MIG_FAILED */
	wait_queue_head_t wq;		/* state changes */
};

/* How long a destination waits for its restorer to have the process ready. */
static unsigned int mig_restore_ms = 120000;
module_param_named(migrate_restore_ms, mig_restore_ms, uint, 0644);
MODULE_PARM_DESC(migrate_restore_ms,
		 "ms an incoming migration waits for its restored process (1000-590000, default 120000)");

static DEFINE_MUTEX(mig_lock);
static LIST_HEAD(mig_in_list);		/* under mig_lock */
static atomic64_t mig_next_id;
static struct delayed_work mig_reaper;

static atomic64_t stat_out_ok, stat_out_failed, stat_in_ok, stat_in_failed;

static void mig_in_free(struct kref *ref)
{
	struct cohort_mig_in *in = container_of(ref, struct cohort_mig_in, ref);

	if (in->img)
		fput(in->img);
	kfree(in);
}

static void mig_in_put(struct cohort_mig_in *in)
{
	kref_put(&in->ref, mig_in_free);
}

/* Set an outcome: the image is no longer needed. */
static void mig_in_end(struct cohort_mig_in *in, int state)
{
	struct file *img = in->img;

	lockdep_assert_held(&mig_lock);
	in->state = state;
	in->img = NULL;
	in->touched = jiffies;
	if (img)
		fput(img);
	if (state == MIG_COMMITTED)
		atomic64_inc(&stat_in_ok);
	else
		atomic64_inc(&stat_in_failed);
	wake_up_all(&in->wq);
}

static bool mig_in_open(const struct cohort_mig_in *in)
{
	return in->state < MIG_COMMITTED;
}

static struct cohort_mig_in *mig_in_find(struct cohort_net *cn, u32 src,
					 u64 id)
{
	struct cohort_mig_in *in;

	lockdep_assert_held(&mig_lock);
	list_for_each_entry(in, &mig_in_list, link)
		if (in->cn == cn && in->src == src && in->id == id)
			return in;
	return NULL;
}

/* Drop outcomes kept long enough and give up on stalled transfers. */
static void mig_reap(struct work_struct *work)
{
	struct cohort_mig_in *in, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&mig_lock);
	list_for_each_entry_safe(in, tmp, &mig_in_list, link) {
		if (in->state == MIG_RECEIVING &&
		    time_after(jiffies, in->touched + COHORT_MIG_IDLE_MAX))
			mig_in_end(in, MIG_ABORTED);
		if (!mig_in_open(in) &&
		    time_after(jiffies, in->touched + COHORT_MIG_KEEP))
			list_move(&in->link, &dead);
	}
	mutex_unlock(&mig_lock);
	list_for_each_entry_safe(in, tmp, &dead, link) {
		list_del(&in->link);
		mig_in_put(in);
	}
	schedule_delayed_work(&mig_reaper, 5 * HZ);
}

/* A node went down: what it was sending us, unfinished, is given up. */
static int mig_node_event(struct notifier_block *nb, unsigned long ev,
			  void *data)
{
	struct cohort_node_event_info *info = data;
	struct cohort_mig_in *in;

	if (ev != COHORT_EVENT_NODE_DOWN)
		return NOTIFY_DONE;
	mutex_lock(&mig_lock);
	list_for_each_entry(in, &mig_in_list, link)
		if (in->cn == info->cn && in->src == info->node_id &&
		    mig_in_open(in))
			mig_in_end(in, MIG_ABORTED);
	mutex_unlock(&mig_lock);
	return NOTIFY_DONE;
}

static struct notifier_block mig_node_nb = {
	.notifier_call = mig_node_event,
};

/* Payloads: big-endian, the migration id first. */
struct mig_msg {
	u64 id;
	u64 a;		/* BEGIN: source pid; DATA: offset; RESTORE: length */
};

#define MIG_HDR_LEN	16

static int mig_parse(const struct cohort_buf *buf, struct mig_msg *m)
{
	u8 raw[MIG_HDR_LEN];

	if (!buf || buf->len < MIG_HDR_LEN)
		return -EINVAL;
	cohort_buf_read(buf, 0, raw, sizeof(raw));
	m->id = cohort_get_be64(raw);
	m->a = cohort_get_be64(raw + 8);
	return 0;
}

static struct cohort_buf *mig_msg_buf(u64 id, u64 a, size_t extra)
{
	struct cohort_buf *buf = cohort_buf_alloc(MIG_HDR_LEN + extra,
						  GFP_KERNEL_ACCOUNT);
	u8 raw[MIG_HDR_LEN];

	if (!buf)
		return NULL;
	cohort_put_be64(raw, id);
	cohort_put_be64(raw + 8, a);
	cohort_buf_write(buf, 0, raw, sizeof(raw));
	return buf;
}

/* Copy @len bytes between @buf (from @boff) and @f (at @pos). */
static int mig_copy(struct cohort_buf *buf, size_t boff, struct file *f,
		    loff_t pos, size_t len, bool to_file)
{
	while (len) {
		size_t poff = boff & ~PAGE_MASK;
		size_t n = min_t(size_t, len, PAGE_SIZE - poff);
		void *p = kmap_local_page(buf->pages[boff >> PAGE_SHIFT]);
		ssize_t r;

		r = to_file ? kernel_write(f, p + poff, n, &pos)
			    : kernel_read(f, p + poff, n, &pos);
		kunmap_local(p);
		if (r != n)
			return r < 0 ? r : -EIO;
		boff += n;
		len -= n;
	}
	return 0;
}

/* ------------------------------------------------------------ destination */

static int mig_begin_handler(struct cohort_conn *conn,
			     const struct cohort_hdr *h, struct cohort_buf *buf)
{
	struct cohort_mig_in *in, *it;
	struct mig_msg m;
	int open = 0, err;

	err = mig_parse(buf, &m);
	if (err || buf->len != MIG_HDR_LEN || !m.a || m.a > PID_MAX_LIMIT)
		return -EINVAL;
	in = kzalloc(sizeof(*in), GFP_KERNEL_ACCOUNT);
	if (!in)
		return -ENOMEM;
	kref_init(&in->ref);
	init_waitqueue_head(&in->wq);
	in->cn = conn->cn;
	in->src = h->src;
	in->id = m.id;
	in->src_pid = m.a;
	in->touched = jiffies;
	in->img = shmem_file_setup("cohort-migration", 0, VM_NORESERVE);
	if (IS_ERR(in->img)) {
		err = PTR_ERR(in->img);
		in->img = NULL;
		goto out_free;
	}
	mutex_lock(&mig_lock);
	list_for_each_entry(it, &mig_in_list, link)
		open += mig_in_open(it);
	err = -EBUSY;
	if (open < COHORT_MIG_INCOMING_MAX &&
	    !mig_in_find(conn->cn, h->src, m.id)) {
		list_add(&in->link, &mig_in_list);
		err = 0;
	}
	mutex_unlock(&mig_lock);
	if (err)
		goto out_free;
	return cohort_rpc_reply(conn, h, NULL);

out_free:
	mig_in_put(in);
	return err;
}

static int mig_data_handler(struct cohort_conn *conn,
			    const struct cohort_hdr *h, struct cohort_buf *buf)
{
	struct cohort_mig_in *in;
	struct file *img = NULL;
	struct mig_msg m;
	size_t n;
	int err;

	err = mig_parse(buf, &m);
	if (err)
		return err;
	n = buf->len - MIG_HDR_LEN;
	mutex_lock(&mig_lock);
	in = mig_in_find(conn->cn, h->src, m.id);
	err = -ENOENT;
	if (in && in->state == MIG_RECEIVING) {
		err = -EINVAL;
		if (m.a == in->have && n && m.a + n <= COHORT_MIG_IMAGE_MAX) {
			img = get_file(in->img);
			kref_get(&in->ref);
			err = 0;
		}
	}
	mutex_unlock(&mig_lock);
	if (err)
		return err;
	/* One DATA at a time per migration: the source waits for each. */
	err = mig_copy(buf, MIG_HDR_LEN, img, m.a, n, true);
	fput(img);
	mutex_lock(&mig_lock);
	if (!err && in->state == MIG_RECEIVING && in->have == m.a) {
		in->have += n;
		in->touched = jiffies;
	} else if (!err) {
		err = -ENOENT;
	}
	mutex_unlock(&mig_lock);
	mig_in_put(in);
	return err ?: cohort_rpc_reply(conn, h, NULL);
}

/* RESTORE's answer: s32 error, u32 pid, the reason. */
#define MIG_RESTORE_REPLY_LEN	(8 + COHORT_REASON_MAX)

static int mig_restore_reply(struct cohort_conn *conn,
			     const struct cohort_hdr *h, int err, pid_t pid,
			     const char *reason)
{
	struct cohort_buf *resp;
	u8 raw[8];

	resp = cohort_buf_alloc(MIG_RESTORE_REPLY_LEN, GFP_KERNEL);
	if (!resp)
		return -ENOMEM;
	cohort_put_be32(raw, (u32)err);
	cohort_put_be32(raw + 4, pid);
	cohort_buf_write(resp, 0, raw, sizeof(raw));
	cohort_buf_write(resp, sizeof(raw), reason, COHORT_REASON_MAX);
	err = cohort_rpc_reply(conn, h, resp);
	cohort_buf_put(resp);
	return err;
}

static int mig_restore_handler(struct cohort_conn *conn,
			       const struct cohort_hdr *h,
			       struct cohort_buf *buf)
{
	char reason[COHORT_REASON_MAX] = "";
	struct cohort_mig_in *in;
	unsigned long wait;
	struct mig_msg m;
	pid_t pid = 0;
	int err;

	err = mig_parse(buf, &m);
	if (err || buf->len != MIG_HDR_LEN)
		return -EINVAL;
	mutex_lock(&mig_lock);
	in = mig_in_find(conn->cn, h->src, m.id);
	err = -ENOENT;
	if (in && in->state == MIG_RECEIVING) {
		err = -EINVAL;
		if (in->have == m.a && m.a) {
			in->state = MIG_RESTORING;
			in->touched = jiffies;
			kref_get(&in->ref);
			err = 0;
		}
	}
	mutex_unlock(&mig_lock);
	if (err)
		return err;

	cohort_genl_migrate_in(conn->cn, in->src, in->id, in->src_pid);
	wait = msecs_to_jiffies(clamp_val(READ_ONCE(mig_restore_ms), 1000, 590000));
	wait_event_idle_timeout(in->wq, READ_ONCE(in->state) != MIG_RESTORING,
				wait);
	mutex_lock(&mig_lock);
	switch (in->state) {
	case MIG_RESTORING:
		mig_in_end(in, MIG_ABORTED);
		err = -ETIMEDOUT;
		strscpy(reason, in->fetched ? "the restore did not finish in time"
					    : "no restorer came (is cohortd running there?)",
			sizeof(reason));
		break;
	case MIG_READY:
		pid = in->pid;
		break;
	case MIG_FAILED:
		err = -EINVAL;
		memcpy(reason, in->reason, sizeof(reason));
		break;
	default:
		err = -ECANCELED;
		strscpy(reason, "given up", sizeof(reason));
		break;
	}
	mutex_unlock(&mig_lock);
	mig_in_put(in);
	reason[sizeof(reason) - 1] = 0;
	return mig_restore_reply(conn, h, err, pid, reason);
}

/* COMMIT and ABORT: the verdict; asking again gets the same answer. */
static int mig_verdict_handler(struct cohort_conn *conn,
			       const struct cohort_hdr *h,
			       struct cohort_buf *buf)
{
	bool commit = h->type == COHORT_MSG_MIG_COMMIT;
	struct cohort_mig_in *in;
	struct mig_msg m;
	int err;

	err = mig_parse(buf, &m);
	if (err || buf->len != MIG_HDR_LEN)
		return -EINVAL;
	mutex_lock(&mig_lock);
	in = mig_in_find(conn->cn, h->src, m.id);
	err = -ENOENT;
	if (in && commit) {
		if (in->state == MIG_READY)
			mig_in_end(in, MIG_COMMITTED);
		if (in->state == MIG_COMMITTED)
			err = 0;
	} else if (in) {
		if (mig_in_open(in))
			mig_in_end(in, MIG_ABORTED);
		err = in->state == MIG_COMMITTED ? -EEXIST : 0;
	}
	mutex_unlock(&mig_lock);
	return err ?: cohort_rpc_reply(conn, h, NULL);
}

long cohort_migrate_fetch_ioctl(struct cohort_migrate_fetch __user *ureq)
{
	struct cohort_net *cn = cohort_net(current->nsproxy->net_ns);
	struct cohort_migrate_fetch req;
	struct cohort_mig_in *in;
	struct file *img = NULL;
	int fd;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	if (req.pad || req.pad2)
		return -EINVAL;
	mutex_lock(&mig_lock);
	in = mig_in_find(cn, req.node, req.id);
	if (in && in->state == MIG_RESTORING && !in->fetched) {
		in->fetched = true;
		img = get_file(in->img);
	}
	mutex_unlock(&mig_lock);
	if (!img)
		return -ENOENT;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(img);
		return fd;
	}
	req.fd = fd;
	if (copy_to_user(ureq, &req, sizeof(req))) {
		put_unused_fd(fd);
		fput(img);
		return -EFAULT;
	}
	fd_install(fd, img);
	return 0;
}

struct cohort_mig_in *cohort_mig_claim(struct file *img)
{
	struct cohort_mig_in *in, *found = NULL;

	mutex_lock(&mig_lock);
	list_for_each_entry(in, &mig_in_list, link) {
		if (in->img == img && in->state == MIG_RESTORING &&
		    !in->claimed) {
			in->claimed = true;
			kref_get(&in->ref);
			found = in;
			break;
		}
	}
	mutex_unlock(&mig_lock);
	return found;
}

void cohort_mig_fail(struct cohort_mig_in *in, const char *reason)
{
	mutex_lock(&mig_lock);
	if (in->state == MIG_RESTORING || in->state == MIG_READY) {
		strscpy(in->reason, reason, sizeof(in->reason));
		mig_in_end(in, MIG_FAILED);
	}
	mutex_unlock(&mig_lock);
}

int cohort_mig_ready(struct cohort_mig_in *in)
{
	int err = -ECANCELED;

	mutex_lock(&mig_lock);
	if (in->state == MIG_RESTORING) {
		in->state = MIG_READY;
		in->pid = task_tgid_nr(current);
		in->touched = jiffies;
		wake_up_all(&in->wq);
		err = 0;
	}
	mutex_unlock(&mig_lock);
	if (err)
		return err;
	wait_event_killable_timeout(in->wq, READ_ONCE(in->state) != MIG_READY,
				    COHORT_MIG_READY_MAX);
	mutex_lock(&mig_lock);
	if (in->state == MIG_READY)
		mig_in_end(in, MIG_ABORTED);
	err = in->state == MIG_COMMITTED ? 0 : -ECANCELED;
	mutex_unlock(&mig_lock);
	return err;
}

void cohort_mig_unclaim(struct cohort_mig_in *in)
{
	cohort_mig_fail(in, "the restorer ended before the process ran");
	mig_in_put(in);
}

/* ------------------------------------------------------------ source */

static int mig_call(struct cohort_net *cn, u32 node, u8 type, u64 id, u64 a,
		    struct cohort_buf **resp, unsigned int timeout_ms)
{
	struct cohort_buf *req = mig_msg_buf(id, a, 0);
	struct cohort_buf *r = NULL;
	int err;

	if (!req)
		return -ENOMEM;
	err = cohort_rpc_call(cn, node, type, req, &r, timeout_ms);
	cohort_buf_put(req);
	if (resp)
		*resp = r;
	else
		cohort_buf_put(r);
	return err;
}

static __printf(2, 3)
void mig_say(struct cohort_migrate_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

static const char *mig_errname(int err)
{
	switch (err) {
	case -ENOENT: return "no such node";
	case -EHOSTDOWN: return "the node is not up";
	case -ETIMEDOUT: return "no answer in time";
	case -EBUSY: return "the node is busy (too many migrations)";
	case -EINTR: return "interrupted";
	case -ENOMEM: return "out of memory";
	}
	return "refused";
}

static int mig_send_image(struct cohort_net *cn, u32 node, u64 id,
			  struct file *img, u64 len)
{
	u64 off;
	int err = 0;

	for (off = 0; off < len && !err; off += COHORT_MIG_CHUNK) {
		size_t n = min_t(u64, len - off, COHORT_MIG_CHUNK);
		struct cohort_buf *req = mig_msg_buf(id, off, n);
		struct cohort_buf *resp = NULL;

		if (!req)
			return -ENOMEM;
		err = mig_copy(req, MIG_HDR_LEN, img, off, n, false);
		if (!err)
			err = cohort_rpc_call(cn, node, COHORT_MSG_MIG_DATA, req,
					      &resp, COHORT_MIG_CALL_MS + (n >> 18) * 1000);
		cohort_buf_put(resp);
		cohort_buf_put(req);
	}
	return err;
}

/* RESTORE, and the destination's word on it. */
static int mig_restore_remote(struct cohort_net *cn, u32 node, u64 id,
			      u64 len, struct cohort_migrate_result *res)
{
	struct cohort_buf *resp = NULL;
	char reason[COHORT_REASON_MAX];
	u8 raw[8];
	int err;

	err = mig_call(cn, node, COHORT_MSG_MIG_RESTORE, id, len, &resp,
		       COHORT_MIG_RESTORE_MS);
	if (err) {
		mig_say(res, "node %u: restore: %s", node, mig_errname(err));
		goto out;
	}
	err = -EPROTO;
	if (!resp || resp->len != MIG_RESTORE_REPLY_LEN) {
		mig_say(res, "node %u: a malformed answer to RESTORE", node);
		goto out;
	}
	cohort_buf_read(resp, 0, raw, sizeof(raw));
	cohort_buf_read(resp, sizeof(raw), reason, sizeof(reason));
	reason[sizeof(reason) - 1] = 0;
	err = (s32)cohort_get_be32(raw);
	res->remote_pid = cohort_get_be32(raw + 4);
	if (err > 0 || err < -MAX_ERRNO || (!err && !res->remote_pid)) {
		err = -EPROTO;
		mig_say(res, "node %u: a malformed answer to RESTORE", node);
	} else if (err) {
		mig_say(res, "node %u: %s", node, reason[0] ? reason : "restore failed");
	}
out:
	cohort_buf_put(resp);
	return err;
}

/*
 * COMMIT until the destination answers it or is gone for good (down for
 * longer than a link that comes back is). 0: it runs there.
 */
static int mig_commit(struct cohort_net *cn, u32 node, u64 id)
{
	unsigned long until = jiffies + msecs_to_jiffies(COHORT_MIG_COMMIT_TRIES_MS);
	int err;

	for (;;) {
		err = mig_call(cn, node, COHORT_MSG_MIG_COMMIT, id, 0, NULL,
			       COHORT_MIG_CALL_MS);
		if (err != -ETIMEDOUT && err != -EHOSTDOWN && err != -EINTR &&
		    err != -ENOMEM)
			return err;
		if (time_after(jiffies, until))
			return err;
		msleep(500);
	}
}

int cohort_migrate(struct cohort_net *cn, pid_t vpid, u32 node,
		   struct cohort_migrate_result *res)
{
	struct cohort_ckpt_result ck_res;
	struct cohort_ckpt *held = NULL;
	u64 t0 = ktime_get_ns(), id, len;
	struct file *img;
	int err;

	memset(res, 0, sizeof(*res));
	id = atomic64_inc_return(&mig_next_id);
	err = mig_call(cn, node, COHORT_MSG_MIG_BEGIN, id, vpid ?: 1, NULL,
		       COHORT_MIG_CALL_MS);
	if (err) {
		mig_say(res, "node %u: %s", node, mig_errname(err));
		goto out_count;
	}
	img = shmem_file_setup("cohort-image", 0, VM_NORESERVE);
	if (IS_ERR(img)) {
		err = PTR_ERR(img);
		mig_say(res, "no memory for the image");
		goto out_abort;
	}
	err = cohort_checkpoint_hold(vpid, img, 0, &held, &ck_res);
	res->bytes = ck_res.bytes;
	res->pages = ck_res.pages;
	if (err) {
		mig_say(res, "%s", ck_res.reason);
		goto out_img;
	}
	len = i_size_read(file_inode(img));
	err = mig_send_image(cn, node, id, img, len);
	if (err) {
		mig_say(res, "node %u: sending the image: %s", node,
			mig_errname(err));
		goto out_release;
	}
	err = mig_restore_remote(cn, node, id, len, res);
	if (err)
		goto out_release;
	if (!cohort_ckpt_begin_commit(held)) {
		err = -ESRCH;
		mig_say(res, "the process was killed during the migration");
		goto out_release;
	}
	err = mig_commit(cn, node, id);
	if (err == -ENOENT)
		mig_say(res, "node %u had given the restored process up; the process goes on here",
			node);
	if (err) {
		mig_say(res, "node %u: commit: %s; the process goes on here",
			node, mig_errname(err));
		goto out_release;
	}
	cohort_ckpt_release(held, true, &res->freeze_ns);
	fput(img);
	res->total_ns = ktime_get_ns() - t0;
	atomic64_inc(&stat_out_ok);
	return 0;

out_release:
	cohort_ckpt_release(held, false, &res->freeze_ns);
out_img:
	fput(img);
out_abort:
	mig_call(cn, node, COHORT_MSG_MIG_ABORT, id, 0, NULL, 5000);
out_count:
	res->total_ns = ktime_get_ns() - t0;
	atomic64_inc(&stat_out_failed);
	return err;
}

void cohort_migrate_stats(u64 *out_ok, u64 *out_failed, u64 *in_ok,
			  u64 *in_failed)
{
	*out_ok = atomic64_read(&stat_out_ok);
	*out_failed = atomic64_read(&stat_out_failed);
	*in_ok = atomic64_read(&stat_in_ok);
	*in_failed = atomic64_read(&stat_in_failed);
}

int cohort_migrate_init(void)
{
	int err;

	atomic64_set(&mig_next_id, get_random_u64() >> 1);
	err = cohort_register_node_notifier(&mig_node_nb);
	if (err)
		return err;
	err = cohort_rpc_register_flags(COHORT_MSG_MIG_BEGIN, MIG_HDR_LEN,
					mig_begin_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_notifier;
	err = cohort_rpc_register_flags(COHORT_MSG_MIG_DATA,
					MIG_HDR_LEN + COHORT_MIG_CHUNK,
					mig_data_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_begin;
	/* (a type's length bound holds for its answers too) */
	err = cohort_rpc_register_flags(COHORT_MSG_MIG_RESTORE,
					MIG_RESTORE_REPLY_LEN,
					mig_restore_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_data;
	err = cohort_rpc_register_flags(COHORT_MSG_MIG_COMMIT, MIG_HDR_LEN,
					mig_verdict_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_restore;
	err = cohort_rpc_register_flags(COHORT_MSG_MIG_ABORT, MIG_HDR_LEN,
					mig_verdict_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_commit;
	INIT_DELAYED_WORK(&mig_reaper, mig_reap);
	schedule_delayed_work(&mig_reaper, 5 * HZ);
	return 0;

err_commit:
	cohort_rpc_unregister(COHORT_MSG_MIG_COMMIT);
err_restore:
	cohort_rpc_unregister(COHORT_MSG_MIG_RESTORE);
err_data:
	cohort_rpc_unregister(COHORT_MSG_MIG_DATA);
err_begin:
	cohort_rpc_unregister(COHORT_MSG_MIG_BEGIN);
err_notifier:
	cohort_unregister_node_notifier(&mig_node_nb);
	return err;
}

/*
 * Open incoming migrations are given up first (a handler waiting for a
 * restorer wakes), then the types go (their handlers finish), then the
 * list. No MIGRATE request runs: the netlink family is gone already.
 */
void cohort_migrate_exit(void)
{
	struct cohort_mig_in *in, *tmp;

	mutex_lock(&mig_lock);
	list_for_each_entry(in, &mig_in_list, link)
		if (mig_in_open(in))
			mig_in_end(in, MIG_ABORTED);
	mutex_unlock(&mig_lock);
	cohort_rpc_unregister(COHORT_MSG_MIG_ABORT);
	cohort_rpc_unregister(COHORT_MSG_MIG_COMMIT);
	cohort_rpc_unregister(COHORT_MSG_MIG_RESTORE);
	cohort_rpc_unregister(COHORT_MSG_MIG_DATA);
	cohort_rpc_unregister(COHORT_MSG_MIG_BEGIN);
	cohort_unregister_node_notifier(&mig_node_nb);
	cancel_delayed_work_sync(&mig_reaper);
	mutex_lock(&mig_lock);
	list_for_each_entry_safe(in, tmp, &mig_in_list, link) {
		if (mig_in_open(in))
			mig_in_end(in, MIG_ABORTED);
		list_del(&in->link);
		mig_in_put(in);
	}
	mutex_unlock(&mig_lock);
}
