// SPDX-License-Identifier: GPL-2.0
/*
 * Test knobs and counters under /sys/kernel/debug/dmabuf_p2p_exp/; names
 * and formats are fixed in uapi/dmabuf_p2p_debugfs.h. Every knob is a
 * plain state read by the code paths it affects: no knob holds a lock or a
 * reference across a return to userspace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/wait.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_debugfs.h"
#include "p2p_exp.h"

struct p2p_exp_knobs p2p_exp_knobs = {
	.revoke_wait_ms = P2P_EXP_REVOKE_WAIT_MS,
	.contract_warn = 1,
};
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_knobs);

static struct dentry *p2p_exp_dbg_root;

/*
 * Checked when written rather than when used: the sleeps run under
 * memory_lock, revoke_hold_ms on close even under vfio's dev_set->lock, so
 * an unbounded one would wedge the device for everybody; and an errno
 * above MAX_ERRNO is none.
 */
static struct p2p_exp_knob p2p_exp_capped_knobs[] = {
	{ "release_delay_ms", &p2p_exp_knobs.release_delay_ms, 0,
	  P2P_EXP_DELAY_MAX_MS },
	{ "revoke_hold_ms", &p2p_exp_knobs.revoke_hold_ms, 0,
	  P2P_EXP_DELAY_MAX_MS },
	{ "fail_next_attach", &p2p_exp_knobs.fail_next_attach, 0, MAX_ERRNO },
	{ "fail_next_map", &p2p_exp_knobs.fail_next_map, 0, MAX_ERRNO },
	/* 0 would make every importer a violator; and it sleeps too. */
	{ "revoke_wait_ms", &p2p_exp_knobs.revoke_wait_ms, 1,
	  P2P_EXP_DELAY_MAX_MS },
	{ "contract_warn", &p2p_exp_knobs.contract_warn, 0, 1 },
};

int p2p_exp_knob_store(const struct p2p_exp_knob *knob, u64 val)
{
	if (val < knob->min || val > knob->max) {
		pr_debug("%s: %llu is outside %u..%u\n", knob->name, val,
			 knob->min, knob->max);
		return -EINVAL;
	}
	WRITE_ONCE(*knob->val, val);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_knob_store);

static int p2p_exp_knob_get(void *data, u64 *val)
{
	const struct p2p_exp_knob *knob = data;

	*val = READ_ONCE(*knob->val);
	return 0;
}

static int p2p_exp_knob_set(void *data, u64 val)
{
	return p2p_exp_knob_store(data, val);
}

DEFINE_DEBUGFS_ATTRIBUTE(p2p_exp_knob_fops, p2p_exp_knob_get, p2p_exp_knob_set,
			 "%llu\n");

#ifdef P2P_NEGATIVE_CONTROL
u32 p2p_exp_bug_sync_put;
u32 p2p_exp_bug_fault_remap;
u32 p2p_exp_bug_fault_lock;

/*
 * Seed 004: an interface that lets userspace hold a kernel-side "lock"
 * across syscalls. While bug_pause reads 1, every buffer release waits for
 * it, uninterruptibly; whoever set it may close the file and walk away, and
 * a release in a kernel worker (delayed_fput) then hangs for good.
 */
static u32 p2p_exp_bug_pause;
static DECLARE_WAIT_QUEUE_HEAD(p2p_exp_bug_pause_wq);

void p2p_exp_bug_pause_wait(void)
{
	wait_event(p2p_exp_bug_pause_wq, !READ_ONCE(p2p_exp_bug_pause));
}

static int p2p_exp_bug_pause_get(void *data, u64 *val)
{
	*val = READ_ONCE(p2p_exp_bug_pause);
	return 0;
}

static int p2p_exp_bug_pause_set(void *data, u64 val)
{
	WRITE_ONCE(p2p_exp_bug_pause, !!val);
	wake_up_all(&p2p_exp_bug_pause_wq);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(p2p_exp_bug_pause_fops, p2p_exp_bug_pause_get,
			 p2p_exp_bug_pause_set, "%llu\n");

static void p2p_exp_debugfs_negative_control(struct dentry *root)
{
	pr_notice("negative-control build: bug_* knobs reintroduce known bugs\n");
	debugfs_create_u32("bug_sync_put", 0600, root, &p2p_exp_bug_sync_put);
	debugfs_create_u32("bug_fault_remap", 0600, root,
			   &p2p_exp_bug_fault_remap);
	debugfs_create_u32("bug_fault_lock", 0600, root,
			   &p2p_exp_bug_fault_lock);
	debugfs_create_file_unsafe("bug_pause", 0600, root, NULL,
				   &p2p_exp_bug_pause_fops);
}
#else
static void p2p_exp_debugfs_negative_control(struct dentry *root)
{
}
#endif

/* One-shot failure injection: returns -errno once, then the knob is off. */
int p2p_exp_knob_take_errno(u32 *knob)
{
	u32 err;

	if (!READ_ONCE(*knob))
		return 0;
	err = xchg(knob, 0);
	if (!err)
		return 0;
	return err <= MAX_ERRNO ? -(int)err : -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_knob_take_errno);

static int p2p_exp_releases_show(struct seq_file *m, void *unused)
{
	p2p_exp_log_show(m);
	return 0;
}

static int p2p_exp_releases_open(struct inode *inode, struct file *file)
{
	return single_open(file, p2p_exp_releases_show, NULL);
}

static ssize_t p2p_exp_releases_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	p2p_exp_log_clear();
	return count;
}

static const struct file_operations p2p_exp_releases_fops = {
	.owner = THIS_MODULE,
	.open = p2p_exp_releases_open,
	.read = seq_read,
	.write = p2p_exp_releases_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int p2p_exp_violations_seq_show(struct seq_file *m, void *unused)
{
	p2p_exp_violations_show(m);
	return 0;
}

static int p2p_exp_violations_open(struct inode *inode, struct file *file)
{
	return single_open(file, p2p_exp_violations_seq_show, NULL);
}

static ssize_t p2p_exp_violations_write(struct file *file,
					const char __user *ubuf, size_t count,
					loff_t *ppos)
{
	p2p_exp_violations_clear();
	return count;
}

static const struct file_operations p2p_exp_violations_fops = {
	.owner = THIS_MODULE,
	.open = p2p_exp_violations_open,
	.read = seq_read,
	.write = p2p_exp_violations_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int p2p_exp_pin_policy_show(struct seq_file *m, void *unused)
{
	seq_puts(m, p2p_exp_pin_refused() ? "refused\n" : "allowed\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(p2p_exp_pin_policy);

static int p2p_exp_buffers_show(struct seq_file *m, void *unused)
{
	struct p2p_exp_vdev *vdev = m->private;

	p2p_exp_bufs_show(m, &vdev->prov);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(p2p_exp_buffers);

static int p2p_exp_walk_show(struct seq_file *m, void *unused)
{
	struct p2p_exp_vdev *vdev = m->private;
	unsigned int bufs, attachments;
	u64 ns = p2p_exp_walk(&vdev->prov, &bufs, &attachments);

	seq_printf(m, P2P_EXP_WALK_FMT, bufs, attachments, ns);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(p2p_exp_walk);

static ssize_t p2p_exp_revoke_read(struct file *file, char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct p2p_exp_vdev *vdev = file->private_data;
	char val[2] = { READ_ONCE(vdev->prov.forced) ? '1' : '0', '\n' };

	return simple_read_from_buffer(ubuf, count, ppos, val, sizeof(val));
}

static ssize_t p2p_exp_revoke_write(struct file *file,
				    const char __user *ubuf, size_t count,
				    loff_t *ppos)
{
	struct p2p_exp_vdev *vdev = file->private_data;
	bool revoke;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &revoke);
	if (ret)
		return ret;
	p2p_exp_trigger_force(vdev, revoke);
	return count;
}

static const struct file_operations p2p_exp_revoke_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = p2p_exp_revoke_read,
	.write = p2p_exp_revoke_write,
	.llseek = default_llseek,
};

void p2p_exp_debugfs_add_dev(struct p2p_exp_vdev *vdev)
{
	vdev->dbg = debugfs_create_dir(pci_name(vdev->core.pdev),
				       p2p_exp_dbg_root);
	debugfs_create_file("revoke", 0600, vdev->dbg, vdev,
			    &p2p_exp_revoke_fops);
	debugfs_create_file("buffers", 0400, vdev->dbg, vdev,
			    &p2p_exp_buffers_fops);
	debugfs_create_file("walk", 0400, vdev->dbg, vdev,
			    &p2p_exp_walk_fops);
}

/* debugfs waits for readers and writers still inside these files. */
void p2p_exp_debugfs_remove_dev(struct p2p_exp_vdev *vdev)
{
	debugfs_remove(vdev->dbg);
	vdev->dbg = NULL;
}

void p2p_exp_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("dmabuf_p2p_exp", NULL);
	unsigned int i;

	p2p_exp_dbg_root = root;
	debugfs_create_file("releases", 0600, root, NULL,
			    &p2p_exp_releases_fops);
	debugfs_create_file("violations", 0600, root, NULL,
			    &p2p_exp_violations_fops);
	debugfs_create_file("pin_policy", 0400, root, NULL,
			    &p2p_exp_pin_policy_fops);
	for (i = 0; i < ARRAY_SIZE(p2p_exp_capped_knobs); i++)
		debugfs_create_file_unsafe(p2p_exp_capped_knobs[i].name, 0600,
					   root, &p2p_exp_capped_knobs[i],
					   &p2p_exp_knob_fops);
	debugfs_create_u32("skip_p2p_distance", 0600, root,
			   &p2p_exp_knobs.skip_p2p_distance);
	p2p_exp_debugfs_negative_control(root);
}

void p2p_exp_debugfs_exit(void)
{
	debugfs_remove(p2p_exp_dbg_root);
	p2p_exp_dbg_root = NULL;
}
