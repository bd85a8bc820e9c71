// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cohort": the full, per-network-namespace admin
 * interface. Described for tools by Documentation/netlink/specs/cohort.yaml.
 *
 * Each handler parses its own request (strictly, against its own policy)
 * rather than leaving it to the genetlink core, so that every request
 * refused for bad input or missing privilege is counted (sysfs
 * stats/netlink_rejected) as well as answered with an extack message.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <linux/cohort.h>

#include "netlink.h"
#include "../tunables.h"
#include "../version.h"
#include "../net/buf.h"
#include "../net/conn.h"
#include "../net/events.h"
#include "../net/node.h"
#include "../net/rpc.h"
#include "../net/wire.h"
#include "../proc/guests.h"
#include "../proc/migrate.h"

#define PING_TIMEOUT_MS	10000

static struct genl_family cohort_genl_family;
static atomic_long_t rejected = ATOMIC_LONG_INIT(0);

long cohort_genl_rejected(void)
{
	return atomic_long_read(&rejected);
}

/* INFO_GET takes no attributes: strict parsing refuses any. */
static const struct nla_policy info_get_policy[COHORT_A_MAX + 1] = {
};

static const struct nla_policy node_set_self_policy[COHORT_A_MAX + 1] = {
	[COHORT_A_NODE_ID] = NLA_POLICY_RANGE(NLA_U32, 1, COHORT_NODE_ID_MAX),
	[COHORT_A_NODE_NAME] = { .type = NLA_NUL_STRING,
				 .len = COHORT_NODE_NAME_MAX - 1 },
};

static const struct nla_policy node_add_policy[COHORT_A_MAX + 1] = {
	[COHORT_A_NODE_ID] = NLA_POLICY_RANGE(NLA_U32, 1, COHORT_NODE_ID_MAX),
	[COHORT_A_NODE_NAME] = { .type = NLA_NUL_STRING,
				 .len = COHORT_NODE_NAME_MAX - 1 },
	[COHORT_A_NODE_ADDR4] = NLA_POLICY_EXACT_LEN(4),
	[COHORT_A_NODE_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[COHORT_A_NODE_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy node_id_policy[COHORT_A_MAX + 1] = {
	[COHORT_A_NODE_ID] = NLA_POLICY_RANGE(NLA_U32, 1, COHORT_NODE_ID_MAX),
};

static struct netlink_range_validation dead_timeout_range = {
	.min = COHORT_DEAD_TIMEOUT_MS_MIN,
	.max = COHORT_DEAD_TIMEOUT_MS_MAX,
};

static struct netlink_range_validation ping_size_range = {
	.min = 0,
	.max = COHORT_MSG_MAX,
};

static const struct nla_policy cluster_set_policy[COHORT_A_MAX + 1] = {
	[COHORT_A_CLUSTER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[COHORT_A_CLUSTER_KEY] = NLA_POLICY_RANGE(NLA_BINARY, COHORT_KEY_MIN,
						  COHORT_KEY_MAX),
	[COHORT_A_DEAD_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &dead_timeout_range),
	[COHORT_A_ENCRYPT] = NLA_POLICY_MAX(NLA_U8, 1),
};

static struct netlink_range_validation ping_timeout_range = {
	.min = 1,
	.max = COHORT_PING_TIMEOUT_MAX_MS,
};

static const struct nla_policy ping_policy[COHORT_A_MAX + 1] = {
	[COHORT_A_NODE_ID] = NLA_POLICY_RANGE(NLA_U32, 1, COHORT_NODE_ID_MAX),
	[COHORT_A_PING_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32, &ping_size_range),
	[COHORT_A_PING_COUNT] = NLA_POLICY_RANGE(NLA_U32, 1,
						 COHORT_PING_COUNT_MAX),
	[COHORT_A_PING_PATTERN] = NLA_POLICY_RANGE(NLA_BINARY, 1,
						   COHORT_PING_PATTERN_MAX),
	[COHORT_A_PING_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &ping_timeout_range),
};

static struct netlink_range_validation pid_range = {
	.min = 1,
	.max = PID_MAX_LIMIT,
};

static const struct nla_policy migrate_policy[COHORT_A_MAX + 1] = {
	[COHORT_A_PID] = NLA_POLICY_FULL_RANGE(NLA_U32, &pid_range),
	[COHORT_A_NODE_ID] = NLA_POLICY_RANGE(NLA_U32, 1, COHORT_NODE_ID_MAX),
};

static int reject(int err)
{
	atomic_long_inc(&rejected);
	return err;
}

/*
 * Parse @info's attributes into @tb against @policy. The reserved byte of
 * the genetlink header must be zero, unknown attributes are refused.
 */
static int parse_request(struct genl_info *info,
			 const struct nla_policy *policy, struct nlattr **tb)
{
	int err;

	if (info->genlhdr->reserved) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "genetlink header reserved field is not 0");
		return reject(-EINVAL);
	}
	err = nlmsg_parse(info->nlhdr, GENL_HDRLEN, tb, COHORT_A_MAX, policy,
			  info->extack);
	/* Range checks say -ERANGE; to userspace all bad input is -EINVAL. */
	if (err)
		return reject(err == -ERANGE ? -EINVAL : err);
	return 0;
}

/* A required attribute is missing: say which, with a readable message. */
static int require_attr(struct genl_info *info, struct nlattr **tb, int type)
{
	if (!NL_REQ_ATTR_CHECK(info->extack, NULL, tb, type))
		return 0;
	switch (type) {
	case COHORT_A_NODE_ID:
		NL_SET_ERR_MSG_MOD(info->extack, "node id is required");
		break;
	case COHORT_A_NODE_NAME:
		NL_SET_ERR_MSG_MOD(info->extack, "node name is required");
		break;
	case COHORT_A_NODE_ADDR4:
		NL_SET_ERR_MSG_MOD(info->extack,
				   "node address (IPv4 or IPv6) is required");
		break;
	default:
		NL_SET_ERR_MSG_MOD(info->extack, "a required attribute is missing");
		break;
	}
	return reject(-EINVAL);
}

static bool userns_nodes;
module_param(userns_nodes, bool, 0644);
MODULE_PARM_DESC(userns_nodes,
		 "let CAP_NET_ADMIN over a network namespace's own user namespace run its node (default: only CAP_NET_ADMIN in the initial user namespace)");

/*
 * Changes and calls need CAP_NET_ADMIN in the initial user namespace: a
 * node will restore processes and serve page faults, which is not for root
 * of a container to decide. With userns_nodes, CAP_NET_ADMIN over the
 * user namespace that owns the node's network namespace is enough. Checked
 * here rather than with the core's GENL_ADMIN_PERM flags: the policy is a
 * run-time switch, and a refusal says why and is counted.
 */
static int require_admin(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);

	if (READ_ONCE(userns_nodes)) {
		if (netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN))
			return 0;
		NL_SET_ERR_MSG_MOD(info->extack,
				   "CAP_NET_ADMIN is required to change cohort settings");
	} else {
		if (netlink_capable(skb, CAP_NET_ADMIN))
			return 0;
		NL_SET_ERR_MSG_MOD(info->extack,
				   "CAP_NET_ADMIN in the initial user namespace is required (module parameter userns_nodes opts in to namespaced nodes)");
	}
	return reject(-EPERM);
}

static int info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cohort_net *cn = cohort_net(genl_info_net(info));
	struct nlattr *tb[COHORT_A_MAX + 1];
	char name[COHORT_NODE_NAME_MAX];
	struct sk_buff *msg;
	void *hdr;
	u32 id;
	int err;

	err = parse_request(info, info_get_policy, tb);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cohort_genl_family, 0,
				COHORT_CMD_INFO_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free_msg;
	}

	cohort_node_get_self(cn, &id, name);
	if (nla_put_string(msg, COHORT_A_VERSION, COHORT_VERSION) ||
	    nla_put_u32(msg, COHORT_A_PROTO_VERSION, COHORT_PROTO_VERSION) ||
	    nla_put_u32(msg, COHORT_A_NODE_ID, id) ||
	    nla_put_string(msg, COHORT_A_NODE_NAME, name) ||
	    nla_put_u8(msg, COHORT_A_ENCRYPT, cohort_cluster_encrypted(cn))) {
		err = -EMSGSIZE;
		goto err_free_msg;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return err;
}

static int node_set_self_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cohort_net *cn = cohort_net(genl_info_net(info));
	struct nlattr *tb[COHORT_A_MAX + 1];
	int err;

	err = require_admin(skb, info);
	if (err)
		return err;
	err = parse_request(info, node_set_self_policy, tb);
	if (err)
		return err;
	err = require_attr(info, tb, COHORT_A_NODE_ID);
	if (err)
		return err;
	err = require_attr(info, tb, COHORT_A_NODE_NAME);
	if (err)
		return err;

	err = cohort_node_set_self(cn, nla_get_u32(tb[COHORT_A_NODE_ID]),
				   nla_data(tb[COHORT_A_NODE_NAME]),
				   info->extack);
	if (err) {
		NL_SET_BAD_ATTR(info->extack, tb[COHORT_A_NODE_NAME]);
		return reject(err);
	}
	return 0;
}

static int node_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cohort_net *cn = cohort_net(genl_info_net(info));
	struct nlattr *tb[COHORT_A_MAX + 1];
	struct cohort_node_addr addr = {};
	u16 port = COHORT_PORT_DEFAULT;
	int err;

	err = require_admin(skb, info) ?:
	      parse_request(info, node_add_policy, tb) ?:
	      require_attr(info, tb, COHORT_A_NODE_ID) ?:
	      require_attr(info, tb, COHORT_A_NODE_NAME);
	if (err)
		return err;
	if (!!tb[COHORT_A_NODE_ADDR4] == !!tb[COHORT_A_NODE_ADDR6]) {
		if (tb[COHORT_A_NODE_ADDR4]) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "give an IPv4 or an IPv6 address, not both");
			return reject(-EINVAL);
		}
		return require_attr(info, tb, COHORT_A_NODE_ADDR4);
	}
	if (tb[COHORT_A_NODE_PORT])
		port = nla_get_u16(tb[COHORT_A_NODE_PORT]);
	if (tb[COHORT_A_NODE_ADDR4]) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&addr.ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = nla_get_in_addr(tb[COHORT_A_NODE_ADDR4]);
		addr.len = sizeof(*sin);
		if (ipv4_is_multicast(sin->sin_addr.s_addr) ||
		    ipv4_is_zeronet(sin->sin_addr.s_addr) ||
		    ipv4_is_lbcast(sin->sin_addr.s_addr)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[COHORT_A_NODE_ADDR4],
					    "not a unicast address");
			return reject(-EINVAL);
		}
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr.ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = nla_get_in6_addr(tb[COHORT_A_NODE_ADDR6]);
		addr.len = sizeof(*sin6);
		if (ipv6_addr_any(&sin6->sin6_addr) ||
		    ipv6_addr_is_multicast(&sin6->sin6_addr) ||
		    (ipv6_addr_type(&sin6->sin6_addr) & IPV6_ADDR_LINKLOCAL)) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[COHORT_A_NODE_ADDR6],
					    "not a global or unique-local unicast address");
			return reject(-EINVAL);
		}
	}
	err = cohort_node_add(cn, nla_get_u32(tb[COHORT_A_NODE_ID]),
			      nla_data(tb[COHORT_A_NODE_NAME]), &addr,
			      info->extack);
	return err ? reject(err) : 0;
}

static int node_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cohort_net *cn = cohort_net(genl_info_net(info));
	struct nlattr *tb[COHORT_A_MAX + 1];
	int err;

	err = require_admin(skb, info) ?:
	      parse_request(info, node_id_policy, tb) ?:
	      require_attr(info, tb, COHORT_A_NODE_ID);
	if (err)
		return err;
	err = cohort_node_del(cn, nla_get_u32(tb[COHORT_A_NODE_ID]),
			      info->extack);
	return err ? reject(err) : 0;
}

static int put_stats(struct sk_buff *msg, struct cohort_peer *peer)
{
	struct nlattr *nest = nla_nest_start(msg, COHORT_A_NODE_STATS);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = COHORT_STAT_MSGS_TX; i < COHORT_STAT_PAD; i++) {
		if (nla_put_u64_64bit(msg, i, atomic64_read(&peer->stats[i]),
				      COHORT_STAT_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int fill_node(struct sk_buff *msg, struct cohort_peer *peer, u32 self,
		     u32 portid, u32 seq, int flags)
{
	void *hdr = genlmsg_put(msg, portid, seq, &cohort_genl_family, flags,
				COHORT_CMD_NODE_GET);
	u8 state = peer->id == self ? COHORT_NODE_SELF : cohort_peer_state(peer);
	u16 port;
	int err;

	if (!hdr)
		return -EMSGSIZE;
	if (peer->addr.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&peer->addr;

		port = ntohs(sin->sin_port);
		err = nla_put_in_addr(msg, COHORT_A_NODE_ADDR4,
				      sin->sin_addr.s_addr);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peer->addr;

		port = ntohs(sin6->sin6_port);
		err = nla_put_in6_addr(msg, COHORT_A_NODE_ADDR6,
				       &sin6->sin6_addr);
	}
	if (err || nla_put_u32(msg, COHORT_A_NODE_ID, peer->id) ||
	    nla_put_string(msg, COHORT_A_NODE_NAME, peer->name) ||
	    nla_put_u16(msg, COHORT_A_NODE_PORT, port) ||
	    nla_put_u8(msg, COHORT_A_NODE_STATE, state) ||
	    put_stats(msg, peer)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int node_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cohort_net *cn = cohort_net(genl_info_net(info));
	struct nlattr *tb[COHORT_A_MAX + 1];
	struct cohort_peer *peer;
	struct sk_buff *msg;
	int err;

	err = parse_request(info, node_id_policy, tb) ?:
	      require_attr(info, tb, COHORT_A_NODE_ID);
	if (err)
		return err;
	peer = cohort_peer_get(cn, nla_get_u32(tb[COHORT_A_NODE_ID]));
	if (!peer) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[COHORT_A_NODE_ID],
				    "no node with this id");
		return reject(-ENOENT);
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	err = msg ? fill_node(msg, peer, READ_ONCE(cn->self_id),
			      info->snd_portid, info->snd_seq, 0) : -ENOMEM;
	cohort_peer_put(peer);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* A dump request that takes no attributes: refuse any, and a bad header. */
static int dump_no_attrs(struct netlink_callback *cb)
{
	struct nlattr *tb[COHORT_A_MAX + 1];
	int err;

	if (((struct genlmsghdr *)nlmsg_data(cb->nlh))->reserved) {
		NL_SET_ERR_MSG_MOD(cb->extack,
				   "genetlink header reserved field is not 0");
		return reject(-EINVAL);
	}
	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, COHORT_A_MAX,
			  info_get_policy, cb->extack);
	return err ? reject(err) : 0;
}

static int node_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cohort_net *cn = cohort_net(sock_net(skb->sk));
	unsigned long id = cb->args[0];
	struct cohort_peer *peer;
	int err = 0;

	/* A dump of the whole table takes no attributes: refuse any. */
	if (!cb->args[1]) {
		err = dump_no_attrs(cb);
		if (err)
			return err;
		cb->args[1] = 1;
	}
	for (;;) {
		rcu_read_lock();
		peer = xa_find(&cn->peers, &id, ULONG_MAX, XA_PRESENT);
		if (peer && !refcount_inc_not_zero(&peer->ref))
			peer = NULL;
		rcu_read_unlock();
		if (!peer)
			break;
		err = fill_node(skb, peer, READ_ONCE(cn->self_id),
				NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				NLM_F_MULTI);
		cohort_peer_put(peer);
		if (err)
			break;
		id++;
	}
	cb->args[0] = id;
	return err == -EMSGSIZE && skb->len ? skb->len : (err ?: skb->len);
}

static int cluster_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cohort_net *cn = cohort_net(genl_info_net(info));
	struct nlattr *tb[COHORT_A_MAX + 1];
	struct nlattr *key;
	int err;

	err = require_admin(skb, info) ?:
	      parse_request(info, cluster_set_policy, tb);
	if (err)
		return err;
	key = tb[COHORT_A_CLUSTER_KEY];
	err = cohort_cluster_set(cn, tb[COHORT_A_CLUSTER_ID] ?
				 nla_get_u32(tb[COHORT_A_CLUSTER_ID]) : 0,
				 key ? nla_data(key) : NULL,
				 key ? nla_len(key) : 0,
				 tb[COHORT_A_DEAD_TIMEOUT_MS] ?
				 nla_get_u32(tb[COHORT_A_DEAD_TIMEOUT_MS]) : 0,
				 tb[COHORT_A_ENCRYPT] ?
				 nla_get_u8(tb[COHORT_A_ENCRYPT]) : -1,
				 info->extack);
	return err ? reject(err) : 0;
}

/* Fill @req with the bytes of @pat over and over (as ping -p). */
static void fill_pattern(struct cohort_buf *req, const struct nlattr *pat)
{
	size_t off, plen = nla_len(pat);

	for (off = 0; off < req->len; off += plen)
		cohort_buf_write(req, off, nla_data(pat),
				 min(plen, req->len - off));
}

/*
 * One ECHO of @req to @node, answered within @timeout_ms; checks that it
 * came back byte for byte. The time it took goes to *@rtt_us.
 */
static int ping_once(struct cohort_net *cn, u32 node, struct cohort_buf *req,
		     u32 timeout_ms, u32 *rtt_us, struct netlink_ext_ack *extack)
{
	struct cohort_buf *resp;
	u64 t0 = ktime_get_ns();
	int err;

	err = cohort_rpc_call(cn, node, COHORT_MSG_ECHO, req, &resp,
			      timeout_ms);
	*rtt_us = min_t(u64, div_u64(ktime_get_ns() - t0, NSEC_PER_USEC),
			U32_MAX);
	if (!err && (req ? !resp || !cohort_buf_equal(req, resp) : !!resp)) {
		NL_SET_ERR_MSG_MOD(extack, "echo came back different");
		err = -EIO;
	} else if (err == -ENOENT) {
		NL_SET_ERR_MSG_MOD(extack, "no node with this id");
	} else if (err == -EHOSTDOWN) {
		NL_SET_ERR_MSG_MOD(extack, "node is not up");
	} else if (err == -ETIMEDOUT) {
		NL_SET_ERR_MSG_MOD(extack, "no answer in time");
	}
	cohort_buf_put(resp);
	return err;
}

static int ping_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cohort_net *cn = cohort_net(genl_info_net(info));
	struct nlattr *tb[COHORT_A_MAX + 1];
	struct cohort_buf *req = NULL;
	u32 size = 64, count = 1, timeout_ms, node, i, *rtts;
	ktime_t start;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = require_admin(skb, info) ?:
	      parse_request(info, ping_policy, tb) ?:
	      require_attr(info, tb, COHORT_A_NODE_ID);
	if (err)
		return err;
	node = nla_get_u32(tb[COHORT_A_NODE_ID]);
	if (tb[COHORT_A_PING_SIZE])
		size = nla_get_u32(tb[COHORT_A_PING_SIZE]);
	if (tb[COHORT_A_PING_COUNT])
		count = nla_get_u32(tb[COHORT_A_PING_COUNT]);
	/* By default 10 s, plus 1 s for every 256 KiB each way at the slowest. */
	timeout_ms = PING_TIMEOUT_MS + (size >> 18) * 2000;
	if (tb[COHORT_A_PING_TIMEOUT_MS])
		timeout_ms = nla_get_u32(tb[COHORT_A_PING_TIMEOUT_MS]);
	rtts = kcalloc(count, sizeof(*rtts), GFP_KERNEL);
	if (!rtts)
		return -ENOMEM;
	if (size) {
		req = cohort_buf_alloc(size, GFP_KERNEL_ACCOUNT);
		if (!req) {
			err = -ENOMEM;
			goto out_free;
		}
		if (tb[COHORT_A_PING_PATTERN])
			fill_pattern(req, tb[COHORT_A_PING_PATTERN]);
		else
			err = cohort_buf_fill_random(req);
		if (err)
			goto out_free;
	}
	/*
	 * Back to back, as a loop in a program would call; ^C stops it. The
	 * request holds genetlink's lock (every family's registration waits
	 * for it), so no round trip starts after COHORT_PING_HOLD_MS: the
	 * reply then has fewer, and the caller asks again for the rest.
	 */
	start = ktime_get();
	for (i = 0; i < count && !err; i++) {
		if (i && ktime_ms_delta(ktime_get(), start) >= COHORT_PING_HOLD_MS)
			break;
		err = ping_once(cn, node, req, timeout_ms, &rtts[i],
				info->extack);
		if (!err && i + 1 < count && signal_pending(current))
			err = -EINTR;
	}
	if (err)
		goto out_free;
	count = i;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE +
			  nla_total_size(count * sizeof(*rtts)),
			  GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out_free;
	}
	hdr = genlmsg_put_reply(msg, info, &cohort_genl_family, 0,
				COHORT_CMD_PING);
	if (!hdr || nla_put_u64_64bit(msg, COHORT_A_PING_RTT_US, rtts[0],
				      COHORT_A_PAD) ||
	    nla_put_u32(msg, COHORT_A_PING_SIZE, size) ||
	    nla_put(msg, COHORT_A_PING_RTTS, count * sizeof(*rtts), rtts)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out_free;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out_free:
	cohort_buf_put(req);
	kfree(rtts);
	return err;
}

/*
 * MIGRATE: any user, for a process it could trace (checked by the
 * checkpoint). On failure a reply with the reason precedes the error
 * (the reason is made at run time; an extack message cannot be).
 */
static int migrate_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cohort_net *cn = cohort_net(genl_info_net(info));
	struct nlattr *tb[COHORT_A_MAX + 1];
	struct cohort_migrate_result *res;
	struct sk_buff *msg;
	u32 node, self;
	void *hdr;
	int err, ret;

	err = parse_request(info, migrate_policy, tb) ?:
	      require_attr(info, tb, COHORT_A_PID) ?:
	      require_attr(info, tb, COHORT_A_NODE_ID);
	if (err)
		return err;
	node = nla_get_u32(tb[COHORT_A_NODE_ID]);
	mutex_lock(&cn->lock);
	self = cn->self_id;
	mutex_unlock(&cn->lock);
	if (!self) {
		NL_SET_ERR_MSG_MOD(info->extack, "this node is not configured");
		return reject(-EINVAL);
	}
	if (node == self) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[COHORT_A_NODE_ID],
				    "the process is on that node already");
		return reject(-EINVAL);
	}
	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	err = cohort_migrate(cn, nla_get_u32(tb[COHORT_A_PID]), node, res);
	if (err)
		NL_SET_ERR_MSG_MOD(info->extack,
				   "not migrated: the process goes on here");
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_free;
	}
	hdr = genlmsg_put_reply(msg, info, &cohort_genl_family, 0,
				COHORT_CMD_MIGRATE);
	if (!hdr ||
	    nla_put_u64_64bit(msg, COHORT_A_MIG_BYTES, res->bytes, COHORT_A_PAD) ||
	    nla_put_u64_64bit(msg, COHORT_A_MIG_PAGES, res->pages, COHORT_A_PAD) ||
	    nla_put_u64_64bit(msg, COHORT_A_MIG_FREEZE_US,
			      div_u64(res->freeze_ns, NSEC_PER_USEC), COHORT_A_PAD) ||
	    nla_put_u64_64bit(msg, COHORT_A_MIG_TOTAL_US,
			      div_u64(res->total_ns, NSEC_PER_USEC), COHORT_A_PAD) ||
	    (!err && nla_put_u32(msg, COHORT_A_MIG_REMOTE_PID, res->remote_pid)) ||
	    (err && nla_put_string(msg, COHORT_A_REASON, res->reason))) {
		nlmsg_free(msg);
		ret = -EMSGSIZE;
		goto out_free;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
out_free:
	kfree(res);
	return err ?: ret;
}

/* An incoming migration waits for a restorer: tell cohortd. */
void cohort_genl_migrate_in(struct cohort_net *cn, u32 node, u64 id, u32 pid)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &cohort_genl_family, 0,
			  COHORT_CMD_MIGRATE_IN_NTF);
	if (!hdr || nla_put_u32(msg, COHORT_A_NODE_ID, node) ||
	    nla_put_u64_64bit(msg, COHORT_A_MIG_ID, id, COHORT_A_PAD) ||
	    nla_put_u32(msg, COHORT_A_PID, pid)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&cohort_genl_family, cn->net, msg, 0, 0,
				GFP_KERNEL);
}

/* A migration of one of this node's processes has ended: tell listeners. */
static void genl_mig_event(struct cohort_net *cn, u32 pid, u32 node,
			   u32 outcome, int err,
			   const struct cohort_migrate_result *res)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&cohort_genl_family, cn->net, 0))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE + COHORT_REASON_MAX, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &cohort_genl_family, 0,
			  COHORT_CMD_MIGRATE_OUT_NTF);
	if (!hdr || nla_put_u32(msg, COHORT_A_PID, pid) ||
	    nla_put_u32(msg, COHORT_A_NODE_ID, node) ||
	    nla_put_u32(msg, COHORT_A_MIG_OUTCOME, outcome) ||
	    (err && nla_put_u32(msg, COHORT_A_MIG_ERRNO, -err)) ||
	    (res->reason[0] &&
	     nla_put_string(msg, COHORT_A_REASON, res->reason)) ||
	    (!err && nla_put_u32(msg, COHORT_A_MIG_REMOTE_PID,
				 res->remote_pid)) ||
	    nla_put_u64_64bit(msg, COHORT_A_MIG_BYTES, res->bytes,
			      COHORT_A_PAD) ||
	    nla_put_u64_64bit(msg, COHORT_A_MIG_FREEZE_US,
			      div_u64(res->freeze_ns, NSEC_PER_USEC),
			      COHORT_A_PAD) ||
	    nla_put_u64_64bit(msg, COHORT_A_MIG_TOTAL_US,
			      div_u64(res->total_ns, NSEC_PER_USEC),
			      COHORT_A_PAD)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&cohort_genl_family, cn->net, msg, 0, 0,
				GFP_KERNEL);
}

void cohort_genl_migrate_out(struct cohort_net *cn, u32 pid, u32 node,
			     int err, const struct cohort_migrate_result *res)
{
	genl_mig_event(cn, pid, node, !err ? COHORT_MIG_MOVED :
		       err == -ENOLINK ? COHORT_MIG_UNKNOWN : COHORT_MIG_FAILED,
		       err, res);
}

void cohort_genl_migrate_lost(struct cohort_net *cn, u32 pid, u32 node,
			      const char *reason)
{
	struct cohort_migrate_result res = {};

	strscpy(res.reason, reason, sizeof(res.reason));
	genl_mig_event(cn, pid, node, COHORT_MIG_LOST, -EHOSTDOWN, &res);
}

/* Multicast a node event to the namespace's "events" listeners. */
void cohort_genl_event(struct cohort_net *cn, int ev, u32 node_id,
		       const char *reason)
{
	static const u8 cmds[] = {
		[COHORT_EVENT_NODE_UP] = COHORT_CMD_NODE_UP_NTF,
		[COHORT_EVENT_NODE_DOWN] = COHORT_CMD_NODE_DOWN_NTF,
		[COHORT_EVENT_AUTH_FAILED] = COHORT_CMD_AUTH_FAILED_NTF,
	};
	struct sk_buff *msg;
	void *hdr;

	if (ev < 0 || ev >= ARRAY_SIZE(cmds) ||
	    !genl_has_listeners(&cohort_genl_family, cn->net, 0))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &cohort_genl_family, 0, cmds[ev]);
	if (!hdr || nla_put_u32(msg, COHORT_A_NODE_ID, node_id) ||
	    (reason && nla_put_string(msg, COHORT_A_REASON, reason))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&cohort_genl_family, cn->net, msg, 0, 0,
				GFP_KERNEL);
}

/*
 * PS: every node's guests are asked for when the dump starts (one call
 * per node, kernel/proc/guests.c); the dump then gives one message per
 * process, and one per node that did not answer. cb->args[0] holds the
 * collection, [1] the node and [2] the record the dump is at.
 */
static int ps_start(struct netlink_callback *cb)
{
	struct cohort_net *cn = cohort_net(sock_net(cb->skb->sk));
	struct cohort_guests_all *all;
	int err;

	err = dump_no_attrs(cb);
	if (err)
		return err;
	err = cohort_guests_collect(cn, &all);
	if (err == -ENOTCONN) {
		NL_SET_ERR_MSG_MOD(cb->extack, "this node is not configured");
		return reject(-EINVAL);
	}
	if (err)
		return err;
	cb->args[0] = (long)all;
	return 0;
}

static int ps_done(struct netlink_callback *cb)
{
	cohort_guests_all_free((struct cohort_guests_all *)cb->args[0]);
	return 0;
}

static const char *ps_why(int err)
{
	switch (err) {
	case -EHOSTDOWN: return "not up";
	case -ETIMEDOUT: return "no answer in time";
	case -EPROTO: return "a malformed answer";
	}
	return "refused";
}

/* One message: a process (@rec) on @node, or @node's error. */
static int ps_fill(struct sk_buff *skb, struct netlink_callback *cb,
		   const struct cohort_guests_node *g, const u8 *rec)
{
	char comm[COHORT_GUEST_COMM_LEN + 1];
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &cohort_genl_family, NLM_F_MULTI, COHORT_CMD_PS);
	if (!hdr || nla_put_u32(skb, COHORT_A_NODE_ID, g->node))
		goto cancel;
	if (!rec) {
		if (nla_put_string(skb, COHORT_A_REASON, ps_why(g->err)))
			goto cancel;
		genlmsg_end(skb, hdr);
		return 0;
	}
	memcpy(comm, rec + 16, COHORT_GUEST_COMM_LEN);
	comm[COHORT_GUEST_COMM_LEN] = 0;
	if (nla_put_u32(skb, COHORT_A_PID, cohort_get_be32(rec)) ||
	    nla_put_u32(skb, COHORT_A_HOME_NODE, cohort_get_be32(rec + 4)) ||
	    nla_put_u32(skb, COHORT_A_HOME_PID, cohort_get_be32(rec + 8)) ||
	    nla_put_u32(skb, COHORT_A_MIG_FROM, cohort_get_be32(rec + 12)) ||
	    nla_put_string(skb, COHORT_A_COMM, comm))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	if (hdr)
		genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int ps_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cohort_guests_all *all = (struct cohort_guests_all *)cb->args[0];
	u8 rec[COHORT_GUEST_REC_LEN];
	int err = 0;

	for (; cb->args[1] < all->n; cb->args[1]++, cb->args[2] = 0) {
		const struct cohort_guests_node *g = &all->nodes[cb->args[1]];
		size_t len = g->list ? g->list->len : 0;

		if (g->err) {
			if (cb->args[2])
				continue;
			err = ps_fill(skb, cb, g, NULL);
			if (err)
				break;
			cb->args[2] = 1;
			continue;
		}
		for (; cb->args[2] * COHORT_GUEST_REC_LEN < len; cb->args[2]++) {
			cohort_buf_read(g->list, cb->args[2] * COHORT_GUEST_REC_LEN,
					rec, sizeof(rec));
			err = ps_fill(skb, cb, g, rec);
			if (err)
				break;
		}
		if (err)
			break;
	}
	return err == -EMSGSIZE && skb->len ? skb->len : (err ?: skb->len);
}

/* PS needs start and done: the full form of an operation. */
static const struct genl_ops cohort_genl_full_ops[] = {
	{
		.cmd = COHORT_CMD_PS,
		.start = ps_start,
		.dumpit = ps_dumpit,
		.done = ps_done,
	},
};

/*
 * All operations are below resv_start_op: the core then leaves attribute
 * parsing to the handlers above, which check the reserved header byte
 * themselves.
 */
static const struct genl_small_ops cohort_genl_ops[] = {
	{
		.cmd = COHORT_CMD_INFO_GET,
		.doit = info_get_doit,
	},
	{
		.cmd = COHORT_CMD_NODE_SET_SELF,
		.doit = node_set_self_doit,
	},
	{
		.cmd = COHORT_CMD_NODE_ADD,
		.doit = node_add_doit,
	},
	{
		.cmd = COHORT_CMD_NODE_DEL,
		.doit = node_del_doit,
	},
	{
		.cmd = COHORT_CMD_NODE_GET,
		.doit = node_get_doit,
		.dumpit = node_get_dumpit,
	},
	{
		.cmd = COHORT_CMD_CLUSTER_SET,
		.doit = cluster_set_doit,
	},
	{
		.cmd = COHORT_CMD_PING,
		.doit = ping_doit,
	},
	{
		.cmd = COHORT_CMD_MIGRATE,
		.doit = migrate_doit,
	},
};

/*
 * Events name nodes, their addresses' failures and why handshakes failed:
 * for CAP_NET_ADMIN (over the namespace's user namespace) only.
 */
static const struct genl_multicast_group cohort_mcgrps[] = {
	{ .name = COHORT_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN, },
};

static struct genl_family cohort_genl_family __ro_after_init = {
	.name = COHORT_GENL_NAME,
	.version = COHORT_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = cohort_genl_full_ops,
	.n_ops = ARRAY_SIZE(cohort_genl_full_ops),
	.small_ops = cohort_genl_ops,
	.n_small_ops = ARRAY_SIZE(cohort_genl_ops),
	.mcgrps = cohort_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cohort_mcgrps),
	.resv_start_op = COHORT_CMD_MAX + 1,
};

int __init cohort_genl_init(void)
{
	return genl_register_family(&cohort_genl_family);
}

void cohort_genl_exit(void)
{
	genl_unregister_family(&cohort_genl_family);
}
