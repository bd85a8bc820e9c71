/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COHORT_KEYFILE_H
#define COHORT_KEYFILE_H

#include <stddef.h>

/*
 * Read a cluster key file: 32 to 128 hexadecimal digits (16 to 64 bytes),
 * whitespace ignored. The file must not be readable by group or others.
 * Returns the key length, or -1 with a message in @err.
 */
int cohort_read_keyfile(const char *path, unsigned char *key, char *err,
			size_t errlen);

#endif /* COHORT_KEYFILE_H */
