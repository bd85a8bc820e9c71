// SPDX-License-Identifier: GPL-2.0
/*
 * Restore: a restorer process becomes the process of an image.
 *
 * PREPARE reads the whole image and checks every record (the file is
 * hostile input until it has passed) and the caller's right to become it.
 * MM, asked by the stub from its region (the one mapping left), replaces
 * the restorer's memory with the image's, fills in the pages and leaves in
 * the region the system calls the module cannot make itself. FINISH sets
 * the credentials and signals, and from a task work on the way out of the
 * ioctl writes the general registers: the process returns to where the
 * image was taken. See RESTORE-NOTES in the design documents for why the
 * work is split this way.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/prctl.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/prctl.h>
#include <asm/unistd.h>

#include "../compat.h"
#include "image.h"
#include "migrate.h"
#include "proc.h"
#include "restore.h"
#include "rst.h"

static void cohort_rst_clear(struct cohort_rst *rst)
{
	if (rst->mig)
		cohort_mig_unclaim(rst->mig);
	cohort_rst_free_records(rst);
	if (rst->img)
		fput(rst->img);
	kfree(rst);
}

void cohort_restore_release(struct cohort_rst *rst)
{
	if (rst)
		cohort_rst_clear(rst);
}

/*
 * Whether the caller may become the image's credentials: the very same
 * ids and no capability it does not have, or CAP_CHECKPOINT_RESTORE /
 * CAP_SYS_ADMIN in its user namespace.
 */
static int cohort_rst_check_creds(struct cohort_rst *rst, char *reason)
{
	const struct cred *cred = current_cred();
	struct user_namespace *ns = current_user_ns();
	struct cohort_img_task *t = &rst->task;
	struct group_info *gi = cred->group_info;
	bool same;
	u32 i;

	same = t->uid == from_kuid_munged(ns, cred->uid) &&
	       t->euid == from_kuid_munged(ns, cred->euid) &&
	       t->suid == from_kuid_munged(ns, cred->suid) &&
	       t->fsuid == from_kuid_munged(ns, cred->fsuid) &&
	       t->gid == from_kgid_munged(ns, cred->gid) &&
	       t->egid == from_kgid_munged(ns, cred->egid) &&
	       t->sgid == from_kgid_munged(ns, cred->sgid) &&
	       t->fsgid == from_kgid_munged(ns, cred->fsgid) &&
	       t->cap_inheritable == cohort_cap_u64(cred->cap_inheritable) &&
	       t->cap_permitted == cohort_cap_u64(cred->cap_permitted) &&
	       t->cap_effective == cohort_cap_u64(cred->cap_effective) &&
	       t->cap_bset == cohort_cap_u64(cred->cap_bset) &&
	       t->cap_ambient == cohort_cap_u64(cred->cap_ambient) &&
	       rst->ngroups == gi->ngroups;
	for (i = 0; same && i < rst->ngroups; i++)
		same = rst->groups[i] == from_kgid_munged(ns, gi->gid[i]);
	rst->same_creds = same;
	if (same || ns_capable(ns, CAP_SYS_ADMIN) ||
	    ns_capable(ns, CAP_CHECKPOINT_RESTORE))
		return 0;
	snprintf(reason, COHORT_REASON_MAX,
		 "the image's credentials (uid %u) are not the caller's; restoring it needs CAP_CHECKPOINT_RESTORE",
		 t->uid);
	return -EPERM;
}

/* Bytes the program and what it points to take in the region. */
static u64 cohort_rst_data_need(const struct cohort_rst *rst)
{
	u64 calls = 16 + RLIM_NLIMITS + _NSIG + 5 * rst->nvmas + 4 * rst->nfiles;

	return calls * sizeof(struct cohort_stub_call) + rst->fpu.size + 64 +
	       _NSIG * 32 + 256 + rst->mm.auxv_words * 8 +
	       RLIM_NLIMITS * 16 + COHORT_IMG_PATH_MAX + PAGE_SIZE;
}

/* A hole of the image's layout for the stub region, at or above @after. */
static u64 cohort_rst_hole(const struct cohort_rst *rst, u64 after, u64 len)
{
	u64 at = max_t(u64, PAGE_ALIGN(after), COHORT_RST_HOLE_MIN);
	int i;

	for (i = 0; i < rst->nvmas; i++) {
		if (at + len + PAGE_SIZE <= rst->vmas[i].v.start)
			break;
		if (rst->vmas[i].v.end + PAGE_SIZE > at)
			at = rst->vmas[i].v.end + PAGE_SIZE;
	}
	if (at + len > TASK_SIZE_MAX - PAGE_SIZE)
		return 0;
	return at;
}

static long cohort_rst_prepare(struct cohort_rst **rstp,
			       struct cohort_restore_req __user *ureq)
{
	struct cohort_rst *rst = *rstp;
	struct cohort_restore_req req;
	const char *why;
	int err;

	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	memset(req.reason, 0, sizeof(req.reason));
	err = -EINVAL;
	if (req.flags || !req.region_len || req.region_len > SZ_1G ||
	    !PAGE_ALIGNED(req.region_len)) {
		strscpy(req.reason, "bad flags or region length", sizeof(req.reason));
		goto out;
	}
	if (!rst) {
		rst = kzalloc(sizeof(*rst), GFP_KERNEL_ACCOUNT);
		if (!rst)
			return -ENOMEM;
		*rstp = rst;
		rst->img = fget(req.fd);
		/* an incoming migration's image: a shmem file, read at offsets */
		if (rst->img)
			rst->mig = cohort_mig_claim(rst->img);
		err = -EBADF;
		if (!rst->img || !(rst->img->f_mode & FMODE_READ) ||
		    (!(rst->img->f_mode & FMODE_PREAD) && !rst->mig)) {
			strscpy(req.reason, "the image descriptor is not a readable file",
				sizeof(req.reason));
			goto out_clear;
		}
		err = cohort_rst_parse(rst, req.reason);
		if (err)
			goto out_clear;
		why = cohort_kernel_mismatch(&rst->kernel);
		err = -EOPNOTSUPP;
		if (why) {
			strscpy(req.reason, why, sizeof(req.reason));
			goto out_clear;
		}
		err = cohort_rst_check_creds(rst, req.reason);
		if (err)
			goto out_clear;
		rst->state = RST_PREPARED;
	} else if (rst->state != RST_PREPARED) {
		err = -EBUSY;
		goto out;
	}
	req.region = cohort_rst_hole(rst, req.after, req.region_len);
	err = -ENOSPC;
	if (!req.region) {
		strscpy(req.reason, "no room in the image's layout for the stub region",
			sizeof(req.reason));
		goto out;
	}
	req.max_fd = rst->max_fd;
	req.pid = rst->task.pid;
	req.pages = rst->npages;
	req.data_need = PAGE_ALIGN(cohort_rst_data_need(rst));
	err = 0;
	goto out;

out_clear:
	if (rst->mig)
		cohort_mig_fail(rst->mig, req.reason);
	cohort_rst_clear(rst);
	*rstp = NULL;
out:
	if (copy_to_user(ureq, &req, sizeof(req)))
		return -EFAULT;
	return err;
}

/* The stub's program and the data it points to, built in a kernel copy. */
struct cohort_prog {
	u8 *buf;
	u64 base;			/* user address of buf[0] */
	size_t len, used;
	struct cohort_stub_call *calls;
	u32 ncalls, maxcalls;
	struct cohort_stub_call spare;	/* written instead once calls is full */
	bool full;
};

static u64 cohort_prog_put(struct cohort_prog *p, const void *data, size_t len)
{
	size_t at = ALIGN(p->used, 64);

	if (at + len > p->len)
		return 0;
	memcpy(p->buf + at, data, len);
	p->used = at + len;
	return p->base + at;
}

static struct cohort_stub_call *cohort_prog_call(struct cohort_prog *p, u64 nr,
						 u64 a0, u64 a1, u64 a2, u64 a3)
{
	struct cohort_stub_call *c;

	if (p->ncalls == p->maxcalls) {
		p->full = true;
		return &p->spare;
	}
	c = &p->calls[p->ncalls++];
	c->nr = nr;
	c->args[0] = a0;
	c->args[1] = a1;
	c->args[2] = a2;
	c->args[3] = a3;
	return c;
}

static int cohort_prog_prot(u32 flags)
{
	return (flags & COHORT_VMA_READ ? PROT_READ : 0) |
	       (flags & COHORT_VMA_WRITE ? PROT_WRITE : 0) |
	       (flags & COHORT_VMA_EXEC ? PROT_EXEC : 0);
}

/* The VMA of @kind in the image, or NULL. */
static struct cohort_img_vma *cohort_rst_special(struct cohort_rst *rst, u32 kind)
{
	int i;

	for (i = 0; i < rst->nvmas; i++)
		if (rst->vmas[i].v.kind == kind)
			return &rst->vmas[i].v;
	return NULL;
}

static bool cohort_overlap(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

struct cohort_range {
	unsigned long start, end;
};

/*
 * The restorer's vdso and vvar (where the stub's program moves them to the
 * image's places), and a check that nothing of the image lands on them.
 */
static int cohort_rst_vdso(struct cohort_rst *rst, struct cohort_range *vvar,
			   struct cohort_range *vdso, const struct cohort_stub_args *a,
			   char *reason)
{
	struct mm_struct *mm = current->mm;
	unsigned long at = (unsigned long)mm->context.vdso;
	struct cohort_img_vma *iv = cohort_rst_special(rst, COHORT_VMA_VVAR);
	struct cohort_img_vma *id = cohort_rst_special(rst, COHORT_VMA_VDSO);
	struct vm_area_struct *vma;
	int i;

	memset(vvar, 0, sizeof(*vvar));
	memset(vdso, 0, sizeof(*vdso));
	mmap_read_lock(mm);
	vma = at ? find_vma(mm, at) : NULL;
	if (vma && vma->vm_start == at) {
		vdso->start = vma->vm_start;
		vdso->end = vma->vm_end;
		vma = find_vma(mm, at - 1);
		if (vma && vma->vm_end == at && vma->vm_start < at) {
			vvar->start = vma->vm_start;
			vvar->end = vma->vm_end;
		}
	}
	mmap_read_unlock(mm);
	if ((id && id->end - id->start != vdso->end - vdso->start) ||
	    (iv && iv->end - iv->start != vvar->end - vvar->start)) {
		strscpy(reason, "the vdso here differs from the image's", COHORT_REASON_MAX);
		return -EOPNOTSUPP;
	}
	for (i = 0; i < rst->nvmas; i++) {
		struct cohort_img_vma *v = &rst->vmas[i].v;

		if (cohort_overlap(v->start, v->end, a->region, a->region + a->region_len))
			goto again;
		if (v->kind == COHORT_VMA_VDSO || v->kind == COHORT_VMA_VVAR)
			continue;
		if (cohort_overlap(v->start, v->end, vdso->start, vdso->end) ||
		    cohort_overlap(v->start, v->end, vvar->start, vvar->end))
			goto again;
	}
	/* moving one must not land on the other before it moved */
	if (iv && id && (iv->start != vvar->start || id->start != vdso->start) &&
	    (cohort_overlap(iv->start, iv->end, vdso->start, vdso->end) ||
	     cohort_overlap(id->start, id->end, vvar->start, vvar->end)))
		goto again;
	return 0;
again:
	strscpy(reason, "the restorer's own mappings are in the image's way; start it again",
		COHORT_REASON_MAX);
	return -EAGAIN;
}

/* Unmap everything of the restorer but the stub region, vdso and vvar. */
static int cohort_rst_unmap_all(const struct cohort_stub_args *a,
				const struct cohort_range *vvar,
				const struct cohort_range *vdso)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct cohort_range *r;
	int n = 0, i, err = 0;
	struct vma_iterator vmi;

	vma_iter_init(&vmi, mm, 0);
	mmap_read_lock(mm);
	r = kvcalloc(mm->map_count + 1, sizeof(*r), GFP_KERNEL);
	if (r) {
		for_each_vma(vmi, vma) {
			if (n == mm->map_count + 1)
				break;
			if (vma->vm_start >= a->region &&
			    vma->vm_end <= a->region + a->region_len)
				continue;
			if (vma->vm_start == vdso->start || vma->vm_start == vvar->start)
				continue;
			r[n].start = vma->vm_start;
			r[n].end = vma->vm_end;
			n++;
		}
	}
	mmap_read_unlock(mm);
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++)
		err = vm_munmap(r[i].start, r[i].end - r[i].start);
	kvfree(r);
	return err;
}

static int cohort_rst_map_one(struct cohort_rst_vma *rv, char *reason)
{
	struct cohort_img_vma *v = &rv->v;
	u64 len = v->end - v->start;
	int prot = cohort_prog_prot(v->flags);
	unsigned long flags = MAP_FIXED, got;
	struct cohort_img_vma now;
	struct file *f = NULL;
	int err;

	if (rv->has_pages)
		prot |= PROT_READ | PROT_WRITE;
	if (v->flags & COHORT_VMA_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (v->flags & COHORT_VMA_NORESERVE)
		flags |= MAP_NORESERVE;
	switch (v->kind) {
	case COHORT_VMA_ANON:
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		break;
	case COHORT_VMA_SHARED_ANON:
		flags |= MAP_SHARED | MAP_ANONYMOUS;
		break;
	case COHORT_VMA_FILE:
	case COHORT_VMA_SHARED_FILE:
		flags |= v->kind == COHORT_VMA_FILE ? MAP_PRIVATE : MAP_SHARED;
		f = filp_open(rv->path, v->flags & COHORT_VMA_MAYWRITE ? O_RDWR : O_RDONLY, 0);
		if (IS_ERR(f)) {
			snprintf(reason, COHORT_REASON_MAX, "cannot open %s (%ld)",
				 rv->path, PTR_ERR(f));
			return PTR_ERR(f);
		}
		err = cohort_file_stamp(f, &now);
		if (err || now.size != v->size || now.mtime_sec != v->mtime_sec ||
		    now.mtime_nsec != v->mtime_nsec) {
			snprintf(reason, COHORT_REASON_MAX,
				 "%s changed since the checkpoint (size or mtime)", rv->path);
			fput(f);
			return -ESTALE;
		}
		break;
	default:
		return 0;
	}
	got = vm_mmap(f, v->start, len, prot, flags, v->pgoff << PAGE_SHIFT);
	if (f)
		fput(f);
	if (IS_ERR_VALUE(got) || got != v->start) {
		snprintf(reason, COHORT_REASON_MAX, "cannot map %#llx-%#llx (%ld)",
			 v->start, v->end, IS_ERR_VALUE(got) ? (long)got : -EEXIST);
		return IS_ERR_VALUE(got) ? (int)got : -EEXIST;
	}
	return 0;
}

/* The pages, read again (the file may have changed: checked again). */
static int cohort_rst_fill(struct cohort_rst *rst, char *reason)
{
	struct cohort_img_reader r;
	struct cohort_img_rec rec;
	struct cohort_img_pages h;
	u64 prev_end = 0;
	int vi = 0, err;
	u32 i, n;
	u8 *buf;

	if (rst->pages_pos < 0)
		return 0;
	err = cohort_img_reader_init(&r, rst->img, rst->pages_pos);
	buf = kvmalloc(COHORT_IMG_PAGES_MAX * PAGE_SIZE, GFP_KERNEL);
	if (err || !buf) {
		err = -ENOMEM;
		goto out;
	}
	r.crc = rst->at_pages.crc;
	r.records = rst->at_pages.records;
	r.bytes = rst->at_pages.bytes;
	for (;;) {
		err = cohort_img_next(&r, &rec);
		if (err)
			break;
		if (rec.type == COHORT_REC_END) {
			err = cohort_rst_end(&r, rec.len);
			break;
		}
		err = -EINVAL;
		if (rec.type != COHORT_REC_PAGES || rec.len < sizeof(h))
			break;
		err = cohort_img_read(&r, &h, sizeof(h));
		if (err)
			break;
		err = -EINVAL;
		if (rec.len != sizeof(h) + ((u64)h.count << PAGE_SHIFT) ||
		    cohort_rst_pages_ok(rst, &h, &vi, &prev_end))
			break;
		n = h.count;
		err = cohort_img_read(&r, buf, (size_t)n << PAGE_SHIFT);
		if (err)
			break;
		for (i = 0; i < n; i++)
			if (copy_to_user(u64_to_user_ptr(h.addr + ((u64)i << PAGE_SHIFT)),
					 buf + ((size_t)i << PAGE_SHIFT), PAGE_SIZE))
				break;
		err = i == n ? cohort_img_rec_end(&r, rec.len) : -EFAULT;
		if (err)
			break;
		cond_resched();
	}
	if (err)
		snprintf(reason, COHORT_REASON_MAX,
			 "image: the pages changed or cannot be written (%d)", err);
out:
	kvfree(buf);
	cohort_img_reader_free(&r);
	return err;
}

/* Open @path as @flags and install it at the lowest free descriptor. */
static int cohort_rst_install(const char *path, int flags, char *reason)
{
	struct file *f;
	int fd;

	f = filp_open(path, flags, 0);
	if (IS_ERR(f)) {
		snprintf(reason, COHORT_REASON_MAX, "cannot open %s (%ld)", path,
			 PTR_ERR(f));
		return PTR_ERR(f);
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(f);
		return fd;
	}
	fd_install(fd, f);
	return fd;
}

static int cohort_rst_program(struct cohort_rst *rst, struct cohort_prog *p,
			      const struct cohort_range *vvar,
			      const struct cohort_range *vdso, int exe_fd,
			      char *reason)
{
	struct cohort_img_task *t = &rst->task;
	struct cohort_img_vma *iv = cohort_rst_special(rst, COHORT_VMA_VVAR);
	struct cohort_img_vma *id = cohort_rst_special(rst, COHORT_VMA_VDSO);
	struct prctl_mm_map map = {};
	struct cohort_stub_call *c;
	int high, i, fd;
	bool have[3] = {};
	u64 u, len;
	struct {
		u64 sp;
		s32 flags;
		u32 pad;
		u64 size;
	} ss;

	for (i = 0; i < RLIM_NLIMITS; i++) {
		u = cohort_prog_put(p, t->rlim[i], 16);
		if (!u)
			return -ENOSPC;
		c = cohort_prog_call(p, __NR_prlimit64, 0, i, u, 0);
	}
	if (iv && iv->start != vvar->start) {
		len = vvar->end - vvar->start;
		c = cohort_prog_call(p, __NR_mremap, vvar->start, len, len,
				     MREMAP_MAYMOVE | MREMAP_FIXED);
		c->args[4] = iv->start;
	}
	if (id && id->start != vdso->start) {
		len = vdso->end - vdso->start;
		c = cohort_prog_call(p, __NR_mremap, vdso->start, len, len,
				     MREMAP_MAYMOVE | MREMAP_FIXED);
		c->args[4] = id->start;
	}
	for (i = 0; i < rst->nvmas; i++) {
		struct cohort_rst_vma *rv = &rst->vmas[i];
		u32 fl = rv->v.flags;

		if (rv->v.kind == COHORT_VMA_VDSO || rv->v.kind == COHORT_VMA_VVAR)
			continue;
		len = rv->v.end - rv->v.start;
		if (rv->has_pages && cohort_prog_prot(fl) != (PROT_READ | PROT_WRITE))
			c = cohort_prog_call(p, __NR_mprotect, rv->v.start, len,
					     cohort_prog_prot(fl), 0);
		if (fl & COHORT_VMA_DONTFORK)
			c = cohort_prog_call(p, __NR_madvise, rv->v.start, len, MADV_DONTFORK, 0);
		if (fl & COHORT_VMA_DONTDUMP)
			c = cohort_prog_call(p, __NR_madvise, rv->v.start, len, MADV_DONTDUMP, 0);
		if (fl & COHORT_VMA_WIPEONFORK)
			c = cohort_prog_call(p, __NR_madvise, rv->v.start, len, MADV_WIPEONFORK, 0);
		if (fl & COHORT_VMA_LOCKED) {
			c = cohort_prog_call(p, __NR_mlock, rv->v.start, len, 0, 0);
			c->flags = COHORT_STUB_MAY_FAIL;
		}
	}

	map.start_code = rst->mm.start_code;
	map.end_code = rst->mm.end_code;
	map.start_data = rst->mm.start_data;
	map.end_data = rst->mm.end_data;
	map.start_brk = rst->mm.start_brk;
	map.brk = rst->mm.brk;
	map.start_stack = rst->mm.start_stack;
	map.arg_start = rst->mm.arg_start;
	map.arg_end = rst->mm.arg_end;
	map.env_start = rst->mm.env_start;
	map.env_end = rst->mm.env_end;
	map.exe_fd = exe_fd;
	if (rst->mm.auxv_words) {
		/* a user address; struct prctl_mm_map does not say so */
		map.auxv = (u64 *)(uintptr_t)cohort_prog_put(p, rst->auxv,
							     rst->mm.auxv_words * 8);
		map.auxv_size = rst->mm.auxv_words * 8;
		if (!map.auxv)
			return -ENOSPC;
	}
	u = cohort_prog_put(p, &map, sizeof(map));
	if (!u)
		return -ENOSPC;
	c = cohort_prog_call(p, __NR_prctl, PR_SET_MM, PR_SET_MM_MAP, u, sizeof(map));
	if (exe_fd >= 0)
		c = cohort_prog_call(p, __NR_close, exe_fd, 0, 0, 0);

	/*
	 * Descriptors: the temporaries first go above every number in play
	 * (the image's, the stub's, the temporaries'), then to their own.
	 */
	high = max3(rst->max_fd, rst->args.dev_fd, max(rst->args.img_fd,
						       rst->args.report_fd)) + 1;
	for (i = 0; i < rst->nfiles; i++)
		high = max(high, rst->files[i].tmp_fd + 1);
	for (i = 0; i < rst->nfiles; i++)
		if (rst->files[i].tmp_fd >= 0)
			c = cohort_prog_call(p, COHORT_STUB_NR_MOVE_FD,
					     rst->files[i].tmp_fd, high + i, 0, 0);
	for (i = 0; i < rst->nfiles; i++) {
		struct cohort_img_file *f = &rst->files[i].f;

		if (f->fd < 3)
			have[f->fd] = true;
		if (rst->files[i].tmp_fd < 0)
			continue;
		c = cohort_prog_call(p, COHORT_STUB_NR_MOVE_FD, high + i, f->fd,
				     f->cloexec ? O_CLOEXEC : 0, 0);
		if (f->kind == COHORT_FILE_REG || f->kind == COHORT_FILE_DIR)
			c = cohort_prog_call(p, __NR_lseek, f->fd, f->pos, SEEK_SET, 0);
	}
	for (fd = 0; fd < 3; fd++) {
		if (have[fd])
			continue;
		c = cohort_prog_call(p, __NR_close, fd, 0, 0, 0);
		c->flags = COHORT_STUB_MAY_FAIL;
	}

	u = cohort_prog_put(p, rst->cwd, strlen(rst->cwd) + 1);
	if (!u)
		return -ENOSPC;
	c = cohort_prog_call(p, __NR_chdir, u, 0, 0, 0);
	c = cohort_prog_call(p, __NR_umask, t->umask, 0, 0, 0);
	c = cohort_prog_call(p, __NR_personality, t->personality, 0, 0, 0);
	u = cohort_prog_put(p, t->comm, sizeof(t->comm));
	if (!u)
		return -ENOSPC;
	c = cohort_prog_call(p, __NR_prctl, PR_SET_NAME, u, 0, 0);

	for (i = 1; i <= _NSIG; i++) {
		struct cohort_img_sigaction *a = &rst->act[i - 1];

		if (i == SIGKILL || i == SIGSTOP ||
		    (!a->handler && !a->flags && !a->mask))
			continue;
		u = cohort_prog_put(p, a, sizeof(*a));
		if (!u)
			return -ENOSPC;
		c = cohort_prog_call(p, __NR_rt_sigaction, i, u, 0, sizeof(sigset_t));
	}
	if (t->sas_size) {
		ss.sp = t->sas_sp;
		ss.flags = t->sas_flags & SS_AUTODISARM;
		ss.pad = 0;
		ss.size = t->sas_size;
		u = cohort_prog_put(p, &ss, sizeof(ss));
		if (!u)
			return -ENOSPC;
		c = cohort_prog_call(p, __NR_sigaltstack, u, 0, 0, 0);
	}
	c = cohort_prog_call(p, __NR_set_tid_address, t->clear_child_tid, 0, 0, 0);
	if (t->robust_list)
		c = cohort_prog_call(p, __NR_set_robust_list, t->robust_list, t->robust_len, 0, 0);
	if (t->rseq) {
		c = cohort_prog_call(p, __NR_rseq, t->rseq, t->rseq_len, 0, t->rseq_sig);
		c->flags = COHORT_STUB_MAY_FAIL;
	}
	c = cohort_prog_call(p, __NR_arch_prctl, ARCH_SET_FS, rst->regs.fs_base, 0, 0);
	if (rst->regs.gs_base)
		c = cohort_prog_call(p, __NR_arch_prctl, ARCH_SET_GS, rst->regs.gs_base, 0, 0);
	return p->full ? -ENOSPC : 0;
}

/* The FPU state as XRSTOR/FXRSTOR will take it without a fault. */
static void cohort_rst_fpu_sanitise(struct cohort_rst *rst, u64 here_xcr0)
{
	struct fxregs_state *fx = (struct fxregs_state *)rst->fpu_data;
	struct xstate_header *xh;

	fx->mxcsr &= 0xffff;
	if (rst->fpu.format != COHORT_FPU_XSAVE)
		return;
	xh = (struct xstate_header *)(rst->fpu_data + 512);
	xh->xfeatures &= rst->fpu.xcr0 & here_xcr0;
	xh->xcomp_bv = 0;
	memset(xh->reserved, 0, sizeof(xh->reserved));
}

static long cohort_rst_mm(struct cohort_rst *rst, struct cohort_stub_args __user *uargs)
{
	struct cohort_range vvar, vdso;
	struct cohort_prog p = {};
	struct cohort_stub_args a;
	u64 here_xcr0 = 0, u;
	int exe_fd = -1, i, err;
	u64 need;

	if (copy_from_user(&a, uargs, sizeof(a)))
		return -EFAULT;
	memset(a.reason, 0, sizeof(a.reason));
	err = -EINVAL;
	need = cohort_rst_data_need(rst);
	if (rst->state != RST_PREPARED || a.magic != COHORT_STUB_MAGIC ||
	    !PAGE_ALIGNED(a.region) || !PAGE_ALIGNED(a.region_len) ||
	    !cohort_user_range(a.region, a.region + a.region_len) ||
	    (u64)(uintptr_t)uargs < a.region ||
	    (u64)(uintptr_t)uargs + sizeof(a) > a.region + a.region_len ||
	    a.data < a.region || a.data_len < need || a.data % 64 ||
	    a.data + a.data_len > a.region + a.region_len) {
		strscpy(a.reason, "bad stub region", sizeof(a.reason));
		goto out_copy;
	}
	if (get_nr_threads(current) != 1 || current->ptrace) {
		strscpy(a.reason, "the restorer must be single-threaded and untraced",
			sizeof(a.reason));
		goto out_copy;
	}
	if (a.dev_fd <= rst->max_fd || a.img_fd <= rst->max_fd ||
	    (a.report_fd >= 0 && a.report_fd <= rst->max_fd) || a.report_fd < -1) {
		strscpy(a.reason, "the stub's descriptors are in the image's way",
			sizeof(a.reason));
		goto out_copy;
	}
	err = cohort_rst_vdso(rst, &vvar, &vdso, &a, a.reason);
	if (err)
		goto out_copy;
	rst->args = a;
	p.len = a.data_len;
	p.base = a.data;
	p.buf = kvzalloc(p.len, GFP_KERNEL);
	if (!p.buf) {
		err = -ENOMEM;
		goto out_copy;
	}
	p.maxcalls = 16 + RLIM_NLIMITS + _NSIG + 5 * rst->nvmas + 4 * rst->nfiles;
	p.calls = (struct cohort_stub_call *)p.buf;
	p.used = p.maxcalls * sizeof(*p.calls);

	/* From here on the restorer is gone: a failure ends it. */
#ifdef CONFIG_RSEQ
	current->rseq = NULL;
	current->rseq_sig = 0;
	cohort_set_rseq_len(current, 0);
#endif
	err = cohort_rst_unmap_all(&a, &vvar, &vdso);
	if (err) {
		strscpy(a.reason, "cannot unmap the restorer", sizeof(a.reason));
		goto out_buf;
	}
	for (i = 0; i < rst->nvmas && !err; i++)
		err = cohort_rst_map_one(&rst->vmas[i], a.reason);
	if (!err)
		err = cohort_rst_fill(rst, a.reason);
	if (err)
		goto out_buf;
	if (rst->exe && (ns_capable(current_user_ns(), CAP_SYS_ADMIN) ||
			 ns_capable(current_user_ns(), CAP_CHECKPOINT_RESTORE))) {
		exe_fd = cohort_rst_install(rst->exe, O_RDONLY, a.reason);
		if (exe_fd < 0) {
			err = exe_fd;
			goto out_buf;
		}
	}
	for (i = 0; i < rst->nfiles; i++) {
		struct cohort_rst_file *rf = &rst->files[i];

		if (rf->f.kind == COHORT_FILE_STDIO)
			continue;
		rf->tmp_fd = cohort_rst_install(rf->path, rf->f.flags & ~O_CREAT, a.reason);
		if (rf->tmp_fd < 0) {
			err = rf->tmp_fd;
			goto out_buf;
		}
	}
	err = cohort_rst_program(rst, &p, &vvar, &vdso, exe_fd, a.reason);
	if (err) {
		strscpy(a.reason, "the stub region is too small", sizeof(a.reason));
		goto out_buf;
	}
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		here_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	cohort_rst_fpu_sanitise(rst, here_xcr0);
	u = cohort_prog_put(&p, rst->fpu_data, rst->fpu.size);
	err = -ENOSPC;
	if (!u)
		goto out_buf;
	a.xstate = u;
	a.xsave = rst->fpu.format == COHORT_FPU_XSAVE;
	a.xfeatures = rst->fpu.xcr0 & here_xcr0;
	a.calls = p.base;
	a.ncalls = p.ncalls;
	err = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(p.base), p.buf, p.used))
		goto out_buf;
	rst->args = a;
	rst->pid = current->pid;
	rst->state = RST_MAPPED;
	err = 0;
out_buf:
	kvfree(p.buf);
out_copy:
	if (err && !a.reason[0])
		snprintf(a.reason, sizeof(a.reason), "restore failed (%d)", err);
	a.reason[sizeof(a.reason) - 1] = 0;
	if (err && rst->mig)
		cohort_mig_fail(rst->mig, a.reason);
	if (copy_to_user(uargs, &a, sizeof(a)))
		return -EFAULT;
	return err;
}

/* What the last task work needs, owned by it. */
struct cohort_rst_fin {
	struct callback_head work;
	struct cohort_img_regs regs;
	u64 region, region_len;
	int dev_fd, img_fd, report_fd;
};

#define COHORT_USER_EFLAGS (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | \
			    X86_EFLAGS_TF | X86_EFLAGS_SF | X86_EFLAGS_ZF | \
			    X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | \
			    X86_EFLAGS_RF)

/*
 * On the way out of FINISH: the image's general registers (after the
 * ioctl's result was stored, so nothing overwrites ax), orig_ax -1 so no
 * restart logic runs; the stub region and descriptors go, the report
 * says the process runs.
 */
static void cohort_rst_fin_work(struct callback_head *head)
{
	struct cohort_rst_fin *fin = container_of(head, struct cohort_rst_fin, work);
	struct pt_regs *regs = task_pt_regs(current);
	struct cohort_img_regs *r = &fin->regs;
	struct file *f;
	char msg[32];
	int n;

	regs->r15 = r->r15;
	regs->r14 = r->r14;
	regs->r13 = r->r13;
	regs->r12 = r->r12;
	regs->bp = r->bp;
	regs->bx = r->bx;
	regs->r11 = r->r11;
	regs->r10 = r->r10;
	regs->r9 = r->r9;
	regs->r8 = r->r8;
	regs->ax = r->ax;
	regs->cx = r->cx;
	regs->dx = r->dx;
	regs->si = r->si;
	regs->di = r->di;
	regs->orig_ax = -1;
	regs->ip = r->ip;
	regs->sp = r->sp;
	regs->flags = (regs->flags & ~COHORT_USER_EFLAGS) | (r->flags & COHORT_USER_EFLAGS);
	regs->cs = __USER_CS;
	regs->ss = __USER_DS;

	vm_munmap(fin->region, fin->region_len);
	close_fd(fin->img_fd);
	close_fd(fin->dev_fd);
	if (fin->report_fd >= 0) {
		f = fget(fin->report_fd);
		if (f) {
			n = snprintf(msg, sizeof(msg), "ok %d\n", task_pid_vnr(current));
			kernel_write(f, msg, n, &(loff_t){ 0 });
			fput(f);
		}
		close_fd(fin->report_fd);
	}
	kfree(fin);
	module_put(THIS_MODULE);
}

/* The image's credentials, for a restorer allowed to take them. */
static int cohort_rst_creds(struct cohort_rst *rst)
{
	struct user_namespace *ns = current_user_ns();
	struct cohort_img_task *t = &rst->task;
	struct mm_struct *mm = current->mm;
	struct group_info *gi;
	unsigned long old, new;
	struct cred *c;
	u32 i;

	gi = groups_alloc(rst->ngroups);
	if (!gi)
		return -ENOMEM;
	for (i = 0; i < rst->ngroups; i++) {
		gi->gid[i] = make_kgid(ns, rst->groups[i]);
		if (!gid_valid(gi->gid[i]))
			goto bad;
	}
	groups_sort(gi);
	c = prepare_creds();
	if (!c)
		goto nomem;
	c->uid = make_kuid(ns, t->uid);
	c->euid = make_kuid(ns, t->euid);
	c->suid = make_kuid(ns, t->suid);
	c->fsuid = make_kuid(ns, t->fsuid);
	c->gid = make_kgid(ns, t->gid);
	c->egid = make_kgid(ns, t->egid);
	c->sgid = make_kgid(ns, t->sgid);
	c->fsgid = make_kgid(ns, t->fsgid);
	if (!uid_valid(c->uid) || !uid_valid(c->euid) || !uid_valid(c->suid) ||
	    !uid_valid(c->fsuid) || !gid_valid(c->gid) || !gid_valid(c->egid) ||
	    !gid_valid(c->sgid) || !gid_valid(c->fsgid)) {
		abort_creds(c);
		goto bad;
	}
	c->cap_inheritable = cohort_u64_cap(t->cap_inheritable);
	c->cap_permitted = cohort_u64_cap(t->cap_permitted);
	c->cap_effective = cohort_u64_cap(t->cap_effective);
	c->cap_bset = cohort_u64_cap(t->cap_bset);
	c->cap_ambient = cohort_u64_cap(t->cap_ambient);
	set_groups(c, gi);
	put_group_info(gi);
	commit_creds(c);
	/* commit_creds() made it undumpable on an id change; it was not */
	do {
		old = READ_ONCE(mm->flags);
		new = (old & ~MMF_DUMPABLE_MASK) | SUID_DUMP_USER;
	} while (cmpxchg(&mm->flags, old, new) != old);
	return 0;
bad:
	put_group_info(gi);
	return -EINVAL;
nomem:
	put_group_info(gi);
	return -ENOMEM;
}

static long cohort_rst_finish(struct cohort_rst *rst)
{
	struct cohort_rst_fin *fin;
	sigset_t set;
	int sig, err;

	if (rst->state != RST_MAPPED || rst->pid != current->pid)
		return -EINVAL;
	fin = kzalloc(sizeof(*fin), GFP_KERNEL);
	if (!fin)
		return -ENOMEM;
	if (!rst->same_creds) {
		err = cohort_rst_creds(rst);
		if (err) {
			kfree(fin);
			return err;
		}
	}
	current->pdeath_signal = rst->task.pdeath_signal;
	set.sig[0] = rst->task.blocked & ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
	sigprocmask(SIG_SETMASK, &set, NULL);
	for (sig = 1; sig <= 64; sig++)
		if (rst->task.pending & BIT_ULL(sig - 1))
			send_sig(sig, current, 1);

	fin->regs = rst->regs;
	fin->region = rst->args.region;
	fin->region_len = rst->args.region_len;
	fin->dev_fd = rst->args.dev_fd;
	fin->img_fd = rst->args.img_fd;
	fin->report_fd = rst->args.report_fd;
	/* An incoming migration runs only once its source commits. */
	if (rst->mig) {
		err = cohort_mig_ready(rst->mig);
		if (err) {
			kfree(fin);
			return err;
		}
	}
	__module_get(THIS_MODULE);
	init_task_work(&fin->work, cohort_rst_fin_work);
	err = task_work_add(current, &fin->work, TWA_RESUME);
	if (err) {
		module_put(THIS_MODULE);
		kfree(fin);
		return err;
	}
	rst->state = RST_DONE;
	return 0;
}

long cohort_restore_ioctl(struct cohort_rst **rstp, unsigned int cmd,
			  void __user *arg)
{
	switch (cmd) {
	case COHORT_IOC_RESTORE_PREPARE:
		return cohort_rst_prepare(rstp, arg);
	case COHORT_IOC_RESTORE_MM:
		return *rstp ? cohort_rst_mm(*rstp, arg) : -EINVAL;
	case COHORT_IOC_RESTORE_FINISH:
		return *rstp ? cohort_rst_finish(*rstp) : -EINVAL;
	}
	return -ENOTTY;
}
