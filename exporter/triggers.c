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
 * flight, without taking the sibling's trigger_lock.
 */
#include <linux/pci.h>
#include <linux/vfio.h>

#include "p2p_exp.h"

/*
 * Serialises hot resets, so the hot_reset_blocked marks of one cannot be
 * confused with another's. Order: after trigger_lock, before
 * p2p_exp_devs_lock; held across vfio core's hot reset, which takes
 * dev_set->lock: nothing takes this lock under dev_set->lock.
 */
static DEFINE_MUTEX(p2p_exp_hot_reset_lock);

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
 * it is blocked, not just the device the ioctl came in on.
 */
static void p2p_exp_block_dev_set(struct p2p_exp_vdev *vdev, bool block)
{
	struct vfio_device_set *dev_set = vdev->core.vdev.dev_set;
	struct p2p_exp_vdev *d;

	lockdep_assert_held(&p2p_exp_hot_reset_lock);

	mutex_lock(&p2p_exp_devs_lock);
	list_for_each_entry(d, &p2p_exp_devs, node) {
		/* Set before the device could be opened; a plain read. */
		if (READ_ONCE(d->core.vdev.dev_set) != dev_set)
			continue;
		if (block) {
			d->hot_reset_blocked = true;
			p2p_exp_block(&d->prov);
		} else if (d->hot_reset_blocked) {
			d->hot_reset_blocked = false;
			p2p_exp_unblock(&d->prov);
		}
	}
	mutex_unlock(&p2p_exp_devs_lock);
}

static long p2p_exp_hot_reset(struct p2p_exp_vdev *vdev, unsigned int cmd,
			      unsigned long arg)
{
	long ret;

	mutex_lock(&vdev->trigger_lock);
	mutex_lock(&p2p_exp_hot_reset_lock);
	p2p_exp_block_dev_set(vdev, true);
	ret = vfio_pci_core_ioctl(&vdev->core.vdev, cmd, arg);
	p2p_exp_block_dev_set(vdev, false);
	mutex_unlock(&p2p_exp_hot_reset_lock);
	mutex_unlock(&vdev->trigger_lock);
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
