// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p info: what the device is and what can be done with it. Each
 * part prints text, or with --json (@j set) members of one JSON object.
 */
#include <linux/pci_regs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_BUFS 32

/* The modules the tool drives or tests against. */
static const char *const modules[] = {
	"vfio_pci_core", P2P_EXP_DRIVER, "dmabuf_p2p_imp", "vgem",
};

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

static const char *res_type(const struct p2p_pci_res *res)
{
	return res->flags & P2P_IORESOURCE_MEM ? "mem" :
	       res->flags & P2P_IORESOURCE_IO ? "io" : "?";
}

/* "flr bus" as ["flr","bus"]. */
static void json_words(struct cli_json *j, const char *key, char *s)
{
	char *save, *w;

	cli_json_arr(j, key);
	for (w = strtok_r(s, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		cli_json_s(j, NULL, w);
	cli_json_end(j);
}

static void print_sysfs(struct cli_json *j, const char *bdf)
{
	char drv[64] = "(none)", resets[128];
	unsigned int vendor = 0, device = 0, i;
	struct p2p_pci_res res;
	bool has_drv;
	int group;

	p2p_pci_ids(bdf, &vendor, &device);
	has_drv = !p2p_pci_driver(bdf, drv, sizeof(drv));
	group = p2p_pci_iommu_group(bdf);
	if (p2p_pci_reset_methods(bdf, resets, sizeof(resets)))
		resets[0] = '\0';
	if (j) {
		cli_json_s(j, "device", bdf);
		cli_json_sf(j, "vendor_id", "%04x", vendor);
		cli_json_sf(j, "device_id", "%04x", device);
		cli_json_s(j, "driver", has_drv ? drv : NULL);
		if (group >= 0)
			cli_json_i(j, "iommu_group", group);
		else
			cli_json_null(j, "iommu_group");
		json_words(j, "reset_methods", resets);
		cli_json_arr(j, "bars");
	} else {
		printf("device %s [%04x:%04x] driver=%s iommu_group=", bdf, vendor, device, drv);
		if (group >= 0)
			printf("%d\n", group);
		else
			printf("(none)\n");
		printf("reset_method: %s\n", resets[0] ? resets : "(none)");
	}
	for (i = 0; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		if (p2p_pci_resource(bdf, i, &res) || !res.flags)
			continue;
		if (!j) {
			printf("bar%u: %s phys=0x%llx size=0x%llx\n", i, res_type(&res),
			       (unsigned long long)res.start,
			       (unsigned long long)(res.end - res.start + 1));
			continue;
		}
		cli_json_obj(j, NULL);
		cli_json_u(j, "index", i);
		cli_json_s(j, "type", res_type(&res));
		cli_json_sf(j, "phys", "0x%llx", (unsigned long long)res.start);
		cli_json_u(j, "size", res.end - res.start + 1);
		cli_json_end(j);
	}
	if (j)
		cli_json_end(j);
}

static void print_regions(struct cli_json *j, struct p2p_dev *dev)
{
	struct vfio_region_info info;
	char name[24];
	unsigned int i;

	if (j)
		cli_json_arr(j, "regions");
	for (i = 0; i < dev->info.num_regions; i++) {
		if (p2p_region_info(dev, i, &info) || !info.size)
			continue;
		region_name(i, name, sizeof(name));
		if (!j) {
			printf("region %u %-6s size=0x%llx%s%s%s\n", i, name,
			       (unsigned long long)info.size,
			       info.flags & VFIO_REGION_INFO_FLAG_READ ? " read" : "",
			       info.flags & VFIO_REGION_INFO_FLAG_WRITE ? " write" : "",
			       info.flags & VFIO_REGION_INFO_FLAG_MMAP ? " mmap" : "");
			continue;
		}
		cli_json_obj(j, NULL);
		cli_json_u(j, "index", i);
		cli_json_s(j, "name", name);
		cli_json_u(j, "size", info.size);
		cli_json_b(j, "read", info.flags & VFIO_REGION_INFO_FLAG_READ);
		cli_json_b(j, "write", info.flags & VFIO_REGION_INFO_FLAG_WRITE);
		cli_json_b(j, "mmap", info.flags & VFIO_REGION_INFO_FLAG_MMAP);
		cli_json_end(j);
	}
	if (j)
		cli_json_end(j);
}

static void print_vfio(struct cli_json *j, struct p2p_dev *dev)
{
	bool reset = dev->info.flags & VFIO_DEVICE_FLAGS_RESET;
	bool pm = p2p_dev_find_cap(dev, PCI_CAP_ID_PM) >= 0;
	bool exp = p2p_dev_find_cap(dev, PCI_CAP_ID_EXP) >= 0;
	int dmabuf = p2p_dmabuf_probe(dev);
	char why[256];

	snprintf(why, sizeof(why), "%s", dmabuf ? p2p_last_error() : "supported");
	if (!j) {
		printf("vfio: %s group %d, flags=0x%x%s, %u regions, %u irqs\n",
		       dev->noiommu ? "noiommu" : "iommu", dev->group_id, dev->info.flags,
		       reset ? " (reset)" : "", dev->info.num_regions, dev->info.num_irqs);
		print_regions(j, dev);
		printf("caps: pm=%s pcie=%s\n", pm ? "yes" : "no", exp ? "yes" : "no");
		printf("dma-buf feature: %s\n", why);
		return;
	}
	cli_json_b(j, "open", true);
	cli_json_b(j, "noiommu", dev->noiommu);
	cli_json_i(j, "group", dev->group_id);
	cli_json_u(j, "flags", dev->info.flags);
	cli_json_b(j, "reset", reset);
	cli_json_u(j, "num_regions", dev->info.num_regions);
	cli_json_u(j, "num_irqs", dev->info.num_irqs);
	print_regions(j, dev);
	cli_json_obj(j, "caps");
	cli_json_b(j, "pm", pm);
	cli_json_b(j, "pcie", exp);
	cli_json_end(j);
	cli_json_obj(j, "dmabuf_feature");
	cli_json_b(j, "supported", !dmabuf);
	cli_json_s(j, "error", dmabuf ? why : NULL);
	cli_json_end(j);
}

static void print_triggers(struct cli_json *j, struct p2p_dev *dev)
{
	const struct p2p_trigger_desc *t;
	size_t i, n;
	bool no;

	t = p2p_trigger_descs(&n);
	if (j)
		cli_json_arr(j, "triggers");
	else
		printf("triggers:\n");
	for (i = 0; i < n; i++) {
		no = p2p_trigger_supported(dev, t[i].revoke);
		if (!j) {
			if (no)
				printf("  %-10s no: %s\n", t[i].name, p2p_last_error());
			else
				printf("  %-10s yes\n", t[i].name);
			continue;
		}
		cli_json_obj(j, NULL);
		cli_json_s(j, "name", t[i].name);
		cli_json_b(j, "supported", !no);
		cli_json_s(j, "reason", no ? p2p_last_error() : NULL);
		cli_json_end(j);
	}
	if (j)
		cli_json_end(j);
}

static void print_buffers(struct cli_json *j, const char *bdf)
{
	struct p2p_buf_stat st[MAX_BUFS];
	bool present = p2p_exp_debugfs_present();
	int n = 0, i;

	if (present)
		n = p2p_buffers_list(bdf, st, MAX_BUFS);
	if (!j) {
		if (!present)
			printf("exporter debugfs: absent (" P2P_EXP_DEBUGFS ")\n");
		else if (n < 0)
			printf("buffers: %s\n", p2p_last_error());
		else
			printf("buffers: %d\n", n);
		for (i = 0; i < n && i < MAX_BUFS; i++)
			cli_print_stat(stdout, "  ", &st[i]);
		return;
	}
	cli_json_b(j, "exporter_debugfs", present);
	if (!present)
		return;
	cli_json_obj(j, "buffers");
	if (n < 0) {
		cli_json_s(j, "error", p2p_last_error());
	} else {
		cli_json_i(j, "count", n);
		cli_json_arr(j, "list");
		for (i = 0; i < n && i < MAX_BUFS; i++)
			cli_json_stat(j, NULL, &st[i]);
		cli_json_end(j);
	}
	cli_json_end(j);
}

static void print_modules(struct cli_json *j)
{
	size_t i;
	bool on;

	if (j)
		cli_json_obj(j, "modules");
	else
		printf("modules:");
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		on = p2p_module_loaded(modules[i]);
		if (j)
			cli_json_b(j, modules[i], on);
		else
			printf(" %s=%s", modules[i], on ? "yes" : "no");
	}
	if (j)
		cli_json_end(j);
	else
		putchar('\n');
}

/*
 * Everything sysfs, vfio and debugfs say of @bdf. Fails (after printing
 * what it could) when vfio cannot open the device: the rest of the tool
 * could not use it either.
 */
int cmd_info(const struct cli_opts *o, const char *bdf)
{
	struct cli_json js, *j = o->json ? &js : NULL;
	bool importer = !access(DMABUF_P2P_IMPORTER_DEV, F_OK);
	char why[256] = "";
	struct p2p_dev dev;

	if (j)
		cli_json_begin(j, stdout, "info");
	print_sysfs(j, bdf);
	if (j)
		cli_json_obj(j, "vfio");
	if (p2p_dev_open(bdf, &dev)) {
		snprintf(why, sizeof(why), "vfio cannot open %s: %s", bdf, p2p_last_error());
		if (j) {
			cli_json_b(j, "open", false);
			cli_json_s(j, "error", p2p_last_error());
			cli_json_end(j);
		} else {
			printf("vfio: cannot open: %s\n", p2p_last_error());
		}
	} else {
		print_vfio(j, &dev);
		if (j)
			cli_json_end(j);
		print_triggers(j, &dev);
		p2p_dev_close(&dev);
	}
	print_modules(j);
	p2p_debugfs_ensure();
	print_buffers(j, bdf);
	if (j) {
		cli_json_b(j, "importer", importer);
		if (why[0])
			cli_json_s(j, "error", why);
		cli_json_result(j, why[0] ? CLI_FAIL : CLI_PASS);
		cli_json_end(j);
	} else {
		printf("importer: %s\n", importer ? "present" : "absent");
	}
	if (why[0]) {
		cli_err("%s", why);
		return CLI_FAIL;
	}
	return CLI_PASS;
}
