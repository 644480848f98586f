// SPDX-License-Identifier: GPL-2.0
/* dmabuf-p2p info: what the device is and what can be done with it. */
#include <linux/pci_regs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *region_name(unsigned int i, char *buf, size_t len)
{
	if (i <= VFIO_PCI_BAR5_REGION_INDEX)
		snprintf(buf, len, "BAR%u", i);
	else if (i == VFIO_PCI_ROM_REGION_INDEX)
		snprintf(buf, len, "ROM");
	else if (i == VFIO_PCI_CONFIG_REGION_INDEX)
		snprintf(buf, len, "config");
	else if (i == VFIO_PCI_VGA_REGION_INDEX)
		snprintf(buf, len, "VGA");
	else
		snprintf(buf, len, "region%u", i);
	return buf;
}

static void print_sysfs(const char *bdf)
{
	char drv[64] = "(none)", resets[128];
	unsigned int vendor = 0, device = 0, i;
	struct p2p_pci_res res;
	int group;

	p2p_pci_ids(bdf, &vendor, &device);
	p2p_pci_driver(bdf, drv, sizeof(drv));
	group = p2p_pci_iommu_group(bdf);
	if (p2p_pci_reset_methods(bdf, resets, sizeof(resets)) || !resets[0])
		snprintf(resets, sizeof(resets), "(none)");
	printf("device %s [%04x:%04x] driver=%s iommu_group=", bdf, vendor, device, drv);
	if (group >= 0)
		printf("%d\n", group);
	else
		printf("(none)\n");
	printf("reset_method: %s\n", resets);
	for (i = 0; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		if (p2p_pci_resource(bdf, i, &res) || !res.flags)
			continue;
		printf("bar%u: %s phys=0x%llx size=0x%llx\n", i,
		       res.flags & P2P_IORESOURCE_MEM ? "mem" :
		       res.flags & P2P_IORESOURCE_IO ? "io" : "?",
		       (unsigned long long)res.start,
		       (unsigned long long)(res.end - res.start + 1));
	}
}

static void print_vfio(struct p2p_dev *dev)
{
	struct vfio_region_info info;
	char name[24];
	unsigned int i;
	int pm, exp;

	printf("vfio: %s group %d, flags=0x%x%s, %u regions, %u irqs\n",
	       dev->noiommu ? "noiommu" : "iommu", dev->group_id, dev->info.flags,
	       dev->info.flags & VFIO_DEVICE_FLAGS_RESET ? " (reset)" : "",
	       dev->info.num_regions, dev->info.num_irqs);
	for (i = 0; i < dev->info.num_regions; i++) {
		if (p2p_region_info(dev, i, &info) || !info.size)
			continue;
		printf("region %u %-6s size=0x%llx%s%s%s\n", i, region_name(i, name, sizeof(name)),
		       (unsigned long long)info.size,
		       info.flags & VFIO_REGION_INFO_FLAG_READ ? " read" : "",
		       info.flags & VFIO_REGION_INFO_FLAG_WRITE ? " write" : "",
		       info.flags & VFIO_REGION_INFO_FLAG_MMAP ? " mmap" : "");
	}
	pm = p2p_dev_find_cap(dev, PCI_CAP_ID_PM);
	exp = p2p_dev_find_cap(dev, PCI_CAP_ID_EXP);
	printf("caps: pm=%s pcie=%s\n", pm >= 0 ? "yes" : "no", exp >= 0 ? "yes" : "no");
	printf("dma-buf feature: %s\n", p2p_dmabuf_probe(dev) ? p2p_last_error() : "supported");
}

static void print_triggers(struct p2p_dev *dev)
{
	const struct p2p_trigger_desc *t;
	size_t i, n;

	t = p2p_trigger_descs(&n);
	printf("triggers:\n");
	for (i = 0; i < n; i++) {
		if (p2p_trigger_supported(dev, t[i].revoke))
			printf("  %-10s no: %s\n", t[i].name, p2p_last_error());
		else
			printf("  %-10s yes\n", t[i].name);
	}
}

static void print_buffers(const char *bdf)
{
	struct p2p_buf_stat st[32];
	int n, i;

	if (!p2p_exp_debugfs_present()) {
		printf("exporter debugfs: absent (" P2P_EXP_DEBUGFS ")\n");
		return;
	}
	n = p2p_buffers_list(bdf, st, 32);
	if (n < 0) {
		printf("buffers: %s\n", p2p_last_error());
		return;
	}
	printf("buffers: %d\n", n);
	for (i = 0; i < n && i < 32; i++)
		cli_print_stat("  ", &st[i]);
}

int cmd_info(const struct cli_opts *o, const char *bdf)
{
	struct p2p_dev dev;

	(void)o;
	print_sysfs(bdf);
	if (p2p_dev_open(bdf, &dev)) {
		printf("vfio: cannot open: %s\n", p2p_last_error());
	} else {
		print_vfio(&dev);
		print_triggers(&dev);
		p2p_dev_close(&dev);
	}
	p2p_debugfs_ensure();
	print_buffers(bdf);
	printf("importer: %s\n", access(DMABUF_P2P_IMPORTER_DEV, F_OK) ? "absent" : "present");
	return CLI_PASS;
}
