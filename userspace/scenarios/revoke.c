// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios: revoke by each exporter trigger while MRs are registered,
 * being accessed and being deregistered, then unrevoke and access again;
 * and closing the vfio device under live buffers and MRs, after which
 * every use of them must fail cleanly. The selftests exporter_revoke
 * (trigger_*) and exporter_lifetime (device_close_live_buffer) run them.
 * What only our exporter was ever checked for (sc_ours()), upstream's runs
 * leave out.
 */
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scenario.h"

struct hammer {
	int imp;
	uint32_t h;
	volatile bool stop;
	unsigned long ok, enodev, other;
	int other_err;
};

/* Accesses the MR until told to stop: only success or ENODEV may come back. */
static void *hammer_fn(void *arg)
{
	struct hammer *hm = arg;
	struct p2p_dma_seg segs[8];
	uint32_t n;
	int ret;

	while (!hm->stop) {
		ret = p2p_imp_check(hm->imp, hm->h, 0, sc->page, segs, 8, &n);
		if (!ret) {
			hm->ok++;
		} else if (ret == -ENODEV) {
			hm->enodev++;
		} else {
			hm->other++;
			hm->other_err = -ret;
		}
	}
	return NULL;
}

struct dereg_job {
	int imp;
	uint32_t h;
	int ret;
};

static void *dereg_fn(void *arg)
{
	struct dereg_job *j = arg;

	j->ret = p2p_imp_dereg(j->imp, j->h, 0);
	return NULL;
}

/*
 * Revoke by the trigger named @name while one MR is accessed, another is
 * deregistered and a third kept; restore (a reset does both in one call);
 * use them again. Checked at every step: the exporter's counters (ours),
 * the kept MR's state and counters, what accesses and registrations
 * return, and (ours) the buffer's release record.
 */
static void revoke_by(const char *name)
{
	const struct p2p_trigger_desc *t = p2p_trigger_lookup(name);
	struct p2p_dma_seg segs[8];
	struct p2p_query_mr q0, q;
	struct p2p_buf_stat st0, st;
	struct p2p_rel_rec rec;
	struct hammer hm = { 0 };
	struct dereg_job dj = { 0 };
	pthread_t ht, dt;
	struct sc_dev d;
	uint32_t keep, h, n;
	uint64_t ino, t0, len;
	int fd, imp;

	if (!t)
		sc_fail("%s", p2p_last_error());
	imp = sc_importer();
	sc_open_for(&d, t->revoke);
	len = 2 * sc->page;
	fd = sc_buf(&d, 0, 2);
	ino = sc_ino(fd);
	keep = sc_mr(imp, fd, len);
	hm.imp = imp;
	hm.h = sc_mr(imp, fd, sc->page);
	dj.imp = imp;
	dj.h = sc_mr(imp, fd, sc->page);
	sc_mr_expect_mapped(imp, keep, len, &q0);
	if (sc_counts()) {
		sc_stat(d.dev.bdf, ino, &st0);
		sc_expect(!st0.revoked, "buffer starts unrevoked");
	}

	if (pthread_create(&ht, NULL, hammer_fn, &hm))
		sc_fail("pthread_create failed");
	p2p_sleep_ms(50);
	/* One MR is deregistered while the revoke runs. */
	if (pthread_create(&dt, NULL, dereg_fn, &dj))
		sc_fail("pthread_create failed");
	t0 = p2p_now_ms();
	SC_OK(p2p_trigger_fire(&d.dev, t->revoke));
	sc_log("%s took %llu ms", p2p_trigger_name(t->revoke),
	       (unsigned long long)(p2p_now_ms() - t0));
	pthread_join(dt, NULL);
	sc_expect(!dj.ret, "DEREG_MR during the revoke: %s",
		  dj.ret ? p2p_strerror(dj.ret) : "ok");
	/* Before any new REG_MR: handles are reused, lowest first. */
	SC_ERR(p2p_imp_query(imp, dj.h, &q), ENOENT);

	if (t->restore != P2P_TRIG_NONE) {
		if (sc_counts()) {
			sc_stat(d.dev.bdf, ino, &st);
			sc_expect(st.revoked == 1, "buffer revoked");
			sc_expect(st.revokes == st0.revokes + 1, "one revoke counted");
			sc_expect(st.unrevokes == st0.unrevokes, "no unrevoke counted yet (%u)",
				  st.unrevokes);
		}
		sc_mr_expect_revoked(imp, keep, sc->page, &q0);
		SC_ERR(p2p_imp_reg(imp, fd, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h), ENODEV);
		SC_OK(p2p_trigger_fire(&d.dev, t->restore));
	}
	/* Restored (a reset revoked and restored in the one call). */
	if (sc_counts()) {
		sc_stat(d.dev.bdf, ino, &st);
		sc_expect(!st.revoked, "buffer usable again");
		sc_expect(st.revokes == st0.revokes + 1, "one revoke counted (%u)", st.revokes);
		sc_expect(st.unrevokes == st0.unrevokes + 1, "one unrevoke counted (%u)",
			  st.unrevokes);
		sc_expect(st.attaches >= 1, "the MRs attached (%u)", st.attaches);
	}

	p2p_sleep_ms(50);
	hm.stop = true;
	pthread_join(ht, NULL);
	sc_log("accesses during the run: %lu ok, %lu ENODEV, %lu other", hm.ok, hm.enodev,
	       hm.other);
	sc_expect(!hm.other, "accesses failed only with ENODEV (got %s)",
		  p2p_errno_name(hm.other_err));

	/* Access again: the kept MR remaps, a new MR registers. */
	sc_mr_expect_remapped(imp, keep, len, &q0);
	SC_OK(p2p_imp_reg(imp, fd, sc->page, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h));
	SC_OK(p2p_imp_check(imp, h, 0, sc->page, segs, 8, &n));

	/* The MRs go first: the close(2) drops the last reference. */
	SC_OK(p2p_imp_dereg(imp, h, 0));
	SC_OK(p2p_imp_dereg(imp, hm.h, 0));
	SC_OK(p2p_imp_dereg(imp, keep, 0));
	close(imp);
	close(fd);
	if (sc_counts()) {
		sc_wait_release(ino, &rec, 3000);
		sc_expect_path(&rec, P2P_REL_CLOSE);
		sc_expect(rec.revokes == st.revokes && rec.unrevokes == st.unrevokes,
			  "release record counts %u revoke(s), %u unrevoke(s); the buffer had %u, %u",
			  rec.revokes, rec.unrevokes, st.revokes, st.unrevokes);
	}
}

static void revoke_mem(void)
{
	revoke_by("mem");
}

static void revoke_d3hot(void)
{
	revoke_by("d3hot");
}

static void revoke_flr(void)
{
	revoke_by("flr");
}

static void revoke_af_flr(void)
{
	revoke_by("af-flr");
}

static void revoke_reset(void)
{
	revoke_by("reset");
}

static void revoke_hot_reset(void)
{
	revoke_by("hot-reset");
}

static void revoke_knob(void)
{
	revoke_by("knob");
}

/*
 * Close the vfio device under a live buffer and MR: the buffer is revoked
 * for good and every later use of it fails cleanly, while the device opens
 * and exports again; the orphan still goes by a close(2) release.
 */
static void device_close(void)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	struct p2p_buf_stat st0 = { 0 }, st;
	struct p2p_dma_seg segs[8];
	struct p2p_query_mr q0;
	struct p2p_rel_rec rec;
	char bdf[P2P_BDF_LEN], name[64];
	uint64_t ino, size;
	struct sc_dev d, d2;
	uint32_t h, h2, n;
	int fd, fd2, imp, ret, err;
	void *p;

	imp = sc_importer();
	sc_open_main(&d);
	sc_fresh_log();
	strcpy(bdf, d.dev.bdf);
	fd = sc_buf(&d, 0, 2);
	ino = sc_ino(fd);
	h = sc_mr(imp, fd, 2 * sc->page);
	sc_mr_expect_mapped(imp, h, 2 * sc->page, &q0);
	if (sc_counts())
		sc_stat(bdf, ino, &st0);

	SC_OK(p2p_trigger_fire(&d.dev, P2P_TRIG_CLOSE));
	sc_log("device closed");

	if (!p2p_buffer_stat(bdf, ino, &st)) {
		sc_log("still listed after the close: revoked=%d", st.revoked);
		sc_expect(st.revoked == 1, "a listed orphan is revoked");
	} else if (sc_counts()) {
		sc_log("buffer no longer listed by %s", bdf);
	}
	sc_mr_expect_revoked(imp, h, 2 * sc->page, &q0);
	SC_ERR(p2p_imp_reg(imp, fd, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h2), ENODEV);
	p = mmap(NULL, 2 * sc->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = errno;
	sc_expect(p == MAP_FAILED, "mmap of the orphan refused");
	if (p != MAP_FAILED)
		munmap(p, 2 * sc->page);
	else if (sc_ours())
		sc_expect(err == ENODEV, "mmap of the orphan: %s, want ENODEV", p2p_errno_name(err));
	ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	sc_log("DMA_BUF_IOCTL_SYNC on the orphan: %s", ret ? p2p_errno_name(errno) : "0");
	SC_OK(p2p_dmabuf_size(fd, &size));
	sc_expect(size == 2 * sc->page, "the orphan still knows its size");
	if (sc_ours())
		SC_OK(p2p_fdinfo_field(fd, "exp_name", name, sizeof(name)));

	/* The device opens and exports again; the orphan stays revoked. */
	sc_open(&d2, bdf);
	if (!p2p_buffer_stat(bdf, ino, &st))
		sc_expect(st.revoked == 1, "a listed orphan stays revoked after the reopen");
	fd2 = sc_buf(&d2, 0, 1);
	if (sc_counts()) {
		sc_stat(bdf, sc_ino(fd2), &st);
		sc_expect(!st.revoked, "a new buffer of the reopened device is live");
	}
	SC_ERR(p2p_imp_reg(imp, fd, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h2), ENODEV);
	SC_ERR(p2p_imp_check(imp, h, 0, sc->page, segs, 8, &n), ENODEV);
	SC_OK(p2p_imp_reg(imp, fd2, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h2));
	SC_OK(p2p_imp_check(imp, h2, 0, sc->page, segs, 8, &n));
	SC_OK(p2p_imp_dereg(imp, h2, 0));
	SC_OK(p2p_imp_dereg(imp, h, 0));
	SC_OK(close(fd) ? -errno : 0);
	sc_wait_release(ino, &rec, 3000);
	sc_expect_path(&rec, P2P_REL_CLOSE);
	if (sc_counts())
		sc_expect(rec.revokes >= st0.revokes + 1, "release record counts the revoke (%u)",
			  rec.revokes);
	close(fd2);
	p2p_dev_close(&d2.dev);
}

const struct scenario sc_revoke[] = {
	{ "revoke-mem", revoke_mem,
	  "COMMAND.MEM off/on while MRs are accessed and deregistered", false },
	{ "revoke-d3hot", revoke_d3hot,
	  "PMCSR D3hot/D0 while MRs are accessed and deregistered", false },
	{ "revoke-flr", revoke_flr,
	  "PCIe FLR while MRs are accessed and deregistered", false },
	{ "revoke-af-flr", revoke_af_flr,
	  "AF FLR while MRs are accessed and deregistered", false },
	{ "revoke-reset", revoke_reset,
	  "VFIO_DEVICE_RESET while MRs are accessed and deregistered", false },
	{ "revoke-hot-reset", revoke_hot_reset,
	  "VFIO_DEVICE_PCI_HOT_RESET while MRs are accessed and deregistered", false },
	{ "revoke-knob", revoke_knob,
	  "debugfs revoke knob 1/0 while MRs are accessed and deregistered", false },
	{ "device-close", device_close,
	  "close the vfio device under live buffers and MRs; later uses fail cleanly", false },
};

const size_t sc_revoke_n = sizeof(sc_revoke) / sizeof(sc_revoke[0]);
