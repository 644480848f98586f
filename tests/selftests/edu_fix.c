// SPDX-License-Identifier: GPL-2.0
/* The edu fixture, see edu_fix.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "edu_fix.h"

void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed * 29 + (i >> 8) + 1);
}

void bar_get(struct efix *f, uint64_t off, uint8_t *out, size_t len)
{
	size_t i;

	ASSERT_LE(off + len, f->bar_len);
	for (i = 0; i < len; i++)
		out[i] = f->bar[off + i];
}

void bar_put(struct efix *f, uint64_t off, const uint8_t *in, size_t len)
{
	size_t i;

	ASSERT_LE(off + len, f->bar_len);
	for (i = 0; i < len; i++)
		f->bar[off + i] = in[i];
}

void bar_set(struct efix *f, uint64_t off, uint8_t v, size_t len)
{
	size_t i;

	ASSERT_LE(off + len, f->bar_len);
	for (i = 0; i < len; i++)
		f->bar[off + i] = v;
}

/* BAR bytes [off, off + len) must equal @want; report the first mismatch. */
void bar_expect(struct efix *f, uint64_t off, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len);
	size_t i;

	ASSERT_TRUE(got);
	bar_get(f, off, got, len);
	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			FAIL("BAR byte 0x%llx: 0x%02x, want 0x%02x (%zu of %zu bytes matched)",
			     (unsigned long long)(off + i), got[i], want[i], i, len);
	free(got);
}

void bar_expect_byte(struct efix *f, uint64_t off, uint8_t v, size_t len)
{
	uint8_t *want = malloc(len);

	ASSERT_TRUE(want);
	memset(want, v, len);
	bar_expect(f, off, want, len);
	free(want);
}

/*
 * The importer with its edu engine, and exporter device @bdf (NULL: the main
 * one) with its BAR mapped; skip (saying why) when either is missing.
 */
void efix_open_dev(struct efix *f, const char *bdf)
{
	const char *env = t_env("DMABUF_P2P_DEVICE_EDU");
	char want[P2P_BDF_LEN];
	void *p;

	memset(f, 0, sizeof(*f));
	f->imp = t_need_importer();
	if (p2p_imp_edu_device(f->edu))
		SKIP("no edu DMA engine bound to the importer: %s (DMABUF_P2P_DEVICE_EDU=%s)",
		     p2p_last_error(), env ? env : "unset");
	if (env && !p2p_bdf_normalize(env, want))
		ASSERT_STREQ(f->edu, want);
	if (!bdf)
		t_open_main(&f->t);
	else
		t_open(&f->t, bdf);
	f->bar_len = EDU_MAP_PAGES * f->t.page;
	if (f->t.bar_size < f->bar_len)
		SKIP("BAR%u of %s too small (0x%llx)", f->t.bar, f->t.dev.bdf,
		     (unsigned long long)f->t.bar_size);
	ASSERT_OK(p2p_bar_mmap(&f->t.dev, f->t.bar, 0, f->bar_len, PROT_READ | PROT_WRITE, &p));
	f->bar = p;
	tap_diag("edu %s, exporter %s BAR%u at 0x%llx, %s", f->edu, f->t.dev.bdf, f->t.bar,
		 (unsigned long long)f->t.bar_phys, t_noiommu(&f->t.dev) ? "noiommu" : "iommu");
}

void efix_open(struct efix *f)
{
	efix_open_dev(f, NULL);
}

/*
 * REG_MR for the engine. The exporter judges PCI importers with
 * pci_p2pdma_distance(), and QEMU's host bridge is not on the kernel's
 * whitelist: if it says no, tell it to let PCI importers through.
 */
uint32_t edu_reg(struct efix *f, int fd, uint64_t off, uint64_t len, uint32_t access)
{
	struct p2p_query_mr q;
	uint32_t h;
	int ret;

	ret = p2p_imp_reg(f->imp, fd, off, len, P2P_MR_EDU, access, &h);
	if (ret == -EOPNOTSUPP && p2p_exp_debugfs_present()) {
		tap_diag("exporter refused edu (no P2P path by pci_p2pdma_distance): skip_p2p_distance=1");
		t_set_knob(NULL, "skip_p2p_distance", 1);
		ret = p2p_imp_reg(f->imp, fd, off, len, P2P_MR_EDU, access, &h);
	}
	ASSERT_OK(ret);
	ASSERT_OK(p2p_imp_query(f->imp, h, &q));
	ASSERT_EQ(q.state, P2P_MR_STATE_MAPPED);
	ASSERT_EQ(q.mapped_length, len);
	ASSERT_TRUE(q.flags & P2P_MR_EDU);
	ASSERT_EQ(q.dma_dev[sizeof(q.dma_dev) - 1], 0);
	ASSERT_STREQ(q.dma_dev, f->edu);
	return h;
}

int one_range(struct efix *f, uint64_t first_page, uint64_t npages, struct p2p_range *r)
{
	r->offset = first_page * f->t.page;
	r->length = npages * f->t.page;
	return t_create(&f->t, r, 1);
}

