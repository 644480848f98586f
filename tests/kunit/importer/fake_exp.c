// SPDX-License-Identifier: GPL-2.0
/*
 * The fake exporter: dynamic (pin/unpin), maps its pages for the
 * importer's device one sg entry per page, and refuses attach, pin and map
 * with -ENODEV while revoked, like the vfio exporter does.
 */
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/sched.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "dmabuf_p2p_compat.h"
#include "fake_exp.h"
#include "p2p_imp.h"

static int fake_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *a)
{
	struct fake_exp *fe = dmabuf->priv;

	if (!a->peer2peer)
		return -EOPNOTSUPP;
	if (READ_ONCE(fe->revoked))
		return -ENODEV;
	atomic_inc(&fe->attaches);
	return 0;
}

static void fake_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *a)
{
	struct fake_exp *fe = dmabuf->priv;

	fe->detach_from_wq = current->flags & PF_WQ_WORKER;
	atomic_inc(&fe->detaches);
}

static int fake_pin(struct dma_buf_attachment *a)
{
	struct fake_exp *fe = a->dmabuf->priv;

	dma_resv_assert_held(a->dmabuf->resv);
	if (fe->revoked)
		return -ENODEV;
	if (fe->refuse_pin)
		return -EBUSY;
	atomic_inc(&fe->pins);
	return 0;
}

static void fake_unpin(struct dma_buf_attachment *a)
{
	struct fake_exp *fe = a->dmabuf->priv;

	dma_resv_assert_held(a->dmabuf->resv);
	atomic_inc(&fe->unpins);
}

static struct sg_table *fake_map(struct dma_buf_attachment *a,
				 enum dma_data_direction dir)
{
	struct fake_exp *fe = a->dmabuf->priv;
	struct scatterlist *sg;
	struct sg_table *sgt;
	int i, ret;

	dma_resv_assert_held(a->dmabuf->resv);
	if (fe->revoked)
		return ERR_PTR(-ENODEV);

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, fe->npages, GFP_KERNEL);
	if (ret)
		goto err_free;
	for_each_sgtable_sg(sgt, sg, i)
		sg_set_page(sg, fe->pages[i], PAGE_SIZE, 0);
	/*
	 * Several attachments map the same pages; like udmabuf, skip the CPU
	 * sync so DMA-API debug accepts the overlap.
	 */
	ret = dma_map_sgtable(a->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_table;
	for_each_sgtable_dma_sg(sgt, sg, i)
		fe->last_dma[i] = sg_dma_address(sg);
	atomic_inc(&fe->maps);
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void fake_unmap(struct dma_buf_attachment *a, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct fake_exp *fe = a->dmabuf->priv;
	struct p2p_imp_mr *watch = READ_ONCE(fe->watch);

	dma_resv_assert_held(a->dmabuf->resv);
	if (watch && atomic_read(&watch->inflight))
		atomic_inc(&fe->unmap_inflight);
	dma_unmap_sgtable(a->dev, sgt, dir, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
	atomic_inc(&fe->unmaps);
}

static void fake_release(struct dma_buf *dmabuf)
{
	struct fake_exp *fe = dmabuf->priv;

	atomic_inc(&fe->releases);
}

static int fake_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct fake_exp *fe = dmabuf->priv;
	void *vaddr;

	dma_resv_assert_held(dmabuf->resv);
	vaddr = vmap(fe->pages, fe->npages, VM_MAP, PAGE_KERNEL);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void fake_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	dma_resv_assert_held(dmabuf->resv);
	vunmap(map->vaddr);
}

/* A stand-in for an exporter that stalls here (a slow flush, a hang). */
static int fake_begin_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct fake_exp *fe = dmabuf->priv;
	struct completion *gate = READ_ONCE(fe->cpu_gate);

	atomic_inc(&fe->cpu_begins);
	if (gate)
		wait_for_completion(gate);
	return 0;
}

static const struct dma_buf_ops fake_ops_vmap = {
	.attach = fake_attach,
	.detach = fake_detach,
	.pin = fake_pin,
	.unpin = fake_unpin,
	.map_dma_buf = fake_map,
	.unmap_dma_buf = fake_unmap,
	.release = fake_release,
	.vmap = fake_vmap,
	.vunmap = fake_vunmap,
	.begin_cpu_access = fake_begin_cpu,
};

/* Like an MMIO exporter: no CPU mapping to offer. */
static const struct dma_buf_ops fake_ops_novmap = {
	.attach = fake_attach,
	.detach = fake_detach,
	.pin = fake_pin,
	.unpin = fake_unpin,
	.map_dma_buf = fake_map,
	.unmap_dma_buf = fake_unmap,
	.release = fake_release,
};

/* Lets queued teardowns and delayed fputs run, so releases are counted. */
void fake_exp_settle(void)
{
	p2p_imp_flush_deferred();
	flush_delayed_fput();
}

static void fake_exp_free_pages(struct fake_exp *fe)
{
	unsigned int i;

	for (i = 0; i < fe->npages; i++)
		__free_page(fe->pages[i]);
	kfree(fe);
}

/*
 * A buffer still referenced at the end of a test (a failed case leaked an
 * MR) is left alone: freeing its pages under a live mapping would be worse.
 */
static void fake_exp_cleanup(void *data)
{
	struct fake_exp *fe = data;

	fake_exp_drop_ref(fe);
	fake_exp_settle();
	if (atomic_read(&fe->releases))
		fake_exp_free_pages(fe);
	else
		pr_err("fake exporter: buffer still referenced after the test\n");
}

/* @flags: the dma-buf file's, O_RDWR or O_RDONLY */
struct fake_exp *fake_exp_create_flags(struct kunit *test, unsigned int npages,
				       bool with_vmap, int flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct fake_exp *fe;
	unsigned int i;

	KUNIT_ASSERT_LE(test, npages, FAKE_EXP_MAX_PAGES);
	fe = kzalloc(sizeof(*fe), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fe);
	for (i = 0; i < npages; i++) {
		fe->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!fe->pages[i])
			break;
		fe->npages++;
	}
	if (fe->npages != npages) {
		fake_exp_free_pages(fe);
		KUNIT_FAIL_AND_ABORT(test, "out of memory");
	}

	info.ops = with_vmap ? &fake_ops_vmap : &fake_ops_novmap;
	info.size = (size_t)npages * PAGE_SIZE;
	info.flags = flags;
	info.priv = fe;
	fe->dmabuf = dma_buf_export(&info);
	if (IS_ERR(fe->dmabuf)) {
		fake_exp_free_pages(fe);
		KUNIT_FAIL_AND_ABORT(test, "dma_buf_export failed");
	}
	fe->own_ref = true;
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, fake_exp_cleanup, fe));
	return fe;
}

struct fake_exp *fake_exp_create(struct kunit *test, unsigned int npages,
				 bool with_vmap)
{
	return fake_exp_create_flags(test, npages, with_vmap, O_RDWR);
}

/* What an exporter does when it moves the backing storage. */
void fake_exp_move(struct fake_exp *fe)
{
	dma_resv_lock(fe->dmabuf->resv, NULL);
	p2p_dma_buf_invalidate(fe->dmabuf);
	dma_resv_unlock(fe->dmabuf->resv);
}

/* Revoking notifies importers; un-revoking only lets remaps succeed again. */
void fake_exp_set_revoked(struct fake_exp *fe, bool revoked)
{
	dma_resv_lock(fe->dmabuf->resv, NULL);
	WRITE_ONCE(fe->revoked, revoked);
	if (revoked)
		p2p_dma_buf_invalidate(fe->dmabuf);
	dma_resv_unlock(fe->dmabuf->resv);
}

void fake_exp_drop_ref(struct fake_exp *fe)
{
	if (fe->own_ref) {
		fe->own_ref = false;
		dma_buf_put(fe->dmabuf);
	}
}

/* Reads the backing pages directly, behind the importer's back. */
void fake_exp_read(struct fake_exp *fe, size_t off, void *buf, size_t len)
{
	size_t n;

	while (len) {
		n = min_t(size_t, len, PAGE_SIZE - offset_in_page(off));
		memcpy_from_page(buf, fe->pages[off >> PAGE_SHIFT],
				 offset_in_page(off), n);
		buf += n;
		off += n;
		len -= n;
	}
}
