/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COHORT_LIB_RESTORE_H
#define COHORT_LIB_RESTORE_H

#include <stddef.h>

/*
 * Turn the calling process into the process of the image open at @img_fd
 * (see Documentation/process-image.md). Returns only before the point of
 * no return: -errno and the reason in @reason. After it, a failure ends
 * the process, and the reason, or "ok PID" once the image runs, is written
 * to @report_fd (-1: nowhere). The caller must be single-threaded.
 */
int cohort_restore_become(int img_fd, int report_fd, char *reason, size_t len);

#endif
