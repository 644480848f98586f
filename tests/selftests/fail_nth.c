// SPDX-License-Identifier: GPL-2.0
/*
 * fail_nth: every allocation on the paths that create a buffer, attach and
 * map it for an importer (REG_MR), and map it again after a revoke (an
 * ACCESS_MR CHECK), failed once in turn with the kernel's per-task
 * fail-nth: N = 1, 2, ... until the operation makes fewer than N
 * fault-injectable calls. Every N must end in success or ENOMEM, without a
 * kernel splat, and leave nothing behind: no buffer on the exporter's list
 * but those we hold, no mapping, no attachment, no MR that cannot map
 * again. The rig scans kmemleak at the end of the boot.
 *
 * fail-nth counts every injectable call of our thread, not only ours: the
 * dma-buf core's and vfio's, and the bookkeeping of kmemleak, KASAN's stack
 * depot, the xarray and the IOVA allocator, which absorb a failure (a
 * fallback pool, a retry): an injected fault may well end in success. It
 * counts nothing a kthread does for us (a deferred release, an IOTLB
 * flush). Only slab allocations and pages of order >= 1 are failed (see
 * lib/fault_attr.c), and DMA-API debugging's own is kept out of reach (see
 * guard_hold()).
 *
 * ENOMEM is the only errno accepted: each injectable call on these paths is
 * a slab or page allocation whose failure comes back as -ENOMEM, in the
 * dma-buf core (the anon inode, dentry and file, struct dma_buf, the
 * attachment), in our exporter (the copied ranges, the buffer, the
 * attachment's contract record, the sg_table and its entries; a failed
 * dma_map_resource() would be -ENOMEM too, by dma_mapping_error()), and in
 * the importer (the handle's xarray node, the MR, the per-buffer CPU lock,
 * the CHECK's segment array). Not accepted: EFAULT (this kernel has no
 * FAULT_INJECTION_USERCOPY, and we touch every user byte an ioctl uses
 * before arming), EMFILE/ENFILE (limits, not allocations: our fds stay
 * below 64, the fd table never grows), ENOSPC (the importer's cap of MRs
 * per fd), EINTR (no signal comes), ENODEV (nothing is revoked then).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"

#define NTH_MAX		2000	/* far beyond any of these operations */
#define MAX_BUFS	64
#define NSEGS		8
#define DMA_API_DISABLED "/sys/kernel/debug/dma-api/disabled"

/* Read in main(); every teardown puts them back. */
static struct p2p_fault_attrs saved_attrs;
static bool attrs_saved;
static char attrs_err[512];

struct ffix {
	struct tdev t;
	int fn;			/* our thread's fail-nth */
	int imp;		/* the importer, -1 if the case needs none */
	int dma_api_off;	/* dma-api/disabled at the start; -1: no DMA-API debugging */
	bool bufinfo;		/* dma_buf/bufinfo readable */
	int guard_fd;		/* guard_hold() */
	uint32_t guard_h;
};

/* What one loop saw. */
struct nth_stat {
	const char *what;
	unsigned int calls;	/* injectable calls of the operation, last time */
	unsigned int failed;	/* ENOMEM */
	unsigned int absorbed;	/* injected, and yet success */
};

/* 1 if DMA-API debugging switched itself off, 0 if not, -1 if there is none. */
static int dma_api_disabled(void)
{
	char buf[8];

	if (p2p_read_file(DMA_API_DISABLED, buf, sizeof(buf)) < 0)
		return -1;
	return buf[0] == 'Y';
}

static void ffix_open(struct ffix *f, bool importer)
{
	memset(f, 0, sizeof(*f));
	f->imp = importer ? t_need_importer() : -1;
	f->guard_fd = -1;
	t_open_main(&f->t);
	t_need_debugfs();
	if (!attrs_saved)
		FAIL("fault-injection attributes: %s", attrs_err);
	if (p2p_fault_attrs_apply())
		FAIL("%s", p2p_last_error());
	f->fn = p2p_failnth_open();
	if (f->fn < 0)
		FAIL("%s", p2p_last_error());
	f->dma_api_off = dma_api_disabled();
	if (f->dma_api_off == 1)
		tap_diag("DMA-API debugging was off before this case");
	f->bufinfo = p2p_bufinfo_list(NULL, 0) >= 0;
	if (!f->bufinfo)
		tap_diag("no dma_buf/bufinfo (%s): attachments not counted", p2p_last_error());
}

static void ffix_close(struct ffix *f)
{
	if (!f->dma_api_off && dma_api_disabled() == 1)
		FAIL("DMA-API debugging switched itself off during this case (an injected "
		     "failure in its own bookkeeping, see guard_hold()): every later "
		     "DMA-API check of this boot is void");
}

/*
 * DMA-API debugging tracks the first cacheline of each mapping in a radix
 * tree keyed by physical address, and allocates its nodes GFP_ATOMIC: one
 * failed there and it switches itself off for the rest of the boot
 * ("cacheline tracking ENOMEM, dma-debug disabled"), quietly voiding every
 * later DMA-API check. A mapping of the same BAR page held throughout (a
 * buffer and an MR of its own) keeps that path of the tree in place: the
 * mappings under test then only count as overlaps, which allocates
 * nothing. Two at a time, well below its limit of 7 overlaps.
 */
static void guard_hold(struct ffix *f)
{
	f->guard_fd = t_create_pages(&f->t, 0, 1);
	ASSERT_OK(p2p_imp_reg(f->imp, f->guard_fd, 0, f->t.page, 0, P2P_MR_ACCESS_ALL,
			      &f->guard_h));
}

/* A revoke unmapped the guard too: map it again, fail-nth unarmed. */
static void guard_remap(struct ffix *f)
{
	struct p2p_dma_seg segs[NSEGS];
	uint32_t n;

	ASSERT_OK(p2p_imp_check(f->imp, f->guard_h, 0, f->t.page, segs, NSEGS, &n));
}

/*
 * One ioctl with its @n-th injectable call failed. An injected fault may
 * end in success or ENOMEM; anything else fails the case, and so does a
 * failure with nothing injected. *@injected false: the loop is done.
 */
static int run_nth(struct ffix *f, struct nth_stat *s, unsigned int n, int fd,
		   unsigned long req, void *arg, bool *injected)
{
	int ret;

	if (n > NTH_MAX)
		FAIL("%s: a fault was still injected at N=%u", s->what, n - 1);
	if (p2p_failnth_ioctl(f->fn, n, fd, req, arg, &ret, injected))
		FAIL("%s: %s", s->what, p2p_last_error());
	if (ret < 0 && (!*injected || ret != -ENOMEM))
		FAIL("%s, N=%u%s: %s, want %s", s->what, n,
		     *injected ? "" : " (nothing injected)", tap_errname(ret),
		     *injected ? "success or ENOMEM" : "success");
	if (!*injected)
		s->calls = n - 1;
	else if (ret < 0)
		s->failed++;
	else
		s->absorbed++;
	return ret;
}

static void nth_done(const struct nth_stat *s)
{
	tap_diag("%s: %u injectable calls; failing each: %u ENOMEM, %u absorbed",
		 s->what, s->calls, s->failed, s->absorbed);
	/* Our own allocations are on each path: no ENOMEM, no fault reached them. */
	if (!s->failed)
		FAIL("%s: no injected failure made it fail", s->what);
}

static void stat_of(const struct ffix *f, uint64_t ino, struct p2p_buf_stat *st)
{
	if (p2p_buffer_stat(f->t.dev.bdf, ino, st))
		FAIL("%s", p2p_last_error());
}

/*
 * The buffer's counters after iteration @n against those before it:
 * attaches grew by @att_min..@att_max, maps by @maps, and @mapped
 * mappings are outstanding.
 */
static void expect_counts(unsigned int n, const struct p2p_buf_stat *prev,
			  const struct p2p_buf_stat *st, unsigned int att_min,
			  unsigned int att_max, unsigned int maps, unsigned int mapped)
{
	unsigned int att = st->attaches - prev->attaches;

	if (att < att_min || att > att_max || st->maps - prev->maps != maps ||
	    st->mapped != mapped)
		FAIL("N=%u: ino=%llu attaches %u -> %u (want +%u..%u), maps %u -> %u (want +%u), "
		     "mapped %u (want %u)", n, (unsigned long long)st->ino, prev->attaches,
		     st->attaches, att_min, att_max, prev->maps, st->maps, maps, st->mapped,
		     mapped);
}

/* No attachment of the importer left on @ino, as the dma-buf core counts them. */
static void expect_unattached(const struct ffix *f, unsigned int n, uint64_t ino)
{
	struct p2p_bufinfo *bi;
	int i, cnt, cap, att = -1;

	if (!f->bufinfo)
		return;
	cnt = p2p_bufinfo_list(NULL, 0);
	if (cnt < 0)
		FAIL("%s", p2p_last_error());
	cap = cnt + 16;
	bi = calloc(cap, sizeof(*bi));
	ASSERT_TRUE(bi);
	cnt = p2p_bufinfo_list(bi, cap);
	if (cnt < 0)
		FAIL("%s", p2p_last_error());
	for (i = 0; i < cnt && i < cap; i++)
		if (bi[i].ino == ino)
			att = bi[i].attached;
	free(bi);
	if (att < 0)
		FAIL("N=%u: dma_buf/bufinfo does not list ino=%llu", n, (unsigned long long)ino);
	if (att)
		FAIL("N=%u: ino=%llu still has %d attachment(s) (dma_buf/bufinfo)", n,
		     (unsigned long long)ino, att);
}

struct buf_set {
	uint64_t ino[MAX_BUFS];
	int n;
};

static void bufs_read(const char *bdf, struct buf_set *s)
{
	struct p2p_buf_stat st[MAX_BUFS];
	int i, n;

	n = p2p_buffers_list(bdf, st, MAX_BUFS);
	if (n < 0)
		FAIL("%s", p2p_last_error());
	if (n > MAX_BUFS)
		FAIL("%s lists %d buffers, more than this test follows (%d)", bdf, n, MAX_BUFS);
	for (i = 0; i < n; i++)
		s->ino[i] = st[i].ino;
	s->n = n;
}

/* Whatever @bdf lists now was listed in @before: nothing new stayed. */
static void expect_no_new_buffer(unsigned int n, const char *bdf, const struct buf_set *before)
{
	struct buf_set now;
	int i, j;

	bufs_read(bdf, &now);
	for (i = 0; i < now.n; i++) {
		for (j = 0; j < before->n && before->ino[j] != now.ino[i]; j++)
			;
		if (j == before->n)
			FAIL("N=%u: %s lists ino=%llu, which nobody holds", n, bdf,
			     (unsigned long long)now.ino[i]);
	}
}

/* VFIO_DEVICE_FEATURE(GET | DMA_BUF) over the BAR's first page, built up front. */
static struct vfio_device_feature *create_req_new(const struct tdev *t)
{
	struct vfio_device_feature_dma_buf *db;
	struct vfio_device_feature *feat;
	size_t len = sizeof(*feat) + sizeof(*db) + sizeof(db->dma_ranges[0]);

	feat = calloc(1, len);
	ASSERT_TRUE(feat);
	feat->argsz = len;
	feat->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	db = (void *)feat->data;
	db->region_index = t->bar;
	db->open_flags = O_RDWR | O_CLOEXEC;
	db->nr_ranges = 1;
	db->dma_ranges[0].offset = 0;
	db->dma_ranges[0].length = t->page;
	return feat;
}

/* Create: a buffer (listed, then released at close) or ENOMEM and no buffer. */
static void fail_nth_create(void)
{
	struct nth_stat s = { .what = "create" };
	struct vfio_device_feature *req;
	struct buf_set before;
	struct ffix f;
	unsigned int n;
	bool injected;
	int fd;

	ffix_open(&f, false);
	req = create_req_new(&f.t);
	bufs_read(f.t.dev.bdf, &before);
	for (n = 1;; n++) {
		fd = run_nth(&f, &s, n, f.t.dev.device, VFIO_DEVICE_FEATURE, req, &injected);
		if (fd >= 0) {
			if (!t_listed(f.t.dev.bdf, t_ino(fd)))
				FAIL("N=%u: the new buffer is not listed", n);
			ASSERT_SYSOK(close(fd));
		}
		/* close() ran the release; a failed create has nothing to release. */
		expect_no_new_buffer(n, f.t.dev.bdf, &before);
		if (!injected)
			break;
	}
	nth_done(&s);
	free(req);
	ffix_close(&f);
}

/*
 * REG_MR of @fd's one page with @flags, its Nth call failed, for each N:
 * registered (attached, mapped once, then DEREG unmaps and detaches) or
 * ENOMEM with no mapping and no attachment left.
 */
static void reg_loop(struct ffix *f, int fd, uint32_t flags, const char *what)
{
	struct nth_stat s = { .what = what };
	struct p2p_buf_stat prev, st;
	struct p2p_query_mr q;
	struct p2p_reg_mr req;
	unsigned int n;
	bool injected;
	uint64_t ino;
	int ret;

	ino = t_ino(fd);
	stat_of(f, ino, &prev);
	for (n = 1;; n++) {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.flags = flags;
		req.fd = fd;
		req.access = P2P_MR_ACCESS_ALL;
		req.length = f->t.page;
		ret = run_nth(f, &s, n, f->imp, P2P_IOC_REG_MR, &req, &injected);
		stat_of(f, ino, &st);
		if (!ret) {
			expect_counts(n, &prev, &st, 1, 1, 1, 1);
			ASSERT_OK(p2p_imp_query(f->imp, req.handle, &q));
			if (q.state != P2P_MR_STATE_MAPPED)
				FAIL("N=%u: MR %s after REG_MR", n, p2p_mr_state_name(q.state));
			ASSERT_OK(p2p_imp_dereg(f->imp, req.handle, 0));
			prev = st;
			stat_of(f, ino, &st);
			expect_counts(n, &prev, &st, 0, 0, 0, 0);
		} else {
			/* An attach may have come and gone; no map stayed. */
			expect_counts(n, &prev, &st, 0, 1, 0, 0);
		}
		expect_unattached(f, n, ino);
		prev = st;
		if (!injected)
			break;
	}
	nth_done(&s);
}

static void fail_nth_reg_mr(void)
{
	struct ffix f;
	int fd;

	ffix_open(&f, true);
	guard_hold(&f);
	fd = t_create_pages(&f.t, 0, 1);
	reg_loop(&f, fd, 0, "REG_MR");
	close(fd);
	ffix_close(&f);
}

/*
 * An MR invalidated by a revoke and unrevoke, then CHECK (which maps it
 * again) with its Nth call failed: mapped, or ENOMEM with the MR still
 * invalidated (or mapped, when only the segment array failed), and then a
 * plain CHECK maps it: the failure did not wedge it.
 */
static void fail_nth_remap(void)
{
	struct nth_stat s = { .what = "remap (CHECK)" };
	struct p2p_dma_seg segs[NSEGS];
	struct p2p_buf_stat prev, st;
	struct p2p_access_mr req;
	struct p2p_query_mr q;
	uint64_t ino, gen;
	unsigned int n;
	bool injected;
	uint32_t h, cnt;
	struct ffix f;
	int fd, ret;

	ffix_open(&f, true);
	guard_hold(&f);
	fd = t_create_pages(&f.t, 0, 1);
	ino = t_ino(fd);
	ASSERT_OK(p2p_imp_reg(f.imp, fd, 0, f.t.page, 0, P2P_MR_ACCESS_ALL, &h));
	for (n = 1;; n++) {
		ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, true));
		ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, false));
		ASSERT_OK(p2p_imp_query(f.imp, h, &q));
		if (q.state != P2P_MR_STATE_INVALIDATED)
			FAIL("N=%u: MR %s after revoke and unrevoke", n,
			     p2p_mr_state_name(q.state));
		gen = q.generation;
		stat_of(&f, ino, &prev);
		if (prev.mapped)
			FAIL("N=%u: still mapped %u time(s) after revoke", n, prev.mapped);
		guard_remap(&f);

		memset(segs, 0, sizeof(segs));
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.handle = h;
		req.op = P2P_ACCESS_CHECK;
		req.count = NSEGS;
		req.length = f.t.page;
		req.user_ptr = (uintptr_t)segs;
		ret = run_nth(&f, &s, n, f.imp, P2P_IOC_ACCESS_MR, &req, &injected);
		ASSERT_OK(p2p_imp_query(f.imp, h, &q));
		stat_of(&f, ino, &st);
		if (ret) {
			bool mapped = q.state == P2P_MR_STATE_MAPPED;

			if (!mapped && q.state != P2P_MR_STATE_INVALIDATED)
				FAIL("N=%u: MR %s after a failed remap", n,
				     p2p_mr_state_name(q.state));
			expect_counts(n, &prev, &st, 0, 0, mapped, mapped);
			/* Not wedged: a plain access maps it. */
			ASSERT_OK(p2p_imp_check(f.imp, h, 0, f.t.page, segs, NSEGS, &cnt));
			ASSERT_OK(p2p_imp_query(f.imp, h, &q));
			stat_of(&f, ino, &st);
		}
		if (q.state != P2P_MR_STATE_MAPPED || q.generation != gen + 1)
			FAIL("N=%u: MR %s, generation %llu -> %llu (want mapped, +1)", n,
			     p2p_mr_state_name(q.state), (unsigned long long)gen,
			     (unsigned long long)q.generation);
		expect_counts(n, &prev, &st, 0, 0, 1, 1);
		if (!injected)
			break;
	}
	nth_done(&s);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	close(fd);
	ffix_close(&f);
}

/* REG_MR with P2P_MR_EDU: attached and mapped for the edu DMA engine. */
static void fail_nth_edu_reg(void)
{
	char edu[P2P_BDF_LEN];
	struct ffix f;
	uint32_t h;
	int fd, ret;

	ffix_open(&f, true);
	if (p2p_imp_edu_device(edu))
		SKIP("no edu DMA engine bound to the importer: %s", p2p_last_error());
	guard_hold(&f);
	fd = t_create_pages(&f.t, 0, 1);
	/* As importer_edu does: QEMU's host bridge is not on the P2P whitelist. */
	ret = p2p_imp_reg(f.imp, fd, 0, f.t.page, P2P_MR_EDU, P2P_MR_ACCESS_ALL, &h);
	if (ret == -EOPNOTSUPP) {
		tap_diag("exporter refused edu (no P2P path by pci_p2pdma_distance): skip_p2p_distance=1");
		t_set_knob(NULL, "skip_p2p_distance", 1);
		ret = p2p_imp_reg(f.imp, fd, 0, f.t.page, P2P_MR_EDU, P2P_MR_ACCESS_ALL, &h);
	}
	ASSERT_OK(ret);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	tap_diag("edu %s", edu);
	reg_loop(&f, fd, P2P_MR_EDU, "REG_MR(P2P_MR_EDU)");
	close(fd);
	ffix_close(&f);
}

/* Each loop is a few hundred ioctls; 4 x 60 s stays inside the rig's 300 s per binary. */
static const struct tap_case cases[] = {
	TAP_CASE_T(fail_nth_create, 60),
	TAP_CASE_T(fail_nth_reg_mr, 60),
	TAP_CASE_T(fail_nth_remap, 60),
	TAP_CASE_T(fail_nth_edu_reg, 60),
};

static void teardown(void)
{
	t_reset_knobs();
	if (attrs_saved)
		p2p_fault_attrs_restore(&saved_attrs);
}

int main(int argc, char **argv)
{
	int ret;

	if (!tap_listing(argc, argv)) {
		/* Mounts debugfs if nobody did; the exporter's absence is the cases' business. */
		p2p_debugfs_ensure();
		ret = p2p_fault_attrs_save(&saved_attrs);
		if (ret == -ENOENT)
			tap_skip_all("%s", p2p_last_error());
		if (access(P2P_FAILNTH_PATH, F_OK))
			tap_skip_all("no " P2P_FAILNTH_PATH " (kernel without CONFIG_FAULT_INJECTION)");
		/* It would fail the copy_to_user() of our own read-back too. */
		if (!access(P2P_FAULT_DEBUGFS "/fail_usercopy", F_OK))
			tap_skip_all("kernel with CONFIG_FAULT_INJECTION_USERCOPY: fail-nth "
				     "read-backs are not reliable there");
		attrs_saved = !ret;
		if (ret)
			snprintf(attrs_err, sizeof(attrs_err), "%s", p2p_last_error());
	}
	tap_set_teardown(teardown);
	ret = tap_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
	if (attrs_saved)
		p2p_fault_attrs_restore(&saved_attrs);
	return ret;
}
