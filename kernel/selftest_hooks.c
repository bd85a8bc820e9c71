// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only hooks (see selftest_hooks.h): writing 1 to
 * /sys/kernel/debug/cohort/trigger_warn fires a deliberate WARN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>

#include "selftest_hooks.h"

static struct dentry *hooks_dir;

static ssize_t trigger_warn_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	bool val;
	int err;

	err = kstrtobool_from_user(ubuf, count, &val);
	if (err)
		return err;
	WARN(val, "cohort: deliberate warning requested through debugfs\n");
	return count;
}

static const struct file_operations trigger_warn_fops = {
	.write = trigger_warn_write,
};

int cohort_selftest_hooks_init(void)
{
	hooks_dir = debugfs_create_dir("cohort", NULL);
	debugfs_create_file("trigger_warn", 0200, hooks_dir, NULL,
			    &trigger_warn_fops);
	pr_info("test build: selftest hooks enabled\n");
	return 0;
}

void cohort_selftest_hooks_exit(void)
{
	debugfs_remove(hooks_dir);
}
