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

/* [off, off + len) must lie in the mapped part of the BAR. */
static void in_bar(struct efix *f, uint64_t off, size_t len, const char *who)
{
	if (off + len > f->bar_len)
		T_FAIL("%s: BAR bytes 0x%llx + 0x%zx past the 0x%zx mapped", who,
		       (unsigned long long)off, len, f->bar_len);
}

void bar_get(struct efix *f, uint64_t off, uint8_t *out, size_t len)
{
	size_t i;

	in_bar(f, off, len, __func__);
	for (i = 0; i < len; i++)
		out[i] = f->bar[off + i];
}

void bar_put(struct efix *f, uint64_t off, const uint8_t *in, size_t len)
{
	size_t i;

	in_bar(f, off, len, __func__);
	for (i = 0; i < len; i++)
		f->bar[off + i] = in[i];
}

void bar_set(struct efix *f, uint64_t off, uint8_t v, size_t len)
{
	size_t i;

	in_bar(f, off, len, __func__);
	for (i = 0; i < len; i++)
		f->bar[off + i] = v;
}

/* BAR bytes [off, off + len) must equal @want; report the first mismatch. */
void bar_expect(struct efix *f, uint64_t off, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len);
	size_t i;

	if (!got)
		T_FAIL("malloc(%zu)", len);
	bar_get(f, off, got, len);
	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			T_FAIL("BAR byte 0x%llx: 0x%02x, want 0x%02x (%zu of %zu bytes matched)",
			       (unsigned long long)(off + i), got[i], want[i], i, len);
	free(got);
}

void bar_expect_byte(struct efix *f, uint64_t off, uint8_t v, size_t len)
{
	uint8_t *want = malloc(len);

	if (!want)
		T_FAIL("malloc(%zu)", len);
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
		T_SKIP("no edu DMA engine bound to the importer: %s (DMABUF_P2P_DEVICE_EDU=%s)",
		       p2p_last_error(), env ? env : "unset");
	if (env && !p2p_bdf_normalize(env, want) && strcmp(f->edu, want))
		T_FAIL("the importer's edu engine is %s, DMABUF_P2P_DEVICE_EDU=%s", f->edu, want);
	if (!bdf)
		t_open_main(&f->t);
	else
		t_open(&f->t, bdf);
	f->bar_len = EDU_MAP_PAGES * f->t.page;
	if (f->t.bar_size < f->bar_len)
		T_SKIP("BAR%u of %s too small (0x%llx)", f->t.bar, f->t.dev.bdf,
		       (unsigned long long)f->t.bar_size);
	ASSERT_OK(p2p_bar_mmap(&f->t.dev, f->t.bar, 0, f->bar_len, PROT_READ | PROT_WRITE, &p));
	f->bar = p;
	t_diag("edu %s, exporter %s BAR%u at 0x%llx, %s", f->edu, f->t.dev.bdf, f->t.bar,
	       (unsigned long long)f->t.bar_phys, t_noiommu(&f->t.dev) ? "noiommu" : "iommu");
}

void efix_open(struct efix *f)
{
	efix_open_dev(f, NULL);
}

/* REG_MR for the engine, checked: mapped, all of it, for the edu device. */
uint32_t edu_reg(struct efix *f, int fd, uint64_t off, uint64_t len, uint32_t access)
{
	struct p2p_query_mr q;
	bool skipped, nul;
	uint32_t h;
	int ret;

	ret = p2p_imp_reg_edu(f->imp, fd, off, len, access, p2p_exp_debugfs_present(), &h,
			      &skipped);
	if (skipped)
		t_diag("exporter refused edu (no P2P path by pci_p2pdma_distance): skip_p2p_distance=1");
	ASSERT_OK(ret);
	ASSERT_OK(p2p_imp_query(f->imp, h, &q));
	nul = !q.dma_dev[sizeof(q.dma_dev) - 1];
	q.dma_dev[sizeof(q.dma_dev) - 1] = '\0';
	if (q.state != P2P_MR_STATE_MAPPED || q.mapped_length != len ||
	    !(q.flags & P2P_MR_EDU) || !nul || strcmp(q.dma_dev, f->edu))
		T_FAIL("MR %u: state %u, 0x%llx of 0x%llx bytes mapped, flags 0x%x, for %s%s; "
		       "want state %u, all of it, P2P_MR_EDU, for %s", h, q.state,
		       (unsigned long long)q.mapped_length, (unsigned long long)len, q.flags,
		       q.dma_dev, nul ? "" : " (not NUL-terminated)", P2P_MR_STATE_MAPPED, f->edu);
	return h;
}

int one_range(struct efix *f, uint64_t first_page, uint64_t npages, struct p2p_range *r)
{
	r->offset = first_page * f->t.page;
	r->length = npages * f->t.page;
	return t_create(&f->t, r, 1);
}

