/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _COHORT_PROC_CHECKPOINT_H
#define _COHORT_PROC_CHECKPOINT_H

#include <linux/cohort.h>

struct file;
struct cohort_ckpt;

/* Kernel-only checkpoint flag: hold the process after its image is taken. */
#define COHORT_CKPT_HOLD	0x80000000U

struct cohort_ckpt_result {
	u64 bytes, pages, freeze_ns;
	char reason[COHORT_REASON_MAX];
};

long cohort_checkpoint_ioctl(struct cohort_checkpoint_req __user *ureq);
/*
 * Write the image of process @vpid (the caller's PID namespace) to @out
 * and hold the process frozen: *@heldp is then to be given to
 * cohort_ckpt_release(), which lets it go on or (@commit) ends it with
 * SIGKILL. Returns whether it was still held (not killed meanwhile), and
 * how long it was frozen in @frozen_ns.
 */
int cohort_checkpoint_hold(pid_t vpid, struct file *out,
			   unsigned int timeout_ms, struct cohort_ckpt **heldp,
			   struct cohort_ckpt_result *res);
bool cohort_ckpt_release(struct cohort_ckpt *ck, bool commit, u64 *frozen_ns);
bool cohort_ckpt_release_to(struct cohort_ckpt *ck, void (*after)(void *arg),
			    void *arg, u64 *frozen_ns);
/*
 * Before a commit: false if the process is no longer held (killed, or it
 * went on by itself); true, and it can no longer go on by itself, until
 * cohort_ckpt_release() decides.
 */
bool cohort_ckpt_begin_commit(struct cohort_ckpt *ck);

/*
 * The caller moves itself: its image is taken as it returns from its
 * system call and it is held as above; cohort_ckpt_self_wait() waits for
 * the image. If it goes on here, its call fails as
 * cohort_ckpt_self_outcome() said before cohort_ckpt_release().
 */
int cohort_checkpoint_self(struct file *out,
			   struct cohort_migrate_self __user *ureq,
			   struct cohort_ckpt **heldp);
int cohort_ckpt_self_wait(struct cohort_ckpt *ck, struct cohort_ckpt_result *res);
void cohort_ckpt_self_outcome(struct cohort_ckpt *ck, int err,
			      const char *reason);

#endif
