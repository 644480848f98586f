// SPDX-License-Identifier: GPL-2.0
/* Test knobs, see dmabuf_p2p_debugfs.h. Root only. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_debugfs.h"
#include "p2p_imp.h"

/*
 * A value outside a knob's range fails the write with -EINVAL and leaves
 * the knob as it was, like the exporter's knobs: a test that asks for what
 * cannot be must learn so at the write, not by a fault that never comes.
 */
static int p2p_imp_fail_next_map_get(void *data, u64 *val)
{
	*val = atomic_read(&p2p_imp.fail_next_map);
	return 0;
}

static int p2p_imp_fail_next_map_set(void *data, u64 val)
{
	if (val > MAX_ERRNO) {
		pr_debug("fail_next_map: %llu is not an errno\n", val);
		return -EINVAL;
	}
	atomic_set(&p2p_imp.fail_next_map, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(p2p_imp_fail_next_map_fops, p2p_imp_fail_next_map_get,
			 p2p_imp_fail_next_map_set, "%llu\n");

static int p2p_imp_delay_get(void *data, u64 *val)
{
	*val = READ_ONCE(p2p_imp.move_notify_delay_ms);
	return 0;
}

static int p2p_imp_delay_set(void *data, u64 val)
{
	if (val > P2P_IMP_MAX_DELAY_MS) {
		pr_debug("move_notify_delay_ms: %llu is above the maximum %d\n",
			 val, P2P_IMP_MAX_DELAY_MS);
		return -EINVAL;
	}
	WRITE_ONCE(p2p_imp.move_notify_delay_ms, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(p2p_imp_delay_fops, p2p_imp_delay_get,
			 p2p_imp_delay_set, "%llu\n");

static int p2p_imp_misbehave_get(void *data, u64 *val)
{
	*val = READ_ONCE(p2p_imp.misbehave);
	return 0;
}

/* Also KUnit's way in: MRs read the knobs at registration. */
int p2p_imp_misbehave_set(void *data, u64 val)
{
	if (val > P2P_IMP_MISBEHAVE_MAX) {
		pr_debug("misbehave: %llu is not a mode (0..%d)\n", val,
			 P2P_IMP_MISBEHAVE_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(p2p_imp.misbehave, val);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_misbehave_set);

DEFINE_DEBUGFS_ATTRIBUTE(p2p_imp_misbehave_fops, p2p_imp_misbehave_get,
			 p2p_imp_misbehave_set, "%llu\n");

static int p2p_imp_misbehave_ms_get(void *data, u64 *val)
{
	*val = READ_ONCE(p2p_imp.misbehave_ms);
	return 0;
}

int p2p_imp_misbehave_ms_set(void *data, u64 val)
{
	if (val > P2P_IMP_MAX_DELAY_MS) {
		pr_debug("misbehave_ms: %llu is above the maximum %d\n", val,
			 P2P_IMP_MAX_DELAY_MS);
		return -EINVAL;
	}
	WRITE_ONCE(p2p_imp.misbehave_ms, val);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_misbehave_ms_set);

DEFINE_DEBUGFS_ATTRIBUTE(p2p_imp_misbehave_ms_fops, p2p_imp_misbehave_ms_get,
			 p2p_imp_misbehave_ms_set, "%llu\n");

#ifdef P2P_NEGATIVE_CONTROL
u32 p2p_imp_bug_map_lock;

static void p2p_imp_debugfs_negative_control(struct dentry *dir)
{
	pr_notice("negative-control build: bug_* knobs reintroduce known bugs\n");
	debugfs_create_u32("bug_map_lock", 0600, dir, &p2p_imp_bug_map_lock);
}
#else
static void p2p_imp_debugfs_negative_control(struct dentry *dir)
{
}
#endif

void p2p_imp_debugfs_init(void)
{
	struct dentry *dir;

	/* Knobs are optional: the module works without debugfs. */
	dir = debugfs_create_dir(kbasename(P2P_IMP_DEBUGFS), NULL);
	debugfs_create_file_unsafe("move_notify_delay_ms", 0600, dir, NULL,
				   &p2p_imp_delay_fops);
	debugfs_create_file_unsafe("fail_next_map", 0600, dir, NULL,
				   &p2p_imp_fail_next_map_fops);
	debugfs_create_file_unsafe("misbehave", 0600, dir, NULL,
				   &p2p_imp_misbehave_fops);
	debugfs_create_file_unsafe("misbehave_ms", 0600, dir, NULL,
				   &p2p_imp_misbehave_ms_fops);
	p2p_imp_debugfs_negative_control(dir);
	p2p_imp.debugfs = dir;
}

void p2p_imp_debugfs_exit(void)
{
	debugfs_remove_recursive(p2p_imp.debugfs);
	p2p_imp.debugfs = NULL;
}
