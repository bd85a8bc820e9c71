// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink client for the cohort family: context set-up and
 * teardown with goto unwind, family resolution, requests with replies, and
 * the kernel's extended ACK message reported to the user.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int cohort_nl_open(struct cohort_nl *nl)
{
	int one = 1;
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	err = genl_connect(nl->sk);
	if (err)
		goto err_free_sock;
	/* Ask for error messages, and not for a copy of our request. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, COHORT_GENL_NAME);
	if (nl->family < 0) {
		err = -ENOENT;
		goto err_free_sock;
	}
	return 0;

err_free_sock:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return err < 0 ? err : -ECONNREFUSED;
}

void cohort_nl_close(struct cohort_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *cohort_nl_msg(struct cohort_nl *nl, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, COHORT_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct call_ctx {
	struct cohort_nl *nl;
	cohort_nl_reply_cb cb;
	void *arg;
	int err;
	int done;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct call_ctx *ctx = arg;
	struct nlattr *tb[COHORT_A_MAX + 1];
	int err;

	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, COHORT_A_MAX, NULL);
	if (err < 0) {
		ctx->err = -EBADMSG;
		return NL_STOP;
	}
	if (ctx->cb) {
		err = ctx->cb(tb, ctx->arg);
		if (err) {
			ctx->err = err;
			return NL_STOP;
		}
	}
	return NL_OK;
}

/* Pick the message and missing-attribute type out of an extended ACK. */
static void parse_ext_ack(struct cohort_nl *nl, struct nlmsgerr *e)
{
	const struct nlmsghdr *nlh = (void *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e);
	const struct nlattr *a;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return;
	a = (const struct nlattr *)((const char *)e + NLMSG_ALIGN(off));
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off);
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		switch (nla_type(a)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
				 nla_len(a), (const char *)nla_data(a));
			nl->errmsg[strcspn(nl->errmsg, "\n")] = '\0';
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (nla_len(a) >= 4)
				nl->miss_type = nla_get_u32((struct nlattr *)a);
			break;
		}
	}
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct call_ctx *ctx = arg;

	ctx->err = e->error;
	ctx->done = 1;
	parse_ext_ack(ctx->nl, e);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct call_ctx *ctx = arg;

	ctx->done = 1;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct call_ctx *ctx = arg;

	ctx->done = 1;
	return NL_STOP;
}

/*
 * Send @msg (consumed) and process replies until the kernel's ACK, error
 * or end of dump. Returns 0 or a negative errno; on a kernel error the
 * extended ACK message, if any, is in nl->errmsg.
 */
int cohort_nl_call(struct cohort_nl *nl, struct nl_msg *msg,
		   cohort_nl_reply_cb cb, void *arg)
{
	struct call_ctx ctx = { .nl = nl, .cb = cb, .arg = arg };
	struct nl_cb *nlcb;
	int err;

	nl->errmsg[0] = '\0';
	nl->miss_type = 0;
	nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nlcb) {
		err = -ENOMEM;
		goto err_free_msg;
	}
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &ctx);
	nl_cb_set(nlcb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &ctx);
	nl_cb_set(nlcb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &ctx);
	nl_cb_err(nlcb, NL_CB_CUSTOM, on_error, &ctx);

	err = nl_send_auto(nl->sk, msg);
	if (err < 0) {
		err = -EIO;
		goto err_free_cb;
	}
	while (!ctx.done && !ctx.err) {
		err = nl_recvmsgs(nl->sk, nlcb);
		if (err < 0 && !ctx.err)
			ctx.err = -EIO;
	}
	err = ctx.err;

err_free_cb:
	nl_cb_put(nlcb);
err_free_msg:
	nlmsg_free(msg);
	return err;
}

void cohort_nl_perror(struct cohort_nl *nl, const char *what, int err)
{
	if (nl->errmsg[0])
		fprintf(stderr, "cohortctl: %s: %s (%s)\n", what, nl->errmsg,
			strerror(-err));
	else
		fprintf(stderr, "cohortctl: %s: %s\n", what, strerror(-err));
}

/* Where a PING reply's round trips go: @want of them into @rtt. */
struct ping_rtts {
	uint64_t *rtt;
	unsigned long want;
	unsigned long got;
};

static int parse_ping(struct nlattr **tb, void *arg)
{
	struct ping_rtts *r = arg;
	const __u32 *v;
	unsigned long i;

	/* At least one, at most the count asked for (see cohort_nl_ping) */
	if (!tb[COHORT_A_PING_RTTS] ||
	    nla_len(tb[COHORT_A_PING_RTTS]) % sizeof(*v) ||
	    nla_len(tb[COHORT_A_PING_RTTS]) < (int)sizeof(*v) ||
	    nla_len(tb[COHORT_A_PING_RTTS]) > (int)(r->want * sizeof(*v)))
		return -EBADMSG;
	v = nla_data(tb[COHORT_A_PING_RTTS]);
	r->got = nla_len(tb[COHORT_A_PING_RTTS]) / sizeof(*v);
	for (i = 0; i < r->got; i++)
		r->rtt[i] = v[i];
	return 0;
}

/*
 * One PING request: up to @count ECHOs of @size bytes to @node, back to
 * back in the kernel, their round trips (µs) into @rtt; the payload is
 * @pattern (@plen bytes) repeated, or random when @plen is 0. The kernel
 * starts no new round trip after COHORT_PING_HOLD_MS (it holds
 * genetlink's lock meanwhile), so a request may make fewer: returns how
 * many it made (at least 1), or -errno (reported). Each round trip may take
 * @timeout_ms (0: the kernel's default for the size).
 */
int cohort_nl_ping(struct cohort_nl *nl, unsigned int node, unsigned int size,
		   unsigned long count, const unsigned char *pattern,
		   int plen, unsigned int timeout_ms, uint64_t *rtt)
{
	struct nl_msg *msg = cohort_nl_msg(nl, COHORT_CMD_PING, 0);
	struct ping_rtts r = { .rtt = rtt, .want = count };
	int err;

	if (!msg || nla_put_u32(msg, COHORT_A_NODE_ID, node) ||
	    nla_put_u32(msg, COHORT_A_PING_SIZE, size) ||
	    nla_put_u32(msg, COHORT_A_PING_COUNT, count) ||
	    (plen && nla_put(msg, COHORT_A_PING_PATTERN, plen, pattern)) ||
	    (timeout_ms &&
	     nla_put_u32(msg, COHORT_A_PING_TIMEOUT_MS, timeout_ms))) {
		nlmsg_free(msg);
		err = -ENOMEM;
	} else {
		err = cohort_nl_call(nl, msg, parse_ping, &r);
	}
	if (err)
		cohort_nl_perror(nl, "ping", err);
	return err ? err : (int)r.got;
}
