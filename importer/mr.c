// SPDX-License-Identifier: GPL-2.0
/*
 * Memory regions: attach to a dma-buf as a dynamic peer-to-peer importer,
 * map (and remap after an invalidation, the way an RDMA page fault does),
 * and tear down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_compat.h"
#include "p2p_imp.h"
#include "trace.h"

/*
 * Walks the DMA side of @sgt and returns how many segments overlap
 * [@start, @end) of the buffer; @segs, if given, receives each overlap
 * clipped to the range, @covered their total length.
 */
u32 p2p_imp_sgt_span(struct sg_table *sgt, u64 start, u64 end,
		     struct p2p_dma_seg *segs, u64 *covered)
{
	struct scatterlist *sg;
	u64 pos = 0, bytes = 0;
	u32 n = 0;
	int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 len = sg_dma_len(sg);
		u64 s = max(start, pos);
		u64 e = min(end, pos + len);

		if (s < e) {
			if (segs) {
				segs[n].dma_addr = sg_dma_address(sg) + (s - pos);
				segs[n].length = e - s;
			}
			n++;
			bytes += e - s;
		}
		pos += len;
		if (pos >= end)
			break;
	}
	*covered = bytes;
	return n;
}

static int p2p_imp_injected_map_error(void)
{
	int err = atomic_xchg(&p2p_imp.fail_next_map, 0);

	/* debugfs keeps it in 0..MAX_ERRNO; KUnit sets it directly. */
	return err > 0 && err <= MAX_ERRNO ? -err : 0;
}

/*
 * Makes sure @mr has a mapping. Called at registration and by every access
 * that finds the MR invalidated: the remap bumps the generation, and an
 * exporter answering -ENODEV (revoked) leaves the MR revoked until a later
 * attempt succeeds.
 */
int p2p_imp_mr_map_locked(struct p2p_imp_mr *mr)
{
	struct dma_resv *resv = mr->dmabuf->resv;
	struct sg_table *sgt = NULL;
	u64 t0 = ktime_get_ns();
	u64 covered = 0;
	u32 nents = 0;
	long wret;
	int ret;

	dma_resv_assert_held(resv);

	if (mr->sgt)
		return 0;
	if (mr->lost)
		return -ENODEV;

	ret = p2p_imp_injected_map_error();
	if (!ret) {
		sgt = dma_buf_map_attachment(mr->attach, DMA_BIDIRECTIONAL);
		if (IS_ERR(sgt))
			ret = PTR_ERR(sgt);
	}
	if (!ret) {
		/* The exporter may still be moving the data into place. */
		wret = dma_resv_wait_timeout(resv, DMA_RESV_USAGE_KERNEL, true,
					     P2P_IMP_FENCE_TIMEOUT);
		if (wret <= 0)
			ret = wret ? wret : -ETIMEDOUT;
	}
	if (!ret) {
		nents = p2p_imp_sgt_span(sgt, mr->offset,
					 mr->offset + mr->length, NULL,
					 &covered);
		if (covered != mr->length) {
			pr_warn_ratelimited("exporter %s mapped %llu of %llu bytes\n",
					    mr->dmabuf->exp_name, covered,
					    mr->length);
			ret = -EIO;
		}
	}
	if (ret && !IS_ERR_OR_NULL(sgt))
		dma_buf_unmap_attachment(mr->attach, sgt, DMA_BIDIRECTIONAL);

	mutex_lock(&mr->lock);
	if (!ret) {
		mr->sgt = sgt;
		mr->state = P2P_MR_STATE_MAPPED;
		mr->nents = nents;
		mr->mapped_length = covered;
		if (mr->mapped_once) {
			mr->generation++;
			mr->remaps++;
		}
		mr->mapped_once = true;
	} else if (ret == -ENODEV) {
		mr->state = P2P_MR_STATE_REVOKED;
	}
	mutex_unlock(&mr->lock);
	/* The first map is the registration's, traced with it. */
	if (mr->invalidations)
		trace_p2p_imp_mr_remap(p2p_imp_ino(mr->dmabuf),
				       READ_ONCE(mr->handle), nents,
				       ktime_get_ns() - t0, ret);
	return ret;
}

void p2p_imp_mr_unmap_locked(struct p2p_imp_mr *mr)
{
	dma_resv_assert_held(mr->dmabuf->resv);

	if (!mr->sgt)
		return;
	dma_buf_unmap_attachment(mr->attach, mr->sgt, DMA_BIDIRECTIONAL);
	p2p_imp_mr_forget_sgt_locked(mr);
}

/* The MR has no mapping any more: unmapped, or kept aside (misbehave.c). */
void p2p_imp_mr_forget_sgt_locked(struct p2p_imp_mr *mr)
{
	dma_resv_assert_held(mr->dmabuf->resv);

	mr->sgt = NULL;
	mutex_lock(&mr->lock);
	mr->nents = 0;
	mr->mapped_length = 0;
	mutex_unlock(&mr->lock);
}

/**
 * p2p_imp_mr_kill - unmap and unpin an MR for good
 * @mr: the region
 *
 * For the MR's teardown, and for the removal of the device it is attached
 * for: afterwards nothing is mapped for that device, and every access finds
 * the MR revoked (-ENODEV). Only its attachment is left, for the teardown.
 * What a misbehave mode still holds is given back too. Takes the resv, and
 * cancels work that takes it: the caller must not hold it.
 */
void p2p_imp_mr_kill(struct p2p_imp_mr *mr)
{
	struct dma_resv *resv = mr->dmabuf->resv;

	/* Before the resv: a waiter for our fence may be holding it. */
	p2p_imp_mb_stop_fences(mr);

	/* Uninterruptible: a device's remove cannot fail or be put off. */
	dma_resv_lock(resv, NULL);
	mr->lost = true;
	p2p_imp_mr_unmap_locked(mr);
	p2p_imp_mb_unmap_kept_locked(mr);
	if (mr->pinned) {
		dma_buf_unpin(mr->attach);
		mr->pinned = false;
	}
	mutex_lock(&mr->lock);
	mr->state = P2P_MR_STATE_REVOKED;
	mutex_unlock(&mr->lock);
	dma_resv_unlock(resv);

	p2p_imp_mb_cancel(mr);
}

static int p2p_imp_mr_validate(struct dma_buf *dmabuf, u64 offset, u64 length,
			       u32 flags, u32 access)
{
	u64 end;

	if (flags & ~P2P_MR_FLAGS_ALL) {
		pr_debug_ratelimited("reg: unknown flags %#x\n", flags);
		return -EINVAL;
	}
	if ((flags & P2P_MR_NO_INVALIDATE) && !P2P_CORE_TAKES_IRREVOCABLE) {
		pr_debug_ratelimited("reg: this kernel's dma-buf core rejects importers without move_notify\n");
		return -EOPNOTSUPP;
	}
	if (access & ~P2P_MR_ACCESS_ALL) {
		pr_debug_ratelimited("reg: unknown access bits %#x\n", access);
		return -EINVAL;
	}
	/*
	 * The fd is what the caller may do with the buffer: one opened
	 * read-only must not turn into an MR that writes it.
	 */
	if ((access & P2P_MR_ACCESS_WRITE) &&
	    !(dmabuf->file->f_mode & FMODE_WRITE)) {
		pr_debug_ratelimited("reg: write access to a read-only dma-buf\n");
		return -EACCES;
	}
	if (!length || !PAGE_ALIGNED(offset) || !PAGE_ALIGNED(length)) {
		pr_debug_ratelimited("reg: offset %#llx length %#llx not page aligned or empty\n",
				     offset, length);
		return -EINVAL;
	}
	if (check_add_overflow(offset, length, &end)) {
		pr_debug_ratelimited("reg: offset %#llx + length %#llx overflows\n",
				     offset, length);
		return -EOVERFLOW;
	}
	if (end > dmabuf->size) {
		pr_debug_ratelimited("reg: range ends at %#llx, buffer is %#zx\n",
				     end, dmabuf->size);
		return -EINVAL;
	}
	return 0;
}

/* Pin if asked, then map; on failure nothing is left pinned or mapped. */
static int p2p_imp_mr_setup(struct p2p_imp_mr *mr)
{
	struct dma_resv *resv = mr->dmabuf->resv;
	bool bug = p2p_imp_negative_map_lock();
	int ret;

	/*
	 * NEGATIVE CONTROL, seed 002: the lock move_notify takes under the
	 * resv, held around the call into the exporter's map path, which
	 * needs the resv: lockdep reports the cycle.
	 */
	if (bug)
		mutex_lock(&mr->lock);
	ret = dma_resv_lock_interruptible(resv, NULL);
	if (bug)
		mutex_unlock(&mr->lock);
	if (ret)
		return ret;

	if (mr->flags & P2P_MR_PINNED) {
		ret = dma_buf_pin(mr->attach);
		if (ret)
			pr_info_ratelimited("exporter %s refused to pin: %d\n",
					    mr->dmabuf->exp_name, ret);
		else
			mr->pinned = true;
	}
	if (!ret)
		ret = p2p_imp_mr_map_locked(mr);
	if (ret && mr->pinned) {
		dma_buf_unpin(mr->attach);
		mr->pinned = false;
	}

	dma_resv_unlock(resv);
	return ret;
}

/**
 * p2p_imp_mr_create - register a memory region on a dma-buf
 * @dmabuf: the buffer; the MR takes its own reference
 * @offset: page-aligned start inside @dmabuf
 * @length: page-aligned, non-zero length
 * @flags: P2P_MR_* flags
 * @access: P2P_MR_ACCESS_* bits
 *
 * Return: the MR holding one reference, or an ERR_PTR: -EINVAL / -EOVERFLOW
 * for bad arguments, -EACCES for write access to a buffer opened read-only,
 * -ENXIO for P2P_MR_EDU without an engine, or whatever the exporter answered
 * to attach, pin or map.
 */
struct p2p_imp_mr *p2p_imp_mr_create(struct dma_buf *dmabuf, u64 offset,
				     u64 length, u32 flags, u32 access)
{
	struct device *dma_dev = p2p_imp.dma_dev;
	struct dma_buf_attachment *attach;
	struct p2p_imp_mr *mr;
	int ret;

	ret = p2p_imp_mr_validate(dmabuf, offset, length, flags, access);
	if (ret)
		return ERR_PTR(ret);

	/* On behalf of the caller: charged to its memory cgroup. */
	mr = kzalloc(sizeof(*mr), GFP_KERNEL_ACCOUNT);
	if (!mr)
		return ERR_PTR(-ENOMEM);

	kref_init(&mr->ref);
	mr->offset = offset;
	mr->length = length;
	mr->flags = flags;
	mr->access = access;
	mr->state = P2P_MR_STATE_INVALIDATED;
	p2p_imp_mr_lock_init(&mr->lock);
	atomic_set(&mr->inflight, 0);
	init_waitqueue_head(&mr->fence_wq);
	INIT_LIST_HEAD(&mr->edu_node);
	/* Nothing to undo on failure: only a mapping can misbehave. */
	p2p_imp_mb_init(mr);
	get_dma_buf(dmabuf);
	mr->dmabuf = dmabuf;

	mr->cpu_lock = p2p_imp_cpu_lock_get(dmabuf);
	if (IS_ERR(mr->cpu_lock)) {
		ret = PTR_ERR(mr->cpu_lock);
		mr->cpu_lock = NULL;
		goto err_put;
	}

	if (flags & P2P_MR_EDU) {
		mr->edu = p2p_imp_edu_get();
		if (!mr->edu) {
			pr_debug_ratelimited("reg: no edu DMA engine bound\n");
			ret = -ENXIO;
			goto err_put;
		}
		/*
		 * Held until the MR is on the engine's list, so the engine's
		 * removal either waits for it or has happened (-ENXIO).
		 */
		ret = p2p_imp_edu_track_begin(mr->edu);
		if (ret)
			goto err_put;
		dma_dev = p2p_imp_edu_dev(mr->edu);
	}

	/* move_notify may run as soon as this returns: @mr is ready. */
	attach = dma_buf_dynamic_attach(dmabuf, dma_dev,
					(flags & P2P_MR_NO_INVALIDATE) ?
					&p2p_imp_irrevocable_ops :
					&p2p_imp_attach_ops, mr);
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		pr_debug_ratelimited("exporter %s refused attach: %d\n",
				     dmabuf->exp_name, ret);
		goto err_untrack;
	}
	mr->attach = attach;

	ret = p2p_imp_mr_setup(mr);
	if (ret)
		goto err_detach;
	if (mr->edu)
		p2p_imp_edu_track_end(mr->edu, mr);
	return mr;

err_detach:
	dma_buf_detach(dmabuf, attach);
err_untrack:
	if (mr->edu)
		p2p_imp_edu_track_end(mr->edu, NULL);
err_put:
	if (mr->edu)
		p2p_imp_edu_put(mr->edu);
	if (mr->cpu_lock)
		p2p_imp_cpu_lock_put(mr->cpu_lock);
	mutex_destroy(&mr->lock);
	kfree(mr);
	dma_buf_put(dmabuf);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_mr_create);

/*
 * Runs in whichever task drops the last reference, holding no lock. The
 * final dma_buf_put() is what the harness watches: from a syscall it runs
 * the buffer's release at syscall exit (task_work), from p2p_imp.wq it goes
 * through delayed_fput.
 */
static void p2p_imp_mr_destroy(struct p2p_imp_mr *mr)
{
	struct dma_buf *dmabuf = mr->dmabuf;

	/*
	 * An engine MR is unmapped under the engine's list lock: before the
	 * engine's remove, or by it, never after it.
	 */
	if (mr->edu)
		p2p_imp_edu_forget(mr);
	else
		p2p_imp_mr_kill(mr);

	dma_buf_detach(dmabuf, mr->attach);
	/* The attachment was for the engine's device: it is done with it. */
	if (mr->edu)
		p2p_imp_edu_put(mr->edu);
	/* Before our dma-buf reference: the CPU lock is keyed by the buffer. */
	p2p_imp_cpu_lock_put(mr->cpu_lock);
	mutex_destroy(&mr->lock);
	kfree(mr);
	dma_buf_put(dmabuf);
}

static void p2p_imp_mr_teardown_work(struct work_struct *work)
{
	p2p_imp_mr_destroy(container_of(work, struct p2p_imp_mr,
					teardown_work));
}

static void p2p_imp_mr_release(struct kref *ref)
{
	struct p2p_imp_mr *mr = container_of(ref, struct p2p_imp_mr, ref);

	if (READ_ONCE(mr->deferred)) {
		INIT_WORK(&mr->teardown_work, p2p_imp_mr_teardown_work);
		queue_work(p2p_imp.wq, &mr->teardown_work);
		return;
	}
	p2p_imp_mr_destroy(mr);
}

/* Must be called without any lock held: the last put tears down. */
void p2p_imp_mr_put(struct p2p_imp_mr *mr)
{
	kref_put(&mr->ref, p2p_imp_mr_release);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_mr_put);

/* Like p2p_imp_mr_put(), but the teardown runs from p2p_imp.wq. */
void p2p_imp_mr_put_deferred(struct p2p_imp_mr *mr)
{
	WRITE_ONCE(mr->deferred, true);
	kref_put(&mr->ref, p2p_imp_mr_release);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_mr_put_deferred);

void p2p_imp_flush_deferred(void)
{
	flush_workqueue(p2p_imp.wq);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_flush_deferred);

void p2p_imp_mr_query(struct p2p_imp_mr *mr, struct p2p_query_mr *q)
{
	mutex_lock(&mr->lock);
	q->state = mr->state;
	q->nents = mr->nents;
	q->generation = mr->generation;
	q->invalidations = mr->invalidations;
	q->remaps = mr->remaps;
	q->mapped_length = mr->mapped_length;
	mutex_unlock(&mr->lock);
	q->flags = mr->flags;
	q->__reserved = 0;
	strscpy_pad(q->dma_dev, dev_name(mr->attach->dev));
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_mr_query);
