// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the process image parser: the kernel's own reader
 * and parser (kernel/proc/image.c, parse.c, over kshim/) on the input as
 * an image file, read in pieces of a size the input's first byte picks.
 * Its END record is made to match the bytes before it, so the fuzzer
 * reaches past the checksum. An accepted image must satisfy what
 * restore.c relies on; a refused one must say why. ASan and UBSan catch
 * the rest.
 */
#include "image_common.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const size_t piece[4] = { 0, 1, 7, 4093 };
	char reason[COHORT_REASON_MAX];
	struct cohort_rst *rst;
	u8 *d;
	int err;

	if (!size)
		return 0;
	d = malloc(size);
	memcpy(d, data, size);
	fix_end(d + 1, size - 1);
	err = parse_buf(d + 1, size - 1, piece[d[0] & 3], &rst, reason);
	if (err)
		assert(reason[0] || err == -ENOMEM);
	else
		check_accepted(rst, size - 1);
	free_parsed(rst);
	free(d);
	return 0;
}
