/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Node name rules, shared by the module and the host-side unit tests, so it
 * includes nothing and uses no kernel types.
 */
#ifndef _COHORT_NAME_H
#define _COHORT_NAME_H

static inline int cohort_name_char_ok(char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return !first && (c == '-' || c == '_' || c == '.');
}

/**
 * cohort_name_valid - is @s a valid node name?
 * @s: candidate, NUL-terminated
 * @max: buffer size a name must fit in, NUL included
 *
 * Return: 1 when @s is 1..@max - 1 characters of [A-Za-z0-9._-] starting
 * with a letter or a digit, 0 otherwise.
 */
static inline int cohort_name_valid(const char *s, unsigned long max)
{
	unsigned long i;

	for (i = 0; s[i]; i++) {
		if (i + 1 >= max || !cohort_name_char_ok(s[i], i == 0))
			return 0;
	}
	return i > 0;
}

#endif /* _COHORT_NAME_H */
