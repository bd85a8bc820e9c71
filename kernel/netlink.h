/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_NETLINK_H
#define _COHORT_NETLINK_H

int cohort_genl_init(void);
void cohort_genl_exit(void);
long cohort_genl_rejected(void);

#endif /* _COHORT_NETLINK_H */
