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
#include <linux/hashtable.h>
#include <linux/iosys-map.h>
#include <linux/mutex.h>
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

/*
 * The MRs on one dma-buf share one of these. It serialises our
 * dma_buf_begin_cpu_access() calls on that buffer: udmabuf creates its
 * CPU-sync sg_table on first use without a lock, and two racing first calls
 * leak one. That race is per buffer, so is the lock: an exporter stalling
 * in begin_cpu_access holds up CPU access to its own buffer only, not every
 * context's. (A lock per MR or per context would let two MRs, or two
 * processes, on one udmabuf race again.)
 */
struct p2p_imp_cpu_lock {
	struct hlist_node node;		/* in p2p_imp_cpu_locks */
	/* The key; the MRs' references keep it from being reused. */
	const struct dma_buf *dmabuf;
	unsigned int users;		/* MRs, under p2p_imp_cpu_locks_mutex */
	struct mutex lock;
};

/* Lookup, insertion and removal only: held across nothing else. */
static DEFINE_MUTEX(p2p_imp_cpu_locks_mutex);
static DEFINE_HASHTABLE(p2p_imp_cpu_locks, 6);

/* The CPU lock of @dmabuf, with a reference for the calling MR. */
struct p2p_imp_cpu_lock *p2p_imp_cpu_lock_get(struct dma_buf *dmabuf)
{
	unsigned long key = (unsigned long)dmabuf;
	struct p2p_imp_cpu_lock *cl;

	mutex_lock(&p2p_imp_cpu_locks_mutex);
	hash_for_each_possible(p2p_imp_cpu_locks, cl, node, key) {
		if (cl->dmabuf == dmabuf) {
			cl->users++;
			goto out;
		}
	}
	cl = kzalloc(sizeof(*cl), GFP_KERNEL_ACCOUNT);
	if (!cl) {
		cl = ERR_PTR(-ENOMEM);
		goto out;
	}
	cl->dmabuf = dmabuf;
	cl->users = 1;
	p2p_imp_cpu_lock_init(&cl->lock);
	hash_add(p2p_imp_cpu_locks, &cl->node, key);
out:
	mutex_unlock(&p2p_imp_cpu_locks_mutex);
	return cl;
}

void p2p_imp_cpu_lock_put(struct p2p_imp_cpu_lock *cl)
{
	bool last;

	mutex_lock(&p2p_imp_cpu_locks_mutex);
	last = !--cl->users;
	if (last)
		hash_del(&cl->node);
	mutex_unlock(&p2p_imp_cpu_locks_mutex);
	if (last) {
		mutex_destroy(&cl->lock);
		kfree(cl);
	}
}

static int p2p_imp_cpu_access_begin(struct p2p_imp_mr *mr)
{
	int ret;

	/* Behind a stalled exporter: a signal gets the caller out. */
	ret = mutex_lock_interruptible(&mr->cpu_lock->lock);
	if (ret)
		return ret;
	/*
	 * Always bidirectional: udmabuf keeps the direction of its first
	 * call, and DMA-API debug flags later syncs in another direction.
	 */
	ret = dma_buf_begin_cpu_access(mr->dmabuf, DMA_BIDIRECTIONAL);
	mutex_unlock(&mr->cpu_lock->lock);
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
 * no DMA engine); -ENODEV if the exporter refused the remap (revoked);
 * -EINTR on a signal; or another error from it or the engine.
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

	ret = p2p_imp_cpu_access_begin(mr);
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
		segs = kvmalloc_array(n, sizeof(*segs), GFP_KERNEL_ACCOUNT);
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
