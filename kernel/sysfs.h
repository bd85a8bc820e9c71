/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_SYSFS_H
#define _COHORT_SYSFS_H

int cohort_sysfs_init(void);
void cohort_sysfs_exit(void);

#endif /* _COHORT_SYSFS_H */
