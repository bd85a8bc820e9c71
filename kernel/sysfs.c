// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/cohort/: the module's version, its module-wide tunables and
 * counters, and the identity of the initial network namespace's node
 * (sysfs is not per namespace; generic netlink is the full interface).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>
#include <linux/cohort.h>

#include "netlink.h"
#include "node.h"
#include "sysfs.h"
#include "tunables.h"
#include "version.h"

unsigned int cohort_dead_timeout_ms = COHORT_DEAD_TIMEOUT_MS_DEFAULT;

static struct kobject *cohort_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", COHORT_VERSION);
}

static ssize_t protocol_version_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", COHORT_PROTO_VERSION);
}

static ssize_t node_id_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	char name[COHORT_NODE_NAME_MAX];
	u32 id;

	cohort_node_get_self(cohort_net(&init_net), &id, name);
	return sysfs_emit(buf, "%u\n", id);
}

static ssize_t node_name_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	char name[COHORT_NODE_NAME_MAX];
	u32 id;

	cohort_node_get_self(cohort_net(&init_net), &id, name);
	return sysfs_emit(buf, "%s\n", name);
}

static ssize_t dead_timeout_ms_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(cohort_dead_timeout_ms));
}

static ssize_t dead_timeout_ms_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned int val;
	int err;

	err = kstrtouint(buf, 10, &val);
	if (err)
		return err;
	if (val < COHORT_DEAD_TIMEOUT_MS_MIN || val > COHORT_DEAD_TIMEOUT_MS_MAX)
		return -EINVAL;
	WRITE_ONCE(cohort_dead_timeout_ms, val);
	return count;
}

static ssize_t netlink_rejected_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", cohort_genl_rejected());
}

static ssize_t instances_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", cohort_node_instances());
}

static struct kobj_attribute version_attr = __ATTR_RO(version);
static struct kobj_attribute protocol_version_attr = __ATTR_RO(protocol_version);
static struct kobj_attribute node_id_attr = __ATTR_RO(node_id);
static struct kobj_attribute node_name_attr = __ATTR_RO(node_name);
static struct kobj_attribute dead_timeout_ms_attr =
	__ATTR(dead_timeout_ms, 0644, dead_timeout_ms_show,
	       dead_timeout_ms_store);

static struct attribute *cohort_attrs[] = {
	&version_attr.attr,
	&protocol_version_attr.attr,
	&node_id_attr.attr,
	&node_name_attr.attr,
	&dead_timeout_ms_attr.attr,
	NULL,
};

static const struct attribute_group cohort_group = {
	.attrs = cohort_attrs,
};

static struct kobj_attribute netlink_rejected_attr =
	__ATTR_RO(netlink_rejected);
static struct kobj_attribute instances_attr = __ATTR_RO(instances);

static struct attribute *cohort_stats_attrs[] = {
	&netlink_rejected_attr.attr,
	&instances_attr.attr,
	NULL,
};

static const struct attribute_group cohort_stats_group = {
	.name = "stats",
	.attrs = cohort_stats_attrs,
};

static const struct attribute_group *cohort_groups[] = {
	&cohort_group,
	&cohort_stats_group,
	NULL,
};

int __init cohort_sysfs_init(void)
{
	int err;

	cohort_kobj = kobject_create_and_add("cohort", kernel_kobj);
	if (!cohort_kobj)
		return -ENOMEM;
	err = sysfs_create_groups(cohort_kobj, cohort_groups);
	if (err)
		goto err_put_kobj;
	return 0;

err_put_kobj:
	kobject_put(cohort_kobj);
	return err;
}

void cohort_sysfs_exit(void)
{
	sysfs_remove_groups(cohort_kobj, cohort_groups);
	kobject_put(cohort_kobj);
}
