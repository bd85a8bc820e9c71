// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the node name rules (kernel/net/name.h), built with
 * AddressSanitizer and UBSan.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "../../kernel/net/name.h"

TEST(valid_names)
{
	static const char *ok[] = {
		"a", "Z", "0", "node1", "node-1", "n.example_b",
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		EXPECT_TRUE(cohort_name_valid(ok[i], 64)) TH_LOG("%s", ok[i]);
}

TEST(invalid_names)
{
	static const char *bad[] = {
		"", "-a", ".a", "_a", "a b", "a/b", "a\tb", "a\xff", "a:b", "\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_FALSE(cohort_name_valid(bad[i], 64)) TH_LOG("%s", bad[i]);
}

TEST(length_limit)
{
	char buf[80];

	memset(buf, 'x', sizeof(buf));
	buf[63] = '\0';			/* 63 characters: fits in 64 */
	EXPECT_TRUE(cohort_name_valid(buf, 64));
	buf[63] = 'x';
	buf[64] = '\0';			/* 64 characters: too long */
	EXPECT_FALSE(cohort_name_valid(buf, 64));
	buf[1] = '\0';
	EXPECT_FALSE(cohort_name_valid(buf, 1));	/* no room at all */
	EXPECT_TRUE(cohort_name_valid(buf, 2));
}

TEST_HARNESS_MAIN
