/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image being restored, as PREPARE parses it (parse.c) and MM and
 * FINISH use it (restore.c). parse.c needs nothing of the kernel but
 * memory, kernel_read() and CRC32, so the host builds it too, as a fuzz
 * target (selftests/host/image_fuzz.c).
 */
#ifndef _COHORT_PROC_RST_H
#define _COHORT_PROC_RST_H

#include <linux/mm.h>
#include <linux/signal.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/cohort.h>

#include "image.h"

#define COHORT_RST_FILES_MAX	4096
#define COHORT_RST_FD_MAX	(1024 * 1024)	/* NR_OPEN */
#define COHORT_RST_VMAS_MAX	65530
#define COHORT_RST_HOLE_MIN	SZ_1M

enum {
	RST_EMPTY,
	RST_PREPARED,
	RST_MAPPED,
	RST_DONE,
};

struct cohort_rst_vma {
	struct cohort_img_vma v;
	char *path;
	bool has_pages;
};

struct cohort_rst_file {
	struct cohort_img_file f;
	char *path;
	int tmp_fd;
};

/*
 * The image being restored by one open /dev/cohort; its requests are
 * serialised by the device's own lock (admin/chardev.c).
 */
struct cohort_rst {
	int state;			/* RST_* */
	pid_t pid;			/* the restorer (MM and FINISH) */
	struct file *img;
	loff_t pages_pos;		/* image offset of the first PAGES */
	struct cohort_img_reader at_pages; /* reader state there (no buffer) */
	struct cohort_img_kernel kernel;
	struct cohort_img_task task;
	u32 *groups;
	u32 ngroups;
	struct cohort_img_regs regs;
	struct cohort_img_fpu fpu;
	u8 *fpu_data;
	struct cohort_img_sigaction act[_NSIG];
	struct cohort_img_mm mm;
	u64 auxv[AT_VECTOR_SIZE];
	char *exe, *cwd;
	struct cohort_rst_file *files;
	int nfiles;
	struct cohort_rst_vma *vmas;
	int nvmas;
	u64 npages;
	int max_fd;
	bool same_creds;
	struct cohort_mig_in *mig;	/* an incoming migration's image */
	/* from MM, for FINISH */
	struct cohort_stub_args args;
	struct callback_head work;
};

#define rst_bad(reason, fmt, ...) \
	({ snprintf(reason, COHORT_REASON_MAX, "image: " fmt, ##__VA_ARGS__); \
	   -EINVAL; })

static inline bool cohort_user_range(u64 start, u64 end)
{
	return start < end && end <= TASK_SIZE_MAX && PAGE_ALIGNED(start) &&
	       PAGE_ALIGNED(end);
}

int cohort_rst_parse(struct cohort_rst *rst, char *reason);
/* for MM's second reading of the pages */
int cohort_rst_pages_ok(struct cohort_rst *rst, const struct cohort_img_pages *h,
			int *vi, u64 *prev_end);
int cohort_rst_end(struct cohort_img_reader *r, u32 len);
void cohort_rst_free_records(struct cohort_rst *rst);

#endif
