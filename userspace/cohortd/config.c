// SPDX-License-Identifier: GPL-2.0
/*
 * /etc/cohort/cohort.conf: one setting per line, '#' starts a comment.
 *
 *   cluster-id 77
 *   key-file /etc/cohort/cluster.key
 *   self 1
 *   dead-timeout-ms 3000
 *   node 1 node1 10.0.0.1
 *   node 2 node2 10.0.0.2:7470
 *   node 3 node3 [fd00::3]:7470
 *
 * cluster-id, key-file and self are required, and self must be one of the
 * nodes. Everything is checked here before anything reaches the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "keyfile.h"
#include "../../kernel/name.h"

static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cohort_config_load(const char *path, struct cohort_config *cfg,
		       char *err, size_t errlen)
{
	char line[512], kerr[256];
	int ln = 0, i, j, found_self = 0;
	FILE *f;

	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *w[6], *save = NULL, *t;
		int nw = 0;

		ln++;
		line[strcspn(line, "#\n")] = '\0';
		for (t = strtok_r(line, " \t\r", &save); t && nw < 6;
		     t = strtok_r(NULL, " \t\r", &save))
			w[nw++] = t;
		if (!nw)
			continue;
#define BAD(...) do { snprintf(err, errlen, "%s:%d: ", path, ln); \
		snprintf(err + strlen(err), errlen - strlen(err), __VA_ARGS__); \
		fclose(f); return -1; } while (0)
		if (!strcmp(w[0], "cluster-id") && nw == 2) {
			if (parse_uint(w[1], 1, 0xffffffffUL, &cfg->cluster_id))
				BAD("cluster-id must be 1..4294967295");
		} else if (!strcmp(w[0], "self") && nw == 2) {
			if (parse_uint(w[1], 1, COHORT_NODE_ID_MAX, &cfg->self))
				BAD("self must be a node id 1..%d", COHORT_NODE_ID_MAX);
		} else if (!strcmp(w[0], "dead-timeout-ms") && nw == 2) {
			if (parse_uint(w[1], 500, 60000, &cfg->dead_timeout_ms))
				BAD("dead-timeout-ms must be 500..60000");
		} else if (!strcmp(w[0], "key-file") && nw == 2) {
			if (strlen(w[1]) >= sizeof(cfg->key_file))
				BAD("key-file path too long");
			strcpy(cfg->key_file, w[1]);
		} else if (!strcmp(w[0], "node") && nw == 4) {
			struct cfg_node *n = &cfg->nodes[cfg->nr_nodes];

			if (cfg->nr_nodes >= COHORT_NODES_MAX)
				BAD("more than %d nodes", COHORT_NODES_MAX);
			if (parse_uint(w[1], 1, COHORT_NODE_ID_MAX, &n->id))
				BAD("node id must be 1..%d", COHORT_NODE_ID_MAX);
			if (!cohort_name_valid(w[2], COHORT_NODE_NAME_MAX))
				BAD("bad node name '%s'", w[2]);
			strcpy(n->name, w[2]);
			if (cohort_parse_addr(w[3], &n->family, n->addr, &n->port))
				BAD("bad address '%s' (ADDR[:PORT], IPv6 as [ADDR]:PORT)",
				    w[3]);
			for (j = 0; j < cfg->nr_nodes; j++) {
				if (cfg->nodes[j].id == n->id)
					BAD("node id %u given twice", n->id);
				if (!strcmp(cfg->nodes[j].name, n->name))
					BAD("node name %s given twice", n->name);
			}
			cfg->nr_nodes++;
		} else {
			BAD("unknown or malformed setting '%s'", w[0]);
		}
#undef BAD
	}
	fclose(f);
	if (!cfg->cluster_id || !cfg->self || !cfg->key_file[0]) {
		snprintf(err, errlen, "%s: cluster-id, key-file and self are required",
			 path);
		return -1;
	}
	for (i = 0; i < cfg->nr_nodes; i++)
		found_self |= cfg->nodes[i].id == cfg->self;
	if (!found_self) {
		snprintf(err, errlen, "%s: self (%u) is not one of the nodes",
			 path, cfg->self);
		return -1;
	}
	cfg->keylen = cohort_read_keyfile(cfg->key_file, cfg->key, kerr,
					  sizeof(kerr));
	if (cfg->keylen < 0) {
		snprintf(err, errlen, "%s", kerr);
		return -1;
	}
	return 0;
}
