// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/cohort: the character device through which processes will map
 * distributed shared memory regions and restore stubs will ask to become a
 * migrated process. For now it only opens and closes; every request
 * returns -ENOTTY until those features exist.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "chardev.h"

static int cohort_dev_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static long cohort_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations cohort_dev_fops = {
	.owner = THIS_MODULE,
	.open = cohort_dev_open,
	.unlocked_ioctl = cohort_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice cohort_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cohort",
	.fops = &cohort_dev_fops,
	/*
	 * Root only until its requests exist: each will check its caller
	 * (the process it acts on, the region it maps) before the mode may
	 * open up.
	 */
	.mode = 0600,
};

int __init cohort_chardev_init(void)
{
	return misc_register(&cohort_miscdev);
}

void cohort_chardev_exit(void)
{
	misc_deregister(&cohort_miscdev);
}
