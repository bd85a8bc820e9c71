/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_VERSION_H
#define _COHORT_VERSION_H

#define COHORT_VERSION "0.1.0"

#endif /* _COHORT_VERSION_H */
