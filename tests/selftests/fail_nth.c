// SPDX-License-Identifier: GPL-2.0
/*
 * fail_nth: every allocation on the paths that create a buffer, attach and
 * map it for an importer (REG_MR), map it again after a revoke (an
 * ACCESS_MR CHECK), and access an MR (ACCESS_MR READ/WRITE through the edu
 * DMA engine or the CPU, CHECK on a mapped MR), failed once in turn with
 * the kernel's per-task fail-nth: N = 1, 2, ... until the operation makes
 * fewer than N fault-injectable calls. Every N must end in success or
 * ENOMEM, without a kernel splat, and leave nothing behind: no buffer on
 * the exporter's list but those we hold, no mapping, no attachment, no MR
 * that cannot map again, no data half written or half read out. The rig
 * scans kmemleak at the end of the boot.
 *
 * fail-nth counts every injectable call of our thread, not only ours: the
 * dma-buf core's and vfio's, and the bookkeeping of kmemleak, KASAN's stack
 * depot, the xarray and the IOVA allocator, which absorb a failure (a
 * fallback pool, a retry), as do a slab's own pages of order >= 1 (SLUB
 * falls back to its minimum order): an injected fault may well end in
 * success. It counts nothing a kthread does for us (a deferred release, an
 * IOTLB flush). Only slab allocations and pages of order >= 1 are failed
 * (see lib/fault_attr.c), DMA-API debugging's own is kept out of reach
 * (see guard_hold()), and so is everything under dma_buf_vmap() (below).
 *
 * ENOMEM is the only errno accepted: each injectable call on these paths is
 * a slab or page allocation whose failure comes back as -ENOMEM, in the
 * dma-buf core (the anon inode, dentry and file, struct dma_buf, the
 * attachment), in our exporter (the copied ranges, the buffer, the
 * attachment's contract record, the sg_table and its entries; a failed
 * dma_map_resource() would be -ENOMEM too, by dma_mapping_error()), in
 * udmabuf (on a buffer's first CPU access, its CPU-sync sg_table and the
 * table's entries; the dma_map_sgtable() of its misc device is dma-direct
 * and allocates nothing), and in the importer (the handle's xarray node,
 * the MR, the per-buffer CPU lock, the CHECK's segment array, the
 * READ/WRITE bounce buffer). Not accepted: EFAULT (this kernel has no
 * FAULT_INJECTION_USERCOPY, and we touch every user byte an ioctl uses
 * before arming), EMFILE/ENFILE (limits, not allocations: our fds stay
 * below 64, the fd table never grows), ENOSPC (the importer's cap of MRs
 * per fd; CHECK's array has room), EINTR (no signal comes), ENODEV
 * (nothing is revoked then), EIO (the edu engine refusing or timing out a
 * transfer: not an allocation).
 *
 * ACCESS_MR, traced (importer/ioctl.c, access.c, edu.c). Common to all:
 * copying the struct in and out (user memory touched before), the handle's
 * lookup (xa_load under its lock) and the reference dropped after (never
 * the last) allocate nothing.
 * - READ/WRITE, edu MR: the bounce buffer, kvmalloc(RW_LEN) (no vmalloc
 *   fallback at PAGE_SIZE or less: -ENOMEM). Then nothing: the engine's
 *   mutex, its coherent buffer (allocated at probe), MMIO and polling
 *   (usleep_range), the resv, p2p_imp_mr_map_locked() on a mapped MR (it
 *   returns at once), the segment lookup, the in-flight count. All before
 *   the first byte moves, so ENOMEM leaves the memory as it was.
 * - READ/WRITE, CPU (a udmabuf): the bounce buffer; the buffer's first
 *   dma_buf_begin_cpu_access() (udmabuf builds its CPU-sync sg_table then:
 *   -ENOMEM, and the importer returns without end_cpu_access); the resv
 *   and p2p_imp_mr_map_locked() as above; then dma_buf_vmap(): udmabuf's
 *   vmap allocates (a page array, and vm_map_ram()'s vmap block, area and
 *   xarray node) and fails with -ENOMEM or, from vm_map_ram(), -EINVAL;
 *   but the dma-buf core meets any exporter vmap failure with
 *   WARN_ON_ONCE(), a splat that fails the boot. So that case sets the
 *   stacktrace filter's reject range to dma_buf_vmap()'s text, which
 *   fail-nth then neither fails nor counts, and skips without the filter
 *   (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER); EINVAL is not accepted.
 *   Again all before the first byte moves. vunmap and end_cpu_access
 *   allocate nothing.
 * - CHECK on a mapped MR: the segment array, kvmalloc_array() (-ENOMEM);
 *   the copy-out only follows success.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "harness.h"

#define NTH_MAX		2000	/* far beyond any of these operations */
#define MAX_BUFS	64
#define NSEGS		8
#define DMA_API_DISABLED "/sys/kernel/debug/dma-api/disabled"
#define RW_LEN		4096	/* READ/WRITE: one bounce chunk, two edu chunks */
#define RW_POISON	0xa5

/* Read in main(); every fixture setup and teardown puts them back. */
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
		T_FAIL("fault-injection attributes: %s", attrs_err);
	if (p2p_fault_attrs_apply())
		T_FAIL("%s", p2p_last_error());
	f->fn = p2p_failnth_open();
	if (f->fn < 0)
		T_FAIL("%s", p2p_last_error());
	f->dma_api_off = dma_api_disabled();
	if (f->dma_api_off == 1)
		t_diag("DMA-API debugging was off before this case");
	f->bufinfo = p2p_bufinfo_list(NULL, 0) >= 0;
	if (!f->bufinfo)
		t_diag("no dma_buf/bufinfo (%s): attachments not counted", p2p_last_error());
}

static void ffix_close(struct ffix *f)
{
	if (!f->dma_api_off && dma_api_disabled() == 1)
		T_FAIL("DMA-API debugging switched itself off during this case (an injected "
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
		T_FAIL("%s: a fault was still injected at N=%u", s->what, n - 1);
	if (p2p_failnth_ioctl(f->fn, n, fd, req, arg, &ret, injected))
		T_FAIL("%s: %s", s->what, p2p_last_error());
	if (ret < 0 && (!*injected || ret != -ENOMEM))
		T_FAIL("%s, N=%u%s: %s, want %s", s->what, n,
		       *injected ? "" : " (nothing injected)", t_errname(ret),
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
	t_diag("%s: %u injectable calls; failing each: %u ENOMEM, %u absorbed",
	       s->what, s->calls, s->failed, s->absorbed);
	/* Our own allocations are on each path: no ENOMEM, no fault reached them. */
	if (!s->failed)
		T_FAIL("%s: no injected failure made it fail", s->what);
}

static void stat_of(const struct ffix *f, uint64_t ino, struct p2p_buf_stat *st)
{
	if (p2p_buffer_stat(f->t.dev.bdf, ino, st))
		T_FAIL("%s", p2p_last_error());
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
		T_FAIL("N=%u: ino=%llu attaches %u -> %u (want +%u..%u), maps %u -> %u (want +%u), "
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
		T_FAIL("%s", p2p_last_error());
	cap = cnt + 16;
	bi = calloc(cap, sizeof(*bi));
	ASSERT_TRUE(bi);
	cnt = p2p_bufinfo_list(bi, cap);
	if (cnt < 0)
		T_FAIL("%s", p2p_last_error());
	for (i = 0; i < cnt && i < cap; i++)
		if (bi[i].ino == ino)
			att = bi[i].attached;
	free(bi);
	if (att < 0)
		T_FAIL("N=%u: dma_buf/bufinfo does not list ino=%llu", n, (unsigned long long)ino);
	if (att)
		T_FAIL("N=%u: ino=%llu still has %d attachment(s) (dma_buf/bufinfo)", n,
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
		T_FAIL("%s", p2p_last_error());
	if (n > MAX_BUFS)
		T_FAIL("%s lists %d buffers, more than this test follows (%d)", bdf, n, MAX_BUFS);
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
			T_FAIL("N=%u: %s lists ino=%llu, which nobody holds", n, bdf,
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
				T_FAIL("N=%u: the new buffer is not listed", n);
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
				T_FAIL("N=%u: MR %s after REG_MR", n, p2p_mr_state_name(q.state));
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
			T_FAIL("N=%u: MR %s after revoke and unrevoke", n,
			       p2p_mr_state_name(q.state));
		gen = q.generation;
		stat_of(&f, ino, &prev);
		if (prev.mapped)
			T_FAIL("N=%u: still mapped %u time(s) after revoke", n, prev.mapped);
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
				T_FAIL("N=%u: MR %s after a failed remap", n,
				       p2p_mr_state_name(q.state));
			expect_counts(n, &prev, &st, 0, 0, mapped, mapped);
			/* Not wedged: a plain access maps it. */
			ASSERT_OK(p2p_imp_check(f.imp, h, 0, f.t.page, segs, NSEGS, &cnt));
			ASSERT_OK(p2p_imp_query(f.imp, h, &q));
			stat_of(&f, ino, &st);
		}
		if (q.state != P2P_MR_STATE_MAPPED || q.generation != gen + 1)
			T_FAIL("N=%u: MR %s, generation %llu -> %llu (want mapped, +1)", n,
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

/* REG_MR of @fd's one page with P2P_MR_EDU, fail-nth unarmed. */
static int edu_reg(struct ffix *f, int fd, uint32_t *h)
{
	bool skipped;
	int ret;

	ret = p2p_imp_reg_edu(f->imp, fd, 0, f->t.page, P2P_MR_ACCESS_ALL, true, h, &skipped);
	if (skipped)
		t_diag("exporter refused edu (no P2P path by pci_p2pdma_distance): skip_p2p_distance=1");
	return ret;
}

/* REG_MR with P2P_MR_EDU: attached and mapped for the edu DMA engine. */
static void fail_nth_edu_reg(void)
{
	char edu[P2P_BDF_LEN];
	struct ffix f;
	uint32_t h;
	int fd;

	ffix_open(&f, true);
	if (p2p_imp_edu_device(edu))
		T_SKIP("no edu DMA engine bound to the importer: %s", p2p_last_error());
	guard_hold(&f);
	fd = t_create_pages(&f.t, 0, 1);
	ASSERT_OK(edu_reg(&f, fd, &h));
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	t_diag("edu %s", edu);
	reg_loop(&f, fd, P2P_MR_EDU, "REG_MR(P2P_MR_EDU)");
	close(fd);
	ffix_close(&f);
}

/*
 * An MR that READ/WRITE go through, and the memory behind its first RW_LEN
 * bytes as the CPU sees it (the BAR through vfio's mmap, the memfd behind a
 * udmabuf): what an ioctl reports is checked against the memory itself.
 */
struct rw_mr {
	uint32_t h;
	uint64_t gen;		/* its generation once registered */
	uint64_t ino;		/* our exporter's buffer, counters checked; 0: not ours */
	int fd;			/* the dma-buf */
	void *map;		/* a mapping of map_len bytes, @view into it */
	size_t map_len;
	volatile uint8_t *view;
	/* Before each N: the MR to use, holding @prev. NULL: one MR throughout. */
	void (*renew)(struct ffix *f, struct rw_mr *m, const uint8_t *prev);
};

/* What WRITE number @seed puts in: unlike the seed before it, never all RW_POISON. */
static void pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + seed * 17 + (i >> 9) + 1);
}

/* Byte by byte: @view may be a BAR. */
static void view_put(volatile uint8_t *view, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		view[i] = p[i];
}

/* @got must hold @want; the first byte that does not is reported. */
static void bytes_expect(unsigned int n, const char *what, const volatile uint8_t *got,
			 const uint8_t *want, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			T_FAIL("N=%u: %s: byte %zu is 0x%02x, want 0x%02x", n, what, i, got[i],
			       want[i]);
}

static void access_req(struct p2p_access_mr *req, uint32_t h, uint32_t op, void *buf,
		       uint32_t count, uint64_t len)
{
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->handle = h;
	req->op = op;
	req->count = count;
	req->length = len;
	req->user_ptr = (uintptr_t)buf;
}

/* Mapped, and never remapped since @gen: a failure did not cost the mapping. */
static void expect_mapped(const struct ffix *f, unsigned int n, uint32_t h, uint64_t gen)
{
	struct p2p_query_mr q;

	ASSERT_OK(p2p_imp_query(f->imp, h, &q));
	if (q.state != P2P_MR_STATE_MAPPED || q.generation != gen)
		T_FAIL("N=%u: MR %s, generation %llu -> %llu (want mapped, unchanged)", n,
		       p2p_mr_state_name(q.state), (unsigned long long)gen,
		       (unsigned long long)q.generation);
}

static uint64_t mapped_gen(const struct ffix *f, uint32_t h)
{
	struct p2p_query_mr q;

	ASSERT_OK(p2p_imp_query(f->imp, h, &q));
	if (q.state != P2P_MR_STATE_MAPPED)
		T_FAIL("MR %s after REG_MR", p2p_mr_state_name(q.state));
	return q.generation;
}

/*
 * WRITE then READ of the MR's first RW_LEN bytes, each with its Nth call
 * failed, for each N until neither makes N calls (from then on the one
 * done runs plain). WRITE number N puts in pattern N: on success the
 * memory holds it; on ENOMEM it still holds pattern N-1, every byte (each
 * failure point is before the first byte moves, see the top of the file),
 * and a plain WRITE then succeeds. READ, on success, returns pattern N; on
 * ENOMEM it copied nothing out (one bounce chunk: the copy-out follows the
 * whole transfer), and a plain READ then succeeds. The MR stays mapped,
 * never remapped, and (our exporter's buffer) no mapping comes or goes.
 * At the end a READ returns the last pattern written.
 */
static void rw_loop(struct ffix *f, struct rw_mr *m, const char *wwhat, const char *rwhat)
{
	struct nth_stat ws = { .what = wwhat }, rs = { .what = rwhat };
	uint8_t prev[RW_LEN], want[RW_LEN], out[RW_LEN], poison[RW_LEN];
	bool wdone = false, rdone = false, injected;
	struct p2p_buf_stat pst, st;
	struct p2p_access_mr req;
	unsigned int n;
	int ret;

	memset(poison, RW_POISON, RW_LEN);
	pattern(prev, RW_LEN, 0);
	if (!m->renew)
		view_put(m->view, prev, RW_LEN);
	for (n = 1; !wdone || !rdone; n++) {
		if (m->renew)
			m->renew(f, m, prev);
		if (m->ino)
			stat_of(f, m->ino, &pst);

		pattern(want, RW_LEN, n);
		if (wdone) {
			ASSERT_OK(p2p_imp_write(f->imp, m->h, 0, want, RW_LEN));
		} else {
			access_req(&req, m->h, P2P_ACCESS_WRITE, want, 0, RW_LEN);
			ret = run_nth(f, &ws, n, f->imp, P2P_IOC_ACCESS_MR, &req, &injected);
			wdone = !injected;
			if (ret) {
				bytes_expect(n, "memory after a failed WRITE", m->view, prev,
					     RW_LEN);
				/* Not wedged: a plain WRITE goes through. */
				ASSERT_OK(p2p_imp_write(f->imp, m->h, 0, want, RW_LEN));
			}
		}
		bytes_expect(n, "memory after WRITE", m->view, want, RW_LEN);
		memcpy(prev, want, RW_LEN);

		memset(out, RW_POISON, RW_LEN);
		if (rdone) {
			ASSERT_OK(p2p_imp_read(f->imp, m->h, 0, out, RW_LEN));
		} else {
			access_req(&req, m->h, P2P_ACCESS_READ, out, 0, RW_LEN);
			ret = run_nth(f, &rs, n, f->imp, P2P_IOC_ACCESS_MR, &req, &injected);
			rdone = !injected;
			if (ret) {
				bytes_expect(n, "user buffer after a failed READ", out, poison,
					     RW_LEN);
				ASSERT_OK(p2p_imp_read(f->imp, m->h, 0, out, RW_LEN));
			}
		}
		bytes_expect(n, "READ", out, want, RW_LEN);

		expect_mapped(f, n, m->h, m->gen);
		if (m->ino) {
			stat_of(f, m->ino, &st);
			expect_counts(n, &pst, &st, 0, 0, 0, 1);
		}
	}
	nth_done(&ws);
	nth_done(&rs);
	/* Nothing half-applied was reported as done: the last pattern is what is there. */
	memset(out, RW_POISON, RW_LEN);
	ASSERT_OK(p2p_imp_read(f->imp, m->h, 0, out, RW_LEN));
	bytes_expect(n - 1, "READ after the loop", out, prev, RW_LEN);
	bytes_expect(n - 1, "memory after the loop", m->view, prev, RW_LEN);
}

/*
 * READ/WRITE of an edu MR on one of our exporter's buffers: the engine
 * moves the data between its coherent bounce buffer and the BAR, by the
 * DMA address the MR was mapped at when registered (unarmed). Nothing maps
 * on this path while the MR stays mapped, which rw_loop checks; the guard
 * is held anyway, as p2p_imp_mr_map_locked() is on it.
 */
static void fail_nth_access_edu(void)
{
	struct rw_mr m = { .fd = -1 };
	char edu[P2P_BDF_LEN];
	struct ffix f;
	void *p;

	ffix_open(&f, true);
	if (p2p_imp_edu_device(edu))
		T_SKIP("no edu DMA engine bound to the importer: %s", p2p_last_error());
	ASSERT_GE(f.t.page, RW_LEN);
	guard_hold(&f);
	m.fd = t_create_pages(&f.t, 0, 1);
	m.ino = t_ino(m.fd);
	ASSERT_OK(p2p_bar_mmap(&f.t.dev, f.t.bar, 0, f.t.page, PROT_READ | PROT_WRITE, &p));
	m.map = p;
	m.map_len = f.t.page;
	m.view = p;
	ASSERT_OK(edu_reg(&f, m.fd, &m.h));
	m.gen = mapped_gen(&f, m.h);
	t_diag("edu %s", edu);
	rw_loop(&f, &m, "WRITE(edu)", "READ(edu)");
	ASSERT_OK(p2p_imp_dereg(f.imp, m.h, 0));
	munmap(m.map, m.map_len);
	close(m.fd);
	ffix_close(&f);
}

/*
 * A fresh udmabuf of one page for each N, over a sealed memfd whose pages
 * @prev goes into, and an MR on it (fail-nth unarmed). Fresh, so that the
 * WRITE under test is the buffer's first CPU access: udmabuf builds its
 * CPU-sync sg_table and maps it then.
 */
static void udmabuf_renew(struct ffix *f, struct rw_mr *m, const uint8_t *prev)
{
	size_t size = p2p_page_size();
	int memfd;
	void *p;

	if (m->fd >= 0) {
		ASSERT_OK(p2p_imp_dereg(f->imp, m->h, 0));
		ASSERT_SYSOK(munmap(m->map, m->map_len));
		ASSERT_SYSOK(close(m->fd));
		m->fd = -1;
	}
	m->fd = t_udmabuf(size, &memfd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	close(memfd);
	m->map = p;
	m->map_len = size;
	m->view = p;
	view_put(m->view, prev, RW_LEN);
	ASSERT_OK(p2p_imp_reg(f->imp, m->fd, 0, size, 0, P2P_MR_ACCESS_ALL, &m->h));
	m->gen = mapped_gen(f, m->h);
}

/*
 * READ/WRITE of an MR on a udmabuf: the CPU path, through
 * dma_buf_begin_cpu_access() and the exporter's vmap. dma_buf_vmap() is
 * kept out of reach (see the top of the file), which takes the stacktrace
 * filter. The DMA-API guard here is the MR itself: REG_MR mapped the page
 * for the importer's device, so udmabuf's CPU-sync mapping of it, under
 * fail-nth, only counts as an overlap.
 */
static void fail_nth_access_cpu(void)
{
	struct rw_mr m = { .fd = -1, .renew = udmabuf_renew };
	uint64_t start, end;
	struct ffix f;

	ffix_open(&f, true);
	if (access("/dev/udmabuf", F_OK))
		T_SKIP("no /dev/udmabuf (CONFIG_UDMABUF off): no page-backed exporter for the "
		       "CPU path");
	if (!saved_attrs.has_reject)
		T_SKIP("kernel without CONFIG_FAULT_INJECTION_STACKTRACE_FILTER: a failure "
		       "injected under udmabuf's vmap would make dma_buf_vmap() WARN");
	ASSERT_GE(p2p_page_size(), RW_LEN);
	if (p2p_ksym_range(NULL, "dma_buf_vmap", &start, &end))
		T_FAIL("%s", p2p_last_error());
	ASSERT_OK(p2p_fault_reject(start, end));
	t_diag("dma_buf_vmap at 0x%llx..0x%llx: nothing under it fails or counts",
	       (unsigned long long)start, (unsigned long long)end);
	rw_loop(&f, &m, "WRITE(udmabuf)", "READ(udmabuf)");
	ASSERT_OK(p2p_imp_dereg(f.imp, m.h, 0));
	munmap(m.map, m.map_len);
	close(m.fd);
	ffix_close(&f);
}

/*
 * CHECK on a mapped MR, its Nth call failed: the segments and their count
 * (those of a plain CHECK before, nothing written past them), or ENOMEM
 * with nothing written back, not even the count, and then a plain CHECK
 * succeeds. Either way the MR stays mapped, is not remapped, and no
 * mapping comes or goes.
 */
static void fail_nth_access_check(void)
{
	struct p2p_dma_seg ref[NSEGS], segs[NSEGS], poison[NSEGS];
	struct nth_stat s = { .what = "CHECK" };
	struct p2p_buf_stat prev, st;
	struct p2p_access_mr req;
	uint32_t h, nref, cnt;
	uint64_t ino, gen;
	unsigned int n;
	bool injected;
	struct ffix f;
	int fd, ret;

	ffix_open(&f, true);
	guard_hold(&f);
	fd = t_create_pages(&f.t, 0, 1);
	ino = t_ino(fd);
	ASSERT_OK(p2p_imp_reg(f.imp, fd, 0, f.t.page, 0, P2P_MR_ACCESS_ALL, &h));
	gen = mapped_gen(&f, h);
	ASSERT_OK(p2p_imp_check(f.imp, h, 0, f.t.page, ref, NSEGS, &nref));
	memset(poison, RW_POISON, sizeof(poison));
	for (n = 1;; n++) {
		stat_of(&f, ino, &prev);
		memcpy(segs, poison, sizeof(segs));
		access_req(&req, h, P2P_ACCESS_CHECK, segs, NSEGS, f.t.page);
		ret = run_nth(&f, &s, n, f.imp, P2P_IOC_ACCESS_MR, &req, &injected);
		if (ret) {
			if (req.count != NSEGS || memcmp(segs, poison, sizeof(segs)))
				T_FAIL("N=%u: a failed CHECK wrote back (count %u)", n, req.count);
			/* Not wedged: a plain CHECK goes through. */
			ASSERT_OK(p2p_imp_check(f.imp, h, 0, f.t.page, segs, NSEGS, &cnt));
			req.count = cnt;
		}
		if (req.count != nref || memcmp(segs, ref, nref * sizeof(ref[0])) ||
		    memcmp(segs + nref, poison, (NSEGS - nref) * sizeof(segs[0])))
			T_FAIL("N=%u: %u segment(s), want the %u of the mapping and nothing "
			       "past them", n, req.count, nref);
		expect_mapped(&f, n, h, gen);
		stat_of(&f, ino, &st);
		expect_counts(n, &prev, &st, 0, 0, 0, 1);
		if (!injected)
			break;
	}
	nth_done(&s);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	close(fd);
	ffix_close(&f);
}

/*
 * Each of the first four loops is a few hundred ioctls; the ACCESS loops a
 * few dozen, edu's at ~0.4 s per 4 KiB transfer. 4 x 60 + 20 + 2 x 10 s
 * stays inside the rig's 300 s per binary.
 */
/*
 * mmap(2) of a buffer with its Nth injectable call failed (the VMA and the
 * mm's bookkeeping; our mmap op allocates nothing): a working mapping, or
 * ENOMEM and no mapping, and either way the buffer's close releases it.
 */
static void fail_nth_mmap(void)
{
	struct nth_stat s = { .what = "mmap" };
	struct ffix f;
	unsigned int n, left;
	uint64_t ino;
	int fd, err;
	void *p;

	ffix_open(&f, false);
	for (n = 1;; n++) {
		if (n > NTH_MAX)
			T_FAIL("%s: a fault was still injected at N=%u", s.what, n - 1);
		fd = t_create_pages(&f.t, 0, 1);
		ino = t_ino(fd);
		if (p2p_failnth_arm(f.fn, n))
			T_FAIL("%s", p2p_last_error());
		p = mmap(NULL, f.t.page, PROT_READ, MAP_SHARED, fd, 0);
		err = errno;
		if (p2p_failnth_left(f.fn, &left) || p2p_failnth_arm(f.fn, 0))
			T_FAIL("%s", p2p_last_error());
		if (p == MAP_FAILED && (left || err != ENOMEM))
			T_FAIL("mmap, N=%u%s: %s, want %s", n, left ? " (nothing injected)" : "",
			       t_errname(err), left ? "success" : "success or ENOMEM");
		if (left)
			s.calls = n - 1;
		else if (p == MAP_FAILED)
			s.failed++;
		else
			s.absorbed++;
		if (p != MAP_FAILED) {
			/* The mapping works: the buffer is valid, no SIGBUS. */
			(void)*(volatile uint8_t *)p;
			ASSERT_SYSOK(munmap(p, f.t.page));
		}
		ASSERT_SYSOK(close(fd));
		if (t_listed(f.t.dev.bdf, ino))
			T_FAIL("N=%u: the buffer outlived its fd and its mapping", n);
		if (left)
			break;
	}
	nth_done(&s);
	ffix_close(&f);
}

/* The knobs and the fault-injection attributes back to rest. */
static void to_rest(void)
{
	t_reset_knobs();
	if (attrs_saved)
		p2p_fault_attrs_restore(&saved_attrs);
}

FIXTURE(dmabuf_p2p) {};

FIXTURE_SETUP(dmabuf_p2p)
{
	t_setup(_metadata);
	t_rest_before(to_rest);
}

FIXTURE_TEARDOWN_PARENT(dmabuf_p2p)
{
	t_rest_after(to_rest);
}

TEST_F_TIMEOUT(dmabuf_p2p, fail_nth_create, 60) { fail_nth_create(); }
TEST_F_TIMEOUT(dmabuf_p2p, fail_nth_reg_mr, 60) { fail_nth_reg_mr(); }
TEST_F_TIMEOUT(dmabuf_p2p, fail_nth_remap, 60) { fail_nth_remap(); }
TEST_F_TIMEOUT(dmabuf_p2p, fail_nth_edu_reg, 60) { fail_nth_edu_reg(); }
TEST_F(dmabuf_p2p, fail_nth_access_edu) { fail_nth_access_edu(); }
TEST_F_TIMEOUT(dmabuf_p2p, fail_nth_access_cpu, 10) { fail_nth_access_cpu(); }
TEST_F_TIMEOUT(dmabuf_p2p, fail_nth_access_check, 10) { fail_nth_access_check(); }
TEST_F(dmabuf_p2p, fail_nth_mmap) { fail_nth_mmap(); }

/* -l and -h only print: nothing to check, nothing to save for them. */
static bool only_prints(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

static pid_t harness_pid;

static void restore_attrs(void)
{
	if (getpid() == harness_pid && attrs_saved)
		p2p_fault_attrs_restore(&saved_attrs);
}

/*
 * Not TEST_HARNESS_MAIN: a kernel without fail-nth skips the whole program,
 * and the fault-injection attributes are saved once, before any test arms
 * them; every teardown puts them back, and so does the end of the run.
 */
int main(int argc, char **argv)
{
	const char *skip = NULL;
	int ret;

	if (!only_prints(argc, argv)) {
		/* Mounts debugfs if nobody did; the exporter's absence is the tests' business. */
		p2p_debugfs_ensure();
		ret = p2p_fault_attrs_save(&saved_attrs);
		if (ret == -ENOENT)
			skip = p2p_last_error();
		else if (access(P2P_FAILNTH_PATH, F_OK))
			skip = "no " P2P_FAILNTH_PATH " (kernel without CONFIG_FAULT_INJECTION)";
		/* It would fail the copy_to_user() of our own read-back too. */
		else if (!access(P2P_FAULT_DEBUGFS "/fail_usercopy", F_OK))
			skip = "kernel with CONFIG_FAULT_INJECTION_USERCOPY: fail-nth "
			       "read-backs are not reliable there";
		if (skip) {
			ksft_print_header();
			ksft_exit_skip("%s\n", skip);
		}
		attrs_saved = !ret;
		if (ret)
			snprintf(attrs_err, sizeof(attrs_err), "%s", p2p_last_error());
		harness_pid = getpid();
		atexit(restore_attrs);
	}
	return test_harness_run(argc, argv);
}
