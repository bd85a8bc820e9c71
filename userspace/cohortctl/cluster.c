// SPDX-License-Identifier: GPL-2.0
/*
 * cohortctl cluster set: cluster id, key, dead timeout and encryption.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cohortctl.h"
#include "keyfile.h"
#include "nl.h"

static void cluster_usage(void)
{
	fputs("usage: cohortctl cluster set", stderr);
	fputs(" [--id N] [--key-file F] [--dead-timeout MS]", stderr);
	fputs(" [--encrypt on|off]\n", stderr);
}

static int cluster_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "dead-timeout", required_argument, NULL, 'd' },
		{ "encrypt", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned char key[COHORT_KEY_MAX];
	unsigned long id = 0, dead = 0;
	const char *keyfile = NULL;
	struct cohort_nl nl;
	struct nl_msg *msg;
	int keylen = 0, c, rc, encrypt = -1;
	char *end;

	optind = 0;	/* glibc: restart option parsing */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			id = strtoul(optarg, &end, 10);
			if (*end || !id || id > 0xffffffffUL) {
				fprintf(stderr, "cohortctl: bad cluster id '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'd':
			dead = strtoul(optarg, &end, 10);
			if (*end || !dead) {
				fprintf(stderr, "cohortctl: bad dead timeout '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'e':
			if (!strcmp(optarg, "on")) {
				encrypt = 1;
			} else if (!strcmp(optarg, "off")) {
				encrypt = 0;
			} else {
				fprintf(stderr, "cohortctl: --encrypt takes on or off, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc || (!id && !keyfile && !dead && encrypt < 0)) {
		cluster_usage();
		return EXIT_USAGE;
	}
	if (keyfile) {
		char err[256];

		keylen = cohort_read_keyfile(keyfile, key, err, sizeof(err));
		if (keylen < 0) {
			fprintf(stderr, "cohortctl: %s\n", err);
			return EXIT_USAGE;
		}
	}
	if (cohortctl_open(&nl))
		return EXIT_KERNEL;
	msg = cohort_nl_msg(&nl, COHORT_CMD_CLUSTER_SET, 0);
	if (!msg || (id && nla_put_u32(msg, COHORT_A_CLUSTER_ID, id)) ||
	    (keylen && nla_put(msg, COHORT_A_CLUSTER_KEY, keylen, key)) ||
	    (dead && nla_put_u32(msg, COHORT_A_DEAD_TIMEOUT_MS, dead)) ||
	    (encrypt >= 0 && nla_put_u8(msg, COHORT_A_ENCRYPT, encrypt))) {
		nlmsg_free(msg);
		cohort_nl_close(&nl);
		return EXIT_KERNEL;
	}
	memset(key, 0, sizeof(key));
	rc = cohortctl_do(msg, &nl, "cluster set");
	cohort_nl_close(&nl);
	return rc;
}

int cmd_cluster(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "set"))
		return cluster_set(argc - 1, argv + 1);
	/* "cohortctl cluster --encrypt on" is "cluster set --encrypt on" */
	if (argc >= 2 && !strncmp(argv[1], "--", 2))
		return cluster_set(argc, argv);
	cluster_usage();
	return EXIT_USAGE;
}
