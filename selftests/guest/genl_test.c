// SPDX-License-Identifier: GPL-2.0
/*
 * The "cohort" generic netlink family: INFO_GET and NODE_SET_SELF round
 * trips, every kind of bad input (with its error code and extack text),
 * privilege checks, and one independent node per network namespace.
 * Runs as root in a guest with cohort.ko loaded.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "util.h"
#include "genl.h"

static int info(int fd, int fam, struct result *res)
{
	struct req r;

	req_init(&r, fam, COHORT_CMD_INFO_GET);
	return genl_call(fd, &r, res);
}

static int set_self(int fd, int fam, uint32_t id, const char *name,
		    struct result *res)
{
	struct req r;

	req_init(&r, fam, COHORT_CMD_NODE_SET_SELF);
	req_put_u32(&r, COHORT_A_NODE_ID, id);
	req_put_str(&r, COHORT_A_NODE_NAME, name);
	return genl_call(fd, &r, res);
}

FIXTURE(genl) {
	int fd;
	int fam;
};

FIXTURE_SETUP(genl)
{
	self->fd = genl_open();
	ASSERT_LE(0, self->fd);
	self->fam = genl_family(self->fd, COHORT_GENL_NAME);
	ASSERT_LT(0, self->fam) TH_LOG("family 'cohort' not registered: module not loaded?");
}

FIXTURE_TEARDOWN(genl)
{
	close(self->fd);
}

TEST_F(genl, info_get)
{
	struct result res;
	char sysver[64] = "";
	FILE *f;

	ASSERT_EQ(0, info(self->fd, self->fam, &res));
	ASSERT_EQ(0, res.error);
	ASSERT_TRUE(res.have_reply);
	EXPECT_EQ(COHORT_PROTO_VERSION, res.proto);
	f = fopen("/sys/kernel/cohort/version", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(sysver, sizeof(sysver), f));
	fclose(f);
	sysver[strcspn(sysver, "\n")] = '\0';
	EXPECT_STREQ(sysver, res.version);
	EXPECT_NE(0, res.version[0]);
}

TEST_F(genl, set_self_round_trip)
{
	struct result res;

	ASSERT_EQ(0, set_self(self->fd, self->fam, 42, "alpha-1.b_c", &res));
	ASSERT_EQ(0, res.error) TH_LOG("extack: %s", res.msg);
	ASSERT_EQ(0, info(self->fd, self->fam, &res));
	EXPECT_EQ(42, res.node_id);
	EXPECT_STREQ("alpha-1.b_c", res.node_name);
	/* sysfs shows the initial namespace's node, which this is. */
	EXPECT_EQ(42, read_long("/sys/kernel/cohort/node_id"));

	ASSERT_EQ(0, set_self(self->fd, self->fam, COHORT_NODE_ID_MAX, "z", &res));
	ASSERT_EQ(0, res.error);
	ASSERT_EQ(0, info(self->fd, self->fam, &res));
	EXPECT_EQ(COHORT_NODE_ID_MAX, res.node_id);
	EXPECT_STREQ("z", res.node_name);
}

TEST_F(genl, missing_attributes)
{
	long before = read_long("/sys/kernel/cohort/stats/netlink_rejected");
	struct result res;
	struct req r;

	req_init(&r, self->fam, COHORT_CMD_NODE_SET_SELF);
	req_put_str(&r, COHORT_A_NODE_NAME, "n1");
	ASSERT_EQ(0, genl_call(self->fd, &r, &res));
	EXPECT_EQ(-EINVAL, res.error);
	EXPECT_EQ(COHORT_A_NODE_ID, res.miss_type);
	EXPECT_NE(NULL, strstr(res.msg, "node id is required")) TH_LOG("msg: %s", res.msg);

	req_init(&r, self->fam, COHORT_CMD_NODE_SET_SELF);
	req_put_u32(&r, COHORT_A_NODE_ID, 1);
	ASSERT_EQ(0, genl_call(self->fd, &r, &res));
	EXPECT_EQ(-EINVAL, res.error);
	EXPECT_EQ(COHORT_A_NODE_NAME, res.miss_type);
	EXPECT_NE(NULL, strstr(res.msg, "node name is required")) TH_LOG("msg: %s", res.msg);

	EXPECT_EQ(before + 2, read_long("/sys/kernel/cohort/stats/netlink_rejected"));
}

TEST_F(genl, out_of_range_ids)
{
	static const uint32_t bad[] = { 0, COHORT_NODE_ID_MAX + 1, 0xffffffff };
	struct result res;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(0, set_self(self->fd, self->fam, bad[i], "n1", &res));
		EXPECT_EQ(-EINVAL, res.error) TH_LOG("id %u accepted", bad[i]);
		EXPECT_NE(NULL, strstr(res.msg, "out of range")) TH_LOG("msg: %s", res.msg);
	}
}

TEST_F(genl, bad_names)
{
	static const char *bad[] = {
		"", "-lead", ".lead", "has space", "semi;colon", "slash/x",
		"uni\xc3\xa9",
		/* 64 characters: one too many */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct result res;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(0, set_self(self->fd, self->fam, 5, bad[i], &res));
		EXPECT_EQ(-EINVAL, res.error) TH_LOG("name '%s' accepted", bad[i]);
		EXPECT_NE(0, res.msg[0]) TH_LOG("no extack for '%s'", bad[i]);
	}
	/* 63 characters: the longest valid name */
	ASSERT_EQ(0, set_self(self->fd, self->fam, 5,
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			      &res));
	EXPECT_EQ(0, res.error) TH_LOG("msg: %s", res.msg);
}

TEST_F(genl, malformed_requests)
{
	struct result res;
	struct req r;
	uint8_t u8 = 1;

	/* A string without its NUL */
	req_init(&r, self->fam, COHORT_CMD_NODE_SET_SELF);
	req_put_u32(&r, COHORT_A_NODE_ID, 3);
	req_put(&r, COHORT_A_NODE_NAME, "abc", 3);
	ASSERT_EQ(0, genl_call(self->fd, &r, &res));
	EXPECT_EQ(-EINVAL, res.error);

	/* A u32 attribute one byte long */
	req_init(&r, self->fam, COHORT_CMD_NODE_SET_SELF);
	req_put(&r, COHORT_A_NODE_ID, &u8, 1);
	req_put_str(&r, COHORT_A_NODE_NAME, "abc");
	ASSERT_EQ(0, genl_call(self->fd, &r, &res));
	EXPECT_EQ(-EINVAL, res.error);
	EXPECT_NE(0, res.msg[0]);

	/* An unknown attribute type */
	req_init(&r, self->fam, COHORT_CMD_NODE_SET_SELF);
	req_put_u32(&r, COHORT_A_NODE_ID, 3);
	req_put_str(&r, COHORT_A_NODE_NAME, "abc");
	req_put_u32(&r, COHORT_A_MAX + 7, 1);
	ASSERT_EQ(0, genl_call(self->fd, &r, &res));
	EXPECT_EQ(-EINVAL, res.error);

	/* INFO_GET takes no attributes */
	req_init(&r, self->fam, COHORT_CMD_INFO_GET);
	req_put_u32(&r, COHORT_A_NODE_ID, 3);
	ASSERT_EQ(0, genl_call(self->fd, &r, &res));
	EXPECT_EQ(-EINVAL, res.error);
	EXPECT_FALSE(res.have_reply);

	/* Reserved header byte set */
	req_init(&r, self->fam, COHORT_CMD_INFO_GET);
	r.genl.reserved = 1;
	ASSERT_EQ(0, genl_call(self->fd, &r, &res));
	EXPECT_EQ(-EINVAL, res.error);
	EXPECT_NE(NULL, strstr(res.msg, "reserved")) TH_LOG("msg: %s", res.msg);

	/* An unknown command */
	req_init(&r, self->fam, COHORT_CMD_MAX + 1);
	ASSERT_EQ(0, genl_call(self->fd, &r, &res));
	EXPECT_EQ(-EOPNOTSUPP, res.error);
}

/* Become "nobody": no capabilities left. */
static int drop_to_nobody(void)
{
	return setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534);
}

/* Run @fn in a child; return its exit status (0 = all its checks held). */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int child_unprivileged(void *arg)
{
	struct result res;
	int fd, fam;

	if (drop_to_nobody())
		return 10;
	fd = genl_open();
	fam = genl_family(fd, COHORT_GENL_NAME);
	if (fd < 0 || fam < 0)
		return 11;
	/* Reading is allowed to anyone. */
	if (info(fd, fam, &res) || res.error || !res.have_reply)
		return 12;
	/* Changing is not, and the reason is given. */
	if (set_self(fd, fam, 9, "intruder", &res))
		return 13;
	if (res.error != -EPERM)
		return 14;
	if (!strstr(res.msg, "CAP_NET_ADMIN"))
		return 15;
	return 0;
}

TEST_F(genl, unprivileged_caller)
{
	struct result res;

	ASSERT_EQ(0, set_self(self->fd, self->fam, 8, "before", &res));
	ASSERT_EQ(0, in_child(child_unprivileged, NULL));
	ASSERT_EQ(0, info(self->fd, self->fam, &res));
	EXPECT_EQ(8, res.node_id);
	EXPECT_STREQ("before", res.node_name);
}

static int child_netns(void *arg)
{
	const char *name = arg;
	struct result res;
	int fd, fam;

	if (unshare(CLONE_NEWNET))
		return 20;
	fd = genl_open();
	fam = genl_family(fd, COHORT_GENL_NAME);
	if (fd < 0 || fam < 0)
		return 21;
	/* A new namespace is a new, unconfigured node. */
	if (info(fd, fam, &res) || res.error || res.node_id != 0 ||
	    res.node_name[0])
		return 22;
	if (set_self(fd, fam, 77, name, &res) || res.error)
		return 23;
	if (info(fd, fam, &res) || res.node_id != 77 || strcmp(res.node_name, name))
		return 24;
	/* sysfs keeps showing the initial namespace's node. */
	if (read_long("/sys/kernel/cohort/node_id") == 77)
		return 25;
	return 0;
}

TEST_F(genl, netns_independent_nodes)
{
	struct result res;
	long before, now;
	int i;

	ASSERT_EQ(0, set_self(self->fd, self->fam, 10, "initns", &res));
	before = read_long("/sys/kernel/cohort/stats/instances");
	ASSERT_LT(0, before);
	ASSERT_EQ(0, in_child(child_netns, "ns-a"));
	ASSERT_EQ(0, in_child(child_netns, "ns-b"));
	ASSERT_EQ(0, info(self->fd, self->fam, &res));
	EXPECT_EQ(10, res.node_id);
	EXPECT_STREQ("initns", res.node_name);
	/* Every instance created was destroyed (namespace cleanup is async). */
	for (i = 0; i < 100; i++) {
		now = read_long("/sys/kernel/cohort/stats/instances");
		if (now == before)
			break;
		usleep(100000);
	}
	EXPECT_EQ(before, now);
}

/* @arg: whether the module lets a user namespace's admin run its node. */
static int child_userns(void *arg)
{
	bool allowed = arg;
	struct result res;
	int fd, fam;

	if (drop_to_nobody())
		return 30;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 4;	/* unprivileged user namespaces are off */
	fd = genl_open();
	fam = genl_family(fd, COHORT_GENL_NAME);
	if (fd < 0 || fam < 0)
		return 31;
	if (set_self(fd, fam, 3, "container", &res))
		return 32;
	if (!allowed) {
		/* Admin of its own namespace only: refused, saying why. */
		if (res.error != -EPERM ||
		    !strstr(res.msg, "initial user namespace"))
			return 34;
		return 0;
	}
	/* userns_nodes: it may configure its own node. */
	if (res.error)
		return 35;
	if (info(fd, fam, &res) || res.node_id != 3)
		return 33;
	return 0;
}

static int set_userns_nodes(const char *v)
{
	FILE *f = fopen("/sys/module/cohort/parameters/userns_nodes", "w");
	int err;

	if (!f)
		return -1;
	err = fputs(v, f) < 0;
	return fclose(f) || err ? -1 : 0;
}

TEST_F(genl, user_namespace_admin)
{
	int rc;

	/* By default only CAP_NET_ADMIN in the initial namespace counts. */
	ASSERT_EQ(0, set_userns_nodes("0"));
	rc = in_child(child_userns, (void *)false);
	if (rc == 4)
		SKIP(return, "unprivileged user namespaces are disabled");
	ASSERT_EQ(0, rc);
	ASSERT_EQ(0, set_userns_nodes("1"));
	rc = in_child(child_userns, (void *)true);
	set_userns_nodes("0");
	ASSERT_EQ(0, rc);
}

static int node_add(int fd, int fam, uint32_t id, const char *name,
		    const void *a4, const void *a6, struct result *res)
{
	struct req r;

	req_init(&r, fam, COHORT_CMD_NODE_ADD);
	req_put_u32(&r, COHORT_A_NODE_ID, id);
	req_put_str(&r, COHORT_A_NODE_NAME, name);
	if (a4)
		req_put(&r, COHORT_A_NODE_ADDR4, a4, 4);
	if (a6)
		req_put(&r, COHORT_A_NODE_ADDR6, a6, 16);
	return genl_call(fd, &r, res);
}

#define CHILD_CHECK(cond, code) do { if (!(cond)) return (code); } while (0)

/* The node table, in a fresh namespace so the real node is untouched. */
static int child_node_table(void *arg)
{
	static const unsigned char a1[4] = { 10, 9, 0, 1 }, a2[4] = { 10, 9, 0, 2 };
	static const unsigned char mc[4] = { 224, 0, 0, 1 };
	static const unsigned char v6[16] = { 0xfd, 0, [15] = 3 };
	unsigned char key[8] = { 0 };
	struct result res;
	struct req r;
	int fd, fam, i;

	if (unshare(CLONE_NEWNET))
		return 40;
	fd = genl_open();
	fam = genl_family(fd, COHORT_GENL_NAME);
	CHILD_CHECK(fd >= 0 && fam > 0, 41);

	CHILD_CHECK(!node_add(fd, fam, 1, "n1", a1, NULL, &res) && !res.error, 42);
	CHILD_CHECK(!node_add(fd, fam, 3, "n3", NULL, v6, &res) && !res.error, 43);
	/* duplicates */
	node_add(fd, fam, 1, "other", a2, NULL, &res);
	CHILD_CHECK(res.error == -EEXIST && strstr(res.msg, "exists"), 44);
	node_add(fd, fam, 2, "n1", a2, NULL, &res);
	CHILD_CHECK(res.error == -EEXIST && strstr(res.msg, "name"), 45);
	node_add(fd, fam, 2, "n2", a1, NULL, &res);
	CHILD_CHECK(res.error == -EEXIST && strstr(res.msg, "address"), 46);
	/* addresses: none, both, multicast */
	node_add(fd, fam, 2, "n2", NULL, NULL, &res);
	CHILD_CHECK(res.error == -EINVAL && strstr(res.msg, "address"), 47);
	node_add(fd, fam, 2, "n2", a2, v6, &res);
	CHILD_CHECK(res.error == -EINVAL && strstr(res.msg, "not both"), 48);
	node_add(fd, fam, 2, "n2", mc, NULL, &res);
	CHILD_CHECK(res.error == -EINVAL && strstr(res.msg, "unicast"), 49);
	/* a wrong-size address */
	req_init(&r, fam, COHORT_CMD_NODE_ADD);
	req_put_u32(&r, COHORT_A_NODE_ID, 2);
	req_put_str(&r, COHORT_A_NODE_NAME, "n2");
	req_put(&r, COHORT_A_NODE_ADDR4, a2, 3);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EINVAL, 50);
	/* get, del */
	req_init(&r, fam, COHORT_CMD_NODE_GET);
	req_put_u32(&r, COHORT_A_NODE_ID, 3);
	CHILD_CHECK(!genl_call(fd, &r, &res) && !res.error && res.have_reply &&
		    res.node_id == 3 && !strcmp(res.node_name, "n3"), 51);
	req_init(&r, fam, COHORT_CMD_NODE_GET);
	req_put_u32(&r, COHORT_A_NODE_ID, 9);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -ENOENT, 52);
	/* dump: the whole table, and no attributes allowed */
	req_init(&r, fam, COHORT_CMD_NODE_GET);
	r.nlh.nlmsg_flags |= NLM_F_DUMP;
	CHILD_CHECK(!genl_call(fd, &r, &res) && !res.error && res.have_reply &&
		    res.node_id == 3, 62);
	req_init(&r, fam, COHORT_CMD_NODE_GET);
	r.nlh.nlmsg_flags |= NLM_F_DUMP;
	req_put_u32(&r, COHORT_A_NODE_ID, 3);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EINVAL && !res.have_reply, 63);
	req_init(&r, fam, COHORT_CMD_NODE_DEL);
	req_put_u32(&r, COHORT_A_NODE_ID, 3);
	CHILD_CHECK(!genl_call(fd, &r, &res) && !res.error, 53);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -ENOENT && strstr(res.msg, "no node"), 54);
	/* cluster settings: a key too short, a timeout out of range */
	req_init(&r, fam, COHORT_CMD_CLUSTER_SET);
	req_put(&r, COHORT_A_CLUSTER_KEY, key, sizeof(key));
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EINVAL && res.msg[0], 55);
	req_init(&r, fam, COHORT_CMD_CLUSTER_SET);
	req_put_u32(&r, COHORT_A_DEAD_TIMEOUT_MS, 100);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EINVAL && res.msg[0], 56);
	/* ping: no such node, and a node that is not up */
	req_init(&r, fam, COHORT_CMD_PING);
	req_put_u32(&r, COHORT_A_NODE_ID, 9);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -ENOENT, 57);
	req_init(&r, fam, COHORT_CMD_PING);
	req_put_u32(&r, COHORT_A_NODE_ID, 1);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EHOSTDOWN && strstr(res.msg, "not up"), 58);
	/* ping: a count of 0, or over COHORT_PING_COUNT_MAX, is refused */
	req_init(&r, fam, COHORT_CMD_PING);
	req_put_u32(&r, COHORT_A_NODE_ID, 1);
	req_put_u32(&r, COHORT_A_PING_COUNT, 0);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EINVAL && res.msg[0], 64);
	req_init(&r, fam, COHORT_CMD_PING);
	req_put_u32(&r, COHORT_A_NODE_ID, 1);
	req_put_u32(&r, COHORT_A_PING_COUNT, COHORT_PING_COUNT_MAX + 1);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EINVAL && res.msg[0], 65);
	/* ping: a round trip given 0 ms, or over COHORT_PING_TIMEOUT_MAX_MS */
	req_init(&r, fam, COHORT_CMD_PING);
	req_put_u32(&r, COHORT_A_NODE_ID, 1);
	req_put_u32(&r, COHORT_A_PING_TIMEOUT_MS, 0);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EINVAL && res.msg[0], 66);
	req_init(&r, fam, COHORT_CMD_PING);
	req_put_u32(&r, COHORT_A_NODE_ID, 1);
	req_put_u32(&r, COHORT_A_PING_TIMEOUT_MS, COHORT_PING_TIMEOUT_MAX_MS + 1);
	genl_call(fd, &r, &res);
	CHILD_CHECK(res.error == -EINVAL && res.msg[0], 67);
	/* the table is bounded */
	for (i = 10; i < 10 + COHORT_NODES_MAX; i++) {
		unsigned char a[4] = { 10, 8, i / 256, i % 256 };
		char name[16];

		snprintf(name, sizeof(name), "x%d", i);
		node_add(fd, fam, i, name, a, NULL, &res);
		if (res.error)
			break;
	}
	CHILD_CHECK(res.error == -ENOSPC && strstr(res.msg, "full"), 59);
	return 0;
}

TEST_F(genl, node_table)
{
	ASSERT_EQ(0, in_child(child_node_table, NULL));
}

static int child_unprivileged_table(void *arg)
{
	static const unsigned char a1[4] = { 10, 9, 0, 1 };
	struct result res;
	int fd, fam;

	if (drop_to_nobody())
		return 60;
	fd = genl_open();
	fam = genl_family(fd, COHORT_GENL_NAME);
	node_add(fd, fam, 5, "n5", a1, NULL, &res);
	CHILD_CHECK(res.error == -EPERM && strstr(res.msg, "CAP_NET_ADMIN"), 61);
	return 0;
}

TEST_F(genl, node_table_needs_privilege)
{
	ASSERT_EQ(0, in_child(child_unprivileged_table, NULL));
}

TEST_HARNESS_MAIN
