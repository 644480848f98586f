// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF: the uAPI side of
 * buffer creation. Header checks and user copies live here; the range and
 * BAR checks are in buf.c, where KUnit reaches them.
 */
#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "p2p_exp.h"

int p2p_exp_feature_dma_buf(struct p2p_exp_vdev *vdev, u32 flags,
			    void __user *arg, size_t argsz)
{
	struct vfio_device_feature_dma_buf __user *uarg = arg;
	struct vfio_device_feature_dma_buf req;
	struct device *dev = &vdev->core.pdev->dev;
	struct vfio_region_dma_range *ranges;
	struct dma_buf *dmabuf;
	int ret;

	/* PROBE of GET answers 0, SET is -EINVAL, short argsz -EINVAL. */
	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
				 sizeof(req));
	if (ret != 1)
		return ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;

	ret = p2p_exp_check_request(dev, req.flags, req.open_flags,
				    req.nr_ranges);
	if (ret)
		return ret;

	if (argsz < struct_size(&req, dma_ranges, req.nr_ranges)) {
		dev_dbg(dev, "dma-buf request: argsz %zu too small for %u ranges\n",
			argsz, req.nr_ranges);
		return -EINVAL;
	}

	ranges = memdup_array_user(uarg->dma_ranges, req.nr_ranges,
				   sizeof(*ranges));
	if (IS_ERR(ranges))
		return PTR_ERR(ranges);

	dmabuf = p2p_exp_buf_create(&vdev->prov, req.region_index, ranges,
				    req.nr_ranges, req.open_flags);
	kfree(ranges);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);

	ret = dma_buf_fd(dmabuf, req.open_flags & O_CLOEXEC);
	if (ret < 0)
		/* The release (task_work, at syscall exit) unlinks it. */
		dma_buf_put(dmabuf);
	return ret;
}
