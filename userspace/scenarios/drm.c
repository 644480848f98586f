// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario: a DRM driver that cannot do peer-to-peer (vgem, through PRIME
 * import) must be refused cleanly, and the buffer stay good for a P2P
 * importer. (The RDMA importers' scenario is the CLI's own: it alone links
 * libibverbs.)
 */
#include <unistd.h>

#include "scenario.h"

/* vgem attaches without peer2peer: the exporter says EOPNOTSUPP, nothing breaks. */
static void vgem_refused(void)
{
	struct p2p_dma_seg segs[4];
	struct p2p_buf_stat st;
	struct sc_dev d;
	uint32_t gem, h, n;
	int card, fd, imp, ret;

	card = p2p_drm_open("vgem");
	if (card < 0)
		sc_skip("%s", p2p_last_error());
	sc_open_main(&d);
	fd = sc_buf(&d, 0, 1);
	ret = p2p_drm_prime_import(card, fd, &gem);
	if (!ret)
		p2p_drm_gem_close(card, gem);
	SC_ERR(ret, EOPNOTSUPP);
	if (sc_counts()) {
		sc_stat(d.dev.bdf, sc_ino(fd), &st);
		sc_expect(!st.revoked && !st.maps, "buffer untouched by the refused import");
	}
	/* And still good for a P2P importer, if one is loaded. */
	imp = p2p_imp_open();
	if (imp < 0 && imp != -ENOENT)
		sc_fail("%s", p2p_last_error());
	if (imp >= 0) {
		SC_OK(p2p_imp_reg(imp, fd, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h));
		SC_OK(p2p_imp_check(imp, h, 0, sc->page, segs, 4, &n));
		SC_OK(p2p_imp_dereg(imp, h, 0));
		close(imp);
	}
	close(fd);
	close(card);
}

const struct scenario sc_drm[] = {
	{ "vgem-refused", vgem_refused,
	  "a DRM importer without P2P (vgem PRIME import) is refused cleanly", false },
};

const size_t sc_drm_n = sizeof(sc_drm) / sizeof(sc_drm[0]);
