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
#include <net/genetlink.h>
#include <net/netlink.h>
#include <linux/cohort.h>

#include "netlink.h"
#include "node.h"
#include "version.h"

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
	default:
		NL_SET_ERR_MSG_MOD(info->extack, "a required attribute is missing");
		break;
	}
	return reject(-EINVAL);
}

/* Changes need CAP_NET_ADMIN over the namespace whose node they change. */
static int require_admin(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);

	if (!netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "CAP_NET_ADMIN is required to change cohort settings");
		return reject(-EPERM);
	}
	return 0;
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
	    nla_put_string(msg, COHORT_A_NODE_NAME, name)) {
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
};

static struct genl_family cohort_genl_family __ro_after_init = {
	.name = COHORT_GENL_NAME,
	.version = COHORT_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.small_ops = cohort_genl_ops,
	.n_small_ops = ARRAY_SIZE(cohort_genl_ops),
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
