// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmabuf_p2p_exp_contract": the revoke contract on the fake
 * provider. Fake importers break it in each way the exporter must notice
 * (a mapping kept past the bound, a fence that does not signal, a detach
 * with a mapping left, a pin) and keep it in the ways it must accept (an
 * unmap or a fence that comes late but within the bound). Violations are
 * logged, not WARNed (contract_warn = 0), so the run stays clean.
 */
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/ktime.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <kunit/test.h>

#include "dmabuf_p2p_debugfs.h"
#include "fake.h"

#define PG		((u64)PAGE_SIZE)
/* Short, so the cases that must time out do so quickly. */
#define SHORT_WAIT_MS	50
/* Late, but well inside a generous bound. */
#define LATE_MS		30
#define LONG_WAIT_MS	5000

struct ct {
	struct p2p_fake *f;
	struct p2p_fake_imp *imp;
	struct dma_buf *dmabuf;
	struct p2p_exp_buf *buf;
	struct dma_buf_attachment *attach;
};

static void ct_setup(struct kunit *test, struct ct *c, u32 wait_ms)
{
	struct vfio_region_dma_range r = { .offset = 0, .length = PG };

	c->f = p2p_fake_new(test);
	c->imp = p2p_fake_importer(test, "p2p_exp_ct_imp", 0);
	c->dmabuf = p2p_fake_create(test, c->f, 0, &r, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->dmabuf);
	c->buf = p2p_exp_buf_from_dmabuf(c->dmabuf);
	KUNIT_ASSERT_NOT_NULL(test, c->buf);
	c->attach = p2p_fake_attach(test, c->dmabuf, c->imp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->attach);
	WRITE_ONCE(p2p_exp_knobs.contract_warn, 0);
	WRITE_ONCE(p2p_exp_knobs.revoke_wait_ms, wait_ms);
	p2p_exp_violations_clear();
}

static struct sg_table *ct_map(struct dma_buf_attachment *attach)
{
	struct sg_table *sgt;

	dma_resv_lock(attach->dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	dma_resv_unlock(attach->dmabuf->resv);
	return sgt;
}

static void ct_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt)
{
	dma_resv_lock(attach->dmabuf->resv, NULL);
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(attach->dmabuf->resv);
}

/* Revokes (MMIO off) and returns how long the revoke took, in ms. */
static s64 ct_revoke_ms(struct ct *c)
{
	ktime_t t0 = ktime_get();

	p2p_fake_set_mmio(c->f, false);
	return ktime_ms_delta(ktime_get(), t0);
}

static unsigned int ct_violations(struct p2p_exp_violation *v,
				  unsigned int max)
{
	return p2p_exp_violations_read(v, max);
}

static void ct_expect_one(struct kunit *test, struct ct *c,
			  enum p2p_exp_viol_kind kind, const char *driver,
			  const char *dev)
{
	struct p2p_exp_violation v[4];

	KUNIT_ASSERT_EQ(test, ct_violations(v, ARRAY_SIZE(v)), 1);
	KUNIT_EXPECT_EQ(test, v[0].kind, kind);
	KUNIT_EXPECT_EQ(test, v[0].ino, c->buf->ino);
	KUNIT_EXPECT_STREQ(test, v[0].driver, driver);
	KUNIT_EXPECT_STREQ(test, v[0].dev, dev);
}

static void contract_unmap_beyond_bound(struct kunit *test)
{
	struct ct c;
	struct sg_table *sgt;
	s64 ms;

	ct_setup(test, &c, SHORT_WAIT_MS);
	sgt = ct_map(c.attach);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	KUNIT_EXPECT_EQ(test, atomic_read(&c.buf->mapped), 1);

	/* The fake's move_notify only counts: the mapping stays. */
	ms = ct_revoke_ms(&c);
	KUNIT_EXPECT_GE(test, ms, SHORT_WAIT_MS);
	KUNIT_EXPECT_EQ(test, atomic_read(&c.buf->mapped), 1);
	ct_unmap(c.attach, sgt);
	KUNIT_EXPECT_EQ(test, atomic_read(&c.buf->mapped), 0);

	ct_expect_one(test, &c, P2P_EXP_VIOL_UNMAP,
		      dev_driver_string(c.imp->dev), dev_name(c.imp->dev));
}

struct late_unmap {
	struct delayed_work work;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
};

static void late_unmap_fn(struct work_struct *work)
{
	struct late_unmap *l = container_of(to_delayed_work(work),
					    struct late_unmap, work);

	ct_unmap(l->attach, l->sgt);
}

static void contract_unmap_in_bound(struct kunit *test)
{
	struct late_unmap l;
	struct p2p_exp_violation v[1];
	struct ct c;
	s64 ms;

	ct_setup(test, &c, LONG_WAIT_MS);
	l.attach = c.attach;
	l.sgt = ct_map(c.attach);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, l.sgt);
	INIT_DELAYED_WORK(&l.work, late_unmap_fn);
	schedule_delayed_work(&l.work, msecs_to_jiffies(LATE_MS));

	ms = ct_revoke_ms(&c);
	flush_delayed_work(&l.work);
	/* It waited for the unmap, and only for that. */
	KUNIT_EXPECT_GE(test, ms, LATE_MS);
	KUNIT_EXPECT_LT(test, ms, LONG_WAIT_MS);
	KUNIT_EXPECT_EQ(test, atomic_read(&c.buf->mapped), 0);
	KUNIT_EXPECT_EQ(test, ct_violations(v, ARRAY_SIZE(v)), 0);
}

/* A fence of our own, signalled by the test. */
static const char *ct_fence_driver(struct dma_fence *f)
{
	return "p2p_exp_ct";
}

static const char *ct_fence_timeline(struct dma_fence *f)
{
	return "ct_timeline";
}

static const struct dma_fence_ops ct_fence_ops = {
	.get_driver_name = ct_fence_driver,
	.get_timeline_name = ct_fence_timeline,
};

struct ct_fence {
	struct dma_fence base;
	spinlock_t lock;	/* the fence's */
	struct delayed_work work;
};

static void ct_fence_signal_fn(struct work_struct *work)
{
	struct ct_fence *cf = container_of(to_delayed_work(work),
					   struct ct_fence, work);

	dma_fence_signal(&cf->base);
}

static void ct_fence_put_action(void *ctx)
{
	struct ct_fence *cf = ctx;

	cancel_delayed_work_sync(&cf->work);
	dma_fence_signal(&cf->base);
	dma_fence_put(&cf->base);
}

/* Adds an unsignalled fence to the buffer's resv, BOOKKEEP usage. */
static struct ct_fence *ct_add_fence(struct kunit *test, struct ct *c)
{
	struct dma_resv *resv = c->dmabuf->resv;
	struct ct_fence *cf;
	int ret;

	cf = kzalloc(sizeof(*cf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cf);
	spin_lock_init(&cf->lock);
	INIT_DELAYED_WORK(&cf->work, ct_fence_signal_fn);
	dma_fence_init(&cf->base, &ct_fence_ops, &cf->lock,
		       dma_fence_context_alloc(1), 1);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							ct_fence_put_action,
							cf), 0);
	dma_resv_lock(resv, NULL);
	ret = dma_resv_reserve_fences(resv, 1);
	if (!ret)
		dma_resv_add_fence(resv, &cf->base, DMA_RESV_USAGE_BOOKKEEP);
	dma_resv_unlock(resv);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return cf;
}

static void contract_fence_beyond_bound(struct kunit *test)
{
	struct ct_fence *cf;
	struct ct c;
	s64 ms;

	ct_setup(test, &c, SHORT_WAIT_MS);
	cf = ct_add_fence(test, &c);

	ms = ct_revoke_ms(&c);
	KUNIT_EXPECT_GE(test, ms, SHORT_WAIT_MS);
	KUNIT_EXPECT_FALSE(test, dma_fence_is_signaled(&cf->base));
	ct_expect_one(test, &c, P2P_EXP_VIOL_FENCE, "p2p_exp_ct",
		      "ct_timeline");
}

static void contract_fence_in_bound(struct kunit *test)
{
	struct p2p_exp_violation v[1];
	struct ct_fence *cf;
	struct ct c;
	s64 ms;

	ct_setup(test, &c, LONG_WAIT_MS);
	cf = ct_add_fence(test, &c);
	schedule_delayed_work(&cf->work, msecs_to_jiffies(LATE_MS));

	ms = ct_revoke_ms(&c);
	KUNIT_EXPECT_GE(test, ms, LATE_MS);
	KUNIT_EXPECT_LT(test, ms, LONG_WAIT_MS);
	KUNIT_EXPECT_TRUE(test, dma_fence_is_signaled(&cf->base));
	KUNIT_EXPECT_EQ(test, ct_violations(v, ARRAY_SIZE(v)), 0);
}

/* Only an unrevoke follows a revoke: no waiting on that edge. */
static void contract_unrevoke_does_not_wait(struct kunit *test)
{
	struct p2p_exp_violation v[1];
	struct ct c;

	ct_setup(test, &c, SHORT_WAIT_MS);
	p2p_fake_set_mmio(c.f, false);
	ct_add_fence(test, &c);
	p2p_fake_set_mmio(c.f, true);
	KUNIT_EXPECT_FALSE(test, c.buf->revoked);
	KUNIT_EXPECT_EQ(test, ct_violations(v, ARRAY_SIZE(v)), 0);
}

/*
 * The importer detaches and leaves its mapping behind. The test unmaps the
 * DMA addresses itself afterwards, so DMA-API debugging sees no leak.
 */
static void contract_detach_mapped(struct kunit *test)
{
	struct scatterlist *sg;
	struct sg_table *sgt;
	struct ct c;
	int i;

	ct_setup(test, &c, SHORT_WAIT_MS);
	sgt = ct_map(c.attach);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sgt);
	p2p_fake_detach(test, c.attach);
	KUNIT_EXPECT_EQ(test, atomic_read(&c.buf->mapped), 0);

	for_each_sgtable_dma_sg(sgt, sg, i)
		dma_unmap_resource(c.imp->dev, sg_dma_address(sg),
				   sg_dma_len(sg), DMA_BIDIRECTIONAL,
				   DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);

	ct_expect_one(test, &c, P2P_EXP_VIOL_DETACH,
		      dev_driver_string(c.imp->dev), dev_name(c.imp->dev));
}

static void contract_pin(struct kunit *test)
{
	struct p2p_exp_violation v[1];
	struct ct c;
	int ret;

	ct_setup(test, &c, SHORT_WAIT_MS);
	dma_resv_lock(c.dmabuf->resv, NULL);
	ret = dma_buf_pin(c.attach);
	if (!ret)
		dma_buf_unpin(c.attach);
	dma_resv_unlock(c.dmabuf->resv);

	if (!p2p_exp_pin_refused()) {
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, ct_violations(v, ARRAY_SIZE(v)), 0);
		return;
	}
	KUNIT_EXPECT_EQ(test, ret, -EOPNOTSUPP);
	ct_expect_one(test, &c, P2P_EXP_VIOL_PIN,
		      dev_driver_string(c.imp->dev), dev_name(c.imp->dev));
}

/* The log keeps the newest P2P_EXP_VIOLATION_LOG, oldest first. */
static void contract_log_wraps(struct kunit *test)
{
	struct p2p_exp_violation *v;
	struct ct c;
	unsigned int i, n;

	ct_setup(test, &c, SHORT_WAIT_MS);
	if (!p2p_exp_pin_refused())
		kunit_skip(test, "pins are allowed on this kernel");
	v = kunit_kcalloc(test, P2P_EXP_VIOLATION_LOG + 1, sizeof(*v),
			  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	dma_resv_lock(c.dmabuf->resv, NULL);
	for (i = 0; i < P2P_EXP_VIOLATION_LOG + 3; i++)
		dma_buf_pin(c.attach);
	dma_resv_unlock(c.dmabuf->resv);
	n = p2p_exp_violations_read(v, P2P_EXP_VIOLATION_LOG + 1);
	KUNIT_EXPECT_EQ(test, n, P2P_EXP_VIOLATION_LOG);
	p2p_exp_violations_clear();
	KUNIT_EXPECT_EQ(test, p2p_exp_violations_read(v, 1), 0);
}

static void contract_knobs(struct kunit *test)
{
	struct p2p_exp_knob knob = {
		.name = "revoke_wait_ms",
		.val = &p2p_exp_knobs.revoke_wait_ms,
		.min = 1,
		.max = P2P_EXP_DELAY_MAX_MS,
	};

	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, 1), 0);
	KUNIT_EXPECT_EQ(test, p2p_exp_knob_store(&knob, P2P_EXP_DELAY_MAX_MS + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_exp_knobs.revoke_wait_ms, 1);
}

static void contract_exit(struct kunit *test)
{
	WRITE_ONCE(p2p_exp_knobs.revoke_wait_ms, P2P_EXP_REVOKE_WAIT_MS);
	WRITE_ONCE(p2p_exp_knobs.contract_warn, 1);
	p2p_exp_violations_clear();
}

static struct kunit_case contract_cases[] = {
	KUNIT_CASE(contract_unmap_beyond_bound),
	KUNIT_CASE(contract_unmap_in_bound),
	KUNIT_CASE(contract_fence_beyond_bound),
	KUNIT_CASE(contract_fence_in_bound),
	KUNIT_CASE(contract_unrevoke_does_not_wait),
	KUNIT_CASE(contract_detach_mapped),
	KUNIT_CASE(contract_pin),
	KUNIT_CASE(contract_log_wraps),
	KUNIT_CASE(contract_knobs),
	{}
};

static struct kunit_suite contract_suite = {
	.name = "dmabuf_p2p_exp_contract",
	.exit = contract_exit,
	.test_cases = contract_cases,
};

kunit_test_suite(contract_suite);
