/* SPDX-License-Identifier: GPL-2.0 */
/* The restore stub (userspace/stub/), linked in by objcopy as stub_blob.o. */
#ifndef COHORT_STUB_BLOB_H
#define COHORT_STUB_BLOB_H

extern const unsigned char _binary_stub_bin_start[];
extern const unsigned char _binary_stub_bin_end[];

#endif
