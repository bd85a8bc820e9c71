// SPDX-License-Identifier: GPL-2.0
/*
 * A process that moves itself with libcohort's cohort_migrate_self().
 *
 *   self_mig NODE HEAP_MB
 *   self_mig -l LAPS HEAP_MB NODE...
 *
 * Fills a heap of HEAP_MB MiB with a pattern, says "ready PID", then asks
 * to move to NODE and says where it runs after the call returned, with
 * its return value, errno and reason, and whether the heap is intact:
 *   rc=0 errno=0 node=2 pid=1234 heap=ok reason=
 * Exit status: 0 when the heap is intact, 1 if not.
 *
 * With -l it moves LAPS times, to each NODE in turn, and checks after each
 * move that the call returned 0 on that node with its PID and heap kept;
 * it stops at the first that did not, saying why, and ends with
 *   laps=N of LAPS pid=1234
 * Exit status: 0 when every lap passed, 1 if not.
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

static int heap_ok(const unsigned long *heap, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (heap[i] != i * 0x9e3779b97f4a7c15UL)
			return 0;
	return 1;
}

/*
 * -l LAPS HEAP_MB NODE...: round the nodes; how many laps passed. Its PID
 * is kept everywhere but at home, where its deputy holds it: there it has
 * one of its own.
 */
static int laps(int argc, char **argv, unsigned long *heap, size_t n)
{
	unsigned long want = strtoul(argv[2], NULL, 10), k;
	unsigned int home = node_id();
	pid_t pid = getpid();

	for (k = 0; k < want; k++) {
		unsigned int to = strtoul(argv[4 + k % (argc - 4)], NULL, 10);
		int rc = cohort_migrate_self(to);

		if (rc || node_id() != to || (to != home && getpid() != pid) ||
		    (to == home && getpid() == pid) || !heap_ok(heap, n)) {
			printf("lap %lu to node %u: rc=%d errno=%d node=%u pid=%d heap=%s reason=%s\n",
			       k + 1, to, rc, rc ? errno : 0, node_id(),
			       getpid(), heap_ok(heap, n) ? "ok" : "bad",
			       cohort_last_reason());
			break;
		}
	}
	printf("laps=%lu of %lu pid=%d\n", k, want, pid);
	return k == want ? 0 : 1;
}

int main(int argc, char **argv)
{
	int lap = argc >= 5 && !strcmp(argv[1], "-l");
	unsigned long *heap;
	size_t i, n;
	int rc, e, ok;

	if (argc != 3 && !lap)
		return 2;
	n = strtoul(argv[lap ? 3 : 2], NULL, 10) << 20 >> 3;
	heap = malloc(n * sizeof(*heap) + 1);
	if (!heap)
		return 2;
	for (i = 0; i < n; i++)
		heap[i] = i * 0x9e3779b97f4a7c15UL;
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("ready %d\n", getpid());
	if (lap)
		return laps(argc, argv, heap, n);
	rc = cohort_migrate_self(strtoul(argv[1], NULL, 10));
	e = rc ? errno : 0;
	ok = heap_ok(heap, n);
	printf("rc=%d errno=%d node=%u pid=%d heap=%s reason=%s\n", rc, e,
	       node_id(), getpid(), ok ? "ok" : "bad", cohort_last_reason());
	return ok ? 0 : 1;
}
