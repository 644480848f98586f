// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_mmap: CPU mappings of a buffer, mmap(2) of the dma-buf fd.
 * MAP_SHARED only, the ranges' BAR pages back to back; every revoke zaps
 * them before the MMIO goes, an access while revoked raises SIGBUS, and
 * the next access after the MMIO is back faults the page in again. Checked
 * against the BAR itself through vfio's own mapping of it, for every
 * revoke trigger, across fork, fd close and munmap, and against a revoker
 * racing faults and munmaps.
 *
 * Only a BAR of a RAM-class device (class 0x0500: the rig's ivshmem) is
 * written: what is written there must read back. Any other BAR holds
 * registers (nvme FLR, e1000e D3hot); those are only read, and only their
 * first word, which the tests compare between the two mappings.
 *
 * A SIGBUS is caught in the test's own process (the harness runs each test
 * in a forked child), by a handler that siglongjmp()s to a per-thread
 * sigsetjmp() around each access; a SIGBUS outside such an access kills
 * the test ("Test terminated unexpectedly by signal 7").
 */
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "harness.h"

#define CLASS_MEMORY_RAM	0x0500	/* PCI base class 05 (memory), sub 00 (RAM) */
#define RACE_MS			3000	/* mmap_race_fault_vs_revoke */
#define CHURN_MS		2000	/* mmap_munmap_vs_revoke */
#define STATE_WAIT_MS		20	/* a toggler waits this long for the accessor */

/* ---- SIGBUS: one jump buffer per thread, armed around each access ---- */

static __thread sigjmp_buf *bus_jmp;
static __thread void *bus_addr;
static __thread int bus_code;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!bus_jmp) {
		/* Not an access of ours: the faulting instruction kills us. */
		signal(sig, SIG_DFL);
		return;
	}
	bus_addr = si->si_addr;
	bus_code = si->si_code;
	siglongjmp(*bus_jmp, 1);
}

static void sigbus_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	ASSERT_SYSOK(sigaction(SIGBUS, &sa, NULL));
}

/* Out of line, so nothing of it lives across the sigsetjmp() below. */
static void __attribute__((noinline)) words_rw(volatile uint32_t *p, size_t n, uint32_t *buf,
					       bool write)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (write)
			p[i] = buf[i];
		else
			buf[i] = p[i];
	}
}

/*
 * @n 32-bit words at @p from (@write) or into @buf: true if done, false if
 * an access raised SIGBUS (bus_addr, bus_code say where and how). The mask
 * is restored on the way out (sigsetjmp(, 1)): SIGBUS is not left blocked.
 */
static bool try_rw(volatile uint32_t *p, size_t n, uint32_t *buf, bool write)
{
	sigjmp_buf jb;

	bus_addr = NULL;
	bus_code = 0;
	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		return false;
	}
	bus_jmp = &jb;
	words_rw(p, n, buf, write);
	bus_jmp = NULL;
	return true;
}

static void rw_ok_at(const char *file, int line, volatile uint32_t *p, size_t n, uint32_t *buf,
		     bool write)
{
	if (!try_rw(p, n, buf, write))
		t_fail_at(file, line, "%s of %zu words at %p: SIGBUS at %p (si_code %d)",
			  write ? "write" : "read", n, (void *)p, bus_addr, bus_code);
}

/* The access of one word at @p must raise SIGBUS, right there. */
static void sigbus_at(const char *file, int line, volatile uint32_t *p, bool write)
{
	uint32_t v = 0x5160b005;

	if (try_rw(p, 1, &v, write))
		t_fail_at(file, line, "%s at %p: no SIGBUS (read 0x%08x)",
			  write ? "write" : "read", (void *)p, v);
	if (bus_addr != (void *)p || bus_code != BUS_ADRERR)
		t_fail_at(file, line, "%s at %p: SIGBUS at %p, si_code %d (want BUS_ADRERR %d)",
			  write ? "write" : "read", (void *)p, bus_addr, bus_code, BUS_ADRERR);
}

#define READ_OK(p, n, buf)	rw_ok_at(__FILE__, __LINE__, p, n, buf, false)
#define WRITE_OK(p, n, buf)	rw_ok_at(__FILE__, __LINE__, p, n, buf, true)
#define EXPECT_SIGBUS(p, w)	sigbus_at(__FILE__, __LINE__, p, w)

/* ---- the fixture: a device, a buffer, its mapping, the BAR's ---- */

struct mfix {
	struct tdev t;
	bool ram;			/* the BAR is memory: written, read back */
	size_t wpp;			/* 32-bit words per page */
	int fd;
	uint64_t ino, size;
	struct p2p_range r[2];
	unsigned int nr;
	volatile uint32_t *map;		/* the whole dma-buf, MAP_SHARED */
	volatile uint32_t *bar;		/* BAR pages [0, bar_len) through vfio */
	uint64_t bar_len;
};

static bool class_is_ram(struct tdev *t)
{
	uint32_t cr;

	ASSERT_OK(p2p_cfg_read32(&t->dev, PCI_CLASS_REVISION, &cr));
	cr >>= 8;
	t_diag("%s class 0x%06x: BAR%u %s", t->dev.bdf, cr, t->bar,
	       (cr >> 8) == CLASS_MEMORY_RAM ? "is memory: written and read back"
					       : "holds registers: word 0 read only");
	return (cr >> 8) == CLASS_MEMORY_RAM;
}

static void fix_init(struct mfix *f)
{
	f->ram = class_is_ram(&f->t);
	f->wpp = f->t.page / sizeof(uint32_t);
	f->fd = -1;
	f->map = NULL;
	f->bar = NULL;
	sigbus_install();
	t_need_debugfs();
}

static void fix_open_main(struct mfix *f)
{
	memset(f, 0, sizeof(*f));
	t_open_main(&f->t);
	fix_init(f);
}

static void fix_open_for(struct mfix *f, enum p2p_trigger trig)
{
	memset(f, 0, sizeof(*f));
	t_open_for(&f->t, trig);
	fix_init(f);
}

static void *mmap_buf(int fd, uint64_t off, uint64_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p == MAP_FAILED)
		T_FAIL("mmap(len 0x%llx, off 0x%llx, prot %d, MAP_SHARED) of the dma-buf: %s",
		       (unsigned long long)len, (unsigned long long)off, prot,
		       t_errname(errno));
	return p;
}

/* A buffer over @nr ranges (O_RDWR), mapped whole, and the BAR under it. */
static void fix_buf(struct mfix *f, const struct p2p_range *r, unsigned int nr)
{
	uint64_t end = 0;
	unsigned int i;
	void *p;

	for (i = 0; i < nr; i++) {
		f->r[i] = r[i];
		if (r[i].offset + r[i].length > end)
			end = r[i].offset + r[i].length;
	}
	if (end > f->t.bar_size)
		T_SKIP("BAR%u of %s is too small (0x%llx) for 0x%llx bytes", f->t.bar,
		       f->t.dev.bdf, (unsigned long long)f->t.bar_size, (unsigned long long)end);
	f->nr = nr;
	f->fd = t_create(&f->t, r, nr);
	f->ino = t_ino(f->fd);
	ASSERT_OK(p2p_ranges_total(r, nr, &f->size));
	f->map = mmap_buf(f->fd, 0, f->size, PROT_READ | PROT_WRITE);
	f->bar_len = end;
	ASSERT_OK(p2p_bar_mmap(&f->t.dev, f->t.bar, 0, end,
			       PROT_READ | (f->ram ? PROT_WRITE : 0), &p));
	f->bar = p;
}

static void fix_buf_pages(struct mfix *f, uint64_t first, uint64_t n)
{
	struct p2p_range r = { first * f->t.page, n * f->t.page };

	fix_buf(f, &r, 1);
}

/* vfio's mapping of the BAR holds the device open: gone before a close. */
static void fix_bar_unmap(struct mfix *f)
{
	if (f->bar)
		ASSERT_SYSOK(munmap((void *)f->bar, f->bar_len));
	f->bar = NULL;
}

static uint64_t npages(const struct mfix *f)
{
	return f->size / f->t.page;
}

/* Words of a page compared between the mappings: all of memory, word 0 of registers. */
static size_t probe_words(const struct mfix *f)
{
	return f->ram ? f->wpp : 1;
}

/* Page @k of the buffer, through the dma-buf mapping @m. */
static volatile uint32_t *buf_page(const struct mfix *f, volatile uint32_t *m, uint64_t k)
{
	return m + k * f->wpp;
}

/* The BAR page that page @k of the buffer stands for, through vfio. */
static volatile uint32_t *bar_page(const struct mfix *f, uint64_t k)
{
	uint64_t off;

	ASSERT_GE(p2p_ranges_locate(f->r, f->nr, k * f->t.page, &off, NULL), 0);
	return f->bar + off / sizeof(uint32_t);
}

static void fill(uint32_t *w, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		w[i] = (seed * 0x9e3779b9u) ^ ((uint32_t)i * 0x01000193u) ^ (uint32_t)i;
}

static uint32_t *words(size_t n)
{
	uint32_t *w = calloc(n, sizeof(*w));

	ASSERT_TRUE(w);
	return w;
}

/* The first word where @a and @b differ, or -1. */
static long first_diff(const uint32_t *a, const uint32_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}

#define ASSERT_SAME(a, b, n, what) do {						\
	long _d = first_diff(a, b, n);						\
	if (_d >= 0)								\
		T_FAIL("%s: word %ld: 0x%08x vs 0x%08x", what, _d, (a)[_d], (b)[_d]); \
} while (0)

/*
 * Every page of the buffer reads, through mapping @m, what the BAR holds
 * under it (every word of memory, word 0 of registers). The first access
 * of a page faults it in if it is not mapped.
 */
static void expect_buf_is_bar(struct mfix *f, volatile uint32_t *m)
{
	size_t n = probe_words(f);
	uint32_t *a = words(n), *b = words(n);
	char what[64];
	uint64_t k;

	for (k = 0; k < npages(f); k++) {
		READ_OK(buf_page(f, m, k), n, a);
		READ_OK(bar_page(f, k), n, b);
		snprintf(what, sizeof(what), "buffer page %llu vs its BAR page",
			 (unsigned long long)k);
		ASSERT_SAME(a, b, n, what);
	}
	free(a);
	free(b);
}

/*
 * Memory only: @seed's pattern written through mapping @m lands in the
 * BAR pages the ranges say; returns the pattern (the whole buffer's).
 */
static uint32_t *write_through_buf(struct mfix *f, volatile uint32_t *m, uint32_t seed)
{
	uint32_t *pat = words(f->size / 4), *got = words(f->wpp);
	uint64_t k;

	fill(pat, f->size / 4, seed);
	WRITE_OK(m, f->size / 4, pat);
	for (k = 0; k < npages(f); k++) {
		READ_OK(bar_page(f, k), f->wpp, got);
		ASSERT_SAME(got, pat + k * f->wpp, f->wpp, "BAR after a write through the dma-buf");
	}
	free(got);
	return pat;
}

/* Every page of mapping @m raises SIGBUS: read, and (memory) write. */
static void expect_all_sigbus(struct mfix *f, volatile uint32_t *m)
{
	uint64_t k;

	for (k = 0; k < npages(f); k++) {
		EXPECT_SIGBUS(buf_page(f, m, k), false);
		EXPECT_SIGBUS(buf_page(f, m, k) + probe_words(f) - 1, false);
		if (f->ram)
			EXPECT_SIGBUS(buf_page(f, m, k) + f->wpp / 2, true);
	}
}

/* munmap, close: the buffer goes on close(2), with the counters of @st. */
static void fix_release(struct mfix *f, const struct p2p_buf_stat *st)
{
	struct p2p_rel_rec rec;

	if (f->map)
		ASSERT_SYSOK(munmap((void *)f->map, f->size));
	f->map = NULL;
	fix_bar_unmap(f);
	ASSERT_SYSOK(close(f->fd));
	f->fd = -1;
	t_wait_release(f->ino, &rec, 2000);
	ASSERT_STREQ(rec.path, P2P_REL_CLOSE);
	if (st) {
		ASSERT_EQ(rec.revokes, st->revokes);
		ASSERT_EQ(rec.unrevokes, st->unrevokes);
	}
}

/* ---- data ---- */

/* BAR pages 3 and 1, in that order: each buffer page lands on its own. */
static void mmap_rw_lands_in_bar(void)
{
	struct p2p_range r[2];
	uint32_t *zero, *pat, *got;
	volatile uint32_t *tail;
	struct mfix f;
	size_t w;

	fix_open_main(&f);
	if (!f.ram)
		T_SKIP("%s BAR%u is not memory: what is written would not read back",
		       f.t.dev.bdf, f.t.bar);
	w = f.wpp;
	r[0].offset = 3 * f.t.page;
	r[0].length = f.t.page;
	r[1].offset = 1 * f.t.page;
	r[1].length = f.t.page;
	fix_buf(&f, r, 2);
	ASSERT_EQ(f.size, 2 * f.t.page);
	ASSERT_EQ(f.bar_len, 4 * f.t.page);
	zero = words(4 * w);
	got = words(4 * w);

	/* dma-buf -> BAR: page 0 on BAR page 3, page 1 on BAR page 1, nothing else. */
	WRITE_OK(f.bar, 4 * w, zero);
	pat = words(2 * w);
	fill(pat, 2 * w, 1);
	WRITE_OK(f.map, 2 * w, pat);
	READ_OK(f.bar + 3 * w, w, got);
	ASSERT_SAME(got, pat, w, "BAR page 3 after writing buffer page 0");
	READ_OK(f.bar + 1 * w, w, got);
	ASSERT_SAME(got, pat + w, w, "BAR page 1 after writing buffer page 1");
	READ_OK(f.bar, w, got);
	ASSERT_SAME(got, zero, w, "BAR page 0, in no range");
	READ_OK(f.bar + 2 * w, w, got);
	ASSERT_SAME(got, zero, w, "BAR page 2, in no range");

	/* BAR -> dma-buf. */
	fill(pat, 2 * w, 2);
	WRITE_OK(f.bar + 3 * w, w, pat);
	WRITE_OK(f.bar + 1 * w, w, pat + w);
	READ_OK(f.map, 2 * w, got);
	ASSERT_SAME(got, pat, 2 * w, "the dma-buf after writing BAR pages 3 and 1");

	/* A window at page 1 of the buffer is BAR page 1. */
	tail = mmap_buf(f.fd, f.t.page, f.t.page, PROT_READ | PROT_WRITE);
	READ_OK(tail, w, got);
	ASSERT_SAME(got, pat + w, w, "a mapping at offset one page");
	fill(pat, w, 3);
	WRITE_OK(tail, w, pat);
	READ_OK(f.bar + 1 * w, w, got);
	ASSERT_SAME(got, pat, w, "BAR page 1 after a write through the offset mapping");
	ASSERT_SYSOK(munmap((void *)tail, f.t.page));

	free(zero);
	free(pat);
	free(got);
	fix_release(&f, NULL);
}

/* ---- what mmap(2) refuses ---- */

static void mmap_private_refused(void)
{
	struct p2p_rel_rec rec;
	struct tdev t;
	uint64_t ino;
	uint32_t v;
	void *p;
	int fd;

	t_open_main(&t);
	t_need_debugfs();
	sigbus_install();
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	/* A private copy on write would be memory no revoke could take back. */
	ASSERT_SYSERR(mmap(NULL, t.page, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	ASSERT_SYSERR(mmap(NULL, t.page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), EINVAL);
	ASSERT_SYSERR(mmap(NULL, t.page, PROT_NONE, MAP_PRIVATE, fd, 0), EINVAL);
	/* Shared is fine. */
	p = mmap_buf(fd, 0, t.page, PROT_READ);
	READ_OK(p, 1, &v);
	ASSERT_SYSOK(munmap(p, t.page));
	/* The refusals left no reference behind: close(2) is the last one. */
	ASSERT_SYSOK(close(fd));
	t_wait_release(ino, &rec, 2000);
	ASSERT_STREQ(rec.path, P2P_REL_CLOSE);
}

/* A window past the buffer: the dma-buf core refuses it, mremap cannot grow one. */
static void mmap_past_end_refused(void)
{
	struct mfix f;
	uint64_t pg;
	void *p;

	fix_open_main(&f);
	fix_buf_pages(&f, 0, 2);
	pg = f.t.page;
	ASSERT_SYSERR(mmap(NULL, 3 * pg, PROT_READ, MAP_SHARED, f.fd, 0), EINVAL);
	ASSERT_SYSERR(mmap(NULL, 2 * pg + 1, PROT_READ, MAP_SHARED, f.fd, 0), EINVAL);
	ASSERT_SYSERR(mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, f.fd, pg), EINVAL);
	ASSERT_SYSERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, f.fd, 2 * pg), EINVAL);
	ASSERT_SYSERR(mmap(NULL, pg, PROT_READ, MAP_SHARED, f.fd, 64 * pg), EINVAL);
	/* Near the top of off_t: the VFS may say EOVERFLOW before the core looks. */
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, f.fd, (off_t)((~0ULL >> 1) & ~(pg - 1)));
	ASSERT_TRUE(p == MAP_FAILED);
	t_diag("mmap at offset 0x%llx: %s", (unsigned long long)((~0ULL >> 1) & ~(pg - 1)),
	       t_errname(errno));
	ASSERT_TRUE(errno == EINVAL || errno == EOVERFLOW);

	/* Up to the end exactly is fine: buffer page 1. */
	p = mmap_buf(f.fd, pg, pg, PROT_READ | PROT_WRITE);
	{
		size_t n = probe_words(&f);
		uint32_t *a = words(n), *b = words(n);

		READ_OK(p, n, a);
		READ_OK(bar_page(&f, 1), n, b);
		ASSERT_SAME(a, b, n, "a mapping of buffer page 1 vs BAR page 1");
		free(a);
		free(b);
	}
	/* VM_DONTEXPAND: no growing past the window, in place or moved. */
	ASSERT_SYSERR(mremap(p, pg, 2 * pg, 0), EFAULT);
	ASSERT_SYSERR(mremap(p, pg, 2 * pg, MREMAP_MAYMOVE), EFAULT);
	ASSERT_SYSERR(mremap((void *)f.map, f.size, f.size + pg, MREMAP_MAYMOVE), EFAULT);
	ASSERT_SYSOK(munmap(p, pg));
	fix_release(&f, NULL);
}

/* mmap(2)'s own rule: a shared writable mapping needs an fd open for writing. */
static void mmap_write_needs_rdwr(void)
{
	struct p2p_range r;
	struct mfix f;
	uint64_t pg;
	void *p;

	fix_open_main(&f);
	pg = f.t.page;
	r.offset = 0;
	r.length = pg;
	f.r[0] = r;
	f.nr = 1;
	f.size = pg;
	f.fd = ASSERT_OK(p2p_dmabuf_create(&f.t.dev, f.t.bar, &r, 1, O_RDONLY | O_CLOEXEC));
	f.ino = t_ino(f.fd);
	ASSERT_EQ(fcntl(f.fd, F_GETFL) & O_ACCMODE, O_RDONLY);

	ASSERT_SYSERR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0), EACCES);
	ASSERT_SYSERR(mmap(NULL, pg, PROT_WRITE, MAP_SHARED, f.fd, 0), EACCES);
	/* Private would pass the VFS; the exporter refuses it anyway. */
	ASSERT_SYSERR(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.fd, 0), EINVAL);

	p = mmap_buf(f.fd, 0, pg, PROT_READ);
	f.map = p;
	/* ... and it never becomes writable. */
	ASSERT_SYSERR(mprotect(p, pg, PROT_READ | PROT_WRITE), EACCES);
	f.bar_len = pg;
	ASSERT_OK(p2p_bar_mmap(&f.t.dev, f.t.bar, 0, pg, PROT_READ, &p));
	f.bar = p;
	expect_buf_is_bar(&f, f.map);
	fix_release(&f, NULL);
}

/* ---- every revoke trigger ---- */

/*
 * Fault the buffer in, revoke with the trigger named @name and, where the
 * trigger leaves the MMIO off (mem, d3hot, knob), keep it off while
 * checking that every access raises SIGBUS, then restore and find the
 * data where it was. A reset (flr, af-flr, reset, hot-reset) restores by
 * itself inside the call: the zap cannot be seen from here, only that the
 * next access faults the page in again without SIGBUS onto the same BAR
 * page, and that the buffer went through one revoke and one unrevoke.
 */
static void run_mmap_trigger(const char *name)
{
	const struct p2p_trigger_desc *d = p2p_trigger_lookup(name);
	struct p2p_buf_stat st0, st;
	volatile uint32_t *late = NULL;
	uint32_t *pat = NULL, *got;
	bool keeps;
	struct mfix f;
	void *p;

	ASSERT_TRUE(d);
	ASSERT_FALSE(d->final);
	fix_open_for(&f, d->revoke);
	/* Memory: two pages; registers: the first page, its first word. */
	fix_buf_pages(&f, 0, f.ram ? 2 : 1);
	if (f.ram)
		pat = write_through_buf(&f, f.map, 11);
	expect_buf_is_bar(&f, f.map);
	t_stat(f.t.dev.bdf, f.ino, &st0);
	ASSERT_EQ(st0.revoked, 0);

	ASSERT_OK(p2p_trigger_fire(&f.t.dev, d->revoke));
	t_stat(f.t.dev.bdf, f.ino, &st);
	ASSERT_EQ(st.revokes, st0.revokes + 1);
	if (d->restore == P2P_TRIG_NONE) {
		ASSERT_EQ(st.revoked, 0);
		ASSERT_EQ(st.unrevokes, st0.unrevokes + 1);
		expect_buf_is_bar(&f, f.map);
		if (f.ram) {
			got = words(f.size / 4);
			READ_OK(f.map, f.size / 4, got);
			t_diag("the BAR's memory %s the %s", first_diff(got, pat, f.size / 4) < 0 ?
			       "kept its contents across" : "changed across", name);
			free(got);
			free(pat);
			pat = write_through_buf(&f, f.map, 12);
		}
	} else {
		/* Revoked, and kept so while we look. */
		ASSERT_EQ(st.revoked, 1);
		ASSERT_EQ(st.unrevokes, st0.unrevokes);
		expect_all_sigbus(&f, f.map);
		/* A mapping made now has nothing to zap: the fault itself refuses. */
		p = mmap(NULL, f.size, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0);
		if (p == MAP_FAILED) {
			t_diag("mmap while revoked: %s", t_errname(errno));
		} else {
			late = p;
			expect_all_sigbus(&f, late);
		}
		/* Nothing maps it back behind the state's back. */
		p2p_sleep_ms(20);
		expect_all_sigbus(&f, f.map);
		t_stat(f.t.dev.bdf, f.ino, &st);
		ASSERT_EQ(st.revoked, 1);
		ASSERT_EQ(st.revokes, st0.revokes + 1);

		ASSERT_OK(p2p_trigger_fire(&f.t.dev, d->restore));
		t_stat(f.t.dev.bdf, f.ino, &st);
		ASSERT_EQ(st.revoked, 0);
		ASSERT_EQ(st.revokes, st0.revokes + 1);
		ASSERT_EQ(st.unrevokes, st0.unrevokes + 1);
		/* The data is intact: what the BAR holds, through either mapping. */
		expect_buf_is_bar(&f, f.map);
		if (late) {
			expect_buf_is_bar(&f, late);
			ASSERT_SYSOK(munmap((void *)late, f.size));
		}
		/* Neither the knob nor MEM touches the memory itself: our pattern. */
		keeps = d->revoke == P2P_TRIG_MEM_OFF || d->revoke == P2P_TRIG_KNOB_REVOKE;
		if (f.ram && keeps) {
			got = words(f.size / 4);
			READ_OK(f.map, f.size / 4, got);
			ASSERT_SAME(got, pat, f.size / 4, "the buffer after the restore");
			free(got);
		}
		if (f.ram) {
			free(pat);
			pat = write_through_buf(&f, f.map, 13);
		}
	}
	free(pat);
	fix_release(&f, &st);
}

static void mmap_sigbus_after_mem(void)
{
	run_mmap_trigger("mem");
}

static void mmap_sigbus_after_d3hot(void)
{
	run_mmap_trigger("d3hot");
}

static void mmap_sigbus_after_flr(void)
{
	run_mmap_trigger("flr");
}

static void mmap_sigbus_after_af_flr(void)
{
	run_mmap_trigger("af-flr");
}

static void mmap_sigbus_after_reset(void)
{
	run_mmap_trigger("reset");
}

static void mmap_sigbus_after_hot_reset(void)
{
	run_mmap_trigger("hot-reset");
}

static void mmap_sigbus_after_knob(void)
{
	run_mmap_trigger("knob");
}

/*
 * Closing the device revokes for good: SIGBUS, also after the device is
 * opened again, and through a mapping made afterwards. The mapping still
 * holds the buffer after its fd is closed; munmap lets it go.
 */
static void mmap_sigbus_after_close(void)
{
	struct p2p_buf_stat st0, st;
	char bdf[P2P_BDF_LEN];
	struct p2p_rel_rec rec;
	struct tdev t2;
	struct mfix f;
	uint32_t v;
	void *p;
	int fd2;

	fix_open_for(&f, P2P_TRIG_CLOSE);
	strcpy(bdf, f.t.dev.bdf);
	fix_buf_pages(&f, 0, f.ram ? 2 : 1);
	if (f.ram)
		free(write_through_buf(&f, f.map, 31));
	expect_buf_is_bar(&f, f.map);
	fix_bar_unmap(&f);
	t_stat(bdf, f.ino, &st0);

	ASSERT_OK(p2p_trigger_fire(&f.t.dev, P2P_TRIG_CLOSE));
	if (!p2p_buffer_stat(bdf, f.ino, &st)) {
		t_diag("still listed after close: revoked=%d", st.revoked);
		ASSERT_EQ(st.revoked, 1);
	}
	expect_all_sigbus(&f, f.map);

	/* A new session on the device does not bring the buffer back... */
	t_open(&t2, bdf);
	expect_all_sigbus(&f, f.map);
	/* A buffer cut off for good takes no new mapping. */
	p = mmap(NULL, f.size, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0);
	ASSERT_TRUE(p == MAP_FAILED);
	ASSERT_EQ(errno, ENODEV);
	/* ... and maps its own buffers as usual. */
	fd2 = t_create_pages(&t2, 0, 1);
	p = mmap_buf(fd2, 0, t2.page, PROT_READ);
	READ_OK(p, 1, &v);
	ASSERT_SYSOK(munmap(p, t2.page));
	ASSERT_SYSOK(close(fd2));

	/* The mapping holds the orphan past its fd; munmap releases it. */
	ASSERT_SYSOK(close(f.fd));
	f.fd = -1;
	expect_all_sigbus(&f, f.map);
	ASSERT_FALSE(t_released(f.ino, &rec));
	ASSERT_SYSOK(munmap((void *)f.map, f.size));
	f.map = NULL;
	t_wait_release(f.ino, &rec, 2000);
	ASSERT_STREQ(rec.path, P2P_REL_TASK_WORK);
	ASSERT_GE(rec.revokes, st0.revokes + 1);
	ASSERT_EQ(rec.unrevokes, st0.unrevokes);
	p2p_dev_close(&t2.dev);
}

/* ---- lifetime ---- */

/* The mapping holds the dma-buf file: it works without the fd, until munmap. */
static void mmap_survives_fd_close(void)
{
	struct p2p_buf_stat st;
	struct p2p_rel_rec rec;
	uint32_t *pat, *got;
	struct mfix f;
	uint64_t k;

	fix_open_main(&f);
	fix_buf_pages(&f, 2, 2);
	ASSERT_SYSOK(close(f.fd));
	f.fd = -1;
	ASSERT_TRUE(t_listed(f.t.dev.bdf, f.ino));
	ASSERT_FALSE(t_released(f.ino, &rec));

	expect_buf_is_bar(&f, f.map);
	if (f.ram) {
		free(write_through_buf(&f, f.map, 41));
		pat = words(f.size / 4);
		got = words(f.size / 4);
		fill(pat, f.size / 4, 42);
		for (k = 0; k < npages(&f); k++)
			WRITE_OK(bar_page(&f, k), f.wpp, pat + k * f.wpp);
		READ_OK(f.map, f.size / 4, got);
		ASSERT_SAME(got, pat, f.size / 4, "the mapping after writes through the BAR");
		free(pat);
		free(got);
	}
	/* Still the device's buffer: a revoke reaches it through the mapping alone. */
	ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, true));
	expect_all_sigbus(&f, f.map);
	ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, false));
	expect_buf_is_bar(&f, f.map);
	t_stat(f.t.dev.bdf, f.ino, &st);
	ASSERT_EQ(st.revoked, 0);
	ASSERT_EQ(st.revokes, 1);
	ASSERT_EQ(st.unrevokes, 1);

	/* munmap drops the last reference: fput() from a task, run at syscall exit. */
	ASSERT_SYSOK(munmap((void *)f.map, f.size));
	f.map = NULL;
	t_wait_release(f.ino, &rec, 2000);
	ASSERT_STREQ(rec.path, P2P_REL_TASK_WORK);
	ASSERT_EQ(rec.revokes, 1);
	ASSERT_EQ(rec.unrevokes, 1);
	ASSERT_FALSE(t_listed(f.t.dev.bdf, f.ino));
	fix_bar_unmap(&f);
}

/* Why a forked child failed, by its exit status. */
enum { CH_OK, CH_PIPE, CH_EARLY_SIGBUS, CH_NO_SIGBUS, CH_LATE_SIGBUS, CH_DATA, CH_NR };

static const char *const child_why[CH_NR] = {
	[CH_OK] = "ok",
	[CH_PIPE] = "lost its pipe to the parent",
	[CH_EARLY_SIGBUS] = "SIGBUS before the revoke (on the mapping fork copied)",
	[CH_NO_SIGBUS] = "no SIGBUS while revoked: its copy of the mapping was not zapped",
	[CH_LATE_SIGBUS] = "SIGBUS after the unrevoke",
	[CH_DATA] = "read something else than the BAR holds after the unrevoke",
};

/* The child's exit status within @ms, 128 + signal if killed, or -1. */
static int reap(pid_t pid, unsigned int ms)
{
	uint64_t end = p2p_now_ms() + ms;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0)
			return -1;
		if (p2p_now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		p2p_sleep_ms(5);
	}
}

static void child_failed(pid_t pid, const char *when)
{
	int code = reap(pid, 5000);

	T_FAIL("child, %s: %s (exit status %d)", when,
	       code >= 0 && code < CH_NR ? child_why[code] : "killed or stuck", code);
}

static int fork_child(struct mfix *f, int in, int out)
{
	size_t n = probe_words(f);
	uint32_t *a = words(n), *b = words(n);
	char c;

	if (!try_rw(f->map, n, a, false))
		return CH_EARLY_SIGBUS;
	c = 'r';
	if (write(out, &c, 1) != 1 || read(in, &c, 1) != 1)
		return CH_PIPE;
	/* The parent has revoked. */
	c = try_rw(f->map, 1, a, false) ? 'n' : 'b';
	if (write(out, &c, 1) != 1)
		return CH_PIPE;
	if (c == 'n')
		return CH_NO_SIGBUS;
	if (read(in, &c, 1) != 1)
		return CH_PIPE;
	/* The parent has unrevoked. */
	if (!try_rw(f->map, n, a, false))
		return CH_LATE_SIGBUS;
	if (!try_rw(bar_page(f, 0), n, b, false) || first_diff(a, b, n) >= 0)
		return CH_DATA;
	return CH_OK;
}

/* A revoke zaps the child's copy of the mapping too: it hangs off the same file. */
static void mmap_fork_child_zapped(void)
{
	int to[2], from[2], code;
	struct p2p_buf_stat st;
	struct mfix f;
	pid_t pid;
	char c;

	fix_open_main(&f);
	fix_buf_pages(&f, 0, 1);
	if (f.ram)
		free(write_through_buf(&f, f.map, 51));
	expect_buf_is_bar(&f, f.map);
	ASSERT_SYSOK(pipe2(to, O_CLOEXEC));
	ASSERT_SYSOK(pipe2(from, O_CLOEXEC));
	fflush(stdout);
	pid = fork();
	ASSERT_SYSOK(pid);
	if (!pid) {
		close(to[1]);
		close(from[0]);
		_exit(fork_child(&f, to[0], from[1]));
	}
	close(to[0]);
	close(from[1]);
	if (read(from[0], &c, 1) != 1)
		child_failed(pid, "before the revoke");

	ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, true));
	c = 'g';
	ASSERT_EQ(write(to[1], &c, 1), 1);
	if (read(from[0], &c, 1) != 1 || c != 'b')
		child_failed(pid, "while revoked");
	EXPECT_SIGBUS(f.map, false);

	ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, false));
	c = 'u';
	ASSERT_EQ(write(to[1], &c, 1), 1);
	code = reap(pid, 5000);
	if (code)
		T_FAIL("child, after the unrevoke: %s (exit status %d)",
		       code > 0 && code < CH_NR ? child_why[code] : "killed or stuck", code);
	close(to[1]);
	close(from[0]);

	expect_buf_is_bar(&f, f.map);
	/* One revoke of the buffer took down both processes' mappings. */
	t_stat(f.t.dev.bdf, f.ino, &st);
	ASSERT_EQ(st.revokes, 1);
	ASSERT_EQ(st.unrevokes, 1);
	fix_release(&f, &st);
}

/* ---- races ---- */

static unsigned long cnt_get(unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void cnt_inc(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

/* Until *@c moves off @from, for at most @ms. */
static void wait_moved(unsigned long *c, unsigned long from, unsigned int ms)
{
	uint64_t end = p2p_now_ms() + ms;

	while (cnt_get(c) == from && p2p_now_ms() < end)
		p2p_sleep_ms(1);
}

struct racer {
	volatile uint32_t *map;
	size_t words;
	bool write;
	bool stop;
	unsigned long ok, bus, bad;
	uint32_t bad_want, bad_got;
};

/* Write a word and read it back, over and over; SIGBUS is counted, not fatal. */
static void *race_access(void *arg)
{
	struct racer *r = arg;
	uint32_t seq = 0, v, got;
	size_t i;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		i = (size_t)seq * 7919 % r->words;
		v = 0xa5000000u ^ seq++;
		if (r->write && !try_rw(r->map + i, 1, &v, true)) {
			cnt_inc(&r->bus);
			continue;
		}
		if (!try_rw(r->map + i, 1, &got, false)) {
			cnt_inc(&r->bus);
			continue;
		}
		/* A revoke in between leaves the memory alone: it reads back. */
		if (r->write && got != v && !r->bad++) {
			r->bad_want = v;
			r->bad_got = got;
		}
		cnt_inc(&r->ok);
	}
	return NULL;
}

/*
 * After @cycles knob revokes and unrevokes: the buffer is valid and counted
 * each of them, the fixture's own mapping (zapped all along) still reads
 * the BAR, and closing the buffer releases it.
 */
static void expect_cycles_then_release(struct mfix *f, unsigned int cycles)
{
	struct p2p_buf_stat st;

	t_stat(f->t.dev.bdf, f->ino, &st);
	ASSERT_EQ(st.revoked, 0);
	ASSERT_EQ(st.revokes, cycles);
	ASSERT_EQ(st.unrevokes, cycles);
	expect_buf_is_bar(f, f->map);
	fix_release(f, &st);
}

/*
 * An accessor faulting pages in against a revoker flipping the knob: each
 * revoke must zap what the accessor mapped (or it would never see SIGBUS),
 * each unrevoke must let it map again. The revoker waits (briefly) in each
 * state for the accessor to meet it, so both outcomes get their turn.
 */
static void mmap_race_fault_vs_revoke(void)
{
	struct racer r = { 0 };
	unsigned int cycles = 0;
	unsigned long b, o;
	struct mfix f;
	pthread_t th;
	uint64_t end;

	fix_open_main(&f);
	fix_buf_pages(&f, 0, f.ram ? 2 : 1);
	r.map = f.map;
	r.words = f.ram ? f.size / 4 : 1;
	r.write = f.ram;
	ASSERT_EQ(pthread_create(&th, NULL, race_access, &r), 0);
	end = p2p_now_ms() + RACE_MS;
	while (p2p_now_ms() < end) {
		b = cnt_get(&r.bus);
		ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, true));
		cycles++;
		wait_moved(&r.bus, b, STATE_WAIT_MS);
		o = cnt_get(&r.ok);
		ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, false));
		wait_moved(&r.ok, o, STATE_WAIT_MS);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	t_diag("%u revoke cycles in %u ms: %lu accesses done, %lu raised SIGBUS", cycles,
	       RACE_MS, r.ok, r.bus);
	if (r.bad)
		T_FAIL("%lu reads did not return the write before them (first: 0x%08x, wrote 0x%08x)",
		       r.bad, r.bad_got, r.bad_want);
	ASSERT_GT(r.ok, 0);
	ASSERT_GT(r.bus, 0);
	expect_cycles_then_release(&f, cycles);
}

struct churn {
	int fd;
	uint64_t size, page;
	bool stop;
	unsigned long maps, moves, ok, bus;
	int err;
	const char *what;
};

/* Moves @p's @size bytes to a fresh place with mremap(); MAP_FAILED on error. */
static char *move_mapping(char *p, uint64_t size)
{
	void *to = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (to == MAP_FAILED)
		return MAP_FAILED;
	return mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
}

/* mmap, touch every page, munmap (half the time in two pieces), until told. */
static void *churn_fn(void *arg)
{
	struct churn *c = arg;
	unsigned long i;
	uint32_t v;
	uint64_t k;
	char *p;

	for (i = 0; !__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE); i++) {
		/* MAP_POPULATE now and then: the core skips PFNMAP windows, mmap still works. */
		p = mmap(NULL, c->size, PROT_READ, MAP_SHARED | (i % 4 == 3 ? MAP_POPULATE : 0),
			 c->fd, 0);
		if (p == MAP_FAILED) {
			c->err = errno;
			c->what = "mmap";
			break;
		}
		cnt_inc(&c->maps);
		for (k = 0; k < c->size / c->page; k++)
			cnt_inc(try_rw((volatile uint32_t *)(p + k * c->page), 1, &v, false) ?
				&c->ok : &c->bus);
		/* Every third round moves the mapping while revokes zap it. */
		if (i % 3 == 1) {
			char *q = move_mapping(p, c->size);

			if (q == MAP_FAILED) {
				c->err = errno;
				c->what = "mremap";
				munmap(p, c->size);
				break;
			}
			p = q;
			cnt_inc(&c->moves);
			for (k = 0; k < c->size / c->page; k++)
				cnt_inc(try_rw((volatile uint32_t *)(p + k * c->page), 1, &v,
					       false) ? &c->ok : &c->bus);
		}
		/* Odd rounds split the VMA: page 0 first, then the rest. */
		if ((i & 1) && c->size > c->page) {
			if (munmap(p, c->page) || munmap(p + c->page, c->size - c->page)) {
				c->err = errno;
				c->what = "munmap of a split mapping";
				break;
			}
		} else if (munmap(p, c->size)) {
			c->err = errno;
			c->what = "munmap";
			break;
		}
	}
	return NULL;
}

/*
 * Mappings coming, moving (mremap) and going while revokes zap them:
 * nothing breaks, nothing stays.
 */
static void mmap_munmap_vs_revoke(void)
{
	struct churn c = { 0 };
	unsigned int cycles = 0;
	struct mfix f;
	pthread_t th;
	uint64_t end;

	fix_open_main(&f);
	fix_buf_pages(&f, 0, f.ram ? 2 : 1);
	c.fd = f.fd;
	c.size = f.size;
	c.page = f.t.page;
	ASSERT_EQ(pthread_create(&th, NULL, churn_fn, &c), 0);
	end = p2p_now_ms() + CHURN_MS;
	while (p2p_now_ms() < end) {
		ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, true));
		cycles++;
		p2p_sleep_ms(1);
		ASSERT_OK(p2p_knob_revoke(f.t.dev.bdf, false));
		p2p_sleep_ms(1);
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	t_diag("%u revoke cycles in %u ms: %lu mappings, %lu moved, %lu touches done, "
	       "%lu SIGBUS", cycles, CHURN_MS, c.maps, c.moves, c.ok, c.bus);
	if (c.err)
		T_FAIL("%s: %s", c.what, t_errname(c.err));
	ASSERT_GT(c.maps, 0);
	ASSERT_GT(c.moves, 0);
	ASSERT_GT(c.ok, 0);
	/* Every churned mapping is gone: close(2) drops the last reference. */
	expect_cycles_then_release(&f, cycles);
}

T_DEVICE_FIXTURE(t_reset_knobs);

TEST_F(dmabuf_p2p, mmap_rw_lands_in_bar) { mmap_rw_lands_in_bar(); }
TEST_F(dmabuf_p2p, mmap_private_refused) { mmap_private_refused(); }
TEST_F(dmabuf_p2p, mmap_past_end_refused) { mmap_past_end_refused(); }
TEST_F(dmabuf_p2p, mmap_write_needs_rdwr) { mmap_write_needs_rdwr(); }
TEST_F(dmabuf_p2p, mmap_sigbus_after_mem) { mmap_sigbus_after_mem(); }
TEST_F(dmabuf_p2p, mmap_sigbus_after_d3hot) { mmap_sigbus_after_d3hot(); }
TEST_F(dmabuf_p2p, mmap_sigbus_after_flr) { mmap_sigbus_after_flr(); }
TEST_F(dmabuf_p2p, mmap_sigbus_after_af_flr) { mmap_sigbus_after_af_flr(); }
TEST_F(dmabuf_p2p, mmap_sigbus_after_reset) { mmap_sigbus_after_reset(); }
TEST_F(dmabuf_p2p, mmap_sigbus_after_hot_reset) { mmap_sigbus_after_hot_reset(); }
TEST_F(dmabuf_p2p, mmap_sigbus_after_knob) { mmap_sigbus_after_knob(); }
TEST_F(dmabuf_p2p, mmap_sigbus_after_close) { mmap_sigbus_after_close(); }
TEST_F(dmabuf_p2p, mmap_survives_fd_close) { mmap_survives_fd_close(); }
TEST_F(dmabuf_p2p, mmap_fork_child_zapped) { mmap_fork_child_zapped(); }
TEST_F_TIMEOUT(dmabuf_p2p, mmap_race_fault_vs_revoke, 30) { mmap_race_fault_vs_revoke(); }
TEST_F_TIMEOUT(dmabuf_p2p, mmap_munmap_vs_revoke, 30) { mmap_munmap_vs_revoke(); }

TEST_HARNESS_MAIN
