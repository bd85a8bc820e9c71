// SPDX-License-Identifier: GPL-2.0
/*
 * Guests: the processes that run on this node while their home is another
 * (they arrived by migration), each with its home (first node and PID
 * there) and the node it came from. A guest that leaves again, onward or
 * back home, is dropped by the migration's commit; one that ended is
 * dropped the next time the list is looked at. MIG_LIST answers a node's
 * guests, which is how `cohortctl ps` shows where every migrated process
 * of the cluster runs now.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "../net/buf.h"
#include "../net/conn.h"
#include "../net/node.h"
#include "../net/rpc.h"
#include "../net/wire.h"
#include "deputy.h"
#include "guests.h"

/* Most guests recorded per node instance; beyond, arrivals go unlisted. */
#define COHORT_GUESTS_MAX	32768

struct cohort_guest {
	struct list_head link;		/* in guests, under guests_lock */
	struct cohort_net *cn;		/* constant */
	struct pid *pid;		/* constant, a reference */
	struct cohort_guest_home home;	/* constant */
	u32 from;			/* constant */
	int status;			/* once ended: off the list */
};

static DEFINE_MUTEX(guests_lock);
static LIST_HEAD(guests);		/* under guests_lock */
static unsigned int nr_guests;		/* under guests_lock */

static void guest_free(struct cohort_guest *g)
{
	put_pid(g->pid);
	kfree(g);
}

static void guest_drop(struct cohort_guest *g)
{
	lockdep_assert_held(&guests_lock);
	list_del(&g->link);
	nr_guests--;
	guest_free(g);
}

/* Drop the guests whose process ended. */
static void guests_prune(void)
{
	struct cohort_guest *g, *tmp;
	bool gone;

	lockdep_assert_held(&guests_lock);
	list_for_each_entry_safe(g, tmp, &guests, link) {
		rcu_read_lock();
		gone = !pid_task(g->pid, PIDTYPE_TGID);
		rcu_read_unlock();
		if (gone)
			guest_drop(g);
	}
}

static struct cohort_guest *guest_find(struct cohort_net *cn, struct pid *pid)
{
	struct cohort_guest *g;

	lockdep_assert_held(&guests_lock);
	list_for_each_entry(g, &guests, link)
		if (g->cn == cn && g->pid == pid)
			return g;
	return NULL;
}

/* The process @pid runs here now, from @home, arrived from node @from. */
int cohort_guest_add(struct cohort_net *cn, struct pid *pid,
		     const struct cohort_guest_home *home, u32 from)
{
	struct cohort_guest *g = kzalloc(sizeof(*g), GFP_KERNEL);
	int err = 0;

	if (!g)
		return -ENOMEM;
	g->cn = cn;
	g->pid = get_pid(pid);
	g->home = *home;
	g->from = from;
	mutex_lock(&guests_lock);
	guests_prune();
	if (guest_find(cn, pid)) {
		err = -EEXIST;
	} else if (nr_guests >= COHORT_GUESTS_MAX) {
		err = -ENOSPC;
	} else {
		list_add_tail(&g->link, &guests);
		nr_guests++;
		g = NULL;
	}
	mutex_unlock(&guests_lock);
	if (g)
		guest_free(g);
	return err;
}

/* Whether @pid is a guest here; its home in *@home if so. */
bool cohort_guest_home(struct cohort_net *cn, struct pid *pid,
		       struct cohort_guest_home *home)
{
	struct cohort_guest *g;

	mutex_lock(&guests_lock);
	g = guest_find(cn, pid);
	if (g)
		*home = g->home;
	mutex_unlock(&guests_lock);
	return g;
}

/* The guest @pid left (it runs elsewhere now). */
void cohort_guest_del(struct cohort_net *cn, struct pid *pid)
{
	struct cohort_guest *g;

	mutex_lock(&guests_lock);
	g = guest_find(cn, pid);
	if (g)
		guest_drop(g);
	mutex_unlock(&guests_lock);
}

/* The guest from @home_node whose PID there is @home_pid: a reference, or NULL. */
struct pid *cohort_guest_by_home(struct cohort_net *cn, u32 home_node,
				 u32 home_pid)
{
	struct cohort_guest *g;
	struct pid *pid = NULL;

	mutex_lock(&guests_lock);
	list_for_each_entry(g, &guests, link)
		if (g->cn == cn && g->home.node == home_node &&
		    g->home.pid == home_pid) {
			pid = get_pid(g->pid);
			break;
		}
	mutex_unlock(&guests_lock);
	return pid;
}

/* Its wait status, if the process of @pid ended and is not reaped yet. */
static bool guest_zombie_status(struct pid *pid, int *status)
{
	struct task_struct *t;
	bool ended = false;

	rcu_read_lock();
	t = pid_task(pid, PIDTYPE_TGID);
	if (t && t->exit_state == EXIT_ZOMBIE) {
		*status = (t->signal->flags & SIGNAL_GROUP_EXIT) ?
			  t->signal->group_exit_code : t->exit_code;
		ended = true;
	}
	rcu_read_unlock();
	return ended;
}

/*
 * COHORT_IOC_GUESTS_REAP, from cohortd (the guests' parent) before it
 * reaps its children: each guest that ended is dropped and its home is
 * told its status, read from the zombie itself. Returns how many.
 */
long cohort_guests_reap_ioctl(struct cohort_net *cn)
{
	struct cohort_guest *g, *tmp;
	LIST_HEAD(ended);
	long n = 0;
	int status;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	mutex_lock(&guests_lock);
	list_for_each_entry_safe(g, tmp, &guests, link) {
		if (g->cn != cn || !guest_zombie_status(g->pid, &status))
			continue;
		g->status = status;
		list_move(&g->link, &ended);
		nr_guests--;
	}
	mutex_unlock(&guests_lock);
	list_for_each_entry_safe(g, tmp, &ended, link) {
		cohort_deputy_tell_exit(cn, &g->home, g->status);
		list_del(&g->link);
		guest_free(g);
		n++;
	}
	return n;
}

static void guest_record(struct cohort_guest *g, u8 *rec)
{
	char comm[COHORT_GUEST_COMM_LEN] = "";
	struct task_struct *t;

	rcu_read_lock();
	t = pid_task(g->pid, PIDTYPE_TGID);
	if (t)
		__get_task_comm(comm, sizeof(comm), t);
	rcu_read_unlock();
	cohort_put_be32(rec, pid_nr(g->pid));
	cohort_put_be32(rec + 4, g->home.node);
	cohort_put_be32(rec + 8, g->home.pid);
	cohort_put_be32(rec + 12, g->from);
	memcpy(rec + 16, comm, COHORT_GUEST_COMM_LEN);
}

int cohort_guests_snapshot(struct cohort_net *cn, struct cohort_buf **out)
{
	u8 rec[COHORT_GUEST_REC_LEN];
	struct cohort_guest *g;
	struct cohort_buf *buf;
	unsigned int n = 0;

	BUILD_BUG_ON(COHORT_GUEST_REC_LEN != 16 + COHORT_GUEST_COMM_LEN);
	BUILD_BUG_ON(COHORT_GUEST_COMM_LEN != TASK_COMM_LEN);
	*out = NULL;
	mutex_lock(&guests_lock);
	guests_prune();
	list_for_each_entry(g, &guests, link)
		n += g->cn == cn;
	n = min_t(unsigned int, n, COHORT_GUESTS_LIST_MAX);
	if (!n) {
		mutex_unlock(&guests_lock);
		return 0;
	}
	buf = cohort_buf_alloc(n * COHORT_GUEST_REC_LEN, GFP_KERNEL);
	if (!buf) {
		mutex_unlock(&guests_lock);
		return -ENOMEM;
	}
	n = 0;
	list_for_each_entry(g, &guests, link) {
		if (g->cn != cn)
			continue;
		if (n == COHORT_GUESTS_LIST_MAX)
			break;
		guest_record(g, rec);
		cohort_buf_write(buf, n++ * COHORT_GUEST_REC_LEN, rec, sizeof(rec));
	}
	mutex_unlock(&guests_lock);
	*out = buf;
	return 0;
}

/*
 * Ask every node in the table (and this one) for its guests, one after
 * the other; one that is down fails at once, and its error is kept.
 */
int cohort_guests_collect(struct cohort_net *cn, struct cohort_guests_all **out)
{
	struct cohort_guests_all *all;
	struct cohort_peer *peer;
	unsigned long id;
	unsigned int i, n;
	u32 self;

	mutex_lock(&cn->lock);
	self = cn->self_id;
	all = self ? kzalloc(struct_size(all, nodes, cn->nr_peers + 1),
			     GFP_KERNEL) : NULL;
	if (!all) {
		mutex_unlock(&cn->lock);
		return self ? -ENOMEM : -ENOTCONN;
	}
	all->nodes[all->n++].node = self;
	xa_for_each(&cn->peers, id, peer)
		if (id != self && all->n <= cn->nr_peers)
			all->nodes[all->n++].node = id;
	mutex_unlock(&cn->lock);

	n = all->n;
	for (i = 0; i < n; i++) {
		struct cohort_guests_node *g = &all->nodes[i];

		if (g->node == self) {
			g->err = cohort_guests_snapshot(cn, &g->list);
			continue;
		}
		g->err = cohort_rpc_call(cn, g->node, COHORT_MSG_MIG_LIST, NULL,
					 &g->list, 5000);
		if (!g->err && g->list &&
		    g->list->len % COHORT_GUEST_REC_LEN) {
			g->err = -EPROTO;
			cohort_buf_put(g->list);
			g->list = NULL;
		}
	}
	*out = all;
	return 0;
}

void cohort_guests_all_free(struct cohort_guests_all *all)
{
	unsigned int i;

	if (!all)
		return;
	for (i = 0; i < all->n; i++)
		cohort_buf_put(all->nodes[i].list);
	kfree(all);
}

/* MIG_LIST: an empty request; the answer is this node's guests. */
static int guests_list_handler(struct cohort_conn *conn,
			       const struct cohort_hdr *h,
			       struct cohort_buf *buf)
{
	struct cohort_buf *resp;
	int err;

	if (buf && buf->len)
		return -EINVAL;
	err = cohort_guests_snapshot(conn->cn, &resp);
	if (err)
		return err;
	err = cohort_rpc_reply(conn, h, resp);
	cohort_buf_put(resp);
	return err;
}

int cohort_guests_init(void)
{
	/* (a type's length bound holds for its answers too) */
	return cohort_rpc_register(COHORT_MSG_MIG_LIST,
				   COHORT_GUESTS_LIST_MAX * COHORT_GUEST_REC_LEN,
				   guests_list_handler);
}

/* After the last migration: nothing adds guests any more. */
void cohort_guests_exit(void)
{
	struct cohort_guest *g, *tmp;

	cohort_rpc_unregister(COHORT_MSG_MIG_LIST);
	mutex_lock(&guests_lock);
	list_for_each_entry_safe(g, tmp, &guests, link)
		guest_drop(g);
	mutex_unlock(&guests_lock);
}
