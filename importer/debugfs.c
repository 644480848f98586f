// SPDX-License-Identifier: GPL-2.0
/* Test knobs, see dmabuf_p2p_debugfs.h. Root only. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/string.h>

#include "dmabuf_p2p_debugfs.h"
#include "p2p_imp.h"

void p2p_imp_debugfs_init(void)
{
	struct dentry *dir;

	/* Knobs are optional: the module works without debugfs. */
	dir = debugfs_create_dir(kbasename(P2P_IMP_DEBUGFS), NULL);
	debugfs_create_u32("move_notify_delay_ms", 0600, dir,
			   &p2p_imp.move_notify_delay_ms);
	debugfs_create_atomic_t("fail_next_map", 0600, dir,
				&p2p_imp.fail_next_map);
	p2p_imp.debugfs = dir;
}

void p2p_imp_debugfs_exit(void)
{
	debugfs_remove_recursive(p2p_imp.debugfs);
	p2p_imp.debugfs = NULL;
}
