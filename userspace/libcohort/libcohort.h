/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libcohort: what a program can ask of the cohort module itself.
 * Link with libcohort.a and libnl-genl-3 (pkg-config libnl-genl-3.0).
 */
#ifndef LIBCOHORT_H
#define LIBCOHORT_H

#include <sys/types.h>

/*
 * Move process @pid (as cohortctl migrate does; the caller must be able to
 * trace it) to node @node. 0 once it runs there; -1 with errno, the
 * process going on here, and cohort_last_reason() saying why; errno
 * ENOLINK: the destination never answered the commit, the process was
 * ended here and may run there (the outcome is unknown).
 */
int cohort_migrate(pid_t pid, unsigned int node);

/*
 * Move the calling process (single-threaded) to node @node. Returns 0 on
 * @node, running there; or -1 here, with errno and cohort_last_reason().
 */
int cohort_migrate_self(unsigned int node);

/* Why the last call of this thread failed ("" if it gave no reason). */
const char *cohort_last_reason(void);

#endif
