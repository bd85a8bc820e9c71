/* SPDX-License-Identifier: GPL-2.0 */
/* What checkpoint and restore share. */
#ifndef _COHORT_PROC_PROC_H
#define _COHORT_PROC_PROC_H

#include <linux/cohort.h>

struct file;
struct task_struct;

bool cohort_may_act_on(struct task_struct *task);
void cohort_this_kernel(struct cohort_img_kernel *k);
const char *cohort_kernel_mismatch(const struct cohort_img_kernel *k);
int cohort_file_stamp(struct file *f, struct cohort_img_vma *v);

#endif
