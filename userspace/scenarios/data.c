// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario: real bytes through a real DMA engine. The importer's edu
 * device writes into the exported BAR and reads it back, by the DMA
 * addresses the exporter mapped for it; the BAR is watched through vfio's
 * mmap of it. A revoke must stop the engine's access (ENODEV, the BAR left
 * as it was) and the restore must let it in again. Nothing here asks the
 * exporter anything: it runs against ours and upstream vfio-pci's alike
 * (against ours the MR is also checked to map all of the buffer, for edu).
 * The selftest importer_edu runs it as edu_write_read_bar.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scenario.h"

#define DATA_PAGES	4	/* mapped BAR pages; the buffer is pages 1..2 */

/*
 * REG_MR for the engine. Only our exporter has the knob that lets it map
 * without a P2P path; upstream, run with a CPU it trusts, maps. Ours is
 * checked to have mapped all of it, for the edu device.
 */
static uint32_t edu_mr(int imp, int fd, uint64_t len, const char *edu)
{
	struct p2p_query_mr q;
	bool skipped, nul;
	uint32_t h;
	int ret;

	ret = p2p_imp_reg_edu(imp, fd, 0, len, P2P_MR_ACCESS_ALL, sc_counts(), &h, &skipped);
	if (skipped)
		sc_log("no P2P path by pci_p2pdma_distance(): skip_p2p_distance=1");
	SC_OK(ret);
	if (!sc_ours())
		return h;
	SC_OK(p2p_imp_query(imp, h, &q));
	nul = !q.dma_dev[sizeof(q.dma_dev) - 1];
	q.dma_dev[sizeof(q.dma_dev) - 1] = '\0';
	sc_expect(q.state == P2P_MR_STATE_MAPPED && q.mapped_length == len &&
		  (q.flags & P2P_MR_EDU) && nul && !strcmp(q.dma_dev, edu),
		  "MR %u: state %u, 0x%llx of 0x%llx bytes mapped, flags 0x%x, for %s%s; want "
		  "state %u, all of it, P2P_MR_EDU, for %s", h, q.state,
		  (unsigned long long)q.mapped_length, (unsigned long long)len, q.flags,
		  q.dma_dev, nul ? "" : " (not NUL-terminated)", P2P_MR_STATE_MAPPED, edu);
	return h;
}

/* edu moves @len bytes one way (@what), timed. */
static void edu_timed(int ret, const char *what, size_t len, uint64_t t0)
{
	uint64_t dt = p2p_now_ms() - t0;

	SC_OK(ret);
	sc_log("edu %s %zu bytes in %llu ms (%.1f KiB/s)", what, len, (unsigned long long)dt,
	       dt ? len * 1000.0 / 1024 / dt : 0.0);
}

static void edu_data(void)
{
	const char *env = getenv("DMABUF_P2P_DEVICE_EDU");
	uint8_t *buf, *out, fill[DATA_PAGES * 4096];
	char edu[P2P_BDF_LEN], want[P2P_BDF_LEN];
	volatile uint8_t *bar;
	size_t len, off;
	struct sc_dev d;
	uint64_t t0;
	uint32_t h;
	int imp, fd;
	void *p;

	imp = sc_importer();
	if (p2p_imp_edu_device(edu))
		sc_skip("no edu DMA engine bound to the importer: %s (DMABUF_P2P_DEVICE_EDU=%s)",
			p2p_last_error(), env && *env ? env : "unset");
	if (sc_ours() && env && !p2p_bdf_normalize(env, want) && strcmp(edu, want))
		sc_fail("the importer's edu engine is %s, DMABUF_P2P_DEVICE_EDU=%s", edu, want);
	sc_open_main(&d);
	if (sc->page * DATA_PAGES > sizeof(fill) || d.bar_size < sc->page * DATA_PAGES)
		sc_skip("needs %u pages of 4 KiB in BAR%u", DATA_PAGES, d.bar);
	SC_OK(p2p_bar_mmap(&d.dev, d.bar, 0, sc->page * DATA_PAGES, PROT_READ | PROT_WRITE,
			   &p));
	bar = p;
	off = sc->page;
	len = 2 * sc->page;
	buf = malloc(len);
	out = malloc(len);
	if (!buf || !out)
		sc_fail("out of memory");
	memset(fill, 0x5a, sizeof(fill));
	for (size_t i = 0; i < DATA_PAGES * sc->page; i++)
		bar[i] = 0x5a;

	fd = sc_buf(&d, 1, 2);
	h = edu_mr(imp, fd, len, edu);
	sc_log("edu %s on %s's BAR%u, pages 1..2", edu, d.dev.bdf, d.bar);

	sc_pattern(buf, len, 1);
	t0 = p2p_now_ms();
	edu_timed(p2p_imp_write(imp, h, 0, buf, len), "wrote into the BAR", len, t0);
	sc_expect_bar(bar, off, buf, len, "edu's write landed");
	sc_expect_bar(bar, 0, fill, off, "page before the buffer untouched");
	sc_expect_bar(bar, off + len, fill, sc->page, "page after the buffer untouched");

	sc_pattern(buf, len, 2);
	memcpy((void *)(bar + off), buf, len);
	memset(out, 0, len);
	t0 = p2p_now_ms();
	edu_timed(p2p_imp_read(imp, h, 0, out, len), "read from the BAR", len, t0);
	sc_expect(!memcmp(out, buf, len), "edu read back what the CPU wrote");

	/* Revoked: the engine is kept out and the BAR keeps its bytes. */
	sc_take_mmio(&d, true);
	sc_pattern(out, len, 3);
	SC_ERR(p2p_imp_write(imp, h, 0, out, len), ENODEV);
	SC_ERR(p2p_imp_read(imp, h, 0, out, len), ENODEV);
	sc_take_mmio(&d, false);
	sc_expect_bar(bar, off, buf, len, "nothing landed while revoked");

	/* Restored: the MR maps again on its next access. */
	sc_pattern(buf, len, 4);
	SC_OK(p2p_imp_write(imp, h, 0, buf, len));
	sc_expect_bar(bar, off, buf, len, "edu's write after the restore landed");

	SC_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
	munmap(p, sc->page * DATA_PAGES);
	free(buf);
	free(out);
}

const struct scenario sc_data[] = {
	{ "edu-data", edu_data,
	  "edu DMA into and out of the exported BAR; nothing moves while revoked", false },
};

const size_t sc_data_n = sizeof(sc_data) / sizeof(sc_data[0]);
