/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COHORT_ADDR_H
#define COHORT_ADDR_H

/*
 * Parse "ADDR", "ADDR:PORT", "[V6ADDR]" or "[V6ADDR]:PORT" (the port
 * defaults to COHORT_PORT_DEFAULT). Returns 0, or -1 if malformed.
 */
int cohort_parse_addr(const char *s, int *family, unsigned char out[16],
		      unsigned int *port);

#endif /* COHORT_ADDR_H */
