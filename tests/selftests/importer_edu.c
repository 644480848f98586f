// SPDX-License-Identifier: GPL-2.0
/*
 * importer_edu: real peer-to-peer DMA in the VM. MRs registered with
 * P2P_MR_EDU attach for the importer's DMA engine (QEMU's edu device), so
 * our exporter maps its BAR for edu, and READ/WRITE move the data with
 * edu's engine: what a WRITE puts in must show up in the BAR through the
 * vfio mmap, and what is put in the BAR must come back through a READ.
 * Plus multi-range buffers, offsets inside them, a revoke racing transfers
 * in flight, (intel-iommu profile) the DMA address edu used being an IOVA
 * rather than the BAR's bus address, a signal cutting a long access short,
 * and edu unbound from the importer under live MRs (and bound again).
 *
 * edu moves 2 KiB per transfer, ~100 ms each (two transfers per chunk):
 * sizes here stay at a few KiB.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "edu_fix.h"
#include "harness.h"

/*
 * An MR over the buffer's pages 1..2 of 4, accessed at odd offsets and
 * lengths: inside a chunk, across a page and across chunks.
 */
static void edu_offsets_inside_buffer(void)
{
	static const struct { uint64_t off, len; } acc[] = {
		{ 100, 300 }, { 4096 - 1000, 2500 }, { 2047, 2 }, { 8192 - 5, 5 },
	};
	uint64_t ps, mr_off;
	struct p2p_range r;
	uint8_t buf[4096], out[4096], *shadow;
	struct efix f;
	unsigned int i;
	uint32_t h;
	int fd;

	efix_open(&f);
	ps = f.t.page;
	if (ps != 4096)
		T_SKIP("offsets written for 4 KiB pages");
	fd = one_range(&f, 2, 4, &r);
	mr_off = ps;
	bar_set(&f, r.offset, 0, r.length);
	shadow = calloc(1, r.length);
	ASSERT_TRUE(shadow);
	h = edu_reg(&f, fd, mr_off, 2 * ps, P2P_MR_ACCESS_ALL);

	for (i = 0; i < sizeof(acc) / sizeof(acc[0]); i++) {
		fill(buf, acc[i].len, 10 + i);
		ASSERT_OK(p2p_imp_write(f.imp, h, acc[i].off, buf, acc[i].len));
		memcpy(shadow + mr_off + acc[i].off, buf, acc[i].len);
		/* The whole buffer: written bytes and nothing else changed. */
		bar_expect(&f, r.offset, shadow, r.length);
	}
	for (i = 0; i < sizeof(acc) / sizeof(acc[0]); i++) {
		memset(out, 0, sizeof(out));
		ASSERT_OK(p2p_imp_read(f.imp, h, acc[i].off, out, acc[i].len));
		ASSERT_EQ(memcmp(out, shadow + mr_off + acc[i].off, acc[i].len), 0);
	}
	/* And the MR's edges hold. */
	ASSERT_ERR(p2p_imp_write(f.imp, h, 2 * ps - 4, buf, 8), EINVAL);
	ASSERT_ERR(p2p_imp_read(f.imp, h, 2 * ps, out, 1), EINVAL);
	bar_expect(&f, r.offset, shadow, r.length);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	free(shadow);
	close(fd);
}

/*
 * A buffer of three BAR ranges out of order: chunks that straddle two
 * ranges go out as one transfer per DMA segment, each to the right place.
 */
static void edu_multi_range(void)
{
	struct p2p_range r[3];
	uint64_t ps, len, off, bar_off, run;
	uint8_t *buf, *out;
	struct efix f;
	uint32_t h;
	int fd;

	efix_open(&f);
	ps = f.t.page;
	r[0].offset = 5 * ps;
	r[0].length = ps;
	r[1].offset = 1 * ps;
	r[1].length = ps;
	r[2].offset = 3 * ps;
	r[2].length = 2 * ps;
	len = 4 * ps;
	fd = t_create(&f.t, r, 3);
	bar_set(&f, 0, 0x33, 7 * ps);
	h = edu_reg(&f, fd, 0, len, P2P_MR_ACCESS_ALL);
	buf = malloc(len);
	out = malloc(len);
	ASSERT_TRUE(buf && out);

	/* From 1 KiB before the first range's end to 1 KiB into the third. */
	fill(buf, len, 3);
	ASSERT_OK(p2p_imp_write(f.imp, h, ps - 1024, buf, ps + 2048));
	for (off = 0; off < ps + 2048; off += run) {
		ASSERT_OK(p2p_ranges_locate(r, 3, ps - 1024 + off, &bar_off, &run));
		if (run > ps + 2048 - off)
			run = ps + 2048 - off;
		t_diag("MR 0x%llx -> BAR 0x%llx, 0x%llx bytes",
		       (unsigned long long)(ps - 1024 + off), (unsigned long long)bar_off,
		       (unsigned long long)run);
		bar_expect(&f, bar_off, buf + off, run);
	}
	/* Untouched: page 0, the gaps, and the parts not written. */
	bar_expect_byte(&f, 0, 0x33, ps);
	bar_expect_byte(&f, 2 * ps, 0x33, ps);
	bar_expect_byte(&f, 6 * ps, 0x33, ps);
	bar_expect_byte(&f, 5 * ps, 0x33, ps - 1024);
	bar_expect_byte(&f, 3 * ps + 1024, 0x33, 2 * ps - 1024);

	/* Every range filled from the BAR side, read back in one READ. */
	fill(buf, len, 4);
	bar_put(&f, r[0].offset, buf, ps);
	bar_put(&f, r[1].offset, buf + ps, ps);
	bar_put(&f, r[2].offset, buf + 2 * ps, 2 * ps);
	memset(out, 0, len);
	ASSERT_OK(p2p_imp_read(f.imp, h, 0, out, len));
	ASSERT_EQ(memcmp(out, buf, len), 0);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	close(fd);
}

/*
 * The DMA address edu was given: with the emulated IOMMU an IOVA of edu's
 * domain, not the BAR's bus address (sysfs resource); without, the bus
 * address itself. Either way the data lands in the BAR.
 */
static void edu_dma_address(void)
{
	struct p2p_dma_seg segs[8], dsegs[8];
	uint8_t buf[EDU_CHUNK];
	struct p2p_range r;
	struct efix f;
	uint32_t h, hd, n, i;
	uint64_t bus;
	int fd;

	efix_open(&f);
	fd = one_range(&f, 2, 1, &r);
	bus = f.t.bar_phys + r.offset;
	h = edu_reg(&f, fd, 0, r.length, P2P_MR_ACCESS_ALL);
	ASSERT_OK(p2p_imp_check(f.imp, h, 0, r.length, segs, 8, &n));
	ASSERT_GE(n, 1);
	for (i = 0; i < n; i++)
		t_diag("edu seg %u: dma 0x%llx len 0x%llx (BAR bus address 0x%llx)", i,
		       (unsigned long long)segs[i].dma_addr,
		       (unsigned long long)segs[i].length, (unsigned long long)bus);
	/* For contrast, the importer's default (non-PCI) DMA device. */
	ASSERT_OK(p2p_imp_reg(f.imp, fd, 0, r.length, 0, P2P_MR_ACCESS_ALL, &hd));
	ASSERT_OK(p2p_imp_check(f.imp, hd, 0, r.length, dsegs, 8, &n));
	t_diag("default device seg 0: dma 0x%llx", (unsigned long long)dsegs[0].dma_addr);
	ASSERT_OK(p2p_imp_dereg(f.imp, hd, 0));

	if (t_noiommu(&f.t.dev)) {
		ASSERT_EQ(segs[0].dma_addr, bus);
	} else {
		/* Not the bus address, nor anywhere in the BAR: an IOVA. */
		ASSERT_NE(segs[0].dma_addr, bus);
		ASSERT_TRUE(segs[0].dma_addr + segs[0].length <= f.t.bar_phys ||
			    segs[0].dma_addr >= f.t.bar_phys + f.t.bar_size);
	}
	bar_set(&f, r.offset, 0, r.length);
	fill(buf, sizeof(buf), 5);
	ASSERT_OK(p2p_imp_write(f.imp, h, 64, buf, sizeof(buf)));
	bar_expect(&f, r.offset + 64, buf, sizeof(buf));
	bar_expect_byte(&f, r.offset, 0, 64);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	close(fd);
}

/* Bad inputs on an engine MR: refused before any transfer. */
static void edu_bad_inputs(void)
{
	struct p2p_range r;
	uint8_t buf[64] = { 0 };
	struct efix f;
	uint32_t hr, hw;
	int fd;

	efix_open(&f);
	fd = one_range(&f, 1, 1, &r);
	hr = edu_reg(&f, fd, 0, r.length, P2P_MR_ACCESS_READ);
	hw = edu_reg(&f, fd, 0, r.length, P2P_MR_ACCESS_WRITE);
	ASSERT_ERR(p2p_imp_write(f.imp, hr, 0, buf, sizeof(buf)), EACCES);
	ASSERT_ERR(p2p_imp_read(f.imp, hw, 0, buf, sizeof(buf)), EACCES);
	ASSERT_ERR(p2p_imp_read(f.imp, hr, 0, buf, 0), EINVAL);
	ASSERT_ERR(p2p_imp_read(f.imp, hr, r.length, buf, 1), EINVAL);
	ASSERT_ERR(p2p_imp_read(f.imp, hr, ~0ULL - 2, buf, 8), EINVAL, EOVERFLOW);
	ASSERT_ERR(p2p_imp_read(f.imp, hr, 0, (void *)16, 64), EFAULT);
	ASSERT_ERR(p2p_imp_write(f.imp, hw, 0, (void *)16, 64), EFAULT);
	/* Both flags together are fine; an unknown one next to EDU is not. */
	ASSERT_ERR(p2p_imp_reg(f.imp, fd, 0, r.length, P2P_MR_EDU | (P2P_MR_FLAGS_ALL + 1),
			       P2P_MR_ACCESS_ALL, &hr), EINVAL);
	ASSERT_OK(p2p_imp_dereg(f.imp, hw, 0));
	close(fd);
}

/* A writer hammering an engine MR until an access fails. */
struct writer {
	struct efix *f;
	uint32_t h;
	size_t len;
	unsigned int done;		/* accesses completed */
	int err;			/* the one that failed, -errno */
	uint64_t last_start_ms;		/* when the failing access began */
	volatile int started;
};

#define WRITER_MAX	64

static void *writer_fn(void *arg)
{
	struct writer *w = arg;
	uint8_t *buf = malloc(w->len);
	unsigned int i;

	if (!buf) {
		w->err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < WRITER_MAX; i++) {
		fill(buf, w->len, 100 + i);
		w->last_start_ms = p2p_now_ms();
		w->started = 1;
		w->err = p2p_imp_write(w->f->imp, w->h, 0, buf, w->len);
		if (w->err)
			break;
		w->done++;
	}
	free(buf);
	return NULL;
}

/*
 * Revoke while a WRITE moves chunks into the BAR: once the revoke returned,
 * the BAR must not change any more; the access completed or failed with
 * ENODEV. Then unrevoke, and the same MR transfers again (remapped).
 */
static void edu_revoke_in_flight(void)
{
	static const unsigned int delays_ms[] = { 150, 330, 520 };
	unsigned int round, raced = 0;
	struct p2p_query_mr q;
	struct p2p_range r;
	uint8_t *snap, *buf, *out;
	struct writer w;
	struct efix f;
	uint64_t t0, t1;
	pthread_t th;
	uint32_t h;
	int fd;

	efix_open(&f);
	t_need_debugfs();
	fd = one_range(&f, 1, 1, &r);
	h = edu_reg(&f, fd, 0, r.length, P2P_MR_ACCESS_ALL);
	snap = malloc(r.length);
	buf = malloc(r.length);
	out = malloc(r.length);
	ASSERT_TRUE(snap && buf && out);

	for (round = 0; round < sizeof(delays_ms) / sizeof(delays_ms[0]); round++) {
		memset(&w, 0, sizeof(w));
		w.f = &f;
		w.h = h;
		w.len = r.length;
		bar_set(&f, r.offset, 0, r.length);
		ASSERT_EQ(pthread_create(&th, NULL, writer_fn, &w), 0);
		while (!w.started)
			p2p_sleep_ms(1);
		p2p_sleep_ms(delays_ms[round]);

		t0 = p2p_now_ms();
		ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, true));
		t1 = p2p_now_ms();
		bar_get(&f, r.offset, snap, r.length);

		ASSERT_EQ(pthread_join(th, NULL), 0);
		t_diag("round %u: revoke at +%u ms took %llu ms; %u accesses completed, then %s (began %lld ms before the revoke)",
		       round, delays_ms[round], (unsigned long long)(t1 - t0), w.done,
		       w.err ? t_errname(-w.err) : "none",
		       (long long)t0 - (long long)w.last_start_ms);
		ASSERT_LT(w.done, WRITER_MAX);
		ASSERT_ERR(w.err, ENODEV);
		if (w.last_start_ms <= t0)
			raced++;
		/* Give a straggler transfer (~100 ms each) time to land. */
		p2p_sleep_ms(400);
		bar_expect(&f, r.offset, snap, r.length);

		ASSERT_OK(p2p_imp_query(f.imp, h, &q));
		ASSERT_EQ(q.state, P2P_MR_STATE_REVOKED);
		ASSERT_ERR(p2p_imp_read(f.imp, h, 0, out, 16), ENODEV);
		bar_expect(&f, r.offset, snap, r.length);

		/* Back, and transferring again through a fresh mapping. */
		ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, false));
		fill(buf, r.length, 200 + round);
		ASSERT_OK(p2p_imp_write(f.imp, h, 0, buf, r.length));
		bar_expect(&f, r.offset, buf, r.length);
		memset(out, 0, r.length);
		ASSERT_OK(p2p_imp_read(f.imp, h, 0, out, r.length));
		ASSERT_EQ(memcmp(out, buf, r.length), 0);
		ASSERT_OK(p2p_imp_query(f.imp, h, &q));
		ASSERT_EQ(q.state, P2P_MR_STATE_MAPPED);
		ASSERT_GE(q.remaps, round + 1);
	}
	/* At least one revoke met an access in flight, not between two. */
	ASSERT_GE(raced, 1);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	close(fd);
}

/* A reader of a whole engine MR, to be interrupted. */
struct sigreader {
	struct efix *f;
	uint32_t h;
	uint8_t *buf;
	size_t len;
	int ret;
	uint64_t took_ms;
	volatile int started;
	volatile int done;
};

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void *sigreader_fn(void *arg)
{
	struct sigreader *r = arg;
	uint64_t t0;

	r->started = 1;
	t0 = p2p_now_ms();
	r->ret = p2p_imp_read(r->f->imp, r->h, 0, r->buf, r->len);
	r->took_ms = p2p_now_ms() - t0;
	r->done = 1;
	return NULL;
}

/*
 * A signal ends a long engine access with EINTR (not only a fatal one, and
 * not restarted, SA_RESTART or not), between transfers: the MR is left as
 * it was and the next access works.
 */
static void edu_access_interrupted(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };
	struct p2p_query_mr q;
	struct sigreader rd;
	struct p2p_range r;
	uint8_t buf[256], out[256];
	unsigned int sent = 0;
	uint64_t deadline;
	struct efix f;
	pthread_t th;
	int fd;

	efix_open(&f);
	/* 16 chunks of two ~100 ms transfers each: ~3 s uninterrupted. */
	fd = one_range(&f, 0, EDU_MAP_PAGES, &r);
	memset(&rd, 0, sizeof(rd));
	rd.f = &f;
	rd.len = r.length;
	rd.buf = malloc(rd.len);
	ASSERT_TRUE(rd.buf);
	rd.h = edu_reg(&f, fd, 0, r.length, P2P_MR_ACCESS_ALL);
	sigemptyset(&sa.sa_mask);
	ASSERT_SYSOK(sigaction(SIGUSR1, &sa, NULL));

	ASSERT_EQ(pthread_create(&th, NULL, sigreader_fn, &rd), 0);
	while (!rd.started)
		p2p_sleep_ms(1);
	p2p_sleep_ms(300);
	/* Again and again: one landing before the ioctl began does not count. */
	deadline = p2p_now_ms() + 30000;
	while (!rd.done && p2p_now_ms() < deadline) {
		int e = pthread_kill(th, SIGUSR1);

		/* ESRCH: it just returned. */
		ASSERT_TRUE(!e || e == ESRCH);
		sent++;
		p2p_sleep_ms(50);
	}
	ASSERT_EQ(pthread_join(th, NULL), 0);
	t_diag("READ of %zu bytes: %s after %llu ms, %u signals sent", rd.len,
	       rd.ret ? t_errname(-rd.ret) : "done", (unsigned long long)rd.took_ms, sent);
	ASSERT_ERR(rd.ret, EINTR);

	/* Nothing half-done: still mapped, and transferring. */
	ASSERT_OK(p2p_imp_query(f.imp, rd.h, &q));
	ASSERT_EQ(q.state, P2P_MR_STATE_MAPPED);
	fill(buf, sizeof(buf), 7);
	ASSERT_OK(p2p_imp_write(f.imp, rd.h, 100, buf, sizeof(buf)));
	bar_expect(&f, r.offset + 100, buf, sizeof(buf));
	memset(out, 0, sizeof(out));
	ASSERT_OK(p2p_imp_read(f.imp, rd.h, 100, out, sizeof(out)));
	ASSERT_EQ(memcmp(out, buf, sizeof(out)), 0);
	ASSERT_OK(p2p_imp_dereg(f.imp, rd.h, 0));
	free(rd.buf);
	close(fd);
}

static int edu_driver_write(const char *file, const char *bdf)
{
	char path[160];

	snprintf(path, sizeof(path), P2P_SYSFS_PCI_DRIVERS "/" P2P_IMP_EDU_DRIVER "/%s", file);
	return p2p_write_file(path, bdf);
}

static bool edu_bound(const char *bdf)
{
	char path[160];

	snprintf(path, sizeof(path), P2P_SYSFS_PCI_DRIVERS "/" P2P_IMP_EDU_DRIVER "/%s", bdf);
	return !access(path, F_OK);
}

/*
 * Unbinding edu from the importer with MRs attached for it: before the
 * unbind returns they are unmapped and revoked (accesses ENODEV, CHECK
 * too), DEREG works, and new engine MRs are refused until edu is bound
 * again, after which they work. A pinned engine MR is among them where the
 * exporter takes pins (pin_policy "allowed"); where it refuses them, its
 * REG_MR fails with EOPNOTSUPP and the case goes on without it.
 */
static void edu_unbind_revokes_mrs(void)
{
	struct p2p_dma_seg segs[8];
	uint8_t buf[256], out[256];
	struct p2p_query_mr q;
	char bdf[P2P_BDF_LEN];
	struct p2p_range r;
	uint32_t h, hp, n;
	struct efix f;
	bool pinned;
	int fd;

	efix_open(&f);
	t_need_debugfs();
	fd = one_range(&f, 1, 1, &r);
	h = edu_reg(&f, fd, 0, r.length, P2P_MR_ACCESS_ALL);
	pinned = t_pin_policy() == P2P_PIN_ALLOWED;
	if (pinned)
		ASSERT_OK(p2p_imp_reg(f.imp, fd, 0, r.length, P2P_MR_EDU | P2P_MR_PINNED,
				      P2P_MR_ACCESS_ALL, &hp));
	else
		ASSERT_ERR(p2p_imp_reg(f.imp, fd, 0, r.length, P2P_MR_EDU | P2P_MR_PINNED,
				       P2P_MR_ACCESS_ALL, &hp), EOPNOTSUPP);
	fill(buf, sizeof(buf), 9);
	ASSERT_OK(p2p_imp_write(f.imp, h, 0, buf, sizeof(buf)));
	bar_expect(&f, r.offset, buf, sizeof(buf));

	ASSERT_OK(edu_driver_write("unbind", f.edu));
	ASSERT_FALSE(edu_bound(f.edu));
	ASSERT_ERR(p2p_imp_edu_device(bdf), ENODEV);

	ASSERT_OK(p2p_imp_query(f.imp, h, &q));
	t_diag("after unbind: %s, %u entries, %llu bytes mapped", p2p_mr_state_name(q.state),
	       q.nents, (unsigned long long)q.mapped_length);
	ASSERT_EQ(q.state, P2P_MR_STATE_REVOKED);
	ASSERT_EQ(q.mapped_length, 0);
	if (pinned) {
		ASSERT_OK(p2p_imp_query(f.imp, hp, &q));
		ASSERT_EQ(q.state, P2P_MR_STATE_REVOKED);
		ASSERT_EQ(q.mapped_length, 0);
	}
	ASSERT_ERR(p2p_imp_read(f.imp, h, 0, out, sizeof(out)), ENODEV);
	ASSERT_ERR(p2p_imp_write(f.imp, h, 0, buf, sizeof(buf)), ENODEV);
	ASSERT_ERR(p2p_imp_check(f.imp, h, 0, r.length, segs, 8, &n), ENODEV);
	if (pinned)
		ASSERT_ERR(p2p_imp_read(f.imp, hp, 0, out, sizeof(out)), ENODEV);
	/* An unrevoke of the exporter does not bring them back either. */
	ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, true));
	ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, false));
	ASSERT_ERR(p2p_imp_check(f.imp, h, 0, r.length, segs, 8, &n), ENODEV);
	ASSERT_ERR(p2p_imp_reg(f.imp, fd, 0, r.length, P2P_MR_EDU, P2P_MR_ACCESS_ALL, &n),
		   ENXIO);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	if (pinned)
		ASSERT_OK(p2p_imp_dereg(f.imp, hp, 0));

	ASSERT_OK(edu_driver_write("bind", f.edu));
	ASSERT_TRUE(edu_bound(f.edu));
	ASSERT_OK(p2p_imp_edu_device(bdf));
	ASSERT_STREQ(bdf, f.edu);
	h = edu_reg(&f, fd, 0, r.length, P2P_MR_ACCESS_ALL);
	fill(buf, sizeof(buf), 10);
	ASSERT_OK(p2p_imp_write(f.imp, h, 0, buf, sizeof(buf)));
	bar_expect(&f, r.offset, buf, sizeof(buf));
	memset(out, 0, sizeof(out));
	ASSERT_OK(p2p_imp_read(f.imp, h, 0, out, sizeof(out)));
	ASSERT_EQ(memcmp(out, buf, sizeof(out)), 0);
	ASSERT_OK(p2p_imp_dereg(f.imp, h, 0));
	close(fd);
}

/*
 * The knobs back to rest, and edu back on the importer if a test failed
 * with it unbound, so the tests after it still have it.
 */
static void edu_to_rest(void)
{
	const char *env = t_env("DMABUF_P2P_DEVICE_EDU");
	char bdf[P2P_BDF_LEN];

	t_reset_knobs();
	if (env && !p2p_bdf_normalize(env, bdf) &&
	    !access(P2P_SYSFS_PCI_DRIVERS "/" P2P_IMP_EDU_DRIVER, F_OK) && !edu_bound(bdf))
		edu_driver_write("bind", bdf);
}

FIXTURE(dmabuf_p2p) {};

FIXTURE_SETUP(dmabuf_p2p)
{
	t_setup(_metadata);
	t_rest_before(edu_to_rest);
}

FIXTURE_TEARDOWN_PARENT(dmabuf_p2p)
{
	t_rest_after(edu_to_rest);
}

/*
 * user -> edu -> BAR, then BAR -> edu -> user, over a two-page MR, and
 * nothing moves while revoked: the scenario library's (userspace/
 * scenarios/data.c), the CLI's edu-data.
 */
TEST_F_TIMEOUT(dmabuf_p2p, edu_write_read_bar, 60) { t_scenario("edu-data"); }
TEST_F_TIMEOUT(dmabuf_p2p, edu_offsets_inside_buffer, 60) { edu_offsets_inside_buffer(); }
TEST_F_TIMEOUT(dmabuf_p2p, edu_multi_range, 60) { edu_multi_range(); }
TEST_F_TIMEOUT(dmabuf_p2p, edu_dma_address, 60) { edu_dma_address(); }
TEST_F(dmabuf_p2p, edu_bad_inputs) { edu_bad_inputs(); }
TEST_F_TIMEOUT(dmabuf_p2p, edu_revoke_in_flight, 120) { edu_revoke_in_flight(); }
TEST_F_TIMEOUT(dmabuf_p2p, edu_access_interrupted, 60) { edu_access_interrupted(); }
TEST_F_TIMEOUT(dmabuf_p2p, edu_unbind_revokes_mrs, 60) { edu_unbind_revokes_mrs(); }

TEST_HARNESS_MAIN
