// SPDX-License-Identifier: GPL-2.0
/*
 * Fixtures for the scenarios (the CLI's counterpart of the selftests'
 * common.c): opening a device with a usable memory BAR, making buffers and
 * MRs, reading the exporter's counters and release log.
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

void sc_open(struct sc_dev *d, const char *bdf)
{
	/* Every scenario reads the exporter's counters: no exporter, no scenario. */
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
 * The first device @t can be fired at: --device, then the devices of the
 * environment (the PM one first for D3hot, the FLR one first for FLR).
 * Skips, saying why, when none can.
 */
void sc_open_for(struct sc_dev *d, enum p2p_trigger t)
{
	const char *order[4] = { NULL, dev_envs[0], dev_envs[1], dev_envs[2] };
	char bdf[P2P_BDF_LEN], tried[4][P2P_BDF_LEN], why[768] = "";
	size_t i, j, ntried = 0, len;

	if (t == P2P_TRIG_D3HOT || t == P2P_TRIG_D0) {
		order[1] = dev_envs[2];
		order[3] = dev_envs[0];
	} else if (t == P2P_TRIG_FLR || t == P2P_TRIG_AF_FLR) {
		order[1] = dev_envs[1];
		order[2] = dev_envs[0];
	}
	for (i = 0; i < 4; i++) {
		const char *b = i ? env_bdf(order[i], bdf) : sc->bdf;

		if (!b)
			continue;
		for (j = 0; j < ntried; j++)
			if (!strcmp(tried[j], b))
				break;
		if (j < ntried)
			continue;
		strcpy(tried[ntried++], b);
		sc_open(d, b);
		if (!p2p_trigger_supported(&d->dev, t)) {
			sc_log("%s on %s (BAR%u, 0x%llx bytes)", p2p_trigger_name(t), b, d->bar,
			       (unsigned long long)d->bar_size);
			return;
		}
		len = strlen(why);
		snprintf(why + len, sizeof(why) - len, "%s%s", len ? "; " : "",
			 p2p_last_error());
		p2p_dev_close(&d->dev);
	}
	sc_skip("no device for %s: %s%s", p2p_trigger_name(t), why,
		p2p_trigger_coverage_note(t));
}

/* A buffer over pages [@first_page, +@npages) of the BAR; -errno on failure. */
int sc_buf_try(struct sc_dev *d, uint64_t first_page, uint64_t npages)
{
	struct p2p_range r = { first_page * sc->page, npages * sc->page };

	if (r.offset + r.length > d->bar_size)
		sc_skip("BAR%u of %s is too small (0x%llx) for %llu pages", d->bar, d->dev.bdf,
			(unsigned long long)d->bar_size,
			(unsigned long long)(first_page + npages));
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

	SC_OK(p2p_imp_reg(imp, fd, 0, len, 0, P2P_MR_ACCESS_ALL, &h));
	SC_OK(p2p_imp_check(imp, h, 0, len, segs, 8, &n));
	return h;
}

void sc_need_debugfs(void)
{
	if (p2p_debugfs_ensure())
		sc_skip("exporter debugfs: %s", p2p_last_error());
}

void sc_fresh_log(void)
{
	sc_need_debugfs();
	SC_OK(p2p_releases_clear());
}

bool sc_released(uint64_t ino, struct p2p_rel_rec *r)
{
	int ret = p2p_release_find(ino, r);

	if (ret && ret != -ENOENT)
		sc_fail("%s", p2p_last_error());
	return !ret;
}

/* task_work and delayed_fput releases finish after the call that caused them. */
void sc_wait_release(uint64_t ino, struct p2p_rel_rec *r, unsigned int timeout_ms)
{
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
	int ret = p2p_buffer_stat(bdf, ino, &st);

	if (ret && ret != -ENOENT)
		sc_fail("%s", p2p_last_error());
	return !ret;
}

void sc_stat(const char *bdf, uint64_t ino, struct p2p_buf_stat *st)
{
	if (p2p_buffer_stat(bdf, ino, st))
		sc_fail("%s", p2p_last_error());
	sc_log("buffer ino=%llu revoked=%d attaches=%u maps=%u revokes=%u unrevokes=%u mapped=%u",
	       (unsigned long long)st->ino, st->revoked, st->attaches, st->maps, st->revokes,
	       st->unrevokes, st->mapped);
}

void sc_knob(const char *bdf, const char *name, long val)
{
	sc_need_debugfs();
	if (p2p_exp_knob_set(bdf, name, val))
		sc_fail("%s", p2p_last_error());
}

/* Runner, after each scenario: every knob a scenario may turn, back to rest. */
void sc_reset_knobs(const char *main_bdf)
{
	char bdf[3][P2P_BDF_LEN];
	const char *bdfs[4] = { main_bdf };
	size_t i;

	for (i = 0; i < 3; i++)
		bdfs[i + 1] = env_bdf(dev_envs[i], bdf[i]);
	p2p_knobs_reset(bdfs, 4);
}
