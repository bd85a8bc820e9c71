/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_SYSFS_H
#define _COHORT_SYSFS_H

int cohort_sysfs_init(void);
void cohort_sysfs_exit(void);

struct cohort_peer;
void cohort_sysfs_peer_add(struct cohort_peer *peer);
void cohort_sysfs_peer_del(struct cohort_peer *peer);

#endif /* _COHORT_SYSFS_H */
