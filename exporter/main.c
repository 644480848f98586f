// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_p2p_exp: a vfio-pci variant driver that exports BAR slices as
 * dma-bufs for peer-to-peer DMA (VFIO_DEVICE_FEATURE_DMA_BUF, the v6.19
 * uAPI) on kernels whose vfio-pci cannot. It binds only through
 * driver_override and otherwise behaves like vfio-pci.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "dmabuf_p2p_compat.h"
#include "dmabuf_p2p_debugfs.h"
#include "p2p_exp.h"

/*
 * Bound devices, for a hot reset to find the other devices of its dev_set.
 * A leaf: nothing but an allocation happens under it.
 */
DEFINE_MUTEX(p2p_exp_devs_lock);
LIST_HEAD(p2p_exp_devs);

static int p2p_exp_init_dev(struct vfio_device *core_vdev)
{
	struct p2p_exp_vdev *vdev = to_p2p_exp_vdev(core_vdev);
	int ret;

	ret = vfio_pci_core_init_dev(core_vdev);
	if (ret)
		return ret;

	mutex_init(&vdev->trigger_lock);
	INIT_LIST_HEAD(&vdev->node);
	vdev->caps.pm = vdev->core.pdev->pm_cap;
	vdev->caps.pcie = pci_pcie_cap(vdev->core.pdev);
	vdev->caps.af = pci_find_capability(vdev->core.pdev, PCI_CAP_ID_AF);
	p2p_exp_vfio_provider_init(vdev);
	return 0;
}

/* Runs on the last device reference, possibly from a buffer's release. */
static void p2p_exp_release_dev(struct vfio_device *core_vdev)
{
	struct p2p_exp_vdev *vdev = to_p2p_exp_vdev(core_vdev);

	WARN_ON(!list_empty(&vdev->prov.bufs));
	mutex_destroy(&vdev->trigger_lock);
	vfio_pci_core_release_dev(core_vdev);
}

static const struct vfio_device_ops p2p_exp_vfio_ops = {
	.name		= P2P_EXP_DRIVER,
	.init		= p2p_exp_init_dev,
	.release	= p2p_exp_release_dev,
	.open_device	= p2p_exp_open_device,
	.close_device	= p2p_exp_close_device,
	.ioctl		= p2p_exp_ioctl,
	.device_feature	= p2p_exp_device_feature,
	.read		= vfio_pci_core_read,
	.write		= p2p_exp_write,
	.mmap		= vfio_pci_core_mmap,
	.request	= vfio_pci_core_request,
	.match		= vfio_pci_core_match,
	P2P_VFIO_OPS_MATCH_TOKEN
	P2P_VFIO_OPS_REGION_INFO
	.bind_iommufd	= vfio_iommufd_physical_bind,
	.unbind_iommufd	= vfio_iommufd_physical_unbind,
	.attach_ioas	= vfio_iommufd_physical_attach_ioas,
	.detach_ioas	= vfio_iommufd_physical_detach_ioas,
};

static int p2p_exp_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct p2p_exp_vdev *vdev;
	int ret;

	vdev = vfio_alloc_device(p2p_exp_vdev, core.vdev, &pdev->dev,
				 &p2p_exp_vfio_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	dev_set_drvdata(&pdev->dev, &vdev->core);

	/* Listed before it can be opened, so no hot reset can miss it. */
	mutex_lock(&p2p_exp_devs_lock);
	list_add_tail(&vdev->node, &p2p_exp_devs);
	mutex_unlock(&p2p_exp_devs_lock);
	p2p_exp_debugfs_add_dev(vdev);

	ret = vfio_pci_core_register_device(&vdev->core);
	if (ret)
		goto err_unlist;
	return 0;

err_unlist:
	p2p_exp_debugfs_remove_dev(vdev);
	mutex_lock(&p2p_exp_devs_lock);
	list_del(&vdev->node);
	mutex_unlock(&p2p_exp_devs_lock);
	vfio_put_device(&vdev->core.vdev);
	return ret;
}

/*
 * Unregistering waits until every user closed the device, so close_device
 * has already revoked and cut off every buffer; buffers that live on hold
 * only their own references and stay safely closable. A buffer that was
 * already being released at close_device still points at the device and
 * takes memory_lock to unlink: remove() does not return before it has, so
 * no buffer keeps an unbound device on vfio's dev_set.
 */
static void p2p_exp_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct p2p_exp_vdev *vdev = container_of(core, struct p2p_exp_vdev,
						 core);

	p2p_exp_debugfs_remove_dev(vdev);
	vfio_pci_core_unregister_device(core);
	p2p_exp_vfio_wait_bufs(vdev);
	mutex_lock(&p2p_exp_devs_lock);
	list_del(&vdev->node);
	mutex_unlock(&p2p_exp_devs_lock);
	vfio_put_device(&core->vdev);
}

static const struct pci_device_id p2p_exp_table[] = {
	/* driver_override only: never claims a device on its own */
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{}
};
MODULE_DEVICE_TABLE(pci, p2p_exp_table);

static struct pci_driver p2p_exp_driver = {
	.name			= P2P_EXP_DRIVER,
	.id_table		= p2p_exp_table,
	.probe			= p2p_exp_probe,
	.remove			= p2p_exp_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver_managed_dma	= true,
};

static int __init p2p_exp_init(void)
{
	int ret;

	p2p_exp_debugfs_init();
	ret = pci_register_driver(&p2p_exp_driver);
	if (ret)
		p2p_exp_debugfs_exit();
	return ret;
}
module_init(p2p_exp_init);

static void __exit p2p_exp_exit(void)
{
	pci_unregister_driver(&p2p_exp_driver);
	p2p_exp_debugfs_exit();
}
module_exit(p2p_exp_exit);

/*
 * Upstream vfio-pci refuses importers that are not PCI devices: nothing can
 * tell whether they reach the BAR. The project's importer attaches for a
 * platform device unless it drives a PCI engine, so the VM rig loads us
 * with allow_non_pci=1; users with a real PCI importer leave it off.
 */
module_param_named(allow_non_pci, p2p_exp_knobs.allow_non_pci, bool, 0644);
MODULE_PARM_DESC(allow_non_pci,
		 "map for importers that are not PCI devices (default: refuse with EINVAL)");

P2P_IMPORT_NS(DMA_BUF);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vfio-pci variant driver exporting BAR slices as P2P dma-bufs");
