/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_PROC_RESTORE_H
#define _COHORT_PROC_RESTORE_H

struct cohort_rst;

long cohort_restore_ioctl(struct cohort_rst **rstp, unsigned int cmd,
			  void __user *arg);
void cohort_restore_release(struct cohort_rst *rst);

#endif
