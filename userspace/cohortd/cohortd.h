/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COHORTD_H
#define COHORTD_H

#include <signal.h>
#include <stdint.h>

extern int use_syslog;
void logmsg(int prio, const char *fmt, ...);

/* incoming.c */
void incoming_start(unsigned int node, uint64_t id, unsigned int pid,
		    const sigset_t *mask);
void incoming_reap(void);

#endif
