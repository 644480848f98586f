// SPDX-License-Identifier: GPL-2.0
/*
 * Fixtures for the scenarios, and through tests/selftests/common.c for the
 * selftests too: opening a device with a usable memory BAR, making buffers
 * and MRs, reading the exporter's counters and release log.
 *
 * Upstream vfio-pci (7.x) exports through the same uAPI but has none of our
 * debugfs: no counters, knobs or release log. Against it, "listed" comes
 * from the dma-buf core's bufinfo and a release's path from a function trace
 * of it (lib/release_trace.c); revocation shows in what the importer gets.
 * What only our counters or knobs can show is checked where they exist
 * (sc_counts()), and a scenario that needs a knob skips saying so.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

static const char *const dev_envs[] = {
	"DMABUF_P2P_DEVICE", "DMABUF_P2P_DEVICE_FLR", "DMABUF_P2P_DEVICE_PM" };

bool sc_errno_in(int err, const int *set, size_t n)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < n; i++)
		if (set[i] == err)
			return true;
	return false;
}

void sc_check_err(const char *file, int line, const char *what, long r,
		  const int *want, size_t nwant)
{
	char list[128] = "";
	size_t i;

	if (r < 0 && sc_errno_in(r, want, nwant))
		return;
	for (i = 0; i < nwant; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? "|" : "", p2p_errno_name(want[i]));
	if (r >= 0)
		sc_fail("%s:%d: %s succeeded (%ld), want %s", file, line, what, r, list);
	sc_fail("%s:%d: %s: got %s (%s), want %s", file, line, what, p2p_errno_name(r),
		p2p_strerror(r), list);
}

/* Whether the main device is bound to upstream vfio-pci rather than ours. */
bool sc_upstream(void)
{
	static int upstream = -1;

	if (upstream < 0)
		upstream = sc->bdf && p2p_dev_is_upstream_vfio(sc->bdf);
	return upstream;
}

/*
 * REG_MR flags for the scenarios' MRs. Upstream maps only for a PCI importer
 * with a P2P path to the BAR: the edu engine's device is one (the k7-upstream
 * profile gives the guest a CPU whose host bridge allows it); our importer's
 * own platform device is not.
 */
uint32_t sc_mr_flags(void)
{
	return sc_upstream() ? P2P_MR_EDU : 0;
}

/* Our exporter's counters and knobs are there to be checked. */
bool sc_counts(void)
{
	return !sc_upstream();
}

/*
 * The exporter under test is ours: what a scenario took over from the
 * selftests, which only ever ran against ours, is checked where this
 * holds; against upstream a scenario checks what it always did.
 */
bool sc_ours(void)
{
	return !sc_upstream();
}

void sc_open(struct sc_dev *d, const char *bdf)
{
	/* Our exporter's scenarios read its counters: no debugfs, no scenario. */
	if (!sc_upstream())
		sc_need_debugfs();
	memset(d, 0, sizeof(*d));
	if (p2p_dev_open(bdf, &d->dev))
		sc_fail("open %s: %s", bdf, p2p_last_error());
	if (p2p_find_mem_bar(&d->dev, sc->page, &d->bar, &d->bar_size))
		sc_fail("%s", p2p_last_error());
}

void sc_open_main(struct sc_dev *d)
{
	sc_open(d, sc->bdf);
}

static const char *env_bdf(const char *name, char *bdf)
{
	const char *v = getenv(name);

	if (!v || !*v || p2p_bdf_normalize(v, bdf) || !p2p_pci_exists(bdf))
		return NULL;
	return bdf;
}

/*
 * The first device trigger @t can be fired at: @first (if any), then the
 * devices of the environment (the PM one first for D3hot, the FLR one
 * first for FLR), each once. @open_dev opens one into a device of the
 * caller's (it ends the caller's case if it cannot) and returns it; one
 * that cannot take @t is closed again. Returns the environment variable
 * that named the device ("" for @first), or NULL with why none would do
 * in @why: each device's reason, and the variables unset or naming no
 * PCI device.
 */
const char *sc_trigger_device(enum p2p_trigger t, const char *first,
			      struct p2p_dev *(*open_dev)(void *arg, const char *bdf), void *arg,
			      char *why, size_t len)
{
	const char *order[4] = { "", dev_envs[0], dev_envs[1], dev_envs[2] };
	char bdf[P2P_BDF_LEN], tried[4][P2P_BDF_LEN];
	struct p2p_dev *dev;
	size_t i, j, ntried = 0, used;

	if (t == P2P_TRIG_D3HOT || t == P2P_TRIG_D0) {
		order[1] = dev_envs[2];
		order[3] = dev_envs[0];
	} else if (t == P2P_TRIG_FLR || t == P2P_TRIG_AF_FLR) {
		order[1] = dev_envs[1];
		order[2] = dev_envs[0];
	}
	why[0] = '\0';
	for (i = 0; i < 4; i++) {
		const char *b = i ? env_bdf(order[i], bdf) : first;

		used = strlen(why);
		if (!b) {
			const char *v = i ? getenv(order[i]) : NULL;

			if (i)
				snprintf(why + used, len - used, "%s%s%s%s", used ? "; " : "",
					 order[i], v && *v ? "=" : " unset",
					 v && *v ? v : "");
			continue;
		}
		for (j = 0; j < ntried; j++)
			if (!strcmp(tried[j], b))
				break;
		if (j < ntried)
			continue;
		snprintf(tried[ntried++], P2P_BDF_LEN, "%s", b);
		dev = open_dev(arg, b);
		if (!p2p_trigger_supported(dev, t))
			return order[i];
		snprintf(why + used, len - used, "%s%s", used ? "; " : "", p2p_last_error());
		p2p_dev_close(dev);
	}
	return NULL;
}

static struct p2p_dev *open_cb(void *arg, const char *bdf)
{
	struct sc_dev *d = arg;

	sc_open(d, bdf);
	return &d->dev;
}

/* The first device @t can be fired at (--device first); skips, saying why, when none can. */
void sc_open_for(struct sc_dev *d, enum p2p_trigger t)
{
	char why[768];

	if (!sc_trigger_device(t, sc->bdf, open_cb, d, why, sizeof(why)))
		sc_skip("no device for %s: %s%s", p2p_trigger_name(t), why,
			p2p_trigger_coverage_note(t));
	sc_log("%s on %s (BAR%u, 0x%llx bytes)", p2p_trigger_name(t), d->dev.bdf, d->bar,
	       (unsigned long long)d->bar_size);
}

/*
 * Pages [@first_page, +@npages) of BAR @bar (@bar_size bytes) of @bdf, as a
 * range of it; skips when the BAR is too small.
 */
struct p2p_range sc_pages(const char *bdf, unsigned int bar, uint64_t bar_size,
			  uint64_t first_page, uint64_t npages)
{
	struct p2p_range r = { first_page * sc->page, npages * sc->page };

	if (r.offset + r.length > bar_size)
		sc_skip("BAR%u of %s is too small (0x%llx) for %llu pages", bar, bdf,
			(unsigned long long)bar_size, (unsigned long long)(first_page + npages));
	return r;
}

/* A buffer over pages [@first_page, +@npages) of the BAR; -errno on failure. */
int sc_buf_try(struct sc_dev *d, uint64_t first_page, uint64_t npages)
{
	struct p2p_range r = sc_pages(d->dev.bdf, d->bar, d->bar_size, first_page, npages);

	return p2p_dmabuf_create(&d->dev, d->bar, &r, 1, O_RDWR | O_CLOEXEC);
}

int sc_buf(struct sc_dev *d, uint64_t first_page, uint64_t npages)
{
	int fd = sc_buf_try(d, first_page, npages);

	if (fd < 0)
		sc_fail("%s", p2p_last_error());
	return fd;
}

uint64_t sc_ino(int fd)
{
	uint64_t ino;

	SC_OK(p2p_dmabuf_ino(fd, &ino));
	return ino;
}

/* The importer's fd; skips when the module is not loaded. */
int sc_importer(void)
{
	int fd = p2p_imp_open();

	if (fd == -ENOENT)
		sc_skip("importer not loaded (no " DMABUF_P2P_IMPORTER_DEV ")");
	if (fd < 0)
		sc_fail("%s", p2p_last_error());
	return fd;
}

/* An MR over the first @len bytes, accessed once so it is mapped. */
uint32_t sc_mr(int imp, int fd, uint64_t len)
{
	struct p2p_dma_seg segs[8];
	uint32_t h, n;

	SC_OK(p2p_imp_reg(imp, fd, 0, len, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h));
	SC_OK(p2p_imp_check(imp, h, 0, len, segs, 8, &n));
	return h;
}

/* MR @h's state, said. */
void sc_mr_state(int imp, uint32_t h, struct p2p_query_mr *q)
{
	SC_OK(p2p_imp_query(imp, h, q));
	sc_log("mr %u: state=%s generation=%llu invalidations=%llu remaps=%llu nents=%u len=%llu",
	       h, p2p_mr_state_name(q->state), (unsigned long long)q->generation,
	       (unsigned long long)q->invalidations, (unsigned long long)q->remaps, q->nents,
	       (unsigned long long)q->mapped_length);
}

/*
 * The MR @h over @len bytes, fresh from sc_mr(): mapped, all of it. Into
 * @q0, what the later checks compare with.
 */
void sc_mr_expect_mapped(int imp, uint32_t h, uint64_t len, struct p2p_query_mr *q0)
{
	sc_mr_state(imp, h, q0);
	if (sc_ours())
		sc_expect(q0->state == P2P_MR_STATE_MAPPED && q0->mapped_length == len,
			  "MR %u mapped, 0x%llx bytes of it (state %s, 0x%llx bytes)", h,
			  (unsigned long long)len, p2p_mr_state_name(q0->state),
			  (unsigned long long)q0->mapped_length);
}

/*
 * Revoked: move_notify unmapped @h, an access to its first @len bytes is
 * refused with ENODEV, after which the MR says it is revoked.
 */
void sc_mr_expect_revoked(int imp, uint32_t h, uint64_t len,
			  const struct p2p_query_mr *q0)
{
	struct p2p_dma_seg segs[8];
	struct p2p_query_mr q;
	uint32_t n;

	sc_mr_state(imp, h, &q);
	sc_expect(q.state != P2P_MR_STATE_MAPPED, "MR invalidated by move_notify");
	if (sc_ours())
		sc_expect(q.invalidations > q0->invalidations,
			  "importer saw move_notify (%llu invalidations)",
			  (unsigned long long)q.invalidations);
	SC_ERR(p2p_imp_check(imp, h, 0, len, segs, 8, &n), ENODEV);
	if (sc_ours()) {
		sc_mr_state(imp, h, &q);
		sc_expect(q.state == P2P_MR_STATE_REVOKED, "MR revoked once refused (state %s)",
			  p2p_mr_state_name(q.state));
	}
}

/* Usable again: an access remaps all @len bytes of @h, a new generation. */
void sc_mr_expect_remapped(int imp, uint32_t h, uint64_t len,
			   const struct p2p_query_mr *q0)
{
	struct p2p_dma_seg segs[8];
	struct p2p_query_mr q;
	uint32_t n = 0;

	SC_OK(p2p_imp_check(imp, h, 0, len, segs, 8, &n));
	sc_mr_state(imp, h, &q);
	sc_expect(q.state == P2P_MR_STATE_MAPPED, "MR mapped again");
	sc_expect(q.generation > q0->generation, "generation moved on");
	sc_expect(q.invalidations > q0->invalidations, "importer saw move_notify");
	if (sc_ours()) {
		sc_expect(n >= 1, "CHECK returned no DMA segments");
		sc_expect(q.remaps > q0->remaps, "MR remapped (%llu remaps)",
			  (unsigned long long)q.remaps);
		sc_expect(q.mapped_length == len, "MR maps 0x%llx bytes, want 0x%llx",
			  (unsigned long long)q.mapped_length, (unsigned long long)len);
	}
}

/* Our exporter's debugfs: a strict host (the selftests) fails without it. */
void sc_need_debugfs(void)
{
	if (sc_upstream())
		sc_skip("needs dmabuf_p2p_exp's debugfs; %s is upstream vfio-pci", sc->bdf);
	if (!p2p_debugfs_ensure())
		return;
	if (sc->strict)
		sc_fail("exporter debugfs: %s", p2p_last_error());
	sc_skip("exporter debugfs: %s", p2p_last_error());
}

/*
 * A trace names no buffer: the scenario's buffers are released one at a
 * time, so the n-th release traced since sc_fresh_log() belongs to the n-th
 * inode asked about.
 */
#define SC_TRACED_MAX 16
static uint64_t traced_ino[SC_TRACED_MAX];
static int ntraced;

void sc_fresh_log(void)
{
	if (sc_upstream()) {
		SC_OK(p2p_release_trace_start());
		ntraced = 0;
		return;
	}
	sc_need_debugfs();
	SC_OK(p2p_releases_clear());
}

/* The traced release of @ino, if @n releases are in the trace. */
static bool traced(uint64_t ino, const struct p2p_trace_rel *t, int n,
		   struct p2p_rel_rec *r)
{
	int i;

	for (i = 0; i < ntraced && traced_ino[i] != ino; i++)
		;
	if (i >= n || i >= SC_TRACED_MAX)
		return false;
	if (i == ntraced)
		traced_ino[ntraced++] = ino;
	memset(r, 0, sizeof(*r));
	r->ino = ino;
	snprintf(r->path, sizeof(r->path), "%s", t[i].path);
	return true;
}

bool sc_released(uint64_t ino, struct p2p_rel_rec *r)
{
	struct p2p_trace_rel t[SC_TRACED_MAX];
	int ret;

	if (sc_upstream()) {
		ret = SC_OK(p2p_release_trace_read(t, SC_TRACED_MAX));
		return traced(ino, t, ret, r);
	}
	ret = p2p_release_find(ino, r);
	if (ret && ret != -ENOENT)
		sc_fail("%s", p2p_last_error());
	return !ret;
}

/* task_work and delayed_fput releases finish after the call that caused them. */
void sc_wait_release(uint64_t ino, struct p2p_rel_rec *r, unsigned int timeout_ms)
{
	struct p2p_trace_rel t[SC_TRACED_MAX];
	int n;

	if (sc_upstream()) {
		if (sc_released(ino, r))
			goto found;
		n = p2p_release_trace_wait(ntraced + 1, t, SC_TRACED_MAX, timeout_ms);
		if (n < 0 || !traced(ino, t, n, r))
			sc_fail("ino=%llu: %s", (unsigned long long)ino, p2p_last_error());
found:
		sc_log("released ino=%llu path=%s (function trace)",
		       (unsigned long long)r->ino, r->path);
		return;
	}
	sc_need_debugfs();
	if (p2p_release_wait(ino, r, timeout_ms))
		sc_fail("%s", p2p_last_error());
	sc_log("released ino=%llu path=%s attaches=%u maps=%u revokes=%u unrevokes=%u",
	       (unsigned long long)r->ino, r->path, r->attaches, r->maps, r->revokes,
	       r->unrevokes);
}

void sc_expect_path(const struct p2p_rel_rec *r, const char *path)
{
	sc_expect(!strcmp(r->path, path), "ino=%llu released by path=%s, want %s",
		  (unsigned long long)r->ino, r->path, path);
}

bool sc_listed(const char *bdf, uint64_t ino)
{
	struct p2p_buf_stat st;
	int ret;

	if (sc_upstream()) {
		struct p2p_bufinfo b[64];
		int i, n = SC_OK(p2p_bufinfo_list(b, 64));

		for (i = 0; i < n && i < 64; i++)
			if (b[i].ino == ino)
				return true;
		return false;
	}
	sc_need_debugfs();
	ret = p2p_buffer_stat(bdf, ino, &st);
	if (ret && ret != -ENOENT)
		sc_fail("%s", p2p_last_error());
	return !ret;
}

void sc_stat(const char *bdf, uint64_t ino, struct p2p_buf_stat *st)
{
	sc_need_debugfs();
	if (p2p_buffer_stat(bdf, ino, st))
		sc_fail("%s", p2p_last_error());
	sc_log("buffer ino=%llu size=%llu revoked=%d attaches=%u maps=%u revokes=%u unrevokes=%u "
	       "mapped=%u bus_maps=%u dma_maps=%u", (unsigned long long)st->ino,
	       (unsigned long long)st->size, st->revoked, st->attaches, st->maps, st->revokes,
	       st->unrevokes, st->mapped, st->bus_maps, st->dma_maps);
}

void sc_knob(const char *bdf, const char *name, long val)
{
	if (sc_upstream())
		sc_skip("needs dmabuf_p2p_exp's knob %s; %s is upstream vfio-pci", name, sc->bdf);
	sc_need_debugfs();
	if (p2p_exp_knob_set(bdf, name, val))
		sc_fail("%s", p2p_last_error());
}

/*
 * Buffers of @d still alive: our exporter's list of the device, or for
 * upstream the dma-buf core's list of every vfio-pci buffer (it names no
 * device: the scenarios run one device at a time).
 */
unsigned int sc_live_buffers(struct sc_dev *d)
{
	struct p2p_bufinfo b[256];
	int i, n, live = 0;

	if (!sc_upstream())
		return SC_OK(p2p_buffers_list(d->dev.bdf, NULL, 0));
	n = SC_OK(p2p_bufinfo_list(b, 256));
	for (i = 0; i < n && i < 256; i++)
		live += !strcmp(b[i].exp_name, SC_UPSTREAM_EXP_NAME);
	return live;
}

/*
 * Takes the buffers' MMIO away (@revoke) and gives it back: our exporter's
 * revoke knob, or for upstream, which has none, COMMAND.MEM through vfio.
 */
void sc_take_mmio(struct sc_dev *d, bool revoke)
{
	if (sc_upstream())
		SC_OK(p2p_trigger_fire(&d->dev, revoke ? P2P_TRIG_MEM_OFF : P2P_TRIG_MEM_ON));
	else
		SC_OK(p2p_knob_revoke(d->dev.bdf, revoke));
}

/*
 * Runner, after each scenario: every knob a scenario may turn, back to rest,
 * and the function tracer a release trace took over (sc_fresh_log()) back
 * to nop.
 */
void sc_reset_knobs(const char *main_bdf)
{
	char bdf[3][P2P_BDF_LEN];
	const char *bdfs[4] = { main_bdf };
	size_t i;

	for (i = 0; i < 3; i++)
		bdfs[i + 1] = env_bdf(dev_envs[i], bdf[i]);
	p2p_knobs_reset(bdfs, 4);
	if (main_bdf && p2p_dev_is_upstream_vfio(main_bdf))
		p2p_release_trace_stop();
}

/* Bytes that differ from page to page and from @seed to @seed. */
void sc_pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed * 31 + (i >> 9) + 1);
}

/* BAR bytes [@off, +@len) seen through a mapping must be @want. */
void sc_expect_bar(volatile uint8_t *bar, size_t off, const uint8_t *want, size_t len,
		   const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (bar[off + i] != want[i])
			break;
	sc_expect(i == len, "%s: BAR byte 0x%zx is 0x%02x, want 0x%02x", what, off + i,
		  i < len ? bar[off + i] : 0, i < len ? want[i] : 0);
}
