// SPDX-License-Identifier: GPL-2.0
/*
 * Accesses through an MR, standing in for the device's DMA: each one first
 * "faults" the MR back in if it was invalidated, then runs as an in-flight
 * access that move_notify waits for.
 *
 * READ/WRITE copy through the exporter's kernel mapping (dma_buf_vmap), not
 * through struct pages of the sg_table: importers must not touch those (and
 * CONFIG_DMABUF_DEBUG scrambles them), and MMIO exporters have none. MRs
 * attached for the DMA engine (P2P_MR_EDU) move their data with it instead,
 * by DMA address, see edu.c. All buffers here are kernel memory; user copies
 * happen in the ioctl layer, outside every lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/iosys-map.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "p2p_imp.h"

/* [@off, @off + @len) must be a non-empty range inside the MR. */
int p2p_imp_mr_check_range(const struct p2p_imp_mr *mr, u64 off, u64 len)
{
	u64 end;

	if (!len) {
		pr_debug_ratelimited("access: empty range\n");
		return -EINVAL;
	}
	if (check_add_overflow(off, len, &end)) {
		pr_debug_ratelimited("access: offset %#llx + length %#llx overflows\n",
				     off, len);
		return -EOVERFLOW;
	}
	if (end > mr->length) {
		pr_debug_ratelimited("access: range ends at %#llx, MR is %#llx\n",
				     end, mr->length);
		return -EINVAL;
	}
	return 0;
}

int p2p_imp_mr_xfer_allowed(const struct p2p_imp_mr *mr, bool write)
{
	u32 need = write ? P2P_MR_ACCESS_WRITE : P2P_MR_ACCESS_READ;

	if (!(mr->access & need)) {
		pr_debug_ratelimited("access: MR not registered for %s\n",
				     write ? "write" : "read");
		return -EACCES;
	}
	if (!mr->edu && !mr->dmabuf->ops->vmap) {
		pr_debug_ratelimited("access: exporter %s has no CPU mapping\n",
				     mr->dmabuf->exp_name);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int p2p_imp_cpu_access_begin(struct dma_buf *dmabuf)
{
	int ret;

	/*
	 * Always bidirectional: udmabuf keeps the direction of its first
	 * call, and DMA-API debug flags later syncs in another direction.
	 */
	mutex_lock(&p2p_imp.cpu_access_lock);
	ret = dma_buf_begin_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
	mutex_unlock(&p2p_imp.cpu_access_lock);
	return ret;
}

/**
 * p2p_imp_mr_xfer - copy between a kernel buffer and an MR
 * @mr: the region, with a reference held by the caller
 * @off: offset into the MR
 * @buf: kernel buffer of @len bytes
 * @len: bytes to copy
 * @write: true: @buf -> MR; false: MR -> @buf
 *
 * Return: 0; -EINVAL / -EOVERFLOW for a bad range; -EACCES without the
 * access right; -EOPNOTSUPP if the exporter has no CPU mapping (and the MR
 * no DMA engine); -ENODEV if the exporter refused the remap (revoked); or
 * another error from it or the engine.
 */
int p2p_imp_mr_xfer(struct p2p_imp_mr *mr, u64 off, void *buf, size_t len,
		    bool write)
{
	struct dma_buf *dmabuf = mr->dmabuf;
	struct iosys_map map;
	size_t pos;
	int ret;

	ret = p2p_imp_mr_check_range(mr, off, len);
	if (!ret)
		ret = p2p_imp_mr_xfer_allowed(mr, write);
	if (ret)
		return ret;
	if (mr->edu)
		return p2p_imp_edu_xfer(mr, off, buf, len, write);

	ret = p2p_imp_cpu_access_begin(dmabuf);
	if (ret)
		return ret;

	ret = dma_resv_lock_interruptible(dmabuf->resv, NULL);
	if (ret)
		goto out_cpu;
	ret = p2p_imp_mr_map_locked(mr);
	if (!ret)
		ret = dma_buf_vmap(dmabuf, &map);
	if (!ret)
		p2p_imp_fence_begin(mr);
	dma_resv_unlock(dmabuf->resv);
	if (ret)
		goto out_cpu;

	pos = mr->offset + off;
	if (write)
		iosys_map_memcpy_to(&map, pos, buf, len);
	else
		iosys_map_memcpy_from(buf, &map, pos, len);
	p2p_imp_fence_end(mr);

	/* Uninterruptible: the vmap reference must not leak. */
	dma_resv_lock(dmabuf->resv, NULL);
	dma_buf_vunmap(dmabuf, &map);
	dma_resv_unlock(dmabuf->resv);
out_cpu:
	dma_buf_end_cpu_access(dmabuf, DMA_BIDIRECTIONAL);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_mr_xfer);

/**
 * p2p_imp_mr_segs - the DMA segments covering part of an MR
 * @mr: the region, with a reference held by the caller
 * @off: offset into the MR
 * @len: length of the range
 * @nsegs: out: number of entries returned
 *
 * Works for any exporter, page-backed or MMIO, remapping first if needed.
 *
 * Return: a kvmalloc()ed array of *@nsegs segments clipped to the range, or
 * an ERR_PTR as for p2p_imp_mr_xfer().
 */
struct p2p_dma_seg *p2p_imp_mr_segs(struct p2p_imp_mr *mr, u64 off, u64 len,
				    u32 *nsegs)
{
	struct dma_resv *resv = mr->dmabuf->resv;
	struct p2p_dma_seg *segs = NULL;
	u64 start = mr->offset + off, covered;
	u32 n = 0;
	int ret;

	ret = p2p_imp_mr_check_range(mr, off, len);
	if (ret)
		return ERR_PTR(ret);

	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		return ERR_PTR(ret);
	ret = p2p_imp_mr_map_locked(mr);
	if (!ret) {
		n = p2p_imp_sgt_span(mr->sgt, start, start + len, NULL,
				     &covered);
		segs = kvmalloc_array(n, sizeof(*segs), GFP_KERNEL);
		if (segs)
			p2p_imp_sgt_span(mr->sgt, start, start + len, segs,
					 &covered);
		else
			ret = -ENOMEM;
	}
	dma_resv_unlock(resv);
	if (ret)
		return ERR_PTR(ret);

	*nsegs = n;
	return segs;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_mr_segs);
