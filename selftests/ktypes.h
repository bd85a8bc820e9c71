/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's fixed-size type names, for userspace code sharing kernel/net/wire.h. */
#ifndef COHORT_KTYPES_H
#define COHORT_KTYPES_H

#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#endif /* COHORT_KTYPES_H */
