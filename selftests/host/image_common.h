/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's image reader and parser (kernel/proc/image.c, parse.c),
 * built on the host over kshim/, for image_test and image_fuzz: a small
 * valid image written with the kernel's own writer, a parse of a buffer,
 * and what every accepted image must satisfy.
 */
#ifndef COHORT_IMAGE_COMMON_H
#define COHORT_IMAGE_COMMON_H

#include <assert.h>

#include "../../kernel/proc/image.c"
#include "../../kernel/proc/parse.c"

/* A process with an anonymous and a file mapping, stdio, a file, and one page if @page. */
static struct file seed_image_of(bool with_page)
{
	struct cohort_img_header hdr = {
		.magic = COHORT_IMG_MAGIC, .version = COHORT_IMG_VERSION,
		.header_len = sizeof(hdr),
	};
	struct cohort_img_kernel k = { .release = "6.1.0-57-amd64", .version = "#1" };
	struct cohort_img_task t = { .pid = 42, .uid = 1000, .euid = 1000,
				     .umask = 022, .exit_signal = 17, .comm = "victim" };
	struct cohort_img_regs r = { .ip = 0x401000, .sp = 0x7ffff000, .cs = 0x33,
				     .ss = 0x2b, .flags = 0x202, .orig_ax = -1ULL };
	struct cohort_img_fpu fpu = { .format = COHORT_FPU_FXSAVE, .size = 512 };
	static u8 fx[512], page[4096];
	struct cohort_img_sigaction act[64] = { [9] = { .handler = 0x401100 } };
	struct cohort_img_mm mm = { .start_code = 0x400000, .end_code = 0x401000,
				    .start_brk = 0x600000, .brk = 0x600000,
				    .start_stack = 0x7fffe000, .auxv_words = 4 };
	u64 auxv[4] = { 6 /* AT_PAGESZ */, 4096, AT_NULL, 0 };
	struct cohort_img_file f0 = { .fd = 0, .kind = COHORT_FILE_STDIO, .flags = O_RDWR };
	const char *lib = "/lib/x86_64-linux-gnu/libc.so.6";
	struct cohort_img_file f3 = { .fd = 3, .kind = COHORT_FILE_REG,
				      .flags = O_RDONLY, .pos = 37,
				      .path_len = strlen(lib) };
	struct cohort_img_vma anon = { .start = 0x400000, .end = 0x402000,
				       .kind = COHORT_VMA_ANON,
				       .flags = COHORT_VMA_READ | COHORT_VMA_WRITE };
	struct cohort_img_vma file = { .start = 0x7f0000000000, .end = 0x7f0000004000,
				       .kind = COHORT_VMA_FILE, .flags = COHORT_VMA_READ,
				       .size = 16384, .path_len = strlen(lib) };
	struct cohort_img_pages p = { .addr = 0x401000, .count = 1 };
	struct cohort_img_writer w;
	struct file img = {};
	int i;

	for (i = 0; i < 16; i++)
		t.rlim[i][0] = t.rlim[i][1] = ~0ULL;
	memset(page, 0x5a, sizeof(page));
	assert(!cohort_img_writer_init(&w, &img));
	assert(!cohort_img_put(&w, &hdr, sizeof(hdr)));
	assert(!cohort_img_rec(&w, COHORT_REC_KERNEL, &k, sizeof(k), NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_TASK, &t, sizeof(t), NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_GROUPS, NULL, 0, NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_REGS, &r, sizeof(r), NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_FPU, &fpu, sizeof(fpu), fx, sizeof(fx)));
	assert(!cohort_img_rec(&w, COHORT_REC_SIGACTIONS, act, sizeof(act), NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_MM, &mm, sizeof(mm), auxv, sizeof(auxv)));
	assert(!cohort_img_rec(&w, COHORT_REC_EXE, "/usr/bin/victim", 15, NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_CWD, "/tmp", 4, NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_FILE, &f0, sizeof(f0), NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_FILE, &f3, sizeof(f3), lib, strlen(lib)));
	assert(!cohort_img_rec(&w, COHORT_REC_VMA, &anon, sizeof(anon), NULL, 0));
	assert(!cohort_img_rec(&w, COHORT_REC_VMA, &file, sizeof(file), lib, strlen(lib)));
	if (with_page)
		assert(!cohort_img_rec(&w, COHORT_REC_PAGES, &p, sizeof(p), page, sizeof(page)));
	assert(!cohort_img_finish(&w));
	cohort_img_writer_free(&w);
	return img;
}

static struct file seed_image(void)
{
	return seed_image_of(true);
}

/*
 * Make the END record, if the records lead to one, match what precedes it
 * (CRC, count, length), as a forger would: so that a mutation is judged
 * by the checks before the checksum.
 */
static void fix_end(u8 *d, size_t size)
{
	struct cohort_img_rec rec;
	struct cohort_img_end e;
	size_t off = sizeof(struct cohort_img_header);
	u32 records = 0;

	while (off + sizeof(rec) <= size) {
		memcpy(&rec, d + off, sizeof(rec));
		if (rec.type == COHORT_REC_END) {
			if (off + sizeof(rec) + sizeof(e) > size)
				return;
			e.crc = ~crc32_le(~0U, d, off);
			e.records = records;
			e.bytes = off;
			memcpy(d + off + sizeof(rec), &e, sizeof(e));
			return;
		}
		off += sizeof(rec) + rec.len + (-(u64)rec.len & 7);
		records++;
	}
}

/* Parse @size bytes at @data (with reads of at most @read_max bytes). */
static int parse_buf(const u8 *data, size_t size, size_t read_max,
		     struct cohort_rst **out, char *reason)
{
	struct file *f = calloc(1, sizeof(*f));
	struct cohort_rst *rst = calloc(1, sizeof(*rst));
	int err;

	assert(f && rst);
	f->data = (u8 *)data;
	f->size = size;
	f->read_max = read_max;
	rst->img = f;
	memset(reason, 0, COHORT_REASON_MAX);
	err = cohort_rst_parse(rst, reason);
	assert(err <= 0);
	assert(memchr(reason, 0, COHORT_REASON_MAX));
	*out = rst;
	return err;
}

static void free_parsed(struct cohort_rst *rst)
{
	free(rst->img);
	cohort_rst_free_records(rst);
	free(rst);
}

static bool user_path(const char *p)
{
	return p && p[0] == '/' && strlen(p) < COHORT_IMG_PATH_MAX;
}

/* What restore.c relies on once cohort_rst_parse() said yes. */
static void check_accepted(const struct cohort_rst *rst, size_t size)
{
	u64 prev = 0, pages = 0;
	int i;

	assert(rst->nvmas >= 1 && rst->nvmas <= COHORT_RST_VMAS_MAX);
	for (i = 0; i < rst->nvmas; i++) {
		const struct cohort_rst_vma *rv = &rst->vmas[i];

		assert(cohort_user_range(rv->v.start, rv->v.end));
		assert(rv->v.start >= prev);
		prev = rv->v.end;
		assert(rv->v.kind >= COHORT_VMA_ANON && rv->v.kind <= COHORT_VMA_VVAR);
		assert(!(rv->v.flags & ~COHORT_VMA_FLAGS));
		assert(!rv->path == !rv->v.path_len);
		assert(!rv->path || user_path(rv->path));
		if (rv->has_pages)
			assert(rv->v.kind == COHORT_VMA_ANON || rv->v.kind == COHORT_VMA_SHARED_ANON ||
			       rv->v.kind == COHORT_VMA_FILE);
	}
	for (i = 0; i < rst->nfiles; i++) {
		const struct cohort_rst_file *rf = &rst->files[i];

		assert(rf->f.fd >= 0 && rf->f.fd < COHORT_RST_FD_MAX);
		assert(!i || rf->f.fd > rst->files[i - 1].f.fd);
		assert((rf->f.kind == COHORT_FILE_STDIO) == !rf->path);
		assert(!rf->path || user_path(rf->path));
		assert(rf->f.pos >= 0);
	}
	assert(rst->max_fd == (rst->nfiles ? rst->files[rst->nfiles - 1].f.fd : -1));
	assert(user_path(rst->cwd));
	assert(!rst->exe || user_path(rst->exe));
	assert(!rst->task.comm[15] && rst->task.umask <= 0777);
	assert(rst->regs.ip < TASK_SIZE_MAX && rst->regs.sp < TASK_SIZE_MAX);
	assert(rst->fpu_data && rst->fpu.size >= 512 && rst->fpu.size <= 65536);
	assert(rst->mm.auxv_words <= AT_VECTOR_SIZE && !(rst->mm.auxv_words % 2));
	assert(rst->ngroups <= NGROUPS_MAX);
	pages = rst->npages;
	assert(pages <= size / PAGE_SIZE);
	assert(rst->pages_pos == -1 ? !pages : rst->pages_pos > 0 &&
	       (size_t)rst->pages_pos < size);
}

#endif /* COHORT_IMAGE_COMMON_H */
