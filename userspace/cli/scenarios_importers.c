// SPDX-License-Identifier: GPL-2.0
/*
 * The CLI's own scenario, with an importer other than our mock: an RDMA
 * device must answer ibv_reg_dmabuf_mr() as its driver can: refuse it with
 * the exact errno (Soft-RoCE, soft-iWARP) or register, survive a revoke
 * and deregister (a capable NIC). It alone links libibverbs, so it stays
 * out of the scenario library the selftests link; the DRM importer's
 * scenario (vgem-refused) is the library's (scenarios/drm.c).
 */
#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "scenario.h"

/*
 * The kernel's vendor_id of the software providers (6.12 and 7.3 alike):
 * drivers/infiniband/sw/rxe/rxe_param.h RXE_VENDOR_ID, sw/siw/siw.h
 * SIW_VENDOR_ID. Device names are the user's choice (rdma link add NAME),
 * the vendor id is not.
 */
#define SC_RXE_VENDOR_ID	0xffffff
#define SC_SIW_VENDOR_ID	0x626d74

#define SC_MR_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | \
			 IBV_ACCESS_REMOTE_WRITE)

/* The first entry of sysfs class @cls, if any, into @name. */
static bool class_first(const char *cls, char *name, size_t len)
{
	char path[64];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/%s", cls);
	name[0] = 0;
	dir = opendir(path);
	if (!dir)
		return false;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "abi_version")) {
			snprintf(name, len, "%s", de->d_name);
			break;
		}
	closedir(dir);
	return name[0];
}

/*
 * Soft-RoCE (rxe) and soft-iWARP (siw) have no dma-buf MRs, in 6.12 or 7.3:
 * the call must fail with EOPNOTSUPP and leave the buffer untouched.
 *
 * Which layer answers: rdma-core's librxe/libsiw set no .reg_dmabuf_mr op
 * (rdma-core 44, providers/rxe/rxe.c and providers/siw/siw.c), so
 * libibverbs' ibv_reg_dmabuf_mr() (libibverbs/verbs.c) lands in the dummy
 * op libibverbs/dummy_ops.c reg_dmabuf_mr(), which sets errno = EOPNOTSUPP
 * without reaching the kernel. Were a provider to pass the call on, ib_uverbs
 * would say the same: UVERBS_METHOD_REG_DMABUF_MR returns -EOPNOTSUPP when
 * the driver has no ops.reg_user_mr_dmabuf
 * (drivers/infiniband/core/uverbs_std_types_mr.c:200, 6.12 and 7.3), and
 * neither rxe nor siw sets it. Either way the exporter is never attached.
 */
static void rdma_soft(const char *name, struct ibv_pd *pd, struct sc_dev *d, int fd)
{
	static const int want[] = { EOPNOTSUPP };
	struct p2p_buf_stat st;
	struct ibv_mr *mr;
	char what[128];
	int err;

	errno = 0;
	mr = ibv_reg_dmabuf_mr(pd, 0, sc->page, 0, fd, SC_MR_ACCESS);
	err = errno;
	if (mr) {
		ibv_dereg_mr(mr);
		sc_fail("%s: ibv_reg_dmabuf_mr succeeded on a software provider "
			"(rxe/siw have no dma-buf MRs): update the expectation", name);
	}
	if (!err)
		sc_fail("%s: ibv_reg_dmabuf_mr failed without an errno, want EOPNOTSUPP", name);
	snprintf(what, sizeof(what), "ibv_reg_dmabuf_mr(%s, dma-buf fd)", name);
	sc_check_err(__FILE__, __LINE__, what, -(long)err, want, 1);
	sc_log("%s: ibv_reg_dmabuf_mr refused with %s, as expected", name,
	       p2p_errno_name(err));
	if (sc_counts()) {
		sc_stat(d->dev.bdf, sc_ino(fd), &st);
		sc_expect(!st.attaches && !st.maps && !st.mapped,
			  "%s: the refused registration touched the buffer (attaches=%u maps=%u)",
			  name, st.attaches, st.maps);
	}
}

/*
 * A device with dma-buf MRs (mlx5, ...): register over the buffer, take
 * the MMIO away and give it back, deregister. Our exporter's counters show
 * the importer's side: the MR attached and mapped the buffer, and the
 * revoke's move_notify made it unmap. Upstream's exporter has no counters:
 * there the registration and the deregistration after a revoke are what
 * is checked. (Data through the MR would need a loopback QP and a live
 * port; that is left out.)
 */
static void rdma_capable(const char *name, struct ibv_pd *pd, struct sc_dev *d, int fd)
{
	uint64_t ino = sc_ino(fd);
	struct p2p_buf_stat st;
	struct ibv_mr *mr;
	int err;

	errno = 0;
	mr = ibv_reg_dmabuf_mr(pd, 0, sc->page, 0, fd, SC_MR_ACCESS);
	err = errno;
	if (!mr)
		sc_fail("%s: ibv_reg_dmabuf_mr: %s (%s)%s", name, p2p_errno_name(err),
			strerror(err), err == EOPNOTSUPP && sc_counts() ?
			"; a driver that pins the dma-buf is refused by dmabuf_p2p_exp "
			"(exporter/contract.c)" : "");
	sc_log("%s: dma-buf MR lkey=0x%x rkey=0x%x length=%zu", name, mr->lkey, mr->rkey,
	       mr->length);
	sc_expect(mr->length == sc->page && mr->pd == pd, "%s: MR length %zu, want %llu",
		  name, mr->length, (unsigned long long)sc->page);
	if (sc_counts()) {
		sc_stat(d->dev.bdf, ino, &st);
		sc_expect(st.attaches >= 1 && st.mapped >= 1,
			  "%s: the MR holds no mapping of the buffer (attaches=%u mapped=%u)",
			  name, st.attaches, st.mapped);
	}
	sc_take_mmio(d, true);
	if (sc_counts()) {
		sc_stat(d->dev.bdf, ino, &st);
		sc_expect(st.revoked && !st.mapped,
			  "%s: after the revoke the MR still maps the buffer (revoked=%d mapped=%u)",
			  name, st.revoked, st.mapped);
	}
	sc_take_mmio(d, false);
	err = ibv_dereg_mr(mr);
	sc_expect(!err, "%s: ibv_dereg_mr after the revoke: %s", name, strerror(err));
}

static void rdma_one(struct ibv_device *dev, struct sc_dev *d)
{
	const char *name = ibv_get_device_name(dev);
	struct ibv_device_attr attr;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	bool soft;
	int err, fd;

	ctx = ibv_open_device(dev);
	if (!ctx)
		sc_fail("%s: ibv_open_device: %s", name, strerror(errno));
	err = ibv_query_device(ctx, &attr);
	if (err)
		sc_fail("%s: ibv_query_device: %s", name, strerror(err));
	soft = attr.vendor_id == SC_RXE_VENDOR_ID || attr.vendor_id == SC_SIW_VENDOR_ID;
	sc_log("%s: %s, vendor 0x%x part 0x%x, node %s, fw %s", name,
	       attr.vendor_id == SC_RXE_VENDOR_ID ? "rxe" :
	       attr.vendor_id == SC_SIW_VENDOR_ID ? "siw" : "hardware",
	       attr.vendor_id, attr.vendor_part_id, ibv_node_type_str(dev->node_type),
	       attr.fw_ver);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		sc_fail("%s: ibv_alloc_pd: %s", name, strerror(errno));
	fd = sc_buf(d, 0, 1);
	if (soft)
		rdma_soft(name, pd, d, fd);
	else
		rdma_capable(name, pd, d, fd);
	close(fd);
	err = ibv_dealloc_pd(pd);
	sc_expect(!err, "%s: ibv_dealloc_pd: %s", name, strerror(err));
	ibv_close_device(ctx);
}

/*
 * ibv_reg_dmabuf_mr() on a buffer of the exporter under test (ours, or
 * upstream vfio-pci's under p2p.exporter=upstream) on every verbs device.
 * Skips only when there is no verbs device at all; a uverbs device that
 * libibverbs lists nothing for (no provider linked into this static CLI)
 * is a failure.
 */
static void rdma_dmabuf_mr(void)
{
	struct ibv_device **list;
	char ib[256], uv[256];
	struct sc_dev d;
	int i, n = 0;

	list = ibv_get_device_list(&n);
	if (!list || n <= 0) {
		int err = list ? 0 : errno;

		if (list)
			ibv_free_device_list(list);
		if (class_first("infiniband_verbs", uv, sizeof(uv)))
			sc_fail("verbs device %s, but ibv_get_device_list() lists none%s%s: "
				"no provider for it linked in?", uv, err ? ": " : "",
				err ? strerror(err) : "");
		if (class_first("infiniband", ib, sizeof(ib)))
			sc_skip("no verbs device (RDMA device %s, but ib_uverbs is not loaded)", ib);
		sc_skip("no RDMA device");
	}
	sc_open_main(&d);
	for (i = 0; i < n; i++)
		rdma_one(list[i], &d);
	ibv_free_device_list(list);
}

const struct scenario sc_importers[] = {
	{ "rdma-dmabuf-mr", rdma_dmabuf_mr,
	  "ibv_reg_dmabuf_mr on every verbs device: EOPNOTSUPP from rxe/siw, "
	  "register + revoke on a capable NIC (skips without any)", false },
};

const size_t sc_importers_n = sizeof(sc_importers) / sizeof(sc_importers[0]);
