// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_p2p_path: which address the exporter hands an importer, by
 * where the importer sits.
 *
 * - edu and the "near" ivshmem are functions of one slot below root port 5
 *   (boot.sh): without ACS redirect the port routes edu's requests to its
 *   neighbour by bus address, so the exporter must hand out the BAR's bus
 *   address and map nothing through the DMA API.
 * - The main device is below another root port: edu reaches it through the
 *   host bridge, which only the DMA API (and an IOMMU, if any) makes work,
 *   and only where the kernel's P2P code says the host bridge forwards
 *   peer traffic; a kernel without CONFIG_PCI_P2PDMA cannot say so.
 * - The importer's platform device is not PCI: no path can be judged, and
 *   the exporter refuses to map for it (as upstream vfio-pci does) unless
 *   loaded with allow_non_pci=1, as the rig loads it.
 *
 * The DMA-API debugging dump (CONFIG_DMA_API_DEBUG) tells mapped from not
 * mapped; without it those checks are left out, saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "edu_fix.h"
#include "harness.h"

#define DMA_DEBUG "/sys/kernel/debug/dma-api"

/* Whether the running kernel has function @name (root sees kallsyms). */
static bool ksym_present(const char *name)
{
	char line[256], sym[128];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		T_FAIL("open /proc/kallsyms: %s", strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %127s", sym) == 1 && !strcmp(sym, name);
	fclose(f);
	return found;
}

/*
 * DMA-API debugging's mappings for device @dev whose CPU address lies in
 * [lo, hi); -1 when the kernel keeps no such record (or stopped keeping it).
 */
static int dma_debug_count(const char *dev, uint64_t lo, uint64_t hi)
{
	char *text, *line, *save, flag[8];
	size_t len;
	int n = 0;

	if (p2p_read_file(DMA_DEBUG "/disabled", flag, sizeof(flag)) < 0 || flag[0] != 'N')
		return -1;
	if (p2p_read_file_alloc(DMA_DEBUG "/dump", &text, &len) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned long long p;
		const char *ps = strstr(line, " P=");

		if (sscanf(line, "%*s %63s", name) != 1 || strcmp(name, dev) || !ps)
			continue;
		if (sscanf(ps, " P=%llx", &p) == 1 && p >= lo && p < hi)
			n++;
	}
	free(text);
	return n;
}

/* The bus address of memory BAR @bar of @bdf, as its config space holds it. */
static uint64_t bar_bus_addr(const char *bdf, unsigned int bar)
{
	uint8_t cfg[64];
	uint32_t lo, hi = 0;
	unsigned int off = 0x10 + 4 * bar;

	ASSERT_GE(p2p_pci_config_sysfs(bdf, cfg, sizeof(cfg)), (int)sizeof(cfg));
	memcpy(&lo, cfg + off, 4);
	if ((lo & 0x6) == 0x4)		/* 64-bit memory BAR */
		memcpy(&hi, cfg + off + 4, 4);
	return ((uint64_t)hi << 32) | (lo & ~0xfULL);
}

static void expect_dma_debug(struct efix *f, int want, const char *why)
{
	int n = dma_debug_count(f->edu, f->t.bar_phys, f->t.bar_phys + f->t.bar_size);

	if (n < 0) {
		t_diag("no DMA-API debugging records: not checking that %s", why);
		return;
	}
	t_diag("DMA-API mappings of %s into the BAR of %s: %d (%s)", f->edu, f->t.dev.bdf,
	       n, why);
	/* Braces: the harness's ASSERT_*() end in a for statement. */
	if (want) {
		ASSERT_GE(n, want);
	} else {
		ASSERT_EQ(n, 0);
	}
}

/* user -> edu -> BAR and back through MR @h over range @r. */
static void round_trip(struct efix *f, uint32_t h, const struct p2p_range *r)
{
	size_t len = r->length;
	uint8_t *buf = malloc(len), *out = malloc(len);

	ASSERT_TRUE(buf && out);
	fill(buf, len, 3);
	ASSERT_OK(p2p_imp_write(f->imp, h, 0, buf, len));
	bar_expect(f, r->offset, buf, len);
	fill(buf, len, 4);
	bar_put(f, r->offset, buf, len);
	memset(out, 0, len);
	ASSERT_OK(p2p_imp_read(f->imp, h, 0, out, len));
	ASSERT_EQ(memcmp(out, buf, len), 0);
	free(buf);
	free(out);
}

/* edu's neighbour below the same root port: bus addresses, no DMA API. */
static void near_bus_address(void)
{
	const char *near = t_env("DMABUF_P2P_DEVICE_NEAR");
	struct p2p_buf_stat st;
	struct p2p_dma_seg segs[4];
	struct p2p_range r;
	struct tdev probe;
	struct efix f;
	uint32_t h, n;
	uint64_t bus;
	int fd;

	if (!near)
		T_SKIP("DMABUF_P2P_DEVICE_NEAR not set: no device of ours below edu's bridge");
	if (t_try_open(&probe, near)) {
		if (t_noiommu(NULL))
			T_FAIL("open %s: %s", near, p2p_last_error());
		T_SKIP("vfio cannot open %s (%s): under an IOMMU it shares edu's IOMMU group, "
		       "which the importer's driver holds", near, p2p_last_error());
	}
	p2p_dev_close(&probe.dev);

	efix_open_dev(&f, near);
	t_set_knob(NULL, "skip_p2p_distance", 0);
	fd = one_range(&f, 1, 2, &r);
	bus = bar_bus_addr(f.t.dev.bdf, f.t.bar) + r.offset;
	/* No host bridge on this path: nothing to vouch for, no knob needed. */
	ASSERT_OK(p2p_imp_reg(f.imp, fd, 0, r.length, P2P_MR_EDU, P2P_MR_ACCESS_ALL, &h));
	t_stat(f.t.dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.maps, 1);
	ASSERT_EQ(st.bus_maps, 1);
	ASSERT_OK(p2p_imp_check(f.imp, h, 0, r.length, segs, 4, &n));
	ASSERT_GE(n, 1);
	t_diag("edu got 0x%llx, the BAR's bus address is 0x%llx",
	       (unsigned long long)segs[0].dma_addr, (unsigned long long)bus);
	ASSERT_EQ(segs[0].dma_addr, bus);
	expect_dma_debug(&f, 0, "a bus address is no DMA API mapping");
	round_trip(&f, h, &r);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	t_stat(f.t.dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.mapped, 0);
	close(fd);
}

/*
 * The main device, through the host bridge: refused unless the kernel's P2P
 * code (or skip_p2p_distance) vouches for the host bridge; then mapped
 * through the DMA API, and unmapped at DEREG.
 */
static void far_host_bridge(void)
{
	bool p2pdma = ksym_present("pci_p2pdma_distance_many");
	struct p2p_buf_stat st;
	struct p2p_range r;
	struct efix f;
	uint32_t h;
	int fd, ret;

	efix_open(&f);
	t_set_knob(NULL, "skip_p2p_distance", 0);
	fd = one_range(&f, 1, 2, &r);
	ret = p2p_imp_reg(f.imp, fd, 0, r.length, P2P_MR_EDU, P2P_MR_ACCESS_ALL, &h);
	t_diag("kernel %s CONFIG_PCI_P2PDMA; REG_MR without skip_p2p_distance: %s",
	       p2pdma ? "with" : "without", ret ? t_errname(-ret) : "ok");
	if (!p2pdma)
		ASSERT_EQ(ret, -EOPNOTSUPP);
	if (ret == -EOPNOTSUPP) {
		t_stat(f.t.dev.bdf, t_ino(fd), &st);
		ASSERT_EQ(st.maps, 0);
		t_set_knob(NULL, "skip_p2p_distance", 1);
		ret = p2p_imp_reg(f.imp, fd, 0, r.length, P2P_MR_EDU, P2P_MR_ACCESS_ALL, &h);
	}
	ASSERT_OK(ret);
	t_stat(f.t.dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.maps, 1);
	ASSERT_EQ(st.bus_maps, 0);
	/* One range: one DMA API mapping, or one IOVA span. */
	ASSERT_EQ(st.dma_maps, 1);
	/*
	 * DMA-API debugging files dma_map_resource(), not a span linked with
	 * the IOVA API (7.x, behind an IOMMU).
	 */
	if (ksym_present("dma_iova_try_alloc") && !t_noiommu(&f.t.dev))
		expect_dma_debug(&f, 0, "one IOVA span, which DMA-API debugging does not file");
	else
		expect_dma_debug(&f, 1, "the host bridge path is a DMA API mapping");
	round_trip(&f, h, &r);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	expect_dma_debug(&f, 0, "DEREG unmapped it");
	close(fd);
}

/*
 * allow_non_pci as the test found it, -1 while untouched: the fixture's, so
 * that the teardown, in the harness's process for the test, sees it too.
 */
static int *saved_allow;

/* The importer's platform device: attached, then refused at map. */
static void non_pci_refused_at_map(void)
{
	struct p2p_buf_stat before, st;
	struct tdev t;
	uint32_t h;
	int imp, fd, ret;

	imp = t_need_importer();
	t_open_main(&t);
	if (!p2p_module_loaded(P2P_EXP_DRIVER))
		T_SKIP("%s is not dmabuf_p2p_exp's (built in, or upstream vfio-pci)", t.dev.bdf);
	fd = t_create_pages(&t, 0, 1);
	t_stat(t.dev.bdf, t_ino(fd), &before);

	/* A module without the parameter has nothing to refuse with: fails below. */
	*saved_allow = t_exp_param_bool("allow_non_pci");
	if (*saved_allow >= 0)
		t_set_exp_param_bool("allow_non_pci", false);
	ret = p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h);
	ASSERT_EQ(ret, -EINVAL);
	t_stat(t.dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.attaches, before.attaches + 1);
	ASSERT_EQ(st.maps, before.maps);
	ASSERT_EQ(st.mapped, 0);

	t_set_exp_param_bool("allow_non_pci", true);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	t_set_exp_param_bool("allow_non_pci", *saved_allow);
	*saved_allow = -1;
	close(fd);
}

FIXTURE(dmabuf_p2p) {
	int saved_allow;
};

FIXTURE_SETUP(dmabuf_p2p)
{
	t_setup(_metadata);
	self->saved_allow = -1;
	saved_allow = &self->saved_allow;
	t_reset_knobs();
}

/* The knobs back to rest, and allow_non_pci as the test found it. */
FIXTURE_TEARDOWN_PARENT(dmabuf_p2p)
{
	t_kill_leftovers();
	t_reset_knobs();
	if (self->saved_allow >= 0)
		p2p_write_file("/sys/module/" P2P_EXP_DRIVER "/parameters/allow_non_pci",
			       self->saved_allow ? "Y" : "N");
}

TEST_F_TIMEOUT(dmabuf_p2p, near_bus_address, 60) { near_bus_address(); }
TEST_F_TIMEOUT(dmabuf_p2p, far_host_bridge, 60) { far_host_bridge(); }
TEST_F(dmabuf_p2p, non_pci_refused_at_map) { non_pci_refused_at_map(); }

TEST_HARNESS_MAIN
