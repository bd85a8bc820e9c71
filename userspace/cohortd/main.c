// SPDX-License-Identifier: GPL-2.0
/*
 * cohortd: the cohort agent. Reads the configuration file, pushes it into
 * the module (identity, node table, cluster id, key and timeouts), logs the
 * module's node events, reloads on SIGHUP (adding, removing or changing
 * only the nodes that differ) and exits cleanly on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <netlink/genl/ctrl.h>
#include <netlink/socket.h>

#include "cohortd.h"
#include "config.h"
#include "nl.h"

#define DEFAULT_CONFIG "/etc/cohort/cohort.conf"

int use_syslog;

void logmsg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "cohortd[%d] %ld.%03ld: ", getpid(),
			(long)ts.tv_sec, ts.tv_nsec / 1000000);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/* ------------------------------------------------------------ applying */

struct kernel_node {
	unsigned int id;
	char name[COHORT_NODE_NAME_MAX];
	int family;
	unsigned char addr[16];
	unsigned int port;
};

struct table {
	int n;
	struct kernel_node nodes[COHORT_NODES_MAX];
};

static int collect_node(struct nlattr **tb, void *arg)
{
	struct table *t = arg;
	struct kernel_node *k;

	if (t->n >= COHORT_NODES_MAX || !tb[COHORT_A_NODE_ID] ||
	    !tb[COHORT_A_NODE_NAME] || !tb[COHORT_A_NODE_PORT])
		return 0;
	k = &t->nodes[t->n++];
	memset(k, 0, sizeof(*k));
	k->id = nla_get_u32(tb[COHORT_A_NODE_ID]);
	snprintf(k->name, sizeof(k->name), "%s",
		 nla_get_string(tb[COHORT_A_NODE_NAME]));
	k->port = nla_get_u16(tb[COHORT_A_NODE_PORT]);
	if (tb[COHORT_A_NODE_ADDR4] && nla_len(tb[COHORT_A_NODE_ADDR4]) == 4) {
		k->family = AF_INET;
		memcpy(k->addr, nla_data(tb[COHORT_A_NODE_ADDR4]), 4);
	} else if (tb[COHORT_A_NODE_ADDR6] &&
		   nla_len(tb[COHORT_A_NODE_ADDR6]) == 16) {
		k->family = AF_INET6;
		memcpy(k->addr, nla_data(tb[COHORT_A_NODE_ADDR6]), 16);
	}
	return 0;
}

static int same_node(const struct kernel_node *k, const struct cfg_node *c)
{
	return k->id == c->id && !strcmp(k->name, c->name) &&
	       k->family == c->family && k->port == c->port &&
	       !memcmp(k->addr, c->addr, c->family == AF_INET ? 4 : 16);
}

static int request(struct cohort_nl *nl, struct nl_msg *msg, const char *what)
{
	int err;

	if (!msg)
		return -ENOMEM;
	err = cohort_nl_call(nl, msg, NULL, NULL);
	if (err)
		logmsg(LOG_ERR, "%s: %s%s%s", what, strerror(-err),
		       nl->errmsg[0] ? ": " : "", nl->errmsg);
	return err;
}

static int node_del(struct cohort_nl *nl, unsigned int id)
{
	struct nl_msg *msg = cohort_nl_msg(nl, COHORT_CMD_NODE_DEL, 0);

	if (msg && nla_put_u32(msg, COHORT_A_NODE_ID, id)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	logmsg(LOG_INFO, "removing node %u", id);
	return request(nl, msg, "node del");
}

static int node_add(struct cohort_nl *nl, const struct cfg_node *c)
{
	struct nl_msg *msg = cohort_nl_msg(nl, COHORT_CMD_NODE_ADD, 0);

	if (msg && (nla_put_u32(msg, COHORT_A_NODE_ID, c->id) ||
		    nla_put_string(msg, COHORT_A_NODE_NAME, c->name) ||
		    nla_put(msg, c->family == AF_INET ? COHORT_A_NODE_ADDR4 :
			    COHORT_A_NODE_ADDR6, c->family == AF_INET ? 4 : 16,
			    c->addr) ||
		    nla_put_u16(msg, COHORT_A_NODE_PORT, c->port))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	logmsg(LOG_INFO, "adding node %u (%s)", c->id, c->name);
	return request(nl, msg, "node add");
}

/* Make the module's configuration what @cfg says, touching only changes. */
static int apply(struct cohort_nl *nl, const struct cohort_config *cfg)
{
	static struct table cur;
	const char *self_name = NULL;
	struct nl_msg *msg;
	int i, j, err, failed = 0;

	for (i = 0; i < cfg->nr_nodes; i++)
		if (cfg->nodes[i].id == cfg->self)
			self_name = cfg->nodes[i].name;

	msg = cohort_nl_msg(nl, COHORT_CMD_NODE_SET_SELF, 0);
	if (msg && (nla_put_u32(msg, COHORT_A_NODE_ID, cfg->self) ||
		    nla_put_string(msg, COHORT_A_NODE_NAME, self_name))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (request(nl, msg, "node set-self"))
		return -1;

	cur.n = 0;
	msg = cohort_nl_msg(nl, COHORT_CMD_NODE_GET, NLM_F_DUMP);
	err = msg ? cohort_nl_call(nl, msg, collect_node, &cur) : -ENOMEM;
	if (err) {
		logmsg(LOG_ERR, "reading the node table: %s", strerror(-err));
		return -1;
	}
	/* Remove what is gone or changed, then add what is new or changed. */
	for (i = 0; i < cur.n; i++) {
		int keep = 0;

		for (j = 0; j < cfg->nr_nodes; j++)
			keep |= same_node(&cur.nodes[i], &cfg->nodes[j]);
		if (!keep)
			failed |= !!node_del(nl, cur.nodes[i].id);
	}
	for (j = 0; j < cfg->nr_nodes; j++) {
		int have = 0;

		for (i = 0; i < cur.n; i++)
			have |= same_node(&cur.nodes[i], &cfg->nodes[j]);
		if (!have)
			failed |= !!node_add(nl, &cfg->nodes[j]);
	}

	msg = cohort_nl_msg(nl, COHORT_CMD_CLUSTER_SET, 0);
	if (msg && (nla_put_u32(msg, COHORT_A_CLUSTER_ID, cfg->cluster_id) ||
		    nla_put(msg, COHORT_A_CLUSTER_KEY, cfg->keylen, cfg->key) ||
		    nla_put_u8(msg, COHORT_A_ENCRYPT, !!cfg->encrypt) ||
		    (cfg->dead_timeout_ms &&
		     nla_put_u32(msg, COHORT_A_DEAD_TIMEOUT_MS,
				 cfg->dead_timeout_ms)))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	failed |= !!request(nl, msg, "cluster set");
	return failed ? -1 : 0;
}

/* ------------------------------------------------------------ events */

/*
 * Auth failures are logged at most AUTH_LOG_BURST per AUTH_LOG_WINDOW
 * seconds per node id (anyone who can reach the port can cause them);
 * the rest are counted and the count logged when the window ends. A few
 * slots, shared by id: a collision only makes the limit stricter.
 */
#define AUTH_LOG_BURST	5
#define AUTH_LOG_WINDOW	10
#define AUTH_LOG_SLOTS	64

struct auth_log {
	unsigned int id;
	time_t start;
	unsigned int logged;
	unsigned long suppressed;
};

static struct auth_log auth_log[AUTH_LOG_SLOTS];

static time_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Say how many went unlogged in slot @s; with @all, even mid-window. */
static void auth_log_flush(struct auth_log *s, time_t now, int all)
{
	if (s->suppressed && (all || now - s->start >= AUTH_LOG_WINDOW)) {
		logmsg(LOG_WARNING,
		       "event auth-failed node=%u: %lu more in %d s not logged",
		       s->id, s->suppressed, AUTH_LOG_WINDOW);
		s->suppressed = 0;
	}
}

/* Every slot whose window has ended (called once a second). */
static void auth_log_tick(void)
{
	time_t now = now_mono();
	int i;

	for (i = 0; i < AUTH_LOG_SLOTS; i++)
		auth_log_flush(&auth_log[i], now, 0);
}

/* Whether to log this auth failure of node @id. */
static int auth_log_allow(unsigned int id)
{
	struct auth_log *s = &auth_log[id % AUTH_LOG_SLOTS];
	time_t now = now_mono();

	if (s->id != id || now - s->start >= AUTH_LOG_WINDOW) {
		auth_log_flush(s, now, 1);
		s->id = id;
		s->start = now;
		s->logged = 0;
		s->suppressed = 0;
	}
	if (s->logged < AUTH_LOG_BURST) {
		s->logged++;
		return 1;
	}
	s->suppressed++;
	return 0;
}

static unsigned long long attr_u64(struct nlattr *a)
{
	return a ? (unsigned long long)nla_get_u64(a) : 0;
}

/* A migration of one of this node's processes has ended. */
static void log_migrate_out(struct nlattr **tb, unsigned int node,
			    const char *reason)
{
	unsigned int pid = tb[COHORT_A_PID] ? nla_get_u32(tb[COHORT_A_PID]) : 0;
	unsigned int outcome = tb[COHORT_A_MIG_OUTCOME] ?
			       nla_get_u32(tb[COHORT_A_MIG_OUTCOME]) : COHORT_MIG_FAILED;
	unsigned int err = tb[COHORT_A_MIG_ERRNO] ?
			   nla_get_u32(tb[COHORT_A_MIG_ERRNO]) : 0;

	if (outcome == COHORT_MIG_MOVED) {
		logmsg(LOG_INFO,
		       "event migrated pid=%u node=%u remote-pid=%u bytes=%llu freeze-us=%llu total-us=%llu",
		       pid, node, tb[COHORT_A_MIG_REMOTE_PID] ?
		       nla_get_u32(tb[COHORT_A_MIG_REMOTE_PID]) : 0,
		       attr_u64(tb[COHORT_A_MIG_BYTES]),
		       attr_u64(tb[COHORT_A_MIG_FREEZE_US]),
		       attr_u64(tb[COHORT_A_MIG_TOTAL_US]));
		return;
	}
	logmsg(LOG_WARNING, "event %s pid=%u node=%u error=%s reason=%s",
	       outcome == COHORT_MIG_UNKNOWN ? "migrate-unknown" :
	       outcome == COHORT_MIG_LOST ? "migrate-lost" : "migrate-failed",
	       pid, node, strerror(err), reason);
}

/* What main() blocks (and restorers unblock). */
static sigset_t sig_mask;

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[COHORT_A_MAX + 1];
	const char *what, *reason = "";
	unsigned int id = 0;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, COHORT_A_MAX, NULL) < 0)
		return NL_OK;
	if (tb[COHORT_A_NODE_ID])
		id = nla_get_u32(tb[COHORT_A_NODE_ID]);
	if (tb[COHORT_A_REASON])
		reason = nla_get_string(tb[COHORT_A_REASON]);
	switch (g->cmd) {
	case COHORT_CMD_MIGRATE_OUT_NTF:
		log_migrate_out(tb, id, reason);
		return NL_OK;
	case COHORT_CMD_MIGRATE_IN_NTF:
		if (tb[COHORT_A_MIG_ID] && tb[COHORT_A_PID])
			incoming_start(id, nla_get_u64(tb[COHORT_A_MIG_ID]),
				       nla_get_u32(tb[COHORT_A_PID]), &sig_mask);
		return NL_OK;
	case COHORT_CMD_NODE_UP_NTF:
		what = "node-up";
		break;
	case COHORT_CMD_NODE_DOWN_NTF:
		what = "node-down";
		break;
	case COHORT_CMD_AUTH_FAILED_NTF:
		if (!auth_log_allow(id))
			return NL_OK;
		what = "auth-failed";
		break;
	default:
		return NL_OK;
	}
	logmsg(g->cmd == COHORT_CMD_NODE_UP_NTF ? LOG_INFO : LOG_WARNING,
	       "event %s node=%u%s%s", what, id, reason[0] ? " reason=" : "",
	       reason);
	return NL_OK;
}

static struct nl_sock *event_socket(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp;

	if (!sk)
		return NULL;
	if (genl_connect(sk))
		goto err_free;
	grp = genl_ctrl_resolve_grp(sk, COHORT_GENL_NAME, COHORT_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(sk, grp))
		goto err_free;
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, NULL);
	nl_socket_set_nonblocking(sk);
	return sk;

err_free:
	nl_socket_free(sk);
	return NULL;
}

/* ------------------------------------------------------------ main */

static void print_usage(FILE *f)
{
	fprintf(f, "usage: cohortd [-c CONFIG] [--foreground] [--syslog] [--check]\n\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
		"  -f, --foreground    do not daemonize\n"
		"  -s, --syslog        log to syslog instead of stderr\n"
		"  -n, --check         check the configuration and exit\n\n"
		"SIGHUP reloads the configuration; SIGTERM exits.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "syslog", no_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	static struct cohort_config cfg;
	int foreground = 0, check = 0, c, sfd, rc = 1;
	struct nl_sock *ev;
	struct cohort_nl nl;
	char err[512];
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "c:fsnh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (use_syslog)
		openlog("cohortd", LOG_PID, LOG_DAEMON);
	if (cohort_config_load(path, &cfg, err, sizeof(err))) {
		logmsg(LOG_ERR, "%s", err);
		return 2;
	}
	if (check) {
		printf("%s: ok (%d nodes, this node %u)\n", path, cfg.nr_nodes,
		       cfg.self);
		return 0;
	}
	if (cohort_nl_open(&nl)) {
		logmsg(LOG_ERR, "cannot reach the cohort module (is it loaded?)");
		return 1;
	}
	ev = event_socket();
	if (!ev) {
		logmsg(LOG_ERR, "cannot subscribe to cohort events");
		goto out_close;
	}
	if (apply(&nl, &cfg)) {
		logmsg(LOG_ERR, "the configuration was not fully applied");
		goto out_ev;
	}
	logmsg(LOG_INFO, "configured: cluster %u, this node %u, %d nodes",
	       cfg.cluster_id, cfg.self, cfg.nr_nodes);
	memset(cfg.key, 0, sizeof(cfg.key));

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sig_mask = mask;
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		goto out_ev;
	if (!foreground && daemon(0, 0)) {
		logmsg(LOG_ERR, "daemon: %s", strerror(errno));
		goto out_sfd;
	}

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = nl_socket_get_fd(ev), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (poll(p, 2, 1000) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		auth_log_tick();
		if (p[0].revents & POLLIN)
			nl_recvmsgs_default(ev);
		if (!(p[1].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD) {
			incoming_reap();
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			static struct cohort_config next;

			logmsg(LOG_INFO, "SIGHUP: reloading %s", path);
			if (cohort_config_load(path, &next, err, sizeof(err))) {
				logmsg(LOG_ERR, "%s (keeping the running configuration)",
				       err);
				continue;
			}
			if (apply(&nl, &next))
				logmsg(LOG_ERR, "reload not fully applied");
			else
				logmsg(LOG_INFO, "reloaded: %d nodes", next.nr_nodes);
			memset(next.key, 0, sizeof(next.key));
			continue;
		}
		logmsg(LOG_INFO, "signal %d: exiting", si.ssi_signo);
		rc = 0;
		break;
	}
out_sfd:
	close(sfd);
out_ev:
	nl_socket_free(ev);
out_close:
	cohort_nl_close(&nl);
	return rc;
}
