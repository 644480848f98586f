// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p info: what the device is and what can be done with it, found
 * first (struct info_result), then said once, as text or as one JSON object.
 */
#include <linux/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_BUFS	32
#define MAX_REGIONS	32
#define MAX_TRIGGERS	16

/* The modules the tool drives or tests against. */
static const char *const modules[] = {
	"vfio_pci_core", P2P_EXP_DRIVER, "dmabuf_p2p_imp", "vgem",
};

#define NR_MODULES	(sizeof(modules) / sizeof(modules[0]))

struct info_bar {
	unsigned int index;
	struct p2p_pci_res res;
};

struct info_region {
	unsigned int index;
	char name[24];
	struct vfio_region_info info;
};

struct info_trigger {
	const char *name;
	bool supported;
	char reason[256];
};

struct info_result {
	/* sysfs */
	unsigned int vendor, device;
	bool has_drv;
	char drv[64];
	int group;
	char resets[128];
	unsigned int nbars;
	struct info_bar bars[VFIO_PCI_BAR5_REGION_INDEX + 1];
	/* vfio, when it could open the device */
	bool open;
	char open_err[256];
	bool noiommu;
	int group_id;
	struct vfio_device_info dev;
	unsigned int nregions;
	struct info_region regions[MAX_REGIONS];
	bool pm, pcie, dmabuf;
	char dmabuf_why[256];
	size_t ntriggers;
	struct info_trigger triggers[MAX_TRIGGERS];
	/* the modules, the exporter's debugfs, the importer */
	bool modules[NR_MODULES];
	bool debugfs;
	int nbufs;
	char bufs_err[256];
	struct p2p_buf_stat bufs[MAX_BUFS];
	bool importer;
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

static void info_sysfs(const char *bdf, struct info_result *r)
{
	struct info_bar *b;
	unsigned int i;

	snprintf(r->drv, sizeof(r->drv), "(none)");
	p2p_pci_ids(bdf, &r->vendor, &r->device);
	r->has_drv = !p2p_pci_driver(bdf, r->drv, sizeof(r->drv));
	r->group = p2p_pci_iommu_group(bdf);
	if (p2p_pci_reset_methods(bdf, r->resets, sizeof(r->resets)))
		r->resets[0] = '\0';
	for (i = 0; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		b = &r->bars[r->nbars];
		if (p2p_pci_resource(bdf, i, &b->res) || !b->res.flags)
			continue;
		b->index = i;
		r->nbars++;
	}
}

static void info_vfio(struct p2p_dev *dev, struct info_result *r)
{
	const struct p2p_trigger_desc *t;
	struct info_region *g;
	size_t i, n;

	r->open = true;
	r->noiommu = dev->noiommu;
	r->group_id = dev->group_id;
	r->dev = dev->info;
	for (i = 0; i < dev->info.num_regions && r->nregions < MAX_REGIONS; i++) {
		g = &r->regions[r->nregions];
		if (p2p_region_info(dev, i, &g->info) || !g->info.size)
			continue;
		g->index = i;
		region_name(i, g->name, sizeof(g->name));
		r->nregions++;
	}
	r->pm = p2p_dev_find_cap(dev, PCI_CAP_ID_PM) >= 0;
	r->pcie = p2p_dev_find_cap(dev, PCI_CAP_ID_EXP) >= 0;
	r->dmabuf = !p2p_dmabuf_probe(dev);
	snprintf(r->dmabuf_why, sizeof(r->dmabuf_why), "%s",
		 r->dmabuf ? "supported" : p2p_last_error());
	t = p2p_trigger_descs(&n);
	for (i = 0; i < n && i < MAX_TRIGGERS; i++) {
		r->triggers[i].name = t[i].name;
		r->triggers[i].supported = !p2p_trigger_supported(dev, t[i].revoke);
		if (!r->triggers[i].supported)
			snprintf(r->triggers[i].reason, sizeof(r->triggers[i].reason), "%s",
				 p2p_last_error());
	}
	r->ntriggers = i;
}

static void info_local(const char *bdf, struct info_result *r)
{
	size_t i;

	for (i = 0; i < NR_MODULES; i++)
		r->modules[i] = p2p_module_loaded(modules[i]);
	p2p_debugfs_ensure();
	r->debugfs = p2p_exp_debugfs_present();
	if (r->debugfs)
		r->nbufs = p2p_buffers_list(bdf, r->bufs, MAX_BUFS);
	if (r->nbufs < 0)
		snprintf(r->bufs_err, sizeof(r->bufs_err), "%s", p2p_last_error());
	r->importer = !access(DMABUF_P2P_IMPORTER_DEV, F_OK);
}

static void info_text(const char *bdf, const struct info_result *r)
{
	const struct info_region *g;
	const struct p2p_pci_res *res;
	unsigned int i;

	printf("device %s [%04x:%04x] driver=%s iommu_group=", bdf, r->vendor, r->device,
	       r->drv);
	if (r->group >= 0)
		printf("%d\n", r->group);
	else
		printf("(none)\n");
	printf("reset_method: %s\n", r->resets[0] ? r->resets : "(none)");
	for (i = 0; i < r->nbars; i++) {
		res = &r->bars[i].res;
		printf("bar%u: %s phys=0x%llx size=0x%llx\n", r->bars[i].index, res_type(res),
		       (unsigned long long)res->start,
		       (unsigned long long)(res->end - res->start + 1));
	}
	if (!r->open) {
		printf("vfio: cannot open: %s\n", r->open_err);
	} else {
		printf("vfio: %s group %d, flags=0x%x%s, %u regions, %u irqs\n",
		       r->noiommu ? "noiommu" : "iommu", r->group_id, r->dev.flags,
		       r->dev.flags & VFIO_DEVICE_FLAGS_RESET ? " (reset)" : "",
		       r->dev.num_regions, r->dev.num_irqs);
		for (i = 0; i < r->nregions; i++) {
			g = &r->regions[i];
			printf("region %u %-6s size=0x%llx%s%s%s\n", g->index, g->name,
			       (unsigned long long)g->info.size,
			       g->info.flags & VFIO_REGION_INFO_FLAG_READ ? " read" : "",
			       g->info.flags & VFIO_REGION_INFO_FLAG_WRITE ? " write" : "",
			       g->info.flags & VFIO_REGION_INFO_FLAG_MMAP ? " mmap" : "");
		}
		printf("caps: pm=%s pcie=%s\n", r->pm ? "yes" : "no", r->pcie ? "yes" : "no");
		printf("dma-buf feature: %s\n", r->dmabuf_why);
		printf("triggers:\n");
		for (i = 0; i < r->ntriggers; i++) {
			if (r->triggers[i].supported)
				printf("  %-10s yes\n", r->triggers[i].name);
			else
				printf("  %-10s no: %s\n", r->triggers[i].name,
				       r->triggers[i].reason);
		}
	}
	printf("modules:");
	for (i = 0; i < NR_MODULES; i++)
		printf(" %s=%s", modules[i], r->modules[i] ? "yes" : "no");
	putchar('\n');
	if (!r->debugfs)
		printf("exporter debugfs: absent (" P2P_EXP_DEBUGFS ")\n");
	else if (r->nbufs < 0)
		printf("buffers: %s\n", r->bufs_err);
	else
		printf("buffers: %d\n", r->nbufs);
	for (i = 0; (int)i < r->nbufs && i < MAX_BUFS; i++)
		cli_print_stat(stdout, "  ", &r->bufs[i]);
	printf("importer: %s\n", r->importer ? "present" : "absent");
}

/* "flr bus" as ["flr","bus"]. */
static void json_words(struct json_object *j, const char *key, const char *s)
{
	char buf[128], *save, *w;

	snprintf(buf, sizeof(buf), "%s", s);
	j = cli_json_arr(j, key);
	for (w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		cli_json_s(j, NULL, w);
}

static void json_vfio(struct json_object *j, const struct info_result *r)
{
	const struct info_region *g;
	struct json_object *arr, *x;
	unsigned int i;

	cli_json_b(j, "open", r->open);
	if (!r->open) {
		cli_json_s(j, "error", r->open_err);
		return;
	}
	cli_json_b(j, "noiommu", r->noiommu);
	cli_json_i(j, "group", r->group_id);
	cli_json_u(j, "flags", r->dev.flags);
	cli_json_b(j, "reset", r->dev.flags & VFIO_DEVICE_FLAGS_RESET);
	cli_json_u(j, "num_regions", r->dev.num_regions);
	cli_json_u(j, "num_irqs", r->dev.num_irqs);
	arr = cli_json_arr(j, "regions");
	for (i = 0; i < r->nregions; i++) {
		g = &r->regions[i];
		x = cli_json_obj(arr, NULL);
		cli_json_u(x, "index", g->index);
		cli_json_s(x, "name", g->name);
		cli_json_u(x, "size", g->info.size);
		cli_json_b(x, "read", g->info.flags & VFIO_REGION_INFO_FLAG_READ);
		cli_json_b(x, "write", g->info.flags & VFIO_REGION_INFO_FLAG_WRITE);
		cli_json_b(x, "mmap", g->info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	}
	x = cli_json_obj(j, "caps");
	cli_json_b(x, "pm", r->pm);
	cli_json_b(x, "pcie", r->pcie);
	x = cli_json_obj(j, "dmabuf_feature");
	cli_json_b(x, "supported", r->dmabuf);
	cli_json_s(x, "error", r->dmabuf ? NULL : r->dmabuf_why);
}

static void info_json(const char *bdf, const struct info_result *r, int ret)
{
	struct json_object *j = cli_json_new("info"), *arr, *x;
	const struct p2p_pci_res *res;
	unsigned int i;

	cli_json_s(j, "device", bdf);
	cli_json_sf(j, "vendor_id", "%04x", r->vendor);
	cli_json_sf(j, "device_id", "%04x", r->device);
	cli_json_s(j, "driver", r->has_drv ? r->drv : NULL);
	if (r->group >= 0)
		cli_json_i(j, "iommu_group", r->group);
	else
		cli_json_null(j, "iommu_group");
	json_words(j, "reset_methods", r->resets);
	arr = cli_json_arr(j, "bars");
	for (i = 0; i < r->nbars; i++) {
		res = &r->bars[i].res;
		x = cli_json_obj(arr, NULL);
		cli_json_u(x, "index", r->bars[i].index);
		cli_json_s(x, "type", res_type(res));
		cli_json_sf(x, "phys", "0x%llx", (unsigned long long)res->start);
		cli_json_u(x, "size", res->end - res->start + 1);
	}
	json_vfio(cli_json_obj(j, "vfio"), r);
	if (r->open) {
		arr = cli_json_arr(j, "triggers");
		for (i = 0; i < r->ntriggers; i++) {
			x = cli_json_obj(arr, NULL);
			cli_json_s(x, "name", r->triggers[i].name);
			cli_json_b(x, "supported", r->triggers[i].supported);
			cli_json_s(x, "reason", r->triggers[i].supported ? NULL :
				   r->triggers[i].reason);
		}
	}
	x = cli_json_obj(j, "modules");
	for (i = 0; i < NR_MODULES; i++)
		cli_json_b(x, modules[i], r->modules[i]);
	cli_json_b(j, "exporter_debugfs", r->debugfs);
	if (r->debugfs) {
		x = cli_json_obj(j, "buffers");
		if (r->nbufs < 0) {
			cli_json_s(x, "error", r->bufs_err);
		} else {
			cli_json_i(x, "count", r->nbufs);
			arr = cli_json_arr(x, "list");
			for (i = 0; (int)i < r->nbufs && i < MAX_BUFS; i++)
				cli_json_stat(arr, NULL, &r->bufs[i]);
		}
	}
	cli_json_b(j, "importer", r->importer);
	cli_json_result(j, ret);
	cli_json_print(stdout, j);
}

/*
 * Everything sysfs, vfio and debugfs say of @bdf. Fails (after saying what
 * it could) when vfio cannot open the device: the rest of the tool could
 * not use it either.
 */
int cmd_info(const struct cli_opts *o, const char *bdf)
{
	struct info_result *r = calloc(1, sizeof(*r));
	struct p2p_dev dev;
	int ret = CLI_PASS;

	if (!r)
		return cli_fail(o, "out of memory");
	info_sysfs(bdf, r);
	if (p2p_dev_open(bdf, &dev)) {
		snprintf(r->open_err, sizeof(r->open_err), "%s", p2p_last_error());
	} else {
		info_vfio(&dev, r);
		p2p_dev_close(&dev);
	}
	info_local(bdf, r);
	if (!r->open) {
		cli_err("vfio cannot open %s: %s", bdf, r->open_err);
		ret = CLI_FAIL;
	}
	if (o->json)
		info_json(bdf, r, ret);
	else
		info_text(bdf, r);
	free(r);
	return ret;
}
