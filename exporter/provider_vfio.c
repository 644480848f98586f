// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO provider backed by a vfio-pci core device: BARs from the PCI
 * resources, memory_lock as the provider lock, and vfio's own notion of
 * "memory enabled" plus the hardware's.
 */
#include <linux/atomic.h>
#include <linux/pci.h>
#include <linux/unaligned.h>
#include <linux/wait.h>

#include "p2p_exp.h"

static struct p2p_exp_vdev *prov_to_vdev(struct p2p_exp_provider *prov)
{
	return container_of(prov, struct p2p_exp_vdev, prov);
}

/*
 * Region indexes equal BAR numbers below VFIO_PCI_ROM_REGION_INDEX; ROM,
 * config space, VGA and device-specific regions are not MMIO we export.
 * A BAR the device does not implement (also the upper half of a 64-bit
 * one: no resource, size 0) is -ENODEV, as upstream says; an I/O port BAR
 * is -EINVAL.
 */
static int p2p_exp_vfio_bar_range(struct p2p_exp_provider *prov, u32 bar,
				  phys_addr_t *base, u64 *size)
{
	struct pci_dev *pdev = prov_to_vdev(prov)->core.pdev;
	unsigned long flags;

	if (bar >= VFIO_PCI_ROM_REGION_INDEX)
		return -ENODEV;

	flags = pci_resource_flags(pdev, bar);
	if ((flags & IORESOURCE_UNSET) || !pci_resource_len(pdev, bar))
		return -ENODEV;
	if (!(flags & IORESOURCE_MEM))
		return -EINVAL;

	*base = pci_resource_start(pdev, bar);
	*size = pci_resource_len(pdev, bar);
	return 0;
}

/*
 * vfio's test (__vfio_pci_memory_enabled, not exported) looks at the
 * virtual COMMAND register and the power state; we also want the device in
 * D0, out of runtime low power, and the physical MEMORY bit set, which a
 * reset behind vfio's back may have cleared.
 */
static bool p2p_exp_vfio_mmio_enabled(struct p2p_exp_provider *prov)
{
	struct vfio_pci_core_device *core = &prov_to_vdev(prov)->core;
	struct pci_dev *pdev = core->pdev;
	u16 cmd;

	lockdep_assert_held(&core->memory_lock);

	if (pdev->current_state != PCI_D0 || core->pm_runtime_engaged ||
	    pci_channel_offline(pdev) || !core->vconfig)
		return false;
	if (pdev->no_command_memory)
		return true;

	if (!(get_unaligned_le16(&core->vconfig[PCI_COMMAND]) &
	      PCI_COMMAND_MEMORY))
		return false;
	if (pci_read_config_word(pdev, PCI_COMMAND, &cmd) ||
	    PCI_POSSIBLE_ERROR(cmd))
		return false;
	return cmd & PCI_COMMAND_MEMORY;
}

/*
 * vfio_device_try_get_registration() is not exported on 6.12. The device
 * reference keeps the vfio_pci_core_device allocation, and with it
 * memory_lock and this provider, alive for a buffer's release; the buffer
 * never needs a registered device, since close_device cuts it off first.
 *
 * But while it is held, vfio keeps the device on its dev_set, so remove()
 * waits for these references (p2p_exp_vfio_wait_bufs()). The wait queue is
 * global because the last put may be what lets remove() free the device.
 */
static DECLARE_WAIT_QUEUE_HEAD(p2p_exp_buf_refs_wq);

static void p2p_exp_vfio_get(struct p2p_exp_provider *prov)
{
	struct p2p_exp_vdev *vdev = prov_to_vdev(prov);

	atomic_inc(&vdev->buf_refs);
	get_device(&vdev->core.vdev.device);
}

/*
 * remove() holds its own reference until it has seen buf_refs reach zero,
 * so the put below is never the last one while buf_refs is still counted.
 */
static void p2p_exp_vfio_put(struct p2p_exp_provider *prov)
{
	struct p2p_exp_vdev *vdev = prov_to_vdev(prov);

	put_device(&vdev->core.vdev.device);
	if (atomic_dec_and_test(&vdev->buf_refs))
		wake_up_all(&p2p_exp_buf_refs_wq);
}

/*
 * After unregistering: every buffer has been cut off by close_device
 * except those whose release was already under way; wait for those to
 * unlink themselves and let go of the device.
 */
void p2p_exp_vfio_wait_bufs(struct p2p_exp_vdev *vdev)
{
	wait_event(p2p_exp_buf_refs_wq, !atomic_read(&vdev->buf_refs));
}

static const struct p2p_exp_provider_ops p2p_exp_vfio_provider_ops = {
	.bar_range = p2p_exp_vfio_bar_range,
	.mmio_enabled = p2p_exp_vfio_mmio_enabled,
	.get = p2p_exp_vfio_get,
	.put = p2p_exp_vfio_put,
};

void p2p_exp_vfio_provider_init(struct p2p_exp_vdev *vdev)
{
	p2p_exp_provider_init(&vdev->prov, &p2p_exp_vfio_provider_ops,
			      &vdev->core.pdev->dev, &vdev->core.memory_lock);
}
