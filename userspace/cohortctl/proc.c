// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl checkpoint PID FILE [--stop]
 * cohortctl restore FILE [--detach]
 *
 * Checkpoint writes the image of a running process (it keeps running
 * unless --stop); restore rebuilds the process from an image, as a child
 * of cohortctl, which waits for it and exits with its status (--detach:
 * leave it running and exit at once).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/cohort.h>

#include "cohortctl.h"
#include "restore.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int cmd_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stop", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct cohort_checkpoint_req req = {};
	const char *file;
	double t0, ms;
	char *end;
	long pid;
	int c, dev, fd;

	optind = 0;	/* glibc: restart option parsing */
	while ((c = getopt_long(argc, argv, "s", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			req.flags |= COHORT_CKPT_STOP;
			break;
		default:
			fprintf(stderr, "usage: cohortctl checkpoint PID FILE [--stop]\n");
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: cohortctl checkpoint PID FILE [--stop]\n");
		return EXIT_USAGE;
	}
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || *end || pid <= 0 || pid > 0x3fffffff) {
		fprintf(stderr, "cohortctl: checkpoint: '%s' is not a process id\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	file = argv[optind + 1];
	req.pid = pid;
	dev = open("/dev/cohort", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "cohortctl: checkpoint: /dev/cohort: %s (is the module loaded?)\n",
			strerror(errno));
		return EXIT_KERNEL;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "cohortctl: checkpoint: %s: %s\n", file, strerror(errno));
		return EXIT_KERNEL;
	}
	req.fd = fd;
	t0 = now_ms();
	if (ioctl(dev, COHORT_IOC_CHECKPOINT, &req)) {
		int err = errno;

		fprintf(stderr, "cohortctl: checkpoint %ld: %s%s(%s)\n", pid,
			req.reason, req.reason[0] ? " " : "", strerror(err));
		unlink(file);
		return EXIT_KERNEL;
	}
	ms = now_ms() - t0;
	if (fsync(fd) || close(fd)) {
		fprintf(stderr, "cohortctl: checkpoint: %s: %s\n", file, strerror(errno));
		return EXIT_KERNEL;
	}
	if (json_output)
		printf("{\"pid\": %ld, \"bytes\": %llu, \"pages\": %llu, %s%llu, %s%.0f}\n",
		       pid, (unsigned long long)req.bytes, (unsigned long long)req.pages,
		       "\"freeze-us\": ", (unsigned long long)req.freeze_ns / 1000,
		       "\"total-us\": ", ms * 1000);
	else
		printf("checkpointed %ld to %s: %llu bytes, %llu pages, frozen %.1f of %.1f ms%s\n",
		       pid, file, (unsigned long long)req.bytes,
		       (unsigned long long)req.pages, req.freeze_ns / 1e6, ms,
		       req.flags & COHORT_CKPT_STOP ? " (left stopped)" : "");
	return 0;
}

/* The child's side: become the image; returns only on failure. */
static void restore_child(const char *file, int report)
{
	char reason[COHORT_REASON_MAX + 64];
	int img;

	img = open(file, O_RDONLY | O_CLOEXEC);
	if (img < 0) {
		dprintf(report, "%s: %s", file, strerror(errno));
		_exit(1);
	}
	cohort_restore_become(img, report, reason, sizeof(reason));
	if (write(report, reason, strlen(reason)) < 0)
		_exit(2);
	_exit(1);
}

int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	char msg[COHORT_REASON_MAX + 64];
	int c, detach = 0, p[2], status;
	size_t n = 0;
	ssize_t k;
	double t0;
	pid_t pid;

	optind = 0;
	while ((c = getopt_long(argc, argv, "d", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			detach = 1;
			break;
		default:
			fprintf(stderr, "usage: cohortctl restore FILE [--detach]\n");
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: cohortctl restore FILE [--detach]\n");
		return EXIT_USAGE;
	}
	if (pipe2(p, O_CLOEXEC)) {
		perror("cohortctl: restore: pipe");
		return EXIT_KERNEL;
	}
	fflush(NULL);
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("cohortctl: restore: fork");
		return EXIT_KERNEL;
	}
	if (pid == 0) {
		close(p[0]);
		restore_child(argv[optind], p[1]);
	}
	close(p[1]);
	while (n < sizeof(msg) - 1 && (k = read(p[0], msg + n, sizeof(msg) - 1 - n)) > 0)
		n += k;
	msg[n] = 0;
	close(p[0]);
	if (strncmp(msg, "ok ", 3)) {
		waitpid(pid, &status, 0);
		fprintf(stderr, "cohortctl: restore %s: %s\n", argv[optind],
			n ? msg : "the restorer died without a word");
		return EXIT_KERNEL;
	}
	if (json_output)
		printf("{\"pid\": %d, \"total-us\": %.0f}\n", (int)pid,
		       (now_ms() - t0) * 1000);
	else
		fprintf(stderr, "restored %s as process %d in %.1f ms\n", argv[optind],
			(int)pid, now_ms() - t0);
	fflush(NULL);
	if (detach)
		return 0;
	if (waitpid(pid, &status, 0) < 0) {
		perror("cohortctl: restore: waitpid");
		return EXIT_KERNEL;
	}
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}
