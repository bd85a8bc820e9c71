/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_PROC_CHECKPOINT_H
#define _COHORT_PROC_CHECKPOINT_H

#include <linux/cohort.h>

long cohort_checkpoint_ioctl(struct cohort_checkpoint_req __user *ureq);

#endif
