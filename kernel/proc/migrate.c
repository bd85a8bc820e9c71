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
 * outcome of a migration is kept for COHORT_MIG_KEEP) for up to
 * migrate_commit_wait_ms; then ABORT asks the last time: aborted there
 * (or unknown there), the process goes on here; committed, it runs there.
 * With no answer at all the outcome is unknown, and the source ends its
 * process rather than let it run twice (counted, and said to the caller).
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
#include "../selftest_hooks.h"
#include "checkpoint.h"
#include "deputy.h"
#include "guests.h"
#include "migrate.h"

#define COHORT_MIG_CHUNK	(8U << 20)	/* image bytes per DATA */
#define COHORT_MIG_IMAGE_MAX	(8ULL << 30)
#define COHORT_MIG_INCOMING_MAX	8		/* unfinished, per node */
#define COHORT_MIG_IDLE_MAX	(60 * HZ)	/* a transfer that stalls */
#define COHORT_MIG_READY_MAX	(30 * HZ)	/* ready, waiting for COMMIT */
#define COHORT_MIG_KEEP		(300 * HZ)	/* an outcome stays known */
#define COHORT_MIG_CALL_MS	20000
#define COHORT_MIG_RESTORE_MS	600000	/* the destination bounds it */

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
	struct cohort_guest_home home;	/* constant: where it belongs */
	int state;
	struct file *img;		/* until the outcome */
	u64 have;			/* bytes received */
	bool fetched, claimed;
	pid_t pid;			/* when MIG_READY */
	struct pid *tpid;		/* when MIG_READY, a reference */
	unsigned long touched;		/* jiffies of the last change */
	char reason[COHORT_REASON_MAX];	/* when MIG_FAILED */
	wait_queue_head_t wq;		/* state changes */
};

/* How long a destination waits for its restorer to have the process ready. */
static unsigned int mig_restore_ms = 120000;
module_param_named(migrate_restore_ms, mig_restore_ms, uint, 0644);
MODULE_PARM_DESC(migrate_restore_ms,
		 "ms an incoming migration waits for its restored process (1000-590000, default 120000)");

/*
 * How long a source asks again for the answer to COMMIT. Past it, and if
 * the destination cannot be asked whether it applied it either, the
 * outcome is unknown: the held process is ended here (it may run there;
 * it must never run twice). Below COHORT_MIG_KEEP, so that a destination
 * that applied COMMIT still says so when asked.
 */
static unsigned int mig_commit_wait_ms = 90000;
module_param_named(migrate_commit_wait_ms, mig_commit_wait_ms, uint, 0644);
MODULE_PARM_DESC(migrate_commit_wait_ms,
		 "ms a source asks again for the answer to COMMIT (1000-280000, default 90000)");

static DEFINE_MUTEX(mig_lock);
static LIST_HEAD(mig_in_list);		/* under mig_lock */
static atomic64_t mig_next_id;
static struct delayed_work mig_reaper;

static atomic64_t stat_out_ok, stat_out_failed, stat_in_ok, stat_in_failed;
static atomic64_t stat_out_unknown;

static void mig_in_free(struct kref *ref)
{
	struct cohort_mig_in *in = container_of(ref, struct cohort_mig_in, ref);

	if (in->img)
		fput(in->img);
	put_pid(in->tpid);
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
#define MIG_BEGIN_LEN	(MIG_HDR_LEN + 8)	/* + home node, home PID */

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

/* Where the test build's fault (debugfs mig_fault_step) strikes. */
enum cohort_mig_fault {
	MIG_FAULT_BEGIN = 1,	/* BEGIN arrives */
	MIG_FAULT_DATA,		/* the first DATA arrives */
	MIG_FAULT_RESTORE,	/* RESTORE arrives, before any restorer */
	MIG_FAULT_READY,	/* restored, waiting for COMMIT, not answered */
	MIG_FAULT_COMMIT,	/* COMMIT: refused, or applied and held */
};

/*
 * The test build's fault at @step of an incoming migration, once:
 * -EPERM (refused), or, with mig_fault_stall_ms set, 0 after holding that
 * long. Always 0 in a normal build.
 */
static int mig_fault(enum cohort_mig_fault step)
{
#ifdef COHORT_TEST_HOOKS
	u32 ms = READ_ONCE(cohort_test_mig_fault_stall_ms);

	if (cmpxchg(&cohort_test_mig_fault_step, step, 0) != step)
		return 0;
	if (!ms)
		return -EPERM;
	pr_info("test fault: migration held %u ms at step %d\n", ms, step);
	msleep(min(ms, 60000U));
#endif
	return 0;
}

static int mig_begin_handler(struct cohort_conn *conn,
			     const struct cohort_hdr *h, struct cohort_buf *buf)
{
	struct cohort_mig_in *in, *it;
	struct cohort_guest_home home;
	u8 raw[8];
	struct mig_msg m;
	int open = 0, err;

	err = mig_parse(buf, &m);
	if (err || buf->len != MIG_BEGIN_LEN || !m.a || m.a > PID_MAX_LIMIT)
		return -EINVAL;
	cohort_buf_read(buf, MIG_HDR_LEN, raw, sizeof(raw));
	home.node = cohort_get_be32(raw);
	home.pid = cohort_get_be32(raw + 4);
	if (!home.node || home.node > COHORT_NODE_ID_MAX || !home.pid ||
	    home.pid > PID_MAX_LIMIT)
		return -EINVAL;
	err = mig_fault(MIG_FAULT_BEGIN);
	if (err)
		return err;
	in = kzalloc(sizeof(*in), GFP_KERNEL_ACCOUNT);
	if (!in)
		return -ENOMEM;
	kref_init(&in->ref);
	init_waitqueue_head(&in->wq);
	in->cn = conn->cn;
	in->src = h->src;
	in->id = m.id;
	in->src_pid = m.a;
	in->home = home;
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
	if (!err && !m.a)
		err = mig_fault(MIG_FAULT_DATA);
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
	err = mig_fault(MIG_FAULT_RESTORE);
	if (err)
		return err;
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

	/* the PID it asks for here: its first, which a deputy holds at home */
	cohort_genl_migrate_in(conn->cn, in->src, in->id, in->home.pid);
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
	if (!err) {
		int fault = mig_fault(MIG_FAULT_READY);

		if (fault)
			return fault;
	}
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
	/* The test fault: refused before it is applied, held after. */
	if (commit && !cohort_test_mig_fault_stall_ms)
		err = mig_fault(MIG_FAULT_COMMIT);
	if (err)
		return err;
	mutex_lock(&mig_lock);
	in = mig_in_find(conn->cn, h->src, m.id);
	err = -ENOENT;
	if (in && commit) {
		if (in->state == MIG_READY) {
			/*
			 * Listed before it runs. Home again, it is a guest
			 * still if its deputy is there: it holds the PID.
			 */
			u32 self = READ_ONCE(conn->cn->self_id), at;

			if (in->home.node != self ||
			    cohort_deputy_where(conn->cn, in->home.pid, &at))
				cohort_guest_add(conn->cn, in->tpid, &in->home,
						 in->src);
			if (in->home.node == self)
				cohort_deputy_arrived_home(conn->cn,
							   in->home.pid, in->src);
			mig_in_end(in, MIG_COMMITTED);
		}
		if (in->state == MIG_COMMITTED)
			err = 0;
	} else if (in) {
		if (mig_in_open(in))
			mig_in_end(in, MIG_ABORTED);
		err = in->state == MIG_COMMITTED ? -EEXIST : 0;
	}
	mutex_unlock(&mig_lock);
	if (!err && commit && cohort_test_mig_fault_stall_ms)
		mig_fault(MIG_FAULT_COMMIT);
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
		in->tpid = get_task_pid(current, PIDTYPE_TGID);
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
	case -ENOLINK: return "no answer: the outcome is unknown";
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

/* BEGIN: the source's PID and, for the list of guests, the home. */
static int mig_begin(struct cohort_net *cn, u32 node, u64 id, pid_t vpid,
		     const struct cohort_guest_home *home)
{
	struct cohort_buf *req = mig_msg_buf(id, vpid, 8);
	struct cohort_buf *resp = NULL;
	u8 raw[8];
	int err;

	if (!req)
		return -ENOMEM;
	cohort_put_be32(raw, home->node);
	cohort_put_be32(raw + 4, home->pid);
	cohort_buf_write(req, MIG_HDR_LEN, raw, sizeof(raw));
	err = cohort_rpc_call(cn, node, COHORT_MSG_MIG_BEGIN, req, &resp,
			      COHORT_MIG_CALL_MS);
	cohort_buf_put(resp);
	cohort_buf_put(req);
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
static bool mig_unanswered(int err)
{
	return err == -ETIMEDOUT || err == -EHOSTDOWN || err == -EINTR ||
	       err == -ENOMEM;
}

static int mig_commit(struct cohort_net *cn, u32 node, u64 id)
{
	u32 ms = clamp_val(READ_ONCE(mig_commit_wait_ms), 1000, 280000);
	unsigned long until = jiffies + msecs_to_jiffies(ms);
	int err;

	BUILD_BUG_ON(280 * HZ >= COHORT_MIG_KEEP);
	for (;;) {
		err = mig_call(cn, node, COHORT_MSG_MIG_COMMIT, id, 0, NULL,
			       COHORT_MIG_CALL_MS);
		if (!mig_unanswered(err))
			return err;
		if (time_after(jiffies, until))
			break;
		msleep(500);
	}
	/*
	 * Unanswered: ABORT is the last question. Aborted (or never known)
	 * there: it goes on here. Already committed: it runs there.
	 */
	err = mig_call(cn, node, COHORT_MSG_MIG_ABORT, id, 0, NULL, 5000);
	if (err == -EEXIST)
		return 0;
	if (!err)
		return -ENOENT;
	return mig_unanswered(err) ? -ENOLINK : err;
}

/* A process's home: a guest keeps its own, any other has it here. */
static void mig_home_of(struct cohort_net *cn, struct pid *pid,
			struct cohort_guest_home *home)
{
	if (!cohort_guest_home(cn, pid, home)) {
		home->node = READ_ONCE(cn->self_id);
		home->pid = pid_nr(pid);
	}
}

/*
 * The process is held and its image in @img: send it, have it restored,
 * commit, and release the process either way (ended, or on here; one
 * that moves itself then fails its call with the reason). 0: it runs on
 * @node now.
 */
static int mig_hand_over(struct cohort_net *cn, u32 node, u64 id,
			 struct cohort_ckpt *held, struct file *img,
			 struct pid *pid, bool self,
			 struct cohort_migrate_result *res)
{
	u64 len = i_size_read(file_inode(img));
	struct cohort_deputy *dep = NULL;
	struct cohort_guest_home home;
	bool guest;
	int err;

	/* Its home is here: the task stays, as its deputy, once it runs there. */
	guest = cohort_guest_home(cn, pid, &home);
	if (!guest) {
		dep = cohort_deputy_new(cn, pid_nr(pid), node);
		if (IS_ERR(dep)) {
			err = PTR_ERR(dep);
			dep = NULL;
			mig_say(res, "no deputy for it here (%d)", err);
			goto out_release;
		}
	}
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
	if (err == -ENOLINK) {
		/* It may run there: never twice, so not here any more. */
		mig_say(res, "node %u: COMMIT unanswered for %u ms, ABORT too: %s",
			node, clamp_val(READ_ONCE(mig_commit_wait_ms), 1000, 280000),
			"outcome unknown; ended here so that it never runs twice");
		if (dep)
			cohort_deputy_cancel(dep);
		cohort_guest_del(cn, pid);
		cohort_ckpt_release(held, true, &res->freeze_ns);
		return err;
	}
	if (err == -ENOENT) {
		mig_say(res, "node %u had given the restored process up; the process goes on here",
			node);
		goto out_release;
	}
	if (err) {
		mig_say(res, "node %u: commit: %s; the process goes on here",
			node, mig_errname(err));
		goto out_release;
	}
	if (dep) {
		cohort_ckpt_release_to(held, cohort_deputy_run, dep,
				       &res->freeze_ns);
		return 0;
	}
	/* A guest: off the list before it ends, so its end is not an exit. */
	cohort_guest_del(cn, pid);
	cohort_ckpt_release(held, true, &res->freeze_ns);
	if (home.node != node)
		cohort_deputy_tell_moved(cn, &home, node);
	return 0;

out_release:
	if (dep)
		cohort_deputy_cancel(dep);
	if (self)
		cohort_ckpt_self_outcome(held, err, res->reason);
	cohort_ckpt_release(held, false, &res->freeze_ns);
	return err;
}

int cohort_migrate(struct cohort_net *cn, pid_t vpid, u32 node,
		   struct cohort_migrate_result *res)
{
	struct cohort_ckpt_result ck_res;
	struct cohort_ckpt *held = NULL;
	u64 t0 = ktime_get_ns(), id;
	struct cohort_guest_home home;
	struct pid *pid;
	struct file *img;
	int err;

	memset(res, 0, sizeof(*res));
	pid = find_get_pid(vpid);
	if (!pid) {
		mig_say(res, "no such process");
		err = -ESRCH;
		goto out_count;
	}
	/*
	 * A deputy: its process is what moves. Back home it runs here
	 * (under a PID of its own); elsewhere, it is moved from there.
	 */
	if (cohort_deputy_where(cn, pid_nr(pid), &home.node)) {
		struct pid *body = NULL;

		if (home.node == READ_ONCE(cn->self_id))
			body = cohort_guest_by_home(cn, home.node, pid_nr(pid));
		if (!body) {
			mig_say(res, "process %d runs on node %u (this is its deputy): %s",
				vpid, home.node, "migrate it there");
			err = -EREMOTE;
			goto out_pid;
		}
		put_pid(pid);
		pid = body;
		vpid = pid_vnr(body);
	}
	mig_home_of(cn, pid, &home);
	id = atomic64_inc_return(&mig_next_id);
	err = mig_begin(cn, node, id, vpid, &home);
	if (err) {
		mig_say(res, "node %u: %s", node, mig_errname(err));
		goto out_pid;
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
	if (err)
		mig_say(res, "%s", ck_res.reason);
	else
		err = mig_hand_over(cn, node, id, held, img, pid, false, res);
	fput(img);
	if (!err || err == -ENOLINK) {
		res->total_ns = ktime_get_ns() - t0;
		atomic64_inc(err ? &stat_out_unknown : &stat_out_ok);
		goto out_event;
	}
out_abort:
	mig_call(cn, node, COHORT_MSG_MIG_ABORT, id, 0, NULL, 5000);
out_pid:
	res->total_ns = ktime_get_ns() - t0;
	atomic64_inc(&stat_out_failed);
out_event:
	cohort_genl_migrate_out(cn, pid_nr(pid), node, err, res);
	put_pid(pid);
	return err;
out_count:
	res->total_ns = ktime_get_ns() - t0;
	atomic64_inc(&stat_out_failed);
	return err;
}

/*
 * A process that moves itself (COHORT_IOC_MIGRATE_SELF): its image is
 * taken as it returns from the ioctl; this work, on its own queue (drained
 * at unload), then does what MIGRATE's requester does, BEGIN last.
 */
struct mig_self {
	struct work_struct work;
	struct cohort_net *cn;
	u32 node;
	struct pid *pid;		/* a reference */
	struct cohort_ckpt *held;
	struct file *img;		/* a reference */
};

static struct workqueue_struct *mig_self_wq;

static void mig_self_work(struct work_struct *work)
{
	struct mig_self *ms = container_of(work, struct mig_self, work);
	struct cohort_migrate_result res = {};
	struct cohort_ckpt_result ck_res = {};
	struct cohort_guest_home home;
	u64 t0 = ktime_get_ns(), id;
	int err;

	err = cohort_ckpt_self_wait(ms->held, &ck_res);
	res.bytes = ck_res.bytes;
	res.pages = ck_res.pages;
	if (err) {		/* it went on, its call failing with the reason */
		strscpy(res.reason, ck_res.reason, sizeof(res.reason));
		goto out_count;
	}
	mig_home_of(ms->cn, ms->pid, &home);
	id = atomic64_inc_return(&mig_next_id);
	err = mig_begin(ms->cn, ms->node, id, pid_nr(ms->pid), &home);
	if (err) {
		mig_say(&res, "node %u: %s", ms->node, mig_errname(err));
		cohort_ckpt_self_outcome(ms->held, err, res.reason);
		cohort_ckpt_release(ms->held, false, NULL);
		goto out_count;
	}
	err = mig_hand_over(ms->cn, ms->node, id, ms->held, ms->img, ms->pid,
			    true, &res);
	if (err && err != -ENOLINK)
		mig_call(ms->cn, ms->node, COHORT_MSG_MIG_ABORT, id, 0, NULL,
			 5000);
out_count:
	res.total_ns = ktime_get_ns() - t0;
	atomic64_inc(!err ? &stat_out_ok : err == -ENOLINK ?
		     &stat_out_unknown : &stat_out_failed);
	cohort_genl_migrate_out(ms->cn, pid_nr(ms->pid), ms->node, err, &res);
	fput(ms->img);
	put_pid(ms->pid);
	kfree(ms);
}

long cohort_migrate_self_ioctl(struct cohort_migrate_self __user *ureq)
{
	struct cohort_net *cn = cohort_net(current->nsproxy->net_ns);
	struct cohort_migrate_self req;
	struct mig_self *ms;
	u32 self;
	int err;

	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	self = READ_ONCE(cn->self_id);
	if (req.pad || !req.node || req.node > COHORT_NODE_ID_MAX ||
	    req.node == self)
		return -EINVAL;
	if (!self)
		return -ENOTCONN;
	/* What the process could not be traced for, it cannot move for. */
	if (!current->mm || get_dumpable(current->mm) != SUID_DUMP_USER)
		return -EPERM;
	ms = kzalloc(sizeof(*ms), GFP_KERNEL);
	if (!ms)
		return -ENOMEM;
	ms->img = shmem_file_setup("cohort-image", 0, VM_NORESERVE);
	if (IS_ERR(ms->img)) {
		err = PTR_ERR(ms->img);
		goto out_free;
	}
	err = cohort_checkpoint_self(ms->img, ureq, &ms->held);
	if (err)
		goto out_img;
	ms->cn = cn;
	ms->node = req.node;
	ms->pid = get_task_pid(current, PIDTYPE_TGID);
	INIT_WORK(&ms->work, mig_self_work);
	queue_work(mig_self_wq, &ms->work);
	return 0;	/* what the image says the call returned */

out_img:
	fput(ms->img);
out_free:
	kfree(ms);
	return err;
}

void cohort_migrate_stats(u64 v[COHORT_MIG_STATS])
{
	v[0] = atomic64_read(&stat_out_ok);
	v[1] = atomic64_read(&stat_out_failed);
	v[2] = atomic64_read(&stat_in_ok);
	v[3] = atomic64_read(&stat_in_failed);
	v[4] = atomic64_read(&stat_out_unknown);
	cohort_deputy_stats(v + 5);
}

int cohort_migrate_init(void)
{
	int err;

	atomic64_set(&mig_next_id, get_random_u64() >> 1);
	mig_self_wq = alloc_workqueue("cohort_mig_self", WQ_UNBOUND, 0);
	if (!mig_self_wq)
		return -ENOMEM;
	err = cohort_register_node_notifier(&mig_node_nb);
	if (err)
		goto err_wq;
	err = cohort_guests_init();
	if (err)
		goto err_notifier;
	err = cohort_deputy_init();
	if (err)
		goto err_guests;
	err = cohort_rpc_register_flags(COHORT_MSG_MIG_BEGIN, MIG_BEGIN_LEN,
					mig_begin_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_deputy;
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
err_deputy:
	cohort_deputy_exit();
err_guests:
	cohort_guests_exit();
err_notifier:
	cohort_unregister_node_notifier(&mig_node_nb);
err_wq:
	destroy_workqueue(mig_self_wq);
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
	destroy_workqueue(mig_self_wq);	/* self migrations finish */
	cohort_rpc_unregister(COHORT_MSG_MIG_ABORT);
	cohort_rpc_unregister(COHORT_MSG_MIG_COMMIT);
	cohort_rpc_unregister(COHORT_MSG_MIG_RESTORE);
	cohort_rpc_unregister(COHORT_MSG_MIG_DATA);
	cohort_rpc_unregister(COHORT_MSG_MIG_BEGIN);
	cohort_deputy_exit();
	cohort_guests_exit();
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
