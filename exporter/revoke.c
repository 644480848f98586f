// SPDX-License-Identifier: GPL-2.0
/*
 * Revoke and unrevoke: keeping every buffer of a provider in step with
 * whether its MMIO decodes, and cutting buffers off a closed device.
 *
 * The sequence is the one that survived the 2024 review: under the provider
 * lock (write), take a reference with get_file_active() (a buffer whose
 * last reference is gone is skipped: its release is waiting for the same
 * lock to unlink it), lock the resv, flip the state, invalidate the
 * importers' mappings, unlock the resv, and drop the reference with fput().
 * fput() never runs the release in the caller: from a task it is queued as
 * task_work, from a kthread it goes to delayed_fput. So the release may
 * take the provider lock to unlink, and the revoker never waits for itself.
 */
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_compat.h"
#include "p2p_exp.h"
#include "trace.h"

/*
 * NEGATIVE CONTROL, in P2P_NEGATIVE_CONTROL builds only: bug_sync_put drops
 * the revoker's reference the way the 2024 patch did, synchronously while
 * still holding the provider lock. When that reference is the last one, the
 * release runs right here and blocks on the lock we hold: lockdep reports
 * recursive locking, then the task hangs.
 */
static void p2p_exp_put_file(struct file *file)
{
	if (p2p_exp_negative_sync_put())
		__fput_sync(file);
	else
		fput(file);
}

/* For the trace: what the provider's state says took the MMIO away. */
static const char *p2p_exp_trigger_name(const struct p2p_exp_provider *prov,
					bool revoked)
{
	if (!revoked)
		return "restored";
	if (!prov->live)
		return "close";
	if (prov->forced)
		return "forced";
	return prov->blockers ? "trigger" : "decode";
}

static unsigned int p2p_exp_count_attachments(struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach;
	unsigned int n = 0;

	dma_resv_assert_held(dmabuf->resv);
	list_for_each_entry(attach, &dmabuf->attachments, node)
		n++;
	return n;
}

/* Returns false if the buffer is dying and was left alone. */
static bool p2p_exp_buf_set_revoked(struct p2p_exp_buf *buf, bool revoked,
				    bool cut_off)
{
	struct p2p_exp_provider *prov = buf->prov;
	unsigned int notified = 0;
	struct file *file;
	bool changed;
	u64 t0 = 0;
	u32 hold;

	lockdep_assert_held_write(prov->lock);

	if (buf->revoked == revoked && !cut_off)
		return true;

	file = get_file_active(&buf->dmabuf->file);
	if (!file)
		return false;

	dma_resv_lock(buf->dmabuf->resv, NULL);
	changed = buf->revoked != revoked;
	if (changed) {
		buf->revoked = revoked;
		atomic_inc(revoked ? &buf->stats.revokes :
				     &buf->stats.unrevokes);
		t0 = ktime_get_ns();
		notified = p2p_exp_count_attachments(buf->dmabuf);
		/*
		 * Upstream notifies on both edges: on revoke the importers
		 * must drop their mappings, on unrevoke a map may succeed
		 * again.
		 */
		p2p_dma_buf_invalidate(buf->dmabuf);
		/* Faults take the resv too: none can remap behind the zap. */
		if (revoked)
			p2p_exp_mmap_zap(buf);
	}
	if (cut_off) {
		list_del_init(&buf->node);
		buf->prov = NULL;
	}
	dma_resv_unlock(buf->dmabuf->resv);

	/* Before the MMIO goes: the importers must have let go of it. */
	if (changed && revoked)
		p2p_exp_contract_wait(prov, buf);
	if (changed && revoked)
		trace_p2p_exp_revoke(buf->ino, p2p_exp_trigger_name(prov, true),
				     notified, ktime_get_ns() - t0);
	else if (changed)
		trace_p2p_exp_unrevoke(buf->ino, p2p_exp_trigger_name(prov, false),
				       notified, ktime_get_ns() - t0);

	hold = READ_ONCE(p2p_exp_knobs.revoke_hold_ms);
	if (revoked && hold)
		msleep(hold);

	p2p_exp_put_file(file);
	return true;
}

static bool p2p_exp_want_revoked(struct p2p_exp_provider *prov)
{
	return !prov->live || prov->forced || prov->blockers ||
	       !prov->ops->mmio_enabled(prov);
}

/* Brings every buffer of @prov to the state the MMIO is in right now. */
void p2p_exp_sync_locked(struct p2p_exp_provider *prov)
{
	struct p2p_exp_buf *buf;

	lockdep_assert_held_write(prov->lock);

	prov->revoked = p2p_exp_want_revoked(prov);
	/* Nobody can unlink while we hold the lock: plain iteration. */
	list_for_each_entry(buf, &prov->bufs, node)
		p2p_exp_buf_set_revoked(buf, prov->revoked, false);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_sync_locked);

/**
 * p2p_exp_walk - the revoke loop with nothing to do, timed
 * @prov: the provider
 * @bufs: out, buffers visited
 * @attachments: out, attachments seen under their resv
 *
 * What a revoke of every buffer costs before any importer is told: the
 * provider lock for write, a file reference and the resv per buffer, one
 * step per attachment. The benchmark sets a revoke's latency against it,
 * so the ratio tells the notify and unmap wait apart from the walk.
 *
 * Return: nanoseconds spent.
 */
u64 p2p_exp_walk(struct p2p_exp_provider *prov, unsigned int *bufs,
		 unsigned int *attachments)
{
	struct p2p_exp_buf *buf;
	u64 t0;

	*bufs = 0;
	*attachments = 0;
	t0 = ktime_get_ns();
	down_write(prov->lock);
	list_for_each_entry(buf, &prov->bufs, node) {
		struct file *file = get_file_active(&buf->dmabuf->file);

		if (!file)
			continue;
		dma_resv_lock(buf->dmabuf->resv, NULL);
		*attachments += p2p_exp_count_attachments(buf->dmabuf);
		dma_resv_unlock(buf->dmabuf->resv);
		(*bufs)++;
		fput(file);
	}
	up_write(prov->lock);
	return ktime_get_ns() - t0;
}

/* A trigger that may take the MMIO away is about to run. */
void p2p_exp_block(struct p2p_exp_provider *prov)
{
	down_write(prov->lock);
	prov->blockers++;
	p2p_exp_sync_locked(prov);
	up_write(prov->lock);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_block);

/* ... and has finished; unrevokes only if the MMIO really is back. */
void p2p_exp_unblock(struct p2p_exp_provider *prov)
{
	down_write(prov->lock);
	if (!WARN_ON_ONCE(!prov->blockers))
		prov->blockers--;
	p2p_exp_sync_locked(prov);
	up_write(prov->lock);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_unblock);

void p2p_exp_resync(struct p2p_exp_provider *prov)
{
	down_write(prov->lock);
	p2p_exp_sync_locked(prov);
	up_write(prov->lock);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_resync);

void p2p_exp_set_forced(struct p2p_exp_provider *prov, bool forced)
{
	down_write(prov->lock);
	prov->forced = forced;
	p2p_exp_sync_locked(prov);
	up_write(prov->lock);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_set_forced);

void p2p_exp_provider_init(struct p2p_exp_provider *prov,
			   const struct p2p_exp_provider_ops *ops,
			   struct device *dev, struct rw_semaphore *lock)
{
	prov->ops = ops;
	prov->dev = dev;
	prov->lock = lock;
	INIT_LIST_HEAD(&prov->bufs);
	prov->blockers = 0;
	prov->forced = false;
	prov->live = false;
	prov->revoked = true;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_provider_init);

/*
 * A session starts unforced: "revoke" written while the device was closed
 * (after the shutdown cleared it) belongs to no session and must not
 * revoke the new one's buffers behind its back.
 */
void p2p_exp_provider_open(struct p2p_exp_provider *prov)
{
	down_write(prov->lock);
	prov->live = true;
	prov->forced = false;
	p2p_exp_sync_locked(prov);
	up_write(prov->lock);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_provider_open);

/*
 * The device is being closed: revoke every buffer for good and cut it off,
 * so a later session on the same device can never make it valid again and
 * its release does not touch the device. A dying buffer stays linked; its
 * release unlinks it and drops its provider reference itself.
 */
void p2p_exp_provider_shutdown(struct p2p_exp_provider *prov)
{
	struct p2p_exp_buf *buf, *tmp;
	unsigned int puts = 0;

	down_write(prov->lock);
	prov->live = false;
	prov->forced = false;
	prov->revoked = true;
	list_for_each_entry_safe(buf, tmp, &prov->bufs, node)
		if (p2p_exp_buf_set_revoked(buf, true, true))
			puts++;
	up_write(prov->lock);

	/* Possibly the last references to the device: not under its lock. */
	while (puts--)
		prov->ops->put(prov);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_provider_shutdown);
