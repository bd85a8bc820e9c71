// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by cohortctl's subcommands: node ids, reaching the
 * module, requests whose only answer is success or the kernel's reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortctl.h"
#include "nl.h"

int cohortctl_parse_id(const char *s, unsigned int *id)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || *s == '-' ||
	    v < 1 || v > COHORT_NODE_ID_MAX) {
		fprintf(stderr, "cohortctl: node id must be a number from 1 to %d, not '%s'\n",
			COHORT_NODE_ID_MAX, s);
		return -1;
	}
	*id = v;
	return 0;
}

int cohortctl_open(struct cohort_nl *nl)
{
	int err = cohort_nl_open(nl);

	if (err)
		fprintf(stderr, "cohortctl: cannot reach the cohort module: %s\n",
			err == -ENOENT ? "it is not loaded" : strerror(-err));
	return err;
}

/* Send a request without reply; print the kernel's reason on failure. */
int cohortctl_do(struct nl_msg *msg, struct cohort_nl *nl, const char *what)
{
	int err = cohort_nl_call(nl, msg, NULL, NULL);

	if (err) {
		cohort_nl_perror(nl, what, err);
		return EXIT_KERNEL;
	}
	return 0;
}
