/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_TUNABLES_H
#define _COHORT_TUNABLES_H

#include <linux/compiler.h>

/*
 * Module-wide tunables, set through /sys/kernel/cohort/. Each is a single
 * word read with READ_ONCE() and written with WRITE_ONCE() after range
 * checking, so readers need no lock.
 */
#define COHORT_DEAD_TIMEOUT_MS_DEFAULT	3000
#define COHORT_DEAD_TIMEOUT_MS_MIN	500
#define COHORT_DEAD_TIMEOUT_MS_MAX	60000

extern unsigned int cohort_dead_timeout_ms;
/* Node table size limit, 1..COHORT_NODES_MAX (defined in node.h). */
extern unsigned int cohort_max_nodes;

#endif /* _COHORT_TUNABLES_H */
