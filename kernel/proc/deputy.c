// SPDX-License-Identifier: GPL-2.0
/*
 * Deputies (MOSIX's model). A process that migrates away from its home
 * node leaves its task there: after COMMIT, in its own context (the task
 * work that held it), the task gives up its memory and becomes the
 * process's deputy. It keeps the PID valid for its parent and for kill():
 * each signal sent to it is forwarded to the node where the process runs
 * (DEP_SIGNAL); when the process ends there, that node says how
 * (DEP_EXIT) and the deputy ends the same way, so the parent's waitpid()
 * sees what it would have seen locally. When the node running the process
 * goes down, the deputy ends as if killed by SIGKILL and an event says
 * why. A process that moves on tells its home where it went (DEP_MOVED);
 * one that comes home runs there behind its deputy, under a PID of its
 * own (the deputy holds the first).
 *
 * On the node where the process runs it is a guest (guests.c); cohortd,
 * its parent there, asks COHORT_IOC_GUESTS_REAP before it reaps its
 * children, and the module reads each ended guest's status from the
 * zombie itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/unistd.h>

#include "../admin/netlink.h"
#include "../compat.h"
#include "../net/buf.h"
#include "../net/conn.h"
#include "../net/events.h"
#include "../net/node.h"
#include "../net/rpc.h"
#include "../net/wire.h"
#include "deputy.h"
#include "guests.h"
#include "migrate.h"
#include "proc.h"

enum {
	DEP_RUNNING,	/* the process runs at ->node */
	DEP_EXITED,	/* it ended there, ->status says how */
	DEP_LOST,	/* ->node went down */
};

struct cohort_deputy {
	struct list_head link;		/* in deputies, under dep_lock */
	refcount_t ref;			/* one: the list's, then the task's */
	struct cohort_net *cn;		/* constant */
	u32 pid;			/* constant: its PID here (the home PID) */
	u32 node;			/* where the process runs: dep_lock */
	int state;			/* DEP_*: dep_lock */
	int status;			/* wait status once DEP_EXITED: dep_lock */
	wait_queue_head_t wq;		/* ->state or ->node changed */
};

static DEFINE_SPINLOCK(dep_lock);
static LIST_HEAD(deputies);		/* under dep_lock */
static atomic64_t stat_signals, stat_exits, stat_lost;

static void dep_put(struct cohort_deputy *dep)
{
	if (refcount_dec_and_test(&dep->ref))
		kfree(dep);
}

static struct cohort_deputy *dep_find(struct cohort_net *cn, u32 pid)
{
	struct cohort_deputy *dep;

	lockdep_assert_held(&dep_lock);
	list_for_each_entry(dep, &deputies, link)
		if (dep->cn == cn && dep->pid == pid)
			return dep;
	return NULL;
}

struct cohort_deputy *cohort_deputy_new(struct cohort_net *cn, u32 pid,
					u32 node)
{
	struct cohort_deputy *dep = kzalloc(sizeof(*dep), GFP_KERNEL);

	if (!dep)
		return ERR_PTR(-ENOMEM);
	refcount_set(&dep->ref, 1);
	dep->cn = cn;
	dep->pid = pid;
	dep->node = node;
	dep->state = DEP_RUNNING;
	init_waitqueue_head(&dep->wq);
	spin_lock(&dep_lock);
	if (dep_find(cn, pid)) {
		spin_unlock(&dep_lock);
		kfree(dep);
		return ERR_PTR(-EEXIST);
	}
	list_add(&dep->link, &deputies);
	spin_unlock(&dep_lock);
	return dep;
}

/* The migration that would have made it did not commit. */
void cohort_deputy_cancel(struct cohort_deputy *dep)
{
	spin_lock(&dep_lock);
	list_del_init(&dep->link);
	spin_unlock(&dep_lock);
	dep_put(dep);
}

bool cohort_deputy_where(struct cohort_net *cn, u32 pid, u32 *node)
{
	struct cohort_deputy *dep;
	bool found = false;

	spin_lock(&dep_lock);
	dep = dep_find(cn, pid);
	if (dep && dep->state == DEP_RUNNING) {
		*node = dep->node;
		found = true;
	}
	spin_unlock(&dep_lock);
	return found;
}

/* Its process, which ran at @from, runs at @to now (here, or moved on). */
static void dep_moved(struct cohort_net *cn, u32 pid, u32 from, u32 to)
{
	struct cohort_deputy *dep;

	spin_lock(&dep_lock);
	dep = dep_find(cn, pid);
	if (dep && dep->state == DEP_RUNNING && dep->node == from) {
		dep->node = to;
		wake_up_all(&dep->wq);
	}
	spin_unlock(&dep_lock);
}

/* Its process, which ran at @from, ended with wait status @status. */
static void dep_exited(struct cohort_net *cn, u32 pid, u32 from, int status)
{
	struct cohort_deputy *dep;

	spin_lock(&dep_lock);
	dep = dep_find(cn, pid);
	if (dep && dep->state == DEP_RUNNING && dep->node == from) {
		dep->state = DEP_EXITED;
		dep->status = status;
		wake_up_all(&dep->wq);
	}
	spin_unlock(&dep_lock);
}

/* Payloads, big-endian: DEP_SIGNAL home node, home PID, signal; the others home PID, value. */
#define DEP_SIGNAL_LEN	12
#define DEP_MSG_LEN	8

static int dep_call(struct cohort_net *cn, u32 node, u8 type, u32 a, u32 b,
		    u32 c, size_t len)
{
	struct cohort_buf *req = cohort_buf_alloc(len, GFP_KERNEL);
	struct cohort_buf *resp = NULL;
	u8 raw[DEP_SIGNAL_LEN];
	int err;

	if (!req)
		return -ENOMEM;
	cohort_put_be32(raw, a);
	cohort_put_be32(raw + 4, b);
	cohort_put_be32(raw + 8, c);
	cohort_buf_write(req, 0, raw, len);
	err = cohort_rpc_call(cn, node, type, req, &resp, 5000);
	cohort_buf_put(req);
	cohort_buf_put(resp);
	return err;
}

/* Deliver @sig to the process of home (@home_node, @home_pid) running here. */
static int dep_signal_here(struct cohort_net *cn, u32 home_node, u32 home_pid,
			   int sig)
{
	struct pid *pid = cohort_guest_by_home(cn, home_node, home_pid);
	int err;

	if (!pid)
		return -ESRCH;
	err = kill_pid(pid, sig, 1);
	put_pid(pid);
	return err;
}

/*
 * Forward @sig to where the process runs. One that is moving is not found
 * at its old node for a moment: asked again once its home hears where it
 * went (within 10 s), so that a signal sent meanwhile is not lost.
 */
static void dep_forward(struct cohort_deputy *dep, int sig)
{
	u32 self = READ_ONCE(dep->cn->self_id), node;
	int err, i;

	for (i = 0; i < 50; i++) {
		spin_lock(&dep_lock);
		node = dep->node;
		err = dep->state == DEP_RUNNING ? 0 : -ESRCH;
		spin_unlock(&dep_lock);
		if (err)
			return;
		if (node == self)
			err = dep_signal_here(dep->cn, self, dep->pid, sig);
		else
			err = dep_call(dep->cn, node, COHORT_MSG_DEP_SIGNAL, self,
				       dep->pid, sig, DEP_SIGNAL_LEN);
		if (err != -ESRCH)
			break;
		wait_event_timeout(dep->wq, READ_ONCE(dep->node) != node ||
				   READ_ONCE(dep->state) != DEP_RUNNING, HZ / 5);
	}
	if (err)
		pr_debug("deputy %u: signal %d not forwarded to node %u: %d\n",
			 dep->pid, sig, node, err);
	else
		atomic64_inc(&stat_signals);
}

/*
 * SIGKILL for a deputy that is dying of one itself: from a work item, as
 * its own calls fail at once when it is being killed.
 */
struct dep_kill {
	struct work_struct work;
	struct cohort_net *cn;
	u32 node, pid;
};

static struct workqueue_struct *dep_wq;

static void dep_kill_work(struct work_struct *work)
{
	struct dep_kill *k = container_of(work, struct dep_kill, work);
	u32 self = READ_ONCE(k->cn->self_id);
	int err;

	if (k->node == self)
		err = dep_signal_here(k->cn, self, k->pid, SIGKILL);
	else
		err = dep_call(k->cn, k->node, COHORT_MSG_DEP_SIGNAL, self, k->pid,
			       SIGKILL, DEP_SIGNAL_LEN);
	if (err)
		pr_debug("deputy %u: SIGKILL not forwarded to node %u: %d\n",
			 k->pid, k->node, err);
	else
		atomic64_inc(&stat_signals);
	kfree(k);
}

static void dep_forward_kill(struct cohort_deputy *dep)
{
	struct dep_kill *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return;
	INIT_WORK(&k->work, dep_kill_work);
	k->cn = dep->cn;
	k->pid = dep->pid;
	spin_lock(&dep_lock);
	k->node = dep->node;
	spin_unlock(&dep_lock);
	queue_work(dep_wq, &k->work);
}

static bool dep_ended(struct cohort_deputy *dep)
{
	return READ_ONCE(dep->state) != DEP_RUNNING;
}

/*
 * End the deputy with exit code @code: it cannot call do_exit() (not
 * exported), so it returns to user mode into a page of its own that makes
 * exit_group(code). Its memory is gone already.
 */
static void dep_exit_code(int code)
{
	u8 insn[] = {
		0xbf, code & 0xff, 0, 0, 0,	/* mov $code, %edi */
		0xb8, __NR_exit_group & 0xff, __NR_exit_group >> 8, 0, 0,
		0x0f, 0x05,			/* syscall */
		0x0f, 0x0b,			/* ud2: never reached */
	};
	struct pt_regs *regs = task_pt_regs(current);
	unsigned long addr;

	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_EXEC | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr) || copy_to_user((void __user *)addr, insn,
					       sizeof(insn))) {
		send_sig(SIGKILL, current, 1);
		return;
	}
	regs->ip = addr;
	regs->orig_ax = -1;	/* no system call to restart */
}

void cohort_deputy_run(void *arg)
{
	struct cohort_deputy *dep = arg;
	char reason[COHORT_REASON_MAX];
	sigset_t none, only_kill;
	kernel_siginfo_t info;
	enum pid_type type;
	int sig, state, status;
	u32 node;

	/* What was pending is in the image: delivered there. */
	if (fatal_signal_pending(current)) {
		dep_forward_kill(dep);
		goto out_unlist;
	}
	flush_signals(current);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/*
	 * As in sigtimedwait(): a signal whose default would end the task
	 * is queued for it to take, not acted on (real_blocked).
	 */
	spin_lock_irq(&cohort_own_sighand()->siglock);
	sigfillset(&current->real_blocked);
	sigdelset(&current->real_blocked, SIGKILL);
	spin_unlock_irq(&cohort_own_sighand()->siglock);
	vm_munmap(0, TASK_SIZE);	/* its memory runs elsewhere */
	/*
	 * Its rseq area went with its memory: unregistered, as rseq(2)
	 * does, or the way back to user mode would fault on it.
	 */
	cohort_rseq_forget(current);
	siginitset(&only_kill, sigmask(SIGKILL));

	for (;;) {
		/* other task works wait for this one to return */
		clear_thread_flag(TIF_NOTIFY_SIGNAL);
		wait_event_interruptible(dep->wq, dep_ended(dep));
		if (fatal_signal_pending(current)) {
			dep_forward_kill(dep);
			break;
		}
		for (;;) {
			spin_lock_irq(&cohort_own_sighand()->siglock);
			sig = cohort_dequeue_signal(&only_kill, &info, &type);
			spin_unlock_irq(&cohort_own_sighand()->siglock);
			if (sig <= 0)
				break;
			dep_forward(dep, sig);
		}
		if (dep_ended(dep))
			break;
	}

out_unlist:
	spin_lock_irq(&cohort_own_sighand()->siglock);
	sigemptyset(&current->real_blocked);
	recalc_sigpending();
	spin_unlock_irq(&cohort_own_sighand()->siglock);
	spin_lock(&dep_lock);
	list_del_init(&dep->link);
	state = dep->state;
	status = dep->status;
	node = dep->node;
	spin_unlock(&dep_lock);

	if (fatal_signal_pending(current)) {
		/* killed here: it dies of SIGKILL */
	} else if (state == DEP_LOST) {
		atomic64_inc(&stat_lost);
		snprintf(reason, sizeof(reason),
			 "node %u, where it ran, went down: its deputy ends as killed by SIGKILL",
			 node);
		cohort_genl_migrate_lost(dep->cn, dep->pid, node, reason);
		send_sig(SIGKILL, current, 1);
	} else if (status & 0x7f) {
		atomic64_inc(&stat_exits);
		sig = status & 0x7f;
		kernel_sigaction(sig, SIG_DFL);
		send_sig(sig, current, 1);
	} else {
		atomic64_inc(&stat_exits);
		dep_exit_code((status >> 8) & 0xff);
	}
	dep_put(dep);
}

/* ------------------------------------------------------------ messages */

static int dep_signal_handler(struct cohort_conn *conn,
			      const struct cohort_hdr *h,
			      struct cohort_buf *buf)
{
	u8 raw[DEP_SIGNAL_LEN];
	u32 home_node, pid, sig;
	int err;

	if (!buf || buf->len != DEP_SIGNAL_LEN)
		return -EINVAL;
	cohort_buf_read(buf, 0, raw, sizeof(raw));
	home_node = cohort_get_be32(raw);
	pid = cohort_get_be32(raw + 4);
	sig = cohort_get_be32(raw + 8);
	/* only the home node speaks for its deputy */
	if (home_node != h->src || !pid || pid > PID_MAX_LIMIT || !valid_signal(sig) || !sig)
		return -EINVAL;
	err = dep_signal_here(conn->cn, home_node, pid, sig);
	return err ?: cohort_rpc_reply(conn, h, NULL);
}

static int dep_msg_parse(const struct cohort_buf *buf, u32 *pid, u32 *val)
{
	u8 raw[DEP_MSG_LEN];

	if (!buf || buf->len != DEP_MSG_LEN)
		return -EINVAL;
	cohort_buf_read(buf, 0, raw, sizeof(raw));
	*pid = cohort_get_be32(raw);
	*val = cohort_get_be32(raw + 4);
	return !*pid || *pid > PID_MAX_LIMIT ? -EINVAL : 0;
}

static int dep_exit_handler(struct cohort_conn *conn,
			    const struct cohort_hdr *h, struct cohort_buf *buf)
{
	u32 pid, status;

	if (dep_msg_parse(buf, &pid, &status) || status > 0xffff ||
	    (status & 0x7f) == 0x7f)
		return -EINVAL;
	dep_exited(conn->cn, pid, h->src, status);
	return cohort_rpc_reply(conn, h, NULL);
}

static int dep_moved_handler(struct cohort_conn *conn,
			     const struct cohort_hdr *h, struct cohort_buf *buf)
{
	u32 pid, node;

	if (dep_msg_parse(buf, &pid, &node) || !node ||
	    node > COHORT_NODE_ID_MAX)
		return -EINVAL;
	dep_moved(conn->cn, pid, h->src, node);
	return cohort_rpc_reply(conn, h, NULL);
}

void cohort_deputy_tell_moved(struct cohort_net *cn,
			      const struct cohort_guest_home *home, u32 to)
{
	u32 self = READ_ONCE(cn->self_id);
	int err;

	if (home->node == self) {
		dep_moved(cn, home->pid, self, to);
		return;
	}
	err = dep_call(cn, home->node, COHORT_MSG_DEP_MOVED, home->pid, to, 0,
		       DEP_MSG_LEN);
	if (err)
		pr_debug("home %u of %u not told it moved to %u: %d\n",
			 home->node, home->pid, to, err);
}

void cohort_deputy_arrived_home(struct cohort_net *cn, u32 pid, u32 from)
{
	dep_moved(cn, pid, from, READ_ONCE(cn->self_id));
}

void cohort_deputy_tell_exit(struct cohort_net *cn,
			     const struct cohort_guest_home *home, int status)
{
	u32 self = READ_ONCE(cn->self_id);
	int err;

	if (home->node == self) {
		dep_exited(cn, home->pid, self, status);
		return;
	}
	err = dep_call(cn, home->node, COHORT_MSG_DEP_EXIT, home->pid, status,
		       0, DEP_MSG_LEN);
	if (err)
		pr_debug("home %u of %u not told it ended (%#x): %d\n",
			 home->node, home->pid, status, err);
}

/* A node went down: the deputies of what ran there end. */
static int dep_node_event(struct notifier_block *nb, unsigned long ev,
			  void *data)
{
	struct cohort_node_event_info *info = data;
	struct cohort_deputy *dep;

	if (ev != COHORT_EVENT_NODE_DOWN)
		return NOTIFY_DONE;
	spin_lock(&dep_lock);
	list_for_each_entry(dep, &deputies, link)
		if (dep->cn == info->cn && dep->node == info->node_id &&
		    dep->state == DEP_RUNNING) {
			dep->state = DEP_LOST;
			wake_up_all(&dep->wq);
		}
	spin_unlock(&dep_lock);
	return NOTIFY_DONE;
}

static struct notifier_block dep_node_nb = {
	.notifier_call = dep_node_event,
};

void cohort_deputy_stats(u64 v[COHORT_DEP_STATS])
{
	v[0] = atomic64_read(&stat_signals);
	v[1] = atomic64_read(&stat_exits);
	v[2] = atomic64_read(&stat_lost);
}

int cohort_deputy_init(void)
{
	int err;

	dep_wq = alloc_workqueue("cohort_deputy", WQ_UNBOUND, 0);
	if (!dep_wq)
		return -ENOMEM;
	err = cohort_register_node_notifier(&dep_node_nb);
	if (err)
		goto err_wq;
	err = cohort_rpc_register_flags(COHORT_MSG_DEP_SIGNAL, DEP_SIGNAL_LEN,
					dep_signal_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_notifier;
	err = cohort_rpc_register_flags(COHORT_MSG_DEP_EXIT, DEP_MSG_LEN,
					dep_exit_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_signal;
	err = cohort_rpc_register_flags(COHORT_MSG_DEP_MOVED, DEP_MSG_LEN,
					dep_moved_handler, COHORT_RPC_MAY_CALL);
	if (err)
		goto err_exit;
	return 0;

err_exit:
	cohort_rpc_unregister(COHORT_MSG_DEP_EXIT);
err_signal:
	cohort_rpc_unregister(COHORT_MSG_DEP_SIGNAL);
err_notifier:
	cohort_unregister_node_notifier(&dep_node_nb);
err_wq:
	destroy_workqueue(dep_wq);
	return err;
}

/*
 * No deputy runs: each holds the module (its task work's checkpoint
 * request does), so the module cannot be unloaded while one waits.
 */
void cohort_deputy_exit(void)
{
	cohort_rpc_unregister(COHORT_MSG_DEP_MOVED);
	cohort_rpc_unregister(COHORT_MSG_DEP_EXIT);
	cohort_rpc_unregister(COHORT_MSG_DEP_SIGNAL);
	cohort_unregister_node_notifier(&dep_node_nb);
	destroy_workqueue(dep_wq);	/* forwarded SIGKILLs: sent */
}
