/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A raw generic netlink client for the selftests: it builds requests byte
 * by byte (so tests can send exactly the malformed input they mean to) and
 * returns the kernel's error code, extended ACK message and reply.
 */
#ifndef COHORT_SELFTEST_GENL_H
#define COHORT_SELFTEST_GENL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/cohort.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct req {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	char buf[1024];
};

struct result {
	int error;		/* 0 or negative errno from the kernel */
	char msg[256];		/* extack message, "" if none */
	int miss_type;		/* extack missing attribute type, 0 if none */
	/* Reply attributes, if the request had a reply. */
	int have_reply;
	uint32_t proto, node_id;
	char version[64], node_name[128];
};

static inline int genl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

static inline void req_init(struct req *r, uint16_t type, uint8_t cmd)
{
	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->nlh.nlmsg_seq = 1;
	r->genl.cmd = cmd;
	r->genl.version = 1;
}

static inline void req_put(struct req *r, uint16_t type, const void *data,
			   uint16_t len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static inline void req_put_u32(struct req *r, uint16_t type, uint32_t v)
{
	req_put(r, type, &v, sizeof(v));
}

static inline void req_put_str(struct req *r, uint16_t type, const char *s)
{
	req_put(r, type, s, strlen(s) + 1);
}

static inline void parse_attrs(struct result *res, const char *p, int len)
{
	const struct nlattr *a;

	for (a = (const void *)p; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	     a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		const char *d = (const char *)a + NLA_HDRLEN;
		int dl = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case COHORT_A_VERSION:
			snprintf(res->version, sizeof(res->version), "%.*s", dl, d);
			break;
		case COHORT_A_PROTO_VERSION:
			memcpy(&res->proto, d, 4);
			break;
		case COHORT_A_NODE_ID:
			memcpy(&res->node_id, d, 4);
			break;
		case COHORT_A_NODE_NAME:
			snprintf(res->node_name, sizeof(res->node_name), "%.*s", dl, d);
			break;
		}
	}
}

static inline void parse_err(struct result *res, const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof(*e);
	const struct nlattr *a;
	int len;

	res->error = e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)h->nlmsg_len - NLMSG_HDRLEN - (int)NLMSG_ALIGN(off);
	for (a = (const void *)((const char *)e + NLMSG_ALIGN(off));
	     len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		const char *d = (const char *)a + NLA_HDRLEN;

		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(res->msg, sizeof(res->msg), "%.*s",
				 a->nla_len - NLA_HDRLEN, d);
		if (a->nla_type == NLMSGERR_ATTR_MISS_TYPE)
			memcpy(&res->miss_type, d, 4);
	}
}

/* Send @r, collect the reply and the ACK. Returns 0 or -errno (socket). */
static inline int genl_call(int fd, struct req *r, struct result *res)
{
	char buf[8192];
	int done = 0;

	memset(res, 0, sizeof(*res));
	if (send(fd, r, r->nlh.nlmsg_len, 0) < 0)
		return -errno;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return -errno;
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_err(res, h);
				done = 1;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				/* A dump's end carries its error, if any. */
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&res->error, NLMSG_DATA(h), sizeof(int));
				done = 1;
			} else {
				res->have_reply = 1;
				parse_attrs(res, (char *)NLMSG_DATA(h) + GENL_HDRLEN,
					    h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
			}
		}
	}
	return 0;
}

/* Resolve a generic netlink family id; -1 if absent. */
static inline int genl_family(int fd, const char *name)
{
	char buf[8192];
	struct req r;
	struct nlmsghdr *h;
	ssize_t n;

	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	r.nlh.nlmsg_flags = NLM_F_REQUEST;
	req_put_str(&r, CTRL_ATTR_FAMILY_NAME, name);
	if (send(fd, &r, r.nlh.nlmsg_len, 0) < 0)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -1;
	for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		const struct nlattr *a;
		int len;

		if (h->nlmsg_type == NLMSG_ERROR)
			return -1;
		len = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		for (a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
		     len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
		     len -= NLA_ALIGN(a->nla_len),
		     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
			if (a->nla_type == CTRL_ATTR_FAMILY_ID)
				return *(const uint16_t *)((const char *)a + NLA_HDRLEN);
		}
	}
	return -1;
}

#endif /* COHORT_SELFTEST_GENL_H */
