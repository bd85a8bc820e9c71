// SPDX-License-Identifier: GPL-2.0
/*
 * PREPARE's reading of an image: every record checked before anything
 * uses it (the file is hostile input): order, sizes, ranges, kinds and
 * flags, paths, and the checksum at the end. The checks that need the
 * running kernel (its build and CPU, the caller's credentials) are
 * restore.c's, after this.
 */
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "image.h"
#include "rst.h"

/* Record order; a rank may not come after a higher one. */
static int cohort_rec_rank(u32 type)
{
	switch (type) {
	case COHORT_REC_KERNEL: return 1;
	case COHORT_REC_TASK: return 2;
	case COHORT_REC_GROUPS: return 3;
	case COHORT_REC_REGS: return 4;
	case COHORT_REC_FPU: return 5;
	case COHORT_REC_SIGACTIONS: return 6;
	case COHORT_REC_MM: return 7;
	case COHORT_REC_EXE: return 8;
	case COHORT_REC_CWD: return 9;
	case COHORT_REC_FILE: return 10;
	case COHORT_REC_VMA: return 11;
	case COHORT_REC_PAGES: return 12;
	case COHORT_REC_END: return 13;
	}
	return 0;
}

/* A path record: absolute, no NUL inside. */
static int cohort_rst_path(struct cohort_img_reader *r, u32 len, char **out)
{
	char *p;
	int err;

	if (!len || len >= COHORT_IMG_PATH_MAX)
		return -EINVAL;
	p = kmalloc(len + 1, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	err = cohort_img_read(r, p, len);
	p[len] = 0;
	if (!err && (p[0] != '/' || strlen(p) != len))
		err = -EINVAL;
	if (err) {
		kfree(p);
		return err;
	}
	*out = p;
	return 0;
}

static void *cohort_grow(void *arr, int n, int *cap, size_t size)
{
	void *bigger;

	if (n < *cap)
		return arr;
	bigger = kvcalloc(*cap ? *cap * 2 : 16, size, GFP_KERNEL);
	if (!bigger)
		return NULL;
	if (arr)
		memcpy(bigger, arr, n * size);
	kvfree(arr);
	*cap = *cap ? *cap * 2 : 16;
	return bigger;
}

static int cohort_rst_check_task(struct cohort_rst *rst, char *reason)
{
	struct cohort_img_task *t = &rst->task;
	int i;

	if (t->comm[sizeof(t->comm) - 1])
		return rst_bad(reason, "comm is not terminated");
	if (t->umask > 0777 || t->exit_signal >= _NSIG ||
	    t->pdeath_signal >= _NSIG)
		return rst_bad(reason, "bad umask or signal number");
	for (i = 0; i < ARRAY_SIZE(t->rlim); i++)
		if (i >= RLIM_NLIMITS ? t->rlim[i][0] || t->rlim[i][1] :
		    t->rlim[i][0] > t->rlim[i][1])
			return rst_bad(reason, "bad resource limit %d", i);
	if (t->sas_size && !cohort_user_range(t->sas_sp & PAGE_MASK,
					      PAGE_ALIGN(t->sas_sp + t->sas_size)))
		return rst_bad(reason, "bad alternate signal stack");
	return 0;
}

static int cohort_rst_fixed(struct cohort_img_reader *r, u32 len, void *dst,
			    size_t size)
{
	if (len != size)
		return -EINVAL;
	return cohort_img_read(r, dst, size);
}

static int cohort_rst_vma_rec(struct cohort_rst *rst, struct cohort_img_reader *r,
			      u32 len, int *cap, char *reason)
{
	struct cohort_rst_vma *rv;
	struct cohort_img_vma *v;
	int err;

	if (len < sizeof(*v))
		return -EINVAL;
	if (rst->nvmas == COHORT_RST_VMAS_MAX)
		return rst_bad(reason, "more than %d mappings", COHORT_RST_VMAS_MAX);
	rv = cohort_grow(rst->vmas, rst->nvmas, cap, sizeof(*rv));
	if (!rv)
		return -ENOMEM;
	rst->vmas = rv;
	rv = &rst->vmas[rst->nvmas];
	v = &rv->v;
	err = cohort_img_read(r, v, sizeof(*v));
	if (err)
		return err;
	if (v->path_len != len - sizeof(*v))
		return -EINVAL;
	if (!cohort_user_range(v->start, v->end) ||
	    (rst->nvmas && v->start < rst->vmas[rst->nvmas - 1].v.end))
		return rst_bad(reason, "mapping %#llx-%#llx is out of order or place",
			       v->start, v->end);
	if (v->kind < COHORT_VMA_ANON || v->kind > COHORT_VMA_VVAR ||
	    (v->flags & ~COHORT_VMA_FLAGS))
		return rst_bad(reason, "mapping at %#llx of an unknown kind", v->start);
	if ((v->kind == COHORT_VMA_FILE || v->kind == COHORT_VMA_SHARED_FILE) !=
	    !!v->path_len)
		return rst_bad(reason, "mapping at %#llx: path", v->start);
	if (v->pgoff > (MAX_LFS_FILESIZE >> PAGE_SHIFT))
		return -EINVAL;
	if (v->path_len) {
		err = cohort_rst_path(r, v->path_len, &rv->path);
		if (err)
			return err;
	}
	rst->nvmas++;
	return 0;
}

static int cohort_rst_file_rec(struct cohort_rst *rst, struct cohort_img_reader *r,
			       u32 len, int *cap, char *reason)
{
	struct cohort_rst_file *rf;
	struct cohort_img_file *f;
	bool stdio;
	int err;

	if (len < sizeof(*f))
		return -EINVAL;
	if (rst->nfiles == COHORT_RST_FILES_MAX)
		return rst_bad(reason, "more than %d descriptors", COHORT_RST_FILES_MAX);
	rf = cohort_grow(rst->files, rst->nfiles, cap, sizeof(*rf));
	if (!rf)
		return -ENOMEM;
	rst->files = rf;
	rf = &rst->files[rst->nfiles];
	f = &rf->f;
	err = cohort_img_read(r, f, sizeof(*f));
	if (err)
		return err;
	if (f->path_len != len - sizeof(*f))
		return -EINVAL;
	if (f->fd < 0 || f->fd >= COHORT_RST_FD_MAX ||
	    (rst->nfiles && f->fd <= rst->files[rst->nfiles - 1].f.fd))
		return rst_bad(reason, "descriptor %d out of order", f->fd);
	stdio = f->kind == COHORT_FILE_STDIO;
	if (f->kind < COHORT_FILE_REG || f->kind > COHORT_FILE_STDIO ||
	    stdio != !f->path_len || (stdio && f->fd > 2) || f->cloexec > 1 ||
	    f->pos < 0 || (f->flags & ~(O_ACCMODE | O_APPEND | O_NONBLOCK |
					O_DSYNC | O_DIRECT | O_LARGEFILE |
					O_DIRECTORY | O_NOFOLLOW | O_NOATIME |
					__O_SYNC)))
		return rst_bad(reason, "descriptor %d is malformed", f->fd);
	if (f->path_len) {
		err = cohort_rst_path(r, f->path_len, &rf->path);
		if (err)
			return err;
	}
	rf->tmp_fd = -1;
	rst->max_fd = f->fd;
	rst->nfiles++;
	return 0;
}

/* A PAGES record lies inside one VMA that takes pages, after the last. */
int cohort_rst_pages_ok(struct cohort_rst *rst, const struct cohort_img_pages *h,
			int *vi, u64 *prev_end)
{
	u64 end = h->addr + ((u64)h->count << PAGE_SHIFT);
	struct cohort_rst_vma *rv;

	if (!h->count || h->count > COHORT_IMG_PAGES_MAX || h->pad ||
	    !PAGE_ALIGNED(h->addr) || h->addr < *prev_end)
		return -EINVAL;
	while (*vi < rst->nvmas && rst->vmas[*vi].v.end <= h->addr)
		(*vi)++;
	if (*vi == rst->nvmas)
		return -EINVAL;
	rv = &rst->vmas[*vi];
	if (h->addr < rv->v.start || end > rv->v.end ||
	    !(rv->v.kind == COHORT_VMA_ANON || rv->v.kind == COHORT_VMA_SHARED_ANON ||
	      rv->v.kind == COHORT_VMA_FILE))
		return -EINVAL;
	rv->has_pages = true;
	*prev_end = end;
	return 0;
}

/* Skip @len bytes of page data (still checksummed). */
static int cohort_rst_skip(struct cohort_img_reader *r, u64 len, u8 *scratch)
{
	size_t n;
	int err;

	while (len) {
		n = min_t(u64, len, PAGE_SIZE);
		err = cohort_img_read(r, scratch, n);
		if (err)
			return err;
		len -= n;
	}
	return 0;
}

int cohort_rst_end(struct cohort_img_reader *r, u32 len)
{
	struct cohort_img_end end;
	u32 crc = ~r->crc_rec, records = r->records - 1;
	u64 bytes = r->bytes - sizeof(struct cohort_img_rec);
	u8 extra;
	int err;

	err = cohort_rst_fixed(r, len, &end, sizeof(end));
	if (err)
		return err;
	if (end.crc != crc || end.records != records || end.bytes != bytes)
		return -EBADMSG;
	/* nothing may follow */
	if (kernel_read(r->file, &extra, 1, &(loff_t){ r->pos }) != 0 ||
	    r->off != r->len)
		return -EINVAL;
	return 0;
}

int cohort_rst_parse(struct cohort_rst *rst, char *reason)
{
	struct cohort_img_header hdr;
	struct cohort_img_reader r;
	struct cohort_img_rec rec;
	int rank = 0, vcap = 0, fcap = 0, vi = 0, k, err;
	u64 prev_end = 0;
	u8 *scratch;
	bool seen[14] = {};

	err = cohort_img_reader_init(&r, rst->img, 0);
	scratch = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (err || !scratch) {
		err = -ENOMEM;
		goto out;
	}
	err = cohort_img_read(&r, &hdr, sizeof(hdr));
	if (err || memcmp(hdr.magic, COHORT_IMG_MAGIC, sizeof(hdr.magic))) {
		err = rst_bad(reason, "not a cohort process image");
		goto out;
	}
	if (hdr.version != COHORT_IMG_VERSION || hdr.header_len != sizeof(hdr)) {
		err = rst_bad(reason, "format version %u is not %u", hdr.version,
			      COHORT_IMG_VERSION);
		goto out;
	}
	rst->max_fd = -1;
	for (;;) {
		loff_t at = r.pos - (r.len - r.off);
		struct cohort_img_reader before = r;

		err = cohort_img_next(&r, &rec);
		if (err)
			break;
		k = cohort_rec_rank(rec.type);
		if (!k) {
			err = rst_bad(reason, "unknown record type %u", rec.type);
			break;
		}
		if (k < rank || (seen[k] && k != 10 && k != 11 && k != 12)) {
			err = rst_bad(reason, "record %u out of order", rec.type);
			break;
		}
		if (k > 7 && !seen[7]) {
			err = rst_bad(reason, "records missing before type %u", rec.type);
			break;
		}
		if (k == 12 && !seen[12]) {
			rst->pages_pos = at;
			rst->at_pages = before;
		}
		seen[k] = true;
		rank = k;
		switch (rec.type) {
		case COHORT_REC_KERNEL:
			err = cohort_rst_fixed(&r, rec.len, &rst->kernel, sizeof(rst->kernel));
			break;
		case COHORT_REC_TASK:
			err = cohort_rst_fixed(&r, rec.len, &rst->task, sizeof(rst->task));
			if (!err)
				err = cohort_rst_check_task(rst, reason);
			break;
		case COHORT_REC_GROUPS:
			if (rec.len % 4 || rec.len / 4 > NGROUPS_MAX) {
				err = -EINVAL;
				break;
			}
			rst->ngroups = rec.len / 4;
			rst->groups = kvmalloc(rec.len ?: 1, GFP_KERNEL);
			err = rst->groups ? cohort_img_read(&r, rst->groups, rec.len) : -ENOMEM;
			break;
		case COHORT_REC_REGS:
			err = cohort_rst_fixed(&r, rec.len, &rst->regs, sizeof(rst->regs));
			if (!err && (rst->regs.ip >= TASK_SIZE_MAX ||
				     rst->regs.sp >= TASK_SIZE_MAX ||
				     rst->regs.fs_base >= TASK_SIZE_MAX ||
				     rst->regs.gs_base >= TASK_SIZE_MAX))
				err = rst_bad(reason, "registers point outside user space");
			break;
		case COHORT_REC_FPU:
			if (rec.len < sizeof(rst->fpu)) {
				err = -EINVAL;
				break;
			}
			err = cohort_img_read(&r, &rst->fpu, sizeof(rst->fpu));
			if (err)
				break;
			if (rst->fpu.size != rec.len - sizeof(rst->fpu) ||
			    (rst->fpu.format == COHORT_FPU_FXSAVE && rst->fpu.size != 512) ||
			    (rst->fpu.format == COHORT_FPU_XSAVE &&
			     (rst->fpu.size < 576 || rst->fpu.size > 65536)) ||
			    rst->fpu.format > COHORT_FPU_XSAVE) {
				err = rst_bad(reason, "bad FPU state");
				break;
			}
			rst->fpu_data = kvzalloc(rst->fpu.size, GFP_KERNEL);
			err = -ENOMEM;
			if (rst->fpu_data)
				err = cohort_img_read(&r, rst->fpu_data, rst->fpu.size);
			break;
		case COHORT_REC_SIGACTIONS:
			err = cohort_rst_fixed(&r, rec.len, rst->act, sizeof(rst->act));
			break;
		case COHORT_REC_MM:
			if (rec.len < sizeof(rst->mm)) {
				err = -EINVAL;
				break;
			}
			err = cohort_img_read(&r, &rst->mm, sizeof(rst->mm));
			if (err)
				break;
			if (rst->mm.auxv_words > AT_VECTOR_SIZE || rst->mm.auxv_words % 2 ||
			    rec.len != sizeof(rst->mm) + rst->mm.auxv_words * 8) {
				err = rst_bad(reason, "bad auxiliary vector");
				break;
			}
			err = cohort_img_read(&r, rst->auxv, rst->mm.auxv_words * 8);
			if (!err && rst->mm.auxv_words &&
			    rst->auxv[rst->mm.auxv_words - 2] != AT_NULL)
				err = rst_bad(reason, "auxiliary vector not terminated");
			break;
		case COHORT_REC_EXE:
			err = cohort_rst_path(&r, rec.len, &rst->exe);
			break;
		case COHORT_REC_CWD:
			err = cohort_rst_path(&r, rec.len, &rst->cwd);
			break;
		case COHORT_REC_FILE:
			err = cohort_rst_file_rec(rst, &r, rec.len, &fcap, reason);
			break;
		case COHORT_REC_VMA:
			err = cohort_rst_vma_rec(rst, &r, rec.len, &vcap, reason);
			break;
		case COHORT_REC_PAGES: {
			struct cohort_img_pages h;

			err = -EINVAL;
			if (rec.len < sizeof(h))
				break;
			err = cohort_img_read(&r, &h, sizeof(h));
			if (!err && (rec.len != sizeof(h) + ((u64)h.count << PAGE_SHIFT) ||
				     cohort_rst_pages_ok(rst, &h, &vi, &prev_end)))
				err = rst_bad(reason, "pages at %#llx outside the mappings",
					      h.addr);
			if (!err)
				err = cohort_rst_skip(&r, (u64)h.count << PAGE_SHIFT, scratch);
			rst->npages += h.count;
			break;
		}
		case COHORT_REC_END:
			err = cohort_rst_end(&r, rec.len);
			if (err == -EBADMSG)
				err = rst_bad(reason, "checksum mismatch: changed or cut");
			break;
		}
		if (!err)
			err = cohort_img_rec_end(&r, rec.len);
		if (err || rec.type == COHORT_REC_END)
			break;
	}
	if (!err && (!seen[1] || !seen[2] || !seen[3] || !seen[4] || !seen[5] ||
		     !seen[6] || !seen[7] || !seen[9] || !seen[11] || !seen[13]))
		err = rst_bad(reason, "records missing");
	if (!err && !seen[12])
		rst->pages_pos = -1;
	if (err == -EINVAL && !reason[0])
		rst_bad(reason, "malformed or cut short (offset %lld)",
			r.pos - (long long)(r.len - r.off));
out:
	kfree(scratch);
	cohort_img_reader_free(&r);
	rst->at_pages.buf = NULL;
	return err;
}

/* What parsing allocated (also after a failed parse). */
void cohort_rst_free_records(struct cohort_rst *rst)
{
	int i;

	for (i = 0; i < rst->nfiles; i++)
		kfree(rst->files[i].path);
	for (i = 0; i < rst->nvmas; i++)
		kfree(rst->vmas[i].path);
	kvfree(rst->files);
	kvfree(rst->vmas);
	kvfree(rst->groups);
	kvfree(rst->fpu_data);
	kfree(rst->exe);
	kfree(rst->cwd);
}
