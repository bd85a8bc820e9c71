// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only hooks (see selftest_hooks.h): writing 1 to
 * /sys/kernel/debug/cohort/trigger_warn fires a deliberate WARN, and
 * /sys/kernel/debug/cohort/node_events counts what the in-kernel node
 * notifier chain delivered to a subscriber, as a later subsystem would
 * subscribe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>

#include "events.h"
#include "selftest_hooks.h"

static struct dentry *hooks_dir;
static atomic_long_t node_events[COHORT_EVENT_AUTH_FAILED + 1];

static int node_event_cb(struct notifier_block *nb, unsigned long ev,
			 void *data)
{
	if (ev < ARRAY_SIZE(node_events))
		atomic_long_inc(&node_events[ev]);
	return NOTIFY_OK;
}

static struct notifier_block node_event_nb = {
	.notifier_call = node_event_cb,
};

static int node_events_show(struct seq_file *m, void *v)
{
	seq_printf(m, "up %ld\ndown %ld\nauth-failed %ld\n",
		   atomic_long_read(&node_events[COHORT_EVENT_NODE_UP]),
		   atomic_long_read(&node_events[COHORT_EVENT_NODE_DOWN]),
		   atomic_long_read(&node_events[COHORT_EVENT_AUTH_FAILED]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(node_events);

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
	int err = cohort_register_node_notifier(&node_event_nb);

	if (err)
		return err;
	hooks_dir = debugfs_create_dir("cohort", NULL);
	debugfs_create_file("trigger_warn", 0200, hooks_dir, NULL,
			    &trigger_warn_fops);
	debugfs_create_file("node_events", 0444, hooks_dir, NULL,
			    &node_events_fops);
	pr_info("test build: selftest hooks enabled\n");
	return 0;
}

void cohort_selftest_hooks_exit(void)
{
	debugfs_remove(hooks_dir);
	cohort_unregister_node_notifier(&node_event_nb);
}
