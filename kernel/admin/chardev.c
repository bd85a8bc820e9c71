// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/cohort: the character device through which processes are
 * checkpointed and restore stubs ask to become a process of an image (and,
 * later, processes map distributed shared memory regions). Each open file
 * holds at most one restore in progress.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>

#include "../net/node.h"
#include "../proc/checkpoint.h"
#include "../proc/guests.h"
#include "../proc/migrate.h"
#include "../proc/restore.h"
#include "chardev.h"

struct cohort_dev_file {
	struct mutex lock;		/* serialises this file's requests */
	struct cohort_rst *rst;		/* under lock */
};

static int cohort_dev_open(struct inode *inode, struct file *file)
{
	struct cohort_dev_file *df;

	df = kzalloc(sizeof(*df), GFP_KERNEL_ACCOUNT);
	if (!df)
		return -ENOMEM;
	mutex_init(&df->lock);
	file->private_data = df;
	return nonseekable_open(inode, file);
}

static int cohort_dev_release(struct inode *inode, struct file *file)
{
	struct cohort_dev_file *df = file->private_data;

	cohort_restore_release(df->rst);
	mutex_destroy(&df->lock);
	kfree(df);
	return 0;
}

static long cohort_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct cohort_dev_file *df = file->private_data;
	long ret;

	switch (cmd) {
	case COHORT_IOC_CHECKPOINT:
		return cohort_checkpoint_ioctl((void __user *)arg);
	case COHORT_IOC_MIGRATE_FETCH:
		return cohort_migrate_fetch_ioctl((void __user *)arg);
	case COHORT_IOC_MIGRATE_SELF:
		return cohort_migrate_self_ioctl((void __user *)arg);
	case COHORT_IOC_GUESTS_REAP:
		return cohort_guests_reap_ioctl(cohort_net(current->nsproxy->net_ns));
	case COHORT_IOC_RESTORE_PREPARE:
	case COHORT_IOC_RESTORE_MM:
	case COHORT_IOC_RESTORE_FINISH:
		if (mutex_lock_killable(&df->lock))
			return -EINTR;
		ret = cohort_restore_ioctl(&df->rst, cmd, (void __user *)arg);
		mutex_unlock(&df->lock);
		return ret;
	}
	return -ENOTTY;
}

static const struct file_operations cohort_dev_fops = {
	.owner = THIS_MODULE,
	.open = cohort_dev_open,
	.release = cohort_dev_release,
	.unlocked_ioctl = cohort_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice cohort_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cohort",
	.fops = &cohort_dev_fops,
	/*
	 * Open to all: every request checks its caller (checkpoint: the
	 * right to trace the process; restore: the image's credentials).
	 */
	.mode = 0666,
};

int __init cohort_chardev_init(void)
{
	return misc_register(&cohort_miscdev);
}

void cohort_chardev_exit(void)
{
	misc_deregister(&cohort_miscdev);
}
