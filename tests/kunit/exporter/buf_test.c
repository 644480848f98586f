// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmabuf_p2p_exp": the exporter's dma-buf core against a fake
 * MMIO provider and fake dynamic importers.
 */
#include <linux/bits.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/limits.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <kunit/device.h>
#include <kunit/test.h>

#include "dmabuf_p2p_debugfs.h"
#include "fake.h"

#define PG	((u64)PAGE_SIZE)

static struct p2p_exp_buf *buf_of(struct kunit *test, struct dma_buf *dmabuf)
{
	struct p2p_exp_buf *buf = p2p_exp_buf_from_dmabuf(dmabuf);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	return buf;
}

static struct dma_buf *one_range(struct kunit *test, struct p2p_fake *f,
				 u64 off, u64 len)
{
	struct vfio_region_dma_range r = { .offset = off, .length = len };
	struct dma_buf *dmabuf = p2p_fake_create(test, f, 0, &r, 1);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	return dmabuf;
}

static void p2p_exp_test_request_checks(struct kunit *test)
{
	struct device *dev = p2p_fake_new(test)->dev;
	u32 max = DMABUF_P2P_MAX_RANGES;

	KUNIT_EXPECT_EQ(test, p2p_exp_check_request(dev, 0, O_RDWR, 1), 0);
	KUNIT_EXPECT_EQ(test, p2p_exp_check_request(dev, 0,
						    O_CLOEXEC | O_RDONLY, max),
			0);
	KUNIT_EXPECT_EQ(test, p2p_exp_check_request(dev, 1, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_exp_check_request(dev, 0, O_NONBLOCK, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_exp_check_request(dev, 0, O_ACCMODE, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_exp_check_request(dev, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_exp_check_request(dev, 0, 0, max + 1),
			-E2BIG);
}

struct bad_request {
	const char *what;
	u32 bar;
	u32 nr;
	struct vfio_region_dma_range r[3];
	int err;
};

static const struct bad_request bad_requests[] = {
	{ "zero length", 0, 1, { { 0, 0 } }, -EINVAL },
	{ "unaligned offset", 0, 1, { { 1, PG } }, -EINVAL },
	{ "unaligned length", 0, 1, { { 0, PG + 1 } }, -EINVAL },
	{ "offset+length wraps", 0, 1, { { U64_MAX & ~(PG - 1), PG } },
	  -EOVERFLOW },
	{ "past the BAR end", 0, 1, { { FAKE_BAR0_SIZE - PG, 2 * PG } },
	  -EINVAL },
	{ "offset past the BAR", 0, 1, { { FAKE_BAR0_SIZE, PG } }, -EINVAL },
	{ "total above the BAR", 0, 2,
	  { { 0, FAKE_BAR0_SIZE }, { 0, PG } }, -EINVAL },
	/* Each range fits, the total wraps to one page: upstream says EINVAL. */
	{ "total wraps past 2^64", 4, 3,
	  { { 0, FAKE_BAR4_SIZE }, { 0, FAKE_BAR4_SIZE }, { 0, PG } },
	  -EINVAL },
	{ "length with bit 63", 0, 1, { { PG, U64_MAX & ~(PG - 1) } },
	  -EINVAL },
	{ "second range bad", 0, 2, { { 0, PG }, { PG, 0 } }, -EINVAL },
	{ "I/O port BAR", 1, 1, { { 0, PG } }, -EINVAL },
	{ "64-bit BAR upper half", 3, 1, { { 0, PG } }, -ENODEV },
	{ "ROM", VFIO_PCI_ROM_REGION_INDEX, 1, { { 0, PG } }, -ENODEV },
	{ "config space", VFIO_PCI_CONFIG_REGION_INDEX, 1, { { 0, PG } },
	  -ENODEV },
	{ "VGA", VFIO_PCI_VGA_REGION_INDEX, 1, { { 0, PG } }, -ENODEV },
	{ "no ranges", 0, 0, { { 0, PG } }, -EINVAL },
};

static void p2p_exp_test_create_rejects(struct kunit *test)
{
	static const struct vfio_region_dma_range ok = { 0, PG };
	struct p2p_fake *f = p2p_fake_new(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_requests); i++) {
		const struct bad_request *b = &bad_requests[i];
		struct dma_buf *dmabuf;

		dmabuf = p2p_fake_create(test, f, b->bar, b->r, b->nr);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(dmabuf), b->err,
				    "%s", b->what);
	}
	/* Nothing leaked: no buffer linked, no provider reference held. */
	KUNIT_EXPECT_EQ(test, p2p_fake_nr_bufs(f), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->refs), 0);

	/* Closed device: refused, and the half-made buffer is gone again. */
	p2p_exp_provider_shutdown(&f->prov);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(p2p_fake_create(test, f, 0, &ok, 1)),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, p2p_fake_nr_bufs(f), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->refs), 0);
}

static void p2p_exp_test_create_while_mmio_off(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct dma_buf *dmabuf;
	struct p2p_exp_buf *buf;

	p2p_fake_set_mmio(f, false);
	dmabuf = one_range(test, f, 0, PG);
	buf = buf_of(test, dmabuf);
	KUNIT_EXPECT_TRUE(test, buf->revoked);
	KUNIT_EXPECT_EQ(test, buf->size, PG);
	KUNIT_EXPECT_EQ(test, p2p_fake_nr_bufs(f), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->refs), 1);

	p2p_fake_set_mmio(f, true);
	KUNIT_EXPECT_FALSE(test, buf->revoked);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->stats.unrevokes), 1);
}

static void p2p_exp_test_attach_refusals(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0", 0);
	struct dma_buf *dmabuf = one_range(test, f, 0, 4 * PG);
	struct p2p_exp_buf *buf = buf_of(test, dmabuf);
	struct p2p_fake_imp nomask = {};
	struct dma_buf_attachment *attach;

	/* A static importer can never be told about a revoke. */
	attach = dma_buf_attach(dmabuf, imp->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(attach), -EOPNOTSUPP);
	if (!IS_ERR(attach))
		dma_buf_detach(dmabuf, attach);

	attach = dma_buf_dynamic_attach(dmabuf, imp->dev, &p2p_fake_nop2p_ops,
					imp);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(attach), -EOPNOTSUPP);
	if (!IS_ERR(attach))
		dma_buf_detach(dmabuf, attach);

	/*
	 * P2P but no invalidate callback: the 7.1 core lets it attach
	 * dynamically and leaves the refusal to a revocable exporter.
	 */
	if (P2P_CORE_TAKES_IRREVOCABLE) {
		attach = dma_buf_dynamic_attach(dmabuf, imp->dev,
						&p2p_fake_irrevocable_ops, imp);
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(attach), -EOPNOTSUPP);
		if (!IS_ERR(attach))
			dma_buf_detach(dmabuf, attach);
	}

	/* No DMA mask: refused at attach, not WARNed about at map time. */
	nomask.dev = kunit_device_register(test, "p2p_exp_nomask");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, nomask.dev);
	nomask.dev->dma_mask = NULL;
	attach = p2p_fake_attach(test, dmabuf, &nomask);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(attach), -EINVAL);

	p2p_fake_set_mmio(f, false);
	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(attach), -ENODEV);

	KUNIT_EXPECT_EQ(test, atomic_read(&buf->stats.attaches), 0);
	p2p_fake_set_mmio(f, true);
	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->stats.attaches), 1);
}

static void expect_segs(struct kunit *test, const struct p2p_fake_seg *got,
			const struct p2p_fake_seg *want, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, (u64)got[i].addr, (u64)want[i].addr,
				    "segment %d", i);
		KUNIT_EXPECT_EQ_MSG(test, got[i].len, want[i].len,
				    "segment %d", i);
	}
}

static void p2p_exp_test_map_small(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0", 0);
	struct dma_buf *dmabuf = one_range(test, f, PG, 4 * PG);
	struct p2p_fake_seg want = { FAKE_BAR0_BASE + PG, 4 * PG };
	struct dma_buf_attachment *attach;
	struct p2p_fake_seg *segs;
	int n;

	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	n = p2p_fake_map(test, attach, &segs);
	KUNIT_ASSERT_EQ(test, n, 1);
	expect_segs(test, segs, &want, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf_of(test, dmabuf)->stats.maps), 1);
}

/*
 * There are no pages behind MMIO: every CPU-side length and offset of the
 * table is zero, so an importer that walks the CPU side sees zero bytes
 * rather than lengths it could take for memory. (The page pointers cannot
 * be checked: CONFIG_DMABUF_DEBUG scrambles them while a table is mapped.)
 */
static void p2p_exp_test_sg_cpu_side_empty(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0",
						     SZ_64K);
	struct dma_buf *dmabuf = one_range(test, f, 0, 4 * SZ_64K);
	struct dma_buf_attachment *attach;
	unsigned int bytes = 0;
	struct scatterlist *sg;
	struct sg_table *sgt;
	int i, nents = 0;

	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (!IS_ERR(sgt)) {
		nents = sgt->nents;
		for_each_sgtable_sg(sgt, sg, i) {
			bytes += sg->length + sg->offset;
		}
		dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	}
	dma_resv_unlock(dmabuf->resv);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_EXPECT_EQ(test, nents, 4);
	KUNIT_EXPECT_EQ(test, bytes, 0);
}

/* Every range is cut at the importer's maximum segment size. */
static void p2p_exp_test_map_multi_range(struct kunit *test)
{
	static const struct vfio_region_dma_range r[] = {
		{ 0, 8 * PG }, { 16 * PG, PG }, { 32 * PG, 5 * PG },
	};
	const struct p2p_fake_seg want[] = {
		{ FAKE_BAR0_BASE, 4 * PG },
		{ FAKE_BAR0_BASE + 4 * PG, 4 * PG },
		{ FAKE_BAR0_BASE + 16 * PG, PG },
		{ FAKE_BAR0_BASE + 32 * PG, 4 * PG },
		{ FAKE_BAR0_BASE + 36 * PG, PG },
	};
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp;
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	struct p2p_fake_seg *segs;
	int n;

	imp = p2p_fake_importer(test, "p2p_exp_imp0", 4 * PAGE_SIZE);
	dmabuf = p2p_fake_create(test, f, 0, r, ARRAY_SIZE(r));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_EXPECT_EQ(test, dmabuf->size, (size_t)(14 * PG));
	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	n = p2p_fake_map(test, attach, &segs);
	KUNIT_ASSERT_EQ(test, n, (int)ARRAY_SIZE(want));
	expect_segs(test, segs, want, n);
}

/*
 * Ranges above 4 GiB, longer than sg_dma_len() can hold: the chunking must
 * keep every entry within the segment size and lose no byte.
 */
static void check_huge(struct kunit *test, struct p2p_fake *f,
		       struct dma_buf *dmabuf, const char *name,
		       unsigned int max_seg, int want_n)
{
	static const u64 starts[] = { PG, 6ULL << 30 };
	static const u64 lens[] = { 5ULL << 30, 1ULL << 30 };
	struct p2p_fake_imp *imp = p2p_fake_importer(test, name, max_seg);
	struct dma_buf_attachment *attach;
	struct p2p_fake_seg *segs;
	unsigned int r = 0;
	u64 done = 0;
	int i, n;

	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	n = p2p_fake_map(test, attach, &segs);
	KUNIT_ASSERT_EQ(test, n, want_n);

	for (i = 0; i < n && r < ARRAY_SIZE(starts); i++) {
		KUNIT_EXPECT_GT_MSG(test, segs[i].len, 0U, "segment %d", i);
		KUNIT_EXPECT_LE_MSG(test, segs[i].len, max_seg, "segment %d", i);
		KUNIT_EXPECT_EQ_MSG(test, (u64)segs[i].addr,
				    FAKE_BAR2_BASE + starts[r] + done,
				    "segment %d", i);
		done += segs[i].len;
		if (done >= lens[r]) {
			KUNIT_EXPECT_EQ_MSG(test, done, lens[r], "range %u", r);
			done = 0;
			r++;
		}
	}
	KUNIT_EXPECT_EQ(test, r, (unsigned int)ARRAY_SIZE(starts));
	KUNIT_EXPECT_EQ(test, i, n);
	p2p_fake_detach(test, attach);
}

static void p2p_exp_test_map_huge(struct kunit *test)
{
	static const struct vfio_region_dma_range r[] = {
		{ PG, 5ULL << 30 }, { 6ULL << 30, 1ULL << 30 },
	};
	struct p2p_fake *f = p2p_fake_new(test);
	struct dma_buf *dmabuf;

	dmabuf = p2p_fake_create(test, f, 2, r, ARRAY_SIZE(r));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	KUNIT_EXPECT_EQ(test, (u64)dmabuf->size, 6ULL << 30);

	/* 2 GiB segments: 2+2+1 GiB, then 1 GiB. */
	check_huge(test, f, dmabuf, "p2p_exp_imp_2g", SZ_2G, 4);
	/* The largest segment, 4 GiB - 1, rounded down to whole pages. */
	check_huge(test, f, dmabuf, "p2p_exp_imp_4g", UINT_MAX, 3);
}

/*
 * One DMA mapping per range, however long: the importer's 64 KiB segment
 * limit cuts the table, not the mapping. A 16 MiB range is 256 entries and
 * one mapping; three ranges are three.
 */
static void p2p_exp_test_map_cost_per_range(struct kunit *test)
{
	static const struct vfio_region_dma_range r[] = {
		{ 0, SZ_16M }, { SZ_32M, SZ_64K }, { SZ_64M, SZ_1M },
	};
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0",
						     SZ_64K);
	struct dma_buf *one = p2p_fake_create(test, f, 2, r, 1);
	struct dma_buf *three = p2p_fake_create(test, f, 2, r, ARRAY_SIZE(r));
	struct dma_buf_attachment *attach;
	struct p2p_fake_seg *segs;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, one);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, three);
	attach = p2p_fake_attach(test, one, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), SZ_16M / SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf_of(test, one)->stats.dma_maps), 1);

	attach = p2p_fake_attach(test, three, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs),
			(SZ_16M + SZ_64K + SZ_1M) / SZ_64K);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf_of(test, three)->stats.dma_maps), 3);
}

static void p2p_exp_test_revoke_notifies_once(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *a = p2p_fake_importer(test, "p2p_exp_imp0", 0);
	struct p2p_fake_imp *b = p2p_fake_importer(test, "p2p_exp_imp1", 0);
	struct dma_buf *dmabuf = one_range(test, f, 0, PG);
	struct p2p_exp_buf *buf = buf_of(test, dmabuf);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p2p_fake_attach(test, dmabuf, a));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p2p_fake_attach(test, dmabuf, b));
	KUNIT_ASSERT_EQ(test, atomic_read(&a->notified), 0);

	p2p_fake_set_mmio(f, false);
	KUNIT_EXPECT_TRUE(test, buf->revoked);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->notified), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->notified), 1);

	/* More reasons to be revoked change nothing the importers see. */
	p2p_exp_resync(&f->prov);
	p2p_exp_block(&f->prov);
	p2p_exp_set_forced(&f->prov, true);
	KUNIT_EXPECT_EQ(test, atomic_read(&a->notified), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->notified), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->stats.revokes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->stats.unrevokes), 0);
	p2p_exp_set_forced(&f->prov, false);
	p2p_exp_unblock(&f->prov);
}

static void p2p_exp_test_unrevoke(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0", 0);
	struct dma_buf *dmabuf = one_range(test, f, 0, PG);
	struct p2p_exp_buf *buf = buf_of(test, dmabuf);
	struct dma_buf_attachment *attach;
	struct p2p_fake_seg *segs;

	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);

	/* A trigger in flight: revoked, back once it ends with MMIO on. */
	p2p_exp_block(&f->prov);
	KUNIT_EXPECT_TRUE(test, buf->revoked);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), -ENODEV);
	p2p_exp_unblock(&f->prov);
	KUNIT_EXPECT_FALSE(test, buf->revoked);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), 1);
	/* One notification per edge. */
	KUNIT_EXPECT_EQ(test, atomic_read(&imp->notified), 2);

	/* "revoke" = 0 does not unrevoke while the MMIO is really off. */
	p2p_exp_set_forced(&f->prov, true);
	p2p_fake_set_mmio(f, false);
	p2p_exp_set_forced(&f->prov, false);
	KUNIT_EXPECT_TRUE(test, buf->revoked);
	p2p_fake_set_mmio(f, true);
	KUNIT_EXPECT_FALSE(test, buf->revoked);

	/* Nor does the end of a trigger that left the MMIO off. */
	p2p_exp_block(&f->prov);
	down_write(&f->lock);
	f->mmio = false;
	up_write(&f->lock);
	p2p_exp_unblock(&f->prov);
	KUNIT_EXPECT_TRUE(test, buf->revoked);
	p2p_fake_set_mmio(f, true);

	KUNIT_EXPECT_FALSE(test, buf->revoked);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->stats.revokes), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->stats.unrevokes), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&imp->notified), 6);
}

static void p2p_exp_test_map_after_revoke(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0", 0);
	struct p2p_fake_imp *late = p2p_fake_importer(test, "p2p_exp_imp1", 0);
	struct dma_buf *dmabuf = one_range(test, f, 0, 2 * PG);
	struct dma_buf_attachment *attach;
	struct p2p_fake_seg *segs;
	int pin;

	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), 1);

	p2p_fake_set_mmio(f, false);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), -ENODEV);

	dma_resv_lock(dmabuf->resv, NULL);
	pin = dma_buf_pin(attach);
	if (!pin)
		dma_buf_unpin(attach);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_EQ(test, pin, -ENODEV);

	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(p2p_fake_attach(test, dmabuf,
							      late)),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf_of(test, dmabuf)->stats.maps), 1);
}

static void p2p_exp_test_fail_knobs(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0", 0);
	struct dma_buf *dmabuf = one_range(test, f, 0, PG);
	struct dma_buf_attachment *attach;
	struct p2p_fake_seg *segs;

	WRITE_ONCE(p2p_exp_knobs.fail_next_attach, EIO);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(p2p_fake_attach(test, dmabuf,
							      imp)), -EIO);
	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);

	WRITE_ONCE(p2p_exp_knobs.fail_next_map, ENOMEM);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), -ENOMEM);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p2p_exp_knobs.fail_next_map), 0U);

	WRITE_ONCE(p2p_exp_knobs.fail_next_map, MAX_ERRNO + 1);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), -EINVAL);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf_of(test, dmabuf)->stats.maps), 1);
}

/*
 * A mapping that fails part way through returns what dma_mapping_error()
 * says, and unmaps the ranges it had mapped (CONFIG_DMA_API_DEBUG would
 * report a leak), so the next map works.
 */
static void p2p_exp_test_dma_map_error(struct kunit *test)
{
	static const struct vfio_region_dma_range r[] = {
		{ 0, PG }, { 2 * PG, PG }, { 4 * PG, PG }, { 6 * PG, PG },
	};
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0",
						     PAGE_SIZE);
	struct dma_buf *dmabuf = p2p_fake_create(test, f, 0, r, ARRAY_SIZE(r));
	struct dma_buf_attachment *attach;
	struct p2p_fake_seg *segs;
	int want;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dmabuf);
	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);
	want = dma_mapping_error(imp->dev, DMA_MAPPING_ERROR);
	KUNIT_ASSERT_LT(test, want, 0);
	KUNIT_EXPECT_NE(test, want, -EIO);

	/* Four one-page ranges, one mapping each; the third fails. */
	atomic_set(&p2p_exp_knobs.fail_dma_map_at, 3);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), want);
	KUNIT_EXPECT_EQ(test, atomic_read(&p2p_exp_knobs.fail_dma_map_at), 0);
	KUNIT_EXPECT_EQ(test, p2p_fake_map(test, attach, &segs), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf_of(test, dmabuf)->stats.maps), 1);
}

/* The debugfs sleeps and errnos: a write above the cap changes nothing. */
static void p2p_exp_test_knob_cap(struct kunit *test)
{
	u32 val = 7;
	struct p2p_exp_knob knob = {
		.name = "p2p_exp_test_knob",
		.val = &val,
		.max = P2P_EXP_DELAY_MAX_MS,
	};

	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, 0), 0);
	KUNIT_EXPECT_EQ(test, val, 0U);
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, P2P_EXP_DELAY_MAX_MS),
			0);
	KUNIT_EXPECT_EQ(test, val, (u32)P2P_EXP_DELAY_MAX_MS);
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, 1), 0);
	KUNIT_EXPECT_EQ(test,
			p2p_exp_knob_store(&knob, P2P_EXP_DELAY_MAX_MS + 1),
			-EINVAL);
	/* Not truncated to 32 bits either: this would store 1. */
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, BIT_ULL(32) + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, U64_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, val, 1U);

	knob.max = MAX_ERRNO;
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, MAX_ERRNO), 0);
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, MAX_ERRNO + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, val, (u32)MAX_ERRNO);

	knob.max = U32_MAX;
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, U32_MAX), 0);
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, (u64)U32_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, val, U32_MAX);
}

static void p2p_exp_test_release_unlinks(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct dma_buf *first = one_range(test, f, 0, PG);
	struct dma_buf *second = one_range(test, f, PG, PG);
	struct p2p_exp_buf *kept = buf_of(test, second);
	unsigned long ino = buf_of(test, first)->ino;
	struct p2p_exp_rel_entry e;

	KUNIT_EXPECT_EQ(test, p2p_fake_nr_bufs(f), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->refs), 2);

	p2p_exp_set_forced(&f->prov, true);
	/* Our last reference, dropped from a kthread: delayed_fput. */
	p2p_fake_put(test, first);

	KUNIT_EXPECT_EQ(test, p2p_fake_nr_bufs(f), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->refs), 1);
	KUNIT_EXPECT_PTR_EQ(test,
			    list_first_entry(&f->prov.bufs, struct p2p_exp_buf,
					     node), kept);

	KUNIT_ASSERT_TRUE(test, p2p_exp_log_find(ino, &e));
	KUNIT_EXPECT_STREQ(test, p2p_exp_path_name(e.path), "delayed_fput");
	KUNIT_EXPECT_EQ(test, e.revokes, 1U);
	KUNIT_EXPECT_EQ(test, e.unrevokes, 0U);
}

static void p2p_exp_test_shutdown_cuts_off(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_imp0", 0);
	struct dma_buf *dmabuf = one_range(test, f, 0, PG);
	struct p2p_exp_buf *buf = buf_of(test, dmabuf);
	struct dma_buf_attachment *attach;

	attach = p2p_fake_attach(test, dmabuf, imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, attach);

	p2p_exp_provider_shutdown(&f->prov);
	KUNIT_EXPECT_TRUE(test, buf->revoked);
	KUNIT_EXPECT_NULL(test, buf->prov);
	KUNIT_EXPECT_EQ(test, atomic_read(&imp->notified), 1);
	KUNIT_EXPECT_EQ(test, p2p_fake_nr_bufs(f), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->refs), 0);

	/* A new session with MMIO on must not bring the old buffer back. */
	p2p_exp_provider_open(&f->prov);
	KUNIT_EXPECT_TRUE(test, buf->revoked);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(p2p_fake_attach(test, dmabuf,
							      imp)), -ENODEV);

	/* Its release must leave the provider alone. */
	p2p_fake_detach(test, attach);
	p2p_fake_put(test, dmabuf);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->refs), 0);
	KUNIT_EXPECT_EQ(test, p2p_fake_nr_bufs(f), 0);
}

/* "revoke" = 1 written while the device is closed is gone at the next open. */
static void p2p_exp_test_open_starts_unforced(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct dma_buf *dmabuf;

	p2p_exp_provider_shutdown(&f->prov);
	p2p_exp_set_forced(&f->prov, true);
	p2p_exp_provider_open(&f->prov);
	KUNIT_EXPECT_FALSE(test, f->prov.forced);

	dmabuf = one_range(test, f, 0, PG);
	KUNIT_EXPECT_FALSE(test, buf_of(test, dmabuf)->revoked);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf_of(test, dmabuf)->stats.revokes),
			0);

	/* Within a session the knob still works. */
	p2p_exp_set_forced(&f->prov, true);
	KUNIT_EXPECT_TRUE(test, buf_of(test, dmabuf)->revoked);
	p2p_exp_set_forced(&f->prov, false);
	KUNIT_EXPECT_FALSE(test, buf_of(test, dmabuf)->revoked);
}

static void p2p_exp_test_classify(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, p2p_exp_classify_sym("__fput_sync"),
			P2P_EXP_SEEN_SYNC);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify_sym("__x64_sys_close"),
			P2P_EXP_SEEN_SYNC);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify_sym("__do_sys_close.isra.0"),
			P2P_EXP_SEEN_SYNC);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify_sym("__x64_sys_close_range"),
			0U);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify_sym("delayed_fput"),
			P2P_EXP_SEEN_DELAYED);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify_sym("flush_delayed_fput"), 0U);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify_sym("task_work_run"),
			P2P_EXP_SEEN_TASK_WORK);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify_sym("__fput"), 0U);
	KUNIT_EXPECT_EQ(test,
			p2p_exp_classify_sym("p2p_exp_release [dmabuf_p2p_exp]"),
			0U);

	KUNIT_EXPECT_EQ(test, p2p_exp_classify(PF_EXITING, P2P_EXP_SEEN_SYNC |
					       P2P_EXP_SEEN_TASK_WORK),
			P2P_EXP_PATH_EXIT);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify(0, P2P_EXP_SEEN_SYNC),
			P2P_EXP_PATH_CLOSE);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify(PF_KTHREAD, 0),
			P2P_EXP_PATH_DELAYED);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify(0, P2P_EXP_SEEN_DELAYED),
			P2P_EXP_PATH_DELAYED);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify(0, P2P_EXP_SEEN_TASK_WORK),
			P2P_EXP_PATH_TASK_WORK);
	KUNIT_EXPECT_EQ(test, p2p_exp_classify(0, 0), P2P_EXP_PATH_OTHER);
	KUNIT_EXPECT_STREQ(test, p2p_exp_path_name(P2P_EXP_PATH_TASK_WORK),
			   "task_work");
	KUNIT_EXPECT_STREQ(test, p2p_exp_path_name(P2P_EXP_PATH_CLOSE),
			   "close");
}

static void p2p_exp_test_exit(struct kunit *test)
{
	WRITE_ONCE(p2p_exp_knobs.fail_next_attach, 0);
	WRITE_ONCE(p2p_exp_knobs.fail_next_map, 0);
	atomic_set(&p2p_exp_knobs.fail_dma_map_at, 0);
}

static struct kunit_case p2p_exp_cases[] = {
	KUNIT_CASE(p2p_exp_test_request_checks),
	KUNIT_CASE(p2p_exp_test_create_rejects),
	KUNIT_CASE(p2p_exp_test_create_while_mmio_off),
	KUNIT_CASE(p2p_exp_test_attach_refusals),
	KUNIT_CASE(p2p_exp_test_map_small),
	KUNIT_CASE(p2p_exp_test_sg_cpu_side_empty),
	KUNIT_CASE(p2p_exp_test_map_multi_range),
	KUNIT_CASE(p2p_exp_test_map_huge),
	KUNIT_CASE(p2p_exp_test_map_cost_per_range),
	KUNIT_CASE(p2p_exp_test_revoke_notifies_once),
	KUNIT_CASE(p2p_exp_test_unrevoke),
	KUNIT_CASE(p2p_exp_test_map_after_revoke),
	KUNIT_CASE(p2p_exp_test_fail_knobs),
	KUNIT_CASE(p2p_exp_test_dma_map_error),
	KUNIT_CASE(p2p_exp_test_knob_cap),
	KUNIT_CASE(p2p_exp_test_release_unlinks),
	KUNIT_CASE(p2p_exp_test_shutdown_cuts_off),
	KUNIT_CASE(p2p_exp_test_open_starts_unforced),
	KUNIT_CASE(p2p_exp_test_classify),
	{}
};

static struct kunit_suite p2p_exp_suite = {
	.name = "dmabuf_p2p_exp",
	.exit = p2p_exp_test_exit,
	.test_cases = p2p_exp_cases,
};

kunit_test_suite(p2p_exp_suite);
