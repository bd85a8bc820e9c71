/* SPDX-License-Identifier: GPL-2.0 */
/* What checkpoint, restore and the deputy share. */
#ifndef _COHORT_PROC_PROC_H
#define _COHORT_PROC_PROC_H

#include <linux/cohort.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

struct file;
struct task_struct;

bool cohort_may_act_on(struct task_struct *task);
void cohort_this_kernel(struct cohort_img_kernel *k);
const char *cohort_kernel_mismatch(const struct cohort_img_kernel *k);
int cohort_file_stamp(struct file *f, struct cohort_img_vma *v);

/*
 * The task's own signal handlers, from its own context: only the task
 * itself replaces them (at exec), so they stay put while it runs there.
 */
static inline struct sighand_struct *cohort_own_sighand(void)
{
	return rcu_dereference_protected(current->sighand, true);
}

#endif
