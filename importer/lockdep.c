// SPDX-License-Identifier: GPL-2.0
/*
 * Lock classes of the importer, and teaching lockdep their order at load
 * time, the way dma_resv_lockdep() does for mmap_lock -> resv: otherwise a
 * wrong order would only be reported once a revoke and an access happened to
 * meet in one run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-resv.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/ww_mutex.h>

#include "p2p_imp.h"

#ifdef CONFIG_LOCKDEP
/*
 * The "hardware fence": held for read by every in-flight access, acquired
 * for write by move_notify while it waits for them. It is not a lock, but
 * annotating it as one makes lockdep see resv -> fence and catch an access
 * that would take the resv (or fault on user memory) while in flight.
 */
struct lockdep_map p2p_imp_fence_map = {
	.name = "dmabuf_p2p_imp_fence",
};
#endif

/* One call site, so every MR lock and the priming lock share a class. */
void p2p_imp_mr_lock_init(struct mutex *lock)
{
	mutex_init(lock);
}

/* Likewise for the per-dma-buf CPU access locks. */
void p2p_imp_cpu_lock_init(struct mutex *lock)
{
	mutex_init(lock);
}

/* Likewise for the DMA engine's lock (one engine at a time, but a class). */
void p2p_imp_edu_lock_init(struct mutex *lock)
{
	mutex_init(lock);
}

/* And for the engine's list of MRs. */
void p2p_imp_edu_mrs_lock_init(struct mutex *lock)
{
	mutex_init(lock);
}

/* An engine transfer: engine -> resv -> in flight (read side). */
static noinline_for_stack void
p2p_imp_lockdep_prime_engine(struct dma_resv *resv)
{
	struct ww_acquire_ctx ctx;
	struct mutex edu_lock;	/* stands in for p2p_imp_edu.lock */

	p2p_imp_edu_lock_init(&edu_lock);
	mutex_lock(&edu_lock);
	ww_acquire_init(&ctx, &reservation_ww_class);
	if (dma_resv_lock(resv, &ctx) == -EDEADLK)
		dma_resv_lock_slow(resv, &ctx);
	lock_map_acquire_read(&p2p_imp_fence_map);
	dma_resv_unlock(resv);
	ww_acquire_fini(&ctx);
	lock_map_release(&p2p_imp_fence_map);
	mutex_unlock(&edu_lock);
	mutex_destroy(&edu_lock);
}

/*
 * @outer -> resv -> MR lock, and the fence taken for write under the resv
 * (move_notify, or a remap, can run there).
 */
static noinline_for_stack void
p2p_imp_lockdep_prime_outer(struct mutex *outer, struct dma_resv *resv,
			    struct mutex *mr_lock)
{
	struct ww_acquire_ctx ctx;

	mutex_lock(outer);
	ww_acquire_init(&ctx, &reservation_ww_class);
	if (dma_resv_lock(resv, &ctx) == -EDEADLK)
		dma_resv_lock_slow(resv, &ctx);

	mutex_lock(mr_lock);
	mutex_unlock(mr_lock);
	lock_map_acquire(&p2p_imp_fence_map);
	lock_map_release(&p2p_imp_fence_map);

	dma_resv_unlock(resv);
	ww_acquire_fini(&ctx);
	mutex_unlock(outer);
}

void p2p_imp_lockdep_prime(void)
{
	struct dma_resv resv;
	struct mutex mr_lock;	/* stands in for every p2p_imp_mr.lock */
	/*
	 * A CPU lock, then the engine's MR list lock: the class comes from
	 * the init function, so one object on the stack does for both.
	 */
	struct mutex outer;

	if (!IS_ENABLED(CONFIG_LOCKDEP))
		return;

	dma_resv_init(&resv);
	p2p_imp_mr_lock_init(&mr_lock);

	p2p_imp_cpu_lock_init(&outer);
	p2p_imp_lockdep_prime_outer(&outer, &resv, &mr_lock);
	mutex_destroy(&outer);
	p2p_imp_edu_mrs_lock_init(&outer);
	p2p_imp_lockdep_prime_outer(&outer, &resv, &mr_lock);
	mutex_destroy(&outer);

	p2p_imp_lockdep_prime_engine(&resv);

	mutex_destroy(&mr_lock);
	dma_resv_fini(&resv);
}
