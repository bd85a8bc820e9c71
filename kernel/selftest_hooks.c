// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only hooks (see selftest_hooks.h). Writing 1 to a trigger file in
 * /sys/kernel/debug/cohort/ commits one deliberate kernel bug, so that the
 * tests can show the console scan (and, on the debug kernel, KASAN,
 * lockdep, UBSAN and kmemleak) catch it:
 *   trigger_warn     a WARN
 *   trigger_oob      a read one byte past the end of a kmalloc'd object
 *   trigger_lockdep  two mutexes taken in both orders (no real deadlock:
 *                    one task, one after the other)
 *   trigger_ubsan    a shift by more than the width of the type
 *   trigger_leak     a kmalloc'd object whose only pointer is dropped
 * /sys/kernel/debug/cohort/node_events counts what the in-kernel node
 * notifier chain delivered to a subscriber, as a later subsystem would
 * subscribe; the subscriber calls each node that comes up (an ECHO) and
 * counts the answers. /sys/kernel/debug/cohort/mac_kat runs the frame MAC's RFC
 * 8439 known-answer tests and says what each gave. The module parameter
 * test_seq_start makes every new connection's sequence numbers start
 * after it (both ends must load the same), so that a test reaches the
 * rekey point (every 2^32 frames) in a few frames.
 *
 * Nested calls: the message type COHORT_MSG_TEST_NEST has a handler that
 * may call (COHORT_RPC_MAY_CALL): its request names nodes, and before it
 * answers it makes a 64-byte ECHO call to each of them, the asking node
 * included. Writing "NODE IDS COUNT" to /sys/kernel/debug/cohort/nest
 * (IDS comma-separated) makes COUNT such calls to NODE, one after the
 * other; reading it gives the totals ("ok N failed F busy B").
 *
 * Remote errors: the type COHORT_MSG_TEST_ERR answers with the error
 * number its request carries. Writing "NODE ERRNO" to
 * /sys/kernel/debug/cohort/remote_err makes one such call; reading it
 * gives what the call returned here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "selftest_hooks.h"
#include "net/buf.h"
#include "net/conn.h"
#include "net/events.h"
#include "net/mac.h"
#include "net/node.h"
#include "net/rpc.h"

static struct dentry *hooks_dir;
u32 cohort_test_ckpt_corrupt;
u32 cohort_test_mig_fault_step, cohort_test_mig_fault_stall_ms;
static atomic_long_t node_events[COHORT_EVENT_AUTH_FAILED + 1];

static atomic_long_t echo_on_up_ok, echo_on_up_failed;

/*
 * Counts what the chain delivers; on node-up it calls the node that just
 * came up (an ECHO), as a subsystem resuming its work with that node would.
 */
static int node_event_cb(struct notifier_block *nb, unsigned long ev,
			 void *data)
{
	const struct cohort_node_event_info *info = data;
	struct cohort_buf *req, *resp = NULL;
	int err = -ENOMEM;

	if (ev < ARRAY_SIZE(node_events))
		atomic_long_inc(&node_events[ev]);
	if (ev != COHORT_EVENT_NODE_UP)
		return NOTIFY_OK;
	req = cohort_buf_alloc(64, GFP_KERNEL);
	if (req)
		err = cohort_rpc_call(info->cn, info->node_id, COHORT_MSG_ECHO,
				      req, &resp, 5000);
	cohort_buf_put(resp);
	cohort_buf_put(req);
	atomic_long_inc(err ? &echo_on_up_failed : &echo_on_up_ok);
	return NOTIFY_OK;
}

static struct notifier_block node_event_nb = {
	.notifier_call = node_event_cb,
};

static int node_events_show(struct seq_file *m, void *v)
{
	seq_printf(m, "up %ld\ndown %ld\nauth-failed %ld\necho-on-up-ok %ld\necho-on-up-failed %ld\n",
		   atomic_long_read(&node_events[COHORT_EVENT_NODE_UP]),
		   atomic_long_read(&node_events[COHORT_EVENT_NODE_DOWN]),
		   atomic_long_read(&node_events[COHORT_EVENT_AUTH_FAILED]),
		   atomic_long_read(&echo_on_up_ok),
		   atomic_long_read(&echo_on_up_failed));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(node_events);

static void bug_warn(void)
{
	WARN(1, "cohort: deliberate warning requested through debugfs\n");
}

static void bug_oob(void)
{
	size_t len = 16;
	char *p = kmalloc(len, GFP_KERNEL);

	if (!p)
		return;
	memset(p, 0, len);
	/* Hidden from the compiler, which would refuse the plain p[len]. */
	OPTIMIZER_HIDE_VAR(len);
	pr_info("deliberate out-of-bounds read: %d\n", READ_ONCE(p[len]));
	kfree(p);
}

static DEFINE_MUTEX(order_a);
static DEFINE_MUTEX(order_b);

static void bug_lockdep(void)
{
	mutex_lock(&order_a);
	mutex_lock(&order_b);
	mutex_unlock(&order_b);
	mutex_unlock(&order_a);

	mutex_lock(&order_b);
	mutex_lock(&order_a);
	mutex_unlock(&order_a);
	mutex_unlock(&order_b);
}

static void bug_ubsan(void)
{
	unsigned int shift = 40;
	u32 one = 1;

	OPTIMIZER_HIDE_VAR(shift);
	pr_info("deliberate oversized shift: %u\n", one << shift);
}

static void bug_leak(void)
{
	void *p = kzalloc(128, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	pr_info("deliberate leak of a 128-byte object\n");
}

static int mac_kat_show(struct seq_file *m, void *v)
{
	char report[160];
	int err = cohort_mac_selftest(report, sizeof(report));

	seq_printf(m, "%sresult: %s\n", report, err ? "FAIL" : "ok");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mac_kat);

module_param_named(test_seq_start, cohort_seq_start, ullong, 0644);
MODULE_PARM_DESC(test_seq_start,
		 "test build: sequence number before each new connection's first frame");

#define NEST_MAX_IDS	8
#define NEST_TIMEOUT_MS	10000

static atomic_long_t nest_ok, nest_failed, nest_busy;

/* The handler: an ECHO to each node named, then an empty answer. */
static int nest_handler(struct cohort_conn *conn, const struct cohort_hdr *h,
			struct cohort_buf *buf)
{
	u8 ids[2 * NEST_MAX_IDS];
	struct cohort_buf *req, *resp;
	unsigned int i, n;
	int err = 0;

	if (!buf || buf->len % 2 || buf->len > sizeof(ids))
		return -EINVAL;
	n = buf->len / 2;
	cohort_buf_read(buf, 0, ids, buf->len);
	req = cohort_buf_alloc(64, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		err = cohort_rpc_call(conn->cn, cohort_get_be16(ids + 2 * i),
				      COHORT_MSG_ECHO, req, &resp,
				      NEST_TIMEOUT_MS);
		if (!err && (!resp || resp->len != 64))
			err = -EPROTO;
		cohort_buf_put(resp);
	}
	cohort_buf_put(req);
	return err ?: cohort_rpc_reply(conn, h, NULL);
}

static ssize_t nest_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	char line[64], *ids, *p;
	u8 raw[2 * NEST_MAX_IDS];
	unsigned int node, calls, n = 0, i;
	struct cohort_buf *req, *resp;
	int err;

	if (count >= sizeof(line) || copy_from_user(line, ubuf, count))
		return -EINVAL;
	line[count] = 0;
	p = strim(line);
	ids = strsep(&p, " ");
	if (!p || kstrtouint(ids, 10, &node))
		return -EINVAL;
	ids = strsep(&p, " ");
	if (!p || kstrtouint(strim(p), 10, &calls) || !calls || calls > 100000)
		return -EINVAL;
	while (ids && n < NEST_MAX_IDS) {
		unsigned int id;

		if (kstrtouint(strsep(&ids, ","), 10, &id) || !id || id > U16_MAX)
			return -EINVAL;
		cohort_put_be16(raw + 2 * n++, id);
	}
	req = cohort_buf_alloc(2 * n, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	cohort_buf_write(req, 0, raw, 2 * n);
	for (i = 0; i < calls && !fatal_signal_pending(current); i++) {
		err = cohort_rpc_call(cohort_net(&init_net), node,
				      COHORT_MSG_TEST_NEST, req, &resp,
				      2 * NEST_TIMEOUT_MS);
		cohort_buf_put(resp);
		if (!err)
			atomic_long_inc(&nest_ok);
		else if (err == -EBUSY)
			atomic_long_inc(&nest_busy);
		else
			atomic_long_inc(&nest_failed);
	}
	cohort_buf_put(req);
	return count;
}

static int nest_show(struct seq_file *m, void *v)
{
	seq_printf(m, "ok %ld failed %ld busy %ld\n",
		   atomic_long_read(&nest_ok), atomic_long_read(&nest_failed),
		   atomic_long_read(&nest_busy));
	return 0;
}

static int nest_open(struct inode *inode, struct file *file)
{
	return single_open(file, nest_show, NULL);
}

static const struct file_operations nest_fops = {
	.open = nest_open,
	.read = seq_read,
	.write = nest_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static atomic_t remote_err_last;

static int err_handler(struct cohort_conn *conn, const struct cohort_hdr *h,
		       struct cohort_buf *buf)
{
	u8 e[4];

	if (!buf || buf->len != 4)
		return -EINVAL;
	cohort_buf_read(buf, 0, e, 4);
	if (!cohort_get_be32(e) || cohort_get_be32(e) > 4095)
		return -EINVAL;
	return -(int)cohort_get_be32(e);
}

static ssize_t remote_err_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct cohort_buf *req, *resp;
	unsigned int node, e;
	char line[32];
	u8 raw[4];
	int err;

	if (count >= sizeof(line) || copy_from_user(line, ubuf, count))
		return -EINVAL;
	line[count] = 0;
	if (sscanf(line, "%u %u", &node, &e) != 2 || !e)
		return -EINVAL;
	req = cohort_buf_alloc(4, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	cohort_put_be32(raw, e);
	cohort_buf_write(req, 0, raw, 4);
	err = cohort_rpc_call(cohort_net(&init_net), node, COHORT_MSG_TEST_ERR,
			      req, &resp, NEST_TIMEOUT_MS);
	cohort_buf_put(resp);
	cohort_buf_put(req);
	atomic_set(&remote_err_last, err);
	return count;
}

static int remote_err_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", atomic_read(&remote_err_last));
	return 0;
}

static int remote_err_open(struct inode *inode, struct file *file)
{
	return single_open(file, remote_err_show, NULL);
}

static const struct file_operations remote_err_fops = {
	.open = remote_err_open,
	.read = seq_read,
	.write = remote_err_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* The inode's private data is the bug to commit. */
static ssize_t trigger_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	void (*bug)(void) = file_inode(file)->i_private;
	bool val;
	int err;

	err = kstrtobool_from_user(ubuf, count, &val);
	if (err)
		return err;
	if (val)
		bug();
	return count;
}

static const struct file_operations trigger_fops = {
	.write = trigger_write,
};

static const struct {
	const char *name;
	void (*bug)(void);
} triggers[] = {
	{ "trigger_warn", bug_warn },
	{ "trigger_oob", bug_oob },
	{ "trigger_lockdep", bug_lockdep },
	{ "trigger_ubsan", bug_ubsan },
	{ "trigger_leak", bug_leak },
};

int cohort_selftest_hooks_init(void)
{
	int err = cohort_register_node_notifier(&node_event_nb);
	size_t i;

	if (err)
		return err;
	err = cohort_rpc_register_flags(COHORT_MSG_TEST_NEST, 2 * NEST_MAX_IDS,
					nest_handler, COHORT_RPC_MAY_CALL);
	if (!err)
		err = cohort_rpc_register(COHORT_MSG_TEST_ERR, 4, err_handler);
	if (err) {
		cohort_rpc_unregister(COHORT_MSG_TEST_NEST);
		cohort_unregister_node_notifier(&node_event_nb);
		return err;
	}
	hooks_dir = debugfs_create_dir("cohort", NULL);
	for (i = 0; i < ARRAY_SIZE(triggers); i++)
		debugfs_create_file(triggers[i].name, 0200, hooks_dir,
				    triggers[i].bug, &trigger_fops);
	debugfs_create_file("node_events", 0444, hooks_dir, NULL,
			    &node_events_fops);
	debugfs_create_file("mac_kat", 0444, hooks_dir, NULL, &mac_kat_fops);
	debugfs_create_u32("ckpt_corrupt", 0600, hooks_dir, &cohort_test_ckpt_corrupt);
	debugfs_create_u32("mig_fault_step", 0600, hooks_dir,
			   &cohort_test_mig_fault_step);
	debugfs_create_u32("mig_fault_stall_ms", 0600, hooks_dir,
			   &cohort_test_mig_fault_stall_ms);
	debugfs_create_file("nest", 0600, hooks_dir, NULL, &nest_fops);
	debugfs_create_file("remote_err", 0600, hooks_dir, NULL,
			    &remote_err_fops);
	pr_info("test build: selftest hooks enabled\n");
	return 0;
}

void cohort_selftest_hooks_exit(void)
{
	debugfs_remove(hooks_dir);
	cohort_rpc_unregister(COHORT_MSG_TEST_ERR);
	cohort_rpc_unregister(COHORT_MSG_TEST_NEST);
	cohort_unregister_node_notifier(&node_event_nb);
}
