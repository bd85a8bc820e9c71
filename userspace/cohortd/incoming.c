// SPDX-License-Identifier: GPL-2.0
/*
 * Incoming migrations: for each MIGRATE_IN event a restorer child that
 * fetches the image from the module and becomes its process, with the
 * process's own PID when that number is free here (clone3 with set_tid).
 * The module holds the restored process until its source node commits;
 * cohortd reaps it when it ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/cohort.h>
#include <linux/sched.h>

#include "cohortd.h"
#include "restore.h"

/* fork(), as the process @pid if that number is free. */
static pid_t spawn_as(pid_t pid)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&pid,
		.set_tid_size = 1,
	};
	long r = syscall(SYS_clone3, &args, sizeof(args));

	/* taken, or no set_tid allowed here: any PID */
	if (r >= 0 || (errno != EEXIST && errno != EPERM && errno != EINVAL))
		return r;
	return fork();
}

static void restorer(unsigned int node, uint64_t id, const sigset_t *mask)
{
	struct cohort_migrate_fetch f = { .node = node, .id = id };
	char reason[COHORT_REASON_MAX + 64];
	int dev, null;

	sigprocmask(SIG_UNBLOCK, mask, NULL);
	setsid();
	dev = open("/dev/cohort", O_RDWR | O_CLOEXEC);
	if (dev < 0 || ioctl(dev, COHORT_IOC_MIGRATE_FETCH, &f)) {
		logmsg(LOG_ERR, "migration %llu from node %u: fetch: %s",
		       (unsigned long long)id, node, strerror(errno));
		_exit(1);
	}
	close(dev);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	cohort_restore_become(f.fd, -1, reason, sizeof(reason));
	logmsg(LOG_ERR, "migration %llu from node %u: %s",
	       (unsigned long long)id, node, reason);
	_exit(1);
}

void incoming_start(unsigned int node, uint64_t id, unsigned int pid,
		    const sigset_t *mask)
{
	pid_t child;

	fflush(NULL);
	child = spawn_as(pid);
	if (child < 0) {
		logmsg(LOG_ERR, "migration %llu from node %u: fork: %s",
		       (unsigned long long)id, node, strerror(errno));
		return;
	}
	if (child == 0)
		restorer(node, id, mask);
	logmsg(LOG_INFO, "event migrate-in node=%u pid=%u id=%llu: restoring as process %d",
	       node, pid, (unsigned long long)id, (int)child);
}

void incoming_reap(void)
{
	int status, dev;
	long n = -1;
	pid_t pid;

	/*
	 * First the module: the migrated processes among the children that
	 * ended are still zombies, and their homes hear how they ended
	 * (their deputies end the same way).
	 */
	dev = open("/dev/cohort", O_RDWR | O_CLOEXEC);
	if (dev >= 0) {
		n = ioctl(dev, COHORT_IOC_GUESTS_REAP);
		close(dev);
	}
	if (n < 0)
		logmsg(LOG_ERR, "telling the module which guests ended: %s",
		       strerror(errno));
	else if (n > 0)
		logmsg(LOG_INFO, "%ld migrated process(es) ended: their homes were told", n);
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFSIGNALED(status))
			logmsg(LOG_INFO, "process %d ended by signal %d", (int)pid,
			       WTERMSIG(status));
		else
			logmsg(LOG_INFO, "process %d exited with status %d",
			       (int)pid, WEXITSTATUS(status));
	}
}
