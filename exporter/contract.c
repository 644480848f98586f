// SPDX-License-Identifier: GPL-2.0
/*
 * The revoke contract, enforced where we can and checked where we cannot.
 *
 * An importer of MMIO that can go away must be revocable: it drops its
 * mappings when told to and never holds one the exporter cannot take back.
 * So (1) a pin is refused on kernels where only importers that cannot be
 * revoked ask for one, and (2) after telling the importers, a revoke waits,
 * within a bound, for the fences in the buffer's resv and for every mapping
 * handed out to come back. An importer that overstays is a *violation*:
 * logged with its driver and device and, by default, a WARN so that the
 * test rig fails the run. The bound keeps a broken importer from wedging
 * memory_lock for good; past it the MMIO goes away under the importer,
 * which is exactly the bug being reported.
 *
 * Lock order (see p2p_exp.h): the wait runs under the provider lock, after
 * the resv was dropped, so importers may take the resv to unmap. The log
 * lock is a leaf, taken under any of the others.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/jiffies.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "dmabuf_p2p_compat.h"
#include "dmabuf_p2p_debugfs.h"
#include "p2p_exp.h"

/* attach->priv: what one importer holds of the buffer. */
struct p2p_exp_attach {
	/* Sg tables handed out and not returned yet; under the resv. */
	u32 mapped;
};

/* The last P2P_EXP_VIOLATION_LOG violations; a leaf lock. */
static DEFINE_SPINLOCK(p2p_exp_viol_lock);
static struct p2p_exp_violation p2p_exp_viol_log[P2P_EXP_VIOLATION_LOG];
static unsigned int p2p_exp_viol_next;	/* total ever logged */

static const char *const p2p_exp_viol_what[] = {
	[P2P_EXP_VIOL_FENCE] = "fences from %s %s still unsignalled %u ms after revoke",
	[P2P_EXP_VIOL_UNMAP] = "importer %s %s still holds a mapping %u ms after revoke",
	[P2P_EXP_VIOL_DETACH] = "importer %s %s detached with %u mappings outstanding",
	[P2P_EXP_VIOL_PIN] = "importer %s %s asked to pin (%u): refused, a pin cannot be revoked",
};

const char *p2p_exp_viol_kind_name(enum p2p_exp_viol_kind kind)
{
	static const char *const names[] = {
		[P2P_EXP_VIOL_FENCE] = "fence",
		[P2P_EXP_VIOL_UNMAP] = "unmap",
		[P2P_EXP_VIOL_DETACH] = "detach",
		[P2P_EXP_VIOL_PIN] = "pin",
	};

	return kind < ARRAY_SIZE(names) ? names[kind] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_viol_kind_name);

/*
 * @driver and @dev name the culprit: an attachment's device and driver, or
 * for a fence its driver and timeline. @arg goes into the message.
 */
static void p2p_exp_violation(const struct p2p_exp_buf *buf,
			      enum p2p_exp_viol_kind kind, const char *driver,
			      const char *dev, u32 arg)
{
	struct p2p_exp_violation *v;
	unsigned long flags;
	char msg[160];

	spin_lock_irqsave(&p2p_exp_viol_lock, flags);
	v = &p2p_exp_viol_log[p2p_exp_viol_next++ % P2P_EXP_VIOLATION_LOG];
	v->ino = buf->ino;
	v->kind = kind;
	strscpy(v->driver, driver);
	strscpy(v->dev, dev);
	spin_unlock_irqrestore(&p2p_exp_viol_lock, flags);

	snprintf(msg, sizeof(msg), p2p_exp_viol_what[kind], driver, dev, arg);
	/* A refused pin harmed nobody; everything else is the bug we hunt. */
	if (kind != P2P_EXP_VIOL_PIN && READ_ONCE(p2p_exp_knobs.contract_warn))
		WARN(1, KBUILD_MODNAME ": revoke contract: ino %lu: %s\n",
		     buf->ino, msg);
	else
		pr_notice("revoke contract: ino %lu: %s\n", buf->ino, msg);
}

static void p2p_exp_attach_violation(const struct p2p_exp_buf *buf,
				     struct dma_buf_attachment *attach,
				     enum p2p_exp_viol_kind kind, u32 arg)
{
	p2p_exp_violation(buf, kind, dev_driver_string(attach->dev),
			  dev_name(attach->dev), arg);
}

int p2p_exp_contract_attach(struct dma_buf_attachment *attach)
{
	struct p2p_exp_attach *pa = kzalloc(sizeof(*pa), GFP_KERNEL);

	attach->priv = pa;
	return pa ? 0 : -ENOMEM;
}

/* The core has unlinked @attach: nobody else can reach it any more. */
void p2p_exp_contract_detach(struct dma_buf_attachment *attach)
{
	struct p2p_exp_buf *buf = attach->dmabuf->priv;
	struct p2p_exp_attach *pa = attach->priv;

	if (pa->mapped) {
		p2p_exp_attach_violation(buf, attach, P2P_EXP_VIOL_DETACH,
					 pa->mapped);
		/* Those mappings are leaked; a revoke need not wait for them. */
		if (atomic_sub_and_test(pa->mapped, &buf->mapped))
			wake_up_all(&buf->unmap_wq);
	}
	kfree(pa);
}

void p2p_exp_contract_mapped(struct dma_buf_attachment *attach)
{
	struct p2p_exp_buf *buf = attach->dmabuf->priv;
	struct p2p_exp_attach *pa = attach->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	pa->mapped++;
	atomic_inc(&buf->mapped);
}

void p2p_exp_contract_unmapped(struct dma_buf_attachment *attach)
{
	struct p2p_exp_buf *buf = attach->dmabuf->priv;
	struct p2p_exp_attach *pa = attach->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	/* The core checks nothing: an unmap of a table never mapped. */
	if (WARN_ON_ONCE(!pa->mapped))
		return;
	pa->mapped--;
	if (atomic_dec_and_test(&buf->mapped))
		wake_up_all(&buf->unmap_wq);
}

/*
 * On 6.12 with DMABUF_MOVE_NOTIFY=y the core never pins for a dynamic
 * importer; a pin comes from one that keeps its mapping through a move
 * (ib_umem_dmabuf_get_pinned() users) and so cannot give the MMIO back.
 * With MOVE_NOTIFY=n the core pins around every map, and on 7.x a pin may
 * come from a revocable importer (iommufd): both must be allowed.
 */
bool p2p_exp_pin_refused(void)
{
	return P2P_PIN_MEANS_IRREVOCABLE;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_pin_refused);

int p2p_exp_contract_pin(struct dma_buf_attachment *attach)
{
	if (!p2p_exp_pin_refused())
		return 0;
	p2p_exp_attach_violation(attach->dmabuf->priv, attach,
				 P2P_EXP_VIOL_PIN, 0);
	return -EOPNOTSUPP;
}

/* Names the first fence still pending; under the resv. */
static void p2p_exp_report_fences(struct p2p_exp_buf *buf, u32 ms)
{
	struct dma_resv_iter cursor;
	struct dma_fence *fence;

	dma_resv_for_each_fence(&cursor, buf->dmabuf->resv,
				DMA_RESV_USAGE_BOOKKEEP, fence) {
		if (dma_fence_is_signaled(fence))
			continue;
		p2p_exp_violation(buf, P2P_EXP_VIOL_FENCE,
				  fence->ops->get_driver_name(fence),
				  fence->ops->get_timeline_name(fence), ms);
		return;
	}
}

/* Every attachment still holding a mapping; under the resv. */
static void p2p_exp_report_mapped(struct p2p_exp_buf *buf, u32 ms)
{
	struct dma_buf_attachment *attach;

	list_for_each_entry(attach, &buf->dmabuf->attachments, node) {
		struct p2p_exp_attach *pa = attach->priv;

		if (pa->mapped)
			p2p_exp_attach_violation(buf, attach,
						 P2P_EXP_VIOL_UNMAP, ms);
	}
}

/**
 * p2p_exp_contract_wait - wait for the importers to let go after a revoke
 * @prov: the provider @buf belonged to, its lock held for write (a buffer
 *        being cut off has already dropped its pointer to it)
 * @buf: a buffer whose importers were just told it is revoked
 *
 * No new mapping can start: map refuses a revoked buffer under the resv.
 * So once the fences have signalled and the count of mappings is zero,
 * nothing of ours is reachable by DMA any more.
 */
void p2p_exp_contract_wait(struct p2p_exp_provider *prov,
			   struct p2p_exp_buf *buf)
{
	struct dma_resv *resv = buf->dmabuf->resv;
	u32 ms = READ_ONCE(p2p_exp_knobs.revoke_wait_ms);
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	bool fences, unmapped;
	long left;

	lockdep_assert_held_write(prov->lock);

	left = dma_resv_wait_timeout(resv, DMA_RESV_USAGE_BOOKKEEP, false,
				     msecs_to_jiffies(ms));
	fences = left > 0;
	left = time_before(jiffies, deadline) ? deadline - jiffies : 0;
	unmapped = wait_event_timeout(buf->unmap_wq,
				      !atomic_read(&buf->mapped), left);
	if (fences && unmapped)
		return;

	dma_resv_lock(resv, NULL);
	if (!fences)
		p2p_exp_report_fences(buf, ms);
	if (!unmapped)
		p2p_exp_report_mapped(buf, ms);
	dma_resv_unlock(resv);
}

unsigned int p2p_exp_violations_read(struct p2p_exp_violation *out,
				     unsigned int max)
{
	unsigned int first, n, i;
	unsigned long flags;

	spin_lock_irqsave(&p2p_exp_viol_lock, flags);
	n = min_t(unsigned int, p2p_exp_viol_next, P2P_EXP_VIOLATION_LOG);
	first = p2p_exp_viol_next - n;
	n = min(n, max);
	for (i = 0; i < n; i++)
		out[i] = p2p_exp_viol_log[(first + i) % P2P_EXP_VIOLATION_LOG];
	spin_unlock_irqrestore(&p2p_exp_viol_lock, flags);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_violations_read);

void p2p_exp_violations_clear(void)
{
	unsigned long flags;

	spin_lock_irqsave(&p2p_exp_viol_lock, flags);
	p2p_exp_viol_next = 0;
	spin_unlock_irqrestore(&p2p_exp_viol_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_violations_clear);

void p2p_exp_violations_show(struct seq_file *m)
{
	struct p2p_exp_violation *v;
	unsigned int n, i;

	v = kmalloc_array(P2P_EXP_VIOLATION_LOG, sizeof(*v), GFP_KERNEL);
	if (!v)
		return;
	n = p2p_exp_violations_read(v, P2P_EXP_VIOLATION_LOG);
	for (i = 0; i < n; i++)
		seq_printf(m, P2P_EXP_VIOL_FMT, v[i].ino,
			   p2p_exp_viol_kind_name(v[i].kind), v[i].driver,
			   v[i].dev);
	kfree(v);
}
