// SPDX-License-Identifier: GPL-2.0
/*
 * contract: the exporter holds importers to the revoke contract. The
 * importer's misbehave knob makes the MRs registered next break it on
 * purpose (unmap late or never, leave a fence in the buffer's resv that
 * signals late or never); a revoke through debugfs must then wait for the
 * importer up to revoke_wait_ms and no longer, and log each breach as one
 * line of "violations" naming the buffer, the kind, and the culprit. A pin
 * is refused outright where pin_policy says so.
 *
 * Each case turns contract_warn off first (a violation is then a log line
 * and a pr_notice, no WARN: no splat may reach the kernel log) and clears
 * the log; the harness teardown puts every knob back (t_reset_knobs) and
 * unrevokes, whatever the case did.
 *
 * Bounds: a late importer within the bound (misbehave_ms 300 against
 * revoke_wait_ms 3000) must be waited for and is no violation; one beyond
 * it (1000..1500 ms against 200) must not be waited for beyond the bound.
 */
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "harness.h"

#define W_IN		3000	/* revoke_wait_ms when the importer is in time */
#define W_BEYOND	200	/* ... when it is not */
#define MS_IN		300	/* misbehave_ms within W_IN */
#define MS_UNMAP_BEYOND	1500
#define MS_FENCE_BEYOND	1000
/*
 * Timer slack: the kernel's delays are in jiffies, and a timer armed late
 * in a tick can fire up to a tick short of its milliseconds (10 ms at
 * HZ=100), measured from our side of the debugfs write.
 */
#define SLACK_MS	10
#define MAX_VIOL	8
/* The importer's misbehave fences (importer/misbehave.c's dma_fence_ops). */
#define IMP_FENCE_DRIVER	"dmabuf_p2p_imp"
#define IMP_FENCE_TIMELINE	"misbehave"

struct cfix {
	struct tdev t;
	int imp;
	int fd;			/* the buffer: one page of the BAR */
	uint64_t ino;
	uint32_t h;
	bool registered;
	bool revoked;		/* by us, through debugfs */
	struct p2p_query_mr q;	/* the MR right after REG_MR */
	char driver[64];	/* dev_driver_string() of q.dma_dev, from sysfs */
	char edu[P2P_BDF_LEN];
	int kmsg;
	uint64_t t_revoke;	/* CLOCK_MONOTONIC ms when the last revoke began */
};

/*
 * The importer (with its edu engine for @edu, or skip), the device and a
 * one-page buffer; contract_warn off, the log empty.
 */
static void cfix_open(struct cfix *f, bool edu)
{
	memset(f, 0, sizeof(*f));
	f->kmsg = -1;
	f->imp = t_need_importer();
	if (edu && p2p_imp_edu_device(f->edu))
		T_SKIP("no edu DMA engine bound to the importer: %s", p2p_last_error());
	t_open_main(&f->t);
	t_need_debugfs();
	t_set_knob(NULL, "contract_warn", 0);
	if (p2p_violations_clear())
		T_FAIL("%s", p2p_last_error());
	f->kmsg = p2p_kmsg_open();
	if (f->kmsg < 0)
		t_diag("no splat check: %s", p2p_last_error());
	f->fd = t_create_pages(&f->t, 0, 1);
	f->ino = t_ino(f->fd);
}

/* The violation log, said line by line; FAIL if it cannot be read. */
static int cfix_violations(struct p2p_violation *v)
{
	int n, i;

	n = p2p_violations_list(v, MAX_VIOL);
	if (n < 0)
		T_FAIL("%s", p2p_last_error());
	for (i = 0; i < n && i < MAX_VIOL; i++)
		t_diag("violation %d: ino=%llu kind=%s driver=%s dev=%s", i,
		       (unsigned long long)v[i].ino, v[i].kind, v[i].driver, v[i].dev);
	return n;
}

static void expect_no_violation(void)
{
	struct p2p_violation v[MAX_VIOL];

	ASSERT_EQ(cfix_violations(v), 0);
}

/*
 * Exactly @count lines in the log since the case cleared it, every one of
 * @kind for our buffer; the newest is returned in *@last.
 */
static void expect_violations(struct cfix *f, int count, const char *kind,
			      struct p2p_violation *last)
{
	struct p2p_violation v[MAX_VIOL];
	int i;

	ASSERT_EQ(cfix_violations(v), count);
	for (i = 0; i < count; i++) {
		ASSERT_EQ(v[i].ino, f->ino);
		ASSERT_STREQ(v[i].kind, kind);
	}
	*last = v[count - 1];
}

/* An "unmap" or "pin" line names the importer's device the MR is mapped for. */
static void expect_names_mr_device(struct cfix *f, const struct p2p_violation *v)
{
	ASSERT_STREQ(v->driver, f->driver);
	ASSERT_STREQ(v->dev, f->q.dma_dev);
}

/*
 * A "fence" line names the fence's driver and timeline (a resv fence
 * belongs to no attachment): the misbehaving importer's fences say
 * IMP_FENCE_DRIVER and IMP_FENCE_TIMELINE.
 */
static void expect_names_importer_fence(const struct p2p_violation *v)
{
	ASSERT_STREQ(v->driver, IMP_FENCE_DRIVER);
	ASSERT_STREQ(v->dev, IMP_FENCE_TIMELINE);
}

/* contract_warn=0: a violation must not have made a kernel splat. */
static void expect_no_splat(struct cfix *f)
{
	char first[512] = "";
	int n;

	if (f->kmsg < 0)
		return;
	n = p2p_kmsg_scan_splats(f->kmsg, first, sizeof(first));
	if (n < 0)
		t_diag("kernel log unreadable: %s", p2p_last_error());
	else if (n)
		T_FAIL("contract_warn=0, yet %d kernel report(s), the first: %s", n, first);
}

static unsigned int cfix_mapped(struct cfix *f)
{
	struct p2p_buf_stat st;

	t_stat(f->t.dev.bdf, f->ino, &st);
	return st.mapped;
}

/*
 * Register an MR over the buffer for an importer misbehaving @mode after
 * @ms; the knobs go back to NONE at once (the MR keeps what it was
 * registered with), so any later MR of the case is a correct one.
 */
static void cfix_reg(struct cfix *f, int mode, unsigned int ms, uint32_t flags)
{
	bool skipped = false;
	int ret;

	t_set_imp_knob("misbehave_ms", ms);
	t_set_imp_knob("misbehave", mode);
	if (flags & P2P_MR_EDU)
		ret = p2p_imp_reg_edu(f->imp, f->fd, 0, f->t.page, P2P_MR_ACCESS_ALL, true, &f->h,
				      &skipped);
	else
		ret = p2p_imp_reg(f->imp, f->fd, 0, f->t.page, flags, P2P_MR_ACCESS_ALL, &f->h);
	if (skipped)
		t_diag("exporter refused edu (pci_p2pdma_distance): skip_p2p_distance=1");
	ASSERT_OK(ret);
	f->registered = true;
	t_set_imp_knob("misbehave", P2P_IMP_MISBEHAVE_NONE);
	t_set_imp_knob("misbehave_ms", 0);

	ASSERT_OK(p2p_imp_query(f->imp, f->h, &f->q));
	ASSERT_EQ(f->q.state, P2P_MR_STATE_MAPPED);
	ASSERT_EQ(f->q.dma_dev[sizeof(f->q.dma_dev) - 1], 0);
	if (flags & P2P_MR_EDU)
		ASSERT_STREQ(f->q.dma_dev, f->edu);
	if (p2p_dev_driver_string(f->q.dma_dev, f->driver, sizeof(f->driver)))
		T_FAIL("driver of the MR's device: %s", p2p_last_error());
	t_diag("mr %u: misbehave=%d misbehave_ms=%u, mapped for %s (driver %s)", f->h, mode,
	       ms, f->q.dma_dev, f->driver);
	ASSERT_EQ(cfix_mapped(f), 1);
	expect_no_violation();
}

/* Revoke through debugfs with revoke_wait_ms @w; returns how long it took (ms). */
static uint64_t cfix_revoke(struct cfix *f, unsigned int w)
{
	uint64_t took;

	t_set_knob(NULL, "revoke_wait_ms", w);
	f->t_revoke = p2p_now_ms();
	ASSERT_OK(p2p_knob_revoke(f->t.dev.bdf, true));
	took = p2p_now_ms() - f->t_revoke;
	f->revoked = true;
	t_diag("revoke with revoke_wait_ms=%u took %llu ms", w, (unsigned long long)took);
	return took;
}

/* The MR was told: invalidated by this one revoke, remapping on the next access. */
static void expect_mr_invalidated(struct cfix *f)
{
	struct p2p_query_mr q;

	ASSERT_OK(p2p_imp_query(f->imp, f->h, &q));
	t_diag("mr %u after revoke: %s, %llu invalidations", f->h, p2p_mr_state_name(q.state),
	       (unsigned long long)q.invalidations);
	ASSERT_EQ(q.state, P2P_MR_STATE_INVALIDATED);
	ASSERT_EQ(q.invalidations, f->q.invalidations + 1);
}

/* A revoke that took the importer's delay, not the bound: waited for it. */
static void expect_waited(uint64_t took, unsigned int ms, unsigned int w)
{
	ASSERT_GE(took + SLACK_MS, ms);
	ASSERT_LT(took, w);
}

/* A revoke that gave up at the bound, well before the importer let go. */
static void expect_bounded(uint64_t took, unsigned int ms, unsigned int w)
{
	ASSERT_GE(took + SLACK_MS, w);
	ASSERT_LT(took, ms);
}

static void cfix_dereg(struct cfix *f)
{
	ASSERT_OK(p2p_imp_dereg(f->imp, f->h, 0));
	f->registered = false;
}

static void cfix_unrevoke(struct cfix *f)
{
	ASSERT_OK(p2p_knob_revoke(f->t.dev.bdf, false));
	f->revoked = false;
}

/*
 * Unrevoke and revoke again, the MR left unmapped (so it behaves this
 * time): only what is still in the resv from before can make a violation.
 */
static void cfix_revoke_again(struct cfix *f)
{
	cfix_unrevoke(f);
	cfix_revoke(f, W_BEYOND);
}

static void cfix_close(struct cfix *f)
{
	if (f->registered)
		cfix_dereg(f);
	if (f->revoked)
		cfix_unrevoke(f);
	close(f->fd);
	close(f->imp);
	if (f->kmsg >= 0)
		close(f->kmsg);
}

/*
 * Late within the bound (@mode: unmap or fence): the revoke waits for it,
 * returns with nothing mapped, and it is no violation.
 */
static void run_late_in_bound(uint32_t mode)
{
	struct cfix f;
	uint64_t took;

	cfix_open(&f, false);
	cfix_reg(&f, mode, MS_IN, 0);
	took = cfix_revoke(&f, W_IN);
	expect_waited(took, MS_IN, W_IN);
	ASSERT_EQ(cfix_mapped(&f), 0);
	expect_mr_invalidated(&f);
	expect_no_violation();
	expect_no_splat(&f);
	cfix_close(&f);
}

static void contract_unmap_late_in_bound(void)
{
	run_late_in_bound(P2P_IMP_MISBEHAVE_UNMAP_LATE);
}

/* Poll the buffer until no mapping is outstanding; when that was seen (ms). */
static uint64_t wait_unmapped(struct cfix *f, unsigned int timeout_ms)
{
	uint64_t deadline = p2p_now_ms() + timeout_ms;
	struct p2p_buf_stat st;

	for (;;) {
		if (p2p_buffer_stat(f->t.dev.bdf, f->ino, &st))
			T_FAIL("%s", p2p_last_error());
		if (!st.mapped)
			return p2p_now_ms();
		if (p2p_now_ms() >= deadline)
			T_FAIL("still mapped=%u %u ms on", st.mapped, timeout_ms);
		p2p_sleep_ms(20);
	}
}

/*
 * Unmapped late, beyond the bound: the revoke gives up at the bound with
 * one "unmap" line naming the importer's device; the mapping is still out
 * then, and comes back when the importer gets round to it.
 */
static void contract_unmap_late_beyond_bound(void)
{
	struct p2p_violation v;
	struct cfix f;
	uint64_t took, gone;

	cfix_open(&f, false);
	cfix_reg(&f, P2P_IMP_MISBEHAVE_UNMAP_LATE, MS_UNMAP_BEYOND, 0);
	took = cfix_revoke(&f, W_BEYOND);
	expect_bounded(took, MS_UNMAP_BEYOND, W_BEYOND);
	ASSERT_EQ(cfix_mapped(&f), 1);
	expect_violations(&f, 1, P2P_VIOL_UNMAP, &v);
	expect_names_mr_device(&f, &v);
	expect_mr_invalidated(&f);

	gone = wait_unmapped(&f, MS_UNMAP_BEYOND + 2000);
	t_diag("unmapped %llu ms after the revoke began",
	       (unsigned long long)(gone - f.t_revoke));
	ASSERT_GE(gone - f.t_revoke + SLACK_MS, MS_UNMAP_BEYOND);
	/* The late unmap itself is no further violation. */
	expect_violations(&f, 1, P2P_VIOL_UNMAP, &v);
	expect_no_splat(&f);
	cfix_close(&f);
}

/*
 * Never unmapped: one "unmap" line; the mapping stays out until DEREG_MR,
 * whose unmap comes before the detach (no "detach" line).
 */
static void run_unmap_never(uint32_t flags)
{
	struct p2p_violation v;
	struct cfix f;
	uint64_t took;

	cfix_open(&f, flags & P2P_MR_EDU);
	cfix_reg(&f, P2P_IMP_MISBEHAVE_UNMAP_NEVER, 0, flags);
	took = cfix_revoke(&f, W_BEYOND);
	ASSERT_GE(took + SLACK_MS, W_BEYOND);
	ASSERT_EQ(cfix_mapped(&f), 1);
	expect_violations(&f, 1, P2P_VIOL_UNMAP, &v);
	expect_names_mr_device(&f, &v);
	if (flags & P2P_MR_EDU)
		ASSERT_STREQ(v.driver, P2P_IMP_EDU_DRIVER);
	expect_mr_invalidated(&f);

	p2p_sleep_ms(300);
	ASSERT_EQ(cfix_mapped(&f), 1);
	cfix_dereg(&f);
	ASSERT_EQ(cfix_mapped(&f), 0);
	expect_violations(&f, 1, P2P_VIOL_UNMAP, &v);
	expect_no_splat(&f);
	cfix_close(&f);
}

static void contract_unmap_never(void)
{
	run_unmap_never(0);
}

static void contract_edu_unmap_never(void)
{
	run_unmap_never(P2P_MR_EDU);
}

static void contract_fence_late_in_bound(void)
{
	run_late_in_bound(P2P_IMP_MISBEHAVE_FENCE_LATE);
}

/*
 * A fence signalled late, beyond the bound: one "fence" line; the mapping
 * itself was given back at once. Once the fence's time is up it has
 * signalled on its own, with the MR still registered: a second revoke
 * finds the resv clear.
 */
static void contract_fence_late_beyond_bound(void)
{
	struct p2p_violation v;
	struct cfix f;
	uint64_t took, since;

	cfix_open(&f, false);
	cfix_reg(&f, P2P_IMP_MISBEHAVE_FENCE_LATE, MS_FENCE_BEYOND, 0);
	took = cfix_revoke(&f, W_BEYOND);
	expect_bounded(took, MS_FENCE_BEYOND, W_BEYOND);
	ASSERT_EQ(cfix_mapped(&f), 0);
	expect_violations(&f, 1, P2P_VIOL_FENCE, &v);
	expect_names_importer_fence(&v);
	expect_mr_invalidated(&f);

	since = p2p_now_ms() - f.t_revoke;
	if (since < MS_FENCE_BEYOND + 300)
		p2p_sleep_ms(MS_FENCE_BEYOND + 300 - since);
	cfix_revoke_again(&f);
	expect_violations(&f, 1, P2P_VIOL_FENCE, &v);
	expect_no_splat(&f);
	cfix_close(&f);
}

/*
 * A fence never signalled: a "fence" line, and another at every revoke
 * while the MR lives; DEREG_MR signals it, and the next revoke is clean.
 */
static void contract_fence_never(void)
{
	struct p2p_violation v;
	struct cfix f;
	uint64_t took;

	cfix_open(&f, false);
	cfix_reg(&f, P2P_IMP_MISBEHAVE_FENCE_NEVER, 0, 0);
	took = cfix_revoke(&f, W_BEYOND);
	ASSERT_GE(took + SLACK_MS, W_BEYOND);
	ASSERT_EQ(cfix_mapped(&f), 0);
	expect_violations(&f, 1, P2P_VIOL_FENCE, &v);
	expect_names_importer_fence(&v);
	expect_mr_invalidated(&f);

	cfix_revoke_again(&f);
	expect_violations(&f, 2, P2P_VIOL_FENCE, &v);
	cfix_dereg(&f);
	cfix_revoke_again(&f);
	expect_violations(&f, 2, P2P_VIOL_FENCE, &v);
	expect_no_splat(&f);
	cfix_close(&f);
}

/*
 * A pin on a kernel where only importers that cannot be revoked pin:
 * refused (EOPNOTSUPP) with one "pin" line naming the importer's device;
 * the buffer is left as it was.
 */
static void contract_pin(void)
{
	struct p2p_violation v;
	struct cfix f;
	uint32_t h;

	if (t_pin_policy() == P2P_PIN_ALLOWED)
		T_SKIP("pin_policy=allowed: this kernel's dma-buf core pins on every map "
		       "(DMABUF_MOVE_NOTIFY=n) or lets revocable importers pin, so pins are taken");
	cfix_open(&f, false);
	/* A correct MR first, for the name of the importer's device. */
	cfix_reg(&f, P2P_IMP_MISBEHAVE_NONE, 0, 0);
	cfix_dereg(&f);
	expect_no_violation();

	ASSERT_ERR(p2p_imp_reg(f.imp, f.fd, 0, f.t.page, P2P_MR_PINNED, P2P_MR_ACCESS_ALL, &h),
		   EOPNOTSUPP);
	expect_violations(&f, 1, P2P_VIOL_PIN, &v);
	expect_names_mr_device(&f, &v);
	ASSERT_EQ(cfix_mapped(&f), 0);
	expect_no_splat(&f);
	cfix_close(&f);
}

static long exp_knob(const char *name)
{
	long val;

	ASSERT_OK(p2p_exp_knob_get(NULL, name, &val));
	return val;
}

static long imp_knob(const char *name)
{
	long val;

	ASSERT_OK(p2p_imp_knob_get(name, &val));
	return val;
}

/*
 * The contract's knobs rest at their defaults (as the harness teardown
 * leaves them) and refuse values out of range, keeping the one they had.
 */
static void contract_knobs(void)
{
	struct p2p_violation v[MAX_VIOL];

	t_need_importer();
	t_need_debugfs();
	ASSERT_EQ(exp_knob("revoke_wait_ms"), P2P_EXP_REVOKE_WAIT_MS);
	ASSERT_EQ(exp_knob("contract_warn"), 1);
	ASSERT_EQ(imp_knob("misbehave"), P2P_IMP_MISBEHAVE_NONE);
	ASSERT_EQ(imp_knob("misbehave_ms"), 0);

	/* 0 would make every importer a violator. */
	ASSERT_ERR(p2p_exp_knob_set(NULL, "revoke_wait_ms", 0), EINVAL);
	ASSERT_ERR(p2p_exp_knob_set(NULL, "revoke_wait_ms", P2P_EXP_DELAY_MAX_MS + 1), EINVAL);
	ASSERT_EQ(exp_knob("revoke_wait_ms"), P2P_EXP_REVOKE_WAIT_MS);
	t_set_knob(NULL, "revoke_wait_ms", P2P_EXP_DELAY_MAX_MS);
	t_set_knob(NULL, "revoke_wait_ms", 1);
	ASSERT_EQ(exp_knob("revoke_wait_ms"), 1);
	ASSERT_ERR(p2p_exp_knob_set(NULL, "contract_warn", 2), EINVAL);
	ASSERT_EQ(exp_knob("contract_warn"), 1);
	t_set_knob(NULL, "contract_warn", 0);
	ASSERT_EQ(exp_knob("contract_warn"), 0);

	ASSERT_ERR(p2p_imp_knob_set("misbehave", P2P_IMP_MISBEHAVE_MAX + 1), EINVAL);
	ASSERT_EQ(imp_knob("misbehave"), P2P_IMP_MISBEHAVE_NONE);
	t_set_imp_knob("misbehave", P2P_IMP_MISBEHAVE_MAX);
	ASSERT_EQ(imp_knob("misbehave"), P2P_IMP_MISBEHAVE_MAX);
	ASSERT_ERR(p2p_imp_knob_set("misbehave_ms", 10001), EINVAL);
	ASSERT_EQ(imp_knob("misbehave_ms"), 0);
	t_set_imp_knob("misbehave_ms", 10000);
	ASSERT_EQ(imp_knob("misbehave_ms"), 10000);

	/* The read-only side parses. */
	t_pin_policy();
	if (p2p_violations_list(v, MAX_VIOL) < 0)
		T_FAIL("%s", p2p_last_error());
}

T_DEVICE_FIXTURE(t_reset_knobs);

TEST_F(dmabuf_p2p, contract_knobs) { contract_knobs(); }
TEST_F(dmabuf_p2p, contract_unmap_late_in_bound) { contract_unmap_late_in_bound(); }
TEST_F(dmabuf_p2p, contract_unmap_late_beyond_bound) { contract_unmap_late_beyond_bound(); }
TEST_F(dmabuf_p2p, contract_unmap_never) { contract_unmap_never(); }
TEST_F(dmabuf_p2p, contract_fence_late_in_bound) { contract_fence_late_in_bound(); }
TEST_F(dmabuf_p2p, contract_fence_late_beyond_bound) { contract_fence_late_beyond_bound(); }
TEST_F(dmabuf_p2p, contract_fence_never) { contract_fence_never(); }
TEST_F(dmabuf_p2p, contract_pin) { contract_pin(); }
TEST_F_TIMEOUT(dmabuf_p2p, contract_edu_unmap_never, 60) { contract_edu_unmap_never(); }

TEST_HARNESS_MAIN
