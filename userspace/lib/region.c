// SPDX-License-Identifier: GPL-2.0
/* vfio regions: info, which BARs are memory BARs, mmap of a BAR. */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "dmabuf_p2p.h"
#include "internal.h"

int p2p_region_info(struct p2p_dev *dev, unsigned int index,
		    struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(dev->device, VFIO_DEVICE_GET_REGION_INFO, info) < 0)
		return p2p_seterr(errno, "%s: VFIO_DEVICE_GET_REGION_INFO(%u)",
				  dev->bdf, index);
	return 0;
}

/*
 * 1 if @bar is an implemented memory (MMIO) BAR, 0 if it is absent or an
 * I/O port BAR. The resource flags come from sysfs; the size from vfio.
 */
int p2p_bar_is_mem(struct p2p_dev *dev, unsigned int bar, uint64_t *size)
{
	struct vfio_region_info info;
	struct p2p_pci_res res;
	int ret;

	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		return p2p_seterr_msg(EINVAL, "BAR %u out of range", bar);
	ret = p2p_region_info(dev, bar, &info);
	if (ret)
		return ret;
	if (size)
		*size = info.size;
	if (!info.size)
		return 0;
	ret = p2p_pci_resource(dev->bdf, bar, &res);
	if (ret)
		return ret;
	return !!(res.flags & P2P_IORESOURCE_MEM);
}

/* The largest memory BAR of at least @min_size bytes (lowest index on ties). */
int p2p_find_mem_bar(struct p2p_dev *dev, uint64_t min_size, unsigned int *bar,
		     uint64_t *size)
{
	uint64_t best = 0, sz = 0;
	unsigned int i;
	int found = -1, ret;

	for (i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		ret = p2p_bar_is_mem(dev, i, &sz);
		if (ret < 0)
			return ret;
		if (ret && sz >= min_size && sz > best) {
			best = sz;
			found = i;
		}
	}
	if (found < 0)
		return p2p_seterr_msg(ENODEV, "%s has no memory BAR of %llu bytes or more",
				      dev->bdf, (unsigned long long)min_size);
	*bar = found;
	if (size)
		*size = best;
	return 0;
}

int p2p_bar_mmap(struct p2p_dev *dev, unsigned int bar, uint64_t offset,
		 size_t len, int prot, void **out)
{
	struct vfio_region_info info;
	void *p;
	int ret;

	ret = p2p_region_info(dev, bar, &info);
	if (ret)
		return ret;
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return p2p_seterr_msg(EOPNOTSUPP, "%s: BAR %u cannot be mmap()ed",
				      dev->bdf, bar);
	if (offset > info.size || len > info.size - offset)
		return p2p_seterr_msg(EINVAL, "%s: mmap past the end of BAR %u",
				      dev->bdf, bar);
	p = mmap(NULL, len, prot, MAP_SHARED, dev->device, info.offset + offset);
	if (p == MAP_FAILED)
		return p2p_seterr(errno, "%s: mmap BAR %u", dev->bdf, bar);
	*out = p;
	return 0;
}
