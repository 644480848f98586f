// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite dmabuf_p2p_imp_misbehave: the test-only modes in which the
 * importer breaks the revoke contract on purpose, against the fake
 * exporter. Each must breach it the way the exporter's checks expect (a
 * mapping still out, an unsignalled fence in the resv), for as long as the
 * mode says and no longer: the MR's teardown gives everything back.
 */
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>
#include <kunit/test.h>

#include "dmabuf_p2p_compat.h"
#include "dmabuf_p2p_debugfs.h"
#include "fake_exp.h"
#include "p2p_imp.h"

/* The mode's delay: short, but many ticks at any HZ. */
#define T_MS		100
/* How long a late release may take: generous for a loaded debug kernel. */
#define T_BOUND_MS	(5 * T_MS)

KUNIT_DEFINE_ACTION_WRAPPER(t_mb_put, p2p_imp_mr_put, struct p2p_imp_mr *);

static void t_mb_reset(void *unused)
{
	p2p_imp_misbehave_set(NULL, P2P_IMP_MISBEHAVE_NONE);
	p2p_imp_misbehave_ms_set(NULL, 0);
}

/*
 * Registers an MR in @mode through the knobs, which are put back to NONE
 * at once: the MR must keep what was current at its registration.
 */
static struct p2p_imp_mr *t_mb_reg(struct kunit *test, struct fake_exp *fe,
				   u32 mode, u32 ms)
{
	struct p2p_imp_mr *mr;

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, t_mb_reset, NULL));
	KUNIT_ASSERT_EQ(test, p2p_imp_misbehave_set(NULL, mode), 0);
	KUNIT_ASSERT_EQ(test, p2p_imp_misbehave_ms_set(NULL, ms), 0);
	mr = p2p_imp_mr_create(fe->dmabuf, 0, fe->npages * PAGE_SIZE, 0,
			       P2P_MR_ACCESS_ALL);
	t_mb_reset(NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, t_mb_put, mr));
	return mr;
}

/* Mappings the fake exporter handed out and did not get back. */
static int t_outstanding(struct fake_exp *fe)
{
	return atomic_read(&fe->maps) - atomic_read(&fe->unmaps);
}

static bool t_bookkeep_signaled(struct fake_exp *fe)
{
	return dma_resv_test_signaled(fe->dmabuf->resv,
				      DMA_RESV_USAGE_BOOKKEEP);
}

/* Unsignalled fences of the importer in the buffer's resv. */
static int t_our_pending_fences(struct kunit *test, struct fake_exp *fe)
{
	struct dma_resv *resv = fe->dmabuf->resv;
	struct dma_resv_iter cursor;
	struct dma_fence *fence;
	int n = 0;

	dma_resv_lock(resv, NULL);
	dma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_BOOKKEEP,
				fence) {
		if (dma_fence_is_signaled(fence))
			continue;
		/* What the exporter's violation line will name. */
		KUNIT_EXPECT_STREQ(test, fence->ops->get_driver_name(fence),
				   "dmabuf_p2p_imp");
		KUNIT_EXPECT_STREQ(test, fence->ops->get_timeline_name(fence),
				   "misbehave");
		n++;
	}
	dma_resv_unlock(resv);
	return n;
}

static bool t_unmapped_once(struct fake_exp *fe)
{
	return atomic_read(&fe->unmaps) >= 1;
}

/*
 * Polls @cond for up to T_BOUND_MS; returns how many ms after @since it
 * held, or -1 if it never did.
 */
static long t_poll(struct fake_exp *fe, bool (*cond)(struct fake_exp *fe),
		   ktime_t since)
{
	unsigned long end = jiffies + msecs_to_jiffies(T_BOUND_MS);

	for (;;) {
		if (cond(fe))
			return ktime_ms_delta(ktime_get(), since);
		if (time_after(jiffies, end))
			return -1;
		usleep_range(2000, 4000);
	}
}

/* References on the importer module, or -1 where none are counted. */
static int t_imp_refs(void)
{
#ifdef CONFIG_MODULE_UNLOAD
	return module_refcount(p2p_imp_mb_module());
#else
	return -1;
#endif
}

static u32 t_state(struct p2p_imp_mr *mr)
{
	struct p2p_query_mr q = {};

	p2p_imp_mr_query(mr, &q);
	return q.state;
}

static void imp_mb_knob_range(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, t_mb_reset, NULL));

	KUNIT_EXPECT_EQ(test, p2p_imp_misbehave_set(NULL,
						    P2P_IMP_MISBEHAVE_MAX), 0);
	KUNIT_EXPECT_EQ(test, p2p_imp_misbehave_set(NULL,
						    P2P_IMP_MISBEHAVE_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_imp_misbehave_set(NULL, U64_MAX), -EINVAL);
	/* A refused write leaves the knob as it was. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(p2p_imp.misbehave),
			P2P_IMP_MISBEHAVE_MAX);

	KUNIT_EXPECT_EQ(test, p2p_imp_misbehave_ms_set(NULL,
						       P2P_IMP_MAX_DELAY_MS),
			0);
	KUNIT_EXPECT_EQ(test, p2p_imp_misbehave_ms_set(NULL,
						       P2P_IMP_MAX_DELAY_MS + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_imp_misbehave_ms_set(NULL, 1ULL << 32),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p2p_imp.misbehave_ms),
			P2P_IMP_MAX_DELAY_MS);
}

static void imp_mb_unmap_late(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 2, true);
	struct p2p_query_mr q = {};
	struct p2p_imp_mr *mr;
	u8 buf[16];
	ktime_t t0;
	long ms;

	mr = t_mb_reg(test, fe, P2P_IMP_MISBEHAVE_UNMAP_LATE, T_MS);
	t0 = ktime_get();
	fake_exp_move(fe);

	/* Invalidated as far as anyone can see, yet still mapped. */
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 0);
	p2p_imp_mr_query(mr, &q);
	KUNIT_EXPECT_EQ(test, q.state, P2P_MR_STATE_INVALIDATED);
	KUNIT_EXPECT_EQ(test, q.nents, 0);
	KUNIT_EXPECT_EQ(test, q.mapped_length, 0);
	/* This mode breaches the contract with the mapping only. */
	KUNIT_EXPECT_EQ(test, t_our_pending_fences(test, fe), 0);

	/* The next access remaps as usual, beside the kept mapping. */
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			0);
	p2p_imp_mr_query(mr, &q);
	KUNIT_EXPECT_EQ(test, q.state, P2P_MR_STATE_MAPPED);
	KUNIT_EXPECT_EQ(test, q.generation, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 2);
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 2);

	/* The kept one goes back misbehave_ms later; the current one stays. */
	ms = t_poll(fe, t_unmapped_once, t0);
	KUNIT_EXPECT_GE_MSG(test, ms, T_MS / 2, "unmapped after %ld ms", ms);
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 1);
	KUNIT_EXPECT_EQ(test, t_state(mr), P2P_MR_STATE_MAPPED);

	kunit_release_action(test, t_mb_put, mr);
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 0);
}

static void imp_mb_unmap_never(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct p2p_imp_mr *bad, *good;
	u8 buf[16];

	bad = t_mb_reg(test, fe, P2P_IMP_MISBEHAVE_UNMAP_NEVER, T_MS);
	/* Registered after the knob went back to NONE: behaves. */
	good = t_mb_reg(test, fe, P2P_IMP_MISBEHAVE_NONE, 0);
	fake_exp_move(fe);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 1);
	KUNIT_EXPECT_EQ(test, t_state(bad), P2P_MR_STATE_INVALIDATED);
	KUNIT_EXPECT_EQ(test, t_state(good), P2P_MR_STATE_INVALIDATED);

	msleep(2 * T_MS);
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 1);

	/* One mapping kept at most: the next one goes back at once. */
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(bad, 0, buf, sizeof(buf), false),
			0);
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 2);
	fake_exp_move(fe);
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 1);
	KUNIT_EXPECT_EQ(test, t_our_pending_fences(test, fe), 0);

	kunit_release_action(test, t_mb_put, bad);
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 3);
}

static void imp_mb_fence_late(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct p2p_imp_mr *mr;
	u8 buf[16];
	ktime_t t0;
	long ms;

	mr = t_mb_reg(test, fe, P2P_IMP_MISBEHAVE_FENCE_LATE, T_MS);
	KUNIT_EXPECT_TRUE(test, t_bookkeep_signaled(fe));
	t0 = ktime_get();
	fake_exp_move(fe);

	/* Unmapped at once, but a fence of ours holds the exporter up. */
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 0);
	KUNIT_EXPECT_EQ(test, t_state(mr), P2P_MR_STATE_INVALIDATED);
	KUNIT_EXPECT_FALSE(test, t_bookkeep_signaled(fe));
	KUNIT_EXPECT_EQ(test, t_our_pending_fences(test, fe), 1);

	ms = t_poll(fe, t_bookkeep_signaled, t0);
	KUNIT_EXPECT_GE_MSG(test, ms, T_MS / 2, "signalled after %ld ms", ms);

	/* The next invalidation of a mapping misbehaves again... */
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			0);
	fake_exp_move(fe);
	KUNIT_EXPECT_EQ(test, t_our_pending_fences(test, fe), 1);

	/* ...and the teardown signals the fence without waiting for it. */
	t0 = ktime_get();
	kunit_release_action(test, t_mb_put, mr);
	KUNIT_EXPECT_TRUE(test, t_bookkeep_signaled(fe));
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), t0), T_MS / 2);
}

/*
 * Two MRs on one buffer, each with a fence that only its teardown signals:
 * one timeline per MR, so neither fence replaces the other in the resv.
 * Each fence pins the importer module until the buffer lets go of it.
 */
static void imp_mb_fence_never(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	int refs = t_imp_refs();
	struct p2p_imp_mr *a, *b;
	u8 buf[16];

	a = t_mb_reg(test, fe, P2P_IMP_MISBEHAVE_FENCE_NEVER, T_MS);
	b = t_mb_reg(test, fe, P2P_IMP_MISBEHAVE_FENCE_NEVER, T_MS);
	fake_exp_move(fe);
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 0);
	KUNIT_EXPECT_EQ(test, t_our_pending_fences(test, fe), 2);
	if (refs >= 0)
		KUNIT_EXPECT_EQ(test, t_imp_refs(), refs + 2);

	msleep(2 * T_MS);
	KUNIT_EXPECT_FALSE(test, t_bookkeep_signaled(fe));

	/* One pending fence per MR at most. */
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(a, 0, buf, sizeof(buf), false),
			0);
	fake_exp_move(fe);
	KUNIT_EXPECT_EQ(test, t_our_pending_fences(test, fe), 2);

	kunit_release_action(test, t_mb_put, a);
	KUNIT_EXPECT_FALSE(test, t_bookkeep_signaled(fe));
	KUNIT_EXPECT_EQ(test, t_our_pending_fences(test, fe), 1);
	kunit_release_action(test, t_mb_put, b);
	KUNIT_EXPECT_TRUE(test, t_bookkeep_signaled(fe));
	KUNIT_EXPECT_EQ(test, t_outstanding(fe), 0);

	/* Signalled, still in the resv: the module stays until its release. */
	if (refs >= 0)
		KUNIT_EXPECT_EQ(test, t_imp_refs(), refs + 2);
	fake_exp_drop_ref(fe);
	fake_exp_settle();
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->releases), 1);
	if (refs >= 0)
		KUNIT_EXPECT_EQ(test, t_imp_refs(), refs);
}

/*
 * A teardown from the importer's workqueue, long before the delay: the
 * late work is cancelled (else it would run on a freed MR) and what it
 * would have released is released at once.
 */
static void imp_mb_teardown_cancels(struct kunit *test)
{
	struct fake_exp *fu = fake_exp_create(test, 1, true);
	struct fake_exp *ff = fake_exp_create(test, 1, true);
	struct p2p_imp_mr *mu, *mf;

	mu = t_mb_reg(test, fu, P2P_IMP_MISBEHAVE_UNMAP_LATE,
		      P2P_IMP_MAX_DELAY_MS);
	mf = t_mb_reg(test, ff, P2P_IMP_MISBEHAVE_FENCE_LATE,
		      P2P_IMP_MAX_DELAY_MS);
	fake_exp_move(fu);
	fake_exp_move(ff);
	KUNIT_EXPECT_EQ(test, t_outstanding(fu), 1);
	KUNIT_EXPECT_FALSE(test, t_bookkeep_signaled(ff));

	/* Hand the test's references to deferred puts. */
	kunit_remove_action(test, t_mb_put, mu);
	kunit_remove_action(test, t_mb_put, mf);
	p2p_imp_mr_put_deferred(mu);
	p2p_imp_mr_put_deferred(mf);
	fake_exp_settle();

	KUNIT_EXPECT_EQ(test, t_outstanding(fu), 0);
	KUNIT_EXPECT_TRUE(test, t_bookkeep_signaled(ff));
	KUNIT_EXPECT_EQ(test, atomic_read(&fu->detaches), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&ff->detaches), 1);
}

static struct kunit_case imp_mb_cases[] = {
	KUNIT_CASE(imp_mb_knob_range),
	KUNIT_CASE(imp_mb_unmap_late),
	KUNIT_CASE(imp_mb_unmap_never),
	KUNIT_CASE(imp_mb_fence_late),
	KUNIT_CASE(imp_mb_fence_never),
	KUNIT_CASE(imp_mb_teardown_cancels),
	{}
};

static struct kunit_suite imp_mb_suite = {
	.name = "dmabuf_p2p_imp_misbehave",
	.test_cases = imp_mb_cases,
};

kunit_test_suite(imp_mb_suite);
