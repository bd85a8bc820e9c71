/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cohort: a group of Linux machines acting as one system.
 *
 * This header is the one definition of cohort's user ABI: the generic
 * netlink family "cohort" (described for tools by
 * Documentation/netlink/specs/cohort.yaml, which must agree with the values
 * below; a host test checks that it does) and the limits that the module
 * enforces on what userspace sends it.
 */
#ifndef _UAPI_LINUX_COHORT_H
#define _UAPI_LINUX_COHORT_H

#define COHORT_GENL_NAME	"cohort"
#define COHORT_GENL_VERSION	1

/*
 * Cluster wire protocol version, reported by INFO_GET. Changelog:
 *   1 - first version.
 */
#define COHORT_PROTO_VERSION	1

/* Node ids are 1..COHORT_NODE_ID_MAX; 0 means "not configured yet". */
#define COHORT_NODE_ID_MAX	4095

/*
 * Node names: 1..COHORT_NODE_NAME_MAX - 1 bytes of [A-Za-z0-9._-], starting
 * with a letter or digit; the buffer size below includes the final NUL.
 */
#define COHORT_NODE_NAME_MAX	64

/* Longest module version string, NUL included. */
#define COHORT_VERSION_MAX	32

/**
 * enum cohort_cmd - generic netlink commands of the "cohort" family
 * @COHORT_CMD_UNSPEC: never used
 * @COHORT_CMD_INFO_GET: read module version, protocol version and this
 *	network namespace's node id and name; any user may ask
 * @COHORT_CMD_NODE_SET_SELF: set this network namespace's node id and name;
 *	needs CAP_NET_ADMIN over the namespace. Takes %COHORT_A_NODE_ID and
 *	%COHORT_A_NODE_NAME, both required.
 */
enum cohort_cmd {
	COHORT_CMD_UNSPEC,
	COHORT_CMD_INFO_GET,
	COHORT_CMD_NODE_SET_SELF,

	__COHORT_CMD_MAX,
};

#define COHORT_CMD_MAX (__COHORT_CMD_MAX - 1)

/**
 * enum cohort_attr - attributes of the "cohort" family
 * @COHORT_A_UNSPEC: never used
 * @COHORT_A_VERSION: module version (NUL-terminated string)
 * @COHORT_A_PROTO_VERSION: cluster wire protocol version (u32)
 * @COHORT_A_NODE_ID: node id, 1..%COHORT_NODE_ID_MAX; 0 in a reply means
 *	not configured (u32)
 * @COHORT_A_NODE_NAME: node name (NUL-terminated string, see
 *	%COHORT_NODE_NAME_MAX); empty in a reply means not configured
 */
enum cohort_attr {
	COHORT_A_UNSPEC,
	COHORT_A_VERSION,
	COHORT_A_PROTO_VERSION,
	COHORT_A_NODE_ID,
	COHORT_A_NODE_NAME,

	__COHORT_A_MAX,
};

#define COHORT_A_MAX (__COHORT_A_MAX - 1)

#endif /* _UAPI_LINUX_COHORT_H */
