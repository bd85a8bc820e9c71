// SPDX-License-Identifier: GPL-2.0
/*
 * Node addresses as admins write them (see addr.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <linux/cohort.h>

#include "addr.h"

int cohort_parse_addr(const char *s, int *family, unsigned char out[16],
		      unsigned int *port)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *p = NULL;
	size_t n;

	*port = COHORT_PORT_DEFAULT;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || (size_t)(end - s - 1) >= sizeof(host))
			return -1;
		n = end - s - 1;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (end[1] == ':')
			p = end + 2;
		else if (end[1])
			return -1;
	} else {
		const char *colon = strchr(s, ':');

		if (colon && strchr(colon + 1, ':'))
			colon = NULL;	/* bare IPv6 address */
		n = colon ? (size_t)(colon - s) : strlen(s);
		if (n >= sizeof(host))
			return -1;
		memcpy(host, s, n);
		host[n] = '\0';
		if (colon)
			p = colon + 1;
	}
	if (p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (!*p || *end || v < 1 || v > 65535)
			return -1;
		*port = v;
	}
	if (inet_pton(AF_INET, host, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, host, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}
