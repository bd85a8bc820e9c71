// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/cohort/ and /dev/cohort: files present, tunables validated
 * on write, the device opens and refuses what it does not do yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/cohort.h>

#include "kselftest_harness.h"
#include "util.h"

#define TUNABLE "/sys/kernel/cohort/dead_timeout_ms"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

TEST(files_present)
{
	static const char *files[] = {
		"version", "protocol_version", "frame_mac", "node_id", "node_name",
		"dead_timeout_ms", "max_nodes", "stats/netlink_rejected",
		"stats/instances", "stats/accept_unknown",
		"stats/frames_refused",
	};
	char path[128];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/cohort/%s", files[i]);
		EXPECT_EQ(0, stat(path, &st)) TH_LOG("missing %s", path);
	}
	EXPECT_EQ(COHORT_PROTO_VERSION,
		  read_long("/sys/kernel/cohort/protocol_version"));
	/* Read-only files refuse writes. */
	EXPECT_NE(0, write_str("/sys/kernel/cohort/version", "9.9"));
	EXPECT_NE(0, write_str("/sys/kernel/cohort/frame_mac", "none"));
}

/* The frame MAC is protocol 4's. */
TEST(frame_mac_named)
{
	char mac[32] = "";
	FILE *f = fopen("/sys/kernel/cohort/frame_mac", "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(mac, sizeof(mac), f));
	fclose(f);
	EXPECT_STREQ("chacha20-poly1305\n", mac);
}

TEST(tunable_validated)
{
	long old = read_long(TUNABLE);
	char buf[32];

	ASSERT_LT(0, old);
	EXPECT_EQ(-EINVAL, write_str(TUNABLE, "100"));		/* below min */
	EXPECT_EQ(-EINVAL, write_str(TUNABLE, "60001"));	/* above max */
	EXPECT_EQ(-EINVAL, write_str(TUNABLE, "abc"));
	EXPECT_EQ(-EINVAL, write_str(TUNABLE, "-5"));
	EXPECT_EQ(-EINVAL, write_str(TUNABLE, "\n"));
	EXPECT_EQ(old, read_long(TUNABLE));
	EXPECT_EQ(0, write_str(TUNABLE, "5000\n"));
	EXPECT_EQ(5000, read_long(TUNABLE));
	EXPECT_EQ(0, write_str(TUNABLE, "500"));
	EXPECT_EQ(500, read_long(TUNABLE));
	snprintf(buf, sizeof(buf), "%ld", old);
	EXPECT_EQ(0, write_str(TUNABLE, buf));
	EXPECT_EQ(old, read_long(TUNABLE));
}

TEST(max_nodes_validated)
{
	const char *f = "/sys/kernel/cohort/max_nodes";
	long old = read_long(f);
	char buf[32];

	ASSERT_LT(0, old);
	EXPECT_EQ(-EINVAL, write_str(f, "0"));
	EXPECT_EQ(-EINVAL, write_str(f, "65"));
	EXPECT_EQ(-EINVAL, write_str(f, "x"));
	EXPECT_EQ(0, write_str(f, "8"));
	EXPECT_EQ(8, read_long(f));
	snprintf(buf, sizeof(buf), "%ld", old);
	EXPECT_EQ(0, write_str(f, buf));
}

TEST(chardev)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat("/dev/cohort", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* Open to all: every request checks its caller. */
	EXPECT_EQ(0666, st.st_mode & 07777);
	fd = open("/dev/cohort", O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, 0x1234, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, lseek(fd, 10, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	close(fd);
}

TEST_HARNESS_MAIN
