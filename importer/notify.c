// SPDX-License-Identifier: GPL-2.0
/*
 * Invalidation from the exporter, and the in-flight access fence it waits
 * on. This is where a real HCA would stop DMA to the region and zap its
 * translation before the exporter moves or revokes the memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_compat.h"
#include "p2p_imp.h"
#include "trace.h"

/* Called with the resv held, after the MR was found mapped. */
void p2p_imp_fence_begin(struct p2p_imp_mr *mr)
{
	dma_resv_assert_held(mr->dmabuf->resv);
	lock_map_acquire_read(&p2p_imp_fence_map);
	atomic_inc(&mr->inflight);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_fence_begin);

void p2p_imp_fence_end(struct p2p_imp_mr *mr)
{
	if (atomic_dec_and_test(&mr->inflight))
		wake_up_all(&mr->fence_wq);
	lock_map_release(&p2p_imp_fence_map);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_fence_end);

/**
 * p2p_imp_fence_stuck - report accesses that outlived move_notify's wait
 * @mr: the region being invalidated
 * @inflight: accesses still in flight
 *
 * The exporter is about to move or revoke memory they may still touch: a
 * bug here or a hung engine, not mere load. A WARN, so that the test rig
 * fails the run on it; once, since each costs a full fence timeout and the
 * first is the one to chase. KUnit redirects it to check that it is called.
 */
void p2p_imp_fence_stuck(struct p2p_imp_mr *mr, int inflight)
{
	KUNIT_STATIC_STUB_REDIRECT(p2p_imp_fence_stuck, mr, inflight);

	WARN_ONCE(1, "move_notify: MR %u (%s, bytes %#llx+%#llx): %d accesses still in flight after %u ms, unmapping under them\n",
		  READ_ONCE(mr->handle), mr->dmabuf->exp_name, mr->offset,
		  mr->length, inflight,
		  jiffies_to_msecs(READ_ONCE(p2p_imp.fence_timeout)));
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_fence_stuck);

/*
 * New accesses cannot start while we hold the resv, so this only drains
 * the ones already running. They never block while in flight (an engine
 * transfer gives up well within the timeout), so the timeout is a safety
 * net: past it we report and carry on, since the exporter cannot be
 * refused the invalidation, and the CPU-side copies go through a vmap the
 * unmap does not tear down.
 */
static void p2p_imp_fence_wait(struct p2p_imp_mr *mr)
{
	dma_resv_assert_held(mr->dmabuf->resv);

	lock_map_acquire(&p2p_imp_fence_map);
	if (!wait_event_timeout(mr->fence_wq, !atomic_read(&mr->inflight),
				READ_ONCE(p2p_imp.fence_timeout)))
		p2p_imp_fence_stuck(mr, atomic_read(&mr->inflight));
	lock_map_release(&p2p_imp_fence_map);
}

/*
 * A pinned MR cannot fault, so losing its mapping is final (the revocable
 * pinned model of RDMA): unmap, unpin and report it revoked for good.
 */
static void p2p_imp_move_notify(struct dma_buf_attachment *attach)
{
	struct p2p_imp_mr *mr = attach->importer_priv;
	u32 delay = READ_ONCE(p2p_imp.move_notify_delay_ms);

	dma_resv_assert_held(attach->dmabuf->resv);

	if (delay)
		msleep(min_t(u32, delay, P2P_IMP_MAX_DELAY_MS));

	trace_p2p_imp_mr_invalidate(p2p_imp_ino(attach->dmabuf),
				    READ_ONCE(mr->handle), mr->sgt, mr->pinned);
	mutex_lock(&mr->lock);
	mr->invalidations++;
	if (mr->sgt)
		mr->state = mr->pinned ? P2P_MR_STATE_REVOKED :
					 P2P_MR_STATE_INVALIDATED;
	mutex_unlock(&mr->lock);

	p2p_imp_fence_wait(mr);
	/* A test-only mode may keep the mapping or add a fence. */
	if (!p2p_imp_mb_invalidate(mr))
		p2p_imp_mr_unmap_locked(mr);

	if (mr->pinned) {
		dma_buf_unpin(attach);
		mr->pinned = false;
		mr->lost = true;
	}
}

const struct dma_buf_attach_ops p2p_imp_attach_ops = {
	.allow_peer2peer = true,
	.P2P_INVALIDATE_OP = p2p_imp_move_notify,
};

/* P2P_MR_NO_INVALIDATE: what a revocable exporter must turn away. */
const struct dma_buf_attach_ops p2p_imp_irrevocable_ops = {
	.allow_peer2peer = true,
};
