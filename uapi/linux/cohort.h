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

#include <linux/ioctl.h>
#include <linux/types.h>

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

/* Longest a PING's round trip may be given (%COHORT_A_PING_TIMEOUT_MS). */
#define COHORT_PING_TIMEOUT_MAX_MS	600000

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
 * @COHORT_CMD_MIGRATE: move process %COHORT_A_PID (in the caller's PID
 *	namespace) to node %COHORT_A_NODE_ID, stop and copy: the caller must
 *	be able to trace the process. The process is frozen, its image sent
 *	and restored there; it ends here only once it runs there, else it
 *	goes on here untouched and the extack says why. Replies
 *	%COHORT_A_MIG_REMOTE_PID, %COHORT_A_MIG_BYTES, %COHORT_A_MIG_PAGES,
 *	%COHORT_A_MIG_FREEZE_US and %COHORT_A_MIG_TOTAL_US
 * @COHORT_CMD_MIGRATE_IN_NTF: event: node %COHORT_A_NODE_ID sent the image
 *	of its process %COHORT_A_PID as incoming migration %COHORT_A_MIG_ID;
 *	cohortd starts a restorer that fetches it with
 *	%COHORT_IOC_MIGRATE_FETCH
 * @COHORT_CMD_PS: dump of the migrated processes of the cluster, one
 *	message each, as every node in the table lists the processes that
 *	run there from elsewhere: where it runs (%COHORT_A_NODE_ID), its PID
 *	there (%COHORT_A_PID), its home node and PID (%COHORT_A_HOME_NODE,
 *	%COHORT_A_HOME_PID), the node it came from (%COHORT_A_MIG_FROM) and
 *	its command name (%COHORT_A_COMM). A node that did not answer has a
 *	message of its own: %COHORT_A_NODE_ID and %COHORT_A_REASON. Any user.
 * @COHORT_CMD_MIGRATE_OUT_NTF: event: a migration of process %COHORT_A_PID
 *	(its PID in the initial PID namespace) to node %COHORT_A_NODE_ID has
 *	ended, with %COHORT_A_MIG_OUTCOME (&enum cohort_mig_outcome); when it
 *	did not move, %COHORT_A_MIG_ERRNO and %COHORT_A_REASON say why; when
 *	it moved, %COHORT_A_MIG_REMOTE_PID. %COHORT_A_MIG_BYTES,
 *	%COHORT_A_MIG_FREEZE_US and %COHORT_A_MIG_TOTAL_US as MIGRATE replies
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
	COHORT_CMD_MIGRATE,
	COHORT_CMD_MIGRATE_IN_NTF,
	COHORT_CMD_PS,
	COHORT_CMD_MIGRATE_OUT_NTF,

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
 * @COHORT_A_PID: a process id (u32)
 * @COHORT_A_MIG_ID: an incoming migration, unique per sending node (u64)
 * @COHORT_A_MIG_BYTES: image bytes sent (u64)
 * @COHORT_A_MIG_PAGES: memory pages in the image (u64)
 * @COHORT_A_MIG_FREEZE_US: how long the process ran nowhere (u64)
 * @COHORT_A_MIG_TOTAL_US: the whole migration, request to reply (u64)
 * @COHORT_A_MIG_REMOTE_PID: the process's id on the destination (u32)
 * @COHORT_A_PING_TIMEOUT_MS: how long each PING round trip may take, in ms
 *	(u32, 1 to %COHORT_PING_TIMEOUT_MAX_MS; default 10 s plus 2 s for
 *	every 256 KiB of payload)
 * @COHORT_A_HOME_NODE: a migrated process's home: the node it started on
 *	(u32)
 * @COHORT_A_HOME_PID: its PID on its home node (u32)
 * @COHORT_A_MIG_FROM: the node a migrated process came from last (u32)
 * @COHORT_A_COMM: a process's command name (NUL-terminated string)
 * @COHORT_A_MIG_OUTCOME: how a migration ended (u32, &enum
 *	cohort_mig_outcome)
 * @COHORT_A_MIG_ERRNO: why a migration failed: a positive errno (u32)
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
	COHORT_A_PID,
	COHORT_A_MIG_ID,
	COHORT_A_MIG_BYTES,
	COHORT_A_MIG_PAGES,
	COHORT_A_MIG_FREEZE_US,
	COHORT_A_MIG_TOTAL_US,
	COHORT_A_MIG_REMOTE_PID,
	COHORT_A_PING_TIMEOUT_MS,
	COHORT_A_HOME_NODE,
	COHORT_A_HOME_PID,
	COHORT_A_MIG_FROM,
	COHORT_A_COMM,
	COHORT_A_MIG_OUTCOME,
	COHORT_A_MIG_ERRNO,

	__COHORT_A_MAX,
};

#define COHORT_A_MAX (__COHORT_A_MAX - 1)

/**
 * enum cohort_mig_outcome - how a migration ended (%COHORT_A_MIG_OUTCOME)
 * @COHORT_MIG_MOVED: it runs on the destination now
 * @COHORT_MIG_FAILED: it did not move, and goes on where it was
 * @COHORT_MIG_UNKNOWN: the destination never answered the commit: the
 *	process was ended at the source and may run at the destination
 * @COHORT_MIG_LOST: later, at its home: the node it ran on went down; its
 *	deputy ended as if killed by SIGKILL (%COHORT_A_NODE_ID: that node)
 */
enum cohort_mig_outcome {
	COHORT_MIG_MOVED,
	COHORT_MIG_FAILED,
	COHORT_MIG_UNKNOWN,
	COHORT_MIG_LOST,
};

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

/*
 * Process checkpoint and restore: requests on /dev/cohort.
 *
 * COHORT_IOC_CHECKPOINT writes the image of a running single-threaded
 * process into a file descriptor of the caller (a regular file, a pipe).
 * Restore runs in a restorer process that becomes the image:
 * COHORT_IOC_RESTORE_PREPARE reads and checks the whole image and finds a
 * hole of its memory layout for the stub region; the stub (a libc-free
 * blob in that region, see userspace/stub/) then asks
 * COHORT_IOC_RESTORE_MM to replace its memory with the image's, runs the
 * system calls the module left in the region, loads the FPU, and asks
 * COHORT_IOC_RESTORE_FINISH to set the registers and return as the
 * process. The image format is described in Documentation/process-image.md.
 */
#define COHORT_IOC_MAGIC	0xC7
#define COHORT_REASON_MAX	160

/* checkpoint flags */
#define COHORT_CKPT_STOP	0x1	/* leave the process stopped (SIGSTOP) */
#define COHORT_CKPT_FLAGS	0x1

/**
 * struct cohort_checkpoint_req - argument of %COHORT_IOC_CHECKPOINT
 * @pid: the process, in the caller's PID namespace
 * @fd: where the image goes; the caller's descriptor, open for writing
 * @flags: %COHORT_CKPT_*
 * @timeout_ms: how long to wait for the process to reach a point where it
 *	can be saved (0: 10 s); it is not touched if the time runs out
 * @bytes: out: bytes written
 * @pages: out: memory pages in the image
 * @freeze_ns: out: how long the process was held
 * @reason: out: why the request was refused, NUL-terminated
 */
struct cohort_checkpoint_req {
	__u32 pid;
	__s32 fd;
	__u32 flags;
	__u32 timeout_ms;
	__u64 bytes;
	__u64 pages;
	__u64 freeze_ns;
	char reason[COHORT_REASON_MAX];
};

/**
 * struct cohort_restore_req - argument of %COHORT_IOC_RESTORE_PREPARE
 * @fd: the image, open for reading at its start
 * @flags: none yet (0)
 * @region_len: size of the stub region wanted
 * @after: look for a hole at or above this address
 * @region: out: start of a hole of the image's layout of @region_len bytes
 * @max_fd: out: highest descriptor number the image uses (-1: none)
 * @pid: out: the process id recorded in the image
 * @pages: out: memory pages in the image
 * @data_need: out: bytes the module needs in the stub region for @calls,
 *	the FPU state and what the calls point to
 * @reason: out: why the image was refused, NUL-terminated
 */
struct cohort_restore_req {
	__s32 fd;
	__u32 flags;
	__u64 region_len;
	__u64 after;
	__u64 region;
	__s32 max_fd;
	__u32 pid;
	__u64 pages;
	__u64 data_need;
	char reason[COHORT_REASON_MAX];
};

/*
 * One system call the stub makes for the module (what a module cannot do
 * itself: arch_prctl, rt_sigaction, PR_SET_MM_MAP, mremap of the vdso...).
 * Bit i of @from set: args[i] is the index of an earlier call, whose result
 * is passed instead.
 */
#define COHORT_STUB_MAY_FAIL	0x1	/* an error does not stop the restore */
/*
 * Not a system call: move descriptor args[0] to args[1] (dup3 with flags
 * args[2], then close args[0]), nothing if they are the same.
 */
#define COHORT_STUB_NR_MOVE_FD	0xffffffffULL

struct cohort_stub_call {
	__u64 nr;
	__u64 args[6];
	__s64 result;
	__u32 from;
	__u32 flags;
};

/**
 * struct cohort_migrate_fetch - argument of %COHORT_IOC_MIGRATE_FETCH
 *	(CAP_SYS_ADMIN): the image of an incoming migration, for its
 *	restorer. A restore from that descriptor waits in
 *	%COHORT_IOC_RESTORE_FINISH until the sending node commits (the
 *	process then runs here) or gives up (the restorer exits).
 * @node: the sending node (%COHORT_A_NODE_ID of the event)
 * @pad: 0
 * @id: the migration (%COHORT_A_MIG_ID of the event)
 * @fd: out: the image, open for reading (close-on-exec)
 */
struct cohort_migrate_fetch {
	__u32 node;
	__u32 pad;
	__u64 id;
	__s32 fd;
	__u32 pad2;
};

/**
 * struct cohort_migrate_self - argument of %COHORT_IOC_MIGRATE_SELF: the
 *	calling process, single-threaded, moves itself to @node (the same
 *	two phases as %COHORT_CMD_MIGRATE). The call returns 0 on @node,
 *	the process running there; or -1 here, the process going on, with
 *	errno, @reason and what was saved filled in.
 * @node: the destination node
 * @pad: 0
 * @bytes: out, on failure: image bytes written
 * @pages: out, on failure: memory pages in the image
 * @reason: out, on failure: why it is not migrated, NUL-terminated
 */
struct cohort_migrate_self {
	__u32 node;
	__u32 pad;
	__u64 bytes;
	__u64 pages;
	char reason[COHORT_REASON_MAX];
};

#define COHORT_STUB_MAGIC	0x62757473746f6863ULL	/* "chotstub" */

/**
 * struct cohort_stub_args - the stub region's header, shared by the
 *	restorer, the stub and the module (%COHORT_IOC_RESTORE_MM's argument)
 * @magic: %COHORT_STUB_MAGIC
 * @region: start of the stub region (this header is inside it)
 * @region_len: its length
 * @data: start of the part of the region the module fills
 * @data_len: its length
 * @dev_fd: the restorer's /dev/cohort descriptor
 * @img_fd: the image's descriptor
 * @report_fd: where the outcome is written ("ok PID\n" or the reason), -1: none
 * @ncalls: out: number of calls at @calls
 * @calls: out: the system calls to make, in order
 * @xstate: out: the XSAVE (or FXSAVE) image to load, 64-byte aligned, or 0
 * @xfeatures: out: XRSTOR's requested feature bitmap
 * @xsave: out: 1 if @xstate is in XSAVE format, 0 if FXSAVE
 * @failed: out (stub): index of the call that failed
 * @status: out (stub): its result
 * @reason: out: why the module refused, NUL-terminated
 */
struct cohort_stub_args {
	__u64 magic;
	__u64 region;
	__u64 region_len;
	__u64 data;
	__u64 data_len;
	__s32 dev_fd;
	__s32 img_fd;
	__s32 report_fd;
	__u32 ncalls;
	__u64 calls;
	__u64 xstate;
	__u64 xfeatures;
	__u32 xsave;
	__u32 failed;
	__s64 status;
	char reason[COHORT_REASON_MAX];
};

#define COHORT_IOC_CHECKPOINT	_IOWR(COHORT_IOC_MAGIC, 1, struct cohort_checkpoint_req)
#define COHORT_IOC_RESTORE_PREPARE _IOWR(COHORT_IOC_MAGIC, 2, struct cohort_restore_req)
#define COHORT_IOC_RESTORE_MM	_IOWR(COHORT_IOC_MAGIC, 3, struct cohort_stub_args)
#define COHORT_IOC_RESTORE_FINISH _IOWR(COHORT_IOC_MAGIC, 4, struct cohort_stub_args)
#define COHORT_IOC_MIGRATE_FETCH _IOWR(COHORT_IOC_MAGIC, 5, struct cohort_migrate_fetch)
#define COHORT_IOC_MIGRATE_SELF	_IOWR(COHORT_IOC_MAGIC, 6, struct cohort_migrate_self)
/*
 * COHORT_IOC_GUESTS_REAP (no argument; CAP_SYS_ADMIN): cohortd, the parent
 * of the processes migrated to its node, asks it before it reaps them:
 * each that ended is taken off the node's guests and its home is told how
 * it ended (read from the zombie), for its deputy to end the same way.
 * Returns how many.
 */
#define COHORT_IOC_GUESTS_REAP	_IO(COHORT_IOC_MAGIC, 7)

/*
 * The process image: a header, then records, each a struct cohort_img_rec
 * followed by @len bytes and padding to 8; the last is %COHORT_REC_END,
 * whose CRC32 covers every byte before it. A reader refuses an unknown
 * version, an unknown record type, a record out of order or of the wrong
 * size. All numbers little-endian (x86-64 only).
 */
#define COHORT_IMG_MAGIC	"COHORTIM"
#define COHORT_IMG_VERSION	1
#define COHORT_IMG_PATH_MAX	4096

struct cohort_img_header {
	char magic[8];
	__u32 version;
	__u32 header_len;
};

struct cohort_img_rec {
	__u32 type;
	__u32 len;
};

enum cohort_img_rec_type {
	COHORT_REC_KERNEL = 1,	/* struct cohort_img_kernel */
	COHORT_REC_TASK,	/* struct cohort_img_task */
	COHORT_REC_GROUPS,	/* __u32 gids[] */
	COHORT_REC_REGS,	/* struct cohort_img_regs */
	COHORT_REC_FPU,		/* struct cohort_img_fpu + the state */
	COHORT_REC_SIGACTIONS,	/* struct cohort_img_sigaction[64] */
	COHORT_REC_MM,		/* struct cohort_img_mm + auxv words */
	COHORT_REC_EXE,		/* path, no NUL */
	COHORT_REC_CWD,		/* path, no NUL */
	COHORT_REC_VMA,		/* struct cohort_img_vma + path */
	COHORT_REC_PAGES,	/* struct cohort_img_pages + count pages */
	COHORT_REC_FILE,	/* struct cohort_img_file + path */
	COHORT_REC_END = 0xffff,	/* struct cohort_img_end */
};

struct cohort_img_kernel {
	char release[65];
	char version[65];
	__u8 pad[6];
	__u32 cpuid1_ecx;
	__u32 cpuid1_edx;
	__u32 cpuid7_ebx;
	__u32 cpuid7_ecx;
	__u32 cpuid7_edx;
	__u32 pad2;
	__u64 xcr0;
};

struct cohort_img_task {
	__u32 pid;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u32 umask;
	__u32 personality;
	__u32 exit_signal;
	__u32 pdeath_signal;
	__u32 sas_flags;
	__u64 cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;
	__u64 blocked;
	__u64 pending;
	__u64 sas_sp, sas_size;
	__u64 clear_child_tid;
	__u64 robust_list, robust_len;
	__u64 rseq, rseq_len, rseq_sig;
	__u64 rlim[16][2];
	char comm[16];
};

/* In the order of struct user_regs_struct. */
struct cohort_img_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	__u64 ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
	__u64 fs_base, gs_base, ds, es, fs, gs;
};

#define COHORT_FPU_FXSAVE	0	/* 512 bytes, FXSAVE format */
#define COHORT_FPU_XSAVE	1	/* XSAVE standard (uncompacted) format */

struct cohort_img_fpu {
	__u32 format;
	__u32 size;
	__u64 xcr0;
};

struct cohort_img_sigaction {
	__u64 handler, flags, restorer, mask;
};

struct cohort_img_mm {
	__u64 start_code, end_code, start_data, end_data;
	__u64 start_brk, brk, start_stack;
	__u64 arg_start, arg_end, env_start, env_end;
	__u64 vdso;
	__u32 auxv_words;
	__u32 pad;
};

/* what a VMA is */
#define COHORT_VMA_ANON		1	/* private anonymous */
#define COHORT_VMA_SHARED_ANON	2	/* shared anonymous (shmem) */
#define COHORT_VMA_FILE		3	/* private file mapping */
#define COHORT_VMA_SHARED_FILE	4	/* shared file mapping */
#define COHORT_VMA_VDSO		5	/* the kernel's vdso */
#define COHORT_VMA_VVAR		6	/* the vdso's data */

/* prot and flags of a VMA */
#define COHORT_VMA_READ		0x01
#define COHORT_VMA_WRITE	0x02
#define COHORT_VMA_EXEC		0x04
#define COHORT_VMA_GROWSDOWN	0x08
#define COHORT_VMA_DONTFORK	0x10
#define COHORT_VMA_DONTDUMP	0x20
#define COHORT_VMA_WIPEONFORK	0x40
#define COHORT_VMA_LOCKED	0x80
#define COHORT_VMA_MAYWRITE	0x100	/* shared mapping of a file opened for writing */
#define COHORT_VMA_NORESERVE	0x200	/* no swap space reserved (MAP_NORESERVE) */
#define COHORT_VMA_FLAGS	0x3ff

struct cohort_img_vma {
	__u64 start, end, pgoff;
	__u32 kind;
	__u32 flags;
	__u64 ino, dev, size;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 path_len;
};

struct cohort_img_pages {
	__u64 addr;
	__u32 count;
	__u32 pad;
};

#define COHORT_FILE_REG		1	/* regular file, reopened by path */
#define COHORT_FILE_DIR		2	/* directory, reopened by path */
#define COHORT_FILE_CHR		3	/* character device, reopened by path */
#define COHORT_FILE_STDIO	4	/* fd 0-2 of another kind: the restorer's own */

struct cohort_img_file {
	__s32 fd;
	__u32 kind;
	__u32 flags;		/* open(2) flags */
	__u32 cloexec;
	__s64 pos;
	__u32 path_len;
	__u32 pad;
};

struct cohort_img_end {
	__u32 crc;
	__u32 records;
	__u64 bytes;
};

#endif /* _UAPI_LINUX_COHORT_H */
