// SPDX-License-Identifier: GPL-2.0
/*
 * Cluster key files (see keyfile.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/cohort.h>

#include "keyfile.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int cohort_read_keyfile(const char *path, unsigned char *key, char *err,
			size_t errlen)
{
	char text[4 * COHORT_KEY_MAX];
	struct stat st;
	ssize_t n;
	int fd, len = 0, half = -1, i;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "key file %s is owned by uid %u, neither root nor this user: chown it",
			 path, (unsigned int)st.st_uid);
		close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "key file %s is readable or writable by others (mode %03o): chmod 600 it",
			 path, st.st_mode & 0777);
		close(fd);
		return -1;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0 || n == sizeof(text)) {
		explicit_bzero(text, sizeof(text));
		snprintf(err, errlen, "key file %s: unreadable or too long", path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		int v = hexval((unsigned char)text[i]);

		if (isspace((unsigned char)text[i]))
			continue;
		if (v < 0 || len >= COHORT_KEY_MAX) {
			snprintf(err, errlen,
				 "key file %s: expected %d to %d hexadecimal digits",
				 path, 2 * COHORT_KEY_MIN, 2 * COHORT_KEY_MAX);
			explicit_bzero(text, sizeof(text));
			explicit_bzero(key, COHORT_KEY_MAX);
			return -1;
		}
		if (half < 0) {
			half = v;
		} else {
			key[len++] = half << 4 | v;
			half = -1;
		}
	}
	explicit_bzero(text, sizeof(text));
	if (half >= 0 || len < COHORT_KEY_MIN) {
		explicit_bzero(key, COHORT_KEY_MAX);	/* what was read of it */
		snprintf(err, errlen,
			 "key file %s: expected %d to %d hexadecimal digits",
			 path, 2 * COHORT_KEY_MIN, 2 * COHORT_KEY_MAX);
		return -1;
	}
	return len;
}
