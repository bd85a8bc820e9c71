/* SPDX-License-Identifier: GPL-2.0 */
/* Host stand-in: the system header, then kshim.h. */
#include_next <linux/limits.h>
#include <kshim.h>
