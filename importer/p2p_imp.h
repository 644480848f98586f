/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the mock RDMA importer, shared by its files and its KUnit
 * suites.
 *
 * Lock order, outermost first:
 *
 *   p2p_imp_cpu_lock.lock		(CPU copies, one per dma-buf, access.c)
 *   or p2p_imp_edu.lock		(DMA engine transfers, edu.c)
 *   or p2p_imp_edu.mrs_lock		(P2P_MR_EDU setup and teardown, and
 *					 the engine's removal, edu.c)
 *     -> p2p_imp_mr.mb_work		(misbehave.c: cancelled synchronously)
 *       -> dma_resv of the dma-buf (reservation_ww_class)
 *         -> p2p_imp_mr.lock
 *           -> dma-fence locks		(irq-safe leaves; ours in misbehave.c)
 *         -> p2p_imp_fence_map (the in-flight access "hardware fence")
 *
 * The three outer locks never nest in one another. A per-buffer CPU lock is
 * held only across dma_buf_begin_cpu_access(), which may take the resv; the
 * edu PCI remove callback takes mrs_lock under the device lock. The table
 * of CPU locks (p2p_imp_cpu_locks_mutex) and a context's xa_lock are
 * leaves.
 *
 * move_notify is called by the exporter with the resv held and only takes
 * the two locks below it; in particular it never takes the engine lock, so
 * an engine transfer that holds an in-flight reference (taken under the
 * resv, kept after dropping it) can always finish and let move_notify's
 * wait end. No importer path takes the resv while holding p2p_imp_mr.lock
 * or an in-flight reference, and no user memory is touched under any of
 * them: dma_resv_lockdep() primes mmap_lock -> resv, so a fault there could
 * deadlock against a revoke.
 *
 * The test-only misbehave modes (misbehave.c) add a delayed work per MR
 * and fences of our own. move_notify only queues the work (under the resv,
 * never once the MR is lost); the UNMAP_LATE work takes the resv itself, so
 * it is cancelled synchronously only by p2p_imp_mr_kill() after dropping
 * the resv (possibly under edu mrs_lock: mrs_lock -> work -> resv). Our
 * fences are signalled without the resv or the MR lock held, by the
 * FENCE_LATE work and by p2p_imp_mr_kill() before it takes the resv:
 * waiters on a fence may hold the resv (dma_resv_lockdep() primes resv ->
 * fence wait). The dma-fence core takes fence locks, as leaves: in
 * dma_resv_add_fence() under the MR lock, and to signal ours.
 */
#ifndef _DMABUF_P2P_IMP_H
#define _DMABUF_P2P_IMP_H

#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "dmabuf_p2p_importer.h"

struct device;
struct dma_fence;
struct module;
struct p2p_imp_cpu_lock;
struct p2p_imp_edu;

struct p2p_imp {
	struct device *dma_dev;		/* the "HCA": DMA device of attachments */
	struct workqueue_struct *wq;	/* deferred MR teardown */
	/* How long move_notify waits for accesses; KUnit shortens it. */
	unsigned long fence_timeout;	/* jiffies */
	atomic_t fail_next_map;		/* debugfs: 0..MAX_ERRNO, one shot */
	u32 move_notify_delay_ms;	/* debugfs: 0..P2P_IMP_MAX_DELAY_MS */
	/* debugfs: how new MRs misbehave, see misbehave.c. */
	u32 misbehave;			/* P2P_IMP_MISBEHAVE_* */
	u32 misbehave_ms;		/* 0..P2P_IMP_MAX_DELAY_MS */
	struct dentry *debugfs;
};

extern struct p2p_imp p2p_imp;

/* Caps a user-set move_notify delay well below the hung-task timeout. */
#define P2P_IMP_MAX_DELAY_MS	10000
/* How long move_notify waits for in-flight accesses: the default. */
#define P2P_IMP_FENCE_TIMEOUT	(10 * HZ)
/* DMA segment limit of the importer's devices (main.c). */
#define P2P_IMP_MAX_SEG		SZ_2G

struct p2p_imp_mr {
	struct kref ref;	/* one for the context's table, one per user */
	struct dma_buf *dmabuf;	/* our own reference, dropped last */
	struct dma_buf_attachment *attach;
	u64 offset;		/* into the dma-buf */
	u64 length;
	u32 flags;		/* P2P_MR_* */
	u32 access;		/* P2P_MR_ACCESS_* */
	u32 handle;		/* in its context, for reports; 0 until set */
	/* Shared by the MRs of this dma-buf (a reference), see access.c. */
	struct p2p_imp_cpu_lock *cpu_lock;
	/* P2P_MR_EDU: the engine (a reference) whose device we attached for. */
	struct p2p_imp_edu *edu;
	/* P2P_MR_EDU: on the engine's list of MRs, under its mrs_lock. */
	struct list_head edu_node;

	/* Protected by dmabuf->resv. */
	struct sg_table *sgt;	/* current mapping, NULL when invalidated */
	bool pinned;		/* we hold a dma_buf_pin() */
	/*
	 * Never mapped again: a pinned MR was revoked, or the device it is
	 * attached for went away.
	 */
	bool lost;
	bool mapped_once;

	/*
	 * Nests inside dmabuf->resv. Guards the snapshot QUERY_MR reads
	 * without taking the resv; writers hold both.
	 */
	struct mutex lock;
	u32 state;		/* enum p2p_mr_state */
	u32 nents;
	u64 generation;
	u64 invalidations;
	u64 remaps;
	u64 mapped_length;

	/* Accesses between p2p_imp_fence_begin() and _end(). */
	atomic_t inflight;
	wait_queue_head_t fence_wq;

	bool deferred;		/* last put tears down from p2p_imp.wq */
	struct work_struct teardown_work;

	/*
	 * Test-only misbehaviour (misbehave.c), the mode and delay fixed at
	 * registration. Under the resv: the mapping kept after an
	 * invalidation, and the seqno of our last fence. Under @lock alone,
	 * so that signalling never needs the resv: the fence not signalled
	 * yet (a reference), and whether teardown has begun.
	 */
	u32 mb_mode;		/* P2P_IMP_MISBEHAVE_* */
	u32 mb_ms;
	struct sg_table *mb_kept;
	u64 mb_context;		/* the fence timeline of this MR */
	u64 mb_seqno;
	struct dma_fence *mb_fence;
	bool mb_dead;
	struct delayed_work mb_work;
};

/* Per open() of the misc device. */
struct p2p_imp_ctx {
	struct xarray mrs;	/* handle -> MR, holding one reference */
	/* Under the xa_lock of mrs: */
	u32 next_handle;	/* where the cyclic allocation goes on */
	unsigned int nr_mrs;	/* handles reserved or in use */
};

/*
 * NEGATIVE CONTROL, in P2P_NEGATIVE_CONTROL builds only (elsewhere constant
 * false): bug_map_lock, seed 002, maps at registration holding the MR lock
 * that move_notify takes under the resv, see mr.c.
 */
#ifdef P2P_NEGATIVE_CONTROL
extern u32 p2p_imp_bug_map_lock;

static inline bool p2p_imp_negative_map_lock(void)
{
	return READ_ONCE(p2p_imp_bug_map_lock);
}
#else
static inline bool p2p_imp_negative_map_lock(void)
{
	return false;
}
#endif

/* lockdep.c */
void p2p_imp_mr_lock_init(struct mutex *lock);
void p2p_imp_cpu_lock_init(struct mutex *lock);
void p2p_imp_edu_lock_init(struct mutex *lock);
void p2p_imp_edu_mrs_lock_init(struct mutex *lock);
void p2p_imp_lockdep_prime(void);
#ifdef CONFIG_LOCKDEP
extern struct lockdep_map p2p_imp_fence_map;
#endif

/* mr.c */
struct p2p_imp_mr *p2p_imp_mr_create(struct dma_buf *dmabuf, u64 offset,
				     u64 length, u32 flags, u32 access);
void p2p_imp_mr_put(struct p2p_imp_mr *mr);
void p2p_imp_mr_put_deferred(struct p2p_imp_mr *mr);
void p2p_imp_mr_query(struct p2p_imp_mr *mr, struct p2p_query_mr *q);
int p2p_imp_mr_map_locked(struct p2p_imp_mr *mr);
void p2p_imp_mr_unmap_locked(struct p2p_imp_mr *mr);
void p2p_imp_mr_forget_sgt_locked(struct p2p_imp_mr *mr);
void p2p_imp_mr_kill(struct p2p_imp_mr *mr);
u32 p2p_imp_sgt_span(struct sg_table *sgt, u64 start, u64 end,
		     struct p2p_dma_seg *segs, u64 *covered);
void p2p_imp_flush_deferred(void);

/* The exporter's name for a buffer, and the tracepoints' (trace.h). */
static inline unsigned long p2p_imp_ino(const struct dma_buf *dmabuf)
{
	return file_inode(dmabuf->file)->i_ino;
}

static inline void p2p_imp_mr_get(struct p2p_imp_mr *mr)
{
	kref_get(&mr->ref);
}

/* notify.c */
extern const struct dma_buf_attach_ops p2p_imp_attach_ops;
extern const struct dma_buf_attach_ops p2p_imp_irrevocable_ops;
void p2p_imp_fence_begin(struct p2p_imp_mr *mr);
void p2p_imp_fence_end(struct p2p_imp_mr *mr);
void p2p_imp_fence_stuck(struct p2p_imp_mr *mr, int inflight);

/* misbehave.c: test-only contract breaches, see there */
void p2p_imp_mb_init(struct p2p_imp_mr *mr);
bool p2p_imp_mb_invalidate(struct p2p_imp_mr *mr);
void p2p_imp_mb_stop_fences(struct p2p_imp_mr *mr);
void p2p_imp_mb_unmap_kept_locked(struct p2p_imp_mr *mr);
void p2p_imp_mb_cancel(struct p2p_imp_mr *mr);
struct module *p2p_imp_mb_module(void);

/* access.c */
struct p2p_imp_cpu_lock *p2p_imp_cpu_lock_get(struct dma_buf *dmabuf);
void p2p_imp_cpu_lock_put(struct p2p_imp_cpu_lock *cl);
int p2p_imp_mr_check_range(const struct p2p_imp_mr *mr, u64 off, u64 len);
int p2p_imp_mr_xfer_allowed(const struct p2p_imp_mr *mr, bool write);
int p2p_imp_mr_xfer(struct p2p_imp_mr *mr, u64 off, void *buf, size_t len,
		    bool write);
struct p2p_dma_seg *p2p_imp_mr_segs(struct p2p_imp_mr *mr, u64 off, u64 len,
				    u32 *nsegs);

/* edu.c: the optional DMA engine (QEMU edu), a PCI driver */
int p2p_imp_edu_register(void);
void p2p_imp_edu_unregister(void);
struct p2p_imp_edu *p2p_imp_edu_get(void);
void p2p_imp_edu_put(struct p2p_imp_edu *edu);
struct device *p2p_imp_edu_dev(struct p2p_imp_edu *edu);
int p2p_imp_edu_track_begin(struct p2p_imp_edu *edu);
void p2p_imp_edu_track_end(struct p2p_imp_edu *edu, struct p2p_imp_mr *mr);
void p2p_imp_edu_forget(struct p2p_imp_mr *mr);
int p2p_imp_edu_xfer(struct p2p_imp_mr *mr, u64 off, void *buf, size_t len,
		     bool write);

/* ctx.c */
struct p2p_imp_ctx *p2p_imp_ctx_create(void);
void p2p_imp_ctx_destroy(struct p2p_imp_ctx *ctx);
int p2p_imp_ctx_reserve(struct p2p_imp_ctx *ctx, u32 *handle);
void p2p_imp_ctx_commit(struct p2p_imp_ctx *ctx, u32 handle,
			struct p2p_imp_mr *mr);
void p2p_imp_ctx_unreserve(struct p2p_imp_ctx *ctx, u32 handle);
struct p2p_imp_mr *p2p_imp_ctx_lookup(struct p2p_imp_ctx *ctx, u32 handle);
struct p2p_imp_mr *p2p_imp_ctx_remove(struct p2p_imp_ctx *ctx, u32 handle);

/* ioctl.c */
long p2p_imp_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* debugfs.c */
void p2p_imp_debugfs_init(void);
void p2p_imp_debugfs_exit(void);
int p2p_imp_misbehave_set(void *data, u64 val);
int p2p_imp_misbehave_ms_set(void *data, u64 val);

#endif /* _DMABUF_P2P_IMP_H */
