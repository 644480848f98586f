// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_p2p_imp: a mock RDMA-style importer of dma-bufs. Each open() of
 * /dev/dmabuf_p2p_importer is a context registering memory regions on
 * dma-bufs as a dynamic peer-to-peer importer; see dmabuf_p2p_importer.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_compat.h"
#include "p2p_imp.h"

P2P_IMPORT_NS(DMA_BUF);

struct p2p_imp p2p_imp = {
	.fence_timeout = P2P_IMP_FENCE_TIMEOUT,
	.fail_next_map = ATOMIC_INIT(0),
};
EXPORT_SYMBOL_IF_KUNIT(p2p_imp);

static struct platform_device *p2p_imp_pdev;

static int p2p_imp_open(struct inode *inode, struct file *file)
{
	struct p2p_imp_ctx *ctx = p2p_imp_ctx_create();

	if (!ctx)
		return -ENOMEM;
	file->private_data = ctx;
	return nonseekable_open(inode, file);
}

static int p2p_imp_release(struct inode *inode, struct file *file)
{
	p2p_imp_ctx_destroy(file->private_data);
	return 0;
}

static const struct file_operations p2p_imp_fops = {
	.owner = THIS_MODULE,
	.open = p2p_imp_open,
	.release = p2p_imp_release,
	.unlocked_ioctl = p2p_imp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice p2p_imp_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dmabuf_p2p_importer",
	.fops = &p2p_imp_fops,
	.mode = 0600,
};

/*
 * Attachments need a device to map for. A bare platform device stands in
 * for the HCA: 64-bit DMA, and an explicit segment limit so the number of
 * DMA segments an exporter hands us does not depend on defaults: 2 GiB, as
 * mlx5 states, so a GPU-sized BAR is a handful of segments, not the
 * 262 144 that the 64 KiB default makes of 16 GiB.
 */
static int p2p_imp_dma_dev_init(void)
{
	int ret;

	p2p_imp_pdev = platform_device_register_simple(KBUILD_MODNAME,
						       PLATFORM_DEVID_NONE,
						       NULL, 0);
	if (IS_ERR(p2p_imp_pdev))
		return PTR_ERR(p2p_imp_pdev);

	ret = dma_coerce_mask_and_coherent(&p2p_imp_pdev->dev,
					   DMA_BIT_MASK(64));
	if (ret) {
		platform_device_unregister(p2p_imp_pdev);
		return ret;
	}
	dma_set_max_seg_size(&p2p_imp_pdev->dev, P2P_IMP_MAX_SEG);
	p2p_imp.dma_dev = &p2p_imp_pdev->dev;
	return 0;
}

static int __init p2p_imp_init(void)
{
	int ret;

	p2p_imp_lockdep_prime();

	ret = p2p_imp_dma_dev_init();
	if (ret)
		return ret;

	p2p_imp.wq = alloc_workqueue("dmabuf_p2p_imp", WQ_UNBOUND, 0);
	if (!p2p_imp.wq) {
		ret = -ENOMEM;
		goto err_pdev;
	}

	p2p_imp_debugfs_init();

	/* Binds a QEMU edu device, if there is one, as our DMA engine. */
	ret = p2p_imp_edu_register();
	if (ret)
		goto err_debugfs;

	ret = misc_register(&p2p_imp_misc);
	if (ret)
		goto err_edu;
	return 0;

err_edu:
	p2p_imp_edu_unregister();
err_debugfs:
	p2p_imp_debugfs_exit();
	destroy_workqueue(p2p_imp.wq);
err_pdev:
	platform_device_unregister(p2p_imp_pdev);
	return ret;
}

/*
 * No context is open once we get here (each holds a module reference),
 * but deferred teardowns may still be queued: draining the workqueue
 * detaches them while the DMA devices still exist. Only then is no MR left
 * attached for the edu engine, and it can be unbound.
 */
static void __exit p2p_imp_exit(void)
{
	misc_deregister(&p2p_imp_misc);
	destroy_workqueue(p2p_imp.wq);
	p2p_imp_edu_unregister();
	p2p_imp_debugfs_exit();
	platform_device_unregister(p2p_imp_pdev);
}

module_init(p2p_imp_init);
module_exit(p2p_imp_exit);

MODULE_DESCRIPTION("Mock RDMA-style dynamic peer-to-peer dma-buf importer");
MODULE_LICENSE("GPL");
