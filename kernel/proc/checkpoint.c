// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint: the image of a running single-threaded process, written by
 * the process itself. The request queues a task work with TWA_SIGNAL on
 * the target: it interrupts the process like a signal and runs on its way
 * back to user mode, where current->mm, task_pt_regs(current) and the FPU
 * regset are all at hand and nothing else runs the process meanwhile.
 * Anything the image cannot carry is refused before a byte is written,
 * with the reason; the process then continues untouched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs_struct.h>
#include <linux/futex.h>
#include <linux/hugetlb.h>
#include <linux/highmem.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/mount.h>
#include <linux/personality.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/regset.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/utsname.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>

#include "../compat.h"
#include "../net/node.h"
#include "../selftest_hooks.h"
#include "checkpoint.h"
#include "ckpt_pages.h"
#include "deputy.h"
#include "image.h"
#include "proc.h"

enum {
	CKPT_QUEUED,
	CKPT_RUNNING,
	CKPT_CANCELLED,
};

/* A held process (COHORT_CKPT_HOLD): ->hold */
enum {
	CKPT_HELD,
	CKPT_COMMITTING,	/* being committed: it no longer goes on alone */
	CKPT_RESUMED,
	CKPT_COMMITTED,
	CKPT_GONE,		/* killed while held, or nobody decided */
};

/* A held process goes on by itself if nobody decides within this. */
#define COHORT_CKPT_HOLD_MAX	(300 * HZ)

/* One checkpoint request; the requester and the task work each hold a ref. */
struct cohort_ckpt {
	struct callback_head work;
	refcount_t ref;
	atomic_t state;			/* CKPT_* */
	struct completion done;		/* the work ran (not if cancelled) */
	atomic_t hold;			/* CKPT_HELD etc. */
	struct completion verdict_done;	/* ->hold was decided */
	struct file *out;
	u32 flags;
	/* written by the work before done, read by the requester after */
	int err;
	u64 t0, bytes, pages, freeze_ns;
	char reason[COHORT_REASON_MAX];
	/*
	 * A process checkpointing itself (cohort_checkpoint_self): where its
	 * system call's outcome goes when it goes on here. self_err and
	 * ->reason are written by the requester before verdict_done.
	 */
	struct cohort_migrate_self __user *self_ureq;	/* constant */
	int self_err;
	/*
	 * Committed: what the task does instead of ending (its deputy),
	 * written by the requester before verdict_done.
	 */
	void (*after)(void *arg);
	void *after_arg;
};

/* What the image says of one VMA, taken under the mmap lock. */
struct cohort_ckpt_vma {
	struct cohort_img_vma v;
	struct file *file;		/* held, or NULL */
};

static void cohort_ckpt_held(struct cohort_ckpt *ck);

/*
 * A process that asked to move itself goes on here: the system call it
 * returns from fails with @err, and its argument says why (best effort:
 * the process may have unmapped it).
 */
static void cohort_ckpt_self_failed(struct cohort_ckpt *ck, int err)
{
	struct cohort_migrate_self __user *u = ck->self_ureq;

	ck->reason[sizeof(ck->reason) - 1] = 0;
	if (copy_to_user(u->reason, ck->reason, sizeof(u->reason)) ||
	    put_user(ck->bytes, &u->bytes) || put_user(ck->pages, &u->pages))
		pr_debug("self migration: the outcome could not be written\n");
	task_pt_regs(current)->ax = err;
}

static void cohort_ckpt_put(struct cohort_ckpt *ck)
{
	if (!refcount_dec_and_test(&ck->ref))
		return;
	fput(ck->out);
	kfree(ck);
	module_put(THIS_MODULE);
}

/*
 * May the caller act on @task as a debugger could (PTRACE_MODE_ATTACH with
 * real credentials, without the LSM hooks, which a module cannot call)?
 * The same uid and gid on all three ids, no permitted capability the
 * caller lacks and a dumpable process; or CAP_SYS_PTRACE in the
 * process's user namespace.
 */
bool cohort_may_act_on(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred;
	struct user_namespace *ns;
	bool same, dumpable = false;

	rcu_read_lock();
	tcred = __task_cred(task);
	same = uid_eq(cred->uid, tcred->euid) && uid_eq(cred->uid, tcred->suid) &&
	       uid_eq(cred->uid, tcred->uid) && gid_eq(cred->gid, tcred->egid) &&
	       gid_eq(cred->gid, tcred->sgid) && gid_eq(cred->gid, tcred->gid) &&
	       cap_issubset(tcred->cap_permitted, cred->cap_permitted);
	ns = get_user_ns(tcred->user_ns);
	rcu_read_unlock();
	task_lock(task);
	if (task->mm)
		dumpable = get_dumpable(task->mm) == SUID_DUMP_USER;
	task_unlock(task);
	same = (same && dumpable) || ns_capable(ns, CAP_SYS_PTRACE);
	put_user_ns(ns);
	return same;
}

#define COHORT_CKPT_NOT_REACHED \
	"the process did not reach a point where it can be saved (stopped, or in uninterruptible sleep); it was not touched"

#define ckpt_refuse(ck, fmt, ...) \
	({ snprintf((ck)->reason, sizeof((ck)->reason), fmt, ##__VA_ARGS__); \
	   -EOPNOTSUPP; })

/* What the task itself is: refuse what the image cannot carry. */
static int cohort_ckpt_check_task(struct cohort_ckpt *ck)
{
	struct pt_regs *regs = task_pt_regs(current);
	int n = get_nr_threads(current);

	if (current->flags & PF_EXITING)
		return ckpt_refuse(ck, "the process is exiting");
	if (n != 1)
		return ckpt_refuse(ck, "the process has %d threads: cohort saves one only", n);
	if (current->ptrace)
		return ckpt_refuse(ck, "the process is being traced (ptrace)");
	if (!user_64bit_mode(regs) || test_thread_flag(TIF_ADDR32))
		return ckpt_refuse(ck, "the process is a 32-bit process");
	if (current->vfork_done)
		return ckpt_refuse(ck, "the process is a vfork child that has not exec'd");
#ifdef CONFIG_SECCOMP
	if (current->seccomp.mode)
		return ckpt_refuse(ck, "the process runs under seccomp");
#endif
#ifdef CONFIG_IO_URING
	if (current->io_uring)
		return ckpt_refuse(ck, "the process uses io_uring");
#endif
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	if (READ_ONCE(current->mm->context.ldt))
		return ckpt_refuse(ck, "the process has a local descriptor table (modify_ldt)");
#endif
#ifdef CONFIG_X86_USER_SHADOW_STACK
	if (current->thread.features)
		return ckpt_refuse(ck, "the process uses a shadow stack");
#endif
	return 0;
}

static int cohort_ckpt_path(const struct path *path, char *buf, const char **out)
{
	char *p = d_path(path, buf, COHORT_IMG_PATH_MAX);

	if (IS_ERR(p))
		return PTR_ERR(p);
	if (d_unlinked(path->dentry) || *p != '/')
		return -ENOENT;
	*out = p;
	return 0;
}

static int cohort_ckpt_kernel(struct cohort_img_writer *w)
{
	struct cohort_img_kernel k = {};

	cohort_this_kernel(&k);
	return cohort_img_rec(w, COHORT_REC_KERNEL, &k, sizeof(k), NULL, 0);
}

static int cohort_ckpt_task(struct cohort_img_writer *w)
{
	const struct cred *cred = current_cred();
	struct user_namespace *ns = current_user_ns();
	struct group_info *gi = cred->group_info;
	struct cohort_img_task t = {};
	u32 *gids;
	int i, err;

	t.pid = task_pid_vnr(current);
	t.uid = from_kuid_munged(ns, cred->uid);
	t.euid = from_kuid_munged(ns, cred->euid);
	t.suid = from_kuid_munged(ns, cred->suid);
	t.fsuid = from_kuid_munged(ns, cred->fsuid);
	t.gid = from_kgid_munged(ns, cred->gid);
	t.egid = from_kgid_munged(ns, cred->egid);
	t.sgid = from_kgid_munged(ns, cred->sgid);
	t.fsgid = from_kgid_munged(ns, cred->fsgid);
	t.cap_inheritable = cohort_cap_u64(cred->cap_inheritable);
	t.cap_permitted = cohort_cap_u64(cred->cap_permitted);
	t.cap_effective = cohort_cap_u64(cred->cap_effective);
	t.cap_bset = cohort_cap_u64(cred->cap_bset);
	t.cap_ambient = cohort_cap_u64(cred->cap_ambient);
	t.umask = current->fs->umask;
	t.personality = current->personality;
	t.exit_signal = current->exit_signal;
	t.pdeath_signal = current->pdeath_signal;
	t.sas_sp = current->sas_ss_sp;
	t.sas_size = current->sas_ss_size;
	t.sas_flags = current->sas_ss_flags;
	t.clear_child_tid = (unsigned long)current->clear_child_tid;
	t.robust_list = (unsigned long)current->robust_list;
	t.robust_len = sizeof(*current->robust_list);
#ifdef CONFIG_RSEQ
	t.rseq = (unsigned long)current->rseq;
	t.rseq_len = current->rseq ? cohort_rseq_len(current) : 0;
	t.rseq_sig = current->rseq_sig;
#endif
	__get_task_comm(t.comm, sizeof(t.comm), current);

	spin_lock_irq(&cohort_own_sighand()->siglock);
	t.blocked = sigmask_to_save()->sig[0];
	t.pending = current->pending.signal.sig[0] |
		    current->signal->shared_pending.signal.sig[0];
	spin_unlock_irq(&cohort_own_sighand()->siglock);

	task_lock(current->group_leader);
	for (i = 0; i < RLIM_NLIMITS && i < ARRAY_SIZE(t.rlim); i++) {
		t.rlim[i][0] = current->signal->rlim[i].rlim_cur;
		t.rlim[i][1] = current->signal->rlim[i].rlim_max;
	}
	task_unlock(current->group_leader);

	err = cohort_img_rec(w, COHORT_REC_TASK, &t, sizeof(t), NULL, 0);
	if (err)
		return err;

	gids = kvmalloc_array(gi->ngroups ?: 1, sizeof(*gids), GFP_KERNEL);
	if (!gids)
		return -ENOMEM;
	for (i = 0; i < gi->ngroups; i++)
		gids[i] = from_kgid_munged(ns, gi->gid[i]);
	err = cohort_img_rec(w, COHORT_REC_GROUPS, gids,
			     gi->ngroups * sizeof(*gids), NULL, 0);
	kvfree(gids);
	return err;
}

/*
 * The registers as the process will see them when it runs again: a system
 * call interrupted by this work still holds its -ERESTART* code, and the
 * image gets what a signal without a handler would leave (the call made
 * again, or -EINTR where its restart state is the kernel's own).
 */
static int cohort_ckpt_regs(struct cohort_img_writer *w)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct cohort_img_regs r = {
		.r15 = regs->r15, .r14 = regs->r14, .r13 = regs->r13,
		.r12 = regs->r12, .bp = regs->bp, .bx = regs->bx,
		.r11 = regs->r11, .r10 = regs->r10, .r9 = regs->r9,
		.r8 = regs->r8, .ax = regs->ax, .cx = regs->cx,
		.dx = regs->dx, .si = regs->si, .di = regs->di,
		.orig_ax = regs->orig_ax, .ip = regs->ip, .cs = regs->cs,
		.flags = regs->flags, .sp = regs->sp, .ss = regs->ss,
	};

	if ((long)r.orig_ax >= 0) {
		switch ((long)r.ax) {
		case -ERESTARTSYS:
		case -ERESTARTNOHAND:
		case -ERESTARTNOINTR:
			r.ax = r.orig_ax;
			r.ip -= 2;
			break;
		case -ERESTART_RESTARTBLOCK:
			r.ax = -EINTR;
			break;
		}
	}
	r.orig_ax = -1;
	if (cohort_test_ckpt_corrupt == 1)
		r.bx ^= 1;
	preempt_disable();
	rdmsrl(MSR_FS_BASE, r.fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, r.gs_base);
	preempt_enable();
	return cohort_img_rec(w, COHORT_REC_REGS, &r, sizeof(r), NULL, 0);
}

/* The FPU through its regset: XSAVE standard format, else FXSAVE. */
static int cohort_ckpt_fpu(struct cohort_img_writer *w)
{
	const struct user_regset_view *view = task_user_regset_view(current);
	const struct user_regset *rs = NULL, *fx = NULL;
	struct cohort_img_fpu f = {};
	void *data = NULL;
	int i, n = -ENODEV;

	for (i = 0; i < view->n; i++) {
		if (view->regsets[i].core_note_type == NT_X86_XSTATE)
			rs = &view->regsets[i];
		else if (view->regsets[i].core_note_type == NT_PRFPREG)
			fx = &view->regsets[i];
	}
	if (rs && boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		n = regset_get_alloc(current, rs, rs->n * rs->size, &data);
		if (n >= 576) {
			f.format = COHORT_FPU_XSAVE;
			f.xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		} else if (n >= 0) {
			kfree(data);
			n = -ENODEV;
		}
	}
	if (n < 0 && fx) {
		n = regset_get_alloc(current, fx, fx->n * fx->size, &data);
		if (n >= 0 && n != 512) {
			kfree(data);
			n = -EINVAL;
		}
		f.format = COHORT_FPU_FXSAVE;
	}
	if (n < 0)
		return n;
	f.size = n;
	/* The test knob 3: one bit of ymm0's upper half (XSAVE offset 576). */
	if (cohort_test_ckpt_corrupt == 3 && f.format == COHORT_FPU_XSAVE &&
	    (f.xcr0 & XFEATURE_MASK_YMM) && n >= 576 + 16)
		((u8 *)data)[576] ^= 1;
	n = cohort_img_rec(w, COHORT_REC_FPU, &f, sizeof(f), data, f.size);
	kfree(data);
	return n;
}

static int cohort_ckpt_sigactions(struct cohort_img_writer *w)
{
	struct cohort_img_sigaction *a;
	struct k_sigaction *ka;
	int i, err;

	a = kcalloc(_NSIG, sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	spin_lock_irq(&cohort_own_sighand()->siglock);
	for (i = 0; i < _NSIG; i++) {
		ka = &cohort_own_sighand()->action[i];
		a[i].handler = (unsigned long)ka->sa.sa_handler;
		a[i].flags = ka->sa.sa_flags;
		a[i].restorer = (unsigned long)ka->sa.sa_restorer;
		a[i].mask = ka->sa.sa_mask.sig[0];
	}
	spin_unlock_irq(&cohort_own_sighand()->siglock);
	err = cohort_img_rec(w, COHORT_REC_SIGACTIONS, a, _NSIG * sizeof(*a),
			     NULL, 0);
	kfree(a);
	return err;
}

static int cohort_ckpt_mm(struct cohort_img_writer *w, char *pathbuf)
{
	struct mm_struct *mm = current->mm;
	struct cohort_img_mm m = {
		.start_code = mm->start_code, .end_code = mm->end_code,
		.start_data = mm->start_data, .end_data = mm->end_data,
		.start_brk = mm->start_brk, .brk = mm->brk,
		.start_stack = mm->start_stack,
		.arg_start = mm->arg_start, .arg_end = mm->arg_end,
		.env_start = mm->env_start, .env_end = mm->env_end,
		.vdso = (unsigned long)mm->context.vdso,
	};
	struct file *exe;
	const char *p;
	int err;

	while (m.auxv_words + 2 <= ARRAY_SIZE(mm->saved_auxv)) {
		m.auxv_words += 2;
		if (mm->saved_auxv[m.auxv_words - 2] == AT_NULL)
			break;
	}
	err = cohort_img_rec(w, COHORT_REC_MM, &m, sizeof(m), mm->saved_auxv,
			     m.auxv_words * sizeof(mm->saved_auxv[0]));
	if (err)
		return err;

	mmap_read_lock(mm);
	/* replaced only under the mmap lock held for writing */
	exe = rcu_dereference_protected(mm->exe_file,
					lockdep_is_held(&mm->mmap_lock));
	if (exe)
		get_file(exe);
	mmap_read_unlock(mm);
	if (!exe)
		return 0;
	err = cohort_ckpt_path(&exe->f_path, pathbuf, &p);
	if (!err)
		err = cohort_img_rec(w, COHORT_REC_EXE, p, strlen(p), NULL, 0);
	fput(exe);
	return err == -ENOENT ? 0 : err;	/* a deleted exe: no exe link */
}

static int cohort_ckpt_cwd(struct cohort_ckpt *ck, struct cohort_img_writer *w,
			   char *pathbuf)
{
	struct path pwd;
	const char *p;
	int err;

	get_fs_pwd(current->fs, &pwd);
	err = cohort_ckpt_path(&pwd, pathbuf, &p);
	path_put(&pwd);
	if (err == -ENOENT)
		return ckpt_refuse(ck, "the working directory was deleted");
	if (err)
		return err;
	return cohort_img_rec(w, COHORT_REC_CWD, p, strlen(p), NULL, 0);
}

static const char *cohort_file_what(struct file *f)
{
	umode_t mode = file_inode(f)->i_mode;

	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISFIFO(mode))
		return "a pipe";
	if (S_ISBLK(mode))
		return "a block device";
	return f->f_path.dentry->d_name.name;	/* [eventfd], inotify, ... */
}

#define COHORT_FILE_OFLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | \
			    O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | \
			    O_NOATIME | __O_SYNC)

/*
 * Open descriptors: regular files, directories and character devices by
 * path, flags and offset; descriptors 0-2 of another kind are replaced by
 * the restorer's own (stdio). Anything else is refused. With @w NULL it
 * only checks.
 */
static int cohort_ckpt_files(struct cohort_ckpt *ck, struct cohort_img_writer *w,
			     char *pathbuf)
{
	struct files_struct *files = current->files;
	struct cohort_img_file fi;
	unsigned int fd, max;
	const char *p = NULL;
	struct file *f;
	umode_t mode;
	int err = 0;

	rcu_read_lock();
	max = files_fdtable(files)->max_fds;
	rcu_read_unlock();
	for (fd = 0; fd < max && !err; fd++) {
		f = fget_raw(fd);
		if (!f)
			continue;
		memset(&fi, 0, sizeof(fi));
		fi.fd = fd;
		mode = file_inode(f)->i_mode;
		if (f->f_mode & FMODE_PATH) {
			err = ckpt_refuse(ck, "fd %u is an O_PATH descriptor", fd);
		} else if (fd < 3 && !S_ISREG(mode)) {
			fi.kind = COHORT_FILE_STDIO;
		} else if (S_ISREG(mode) || S_ISDIR(mode) || S_ISCHR(mode)) {
			fi.kind = S_ISREG(mode) ? COHORT_FILE_REG :
				  S_ISDIR(mode) ? COHORT_FILE_DIR : COHORT_FILE_CHR;
		} else {
			err = ckpt_refuse(ck, "fd %u is %s: cohort cannot move it",
					  fd, cohort_file_what(f));
		}
		p = NULL;
		if (!err && fi.kind != COHORT_FILE_STDIO) {
			err = cohort_ckpt_path(&f->f_path, pathbuf, &p);
			if (err == -ENOENT)
				err = ckpt_refuse(ck, "fd %u is a deleted file", fd);
			else if (err == -ENAMETOOLONG)
				err = ckpt_refuse(ck, "fd %u: path too long", fd);
		}
		/*
		 * What it wrote must be where the destination reads it (a
		 * shared folder's client may still hold it), as its file
		 * mappings' pages are below.
		 */
		if (!err && w && fi.kind == COHORT_FILE_REG &&
		    (f->f_mode & FMODE_WRITE)) {
			err = vfs_fsync(f, 1);
			if (err)
				snprintf(ck->reason, sizeof(ck->reason),
					 "fd %u: writing its data back failed (%d)",
					 fd, err);
		}
		if (!err && w) {
			fi.flags = f->f_flags & COHORT_FILE_OFLAGS;
			fi.pos = f->f_pos;
			rcu_read_lock();
			fi.cloexec = cohort_close_on_exec(fd, files);
			rcu_read_unlock();
			fi.path_len = p ? strlen(p) : 0;
			err = cohort_img_rec(w, COHORT_REC_FILE, &fi, sizeof(fi),
					     p, fi.path_len);
		}
		fput(f);
	}
	return err;
}

static bool cohort_is_sysv_shm(struct file *f)
{
	return f->f_path.mnt->mnt_sb->s_magic == TMPFS_MAGIC &&
	       !strncmp(f->f_path.dentry->d_name.name, "SYSV", 4);
}

static bool cohort_is_shared_anon(struct vm_area_struct *vma)
{
	struct file *f = vma->vm_file;

	return f && (vma->vm_flags & VM_SHARED) &&
	       f->f_path.mnt->mnt_sb->s_magic == TMPFS_MAGIC &&
	       !strcmp(f->f_path.dentry->d_name.name, "dev/zero");
}

/* Describe one VMA (under the mmap lock); refuse what cannot be carried. */
static int cohort_ckpt_vma(struct cohort_ckpt *ck, struct vm_area_struct *vma,
			   struct cohort_ckpt_vma *cv)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long vdso = (unsigned long)mm->context.vdso;
	unsigned long fl = vma->vm_flags;
	struct cohort_img_vma *v = &cv->v;
	struct file *f = vma->vm_file;

	memset(cv, 0, sizeof(*cv));
	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->pgoff = vma->vm_pgoff;
	v->flags = (fl & VM_READ ? COHORT_VMA_READ : 0) |
		   (fl & VM_WRITE ? COHORT_VMA_WRITE : 0) |
		   (fl & VM_EXEC ? COHORT_VMA_EXEC : 0) |
		   (fl & VM_GROWSDOWN ? COHORT_VMA_GROWSDOWN : 0) |
		   (fl & VM_DONTCOPY ? COHORT_VMA_DONTFORK : 0) |
		   (fl & VM_WIPEONFORK ? COHORT_VMA_WIPEONFORK : 0) |
		   (fl & VM_LOCKED ? COHORT_VMA_LOCKED : 0) |
		   (fl & VM_NORESERVE ? COHORT_VMA_NORESERVE : 0);
	if (vdso && vma->vm_start == vdso) {
		v->kind = COHORT_VMA_VDSO;
		return 0;
	}
	if (vdso && vma->vm_end == vdso && !f && (fl & VM_PFNMAP)) {
		v->kind = COHORT_VMA_VVAR;
		return 0;
	}
	if (is_vm_hugetlb_page(vma))
		return ckpt_refuse(ck, "a hugetlb mapping at %#lx", vma->vm_start);
	if (fl & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return ckpt_refuse(ck, "a device mapping at %#lx", vma->vm_start);
	if (fl & VM_DONTDUMP)
		v->flags |= COHORT_VMA_DONTDUMP;
	if (!f) {
		if (vma->vm_ops)
			return ckpt_refuse(ck, "a special mapping at %#lx",
					   vma->vm_start);
		v->kind = COHORT_VMA_ANON;
		return 0;
	}
	if (cohort_is_sysv_shm(f))
		return ckpt_refuse(ck, "a SysV shared memory segment at %#lx",
				   vma->vm_start);
	if (cohort_is_shared_anon(vma)) {
		v->kind = COHORT_VMA_SHARED_ANON;
		cv->file = get_file(f);
		return 0;
	}
	if (!S_ISREG(file_inode(f)->i_mode))
		return ckpt_refuse(ck, "a device mapping at %#lx", vma->vm_start);
	v->kind = fl & VM_SHARED ? COHORT_VMA_SHARED_FILE : COHORT_VMA_FILE;
	if ((fl & VM_MAYWRITE) && (fl & VM_SHARED))
		v->flags |= COHORT_VMA_MAYWRITE;
	v->ino = file_inode(f)->i_ino;
	v->dev = file_inode(f)->i_sb->s_dev;
	cv->file = get_file(f);	/* size and mtime: after the mmap lock */
	return 0;
}

static void cohort_ckpt_vmas_free(struct cohort_ckpt_vma *cv, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (cv[i].file)
			fput(cv[i].file);
	kvfree(cv);
}

/* Every VMA, described under the mmap lock; their files are held. */
static int cohort_ckpt_vmas(struct cohort_ckpt *ck, struct cohort_ckpt_vma **out,
			    int *count)
{
	struct mm_struct *mm = current->mm;
	struct cohort_ckpt_vma *cv;
	struct vm_area_struct *vma;
	int n = 0, err = 0;
	struct vma_iterator vmi;

	vma_iter_init(&vmi, mm, 0);
	mmap_read_lock(mm);
	cv = kvcalloc(mm->map_count + 1, sizeof(*cv), GFP_KERNEL);
	if (!cv) {
		mmap_read_unlock(mm);
		return -ENOMEM;
	}
	for_each_vma(vmi, vma) {
		if (n == mm->map_count + 1) {
			err = -EAGAIN;
			break;
		}
		err = cohort_ckpt_vma(ck, vma, &cv[n]);
		if (err)
			break;
		n++;
	}
	mmap_read_unlock(mm);
	if (err) {
		cohort_ckpt_vmas_free(cv, n);
		return err;
	}
	*out = cv;
	*count = n;
	return 0;
}

static int cohort_ckpt_vma_recs(struct cohort_ckpt *ck, struct cohort_img_writer *w,
				struct cohort_ckpt_vma *cv, int n, char *pathbuf)
{
	const char *p;
	int i, err;

	for (i = 0; i < n; i++) {
		p = NULL;
		cv[i].v.path_len = 0;
		if (cv[i].file && cv[i].v.kind != COHORT_VMA_SHARED_ANON) {
			err = cohort_ckpt_path(&cv[i].file->f_path, pathbuf, &p);
			if (err == -ENOENT)
				return ckpt_refuse(ck, "a mapping of a deleted file at %#llx",
						   cv[i].v.start);
			if (err)
				return err;
			cv[i].v.path_len = strlen(p);
			if (cv[i].v.flags & COHORT_VMA_MAYWRITE) {
				err = vfs_fsync(cv[i].file, 1);
				if (err)
					return err;
			}
			err = cohort_file_stamp(cv[i].file, &cv[i].v);
			if (err)
				return err;
		}
		err = cohort_img_rec(w, COHORT_REC_VMA, &cv[i].v, sizeof(cv[i].v),
				     p, cv[i].v.path_len);
		if (err)
			return err;
	}
	return 0;
}

/* The whole image, in the order the reader expects. */
static int cohort_ckpt_save(struct cohort_ckpt *ck)
{
	struct cohort_img_header hdr = {
		.magic = COHORT_IMG_MAGIC,
		.version = COHORT_IMG_VERSION,
		.header_len = sizeof(hdr),
	};
	struct cohort_ckpt_run run = {};
	struct cohort_img_writer w;
	struct cohort_ckpt_vma *cv = NULL;
	char *pathbuf;
	int i, n = 0, err;

	err = cohort_ckpt_check_task(ck);
	if (err)
		return err;
	pathbuf = kmalloc(COHORT_IMG_PATH_MAX, GFP_KERNEL);
	if (!pathbuf)
		return -ENOMEM;
	err = cohort_ckpt_files(ck, NULL, pathbuf);
	if (err)
		goto out_path;
	err = cohort_ckpt_vmas(ck, &cv, &n);
	if (err)
		goto out_path;
	run.data = kvmalloc(COHORT_IMG_PAGES_MAX * PAGE_SIZE, GFP_KERNEL);
	err = cohort_img_writer_init(&w, ck->out);
	if (err || !run.data) {
		err = -ENOMEM;
		goto out_writer;
	}
	w.pos = ck->out->f_pos;

	err = cohort_img_put(&w, &hdr, sizeof(hdr));
	if (!err)
		err = cohort_ckpt_kernel(&w);
	if (!err)
		err = cohort_ckpt_task(&w);
	if (!err)
		err = cohort_ckpt_regs(&w);
	if (!err)
		err = cohort_ckpt_fpu(&w);
	if (!err)
		err = cohort_ckpt_sigactions(&w);
	if (!err)
		err = cohort_ckpt_mm(&w, pathbuf);
	if (!err)
		err = cohort_ckpt_cwd(ck, &w, pathbuf);
	if (!err)
		err = cohort_ckpt_files(ck, &w, pathbuf);
	if (!err)
		err = cohort_ckpt_vma_recs(ck, &w, cv, n, pathbuf);
	for (i = 0; i < n && !err; i++) {
		switch (cv[i].v.kind) {
		case COHORT_VMA_ANON:
		case COHORT_VMA_FILE:
			err = cohort_ckpt_private_pages(&w, &run, &cv[i].v);
			break;
		case COHORT_VMA_SHARED_ANON:
			err = cohort_ckpt_shared_pages(&w, &run, &cv[i].v,
						       cv[i].file);
			break;
		}
	}
	if (!err)
		err = cohort_img_finish(&w);
	if (!err && !(ck->out->f_mode & FMODE_STREAM))
		ck->out->f_pos = w.pos;
	ck->bytes = w.bytes;
	ck->pages = run.pages;
	if (err && !ck->reason[0])
		snprintf(ck->reason, sizeof(ck->reason),
			 "writing the image failed (%d)", err);
out_writer:
	cohort_img_writer_free(&w);
	kvfree(run.data);
	cohort_ckpt_vmas_free(cv, n);
out_path:
	kfree(pathbuf);
	return err;
}

static void cohort_ckpt_work(struct callback_head *head)
{
	struct cohort_ckpt *ck = container_of(head, struct cohort_ckpt, work);
	bool hold;

	if (atomic_cmpxchg(&ck->state, CKPT_QUEUED, CKPT_RUNNING) == CKPT_QUEUED) {
		ck->t0 = ktime_get_ns();
		ck->err = cohort_ckpt_save(ck);
		ck->freeze_ns = ktime_get_ns() - ck->t0;
		if (!ck->err && (ck->flags & COHORT_CKPT_STOP))
			send_sig(SIGSTOP, current, 1);
#ifdef COHORT_TEST_HOOKS
		cohort_test_ckpt_corrupt = 0;
#endif
		hold = !ck->err && (ck->flags & COHORT_CKPT_HOLD);
		if (ck->err && ck->self_ureq)
			cohort_ckpt_self_failed(ck, ck->err);
		complete(&ck->done);
		if (hold)
			cohort_ckpt_held(ck);
	} else if (ck->self_ureq) {
		cohort_ckpt_self_failed(ck, -ECANCELED);
	}
	cohort_ckpt_put(ck);
}

/*
 * Held after its image was taken, the process waits here, in its own
 * context, for the requester's verdict: go on, or end (its image runs
 * elsewhere now). A SIGKILL meanwhile ends the wait; the requester then
 * finds it gone and gives up on the image.
 */
static void cohort_ckpt_held(struct cohort_ckpt *ck)
{
	long left;

	left = wait_for_completion_killable_timeout(&ck->verdict_done,
						    COHORT_CKPT_HOLD_MAX);
	if (left <= 0 &&
	    atomic_cmpxchg(&ck->hold, CKPT_HELD, CKPT_GONE) == CKPT_HELD) {
		/* killed, or nobody decided: go on */
		if (ck->self_ureq && !fatal_signal_pending(current))
			cohort_ckpt_self_failed(ck, -ETIMEDOUT);
		return;
	}
	if (left <= 0)		/* being committed: wait for the outcome */
		wait_for_completion_state(&ck->verdict_done, TASK_IDLE);
	if (atomic_read(&ck->hold) == CKPT_COMMITTED && ck->after)
		ck->after(ck->after_arg);
	else if (atomic_read(&ck->hold) == CKPT_COMMITTED)
		send_sig(SIGKILL, current, 1);
	else if (ck->self_ureq)
		cohort_ckpt_self_failed(ck, ck->self_err ?: -ECANCELED);
}

/*
 * The checks of a request on process @vpid and the wait for its image;
 * the reason of a refusal in @res. With COHORT_CKPT_HOLD, success leaves
 * the process held and *@heldp the request to give cohort_ckpt_release().
 */
static int cohort_ckpt_request(pid_t vpid, struct file *out, u32 flags,
			       unsigned int timeout_ms,
			       struct cohort_ckpt **heldp,
			       struct cohort_ckpt_result *res)
{
	struct task_struct *task;
	struct cohort_ckpt *ck;
	long left;
	int err;
	u32 at;

	memset(res, 0, sizeof(*res));
	ck = kzalloc(sizeof(*ck), GFP_KERNEL_ACCOUNT);
	if (!ck)
		return -ENOMEM;
	refcount_set(&ck->ref, 1);
	atomic_set(&ck->state, CKPT_QUEUED);
	atomic_set(&ck->hold, CKPT_HELD);
	init_completion(&ck->done);
	init_completion(&ck->verdict_done);
	ck->flags = flags;

	rcu_read_lock();
	task = pid_task(find_vpid(vpid), PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	err = -ESRCH;
	if (!task) {
		snprintf(res->reason, sizeof(res->reason), "no process %u", vpid);
		goto out_free;
	}
	err = -EPERM;
	if (!cohort_may_act_on(task)) {
		strscpy(res->reason, "not permitted: the caller could not trace that process",
			sizeof(res->reason));
		goto out_task;
	}
	err = -EINVAL;
	if (task->flags & (PF_KTHREAD | PF_IO_WORKER)) {
		strscpy(res->reason, "a kernel thread", sizeof(res->reason));
		goto out_task;
	}
	if (cohort_deputy_where(cohort_net(current->nsproxy->net_ns),
				task_tgid_nr(task), &at)) {
		err = -EREMOTE;
		snprintf(res->reason, sizeof(res->reason),
			 "process %u runs on node %u (this is its deputy)", vpid, at);
		goto out_task;
	}
	if (same_thread_group(task, current)) {
		strscpy(res->reason, "a process cannot checkpoint itself this way",
			sizeof(res->reason));
		goto out_task;
	}
	ck->out = get_file(out);

	__module_get(THIS_MODULE);
	refcount_inc(&ck->ref);
	init_task_work(&ck->work, cohort_ckpt_work);
	err = task_work_add(task, &ck->work, TWA_SIGNAL);
	if (err) {
		refcount_dec(&ck->ref);
		module_put(THIS_MODULE);
		strscpy(res->reason, "the process is exiting", sizeof(res->reason));
		goto out_task;
	}
	put_task_struct(task);

	left = msecs_to_jiffies(timeout_ms ?: 10000);
	left = wait_for_completion_killable_timeout(&ck->done, left);
	if (left <= 0 &&
	    atomic_cmpxchg(&ck->state, CKPT_QUEUED, CKPT_CANCELLED) == CKPT_QUEUED) {
		err = left < 0 ? -EINTR : -ETIMEDOUT;
		strscpy(res->reason, COHORT_CKPT_NOT_REACHED, sizeof(res->reason));
		cohort_ckpt_put(ck);
		return err;
	}
	if (left <= 0 && !(flags & COHORT_CKPT_HOLD) &&
	    wait_for_completion_killable(&ck->done)) {
		cohort_ckpt_put(ck);	/* the work finishes on its own */
		return -EINTR;
	}
	if (left <= 0)
		wait_for_completion(&ck->done);	/* it is being written */
	err = ck->err;
	res->bytes = ck->bytes;
	res->pages = ck->pages;
	res->freeze_ns = ck->freeze_ns;
	memcpy(res->reason, ck->reason, sizeof(res->reason));
	res->reason[sizeof(res->reason) - 1] = 0;
	if (!err && (flags & COHORT_CKPT_HOLD)) {
		*heldp = ck;
		return 0;
	}
	cohort_ckpt_put(ck);
	return err;

out_task:
	put_task_struct(task);
out_free:
	if (ck->out)
		fput(ck->out);
	kfree(ck);
	return err;
}

int cohort_checkpoint_hold(pid_t vpid, struct file *out,
			   unsigned int timeout_ms, struct cohort_ckpt **heldp,
			   struct cohort_ckpt_result *res)
{
	*heldp = NULL;
	return cohort_ckpt_request(vpid, out, COHORT_CKPT_HOLD, timeout_ms,
				   heldp, res);
}

/*
 * The caller's own image, taken in its own context as it returns from
 * the system call it is in (COHORT_IOC_MIGRATE_SELF), then held. The
 * requester, another context, waits for it with cohort_ckpt_self_wait().
 */
int cohort_checkpoint_self(struct file *out,
			   struct cohort_migrate_self __user *ureq,
			   struct cohort_ckpt **heldp)
{
	struct cohort_ckpt *ck;
	int err;

	ck = kzalloc(sizeof(*ck), GFP_KERNEL_ACCOUNT);
	if (!ck)
		return -ENOMEM;
	refcount_set(&ck->ref, 2);	/* the requester's and the work's */
	atomic_set(&ck->state, CKPT_QUEUED);
	atomic_set(&ck->hold, CKPT_HELD);
	init_completion(&ck->done);
	init_completion(&ck->verdict_done);
	ck->flags = COHORT_CKPT_HOLD;
	ck->self_ureq = ureq;
	ck->out = get_file(out);
	__module_get(THIS_MODULE);
	init_task_work(&ck->work, cohort_ckpt_work);
	err = task_work_add(current, &ck->work, TWA_RESUME);
	if (err) {
		fput(ck->out);
		kfree(ck);
		module_put(THIS_MODULE);
		return err;
	}
	*heldp = ck;
	return 0;
}

/*
 * Wait for a cohort_checkpoint_self() image: 0 and the process is held,
 * or the error (it went on, its call failing with the reason; @ck is then
 * put).
 */
int cohort_ckpt_self_wait(struct cohort_ckpt *ck, struct cohort_ckpt_result *res)
{
	long left;

	/* It is on its way back to user mode: a matter of milliseconds. */
	left = wait_for_completion_timeout(&ck->done, 10 * HZ);
	if (!left &&
	    atomic_cmpxchg(&ck->state, CKPT_QUEUED, CKPT_CANCELLED) == CKPT_QUEUED) {
		strscpy(res->reason, COHORT_CKPT_NOT_REACHED, sizeof(res->reason));
		cohort_ckpt_put(ck);
		return -ETIMEDOUT;
	}
	if (!left)
		wait_for_completion(&ck->done);
	res->bytes = ck->bytes;
	res->pages = ck->pages;
	res->freeze_ns = ck->freeze_ns;
	memcpy(res->reason, ck->reason, sizeof(res->reason));
	res->reason[sizeof(res->reason) - 1] = 0;
	if (ck->err) {
		int err = ck->err;

		cohort_ckpt_put(ck);
		return err;
	}
	return 0;
}

/* Before cohort_ckpt_release(ck, false): how its call fails, and why. */
void cohort_ckpt_self_outcome(struct cohort_ckpt *ck, int err,
			      const char *reason)
{
	ck->self_err = err;
	strscpy(ck->reason, reason, sizeof(ck->reason));
}

bool cohort_ckpt_release(struct cohort_ckpt *ck, bool commit, u64 *frozen_ns)
{
	int want = commit ? CKPT_COMMITTED : CKPT_RESUMED;
	int old = atomic_read(&ck->hold), seen;
	bool held = false;

	while (old == CKPT_HELD || old == CKPT_COMMITTING) {
		seen = atomic_cmpxchg(&ck->hold, old, want);
		if (seen == old) {
			held = true;
			break;
		}
		old = seen;
	}
	if (frozen_ns)
		*frozen_ns = ktime_get_ns() - ck->t0;
	complete(&ck->verdict_done);
	cohort_ckpt_put(ck);
	return held;
}

/* Committed: the task runs @after(@arg) instead of ending. */
bool cohort_ckpt_release_to(struct cohort_ckpt *ck, void (*after)(void *arg),
			    void *arg, u64 *frozen_ns)
{
	ck->after = after;
	ck->after_arg = arg;
	return cohort_ckpt_release(ck, true, frozen_ns);
}

bool cohort_ckpt_begin_commit(struct cohort_ckpt *ck)
{
	return atomic_cmpxchg(&ck->hold, CKPT_HELD, CKPT_COMMITTING) == CKPT_HELD;
}

long cohort_checkpoint_ioctl(struct cohort_checkpoint_req __user *ureq)
{
	struct cohort_checkpoint_req req;
	struct cohort_ckpt_result res;
	struct file *out;
	int err;

	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	memset(&res, 0, sizeof(res));
	err = -EINVAL;
	if (req.flags & ~COHORT_CKPT_FLAGS) {
		strscpy(res.reason, "unknown flags", sizeof(res.reason));
		goto out_copy;
	}
	out = fget(req.fd);
	err = -EBADF;
	if (!out || !(out->f_mode & FMODE_WRITE)) {
		strscpy(res.reason, "the image descriptor is not open for writing",
			sizeof(res.reason));
		if (out)
			fput(out);
		goto out_copy;
	}
	err = cohort_ckpt_request(req.pid, out, req.flags, req.timeout_ms,
				  NULL, &res);
	fput(out);
	if (err == -EINTR && fatal_signal_pending(current))
		return -EINTR;
out_copy:
	req.bytes = res.bytes;
	req.pages = res.pages;
	req.freeze_ns = res.freeze_ns;
	memcpy(req.reason, res.reason, sizeof(req.reason));
	req.reason[sizeof(req.reason) - 1] = 0;
	if (copy_to_user(ureq, &req, sizeof(req)))
		return -EFAULT;
	return err;
}
