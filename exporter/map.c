// SPDX-License-Identifier: GPL-2.0
/*
 * A buffer's ranges as DMA addresses for one importer, at a cost that grows
 * with the number of ranges, not with their size: a 16 GiB BAR is one
 * mapping, not 262 144 of 64 KiB.
 *
 * - Bus-address path (p2p_path.c): nothing is mapped; each range is one
 *   span of bus addresses.
 * - Through the host bridge with an IOMMU and the IOVA API (7.x): one IOVA
 *   allocation for the whole buffer, every range linked into it, one IOTLB
 *   sync; the importer sees one contiguous span.
 * - Otherwise one dma_map_resource() per range: one IOVA allocation each
 *   under an IOMMU, a direct translation without one.
 *
 * The table then cuts each span into entries no longer than the importer's
 * maximum segment size (rounded down to pages), the limit its hardware
 * states. Only the DMA side is filled: the CPU side (page, offset, length)
 * stays empty, so an importer that walks it instead finds nothing to use.
 */
#include <linux/dma-mapping.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "dmabuf_p2p_compat.h"
#include "p2p_exp.h"

/*
 * Makes each map (with its dma_mapping_error() checks) and each unmap one
 * step across all buffers. Without an IOMMU, two buffers over the same BAR
 * bytes map to the same DMA address for the same importer, and DMA-API
 * debugging matches a check or an unmap to its mapping by (device,
 * address) alone: an unmap of one buffer that lands between another's map
 * and its check takes the unchecked entry and reports "failed to check map
 * error" for a mapping that was checked (the uAPI fuzzer hit this). The
 * innermost lock: taken under the resv lock, nothing but DMA API calls
 * under it.
 */
static DEFINE_MUTEX(p2p_exp_dma_lock);

struct p2p_exp_span {
	dma_addr_t addr;
	u64 len;
};

/*
 * A mapping as handed out: the table, and what undoes it. @spans are the
 * contiguous DMA spans behind the table, one per range, or one for the
 * whole buffer when @iova holds a linked IOVA allocation.
 */
struct p2p_exp_sgt {
	struct sg_table sgt;
	enum p2p_exp_path path;
	bool iova;
#ifdef P2P_HAVE_DMA_IOVA
	struct dma_iova_state state;
#endif
	u32 nr_spans;
	struct p2p_exp_span spans[] __counted_by(nr_spans);
};

/*
 * dma_map_resource() WARNs on every way it can fail for a device without
 * an IOMMU, so KUnit cannot reach the unwinding below without a splat.
 * p2p_exp_knobs.fail_dma_map_at stands in for such a failure at the
 * mapping it counts down to.
 */
static bool p2p_exp_fail_dma_map(void)
{
	atomic_t *at = &p2p_exp_knobs.fail_dma_map_at;

	return unlikely(atomic_read(at)) && !atomic_dec_if_positive(at);
}

static void p2p_exp_unmap_spans(struct device *dev, struct p2p_exp_sgt *ps,
				u32 n, enum dma_data_direction dir)
{
	u32 i;

	lockdep_assert_held(&p2p_exp_dma_lock);

	for (i = 0; i < n; i++)
		dma_unmap_resource(dev, ps->spans[i].addr, ps->spans[i].len,
				   dir, DMA_ATTR_SKIP_CPU_SYNC);
}

#ifdef P2P_HAVE_DMA_IOVA
/* One IOVA span for all ranges; false when the device has no IOMMU. */
static int p2p_exp_link_iova(struct device *dev, struct p2p_exp_sgt *ps,
			     const struct p2p_exp_range *ranges, u32 nr_ranges,
			     u64 size, enum dma_data_direction dir)
{
	u64 linked = 0;
	u32 i;
	int ret;

	if (!dma_iova_try_alloc(dev, &ps->state, 0, size))
		return -EOPNOTSUPP;
	for (i = 0; i < nr_ranges; i++) {
		ret = dma_iova_link(dev, &ps->state, ranges[i].phys, linked,
				    ranges[i].len, dir, DMA_ATTR_MMIO);
		if (ret)
			goto err;
		linked += ranges[i].len;
	}
	ret = dma_iova_sync(dev, &ps->state, 0, linked);
	if (ret)
		goto err;
	ps->iova = true;
	ps->nr_spans = 1;
	ps->spans[0].addr = ps->state.addr;
	ps->spans[0].len = size;
	return 0;
err:
	dma_iova_destroy(dev, &ps->state, linked, dir, DMA_ATTR_MMIO);
	return ret;
}
#else
static int p2p_exp_link_iova(struct device *dev, struct p2p_exp_sgt *ps,
			     const struct p2p_exp_range *ranges, u32 nr_ranges,
			     u64 size, enum dma_data_direction dir)
{
	return -EOPNOTSUPP;
}
#endif

/* Fills ps->spans; returns the DMA API mappings made, or -errno. */
static int p2p_exp_map_spans(struct device *dev, struct device *exp,
			     struct p2p_exp_sgt *ps,
			     const struct p2p_exp_range *ranges, u32 nr_ranges,
			     u64 size, enum dma_data_direction dir)
{
	u32 i;
	int ret;

	if (ps->path == P2P_EXP_PATH_BUS) {
		for (i = 0; i < nr_ranges; i++) {
			ps->spans[i].addr = p2p_exp_bus_addr(exp, ranges[i].phys,
							     ranges[i].len);
			ps->spans[i].len = ranges[i].len;
		}
		return 0;
	}

	lockdep_assert_held(&p2p_exp_dma_lock);
	ret = p2p_exp_link_iova(dev, ps, ranges, nr_ranges, size, dir);
	if (!ret)
		return 1;
	if (ret != -EOPNOTSUPP)
		return ret;

	for (i = 0; i < nr_ranges; i++) {
		dma_addr_t addr = DMA_MAPPING_ERROR;

		if (!p2p_exp_fail_dma_map())
			addr = dma_map_resource(dev, ranges[i].phys,
						ranges[i].len, dir,
						DMA_ATTR_SKIP_CPU_SYNC);
		ret = dma_mapping_error(dev, addr);
		if (ret) {
			p2p_exp_unmap_spans(dev, ps, i, dir);
			return ret;
		}
		ps->spans[i].addr = addr;
		ps->spans[i].len = ranges[i].len;
	}
	return nr_ranges;
}

static void p2p_exp_unmap_all(struct device *dev, struct p2p_exp_sgt *ps,
			      enum dma_data_direction dir)
{
	lockdep_assert_held(&p2p_exp_dma_lock);

	if (ps->path == P2P_EXP_PATH_BUS)
		return;
#ifdef P2P_HAVE_DMA_IOVA
	if (ps->iova) {
		dma_iova_destroy(dev, &ps->state, ps->spans[0].len, dir,
				 DMA_ATTR_MMIO);
		return;
	}
#endif
	p2p_exp_unmap_spans(dev, ps, ps->nr_spans, dir);
}

/* Each span cut at @chunk bytes, in order. */
static int p2p_exp_fill_table(struct p2p_exp_sgt *ps, unsigned int chunk)
{
	struct scatterlist *sg;
	u64 nents = 0;
	u32 i;
	int ret;

	for (i = 0; i < ps->nr_spans; i++)
		nents += DIV_ROUND_UP_ULL(ps->spans[i].len, chunk);
	if (!nents || nents > UINT_MAX)
		return -E2BIG;
	ret = sg_alloc_table(&ps->sgt, nents, GFP_KERNEL);
	if (ret)
		return ret;

	sg = ps->sgt.sgl;
	for (i = 0; i < ps->nr_spans; i++) {
		u64 off;

		for (off = 0; off < ps->spans[i].len; off += chunk) {
			sg_dma_address(sg) = ps->spans[i].addr + off;
			sg_dma_len(sg) = min_t(u64, ps->spans[i].len - off, chunk);
			sg = sg_next(sg);
		}
	}
	return 0;
}

/**
 * p2p_exp_dma_map - map @ranges for importer @dev on @path
 * @dev: the importer's device
 * @exp: the exporting device (bus addresses)
 * @ranges: the buffer's ranges
 * @nr_ranges: how many
 * @size: their bytes in all
 * @dir: DMA direction
 * @path: how @dev reaches the MMIO, see p2p_path.c
 * @dma_maps: out, the DMA API mappings made (IOVA allocations under an
 *	IOMMU): 0 on the bus-address path, 1 for an IOVA span, else one per
 *	range
 *
 * Return: the table, or an ERR_PTR.
 */
struct sg_table *p2p_exp_dma_map(struct device *dev, struct device *exp,
				 const struct p2p_exp_range *ranges,
				 u32 nr_ranges, u64 size,
				 enum dma_data_direction dir,
				 enum p2p_exp_path path, unsigned int *dma_maps)
{
	unsigned int seg = dma_get_max_seg_size(dev);
	unsigned int chunk = seg >= PAGE_SIZE ? round_down(seg, PAGE_SIZE) : seg;
	struct p2p_exp_sgt *ps;
	int ret;

	if (!nr_ranges || !chunk)
		return ERR_PTR(-E2BIG);
	ps = kzalloc(struct_size(ps, spans, nr_ranges), GFP_KERNEL);
	if (!ps)
		return ERR_PTR(-ENOMEM);
	ps->nr_spans = nr_ranges;
	ps->path = path;

	mutex_lock(&p2p_exp_dma_lock);
	ret = p2p_exp_map_spans(dev, exp, ps, ranges, nr_ranges, size, dir);
	mutex_unlock(&p2p_exp_dma_lock);
	if (ret < 0)
		goto err_free;
	*dma_maps = ret;

	ret = p2p_exp_fill_table(ps, chunk);
	if (ret) {
		mutex_lock(&p2p_exp_dma_lock);
		p2p_exp_unmap_all(dev, ps, dir);
		mutex_unlock(&p2p_exp_dma_lock);
		goto err_free;
	}
	return &ps->sgt;

err_free:
	kfree(ps);
	return ERR_PTR(ret);
}

void p2p_exp_dma_unmap(struct device *dev, struct sg_table *sgt,
		       enum dma_data_direction dir)
{
	struct p2p_exp_sgt *ps = container_of(sgt, struct p2p_exp_sgt, sgt);

	mutex_lock(&p2p_exp_dma_lock);
	p2p_exp_unmap_all(dev, ps, dir);
	mutex_unlock(&p2p_exp_dma_lock);
	sg_free_table(sgt);
	kfree(ps);
}
