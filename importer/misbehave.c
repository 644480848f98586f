// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only misbehaviour (the misbehave debugfs knob). It exists to prove
 * that the exporter catches importers that break the revoke contract: an
 * MR that keeps its mapping after move_notify told it to let go, or that
 * leaves a fence of its own in the resv for the exporter to wait on.
 *
 * An MR fixes its mode and misbehave_ms at registration. Only an
 * invalidation that finds it mapped misbehaves, and an MR holds at most
 * one kept mapping and one unsignalled fence: a further invalidation
 * meanwhile behaves correctly. Its teardown, p2p_imp_mr_kill(), unmaps and
 * signals what is still held, so nobody waits for ever on an MR that is
 * gone. An MR in mode NONE takes none of these paths.
 *
 * Locking (see p2p_imp.h): the kept mapping is under the resv like the
 * current one, and the UNMAP_LATE work takes the resv to unmap it, so the
 * work is only ever cancelled with the resv dropped. The fence pointer is
 * under the MR lock alone, because a fence must be signallable without
 * the resv: its waiters may hold it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_debugfs.h"
#include "p2p_imp.h"

struct p2p_imp_mb_fence {
	struct dma_fence base;	/* first: dma_fence_free() frees from it */
	spinlock_t lock;	/* the fence's, so it lives as long */
};

static_assert(offsetof(struct p2p_imp_mb_fence, base) == 0);

/* For KUnit: the module each of our fences holds a reference on. */
struct module *p2p_imp_mb_module(void)
{
	return THIS_MODULE;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_mb_module);

static const char *p2p_imp_mb_fence_driver(struct dma_fence *fence)
{
	return KBUILD_MODNAME;
}

static const char *p2p_imp_mb_fence_timeline(struct dma_fence *fence)
{
	return "misbehave";
}

/*
 * The dma-buf's resv keeps a reference to the fence after the MR is gone,
 * and a process holding the dma-buf fd keeps the resv after every file of
 * ours was closed. The fence's ops live in this module, and the core calls
 * them until the last put: so each fence holds a module reference, dropped
 * only here, once nothing can reach the fence any more.
 */
static void p2p_imp_mb_fence_release(struct dma_fence *fence)
{
	dma_fence_free(fence);
	module_put(THIS_MODULE);
}

static const struct dma_fence_ops p2p_imp_mb_fence_ops = {
	.get_driver_name = p2p_imp_mb_fence_driver,
	.get_timeline_name = p2p_imp_mb_fence_timeline,
	.release = p2p_imp_mb_fence_release,
};

static bool p2p_imp_mb_unmap_mode(const struct p2p_imp_mr *mr)
{
	return mr->mb_mode == P2P_IMP_MISBEHAVE_UNMAP_LATE ||
	       mr->mb_mode == P2P_IMP_MISBEHAVE_UNMAP_NEVER;
}

static bool p2p_imp_mb_fence_mode(const struct p2p_imp_mr *mr)
{
	return mr->mb_mode == P2P_IMP_MISBEHAVE_FENCE_LATE ||
	       mr->mb_mode == P2P_IMP_MISBEHAVE_FENCE_NEVER;
}

/* Takes the unsignalled fence, if any, for the caller to signal. */
static struct dma_fence *p2p_imp_mb_take_fence(struct p2p_imp_mr *mr)
{
	struct dma_fence *fence;

	mutex_lock(&mr->lock);
	fence = mr->mb_fence;
	mr->mb_fence = NULL;
	mutex_unlock(&mr->lock);
	return fence;
}

/* Signals and drops our reference; holding neither the resv nor MR lock. */
static void p2p_imp_mb_signal(struct dma_fence *fence)
{
	if (!fence)
		return;
	dma_fence_signal(fence);
	dma_fence_put(fence);
}

static void p2p_imp_mb_later(struct p2p_imp_mr *mr)
{
	queue_delayed_work(system_unbound_wq, &mr->mb_work,
			   msecs_to_jiffies(mr->mb_ms));
}

/* The *_LATE mode's deferred half. */
static void p2p_imp_mb_work(struct work_struct *work)
{
	struct p2p_imp_mr *mr = container_of(to_delayed_work(work),
					     struct p2p_imp_mr, mb_work);
	struct dma_resv *resv = mr->dmabuf->resv;

	if (p2p_imp_mb_fence_mode(mr)) {
		p2p_imp_mb_signal(p2p_imp_mb_take_fence(mr));
		return;
	}
	dma_resv_lock(resv, NULL);
	p2p_imp_mb_unmap_kept_locked(mr);
	dma_resv_unlock(resv);
}

/**
 * p2p_imp_mb_init - fix how a new MR misbehaves
 * @mr: the MR being registered, before its attachment exists
 *
 * Each MR gets its own fence timeline: fences of one context replace one
 * another in a resv (the later seqno stands for both), so a shared one would
 * let one MR's fence hide another MR's on the same buffer.
 */
void p2p_imp_mb_init(struct p2p_imp_mr *mr)
{
	mr->mb_mode = READ_ONCE(p2p_imp.misbehave);
	mr->mb_ms = min_t(u32, READ_ONCE(p2p_imp.misbehave_ms),
			  P2P_IMP_MAX_DELAY_MS);
	INIT_DELAYED_WORK(&mr->mb_work, p2p_imp_mb_work);
	if (p2p_imp_mb_fence_mode(mr))
		mr->mb_context = dma_fence_context_alloc(1);
}

/* Keeps the mapping instead of unmapping it, unless one is kept already. */
static bool p2p_imp_mb_keep(struct p2p_imp_mr *mr)
{
	if (mr->mb_kept)
		return false;
	mr->mb_kept = mr->sgt;
	p2p_imp_mr_forget_sgt_locked(mr);
	if (mr->mb_mode == P2P_IMP_MISBEHAVE_UNMAP_LATE)
		p2p_imp_mb_later(mr);
	return true;
}

/*
 * Adds an unsignalled fence of ours to the resv, unless one is pending or
 * the MR is being torn down. Best effort: a test that finds no fence sees
 * the misbehaviour missing, which is why each failure is logged.
 */
static void p2p_imp_mb_add_fence(struct p2p_imp_mr *mr)
{
	struct dma_resv *resv = mr->dmabuf->resv;
	struct p2p_imp_mb_fence *f;
	bool busy;
	int ret;

	mutex_lock(&mr->lock);
	busy = mr->mb_fence || mr->mb_dead;
	mutex_unlock(&mr->lock);
	if (busy)
		return;

	ret = dma_resv_reserve_fences(resv, 1);
	if (ret) {
		pr_debug("misbehave: MR %u: no room for a fence: %d\n",
			 READ_ONCE(mr->handle), ret);
		return;
	}
	/* Fails only while we are being unloaded. */
	if (!try_module_get(THIS_MODULE)) {
		pr_debug("misbehave: MR %u: unloading, no fence\n",
			 READ_ONCE(mr->handle));
		return;
	}
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f) {
		module_put(THIS_MODULE);
		return;
	}
	spin_lock_init(&f->lock);

	mutex_lock(&mr->lock);
	if (mr->mb_dead) {
		/* Raced with the teardown, which signals nothing later. */
		mutex_unlock(&mr->lock);
		kfree(f);
		module_put(THIS_MODULE);
		return;
	}
	dma_fence_init(&f->base, &p2p_imp_mb_fence_ops, &f->lock,
		       mr->mb_context, ++mr->mb_seqno);
	dma_resv_add_fence(resv, &f->base, DMA_RESV_USAGE_BOOKKEEP);
	mr->mb_fence = &f->base;	/* the reference from dma_fence_init() */
	mutex_unlock(&mr->lock);

	if (mr->mb_mode == P2P_IMP_MISBEHAVE_FENCE_LATE)
		p2p_imp_mb_later(mr);
}

/**
 * p2p_imp_mb_invalidate - move_notify's unmap, as the MR's mode has it
 * @mr: the MR being invalidated, its accesses drained; resv held
 *
 * Return: true if the mapping was kept, false if the caller unmaps it as
 * usual (after a fence of ours was added, in the fence modes).
 */
bool p2p_imp_mb_invalidate(struct p2p_imp_mr *mr)
{
	dma_resv_assert_held(mr->dmabuf->resv);

	/* Lost: torn down, or revoked for good with nothing to map. */
	if (!mr->sgt || mr->lost)
		return false;
	if (p2p_imp_mb_unmap_mode(mr))
		return p2p_imp_mb_keep(mr);
	if (p2p_imp_mb_fence_mode(mr))
		p2p_imp_mb_add_fence(mr);
	return false;
}

/*
 * Teardown, first step, without the resv: no new fence from now on, and
 * the pending one signalled.
 */
void p2p_imp_mb_stop_fences(struct p2p_imp_mr *mr)
{
	struct dma_fence *fence;

	if (!p2p_imp_mb_fence_mode(mr))
		return;
	mutex_lock(&mr->lock);
	mr->mb_dead = true;
	fence = mr->mb_fence;
	mr->mb_fence = NULL;
	mutex_unlock(&mr->lock);
	p2p_imp_mb_signal(fence);
}

/* Gives back the kept mapping; the UNMAP_LATE work, or teardown. */
void p2p_imp_mb_unmap_kept_locked(struct p2p_imp_mr *mr)
{
	dma_resv_assert_held(mr->dmabuf->resv);

	if (!mr->mb_kept)
		return;
	dma_buf_unmap_attachment(mr->attach, mr->mb_kept, DMA_BIDIRECTIONAL);
	mr->mb_kept = NULL;
}

/*
 * Teardown, last step, the resv dropped: the MR is lost and its fences are
 * stopped, so nothing queues the work again once it is cancelled.
 */
void p2p_imp_mb_cancel(struct p2p_imp_mr *mr)
{
	if (mr->mb_mode != P2P_IMP_MISBEHAVE_NONE)
		cancel_delayed_work_sync(&mr->mb_work);
}
