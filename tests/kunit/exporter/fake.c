// SPDX-License-Identifier: GPL-2.0
/*
 * Fake provider and importers for the exporter suites. Everything is torn
 * down by KUnit actions, in reverse order of creation, so a failed
 * assertion still detaches, drops and releases every buffer before the
 * provider it points to is freed.
 */
#include <linux/dma-resv.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/scatterlist.h>
#include <kunit/device.h>
#include <kunit/resource.h>

#include "fake.h"

static struct p2p_fake *to_fake(struct p2p_exp_provider *prov)
{
	return container_of(prov, struct p2p_fake, prov);
}

static int p2p_fake_bar_range(struct p2p_exp_provider *prov, u32 bar,
			      phys_addr_t *base, u64 *size)
{
	switch (bar) {
	case 0:
		*base = FAKE_BAR0_BASE;
		*size = FAKE_BAR0_SIZE;
		return 0;
	case 2:
		*base = FAKE_BAR2_BASE;
		*size = FAKE_BAR2_SIZE;
		return 0;
	case 4:
		*base = FAKE_BAR4_BASE;
		*size = FAKE_BAR4_SIZE;
		return 0;
	case 1:		/* an I/O port BAR */
		return -EINVAL;
	case 3:		/* the upper half of BAR 2 */
	case 5:		/* the upper half of BAR 4 */
		return -ENODEV;
	default:	/* ROM, config, VGA, device regions */
		return -ENODEV;
	}
}

static bool p2p_fake_mmio_enabled(struct p2p_exp_provider *prov)
{
	struct p2p_fake *f = to_fake(prov);

	lockdep_assert_held(&f->lock);
	return f->mmio;
}

static void p2p_fake_get(struct p2p_exp_provider *prov)
{
	atomic_inc(&to_fake(prov)->refs);
}

static void p2p_fake_put_prov(struct p2p_exp_provider *prov)
{
	atomic_dec(&to_fake(prov)->refs);
}

static const struct p2p_exp_provider_ops p2p_fake_ops = {
	.bar_range = p2p_fake_bar_range,
	.mmio_enabled = p2p_fake_mmio_enabled,
	.get = p2p_fake_get,
	.put = p2p_fake_put_prov,
};

/* Cuts off whatever a failed test left behind, so its release is safe. */
static void p2p_fake_shutdown_action(void *ctx)
{
	p2p_exp_provider_shutdown(ctx);
	flush_delayed_fput();
}

struct p2p_fake *p2p_fake_new(struct kunit *test)
{
	struct p2p_fake *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	init_rwsem(&f->lock);
	f->dev = kunit_device_register(test, "p2p_exp_fake_exporter");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->dev);
	f->mmio = true;
	p2p_exp_provider_init(&f->prov, &p2p_fake_ops, f->dev, &f->lock);
	p2p_exp_provider_open(&f->prov);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							p2p_fake_shutdown_action,
							&f->prov), 0);
	return f;
}

/* The fake's MMIO decode goes on or off, and the core follows it. */
void p2p_fake_set_mmio(struct p2p_fake *f, bool on)
{
	down_write(&f->lock);
	f->mmio = on;
	p2p_exp_sync_locked(&f->prov);
	up_write(&f->lock);
}

unsigned int p2p_fake_nr_bufs(struct p2p_fake *f)
{
	struct p2p_exp_buf *buf;
	unsigned int n = 0;

	down_read(&f->lock);
	list_for_each_entry(buf, &f->prov.bufs, node)
		n++;
	up_read(&f->lock);
	return n;
}

static void p2p_fake_move_notify(struct dma_buf_attachment *attach)
{
	struct p2p_fake_imp *imp = attach->importer_priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	atomic_inc(&imp->notified);
}

const struct dma_buf_attach_ops p2p_fake_p2p_ops = {
	.allow_peer2peer = true,
	.P2P_INVALIDATE_OP = p2p_fake_move_notify,
};

const struct dma_buf_attach_ops p2p_fake_nop2p_ops = {
	.allow_peer2peer = false,
	.P2P_INVALIDATE_OP = p2p_fake_move_notify,
};

/* Only attached where the core allows it (P2P_CORE_TAKES_IRREVOCABLE). */
const struct dma_buf_attach_ops p2p_fake_irrevocable_ops = {
	.allow_peer2peer = true,
};

/*
 * dma_map_resource() WARNs without a DMA mask; dma_parms carries the
 * maximum segment size the exporter chunks by (0: the 64 KiB default).
 */
struct p2p_fake_imp *p2p_fake_importer(struct kunit *test, const char *name,
				       unsigned int max_seg)
{
	struct device_dma_parameters *parms;
	struct p2p_fake_imp *imp;
	struct device *dev;

	imp = kunit_kzalloc(test, sizeof(*imp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, imp);
	parms = kunit_kzalloc(test, sizeof(*parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, parms);
	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)),
			0);
	parms->max_segment_size = max_seg;
	dev->dma_parms = parms;
	imp->dev = dev;
	return imp;
}

/* A kthread's last fput() is deferred; flush so the release has run. */
static void p2p_fake_put_action(void *ctx)
{
	dma_buf_put(ctx);
	flush_delayed_fput();
}

struct dma_buf *p2p_fake_create(struct kunit *test, struct p2p_fake *f,
				u32 bar,
				const struct vfio_region_dma_range *ranges,
				u32 nr_ranges)
{
	struct dma_buf *dmabuf;

	dmabuf = p2p_exp_buf_create(&f->prov, bar, ranges, nr_ranges, O_RDWR);
	if (IS_ERR(dmabuf)) {
		flush_delayed_fput();
		return dmabuf;
	}
	if (kunit_add_action_or_reset(test, p2p_fake_put_action, dmabuf))
		return ERR_PTR(-ENOMEM);
	return dmabuf;
}

void p2p_fake_put(struct kunit *test, struct dma_buf *dmabuf)
{
	kunit_release_action(test, p2p_fake_put_action, dmabuf);
}

static void p2p_fake_detach_action(void *ctx)
{
	struct dma_buf_attachment *attach = ctx;

	dma_buf_detach(attach->dmabuf, attach);
}

struct dma_buf_attachment *p2p_fake_attach(struct kunit *test,
					   struct dma_buf *dmabuf,
					   struct p2p_fake_imp *imp)
{
	struct dma_buf_attachment *attach;

	attach = dma_buf_dynamic_attach(dmabuf, imp->dev, &p2p_fake_p2p_ops,
					imp);
	if (IS_ERR(attach))
		return attach;
	if (kunit_add_action_or_reset(test, p2p_fake_detach_action, attach))
		return ERR_PTR(-ENOMEM);
	return attach;
}

void p2p_fake_detach(struct kunit *test, struct dma_buf_attachment *attach)
{
	kunit_release_action(test, p2p_fake_detach_action, attach);
}

/*
 * Maps, copies the DMA segments out and unmaps again, all under the resv
 * lock, so no assertion can fire while the lock or a mapping is held.
 * Returns the number of segments or -errno.
 */
int p2p_fake_map(struct kunit *test, struct dma_buf_attachment *attach,
		 struct p2p_fake_seg **segs)
{
	struct dma_buf *dmabuf = attach->dmabuf;
	struct scatterlist *sg;
	struct sg_table *sgt;
	int i, n;

	*segs = NULL;
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		dma_resv_unlock(dmabuf->resv);
		return PTR_ERR(sgt);
	}
	n = sgt->nents;
	*segs = kunit_kcalloc(test, n, sizeof(**segs), GFP_KERNEL);
	if (*segs) {
		for_each_sgtable_dma_sg(sgt, sg, i) {
			(*segs)[i].addr = sg_dma_address(sg);
			(*segs)[i].len = sg_dma_len(sg);
		}
	}
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dmabuf->resv);
	return *segs ? n : -ENOMEM;
}
