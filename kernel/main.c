// SPDX-License-Identifier: GPL-2.0
/*
 * cohort: make a group of ordinary Linux machines act as one system.
 *
 * Module init and exit. Every init step has an err_ label naming what it
 * undoes; exit tears down in exactly the reverse order of init.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <linux/cohort.h>

#include "selftest_hooks.h"
#include "version.h"
#include "admin/chardev.h"
#include "admin/netlink.h"
#include "admin/sysfs.h"
#include "net/auth.h"
#include "net/buf.h"
#include "net/conn.h"
#include "net/node.h"
#include "net/rpc.h"
#include "proc/migrate.h"

static int __init cohort_mod_init(void)
{
	int err;

	/* Nothing to undo: it only checks the frame MAC's known answers. */
	err = cohort_auth_init();
	if (err)
		goto err_out;
	err = cohort_rpc_init();
	if (err)
		goto err_out;
	err = cohort_transport_init();
	if (err)
		goto err_rpc;
	err = cohort_node_init();
	if (err)
		goto err_transport;
	err = cohort_migrate_init();
	if (err)
		goto err_node;
	err = cohort_sysfs_init();
	if (err)
		goto err_migrate;
	err = cohort_chardev_init();
	if (err)
		goto err_sysfs;
	err = cohort_selftest_hooks_init();
	if (err)
		goto err_chardev;
	/* Last: once the family is visible, requests may arrive. */
	err = cohort_genl_init();
	if (err)
		goto err_hooks;

	pr_info("version %s loaded (protocol %u)\n", COHORT_VERSION,
		COHORT_PROTO_VERSION);
	return 0;

err_hooks:
	cohort_selftest_hooks_exit();
err_chardev:
	cohort_chardev_exit();
err_sysfs:
	cohort_sysfs_exit();
err_migrate:
	cohort_migrate_exit();
err_node:
	cohort_node_exit();
err_transport:
	cohort_transport_exit();
err_rpc:
	cohort_rpc_exit();
	cohort_buf_exit();	/* buffers cached by anything above */
err_out:
	return err;
}

static void __exit cohort_mod_exit(void)
{
	cohort_genl_exit();
	cohort_selftest_hooks_exit();
	cohort_chardev_exit();
	cohort_sysfs_exit();
	cohort_migrate_exit();
	cohort_node_exit();
	cohort_transport_exit();
	cohort_rpc_exit();
	cohort_buf_exit();
	pr_info("unloaded\n");
}

module_init(cohort_mod_init);
module_exit(cohort_mod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cohort: single system image clustering");
MODULE_VERSION(COHORT_VERSION);
MODULE_ALIAS_GENL_FAMILY(COHORT_GENL_NAME);
