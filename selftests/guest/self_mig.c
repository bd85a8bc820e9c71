// SPDX-License-Identifier: GPL-2.0
/*
 * A process that moves itself with libcohort's cohort_migrate_self().
 *
 *   self_mig NODE HEAP_MB
 *
 * Fills a heap of HEAP_MB MiB with a pattern, says "ready PID", then asks
 * to move to NODE and says where it runs after the call returned, with
 * its return value, errno and reason, and whether the heap is intact:
 *   rc=0 errno=0 node=2 pid=1234 heap=ok reason=
 * Exit status: 0 when the heap is intact, 1 if not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libcohort.h"

static unsigned int node_id(void)
{
	FILE *f = fopen("/sys/kernel/cohort/node_id", "r");
	unsigned int id = 0;

	if (f) {
		if (fscanf(f, "%u", &id) != 1)
			id = 0;
		fclose(f);
	}
	return id;
}

int main(int argc, char **argv)
{
	size_t i, n;
	unsigned long *heap;
	int rc, e, ok = 1;

	if (argc != 3)
		return 2;
	n = strtoul(argv[2], NULL, 10) << 20 >> 3;
	heap = malloc(n * sizeof(*heap) + 1);
	if (!heap)
		return 2;
	for (i = 0; i < n; i++)
		heap[i] = i * 0x9e3779b97f4a7c15UL;
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("ready %d\n", getpid());
	rc = cohort_migrate_self(strtoul(argv[1], NULL, 10));
	e = rc ? errno : 0;
	for (i = 0; i < n; i++)
		if (heap[i] != i * 0x9e3779b97f4a7c15UL)
			ok = 0;
	printf("rc=%d errno=%d node=%u pid=%d heap=%s reason=%s\n", rc, e,
	       node_id(), getpid(), ok ? "ok" : "bad", cohort_last_reason());
	return ok ? 0 : 1;
}
