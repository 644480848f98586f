// SPDX-License-Identifier: GPL-2.0
/*
 * Open a vfio-pci device by PCI address through the legacy group/container
 * interface: /dev/vfio/noiommu-N in no-IOMMU mode, /dev/vfio/N with a real
 * (or emulated) IOMMU. One container per opened device.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"

int p2p_group_path(int group_id, bool noiommu, char *buf, size_t len)
{
	int n = snprintf(buf, len, "/dev/vfio/%s%d", noiommu ? "noiommu-" : "",
			 group_id);

	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

static void reset_fds(struct p2p_dev *dev)
{
	dev->container = -1;
	dev->group = -1;
	dev->device = -1;
}

bool p2p_dev_is_open(const struct p2p_dev *dev)
{
	return dev->device >= 0;
}

static int set_iommu(struct p2p_dev *dev)
{
	int type, ret;

	if (dev->noiommu) {
		type = VFIO_NOIOMMU_IOMMU;
		if (ioctl(dev->container, VFIO_CHECK_EXTENSION, type) <= 0)
			return p2p_seterr_msg(ENODEV, "container has no no-IOMMU support "
					      "(vfio.enable_unsafe_noiommu_mode=1?)");
	} else if (ioctl(dev->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0) {
		type = VFIO_TYPE1v2_IOMMU;
	} else if (ioctl(dev->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0) {
		type = VFIO_TYPE1_IOMMU;
	} else {
		return p2p_seterr_msg(ENODEV, "container supports no type1 IOMMU");
	}
	ret = ioctl(dev->container, VFIO_SET_IOMMU, type);
	if (ret < 0)
		return p2p_seterr(errno, "VFIO_SET_IOMMU(%d)", type);
	return 0;
}

int p2p_dev_open(const char *bdf, struct p2p_dev *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info cfg;
	char path[64];
	int ret;

	memset(dev, 0, sizeof(*dev));
	reset_fds(dev);
	ret = p2p_bdf_normalize(bdf, dev->bdf);
	if (ret)
		return ret;
	if (!p2p_pci_exists(dev->bdf))
		return p2p_seterr_msg(ENODEV, "no PCI device %s", dev->bdf);

	ret = p2p_pci_iommu_group(dev->bdf);
	if (ret < 0)
		return ret;
	dev->group_id = ret;

	p2p_group_path(dev->group_id, true, path, sizeof(path));
	if (!access(path, F_OK))
		dev->noiommu = true;
	else
		p2p_group_path(dev->group_id, false, path, sizeof(path));

	dev->group = open(path, O_RDWR | O_CLOEXEC);
	if (dev->group < 0) {
		ret = p2p_seterr(errno, "open %s (group of %s)", path, dev->bdf);
		goto fail;
	}
	if (ioctl(dev->group, VFIO_GROUP_GET_STATUS, &status) < 0) {
		ret = p2p_seterr(errno, "VFIO_GROUP_GET_STATUS on %s", path);
		goto fail;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = p2p_seterr_msg(EBUSY, "%s is not viable: a device in it is "
				     "bound to a non-vfio driver", path);
		goto fail;
	}

	dev->container = open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC);
	if (dev->container < 0) {
		ret = p2p_seterr(errno, "open " VFIO_CONTAINER_PATH);
		goto fail;
	}
	ret = ioctl(dev->container, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		ret = p2p_seterr_msg(EINVAL, "vfio API version %d, want %d", ret,
				     VFIO_API_VERSION);
		goto fail;
	}
	if (ioctl(dev->group, VFIO_GROUP_SET_CONTAINER, &dev->container) < 0) {
		ret = p2p_seterr(errno, "VFIO_GROUP_SET_CONTAINER on %s", path);
		goto fail;
	}
	ret = set_iommu(dev);
	if (ret)
		goto fail;

	dev->device = ioctl(dev->group, VFIO_GROUP_GET_DEVICE_FD, dev->bdf);
	if (dev->device < 0) {
		ret = p2p_seterr(errno, "VFIO_GROUP_GET_DEVICE_FD(%s)", dev->bdf);
		goto fail;
	}
	dev->info.argsz = sizeof(dev->info);
	if (ioctl(dev->device, VFIO_DEVICE_GET_INFO, &dev->info) < 0) {
		ret = p2p_seterr(errno, "VFIO_DEVICE_GET_INFO(%s)", dev->bdf);
		goto fail;
	}
	if (!(dev->info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		ret = p2p_seterr_msg(ENODEV, "%s is not a vfio PCI device", dev->bdf);
		goto fail;
	}
	ret = p2p_region_info(dev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (ret)
		goto fail;
	dev->cfg_offset = cfg.offset;
	dev->cfg_size = cfg.size;
	return 0;

fail:
	p2p_dev_close(dev);
	return ret;
}

/*
 * Device fd first: its release is what vfio (and our exporter) treat as
 * "device closed"; group and container follow. Safe to call twice.
 */
void p2p_dev_close(struct p2p_dev *dev)
{
	if (dev->device >= 0)
		close(dev->device);
	if (dev->group >= 0)
		close(dev->group);
	if (dev->container >= 0)
		close(dev->container);
	reset_fds(dev);
}
