// SPDX-License-Identifier: GPL-2.0
/*
 * Everything userspace can do to a device that takes its MMIO away: config
 * writes (COMMAND.MEM, PMCSR power state, PCIe and AF function level
 * reset), VFIO_DEVICE_RESET, VFIO_DEVICE_PCI_HOT_RESET, runtime low power,
 * and closing the device.
 *
 * vfio core takes memory_lock itself inside each of these, so we cannot
 * revoke in the same critical section. Instead a trigger blocks the device
 * (revoke under memory_lock, then drop it), lets vfio core do its work, and
 * unblocks (unrevoke under memory_lock, only if the MMIO really is back).
 * trigger_lock makes the three steps one unit per device; the block count
 * keeps a device revoked while a hot reset started from a sibling is in
 * flight, without taking the sibling's trigger_lock, and lets hot resets
 * started from two siblings overlap.
 */
#include <linux/file.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "p2p_exp.h"

static void p2p_exp_trigger_begin(struct p2p_exp_vdev *vdev, bool removes)
{
	mutex_lock(&vdev->trigger_lock);
	if (removes)
		p2p_exp_block(&vdev->prov);
}

static void p2p_exp_trigger_end(struct p2p_exp_vdev *vdev, bool removes)
{
	if (removes)
		p2p_exp_unblock(&vdev->prov);
	else
		p2p_exp_resync(&vdev->prov);
	mutex_unlock(&vdev->trigger_lock);
}

/*
 * Only the offset decides, see cfg_effect.c. A write that turns out not to
 * touch the decode costs its buffers a revoke and an unrevoke; the unblock
 * brings them back only once the MMIO really decodes again, which is also
 * how a write setting MEMORY or leaving D3hot unrevokes.
 */
ssize_t p2p_exp_write(struct vfio_device *core_vdev, const char __user *buf,
		      size_t count, loff_t *ppos)
{
	struct p2p_exp_vdev *vdev = to_p2p_exp_vdev(core_vdev);
	u64 pos = *ppos;
	ssize_t ret;

	if (VFIO_PCI_OFFSET_TO_INDEX(pos) != VFIO_PCI_CONFIG_REGION_INDEX ||
	    !p2p_exp_cfg_may_remove(&vdev->caps, pos & VFIO_PCI_OFFSET_MASK,
				    count))
		return vfio_pci_core_write(core_vdev, buf, count, ppos);

	p2p_exp_trigger_begin(vdev, true);
	ret = vfio_pci_core_write(core_vdev, buf, count, ppos);
	p2p_exp_trigger_end(vdev, true);
	return ret;
}

/*
 * A hot reset resets every device of the dev_set, so every one of ours in
 * it is blocked, not just the device the ioctl came in on. Everything the
 * caller hands in is copied and judged first, holding no lock: a copy from
 * user memory can take as long as the caller likes (userfaultfd, FUSE).
 * And only a caller that owns every sibling of ours (as vfio core will
 * demand) gets their buffers revoked: anybody else fails before touching
 * them. vfio core copies the arguments again under our trigger_lock; that
 * lock is per device, so a stalled copy holds up only the caller's own
 * device, and the siblings it owns.
 */
#define P2P_EXP_HOT_RESET_MAX_FDS	1024

struct p2p_exp_hot_reset {
	struct file **files;		/* group files, or NULL for iommufd */
	u32 nr_files;
	struct iommufd_ctx *ictx;	/* cdev: the caller's iommufd */
	struct p2p_exp_vdev **devs;	/* ours in the dev_set, referenced */
	unsigned int nr_devs;
};

static int p2p_exp_hot_reset_args(struct p2p_exp_vdev *vdev,
				  unsigned long arg,
				  struct p2p_exp_hot_reset *hr)
{
	struct vfio_pci_hot_reset __user *uarg = (void __user *)arg;
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;
	int ret = 0;
	s32 *fds;
	u32 i;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;
	/* Group fds from a group user, none from a cdev user: as vfio. */
	if (!!hdr.count == vfio_device_cdev_opened(&vdev->core.vdev))
		return -EINVAL;
	if (!hdr.count) {
		hr->ictx = vfio_iommufd_device_ictx(&vdev->core.vdev);
		return hr->ictx ? 0 : -EINVAL;
	}
	if (hdr.count > P2P_EXP_HOT_RESET_MAX_FDS) {
		dev_dbg(&vdev->core.pdev->dev, "hot reset: %u group fds\n",
			hdr.count);
		return -EINVAL;
	}

	fds = memdup_array_user(uarg->group_fds, hdr.count, sizeof(*fds));
	if (IS_ERR(fds))
		return PTR_ERR(fds);
	hr->files = kcalloc(hdr.count, sizeof(*hr->files), GFP_KERNEL_ACCOUNT);
	if (!hr->files) {
		kfree(fds);
		return -ENOMEM;
	}
	for (i = 0; i < hdr.count && !ret; i++) {
		struct file *file = fget(fds[i]);

		if (!file) {
			ret = -EBADF;
			break;
		}
		hr->files[hr->nr_files++] = file;
		if (!vfio_file_is_group(file))
			ret = -EINVAL;
	}
	kfree(fds);
	return ret;
}

/* Does the caller own @d, by vfio core's rule for hot resets? */
static bool p2p_exp_hot_reset_owns(const struct p2p_exp_hot_reset *hr,
				   struct p2p_exp_vdev *d)
{
	struct vfio_device *core = &d->core.vdev;
	bool owned = false;
	u32 i;
	int id;

	if (hr->ictx) {
		/* The iommufd binding changes under dev_set->lock only. */
		mutex_lock(&core->dev_set->lock);
		id = vfio_iommufd_get_dev_id(core, hr->ictx);
		mutex_unlock(&core->dev_set->lock);
		return id > 0 || id == -ENOENT;
	}
	for (i = 0; i < hr->nr_files && !owned; i++)
		owned = vfio_file_has_dev(hr->files[i], core);
	return owned;
}

/* Ours in the dev_set of @vdev, each with a device reference. */
static int p2p_exp_hot_reset_collect(struct p2p_exp_vdev *vdev,
				     struct p2p_exp_hot_reset *hr)
{
	struct vfio_device_set *dev_set = vdev->core.vdev.dev_set;
	struct p2p_exp_vdev *d;
	unsigned int n = 0, i;

	mutex_lock(&p2p_exp_devs_lock);
	/* Set before the device could be opened; a plain read. */
	list_for_each_entry(d, &p2p_exp_devs, node)
		n += READ_ONCE(d->core.vdev.dev_set) == dev_set;
	hr->devs = kcalloc(n, sizeof(*hr->devs), GFP_KERNEL);
	if (!hr->devs) {
		mutex_unlock(&p2p_exp_devs_lock);
		return -ENOMEM;
	}
	list_for_each_entry(d, &p2p_exp_devs, node) {
		if (READ_ONCE(d->core.vdev.dev_set) != dev_set ||
		    hr->nr_devs == n)
			continue;
		get_device(&d->core.vdev.device);
		hr->devs[hr->nr_devs++] = d;
	}
	mutex_unlock(&p2p_exp_devs_lock);

	for (i = 0; i < hr->nr_devs; i++) {
		if (!p2p_exp_hot_reset_owns(hr, hr->devs[i])) {
			dev_dbg(&vdev->core.pdev->dev,
				"hot reset: caller does not own %s\n",
				pci_name(hr->devs[i]->core.pdev));
			return -EINVAL;
		}
	}
	return 0;
}

static void p2p_exp_hot_reset_free(struct p2p_exp_hot_reset *hr)
{
	unsigned int i;

	for (i = 0; i < hr->nr_devs; i++)
		put_device(&hr->devs[i]->core.vdev.device);
	kfree(hr->devs);
	for (i = 0; i < hr->nr_files; i++)
		fput(hr->files[i]);
	kfree(hr->files);
}

static long p2p_exp_hot_reset(struct p2p_exp_vdev *vdev, unsigned int cmd,
			      unsigned long arg)
{
	struct p2p_exp_hot_reset hr = {};
	unsigned int i;
	long ret;

	ret = p2p_exp_hot_reset_args(vdev, arg, &hr);
	if (!ret)
		ret = p2p_exp_hot_reset_collect(vdev, &hr);
	if (ret)
		goto out;

	mutex_lock(&vdev->trigger_lock);
	for (i = 0; i < hr.nr_devs; i++)
		p2p_exp_block(&hr.devs[i]->prov);
	ret = vfio_pci_core_ioctl(&vdev->core.vdev, cmd, arg);
	for (i = 0; i < hr.nr_devs; i++)
		p2p_exp_unblock(&hr.devs[i]->prov);
	mutex_unlock(&vdev->trigger_lock);
out:
	p2p_exp_hot_reset_free(&hr);
	return ret;
}

long p2p_exp_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
		   unsigned long arg)
{
	struct p2p_exp_vdev *vdev = to_p2p_exp_vdev(core_vdev);
	long ret;

	switch (cmd) {
	case VFIO_DEVICE_RESET:
		/* vfio core refuses it without touching the device. */
		if (!vdev->core.reset_works)
			break;
		p2p_exp_trigger_begin(vdev, true);
		ret = vfio_pci_core_ioctl(core_vdev, cmd, arg);
		p2p_exp_trigger_end(vdev, true);
		return ret;
	case VFIO_DEVICE_PCI_HOT_RESET:
		return p2p_exp_hot_reset(vdev, cmd, arg);
	}
	return vfio_pci_core_ioctl(core_vdev, cmd, arg);
}

/*
 * Runtime low power lets the device drop to D3 while the fd stays open;
 * the buffers stay revoked until LOW_POWER_EXIT or the next trigger finds
 * the device back in D0 (a wakeup through the eventfd alone does not
 * unrevoke: nothing of ours runs then).
 */
int p2p_exp_device_feature(struct vfio_device *core_vdev, u32 flags,
			   void __user *arg, size_t argsz)
{
	struct p2p_exp_vdev *vdev = to_p2p_exp_vdev(core_vdev);
	bool removes;
	int ret;

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_DMA_BUF:
		return p2p_exp_feature_dma_buf(vdev, flags, arg, argsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		removes = true;
		break;
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		removes = false;
		break;
	default:
		return vfio_pci_core_ioctl_feature(core_vdev, flags, arg,
						   argsz);
	}

	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return vfio_pci_core_ioctl_feature(core_vdev, flags, arg,
						   argsz);

	p2p_exp_trigger_begin(vdev, removes);
	ret = vfio_pci_core_ioctl_feature(core_vdev, flags, arg, argsz);
	p2p_exp_trigger_end(vdev, removes);
	return ret;
}

/* debugfs <BDF>/revoke: the same path as any other trigger. */
void p2p_exp_trigger_force(struct p2p_exp_vdev *vdev, bool revoke)
{
	mutex_lock(&vdev->trigger_lock);
	p2p_exp_set_forced(&vdev->prov, revoke);
	mutex_unlock(&vdev->trigger_lock);
}

int p2p_exp_open_device(struct vfio_device *core_vdev)
{
	struct p2p_exp_vdev *vdev = to_p2p_exp_vdev(core_vdev);
	int ret;

	ret = vfio_pci_core_enable(&vdev->core);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(&vdev->core);

	p2p_exp_provider_open(&vdev->prov);
	return 0;
}

/*
 * Called with dev_set->lock held, hence memory_lock only (no trigger_lock).
 * The buffers are revoked for good and cut off before vfio core disables
 * and resets the device.
 */
void p2p_exp_close_device(struct vfio_device *core_vdev)
{
	struct p2p_exp_vdev *vdev = to_p2p_exp_vdev(core_vdev);

	p2p_exp_provider_shutdown(&vdev->prov);
	vfio_pci_core_close_device(core_vdev);
}
