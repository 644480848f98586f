// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite dmabuf_p2p_imp_race: accesses from kthreads racing
 * move_notify and revoke. Each worker owns one page, writes a fresh pattern
 * and reads it back; the fake exporter counts unmaps that happen while an
 * access is in flight, which the fence must make impossible.
 */
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <kunit/test.h>

#include "dmabuf_p2p_compat.h"
#include "fake_exp.h"
#include "p2p_imp.h"

#define RACE_WORKERS	2

struct race_worker {
	struct p2p_imp_mr *mr;
	unsigned int page;
	bool allow_enodev;	/* the exporter is being revoked */
	u8 *wbuf;
	u8 *rbuf;
	atomic_t iters;
	atomic_t errors;
	atomic_t last_error;	/* the errno of the last one, for the report */
	atomic_t enodev;
	struct task_struct *task;
};

static void race_count(struct race_worker *w, int ret)
{
	if (ret == -ENODEV && w->allow_enodev) {
		atomic_inc(&w->enodev);
	} else if (ret) {
		atomic_set(&w->last_error, ret);
		atomic_inc(&w->errors);
	}
}

/* Runs until stopped, whatever happens, so kthread_stop() stays safe. */
static int race_worker_fn(void *data)
{
	struct race_worker *w = data;
	u64 off = (u64)w->page * PAGE_SIZE;
	u8 seed = w->page * 64;
	size_t i;
	int ret;

	while (!kthread_should_stop()) {
		seed++;
		for (i = 0; i < PAGE_SIZE; i++)
			w->wbuf[i] = seed + i;
		ret = p2p_imp_mr_xfer(w->mr, off, w->wbuf, PAGE_SIZE, true);
		if (!ret)
			ret = p2p_imp_mr_xfer(w->mr, off, w->rbuf, PAGE_SIZE,
					      false);
		if (!ret && memcmp(w->wbuf, w->rbuf, PAGE_SIZE))
			ret = -EILSEQ;
		/*
		 * kthread_stop() raises TIF_NOTIFY_SIGNAL, which cuts the
		 * interruptible resv waits short: not an importer error.
		 */
		if ((ret == -EINTR || ret == -ERESTARTSYS) &&
		    kthread_should_stop())
			break;
		race_count(w, ret);
		atomic_inc(&w->iters);
		cond_resched();
	}
	return 0;
}

static void race_stop(void *data)
{
	struct race_worker *w = data;
	unsigned int i;

	for (i = 0; i < RACE_WORKERS; i++)
		if (!IS_ERR_OR_NULL(w[i].task))
			kthread_stop(w[i].task);
}

static void race_reset_delay(void *unused)
{
	WRITE_ONCE(p2p_imp.move_notify_delay_ms, 0);
}

static struct race_worker *race_start(struct kunit *test,
				      struct p2p_imp_mr *mr, bool allow_enodev)
{
	struct race_worker *w;
	unsigned int i;

	w = kunit_kcalloc(test, RACE_WORKERS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < RACE_WORKERS; i++) {
		w[i].mr = mr;
		w[i].page = i;
		w[i].allow_enodev = allow_enodev;
		w[i].wbuf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		w[i].rbuf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w[i].wbuf);
		KUNIT_ASSERT_NOT_NULL(test, w[i].rbuf);
	}
	/* Stops the workers before the MR and the buffer go away. */
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, race_stop, w));
	for (i = 0; i < RACE_WORKERS; i++) {
		w[i].task = kthread_run(race_worker_fn, &w[i], "p2p_imp_race/%u",
					i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(w[i].task));
	}
	/* Make sure both are really running before the exporter starts. */
	for (i = 0; i < RACE_WORKERS; i++) {
		unsigned long timeout = jiffies + 5 * HZ;

		while (!atomic_read(&w[i].iters) &&
		       time_before(jiffies, timeout))
			usleep_range(500, 1000);
	}
	return w;
}

static void race_check(struct kunit *test, struct fake_exp *fe,
		       struct race_worker *w, bool locks_ok_before)
{
	unsigned int i;

	race_stop(w);
	for (i = 0; i < RACE_WORKERS; i++) {
		w[i].task = NULL;
		KUNIT_EXPECT_GT(test, atomic_read(&w[i].iters), 0);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&w[i].errors), 0,
				    "worker %u, last error %d", i,
				    atomic_read(&w[i].last_error));
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmap_inflight), 0);
	KUNIT_EXPECT_LE(test, atomic_read(&fe->unmaps),
			atomic_read(&fe->maps));
	if (IS_ENABLED(CONFIG_PROVE_LOCKING) && locks_ok_before)
		KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
				      "lockdep reported a problem");
}

KUNIT_DEFINE_ACTION_WRAPPER(race_mr_put, p2p_imp_mr_put, struct p2p_imp_mr *);

static struct p2p_imp_mr *race_reg(struct kunit *test, struct fake_exp *fe)
{
	struct p2p_imp_mr *mr;

	mr = p2p_imp_mr_create(fe->dmabuf, 0, RACE_WORKERS * PAGE_SIZE, 0,
			       P2P_MR_ACCESS_ALL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mr);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, race_mr_put, mr));
	fe->watch = mr;
	return mr;
}

static void imp_race_move_notify(struct kunit *test)
{
	const unsigned int rounds = 300;
	bool locks_ok = debug_locks;
	struct p2p_query_mr q = {};
	struct race_worker *w;
	struct fake_exp *fe;
	struct p2p_imp_mr *mr;
	unsigned int i;

	fe = fake_exp_create(test, RACE_WORKERS, true);
	mr = race_reg(test, fe);
	w = race_start(test, mr, false);

	for (i = 0; i < rounds; i++) {
		fake_exp_move(fe);
		usleep_range(50, 200);
	}
	race_check(test, fe, w, locks_ok);

	p2p_imp_mr_query(mr, &q);
	KUNIT_EXPECT_EQ(test, q.invalidations, rounds);
	KUNIT_EXPECT_GE(test, q.remaps, 1);
	KUNIT_EXPECT_EQ(test, q.generation, q.remaps);
}

static void imp_race_revoke_slow_fence(struct kunit *test)
{
	const unsigned int rounds = 40;
	bool locks_ok = debug_locks;
	struct race_worker *w;
	struct fake_exp *fe;
	struct p2p_imp_mr *mr;
	unsigned int i, enodev = 0;
	u8 buf[8];

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, race_reset_delay, NULL));
	fe = fake_exp_create(test, RACE_WORKERS, true);
	mr = race_reg(test, fe);
	WRITE_ONCE(p2p_imp.move_notify_delay_ms, 2);
	w = race_start(test, mr, true);

	for (i = 0; i < rounds; i++) {
		fake_exp_set_revoked(fe, true);
		usleep_range(200, 500);
		fake_exp_set_revoked(fe, false);
		usleep_range(200, 500);
	}
	race_check(test, fe, w, locks_ok);
	for (i = 0; i < RACE_WORKERS; i++)
		enodev += atomic_read(&w[i].enodev);
	kunit_info(test, "%u accesses saw the buffer revoked\n", enodev);

	/* Back to normal once the exporter is. */
	KUNIT_EXPECT_EQ(test, p2p_imp_mr_xfer(mr, 0, buf, sizeof(buf), false),
			0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fe->unmap_inflight), 0);
}

static struct kunit_case imp_race_cases[] = {
	KUNIT_CASE_SLOW(imp_race_move_notify),
	KUNIT_CASE_SLOW(imp_race_revoke_slow_fence),
	{}
};

static struct kunit_suite imp_race_suite = {
	.name = "dmabuf_p2p_imp_race",
	.test_cases = imp_race_cases,
};

kunit_test_suite(imp_race_suite);
