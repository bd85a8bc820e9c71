/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_PROC_CKPT_PAGES_H
#define _COHORT_PROC_CKPT_PAGES_H

#include <linux/types.h>

struct cohort_img_writer;
struct cohort_img_vma;
struct file;

/* Pages gathered for one PAGES record. */
struct cohort_ckpt_run {
	u64 addr;
	unsigned int count;
	u8 *data;			/* COHORT_IMG_PAGES_MAX pages */
	u64 pages;			/* written in all */
};

/* The pages of one VMA that exist, written as PAGES records through @w. */
int cohort_ckpt_private_pages(struct cohort_img_writer *w,
			      struct cohort_ckpt_run *run,
			      const struct cohort_img_vma *v);
int cohort_ckpt_shared_pages(struct cohort_img_writer *w,
			     struct cohort_ckpt_run *run,
			     const struct cohort_img_vma *v, struct file *f);

#endif
