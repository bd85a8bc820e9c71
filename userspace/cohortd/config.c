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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "keyfile.h"
#include "../../kernel/net/name.h"

static void report(char *err, size_t errlen, const char *path, int ln,
		   const char *fmt, ...)
{
	size_t n;
	va_list ap;

	snprintf(err, errlen, "%s:%d: ", path, ln);
	n = strlen(err);
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

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

/* One setting of @nw words; 0, or -1 with the reason in @why. */
static int parse_line(struct cohort_config *cfg, char **w, int nw, char *why,
		      size_t len)
{
	struct cfg_node *n = &cfg->nodes[cfg->nr_nodes];
	int j;

	why[0] = '\0';
	if (!strcmp(w[0], "cluster-id") && nw == 2) {
		if (!parse_uint(w[1], 1, 0xffffffffUL, &cfg->cluster_id))
			return 0;
		snprintf(why, len, "cluster-id must be 1..4294967295");
	} else if (!strcmp(w[0], "self") && nw == 2) {
		if (!parse_uint(w[1], 1, COHORT_NODE_ID_MAX, &cfg->self))
			return 0;
		snprintf(why, len, "self must be a node id 1..%d", COHORT_NODE_ID_MAX);
	} else if (!strcmp(w[0], "dead-timeout-ms") && nw == 2) {
		if (!parse_uint(w[1], 500, 60000, &cfg->dead_timeout_ms))
			return 0;
		snprintf(why, len, "dead-timeout-ms must be 500..60000");
	} else if (!strcmp(w[0], "encrypt") && nw == 2) {
		if (!strcmp(w[1], "on") || !strcmp(w[1], "off")) {
			cfg->encrypt = !strcmp(w[1], "on");
			return 0;
		}
		snprintf(why, len, "encrypt must be on or off");
	} else if (!strcmp(w[0], "key-file") && nw == 2) {
		if (strlen(w[1]) < sizeof(cfg->key_file)) {
			snprintf(cfg->key_file, sizeof(cfg->key_file), "%s", w[1]);
			return 0;
		}
		snprintf(why, len, "key-file path too long");
	} else if (!strcmp(w[0], "node") && nw == 4) {
		if (cfg->nr_nodes >= COHORT_NODES_MAX) {
			snprintf(why, len, "more than %d nodes", COHORT_NODES_MAX);
			return -1;
		}
		if (parse_uint(w[1], 1, COHORT_NODE_ID_MAX, &n->id)) {
			snprintf(why, len, "node id must be 1..%d", COHORT_NODE_ID_MAX);
			return -1;
		}
		if (!cohort_name_valid(w[2], COHORT_NODE_NAME_MAX)) {
			snprintf(why, len, "bad node name '%s'", w[2]);
			return -1;
		}
		snprintf(n->name, sizeof(n->name), "%s", w[2]);
		if (cohort_parse_addr(w[3], &n->family, n->addr, &n->port)) {
			snprintf(why, len, "bad address '%s' (ADDR[:PORT], [V6ADDR]:PORT)",
				 w[3]);
			return -1;
		}
		for (j = 0; j < cfg->nr_nodes; j++) {
			if (cfg->nodes[j].id == n->id ||
			    !strcmp(cfg->nodes[j].name, n->name)) {
				snprintf(why, len, "node %u (%s) given twice",
					 n->id, n->name);
				return -1;
			}
		}
		cfg->nr_nodes++;
		return 0;
	}
	if (!why[0])
		snprintf(why, len, "unknown or malformed setting '%s'", w[0]);
	return -1;
}

int cohort_config_load(const char *path, struct cohort_config *cfg,
		       char *err, size_t errlen)
{
	char line[512], kerr[256], why[160];
	int ln = 0, i, found_self = 0;
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
		/* A line cut by the buffer would read as two: refuse it. */
		if (!strchr(line, '\n') && !feof(f)) {
			report(err, errlen, path, ln, "line too long (more than %zu characters)",
			       sizeof(line) - 2);
			goto fail;
		}
		line[strcspn(line, "#\n")] = '\0';
		for (t = strtok_r(line, " \t\r", &save); t && nw < 6;
		     t = strtok_r(NULL, " \t\r", &save))
			w[nw++] = t;
		if (!nw)
			continue;
		if (parse_line(cfg, w, nw, why, sizeof(why))) {
			report(err, errlen, path, ln, "%s", why);
			goto fail;
		}
	}
	fclose(f);
	f = NULL;
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

fail:
	fclose(f);
	return -1;
}
