// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_PCI_HOT_RESET (a slot or bus reset): which devices a hot
 * reset of a device would reset, the group fds the ioctl wants for them,
 * and the ioctl itself. p2p_hot_reset() does it all; the steps are apart
 * for a caller that lays the argument out itself (a selftest puts
 * group_fds[] on a page that faults).
 */
#include <fcntl.h>
#include <linux/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/* Number of devices a hot reset would reset, or -errno (-ENODEV: none possible). */
int p2p_hot_reset_count(struct p2p_dev *dev)
{
	struct vfio_pci_hot_reset_info info = { .argsz = sizeof(info) };

	if (ioctl(dev->device, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info) < 0 &&
	    errno != ENOSPC)
		return p2p_seterr(errno, "%s: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO "
				  "(no slot or bus reset?)", dev->bdf);
	return info.count;
}

/*
 * The devices a hot reset of @dev would reset, @dev among them, into *@out
 * (free() it): their number, or -errno.
 */
int p2p_hot_reset_devices(struct p2p_dev *dev, struct vfio_pci_dependent_device **out)
{
	struct vfio_pci_hot_reset_info *info;
	struct vfio_pci_dependent_device *devs;
	unsigned int n;
	int count;

	*out = NULL;
	count = p2p_hot_reset_count(dev);
	if (count < 0)
		return count;
	info = calloc(1, sizeof(*info) + count * sizeof(info->devices[0]));
	if (!info)
		return p2p_seterr(ENOMEM, "hot reset info");
	info->argsz = sizeof(*info) + count * sizeof(info->devices[0]);
	if (ioctl(dev->device, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info) < 0) {
		int err = errno;

		free(info);
		return p2p_seterr(err, "%s: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", dev->bdf);
	}
	n = info->count < (unsigned int)count ? info->count : (unsigned int)count;
	devs = calloc(n ? n : 1, sizeof(*devs));
	if (!devs) {
		free(info);
		return p2p_seterr(ENOMEM, "hot reset info");
	}
	memcpy(devs, info->devices, n * sizeof(*devs));
	free(info);
	*out = devs;
	return n;
}

/* The PCI address of an entry of p2p_hot_reset_devices(), as sysfs names it. */
void p2p_hot_reset_dev_bdf(const struct vfio_pci_dependent_device *d,
			   char out[P2P_BDF_LEN])
{
	snprintf(out, P2P_BDF_LEN, "%04x:%02x:%02x.%u", d->segment, d->bus,
		 PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
}

/*
 * The ioctl needs an fd for every group owning an affected device: the
 * device's own, plus any other, opened here (that fails while another
 * process has it).
 */
int p2p_hot_reset_groups_get(struct p2p_dev *dev, struct p2p_hot_reset_groups *g)
{
	struct vfio_pci_dependent_device *devs;
	int *ids = NULL;
	unsigned int i, j;
	int n, ret = 0;

	memset(g, 0, sizeof(*g));
	g->own = dev->group;
	n = p2p_hot_reset_devices(dev, &devs);
	if (n < 0)
		return n;
	g->fds = calloc(n ? n : 1, sizeof(*g->fds));
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!g->fds || !ids) {
		ret = p2p_seterr(ENOMEM, "hot reset groups");
		goto out;
	}
	for (i = 0; i < (unsigned int)n; i++) {
		int gid = devs[i].group_id;
		char path[64], bdf[P2P_BDF_LEN];

		for (j = 0; j < g->count; j++)
			if (ids[j] == gid)
				break;
		if (j < g->count)
			continue;
		ids[g->count] = gid;
		if (gid == dev->group_id) {
			g->fds[g->count++] = dev->group;
			continue;
		}
		p2p_group_path(gid, dev->noiommu, path, sizeof(path));
		g->fds[g->count] = open(path, O_RDWR | O_CLOEXEC);
		if (g->fds[g->count] < 0) {
			p2p_hot_reset_dev_bdf(&devs[i], bdf);
			ret = p2p_seterr(errno, "%s: hot reset also resets %s; open %s",
					 dev->bdf, bdf, path);
			goto out;
		}
		g->count++;
	}
out:
	free(ids);
	free(devs);
	if (ret)
		p2p_hot_reset_groups_put(g);
	return ret;
}

/* Close the group fds p2p_hot_reset_groups_get() opened. Safe to call twice. */
void p2p_hot_reset_groups_put(struct p2p_hot_reset_groups *g)
{
	unsigned int i;

	for (i = 0; g->fds && i < g->count; i++)
		if (g->fds[i] >= 0 && g->fds[i] != g->own)
			close(g->fds[i]);
	free(g->fds);
	g->fds = NULL;
	g->count = 0;
}

/* The ioctl, on an argument (argsz, flags, count, group_fds) laid out by the caller. */
int p2p_hot_reset_issue(struct p2p_dev *dev, struct vfio_pci_hot_reset *hr)
{
	if (ioctl(dev->device, VFIO_DEVICE_PCI_HOT_RESET, hr) < 0)
		return p2p_seterr(errno, "%s: VFIO_DEVICE_PCI_HOT_RESET", dev->bdf);
	return 0;
}

int p2p_hot_reset(struct p2p_dev *dev)
{
	struct p2p_hot_reset_groups g;
	struct vfio_pci_hot_reset *hr;
	unsigned int i;
	int ret;

	ret = p2p_hot_reset_groups_get(dev, &g);
	if (ret)
		return ret;
	hr = calloc(1, sizeof(*hr) + g.count * sizeof(hr->group_fds[0]));
	if (!hr) {
		p2p_hot_reset_groups_put(&g);
		return p2p_seterr(ENOMEM, "hot reset");
	}
	hr->argsz = sizeof(*hr) + g.count * sizeof(hr->group_fds[0]);
	hr->count = g.count;
	for (i = 0; i < g.count; i++)
		hr->group_fds[i] = g.fds[i];
	ret = p2p_hot_reset_issue(dev, hr);
	free(hr);
	p2p_hot_reset_groups_put(&g);
	return ret;
}
