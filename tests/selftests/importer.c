// SPDX-License-Identifier: GPL-2.0
/*
 * importer: the mock RDMA importer against three exporters — udmabuf
 * (page-backed: WRITE/READ round trips), vgem (a DRM exporter; and a
 * non-P2P importer that our exporter must refuse), and our vfio exporter
 * (DMA addresses of the BAR) — plus every bad input of the importer uAPI.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "common.h"
#include "harness.h"

#define NPAGES	4

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + seed * 17 + (i >> 9));
}

static uint8_t *map_memfd(int memfd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);

	ASSERT_TRUE(p != MAP_FAILED);
	return p;
}

static void query_mapped(int imp, uint32_t h, uint64_t len)
{
	struct p2p_query_mr q;

	ASSERT_OK(p2p_imp_query(imp, h, &q));
	t_diag("mr %u: state=%s nents=%u mapped_length=%llu", h, p2p_mr_state_name(q.state),
	       q.nents, (unsigned long long)q.mapped_length);
	ASSERT_EQ(q.state, P2P_MR_STATE_MAPPED);
	ASSERT_GE(q.nents, 1);
	ASSERT_EQ(q.mapped_length, len);
}

static void roundtrip(int imp, uint32_t h, uint8_t *view, size_t len)
{
	uint8_t *buf = calloc(1, len), *out = calloc(1, len);

	ASSERT_TRUE(buf && out);
	/* importer -> memory */
	fill(buf, len, 1);
	ASSERT_OK(p2p_imp_write(imp, h, 0, buf, len));
	ASSERT_EQ(memcmp(view, buf, len), 0);
	/* memory -> importer */
	fill(view, len, 2);
	memset(out, 0, len);
	ASSERT_OK(p2p_imp_read(imp, h, 0, out, len));
	ASSERT_EQ(memcmp(out, view, len), 0);
	free(buf);
	free(out);
}

static void udmabuf_write_read_roundtrip(void)
{
	size_t size = NPAGES * p2p_page_size();
	int imp, fd, memfd;
	uint8_t *view;
	uint32_t h;

	imp = t_need_importer();
	fd = t_udmabuf(size, &memfd);
	view = map_memfd(memfd, size);
	memset(view, 0, size);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	roundtrip(imp, h, view, size);
	query_mapped(imp, h, size);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/* Byte-granular accesses inside a page and across a page boundary. */
static void udmabuf_access_unaligned(void)
{
	size_t ps = p2p_page_size(), size = 2 * ps;
	uint8_t buf[200], out[200];
	int imp, fd, memfd;
	uint8_t *view;
	uint32_t h;

	imp = t_need_importer();
	fd = t_udmabuf(size, &memfd);
	view = map_memfd(memfd, size);
	memset(view, 0, size);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	fill(buf, sizeof(buf), 3);
	ASSERT_OK(p2p_imp_write(imp, h, 100, buf, 50));
	ASSERT_EQ(memcmp(view + 100, buf, 50), 0);
	ASSERT_EQ(view[99], 0);
	ASSERT_EQ(view[150], 0);
	ASSERT_OK(p2p_imp_write(imp, h, ps - 100, buf, 200));
	ASSERT_EQ(memcmp(view + ps - 100, buf, 200), 0);
	memset(out, 0, sizeof(out));
	ASSERT_OK(p2p_imp_read(imp, h, ps - 100, out, 200));
	ASSERT_EQ(memcmp(out, buf, 200), 0);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/* An MR over pages 1..2 of a 4-page buffer writes exactly there. */
static void udmabuf_partial_mr(void)
{
	size_t ps = p2p_page_size(), size = NPAGES * ps;
	int imp, fd, memfd;
	uint8_t *view, *buf, *zero;
	uint32_t h;

	imp = t_need_importer();
	fd = t_udmabuf(size, &memfd);
	view = map_memfd(memfd, size);
	memset(view, 0, size);
	buf = malloc(2 * ps);
	zero = calloc(1, ps);
	ASSERT_TRUE(buf && zero);
	ASSERT_OK(p2p_imp_reg(imp, fd, ps, 2 * ps, 0, P2P_MR_ACCESS_ALL, &h));
	fill(buf, 2 * ps, 4);
	ASSERT_OK(p2p_imp_write(imp, h, 0, buf, 2 * ps));
	ASSERT_EQ(memcmp(view + ps, buf, 2 * ps), 0);
	ASSERT_EQ(memcmp(view, zero, ps), 0);
	ASSERT_EQ(memcmp(view + 3 * ps, zero, ps), 0);
	query_mapped(imp, h, 2 * ps);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

static void udmabuf_pinned_mr(void)
{
	size_t size = NPAGES * p2p_page_size();
	int imp, fd, memfd;
	uint8_t *view;
	uint32_t h;

	imp = t_need_importer();
	fd = t_udmabuf(size, &memfd);
	view = map_memfd(memfd, size);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, P2P_MR_PINNED, P2P_MR_ACCESS_ALL, &h));
	roundtrip(imp, h, view, size);
	query_mapped(imp, h, size);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/* An MR that may only be read refuses WRITE, and the other way round. */
static void udmabuf_access_rights(void)
{
	size_t size = p2p_page_size();
	uint8_t buf[64] = { 0 };
	uint32_t hr, hw;
	int imp, fd;

	imp = t_need_importer();
	fd = t_udmabuf(size, NULL);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_READ, &hr));
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_WRITE, &hw));
	ASSERT_OK(p2p_imp_read(imp, hr, 0, buf, sizeof(buf)));
	ASSERT_ERR(p2p_imp_write(imp, hr, 0, buf, sizeof(buf)), EACCES, EPERM);
	ASSERT_OK(p2p_imp_write(imp, hw, 0, buf, sizeof(buf)));
	ASSERT_ERR(p2p_imp_read(imp, hw, 0, buf, sizeof(buf)), EACCES, EPERM);
}

/* A dma-buf opened read-only gives read-only MRs at most. */
static void reg_write_on_readonly_dmabuf(void)
{
	struct p2p_query_mr q;
	struct p2p_range r;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	t_open_main(&t);
	r.offset = 0;
	r.length = t.page;
	fd = ASSERT_OK(p2p_dmabuf_create(&t.dev, t.bar, &r, 1, O_RDONLY | O_CLOEXEC));
	ASSERT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_WRITE, &h), EACCES);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h), EACCES);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_READ, &h));
	ASSERT_OK(p2p_imp_query(imp, h, &q));
	ASSERT_EQ(q.state, P2P_MR_STATE_MAPPED);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

/* The first /dev/dri/card* whose driver is vgem; skip if none. */
static int open_vgem(void)
{
	int fd = p2p_drm_open("vgem");

	if (fd < 0)
		T_SKIP("%s", p2p_last_error());
	return fd;
}

/* A vgem dumb buffer exported with libdrm's PRIME call, through an MR. */
static void vgem_dumb_roundtrip(void)
{
	struct drm_mode_create_dumb cd = { .height = NPAGES, .width = 1024, .bpp = 32 };
	struct drm_mode_map_dumb md = { 0 };
	int imp, card, fd;
	uint8_t *view;
	uint32_t h;
	size_t size;

	imp = t_need_importer();
	card = open_vgem();
	ASSERT_SYSOK(drmIoctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
	size = cd.size;
	t_diag("dumb buffer: handle %u, %zu bytes", cd.handle, size);
	ASSERT_GE(size, p2p_page_size());
	fd = ASSERT_OK(p2p_drm_prime_export(card, cd.handle));
	md.handle = cd.handle;
	ASSERT_SYSOK(drmIoctl(card, DRM_IOCTL_MODE_MAP_DUMB, &md));
	view = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, card, md.offset);
	ASSERT_TRUE(view != MAP_FAILED);
	memset(view, 0, size);
	size &= ~(p2p_page_size() - 1);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	roundtrip(imp, h, view, size);
	query_mapped(imp, h, size);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/*
 * A vgem buffer exported read-only (PRIME without DRM_RDWR) has a CPU
 * mapping: a write MR on it would really change it. Refused; reading works.
 */
static void vgem_readonly_export_no_write_mr(void)
{
	struct drm_mode_create_dumb cd = { .height = 1, .width = 1024, .bpp = 32 };
	uint8_t buf[64];
	int imp, card, fd;
	uint32_t h;

	imp = t_need_importer();
	card = open_vgem();
	ASSERT_SYSOK(drmIoctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
	ASSERT_GE(cd.size, p2p_page_size());
	ASSERT_SYSOK(drmPrimeHandleToFD(card, cd.handle, DRM_CLOEXEC, &fd));
	ASSERT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, p2p_page_size(), 0, P2P_MR_ACCESS_ALL, &h), EACCES);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, p2p_page_size(), 0, P2P_MR_ACCESS_READ, &h));
	ASSERT_OK(p2p_imp_read(imp, h, 0, buf, sizeof(buf)));
	ASSERT_ERR(p2p_imp_write(imp, h, 0, buf, sizeof(buf)), EACCES);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

/*
 * Walk CHECK's segments for MR bytes [@mr_off, @mr_off + @len) of a buffer
 * made of @r: lengths must add up, and in no-IOMMU mode each DMA address
 * must be the BAR's physical address plus the range's offset.
 */
static void check_segments(struct tdev *t, int imp, uint32_t h, const struct p2p_range *r,
			   unsigned int nr, uint64_t mr_off, uint64_t len)
{
	struct p2p_dma_seg segs[256];
	uint64_t covered = 0, bar_off, run;
	bool noiommu = t_noiommu(&t->dev);
	uint32_t n = 0, i;

	ASSERT_OK(p2p_imp_check(imp, h, mr_off, len, segs, 256, &n));
	ASSERT_GE(n, 1);
	ASSERT_LE(n, 256);
	for (i = 0; i < n; i++) {
		t_diag("seg %u: dma 0x%llx len 0x%llx", i, (unsigned long long)segs[i].dma_addr,
		       (unsigned long long)segs[i].length);
		ASSERT_GT(segs[i].length, 0);
	}
	if (!noiommu) {
		uint64_t sum = 0;

		for (i = 0; i < n; i++)
			sum += segs[i].length;
		ASSERT_GE(sum, len);
		t_diag("IOMMU mode: DMA addresses are IOVAs, not checked against the BAR");
		return;
	}
	/*
	 * A segment may start before mr_off (CHECK names whole segments); the
	 * first must contain the range's first byte, the rest must follow on.
	 */
	ASSERT_GE(ASSERT_OK(p2p_ranges_locate(r, nr, mr_off, &bar_off, &run)), 0);
	ASSERT_LE(segs[0].dma_addr, t->bar_phys + bar_off);
	ASSERT_GT(segs[0].dma_addr + segs[0].length, t->bar_phys + bar_off);
	covered = segs[0].dma_addr + segs[0].length - (t->bar_phys + bar_off);
	for (i = 1; i < n && covered < len; i++) {
		ASSERT_OK(p2p_ranges_locate(r, nr, mr_off + covered, &bar_off, &run));
		ASSERT_EQ(segs[i].dma_addr, t->bar_phys + bar_off);
		covered += segs[i].length;
	}
	ASSERT_GE(covered, len);
}

static void exporter_mr_dma_addresses(void)
{
	struct p2p_range r;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	t_open_main(&t);
	if (t.bar_size < (NPAGES + 1) * t.page)
		T_SKIP("BAR%u too small", t.bar);
	r.offset = t.page;
	r.length = NPAGES * t.page;
	fd = t_create(&t, &r, 1);
	t_diag("BAR%u phys 0x%llx, %s", t.bar, (unsigned long long)t.bar_phys,
	       t_noiommu(&t.dev) ? "noiommu" : "iommu");
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, r.length, 0, P2P_MR_ACCESS_ALL, &h));
	check_segments(&t, imp, h, &r, 1, 0, r.length);
	query_mapped(imp, h, r.length);
	/* A sub-range: the second page of the MR. */
	check_segments(&t, imp, h, &r, 1, t.page, t.page);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

static void exporter_mr_multi_range_addresses(void)
{
	struct p2p_range r[3];
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	t_open_main(&t);
	if (t.bar_size < 6 * t.page)
		T_SKIP("BAR%u too small", t.bar);
	r[0].offset = 4 * t.page;
	r[0].length = t.page;
	r[1].offset = 0;
	r[1].length = t.page;
	r[2].offset = 2 * t.page;
	r[2].length = 2 * t.page;
	fd = t_create(&t, r, 3);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, 4 * t.page, 0, P2P_MR_ACCESS_ALL, &h));
	check_segments(&t, imp, h, r, 3, 0, 4 * t.page);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	/* An MR over the buffer's last three pages only. */
	ASSERT_OK(p2p_imp_reg(imp, fd, t.page, 3 * t.page, 0, P2P_MR_ACCESS_ALL, &h));
	check_segments(&t, imp, h, r + 1, 2, 0, 3 * t.page);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

/*
 * REG_MR with @flags is refused with EOPNOTSUPP and leaves nothing mapped
 * or revoked behind (nor attached, with @at_attach: refused there): a plain
 * MR on the same buffer works as usual.
 */
static void reg_refused_cleanly(int imp, struct tdev *t, int fd, uint32_t flags,
				bool at_attach)
{
	struct p2p_dma_seg segs[4];
	struct p2p_buf_stat st;
	uint32_t h, n;

	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t->page, flags, P2P_MR_ACCESS_ALL, &h), EOPNOTSUPP);
	t_stat(t->dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.mapped, 0);
	ASSERT_EQ(st.revoked, 0);
	if (at_attach)
		ASSERT_EQ(st.attaches, 0);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, t->page, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_OK(p2p_imp_check(imp, h, 0, t->page, segs, 4, &n));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/*
 * A pinned MR on our buffer. Where the exporter refuses pins (pin_policy
 * "refused": only an importer that cannot be revoked asks for one), REG_MR
 * fails with EOPNOTSUPP and leaves the buffer as it was; elsewhere the pin
 * is taken and a revoke still goes through.
 */
static void exporter_mr_pinned(void)
{
	struct p2p_dma_seg segs[16];
	struct p2p_buf_stat st;
	struct p2p_query_mr q;
	struct tdev t;
	int imp, fd, ret;
	uint32_t h, n;

	imp = t_need_importer();
	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	if (t_pin_policy() == P2P_PIN_REFUSED) {
		reg_refused_cleanly(imp, &t, fd, P2P_MR_PINNED, false);
		close(fd);
		return;
	}
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, P2P_MR_PINNED, P2P_MR_ACCESS_ALL, &h));
	ASSERT_OK(p2p_imp_check(imp, h, 0, t.page, segs, 16, &n));
	query_mapped(imp, h, t.page);
	/* Revoking a pinned buffer must still complete and count. */
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, true));
	t_stat(t.dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.revoked, 1);
	ASSERT_OK(p2p_imp_query(imp, h, &q));
	t_diag("pinned MR after revoke: %s", p2p_mr_state_name(q.state));
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, false));
	t_stat(t.dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.revoked, 0);
	ret = p2p_imp_check(imp, h, 0, t.page, segs, 16, &n);
	t_diag("pinned MR CHECK after unrevoke: %s", ret ? t_errname(ret) : "ok");
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

static void exporter_fail_next_attach(void)
{
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	t_open_main(&t);
	fd = t_create_pages(&t, 0, 1);
	t_set_knob(NULL, "fail_next_attach", EIO);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h), EIO);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

/* A failed map surfaces as the errno, at REG_MR or at the first access. */
static void exporter_fail_next_map(void)
{
	struct p2p_dma_seg segs[16];
	struct tdev t;
	int imp, fd, ret;
	uint32_t h, n;

	imp = t_need_importer();
	t_open_main(&t);
	fd = t_create_pages(&t, 0, 1);
	t_set_knob(NULL, "fail_next_map", ENOMEM);
	ret = p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h);
	if (ret) {
		ASSERT_ERR(ret, ENOMEM);
		ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h));
	} else {
		ASSERT_ERR(p2p_imp_check(imp, h, 0, t.page, segs, 16, &n), ENOMEM);
	}
	ASSERT_OK(p2p_imp_check(imp, h, 0, t.page, segs, 16, &n));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

/* A dma-buf for the bad-input cases: udmabuf, else one of ours. */
static int any_dmabuf(uint64_t *size, struct tdev *t)
{
	const char *bdf = t_device();

	*size = 2 * p2p_page_size();
	if (!access("/dev/udmabuf", F_OK))
		return t_udmabuf(*size, NULL);
	if (!bdf)
		T_SKIP("neither udmabuf nor DMABUF_P2P_DEVICE for a dma-buf");
	t_open(t, bdf);
	return t_create_pages(t, 0, 2);
}

static void reg_not_dmabuf_fd(void)
{
	int imp, memfd, null;
	uint32_t h;

	imp = t_need_importer();
	memfd = memfd_create("not-dmabuf", MFD_CLOEXEC);
	ASSERT_SYSOK(memfd);
	ASSERT_SYSOK(ftruncate(memfd, 4 * p2p_page_size()));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_SYSOK(null);
	ASSERT_ERR(p2p_imp_reg(imp, memfd, 0, p2p_page_size(), 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, null, 0, p2p_page_size(), 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, imp, 0, p2p_page_size(), 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
}

static void reg_closed_fd(void)
{
	struct tdev t;
	uint64_t size;
	int imp, fd, dead;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	dead = dup(fd);
	ASSERT_SYSOK(dead);
	close(dead);
	ASSERT_ERR(p2p_imp_reg(imp, dead, 0, size, 0, P2P_MR_ACCESS_ALL, &h), EBADF);
	ASSERT_ERR(p2p_imp_reg(imp, -1, 0, size, 0, P2P_MR_ACCESS_ALL, &h), EBADF);
	ASSERT_ERR(p2p_imp_reg(imp, 1 << 20, 0, size, 0, P2P_MR_ACCESS_ALL, &h), EBADF);
}

static void reg_range_outside(void)
{
	uint64_t size, ps = p2p_page_size();
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_ERR(p2p_imp_reg(imp, fd, size, ps, 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, size + ps, 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, fd, ps, size, 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
}

static void reg_offset_length_overflow(void)
{
	uint64_t size, ps = p2p_page_size(), top = ~0ULL & ~(p2p_page_size() - 1);
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_ERR(p2p_imp_reg(imp, fd, top, 2 * ps, 0, P2P_MR_ACCESS_ALL, &h), EINVAL, EOVERFLOW);
	ASSERT_ERR(p2p_imp_reg(imp, fd, ps, top, 0, P2P_MR_ACCESS_ALL, &h), EINVAL, EOVERFLOW);
}

static void reg_zero_or_unaligned(void)
{
	uint64_t size, ps = p2p_page_size();
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, 0, 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 1, ps, 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, ps + 1, 0, P2P_MR_ACCESS_ALL, &h), EINVAL);
}

static void reg_unknown_flags_or_access(void)
{
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, size, P2P_MR_FLAGS_ALL + 1, P2P_MR_ACCESS_ALL, &h),
		   EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, size, 0x80000000u, P2P_MR_ACCESS_ALL, &h), EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL + 1, &h), EINVAL);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, size, 0, 0x80000000u, &h), EINVAL);
}

static void reg_reserved_nonzero(void)
{
	struct p2p_reg_mr req = { 0 };
	uint64_t size;
	struct tdev t;
	int imp, fd;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	req.size = sizeof(req);
	req.fd = fd;
	req.access = P2P_MR_ACCESS_ALL;
	req.length = size;
	req.__reserved = 1;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_REG_MR, &req), EINVAL);
	req.__reserved = 0;
	ASSERT_SYSOK(ioctl(imp, P2P_IOC_REG_MR, &req));
}

static int raw_access(int imp, uint32_t h, uint32_t op, uint64_t off, uint64_t len,
		      uint64_t ptr, uint32_t count)
{
	struct p2p_access_mr req = {
		.size = sizeof(req), .handle = h, .op = op, .count = count,
		.offset = off, .length = len, .user_ptr = ptr,
	};

	return ioctl(imp, P2P_IOC_ACCESS_MR, &req) ? -errno : 0;
}

static void access_bad_inputs(void)
{
	struct p2p_dma_seg segs[8];
	uint8_t buf[64];
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	/* unknown ops */
	ASSERT_ERR(raw_access(imp, h, 0, 0, 8, (uintptr_t)buf, 0), EINVAL);
	ASSERT_ERR(raw_access(imp, h, 99, 0, 8, (uintptr_t)buf, 0), EINVAL);
	/* outside the MR, and wrapping around */
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_CHECK, size, 8, (uintptr_t)segs, 8), EINVAL);
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_CHECK, 0, size + 1, (uintptr_t)segs, 8), EINVAL);
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_CHECK, ~0ULL - 10, 100, (uintptr_t)segs, 8),
		   EINVAL, EOVERFLOW);
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_CHECK, 8, ~0ULL - 4, (uintptr_t)segs, 8),
		   EINVAL, EOVERFLOW);
	/* a segment array the kernel cannot write */
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_CHECK, 0, size, 16, 8), EFAULT);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

static void access_bad_user_pointer(void)
{
	uint64_t size;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	if (access("/dev/udmabuf", F_OK))
		T_SKIP("READ/WRITE need a page-backed exporter: no /dev/udmabuf");
	size = p2p_page_size();
	fd = t_udmabuf(size, NULL);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_READ, 0, 64, 16, 0), EFAULT);
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_WRITE, 0, 64, 16, 0), EFAULT);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

static void unknown_handle(void)
{
	struct p2p_dma_seg segs[4];
	struct p2p_query_mr q;
	uint32_t n;
	int imp;

	imp = t_need_importer();
	ASSERT_ERR(p2p_imp_query(imp, 0xdeadbeef, &q), ENOENT);
	ASSERT_ERR(p2p_imp_check(imp, 0xdeadbeef, 0, 8, segs, 4, &n), ENOENT);
	ASSERT_ERR(p2p_imp_dereg(imp, 0xdeadbeef, 0), ENOENT);
}

static void freed_handle(void)
{
	struct p2p_dma_seg segs[4];
	struct p2p_query_mr q;
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h, n;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	ASSERT_ERR(p2p_imp_query(imp, h, &q), ENOENT);
	ASSERT_ERR(p2p_imp_check(imp, h, 0, 8, segs, 4, &n), ENOENT);
	ASSERT_ERR(p2p_imp_dereg(imp, h, 0), ENOENT);
}

/*
 * A deregistered MR's handle is not handed out again soon: a thread still
 * holding it gets ENOENT rather than reaching whichever MR came next.
 */
static void handle_not_reused(void)
{
	struct p2p_query_mr q;
	uint32_t h1, h2, h3;
	uint64_t size;
	struct tdev t;
	int imp, fd;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h1));
	ASSERT_OK(p2p_imp_dereg(imp, h1, 0));
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h2));
	t_diag("handles: %u, then %u", h1, h2);
	ASSERT_NE(h2, h1);
	ASSERT_ERR(p2p_imp_query(imp, h1, &q), ENOENT);
	ASSERT_ERR(p2p_imp_dereg(imp, h1, 0), ENOENT);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h3));
	ASSERT_NE(h3, h1);
	ASSERT_NE(h3, h2);
	ASSERT_OK(p2p_imp_dereg(imp, h2, 0));
	ASSERT_OK(p2p_imp_dereg(imp, h3, 0));
}

/* Handles are per importer fd: another open file cannot use them. */
static void handle_of_other_fd(void)
{
	struct p2p_query_mr q;
	uint64_t size;
	struct tdev t;
	int imp, imp2, fd;
	uint32_t h;

	imp = t_need_importer();
	imp2 = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_ERR(p2p_imp_query(imp2, h, &q), ENOENT);
	ASSERT_ERR(p2p_imp_dereg(imp2, h, 0), ENOENT);
	ASSERT_OK(p2p_imp_query(imp, h, &q));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

static void dereg_unknown_flags(void)
{
	struct p2p_query_mr q;
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_ERR(p2p_imp_dereg(imp, h, P2P_DEREG_FLAGS_ALL + 1), EINVAL);
	ASSERT_ERR(p2p_imp_dereg(imp, h, 0x80000000u), EINVAL);
	ASSERT_OK(p2p_imp_query(imp, h, &q));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

static void struct_size_zero(void)
{
	struct p2p_reg_mr reg = { 0 };
	struct p2p_dereg_mr dereg = { 0 };
	struct p2p_query_mr query = { 0 };
	struct p2p_access_mr acc = { 0 };
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	reg.fd = fd;
	reg.access = P2P_MR_ACCESS_ALL;
	reg.length = size;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_REG_MR, &reg), EINVAL);
	dereg.handle = h;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_DEREG_MR, &dereg), EINVAL);
	query.handle = h;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_QUERY_MR, &query), EINVAL);
	acc.handle = h;
	acc.op = P2P_ACCESS_CHECK;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_ACCESS_MR, &acc), EINVAL);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/* Larger structs are fine if the tail is zero, E2BIG otherwise. */
static void struct_size_larger(void)
{
	struct {
		struct p2p_reg_mr reg;
		uint64_t tail;
	} big;
	struct {
		struct p2p_query_mr q;
		uint64_t tail;
	} bigq;
	uint64_t size;
	struct tdev t;
	int imp, fd;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	memset(&big, 0, sizeof(big));
	big.reg.size = sizeof(big);
	big.reg.fd = fd;
	big.reg.access = P2P_MR_ACCESS_ALL;
	big.reg.length = size;
	big.tail = 1;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_REG_MR, &big), E2BIG);
	big.tail = 0;
	ASSERT_SYSOK(ioctl(imp, P2P_IOC_REG_MR, &big));
	memset(&bigq, 0, sizeof(bigq));
	bigq.q.size = sizeof(bigq);
	bigq.q.handle = big.reg.handle;
	bigq.tail = 0x5a;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_QUERY_MR, &bigq), E2BIG);
	bigq.tail = 0;
	ASSERT_SYSOK(ioctl(imp, P2P_IOC_QUERY_MR, &bigq));
	ASSERT_EQ(bigq.q.state, P2P_MR_STATE_MAPPED);
}

/*
 * The cap the header documents: a struct of P2P_IOC_SIZE_MAX bytes with a
 * zero tail is accepted, and nothing is written past the kernel's struct;
 * one byte more is E2BIG, zero tail or not; a non-zero byte at the cap's
 * very end is seen.
 */
static void struct_size_cap(void)
{
	uint8_t *buf = calloc(1, P2P_IOC_SIZE_MAX + 1);
	struct p2p_query_mr *q = (void *)buf;
	struct p2p_reg_mr *reg = (void *)buf;
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h;
	size_t i;

	ASSERT_TRUE(buf);
	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));

	q->size = P2P_IOC_SIZE_MAX;
	q->handle = h;
	ASSERT_SYSOK(ioctl(imp, P2P_IOC_QUERY_MR, q));
	ASSERT_EQ(q->state, P2P_MR_STATE_MAPPED);
	for (i = sizeof(*q); i <= P2P_IOC_SIZE_MAX; i++) {
		ASSERT_EQ(buf[i], 0);
	}

	memset(buf, 0, P2P_IOC_SIZE_MAX + 1);
	q->size = P2P_IOC_SIZE_MAX + 1;
	q->handle = h;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_QUERY_MR, q), E2BIG);
	ASSERT_EQ(q->state, 0);

	q->size = P2P_IOC_SIZE_MAX;
	buf[P2P_IOC_SIZE_MAX - 1] = 1;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_QUERY_MR, q), E2BIG);
	ASSERT_EQ(q->state, 0);

	/* REG_MR alike. */
	memset(buf, 0, P2P_IOC_SIZE_MAX + 1);
	reg->size = P2P_IOC_SIZE_MAX;
	reg->fd = fd;
	reg->access = P2P_MR_ACCESS_ALL;
	reg->length = size;
	ASSERT_SYSOK(ioctl(imp, P2P_IOC_REG_MR, reg));
	ASSERT_OK(p2p_imp_dereg(imp, reg->handle, 0));
	reg->handle = 0;
	reg->size = P2P_IOC_SIZE_MAX + 1;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_REG_MR, reg), E2BIG);

	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	free(buf);
}

/*
 * Out fields must come in zero (EINVAL), so that a later version can make
 * them inputs: REG_MR's handle, and ACCESS_MR's count but for CHECK, where
 * it is the capacity.
 */
static void out_fields_nonzero(void)
{
	struct p2p_reg_mr req = { 0 };
	uint8_t buf[64] = { 0 };
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	req.size = sizeof(req);
	req.fd = fd;
	req.access = P2P_MR_ACCESS_ALL;
	req.length = size;
	req.handle = 7;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_REG_MR, &req), EINVAL);
	ASSERT_EQ(req.handle, 7);
	req.handle = 0;
	ASSERT_SYSOK(ioctl(imp, P2P_IOC_REG_MR, &req));
	h = req.handle;
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_READ, 0, 8, (uintptr_t)buf, 1), EINVAL);
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_WRITE, 0, 8, (uintptr_t)buf, 1), EINVAL);
	ASSERT_ERR(raw_access(imp, h, P2P_ACCESS_READ, 0, 8, (uintptr_t)buf, ~0u), EINVAL);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/*
 * Structs shorter than the first version are refused, and nothing is
 * written back into them.
 */
static void struct_size_shorter(void)
{
	struct p2p_query_mr q;
	struct p2p_reg_mr reg;
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));
	memset(&q, 0xa5, sizeof(q));
	q.size = offsetof(struct p2p_query_mr, generation);
	q.handle = h;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_QUERY_MR, &q), EINVAL);
	ASSERT_EQ(q.state, 0xa5a5a5a5u);
	ASSERT_EQ(q.generation, 0xa5a5a5a5a5a5a5a5ULL);
	memset(&reg, 0, sizeof(reg));
	reg.size = offsetof(struct p2p_reg_mr, handle);
	reg.fd = fd;
	reg.access = P2P_MR_ACCESS_ALL;
	reg.length = size;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_REG_MR, &reg), EINVAL);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/*
 * An importer that cannot be told of a revoke (no move_notify /
 * invalidate_mappings) is turned away by our exporter at attach with
 * EOPNOTSUPP, and nothing is left attached. A udmabuf, which never revokes,
 * takes the same MR: that tells the exporter's refusal from the core's. On
 * 6.12 the core itself rejects such an importer, and the importer refuses
 * the flag up front: nothing to test there.
 */
static void exporter_mr_irrevocable_refused(void)
{
	size_t size = p2p_page_size();
	struct p2p_dma_seg segs[4];
	struct tdev t;
	int imp, ufd, fd, ret;
	uint32_t h, n;

	imp = t_need_importer();
	ufd = t_udmabuf(size, NULL);
	ret = p2p_imp_reg(imp, ufd, 0, size, P2P_MR_NO_INVALIDATE, P2P_MR_ACCESS_ALL, &h);
	if (ret == -EOPNOTSUPP)
		T_SKIP("this kernel's dma-buf core rejects importers without move_notify itself (6.12)");
	ASSERT_OK(ret);
	ASSERT_OK(p2p_imp_check(imp, h, 0, size, segs, 4, &n));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(ufd);

	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	reg_refused_cleanly(imp, &t, fd, P2P_MR_NO_INVALIDATE, true);
	close(fd);
}

/* Our MMIO buffers have no CPU mapping: READ/WRITE are refused, CHECK works. */
static void exporter_mr_cpu_access_refused(void)
{
	struct p2p_dma_seg segs[8];
	uint8_t buf[64] = { 0 };
	struct tdev t;
	int imp, fd;
	uint32_t h, n;

	imp = t_need_importer();
	t_open_main(&t);
	fd = t_create_pages(&t, 0, 1);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_ERR(p2p_imp_read(imp, h, 0, buf, sizeof(buf)), EOPNOTSUPP);
	ASSERT_ERR(p2p_imp_write(imp, h, 0, buf, sizeof(buf)), EOPNOTSUPP);
	ASSERT_OK(p2p_imp_check(imp, h, 0, t.page, segs, 8, &n));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

/* CHECK with too small a segment array: ENOSPC, and how many are needed. */
static void check_segment_array_too_small(void)
{
	struct p2p_access_mr req = { .size = sizeof(req) };
	struct p2p_dma_seg segs[8];
	struct p2p_range r[3];
	struct tdev t;
	int imp, fd;
	uint32_t h;

	imp = t_need_importer();
	t_open_main(&t);
	if (t.bar_size < 6 * t.page)
		T_SKIP("BAR%u too small", t.bar);
	/* Three non-adjacent pages: at least three segments. */
	ASSERT_OK(p2p_ranges_stride(0, t.page, 2 * t.page, 3, r));
	fd = t_create(&t, r, 3);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, 3 * t.page, 0, P2P_MR_ACCESS_ALL, &h));
	req.handle = h;
	req.op = P2P_ACCESS_CHECK;
	req.count = 1;
	req.offset = 0;
	req.length = 3 * t.page;
	req.user_ptr = (uintptr_t)segs;
	ASSERT_SYSERR(ioctl(imp, P2P_IOC_ACCESS_MR, &req), ENOSPC);
	t_diag("CHECK needs %u segments", req.count);
	ASSERT_GE(req.count, 3);
	ASSERT_LE(req.count, 8);
	req.count = 8;
	ASSERT_SYSOK(ioctl(imp, P2P_IOC_ACCESS_MR, &req));
	ASSERT_GE(req.count, 3);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

static void unknown_ioctl(void)
{
	uint64_t dummy[8] = { 0 };
	int imp;

	imp = t_need_importer();
	ASSERT_SYSERR(ioctl(imp, _IO(P2P_IMPORTER_TYPE, 0x7f), dummy), ENOTTY);
	ASSERT_SYSERR(ioctl(imp, _IO('x', 0x00), dummy), ENOTTY);
	ASSERT_SYSERR(ioctl(imp, _IOWR(P2P_IMPORTER_TYPE, 0x04, struct p2p_query_mr), dummy),
		      ENOTTY);
}

/* QUERY_MR as the first version of the header defined it. */
struct query_mr_v0 {
	uint32_t size, handle, state, nents;
	uint64_t generation, invalidations, remaps, mapped_length;
};

/* ...and as a newer header might. */
struct query_mr_next {
	struct p2p_query_mr q;
	uint64_t tail;
};

/*
 * The numbers say the direction and carry the struct; the kernel matches
 * all but the size bits, so the numbers of older and newer headers work
 * (.size decides), while the old _IO numbers and wrong directions are
 * unknown.
 */
static void ioctl_numbers(void)
{
	struct query_mr_next next;
	struct query_mr_v0 v0;
	struct p2p_query_mr q;
	uint64_t size;
	struct tdev t;
	int imp, fd;
	uint32_t h;

	ASSERT_EQ(_IOC_DIR(P2P_IOC_REG_MR), _IOC_READ | _IOC_WRITE);
	ASSERT_EQ(_IOC_SIZE(P2P_IOC_REG_MR), sizeof(struct p2p_reg_mr));
	ASSERT_EQ(_IOC_DIR(P2P_IOC_DEREG_MR), _IOC_WRITE);
	ASSERT_EQ(_IOC_SIZE(P2P_IOC_DEREG_MR), sizeof(struct p2p_dereg_mr));
	ASSERT_EQ(_IOC_DIR(P2P_IOC_QUERY_MR), _IOC_READ | _IOC_WRITE);
	ASSERT_EQ(_IOC_SIZE(P2P_IOC_QUERY_MR), sizeof(struct p2p_query_mr));
	ASSERT_EQ(_IOC_DIR(P2P_IOC_ACCESS_MR), _IOC_READ | _IOC_WRITE);
	ASSERT_EQ(_IOC_SIZE(P2P_IOC_ACCESS_MR), sizeof(struct p2p_access_mr));

	imp = t_need_importer();
	fd = any_dmabuf(&size, &t);
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, size, 0, P2P_MR_ACCESS_ALL, &h));

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.handle = h;
	ASSERT_SYSERR(ioctl(imp, _IO(P2P_IMPORTER_TYPE, 0x02), &q), ENOTTY);
	ASSERT_SYSERR(ioctl(imp, _IOR(P2P_IMPORTER_TYPE, 0x02, struct p2p_query_mr), &q),
		      ENOTTY);
	ASSERT_SYSERR(ioctl(imp, _IOW(P2P_IMPORTER_TYPE, 0x02, struct p2p_query_mr), &q),
		      ENOTTY);
	ASSERT_EQ(q.state, 0);

	memset(&v0, 0, sizeof(v0));
	v0.size = sizeof(v0);
	v0.handle = h;
	ASSERT_SYSOK(ioctl(imp, _IOWR(P2P_IMPORTER_TYPE, 0x02, struct query_mr_v0), &v0));
	ASSERT_EQ(v0.state, P2P_MR_STATE_MAPPED);
	ASSERT_EQ(v0.mapped_length, size);

	memset(&next, 0, sizeof(next));
	next.q.size = sizeof(next);
	next.q.handle = h;
	ASSERT_SYSOK(ioctl(imp, _IOWR(P2P_IMPORTER_TYPE, 0x02, struct query_mr_next), &next));
	ASSERT_EQ(next.q.state, P2P_MR_STATE_MAPPED);
	ASSERT_EQ(next.tail, 0);

	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
}

/* The importer's knob @name, as a number. */
static long imp_knob_get(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), P2P_IMP_DEBUGFS "/%s", name);
	ASSERT_OK(p2p_read_file(path, buf, sizeof(buf)));
	return strtol(buf, NULL, 0);
}

/*
 * The importer's knobs refuse a value outside their range (EINVAL) and keep
 * the one they had, as the exporter's do, rather than take it and ignore it.
 */
static void imp_knobs_refuse_out_of_range(void)
{
	t_need_importer();
	if (access(P2P_IMP_DEBUGFS, F_OK))
		T_SKIP("no " P2P_IMP_DEBUGFS);
	ASSERT_OK(p2p_imp_knob_set("fail_next_map", 12));
	ASSERT_ERR(p2p_imp_knob_set("fail_next_map", 4096), EINVAL);
	ASSERT_ERR(p2p_imp_knob_set("fail_next_map", -5), EINVAL);
	ASSERT_EQ(imp_knob_get("fail_next_map"), 12);
	ASSERT_OK(p2p_imp_knob_set("fail_next_map", 4095));
	ASSERT_EQ(imp_knob_get("fail_next_map"), 4095);
	ASSERT_OK(p2p_imp_knob_set("fail_next_map", 0));

	ASSERT_OK(p2p_imp_knob_set("move_notify_delay_ms", 0));
	ASSERT_ERR(p2p_imp_knob_set("move_notify_delay_ms", 10001), EINVAL);
	ASSERT_EQ(imp_knob_get("move_notify_delay_ms"), 0);
}

FIXTURE(dmabuf_p2p) {};

/* Tests needing the importer skip one by one: the vgem refusal does not. */
FIXTURE_SETUP(dmabuf_p2p)
{
	t_setup(_metadata);
	t_rest_before(t_reset_knobs);
}

FIXTURE_TEARDOWN_PARENT(dmabuf_p2p)
{
	t_rest_after(t_reset_knobs);
}

TEST_F(dmabuf_p2p, udmabuf_write_read_roundtrip) { udmabuf_write_read_roundtrip(); }
TEST_F(dmabuf_p2p, udmabuf_access_unaligned) { udmabuf_access_unaligned(); }
TEST_F(dmabuf_p2p, udmabuf_partial_mr) { udmabuf_partial_mr(); }
TEST_F(dmabuf_p2p, udmabuf_pinned_mr) { udmabuf_pinned_mr(); }
TEST_F(dmabuf_p2p, udmabuf_access_rights) { udmabuf_access_rights(); }
TEST_F(dmabuf_p2p, reg_write_on_readonly_dmabuf) { reg_write_on_readonly_dmabuf(); }
TEST_F(dmabuf_p2p, vgem_dumb_roundtrip) { vgem_dumb_roundtrip(); }
TEST_F(dmabuf_p2p, vgem_readonly_export_no_write_mr) { vgem_readonly_export_no_write_mr(); }
/* The scenario library's (userspace/scenarios/drm.c): the CLI's vgem-refused. */
TEST_F(dmabuf_p2p, vgem_import_of_p2p_buffer_refused) { t_scenario("vgem-refused"); }
TEST_F(dmabuf_p2p, exporter_mr_dma_addresses) { exporter_mr_dma_addresses(); }
TEST_F(dmabuf_p2p, exporter_mr_multi_range_addresses) { exporter_mr_multi_range_addresses(); }
TEST_F(dmabuf_p2p, exporter_mr_pinned) { exporter_mr_pinned(); }
TEST_F(dmabuf_p2p, exporter_mr_irrevocable_refused) { exporter_mr_irrevocable_refused(); }
TEST_F(dmabuf_p2p, exporter_mr_cpu_access_refused) { exporter_mr_cpu_access_refused(); }
TEST_F(dmabuf_p2p, check_segment_array_too_small) { check_segment_array_too_small(); }
TEST_F(dmabuf_p2p, exporter_fail_next_attach) { exporter_fail_next_attach(); }
TEST_F(dmabuf_p2p, exporter_fail_next_map) { exporter_fail_next_map(); }
TEST_F(dmabuf_p2p, reg_not_dmabuf_fd) { reg_not_dmabuf_fd(); }
TEST_F(dmabuf_p2p, reg_closed_fd) { reg_closed_fd(); }
TEST_F(dmabuf_p2p, reg_range_outside) { reg_range_outside(); }
TEST_F(dmabuf_p2p, reg_offset_length_overflow) { reg_offset_length_overflow(); }
TEST_F(dmabuf_p2p, reg_zero_or_unaligned) { reg_zero_or_unaligned(); }
TEST_F(dmabuf_p2p, reg_unknown_flags_or_access) { reg_unknown_flags_or_access(); }
TEST_F(dmabuf_p2p, reg_reserved_nonzero) { reg_reserved_nonzero(); }
TEST_F(dmabuf_p2p, access_bad_inputs) { access_bad_inputs(); }
TEST_F(dmabuf_p2p, access_bad_user_pointer) { access_bad_user_pointer(); }
TEST_F(dmabuf_p2p, unknown_handle) { unknown_handle(); }
TEST_F(dmabuf_p2p, freed_handle) { freed_handle(); }
TEST_F(dmabuf_p2p, handle_not_reused) { handle_not_reused(); }
TEST_F(dmabuf_p2p, handle_of_other_fd) { handle_of_other_fd(); }
TEST_F(dmabuf_p2p, dereg_unknown_flags) { dereg_unknown_flags(); }
TEST_F(dmabuf_p2p, struct_size_zero) { struct_size_zero(); }
TEST_F(dmabuf_p2p, struct_size_larger) { struct_size_larger(); }
TEST_F(dmabuf_p2p, struct_size_shorter) { struct_size_shorter(); }
TEST_F(dmabuf_p2p, struct_size_cap) { struct_size_cap(); }
TEST_F(dmabuf_p2p, out_fields_nonzero) { out_fields_nonzero(); }
TEST_F(dmabuf_p2p, unknown_ioctl) { unknown_ioctl(); }
TEST_F(dmabuf_p2p, ioctl_numbers) { ioctl_numbers(); }
TEST_F(dmabuf_p2p, imp_knobs_refuse_out_of_range) { imp_knobs_refuse_out_of_range(); }

TEST_HARNESS_MAIN
