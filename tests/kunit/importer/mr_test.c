// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite dmabuf_p2p_imp: the importer core against a fake dynamic
 * exporter — registration, invalidation, remap on access, revoke, pinned
 * mode, failure injection, DMA segments and the release of the buffer.
 */
#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>

#include "dmabuf_p2p_compat.h"
#include "fake_exp.h"
#include "p2p_imp.h"

P2P_IMPORT_NS(DMA_BUF);
P2P_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

KUNIT_DEFINE_ACTION_WRAPPER(t_mr_put, p2p_imp_mr_put, struct p2p_imp_mr *);

static struct p2p_imp_mr *t_reg(struct kunit *test, struct fake_exp *fe,
				u64 off, u64 len, u32 flags, u32 access)
{
	struct p2p_imp_mr *mr;

	mr = p2p_imp_mr_create(fe->dmabuf, off, len, flags, access);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, t_mr_put, mr));
	return mr;
}

static struct p2p_query_mr t_query(struct p2p_imp_mr *mr)
{
	struct p2p_query_mr q = {};

	p2p_imp_mr_query(mr, &q);
	return q;
}

static int t_create_err(struct fake_exp *fe, u64 off, u64 len, u32 flags,
			u32 access)
{
	struct p2p_imp_mr *mr;

	mr = p2p_imp_mr_create(fe->dmabuf, off, len, flags, access);
	if (IS_ERR(mr))
		return PTR_ERR(mr);
	p2p_imp_mr_put(mr);
	return 0;
}

static void t_fill(u8 *buf, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = seed + i * 7;
}

static void imp_reg_maps(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 4, true);
	struct p2p_imp_mr *mr, *sub;
	struct p2p_query_mr q;

	mr = t_reg(test, fe, 0, 4 * PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	q = t_query(mr);
	KUNIT_EXPECT_EQ(test, q.state, P2P_MR_STATE_MAPPED);
	KUNIT_EXPECT_EQ(test, q.generation, 0);
	KUNIT_EXPECT_EQ(test, q.remaps, 0);
	KUNIT_EXPECT_EQ(test, q.invalidations, 0);
	KUNIT_EXPECT_EQ(test, q.nents, 4);
	KUNIT_EXPECT_EQ(test, q.mapped_length, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->attaches), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 0);
	/* Without move_notify the core pins on every map. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->pins),
			P2P_MOVE_NOTIFY_ENABLED ? 0 : 1);

	sub = t_reg(test, fe, PAGE_SIZE, 2 * PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	q = t_query(sub);
	KUNIT_EXPECT_EQ(test, q.nents, 2);
	KUNIT_EXPECT_EQ(test, q.mapped_length, 2 * PAGE_SIZE);
}

static void imp_reg_bad_args(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 2, true);
	const u32 rw = P2P_MR_ACCESS_ALL;

	KUNIT_EXPECT_EQ(test, t_create_err(fe, 1, PAGE_SIZE, 0, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, 0, 0, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, 100, 0, rw), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, PAGE_SIZE, 2 * PAGE_SIZE, 0, rw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, U64_MAX & PAGE_MASK, PAGE_SIZE,
					   0, rw), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, PAGE_SIZE, 1U << 7, rw),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, PAGE_SIZE, 0, 1U << 2),
			-EINVAL);
	/* Refused before touching the exporter. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->attaches), 0);
}

static void imp_invalidate_unmaps(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 2, true);
	struct p2p_imp_mr *mr;
	struct p2p_query_mr q;

	mr = t_reg(test, fe, 0, 2 * PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	fake_exp_move(fe);
	q = t_query(mr);
	KUNIT_EXPECT_EQ(test, q.state, P2P_MR_STATE_INVALIDATED);
	KUNIT_EXPECT_EQ(test, q.invalidations, 1);
	KUNIT_EXPECT_EQ(test, q.nents, 0);
	KUNIT_EXPECT_EQ(test, q.mapped_length, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 1);

	/* Nothing left to unmap: counted, not unmapped twice. */
	fake_exp_move(fe);
	q = t_query(mr);
	KUNIT_EXPECT_EQ(test, q.invalidations, 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 1);
}

/* A read-only fd gives a read-only MR at most. */
static void imp_reg_write_needs_writable_fd(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create_flags(test, 1, true, O_RDONLY);
	struct p2p_imp_mr *mr;
	u8 buf[16] = {};

	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, PAGE_SIZE, 0,
					   P2P_MR_ACCESS_WRITE), -EACCES);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, PAGE_SIZE, 0,
					   P2P_MR_ACCESS_ALL), -EACCES);
	/* Refused before touching the exporter. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->attaches), 0);

	mr = t_reg(test, fe, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_READ);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			0);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), true),
			-EACCES);
}

static void imp_access_remaps(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 3, true);
	const size_t off = PAGE_SIZE - 50, len = PAGE_SIZE + 100;
	struct p2p_imp_mr *mr;
	struct p2p_query_mr q;
	u8 *wbuf, *rbuf;

	wbuf = kunit_kzalloc(test, len, GFP_KERNEL);
	rbuf = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, wbuf);
	KUNIT_ASSERT_NOT_NULL(test, rbuf);
	t_fill(wbuf, len, 3);

	mr = t_reg(test, fe, 0, 3 * PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	fake_exp_move(fe);

	KUNIT_ASSERT_EQ(test, p2p_imp_mr_xfer(mr, off, wbuf, len, true), 0);
	q = t_query(mr);
	KUNIT_EXPECT_EQ(test, q.state, P2P_MR_STATE_MAPPED);
	KUNIT_EXPECT_EQ(test, q.generation, 1);
	KUNIT_EXPECT_EQ(test, q.remaps, 1);
	KUNIT_EXPECT_EQ(test, q.nents, 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 2);

	/* The bytes landed in the exporter's pages... */
	fake_exp_read(fe, off, rbuf, len);
	KUNIT_EXPECT_MEMEQ(test, rbuf, wbuf, len);

	/* ...and come back through the MR, without another remap. */
	memset(rbuf, 0, len);
	KUNIT_ASSERT_EQ(test, p2p_imp_mr_xfer(mr, off, rbuf, len, false), 0);
	KUNIT_EXPECT_MEMEQ(test, rbuf, wbuf, len);
	q = t_query(mr);
	KUNIT_EXPECT_EQ(test, q.generation, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 2);
}

static void imp_access_rights_and_range(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 2, true);
	struct p2p_imp_mr *mr;
	u8 buf[16] = {};
	u32 n;

	mr = t_reg(test, fe, PAGE_SIZE, PAGE_SIZE, 0, P2P_MR_ACCESS_READ);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, 16, true), -EACCES);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, 16, false), 0);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, 0, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, PAGE_SIZE - 8, buf, 16,
					      false), -EINVAL);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, U64_MAX - 4, buf, 16, false),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p2p_imp_mr_segs(mr, PAGE_SIZE, 1, &n)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p2p_imp_mr_segs(mr, 0, 0, &n)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p2p_imp_mr_segs(mr, 1, U64_MAX, &n)),
			-EOVERFLOW);
}

static void imp_revoked_enodev(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 2, true);
	struct p2p_imp_mr *mr;
	struct p2p_query_mr q;
	u8 buf[64];
	u32 n;

	mr = t_reg(test, fe, 0, 2 * PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	fake_exp_set_revoked(fe, true);
	KUNIT_EXPECT_EQ(test, t_query(mr).state, P2P_MR_STATE_INVALIDATED);

	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, t_query(mr).state, P2P_MR_STATE_REVOKED);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p2p_imp_mr_segs(mr, 0, PAGE_SIZE, &n)),
			-ENODEV);

	/* Un-revoked: the next access remaps. */
	fake_exp_set_revoked(fe, false);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			0);
	q = t_query(mr);
	KUNIT_EXPECT_EQ(test, q.state, P2P_MR_STATE_MAPPED);
	KUNIT_EXPECT_EQ(test, q.generation, 1);
	KUNIT_EXPECT_EQ(test, q.remaps, 1);
}

static void imp_attach_refused(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);

	fake_exp_set_revoked(fe, true);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, PAGE_SIZE, 0,
					   P2P_MR_ACCESS_ALL), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->attaches), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 0);
}

static void imp_pinned(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 2, true);
	struct p2p_imp_mr *mr;
	struct p2p_query_mr q;
	u8 buf[64] = {};

	mr = t_reg(test, fe, 0, 2 * PAGE_SIZE, P2P_MR_PINNED,
		   P2P_MR_ACCESS_ALL);
	KUNIT_EXPECT_GE(test, atomic_read(&fe->pins), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 1);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), true),
			0);

	/* A pinned MR cannot fault: losing the mapping is final. */
	fake_exp_set_revoked(fe, true);
	q = t_query(mr);
	KUNIT_EXPECT_EQ(test, q.state, P2P_MR_STATE_REVOKED);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unpins),
			atomic_read(&fe->pins));

	fake_exp_set_revoked(fe, false);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			-ENODEV);
	q = t_query(mr);
	KUNIT_EXPECT_EQ(test, q.remaps, 0);
	KUNIT_EXPECT_EQ(test, q.generation, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 1);
}

static void imp_pin_refused(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);

	fe->refuse_pin = true;
	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, PAGE_SIZE, P2P_MR_PINNED,
					   P2P_MR_ACCESS_ALL), -EBUSY);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->attaches), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->detaches), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->maps), 0);
}

static void t_reset_knobs(void *unused)
{
	atomic_set(&p2p_imp.fail_next_map, 0);
	WRITE_ONCE(p2p_imp.move_notify_delay_ms, 0);
}

static void imp_fail_next_map(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct p2p_imp_mr *mr;
	u8 buf[8];

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, t_reset_knobs, NULL));
	atomic_set(&p2p_imp.fail_next_map, EIO);
	KUNIT_EXPECT_EQ(test, t_create_err(fe, 0, PAGE_SIZE, 0,
					   P2P_MR_ACCESS_ALL), -EIO);
	KUNIT_EXPECT_EQ(test, atomic_read(&p2p_imp.fail_next_map), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->detaches), 1);

	mr = t_reg(test, fe, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	fake_exp_move(fe);
	atomic_set(&p2p_imp.fail_next_map, EAGAIN);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			-EAGAIN);
	/* A failed remap is not a revoke: the next access retries. */
	KUNIT_EXPECT_EQ(test, t_query(mr).state, P2P_MR_STATE_INVALIDATED);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			0);
	KUNIT_EXPECT_EQ(test, t_query(mr).state, P2P_MR_STATE_MAPPED);
}

static void imp_dma_segments(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 4, false);
	struct p2p_dma_seg *segs;
	struct p2p_imp_mr *mr;
	u32 n = 0;

	/* MR = pages 1..3 of the buffer. */
	mr = t_reg(test, fe, PAGE_SIZE, 3 * PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);

	/* Straddles the boundary of buffer pages 1 and 2. */
	segs = p2p_imp_mr_segs(mr, PAGE_SIZE / 2, PAGE_SIZE, &n);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, segs);
	KUNIT_EXPECT_EQ(test, n, 2);
	if (n == 2) {
		KUNIT_EXPECT_EQ(test, segs[0].dma_addr,
				fe->last_dma[1] + PAGE_SIZE / 2);
		KUNIT_EXPECT_EQ(test, segs[0].length, PAGE_SIZE / 2);
		KUNIT_EXPECT_EQ(test, segs[1].dma_addr, fe->last_dma[2]);
		KUNIT_EXPECT_EQ(test, segs[1].length, PAGE_SIZE / 2);
	}
	kvfree(segs);

	/* Works without a CPU mapping, and faults the MR back in. */
	fake_exp_move(fe);
	segs = p2p_imp_mr_segs(mr, 0, 3 * PAGE_SIZE, &n);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, segs);
	KUNIT_EXPECT_EQ(test, n, 3);
	if (n == 3)
		KUNIT_EXPECT_EQ(test, segs[2].dma_addr, fe->last_dma[3]);
	kvfree(segs);
	KUNIT_EXPECT_EQ(test, t_query(mr).generation, 1);
}

static void imp_no_cpu_mapping(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, false);
	struct p2p_imp_mr *mr;
	u8 buf[8];

	mr = t_reg(test, fe, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), true),
			-EOPNOTSUPP);
}

/*
 * An access in flight must hold off move_notify's unmap until it is done:
 * the test plays the access, a kthread plays the exporter.
 */
struct t_mover {
	struct fake_exp *fe;
	struct completion started;
	struct completion done;
};

static int t_mover_fn(void *data)
{
	struct t_mover *m = data;

	complete(&m->started);
	fake_exp_move(m->fe);
	complete(&m->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void imp_fence_holds_unmap(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct task_struct *task;
	struct p2p_imp_mr *mr;
	struct t_mover m;

	mr = t_reg(test, fe, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	m.fe = fe;
	init_completion(&m.started);
	init_completion(&m.done);
	/* Created before the access starts: nothing allocates in flight. */
	task = kthread_create(t_mover_fn, &m, "p2p_imp_mover");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));

	dma_resv_lock(fe->dmabuf->resv, NULL);
	p2p_imp_fence_begin(mr);
	dma_resv_unlock(fe->dmabuf->resv);
	wake_up_process(task);

	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&m.started,
							    5 * HZ));
	KUNIT_EXPECT_FALSE(test, wait_for_completion_timeout(&m.done,
							     HZ / 5));
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 0);
	p2p_imp_fence_end(mr);

	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&m.done, 5 * HZ));
	kthread_stop(task);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps), 1);
	KUNIT_EXPECT_EQ(test, t_query(mr).state, P2P_MR_STATE_INVALIDATED);
}

static void imp_release_inline(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct p2p_imp_mr *mr;

	mr = p2p_imp_mr_create(fe->dmabuf, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mr);
	fake_exp_drop_ref(fe);

	/* A user's reference keeps the MR, the MR keeps the buffer. */
	p2p_imp_mr_get(mr);
	p2p_imp_mr_put(mr);
	fake_exp_settle();
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->releases), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->detaches), 0);

	p2p_imp_mr_put(mr);
	fake_exp_settle();
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->releases), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->detaches), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmaps),
			atomic_read(&fe->maps));
	KUNIT_EXPECT_FALSE(test, fe->detach_from_wq);
}

static void imp_release_deferred(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct p2p_imp_mr *mr;

	mr = p2p_imp_mr_create(fe->dmabuf, 0, PAGE_SIZE, P2P_MR_PINNED,
			       P2P_MR_ACCESS_ALL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mr);
	fake_exp_drop_ref(fe);

	p2p_imp_mr_put_deferred(mr);
	fake_exp_settle();
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->releases), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->detaches), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unpins),
			atomic_read(&fe->pins));
	KUNIT_EXPECT_TRUE(test, fe->detach_from_wq);
}

KUNIT_DEFINE_ACTION_WRAPPER(t_ctx_destroy, p2p_imp_ctx_destroy,
			    struct p2p_imp_ctx *);

static struct p2p_imp_ctx *t_ctx(struct kunit *test)
{
	struct p2p_imp_ctx *ctx = p2p_imp_ctx_create();

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, t_ctx_destroy, ctx));
	return ctx;
}

/* Hands @mr (a new reference) to @ctx; returns its handle. */
static u32 t_ctx_add(struct kunit *test, struct p2p_imp_ctx *ctx,
		     struct p2p_imp_mr *mr)
{
	u32 h;

	KUNIT_ASSERT_EQ(test, p2p_imp_ctx_reserve(ctx, &h), 0);
	p2p_imp_mr_get(mr);
	p2p_imp_ctx_commit(ctx, h, mr);
	return h;
}

/*
 * A handle freed by one thread must not name the next MR while another
 * thread still holds it: no handle comes back soon after it was freed.
 */
static void imp_handles_not_reused(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct p2p_imp_ctx *ctx = t_ctx(test);
	struct p2p_imp_mr *mr, *got;
	u32 h1, h2, h3, h4;

	mr = t_reg(test, fe, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	h1 = t_ctx_add(test, ctx, mr);
	KUNIT_EXPECT_NE(test, h1, 0);
	KUNIT_EXPECT_EQ(test, mr->handle, h1);
	got = p2p_imp_ctx_remove(ctx, h1);
	KUNIT_EXPECT_PTR_EQ(test, got, mr);
	if (got)
		p2p_imp_mr_put(got);

	h2 = t_ctx_add(test, ctx, mr);
	KUNIT_EXPECT_NE(test, h2, h1);
	KUNIT_EXPECT_NULL(test, p2p_imp_ctx_lookup(ctx, h1));

	/* A reservation given back (a failed REG_MR) is not reused either. */
	KUNIT_ASSERT_EQ(test, p2p_imp_ctx_reserve(ctx, &h3), 0);
	p2p_imp_ctx_unreserve(ctx, h3);
	KUNIT_ASSERT_EQ(test, p2p_imp_ctx_reserve(ctx, &h4), 0);
	KUNIT_EXPECT_NE(test, h4, h3);
	KUNIT_EXPECT_NE(test, h4, h1);
	p2p_imp_ctx_unreserve(ctx, h4);
}

/* One file holds at most P2P_MR_MAX_PER_FD MRs, reserved or registered. */
static void imp_mrs_per_fd_capped(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct p2p_imp_ctx *ctx = t_ctx(test);
	struct p2p_imp_mr *mr, *got;
	unsigned int i;
	u32 h, last;
	int ret = 0;

	mr = t_reg(test, fe, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	for (i = 0; i < P2P_MR_MAX_PER_FD - 1 && !ret; i++)
		ret = p2p_imp_ctx_reserve(ctx, &h);
	KUNIT_ASSERT_EQ(test, ret, 0);
	last = t_ctx_add(test, ctx, mr);
	KUNIT_EXPECT_EQ(test, p2p_imp_ctx_reserve(ctx, &h), -ENOSPC);

	/* A deregistration makes room for one more, and only one. */
	got = p2p_imp_ctx_remove(ctx, last);
	KUNIT_EXPECT_PTR_EQ(test, got, mr);
	if (got)
		p2p_imp_mr_put(got);
	KUNIT_EXPECT_EQ(test, p2p_imp_ctx_reserve(ctx, &h), 0);
	KUNIT_EXPECT_EQ(test, p2p_imp_ctx_reserve(ctx, &h), -ENOSPC);
	/* So does a reservation given back. */
	p2p_imp_ctx_unreserve(ctx, h);
	KUNIT_EXPECT_EQ(test, p2p_imp_ctx_reserve(ctx, &h), 0);
}

/*
 * An access that outlives move_notify's wait must be reported through
 * p2p_imp_fence_stuck() (a WARN), and the invalidation still completes. The
 * test thread plays the exporter, so that the report, stubbed out here, is
 * seen instead of failing the run; a kthread holds the access.
 */
struct t_stuck {
	struct p2p_imp_mr *mr;
	int inflight;
	int calls;
};

static void t_fence_stuck(struct p2p_imp_mr *mr, int inflight)
{
	struct t_stuck *st = kunit_get_current_test()->priv;

	st->mr = mr;
	st->inflight = inflight;
	st->calls++;
}

struct t_holder {
	struct p2p_imp_mr *mr;
	struct completion held;
	struct completion release;
	struct task_struct *task;
};

static int t_holder_fn(void *data)
{
	struct t_holder *h = data;
	struct dma_resv *resv = h->mr->dmabuf->resv;

	dma_resv_lock(resv, NULL);
	p2p_imp_fence_begin(h->mr);
	dma_resv_unlock(resv);
	complete(&h->held);
	wait_for_completion(&h->release);
	p2p_imp_fence_end(h->mr);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void t_holder_stop(void *data)
{
	struct t_holder *h = data;

	complete(&h->release);
	kthread_stop(h->task);
}

static void t_restore_fence_timeout(void *unused)
{
	WRITE_ONCE(p2p_imp.fence_timeout, P2P_IMP_FENCE_TIMEOUT);
}

static void imp_fence_timeout_warns(struct kunit *test)
{
	struct fake_exp *fe = fake_exp_create(test, 1, true);
	struct t_holder *h;
	struct t_stuck *st;
	struct p2p_imp_mr *mr;

	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, st);
	mr = t_reg(test, fe, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	fe->watch = mr;

	test->priv = st;
	kunit_activate_static_stub(test, p2p_imp_fence_stuck, t_fence_stuck);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, t_restore_fence_timeout,
						  NULL));
	WRITE_ONCE(p2p_imp.fence_timeout, HZ / 10);

	h->mr = mr;
	init_completion(&h->held);
	init_completion(&h->release);
	h->task = kthread_run(t_holder_fn, h, "p2p_imp_holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(h->task));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, t_holder_stop, h));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&h->held, 5 * HZ));

	fake_exp_move(fe);
	KUNIT_EXPECT_EQ(test, st->calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, st->mr, mr);
	KUNIT_EXPECT_EQ(test, st->inflight, 1);
	/* The exporter cannot be refused: unmapped under the access. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmap_inflight), 1);
	KUNIT_EXPECT_EQ(test, t_query(mr).state, P2P_MR_STATE_INVALIDATED);
}

/*
 * CPU accesses serialise per dma-buf, not globally: an exporter stalled in
 * begin_cpu_access holds up its own buffer's MRs (which must not enter it
 * together, see access.c), not another buffer's.
 */
struct t_xfer {
	struct p2p_imp_mr *mr;
	int ret;
	u8 buf[16];
	struct completion done;
	struct task_struct *task;
};

static int t_xfer_fn(void *data)
{
	struct t_xfer *x = data;

	x->ret = p2p_imp_mr_xfer(x->mr, 0, x->buf, sizeof(x->buf), false);
	complete(&x->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

struct t_cpu_race {
	struct completion gate;
	struct t_xfer x[3];
};

/* Opens the gate first: a thread stopped behind it would never return. */
static void t_cpu_race_stop(void *data)
{
	struct t_cpu_race *r = data;
	unsigned int i;

	complete_all(&r->gate);
	for (i = 0; i < ARRAY_SIZE(r->x); i++)
		if (!IS_ERR_OR_NULL(r->x[i].task))
			kthread_stop(r->x[i].task);
}

static void t_xfer_start(struct kunit *test, struct t_xfer *x,
			 struct p2p_imp_mr *mr)
{
	x->mr = mr;
	init_completion(&x->done);
	x->task = kthread_run(t_xfer_fn, x, "p2p_imp_xfer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(x->task));
}

static void imp_cpu_access_lock_per_buffer(struct kunit *test)
{
	struct fake_exp *fa = fake_exp_create(test, 1, true);
	struct fake_exp *fb = fake_exp_create(test, 1, true);
	struct p2p_imp_mr *ma, *ma2, *mb;
	unsigned long timeout;
	struct t_cpu_race *r;

	ma = t_reg(test, fa, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	ma2 = t_reg(test, fa, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	mb = t_reg(test, fb, 0, PAGE_SIZE, 0, P2P_MR_ACCESS_ALL);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	init_completion(&r->gate);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, t_cpu_race_stop, r));

	/* Buffer A's exporter stalls inside begin_cpu_access. */
	WRITE_ONCE(fa->cpu_gate, &r->gate);
	t_xfer_start(test, &r->x[0], ma);
	timeout = jiffies + 5 * HZ;
	while (!atomic_read(&fa->cpu_begins) && time_before(jiffies, timeout))
		usleep_range(500, 1000);
	KUNIT_ASSERT_EQ(test, atomic_read(&fa->cpu_begins), 1);

	/* Buffer B goes ahead. */
	t_xfer_start(test, &r->x[1], mb);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&r->x[1].done,
							    5 * HZ));
	KUNIT_EXPECT_EQ(test, r->x[1].ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fb->cpu_begins), 1);

	/* Another MR of buffer A waits its turn outside the exporter. */
	t_xfer_start(test, &r->x[2], ma2);
	KUNIT_EXPECT_FALSE(test, wait_for_completion_timeout(&r->x[2].done,
							     HZ / 5));
	KUNIT_EXPECT_EQ(test, atomic_read(&fa->cpu_begins), 1);

	complete_all(&r->gate);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&r->x[0].done,
							    5 * HZ));
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&r->x[2].done,
							    5 * HZ));
	KUNIT_EXPECT_EQ(test, r->x[0].ret, 0);
	KUNIT_EXPECT_EQ(test, r->x[2].ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fa->cpu_begins), 2);
}

static struct kunit_case imp_mr_cases[] = {
	KUNIT_CASE(imp_reg_maps),
	KUNIT_CASE(imp_reg_bad_args),
	KUNIT_CASE(imp_reg_write_needs_writable_fd),
	KUNIT_CASE(imp_invalidate_unmaps),
	KUNIT_CASE(imp_access_remaps),
	KUNIT_CASE(imp_access_rights_and_range),
	KUNIT_CASE(imp_revoked_enodev),
	KUNIT_CASE(imp_attach_refused),
	KUNIT_CASE(imp_pinned),
	KUNIT_CASE(imp_pin_refused),
	KUNIT_CASE(imp_fail_next_map),
	KUNIT_CASE(imp_dma_segments),
	KUNIT_CASE(imp_no_cpu_mapping),
	KUNIT_CASE(imp_fence_holds_unmap),
	KUNIT_CASE(imp_release_inline),
	KUNIT_CASE(imp_release_deferred),
	KUNIT_CASE(imp_handles_not_reused),
	KUNIT_CASE(imp_mrs_per_fd_capped),
	KUNIT_CASE(imp_fence_timeout_warns),
	KUNIT_CASE(imp_cpu_access_lock_per_buffer),
	{}
};

static struct kunit_suite imp_mr_suite = {
	.name = "dmabuf_p2p_imp",
	.test_cases = imp_mr_cases,
};

kunit_test_suite(imp_mr_suite);

MODULE_DESCRIPTION("KUnit suites of the dmabuf_p2p importer");
MODULE_LICENSE("GPL");
