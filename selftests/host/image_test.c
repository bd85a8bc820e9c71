// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the process image reader and parser, the kernel's own
 * code (kernel/proc/image.c, parse.c) over kshim/, under ASan/UBSan: a
 * valid image is accepted whatever the read sizes; every truncation, a
 * byte after END and every bit flipped (checksum left alone) are refused
 * with a reason; every bit flipped with the checksum fixed up is refused
 * or, if accepted, leaves a parse restore.c can rely on.
 * COHORT_IMAGE_SEED=FILE writes the valid image there as image_fuzz's seed
 * (its first byte chooses the read size: 0, whole buffers), and the same
 * without its page to FILE-small (a mutation of it more often hits a
 * field).
 */
#include "kselftest_harness.h"
#include "image_common.h"

TEST(seed_accepted)
{
	struct file img = seed_image();
	char reason[COHORT_REASON_MAX];
	const char *path = getenv("COHORT_IMAGE_SEED");
	struct cohort_rst *rst;
	size_t rm;

	for (rm = 0; rm <= 4096; rm = rm ? rm * 3 : 1) {
		ASSERT_EQ(0, parse_buf(img.data, img.size, rm, &rst, reason)) {
			TH_LOG("read_max %zu: %s", rm, reason);
		}
		check_accepted(rst, img.size);
		EXPECT_EQ(2, rst->nvmas);
		EXPECT_EQ(2, rst->nfiles);
		EXPECT_EQ(3, rst->max_fd);
		EXPECT_EQ(1, rst->npages);
		EXPECT_EQ(42, rst->task.pid);
		EXPECT_STREQ("/tmp", rst->cwd);
		EXPECT_STREQ("/usr/bin/victim", rst->exe);
		EXPECT_TRUE(rst->vmas[0].has_pages);
		EXPECT_FALSE(rst->vmas[1].has_pages);
		free_parsed(rst);
	}
	if (path) {
		struct file small = seed_image_of(false);
		char name[4096];
		FILE *f;

		ASSERT_EQ(0, parse_buf(small.data, small.size, 0, &rst, reason));
		check_accepted(rst, small.size);
		free_parsed(rst);
		f = fopen(path, "w");
		ASSERT_NE(NULL, f);
		ASSERT_EQ(0, fputc(0, f));
		ASSERT_EQ(1, fwrite(img.data, img.size, 1, f));
		fclose(f);
		snprintf(name, sizeof(name), "%s-small", path);
		f = fopen(name, "w");
		ASSERT_NE(NULL, f);
		ASSERT_EQ(0, fputc(0, f));
		ASSERT_EQ(1, fwrite(small.data, small.size, 1, f));
		fclose(f);
		free(small.data);
	}
	free(img.data);
}

TEST(every_truncation_refused)
{
	struct file img = seed_image();
	char reason[COHORT_REASON_MAX];
	struct cohort_rst *rst;
	size_t n;

	for (n = 0; n < img.size; n++) {
		EXPECT_NE(0, parse_buf(img.data, n, 0, &rst, reason));
		EXPECT_NE(0, reason[0]) {
			TH_LOG("cut at %zu: no reason", n);
		}
		free_parsed(rst);
	}
	free(img.data);
}

TEST(byte_after_end_refused)
{
	struct file img = seed_image();
	char reason[COHORT_REASON_MAX];
	struct cohort_rst *rst;
	u8 *d = calloc(1, img.size + 1);

	memcpy(d, img.data, img.size);
	EXPECT_EQ(-EINVAL, parse_buf(d, img.size + 1, 0, &rst, reason));
	EXPECT_NE(0, reason[0]);
	free_parsed(rst);
	free(d);
	free(img.data);
}

TEST(every_bit_flip_refused_by_the_checksum)
{
	struct file img = seed_image();
	char reason[COHORT_REASON_MAX];
	struct cohort_rst *rst;
	size_t i;
	int b;

	for (i = 0; i < img.size; i++) {
		for (b = 0; b < 8; b++) {
			img.data[i] ^= 1 << b;
			EXPECT_NE(0, parse_buf(img.data, img.size, 0, &rst, reason)) {
				TH_LOG("byte %zu bit %d accepted", i, b);
			}
			EXPECT_NE(0, reason[0]);
			free_parsed(rst);
			img.data[i] ^= 1 << b;
		}
	}
	free(img.data);
}

TEST(bit_flips_with_checksum_fixed)
{
	struct file img = seed_image();
	size_t end = img.size - sizeof(struct cohort_img_rec) - sizeof(struct cohort_img_end);
	char reason[COHORT_REASON_MAX];
	struct cohort_rst *rst;
	int b, accepted = 0, refused = 0, err;
	u8 *d = malloc(img.size);
	size_t i;

	for (i = 0; i < end; i++) {
		for (b = 0; b < 8; b++) {
			memcpy(d, img.data, img.size);
			d[i] ^= 1 << b;
			fix_end(d, img.size);
			err = parse_buf(d, img.size, 0, &rst, reason);
			if (err) {
				refused++;
				EXPECT_NE(0, reason[0]) {
					TH_LOG("byte %zu bit %d: refused (%d) without a reason", i, b, err);
				}
			} else {
				accepted++;
				check_accepted(rst, img.size);
			}
			free_parsed(rst);
		}
	}
	TH_LOG("%d accepted (page data, values no check covers), %d refused", accepted, refused);
	/* the header, record headers, kinds, lengths, paths: refused */
	EXPECT_GT(refused, 1000);
	free(d);
	free(img.data);
}

TEST_HARNESS_MAIN
