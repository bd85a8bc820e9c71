/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COHORTD_CONFIG_H
#define COHORTD_CONFIG_H

#include <netinet/in.h>
#include <linux/cohort.h>

struct cfg_node {
	unsigned int id;
	char name[COHORT_NODE_NAME_MAX];
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned int port;
};

struct cohort_config {
	unsigned int cluster_id;
	unsigned int self;
	unsigned int dead_timeout_ms;	/* 0: leave the module's default */
	int encrypt;			/* encrypt on|off; off if not given */
	char key_file[256];
	unsigned char key[COHORT_KEY_MAX];
	int keylen;
	int nr_nodes;
	struct cfg_node nodes[COHORT_NODES_MAX];
};

/* Parse @path; on error return -1 with "path:line: why" in @err. */
int cohort_config_load(const char *path, struct cohort_config *cfg,
		       char *err, size_t errlen);

#endif /* COHORTD_CONFIG_H */
