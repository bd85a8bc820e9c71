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
 *   2 - payloads over 64 KiB carry a trailer MAC (see kernel/net/wire.h).
 *   3 - frames with up to 512 payload bytes are MACed with HMAC-SHA256.
 *   4 - ChaCha20-Poly1305 frame MAC, per-direction keys, rekeying.
 */
#define COHORT_PROTO_VERSION	4

/* Node ids are 1..COHORT_NODE_ID_MAX; 0 means "not configured yet". */
#define COHORT_NODE_ID_MAX	4095

/*
 * Node names: 1..COHORT_NODE_NAME_MAX - 1 bytes of [A-Za-z0-9._-], starting
 * with a letter or digit; the buffer size below includes the final NUL.
 */
#define COHORT_NODE_NAME_MAX	64

/* Longest module version string, NUL included. */
#define COHORT_VERSION_MAX	32

/* Most nodes in one node table (the sysfs tunable max_nodes may lower it). */
#define COHORT_NODES_MAX	64

/* Cluster key: 16..64 bytes of secret, shared by every node. */
#define COHORT_KEY_MIN		16
#define COHORT_KEY_MAX		64

/* Default TCP port of a node. */
#define COHORT_PORT_DEFAULT	7470

/* Largest payload of one message (an ECHO, for instance). */
#define COHORT_MSG_MAX		(64U << 20)
#define COHORT_PING_PATTERN_MAX	16	/* bytes, as ping -p */
/* A PING request starts no round trip after this long (see PING). */
#define COHORT_PING_HOLD_MS	2000

/* Most round trips one PING request makes back to back. */
#define COHORT_PING_COUNT_MAX	1000

/**
 * enum cohort_node_state - state of a node in the node table
 * @COHORT_NODE_UNKNOWN: never reached yet
 * @COHORT_NODE_CONNECTING: connecting or authenticating
 * @COHORT_NODE_UP: connected, authenticated, heard from within the dead
 *	timeout
 * @COHORT_NODE_DOWN: was up, then silent for the dead timeout or
 *	disconnected; comes back up by itself when reachable
 * @COHORT_NODE_SELF: this node's own entry
 */
enum cohort_node_state {
	COHORT_NODE_UNKNOWN,
	COHORT_NODE_CONNECTING,
	COHORT_NODE_UP,
	COHORT_NODE_DOWN,
	COHORT_NODE_SELF,
};

/**
 * enum cohort_cmd - generic netlink commands of the "cohort" family
 * @COHORT_CMD_UNSPEC: never used
 * @COHORT_CMD_INFO_GET: read module version, protocol version and this
 *	network namespace's node id and name; any user may ask
 * @COHORT_CMD_NODE_SET_SELF: set this network namespace's node id and name;
 *	needs CAP_NET_ADMIN over the namespace. Takes %COHORT_A_NODE_ID and
 *	%COHORT_A_NODE_NAME, both required.
 * @COHORT_CMD_NODE_ADD: add a node to the table (%COHORT_A_NODE_ID,
 *	%COHORT_A_NODE_NAME, one of %COHORT_A_NODE_ADDR4/%COHORT_A_NODE_ADDR6,
 *	optional %COHORT_A_NODE_PORT); CAP_NET_ADMIN. The entry whose id is
 *	this node's own gives the address and port to listen on.
 * @COHORT_CMD_NODE_DEL: remove a node (%COHORT_A_NODE_ID); CAP_NET_ADMIN
 * @COHORT_CMD_NODE_GET: one node (do, by %COHORT_A_NODE_ID) or all (dump)
 * @COHORT_CMD_CLUSTER_SET: cluster id, key and timeouts; CAP_NET_ADMIN
 * @COHORT_CMD_PING: in-kernel ECHO round trips to %COHORT_A_NODE_ID with
 *	%COHORT_A_PING_SIZE bytes, %COHORT_A_PING_COUNT of them back to back
 *	(none started after %COHORT_PING_HOLD_MS: ask again for the rest);
 *	replies %COHORT_A_PING_RTTS, one per round trip made, and, for the
 *	first, %COHORT_A_PING_RTT_US
 * @COHORT_CMD_NODE_UP_NTF: event: a node came up (multicast "events")
 * @COHORT_CMD_NODE_DOWN_NTF: event: a node went down
 * @COHORT_CMD_AUTH_FAILED_NTF: event: a peer failed the handshake
 */
enum cohort_cmd {
	COHORT_CMD_UNSPEC,
	COHORT_CMD_INFO_GET,
	COHORT_CMD_NODE_SET_SELF,
	COHORT_CMD_NODE_ADD,
	COHORT_CMD_NODE_DEL,
	COHORT_CMD_NODE_GET,
	COHORT_CMD_CLUSTER_SET,
	COHORT_CMD_PING,
	COHORT_CMD_NODE_UP_NTF,
	COHORT_CMD_NODE_DOWN_NTF,
	COHORT_CMD_AUTH_FAILED_NTF,

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
 * @COHORT_A_NODE_ADDR4: IPv4 address (4 bytes, network order)
 * @COHORT_A_NODE_ADDR6: IPv6 address (16 bytes)
 * @COHORT_A_NODE_PORT: TCP port (u16, host order), default
 *	%COHORT_PORT_DEFAULT
 * @COHORT_A_NODE_STATE: &enum cohort_node_state (u8)
 * @COHORT_A_NODE_STATS: nest of &enum cohort_stat_attr counters
 * @COHORT_A_CLUSTER_ID: cluster id (u32, non-zero)
 * @COHORT_A_CLUSTER_KEY: cluster key (binary, %COHORT_KEY_MIN to
 *	%COHORT_KEY_MAX bytes); never sent back
 * @COHORT_A_DEAD_TIMEOUT_MS: a peer silent this long is down (u32)
 * @COHORT_A_PING_SIZE: ECHO payload size in bytes (u32, at most
 *	%COHORT_MSG_MAX)
 * @COHORT_A_PING_RTT_US: measured round trip in microseconds (u64)
 * @COHORT_A_REASON: why an event happened (string)
 * @COHORT_A_PAD: padding for 64-bit attributes
 * @COHORT_A_PING_COUNT: round trips to make back to back, 1 to
 *	%COHORT_PING_COUNT_MAX (u32, default 1)
 * @COHORT_A_PING_RTTS: each round trip's time in microseconds, in order
 *	(binary: an array of u32)
 * @COHORT_A_ENCRYPT: payloads are encrypted on the cluster's links (u8,
 *	0 or 1; every node must say the same or its links are refused)
 * @COHORT_A_PING_PATTERN: fill the ECHO payload with these bytes, repeated
 *	(binary, 1 to %COHORT_PING_PATTERN_MAX bytes; default random)
 */
enum cohort_attr {
	COHORT_A_UNSPEC,
	COHORT_A_VERSION,
	COHORT_A_PROTO_VERSION,
	COHORT_A_NODE_ID,
	COHORT_A_NODE_NAME,
	COHORT_A_NODE_ADDR4,
	COHORT_A_NODE_ADDR6,
	COHORT_A_NODE_PORT,
	COHORT_A_NODE_STATE,
	COHORT_A_NODE_STATS,
	COHORT_A_CLUSTER_ID,
	COHORT_A_CLUSTER_KEY,
	COHORT_A_DEAD_TIMEOUT_MS,
	COHORT_A_PING_SIZE,
	COHORT_A_PING_RTT_US,
	COHORT_A_REASON,
	COHORT_A_PAD,
	COHORT_A_PING_COUNT,
	COHORT_A_PING_RTTS,
	COHORT_A_ENCRYPT,
	COHORT_A_PING_PATTERN,

	__COHORT_A_MAX,
};

#define COHORT_A_MAX (__COHORT_A_MAX - 1)

/**
 * enum cohort_stat_attr - per-peer counters (u64 each) in
 * %COHORT_A_NODE_STATS
 * @COHORT_STAT_UNSPEC: never used
 * @COHORT_STAT_MSGS_TX: messages sent
 * @COHORT_STAT_MSGS_RX: messages received
 * @COHORT_STAT_BYTES_TX: bytes sent, headers included
 * @COHORT_STAT_BYTES_RX: bytes received, headers included
 * @COHORT_STAT_RECONNECTS: connections established after the first
 * @COHORT_STAT_AUTH_FAILURES: handshakes this peer failed
 * @COHORT_STAT_MALFORMED: connections closed for a malformed frame
 * @COHORT_STAT_RTT_US: last heartbeat round trip, microseconds
 * @COHORT_STAT_PAD: padding
 */
enum cohort_stat_attr {
	COHORT_STAT_UNSPEC,
	COHORT_STAT_MSGS_TX,
	COHORT_STAT_MSGS_RX,
	COHORT_STAT_BYTES_TX,
	COHORT_STAT_BYTES_RX,
	COHORT_STAT_RECONNECTS,
	COHORT_STAT_AUTH_FAILURES,
	COHORT_STAT_MALFORMED,
	COHORT_STAT_RTT_US,
	COHORT_STAT_PAD,

	__COHORT_STAT_MAX,
};

#define COHORT_STAT_MAX (__COHORT_STAT_MAX - 1)

#define COHORT_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_COHORT_H */
