/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_SELFTEST_HOOKS_H
#define _COHORT_SELFTEST_HOOKS_H

/*
 * Hooks that exist only in the test build (make COHORT_TEST_HOOKS=1, used by
 * the selftests to prove that the console scan catches a kernel warning and
 * that the node notifier chain reaches an in-kernel subscriber). A normal
 * build compiles them away.
 */
#ifdef COHORT_TEST_HOOKS
/*
 * debugfs ckpt_corrupt: the next checkpoint corrupts its image on purpose
 * (1: one bit of rbx, 2: one byte of the first page of the largest
 * anonymous mapping, 3: one bit of ymm0's upper half), so the tests can
 * show their checks fail.
 */
extern u32 cohort_test_ckpt_corrupt;
/*
 * debugfs mig_fault_step: the next incoming migration meets a fault at
 * this step (enum cohort_mig_fault in proc/migrate.c), once: refused, or,
 * with mig_fault_stall_ms set, held that long there so that a test can
 * kill or cut the node at exactly that step.
 */
extern u32 cohort_test_mig_fault_step, cohort_test_mig_fault_stall_ms;

int cohort_selftest_hooks_init(void);
void cohort_selftest_hooks_exit(void);
#else
#define cohort_test_ckpt_corrupt 0U
#define cohort_test_mig_fault_stall_ms 0U

static inline int cohort_selftest_hooks_init(void)
{
	return 0;
}

static inline void cohort_selftest_hooks_exit(void)
{
}
#endif

#endif /* _COHORT_SELFTEST_HOOKS_H */
