// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmabuf_p2p_exp_race": revoke and close racing with the
 * final dma_buf_put() from several kthreads. The last reference may be the
 * revoker's own; its fput() must defer the release (delayed_fput) instead
 * of running it under the provider lock. A deadlock shows up as a timeout,
 * a lock-order problem as lockdep switching itself off (debug_locks).
 */
#include <linux/completion.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <kunit/test.h>

#include "fake.h"

#define RACE_ROUNDS	40
#define RACE_PUTTERS	3
#define RACE_TIMEOUT	(30 * HZ)

struct race_putter {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	unsigned int delay_us;
	struct completion done;
};

struct race_ctx {
	struct p2p_fake *f;
	atomic_t stop;
	struct completion revoker_done;
	struct race_putter putters[RACE_PUTTERS];
	unsigned long inos[RACE_ROUNDS];
};

static void race_pause(unsigned int max_us)
{
	unsigned int us = get_random_u32_below(max_us);

	usleep_range(us, us + 10);
}

/* Flips the fake's MMIO decode, revoking and unrevoking every buffer. */
static int race_revoker(void *data)
{
	struct race_ctx *ctx = data;
	bool on = false;

	while (!atomic_read(&ctx->stop)) {
		p2p_fake_set_mmio(ctx->f, on);
		on = !on;
		race_pause(50);
	}
	p2p_fake_set_mmio(ctx->f, true);
	kthread_complete_and_exit(&ctx->revoker_done, 0);
}

static int race_put(void *data)
{
	struct race_putter *p = data;

	usleep_range(p->delay_us, p->delay_us + 10);
	if (p->attach)
		dma_buf_detach(p->dmabuf, p->attach);
	dma_buf_put(p->dmabuf);
	kthread_complete_and_exit(&p->done, 0);
}

/*
 * One buffer, its references handed to RACE_PUTTERS kthreads (the first
 * also owns an attachment) and dropped at random moments. Returns false on
 * a timeout, after which @ctx must be leaked: a thread may still use it.
 */
static bool race_round(struct kunit *test, struct race_ctx *ctx,
		       struct p2p_fake_imp *imp, unsigned int round)
{
	static const struct vfio_region_dma_range r = { 0, PAGE_SIZE };
	struct dma_buf_attachment *attach;
	struct dma_buf *dmabuf;
	bool ok = true;
	int i;

	dmabuf = p2p_exp_buf_create(&ctx->f->prov, 0, &r, 1, O_RDWR);
	if (IS_ERR(dmabuf)) {
		KUNIT_FAIL(test, "round %u: create failed %ld", round,
			   PTR_ERR(dmabuf));
		return true;
	}
	ctx->inos[round] = p2p_exp_buf_from_dmabuf(dmabuf)->ino;

	/* Refused while the revoker has the MMIO off; fine either way. */
	attach = dma_buf_dynamic_attach(dmabuf, imp->dev, &p2p_fake_p2p_ops,
					imp);
	for (i = 0; i < RACE_PUTTERS; i++) {
		struct race_putter *p = &ctx->putters[i];

		get_dma_buf(dmabuf);
		p->dmabuf = dmabuf;
		p->attach = (i == 0 && !IS_ERR(attach)) ? attach : NULL;
		p->delay_us = get_random_u32_below(200);
		init_completion(&p->done);
	}
	dma_buf_put(dmabuf);

	for (i = 0; i < RACE_PUTTERS; i++) {
		struct task_struct *t;

		t = kthread_run(race_put, &ctx->putters[i], "p2p_exp_put%d", i);
		if (IS_ERR(t)) {
			/* Cannot race without it; still drop the reference. */
			KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
			if (ctx->putters[i].attach)
				dma_buf_detach(dmabuf, ctx->putters[i].attach);
			dma_buf_put(dmabuf);
			complete(&ctx->putters[i].done);
		}
	}
	for (i = 0; i < RACE_PUTTERS; i++)
		if (!wait_for_completion_timeout(&ctx->putters[i].done,
						 RACE_TIMEOUT))
			ok = false;
	return ok;
}

/*
 * flush_delayed_fput() only runs what is queued when it is called; a
 * release the delayed_fput worker already took off the list may still be
 * running. The log entry is written last, after the unlink and the
 * provider put, so wait (bounded) for it.
 */
static bool race_wait_released(unsigned long ino, struct p2p_exp_rel_entry *e)
{
	unsigned long deadline = jiffies + 10 * HZ;

	for (;;) {
		flush_delayed_fput();
		if (p2p_exp_log_find(ino, e))
			return true;
		if (time_after(jiffies, deadline))
			return false;
		msleep(20);
	}
}

static void race_check_released(struct kunit *test, struct race_ctx *ctx,
				struct p2p_fake *f, unsigned int rounds)
{
	struct p2p_exp_rel_entry e;
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		if (!ctx->inos[i])
			continue;
		if (!race_wait_released(ctx->inos[i], &e)) {
			KUNIT_FAIL(test, "ino %lu: never released",
				   ctx->inos[i]);
			continue;
		}
		/* Every reference was dropped by a kthread. */
		KUNIT_EXPECT_STREQ(test, p2p_exp_path_name(e.path),
				   "delayed_fput");
	}
	KUNIT_EXPECT_EQ(test, p2p_fake_nr_bufs(f), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->refs), 0);
}

static void p2p_exp_test_revoke_vs_final_put(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_race_imp",
						     0);
	bool locks_ok = debug_locks;
	struct task_struct *revoker;
	struct race_ctx *ctx;
	unsigned int round;
	bool ok = true;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->f = f;
	init_completion(&ctx->revoker_done);

	revoker = kthread_run(race_revoker, ctx, "p2p_exp_revoker");
	if (IS_ERR(revoker)) {
		kfree(ctx);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(revoker));
		return;
	}

	for (round = 0; round < RACE_ROUNDS && ok; round++)
		ok = race_round(test, ctx, imp, round);

	atomic_set(&ctx->stop, 1);
	if (!wait_for_completion_timeout(&ctx->revoker_done, RACE_TIMEOUT))
		ok = false;
	if (!ok) {
		/* Leak ctx: a stuck thread still points into it. */
		KUNIT_FAIL(test, "a thread hung: deadlock between revoke and release?");
		return;
	}

	race_check_released(test, ctx, f, round);
	kfree(ctx);
	if (locks_ok)
		KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
				      "lockdep reported a problem");
}

/* close_device's cut-off racing with the final puts of its buffers. */
static void p2p_exp_test_shutdown_vs_final_put(struct kunit *test)
{
	struct p2p_fake *f = p2p_fake_new(test);
	struct p2p_fake_imp *imp = p2p_fake_importer(test, "p2p_exp_race_imp",
						     0);
	bool locks_ok = debug_locks;
	struct race_ctx *ctx;
	unsigned int round;
	bool ok = true;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->f = f;

	for (round = 0; round < RACE_ROUNDS && ok; round++) {
		static const struct vfio_region_dma_range r = { 0, PAGE_SIZE };
		struct dma_buf_attachment *attach;
		struct dma_buf *dmabuf;
		int i;

		p2p_exp_provider_open(&f->prov);
		dmabuf = p2p_exp_buf_create(&f->prov, 0, &r, 1, O_RDWR);
		if (IS_ERR(dmabuf)) {
			KUNIT_FAIL(test, "create failed %ld", PTR_ERR(dmabuf));
			break;
		}
		ctx->inos[round] = p2p_exp_buf_from_dmabuf(dmabuf)->ino;
		for (i = 0; i < RACE_PUTTERS; i++) {
			struct race_putter *p = &ctx->putters[i];

			get_dma_buf(dmabuf);
			p->dmabuf = dmabuf;
			p->attach = NULL;
			p->delay_us = get_random_u32_below(100);
			init_completion(&p->done);
		}
		attach = dma_buf_dynamic_attach(dmabuf, imp->dev,
						&p2p_fake_p2p_ops, imp);
		if (!IS_ERR(attach))
			ctx->putters[0].attach = attach;
		dma_buf_put(dmabuf);
		for (i = 0; i < RACE_PUTTERS; i++) {
			struct race_putter *p = &ctx->putters[i];
			struct task_struct *t;

			t = kthread_run(race_put, p, "p2p_exp_put%d", i);
			if (IS_ERR(t)) {
				KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(t));
				if (p->attach)
					dma_buf_detach(dmabuf, p->attach);
				dma_buf_put(dmabuf);
				complete(&p->done);
			}
		}
		race_pause(100);
		p2p_exp_provider_shutdown(&f->prov);
		for (i = 0; i < RACE_PUTTERS; i++)
			if (!wait_for_completion_timeout(&ctx->putters[i].done,
							 RACE_TIMEOUT))
				ok = false;
	}
	if (!ok) {
		KUNIT_FAIL(test, "a thread hung: deadlock between close and release?");
		return;
	}

	race_check_released(test, ctx, f, round);
	kfree(ctx);
	if (locks_ok)
		KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
				      "lockdep reported a problem");
}

static struct kunit_case p2p_exp_race_cases[] = {
	KUNIT_CASE_SLOW(p2p_exp_test_revoke_vs_final_put),
	KUNIT_CASE_SLOW(p2p_exp_test_shutdown_vs_final_put),
	{}
};

static struct kunit_suite p2p_exp_race_suite = {
	.name = "dmabuf_p2p_exp_race",
	.test_cases = p2p_exp_race_cases,
};

kunit_test_suite(p2p_exp_race_suite);
