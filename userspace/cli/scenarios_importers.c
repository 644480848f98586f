// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios with importers other than our mock: a DRM driver that cannot
 * do peer-to-peer (vgem, through PRIME import) must be refused cleanly,
 * and a real RDMA device would take an ibv_reg_dmabuf_mr().
 */
#include <dirent.h>
#include <string.h>
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
	/* And still good for a P2P importer. */
	imp = p2p_imp_open();
	if (imp >= 0) {
		SC_OK(p2p_imp_reg(imp, fd, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h));
		SC_OK(p2p_imp_check(imp, h, 0, sc->page, segs, 4, &n));
		SC_OK(p2p_imp_dereg(imp, h, 0));
		close(imp);
	}
	close(fd);
	close(card);
}

/*
 * rdma-core is not linked (static binaries for a busybox VM): with no RDMA
 * device this skips as the issue asks; with one it still skips, saying
 * what is missing, rather than pretending.
 */
static void rdma_dmabuf_mr(void)
{
	struct dirent *de;
	char first[256] = "";
	DIR *dir = opendir("/sys/class/infiniband");

	if (dir) {
		while ((de = readdir(dir)))
			if (de->d_name[0] != '.') {
				snprintf(first, sizeof(first), "%s", de->d_name);
				break;
			}
		closedir(dir);
	}
	if (!first[0])
		sc_skip("no RDMA device");
	sc_skip("RDMA device %s present, but this build has no rdma-core "
		"(ibv_reg_dmabuf_mr) backend", first);
}

const struct scenario sc_importers[] = {
	{ "vgem-refused", vgem_refused,
	  "a DRM importer without P2P (vgem PRIME import) is refused cleanly", false },
	{ "rdma-dmabuf-mr", rdma_dmabuf_mr,
	  "ibv_reg_dmabuf_mr on a real RDMA device (skips without one)", false },
};

const size_t sc_importers_n = sizeof(sc_importers) / sizeof(sc_importers[0]);
