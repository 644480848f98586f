// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_uapi: VFIO_DEVICE_FEATURE_DMA_BUF input validation and the
 * buffers it creates. Expected errnos follow upstream v6.19 vfio-pci where
 * it defines them (region index >= ROM: ENODEV); where our exporter may
 * reasonably differ, the alternatives accepted are listed at the assert.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "harness.h"

#define GET_DMA_BUF	(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF)

/* A request with arbitrary header fields; @n ranges really follow it. */
static int request(struct tdev *t, uint32_t region, uint32_t open_flags, uint32_t flags,
		   uint32_t nr_ranges, const struct p2p_range *r, unsigned int n)
{
	struct vfio_device_feature_dma_buf *req;
	size_t len = sizeof(*req) + (size_t)n * sizeof(req->dma_ranges[0]);
	int ret;

	req = calloc(1, len);
	ASSERT_TRUE(req);
	req->region_index = region;
	req->open_flags = open_flags;
	req->flags = flags;
	req->nr_ranges = nr_ranges;
	if (n)
		memcpy(req->dma_ranges, r, n * sizeof(*r));
	ret = p2p_dmabuf_feature(t->dev.device, GET_DMA_BUF, req, len);
	free(req);
	return ret;
}

static int one_range(struct tdev *t, uint64_t off, uint64_t len)
{
	struct p2p_range r = { off, len };

	return request(t, t->bar, O_RDWR | O_CLOEXEC, 0, 1, &r, 1);
}

static void probe_dma_buf_feature(void)
{
	struct vfio_device_feature_dma_buf req = { 0 };
	struct tdev t;

	t_open_main(&t);
	ASSERT_OK(p2p_dmabuf_probe(&t.dev));
	/* GET only: SET is not a direction this feature has. */
	ASSERT_ERR(p2p_dmabuf_feature(t.dev.device, VFIO_DEVICE_FEATURE_PROBE |
				      VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF,
				      &req, sizeof(req)), EINVAL);
}

static void argsz_too_small(void)
{
	struct vfio_device_feature_dma_buf req = { .nr_ranges = 1 };
	struct tdev t;

	t_open_main(&t);
	ASSERT_ERR(p2p_dmabuf_feature(t.dev.device, GET_DMA_BUF, &req, sizeof(req) - 4),
		   EINVAL);
	ASSERT_ERR(p2p_dmabuf_feature(t.dev.device, GET_DMA_BUF, NULL, 0), EINVAL);
}

static void flags_nonzero(void)
{
	struct p2p_range r = { 0, 0 };
	struct tdev t;

	t_open_main(&t);
	r.length = t.page;
	ASSERT_ERR(request(&t, t.bar, O_RDWR, 1, 1, &r, 1), EINVAL);
	ASSERT_ERR(request(&t, t.bar, O_RDWR, 0x80000000u, 1, &r, 1), EINVAL);
}

static void nr_ranges_zero(void)
{
	struct p2p_range r = { 0, 0 };
	struct tdev t;

	t_open_main(&t);
	r.length = t.page;
	ASSERT_ERR(request(&t, t.bar, O_RDWR, 0, 0, &r, 1), EINVAL);
}

static void nr_ranges_above_max(void)
{
	struct p2p_range r[DMABUF_P2P_MAX_RANGES + 1];
	struct tdev t;

	t_open_main(&t);
	if (t.bar_size < (DMABUF_P2P_MAX_RANGES + 1) * t.page)
		T_SKIP("BAR%u too small for %d one-page ranges", t.bar, DMABUF_P2P_MAX_RANGES + 1);
	ASSERT_OK(p2p_ranges_stride(0, t.page, t.page, DMABUF_P2P_MAX_RANGES + 1, r));
	ASSERT_ERR(request(&t, t.bar, O_RDWR, 0, DMABUF_P2P_MAX_RANGES + 1, r,
			   DMABUF_P2P_MAX_RANGES + 1), EINVAL, E2BIG);
}

/* nr_ranges far beyond what follows: refused before any huge copy. */
static void nr_ranges_huge(void)
{
	struct p2p_range r = { 0, 0 };
	struct tdev t;

	t_open_main(&t);
	r.length = t.page;
	ASSERT_ERR(request(&t, t.bar, O_RDWR, 0, 0x7fffffff, &r, 1),
		   EINVAL, E2BIG, EFAULT, ENOMEM, EOVERFLOW);
	ASSERT_ERR(request(&t, t.bar, O_RDWR, 0, 0xffffffff, &r, 1),
		   EINVAL, E2BIG, EFAULT, ENOMEM, EOVERFLOW);
}

static void zero_length(void)
{
	struct p2p_range r[2];
	struct tdev t;

	t_open_main(&t);
	ASSERT_ERR(one_range(&t, 0, 0), EINVAL);
	/* A later empty range is caught too. */
	r[0].offset = 0;
	r[0].length = t.page;
	r[1].offset = t.page;
	r[1].length = 0;
	ASSERT_ERR(request(&t, t.bar, O_RDWR, 0, 2, r, 2), EINVAL);
}

static void unaligned_offset(void)
{
	struct tdev t;

	t_open_main(&t);
	ASSERT_ERR(one_range(&t, 1, t.page), EINVAL);
	ASSERT_ERR(one_range(&t, t.page / 2, t.page), EINVAL);
}

static void unaligned_length(void)
{
	struct tdev t;

	t_open_main(&t);
	ASSERT_ERR(one_range(&t, 0, t.page - 1), EINVAL);
	ASSERT_ERR(one_range(&t, 0, t.page + 8), EINVAL);
}

static void offset_length_overflow(void)
{
	uint64_t top = ~0ULL & ~(uint64_t)0xfff;
	struct tdev t;

	t_open_main(&t);
	top &= ~(t.page - 1);
	ASSERT_ERR(one_range(&t, top, 2 * t.page), EINVAL, EOVERFLOW);
	ASSERT_ERR(one_range(&t, t.page, top), EINVAL, EOVERFLOW);
}

static void range_past_bar_end(void)
{
	struct tdev t;

	t_open_main(&t);
	ASSERT_ERR(one_range(&t, t.bar_size, t.page), EINVAL);
	ASSERT_ERR(one_range(&t, 0, t.bar_size + t.page), EINVAL);
}

static void range_straddles_bar_end(void)
{
	struct tdev t;

	t_open_main(&t);
	ASSERT_ERR(one_range(&t, t.bar_size - t.page, 2 * t.page), EINVAL);
}

/* A memory BAR smaller than a page (ivshmem's BAR0) cannot hold any range. */
static void range_in_sub_page_bar(void)
{
	struct p2p_range r = { 0, 0 };
	unsigned int bar;
	uint64_t size;
	struct tdev t;

	t_open_main(&t);
	r.length = t.page;
	for (bar = 0; bar <= VFIO_PCI_BAR5_REGION_INDEX; bar++) {
		if (ASSERT_OK(p2p_bar_is_mem(&t.dev, bar, &size)) == 1 && size < t.page)
			break;
	}
	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		T_SKIP("%s has no memory BAR smaller than a page", t.dev.bdf);
	t_diag("BAR%u is 0x%llx bytes", bar, (unsigned long long)size);
	ASSERT_ERR(request(&t, bar, O_RDWR, 0, 1, &r, 1), EINVAL);
}

static void total_above_bar(void)
{
	struct p2p_range r[2];
	struct tdev t;

	t_open_main(&t);
	r[0].offset = r[1].offset = 0;
	r[0].length = r[1].length = t.bar_size;
	ASSERT_ERR(request(&t, t.bar, O_RDWR, 0, 2, r, 2), EINVAL);
}

static void expect_bad_region(struct tdev *t, uint32_t region)
{
	struct p2p_range r = { 0, 0 };
	int ret;

	r.length = t->page;
	ret = request(t, region, O_RDWR, 0, 1, &r, 1);
	t_diag("region %u: %s", region, ret < 0 ? t_errname(ret) : "created");
	ASSERT_ERR(ret, ENODEV, EINVAL);
}

static void region_rom(void)
{
	struct tdev t;

	t_open_main(&t);
	expect_bad_region(&t, VFIO_PCI_ROM_REGION_INDEX);
}

static void region_config(void)
{
	struct tdev t;

	t_open_main(&t);
	expect_bad_region(&t, VFIO_PCI_CONFIG_REGION_INDEX);
}

static void region_vga(void)
{
	struct tdev t;

	t_open_main(&t);
	expect_bad_region(&t, VFIO_PCI_VGA_REGION_INDEX);
}

static void region_nonexistent(void)
{
	struct tdev t;

	t_open_main(&t);
	expect_bad_region(&t, VFIO_PCI_NUM_REGIONS);
	expect_bad_region(&t, t.dev.info.num_regions + 7);
	expect_bad_region(&t, 0xffffffffu);
}

static void region_absent_bar(void)
{
	struct vfio_region_info info;
	unsigned int bar;
	struct tdev t;

	t_open_main(&t);
	for (bar = 0; bar <= VFIO_PCI_BAR5_REGION_INDEX; bar++) {
		ASSERT_OK(p2p_region_info(&t.dev, bar, &info));
		if (!info.size)
			break;
	}
	if (bar > VFIO_PCI_BAR5_REGION_INDEX)
		T_SKIP("%s implements all six BARs", t.dev.bdf);
	expect_bad_region(&t, bar);
}

/* An I/O port BAR (e1000e has one) is not MMIO. */
static void region_io_bar(void)
{
	static const char *const envs[] = {
		"DMABUF_P2P_DEVICE", "DMABUF_P2P_DEVICE_PM", "DMABUF_P2P_DEVICE_FLR" };
	char bdf[P2P_BDF_LEN];
	struct p2p_pci_res res;
	unsigned int bar;
	struct tdev t;
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *v = t_env(envs[i]);

		if (!v || p2p_bdf_normalize(v, bdf))
			continue;
		for (bar = 0; bar <= VFIO_PCI_BAR5_REGION_INDEX; bar++) {
			if (!p2p_pci_resource(bdf, bar, &res) && (res.flags & P2P_IORESOURCE_IO)) {
				t_open(&t, bdf);
				t_diag("%s BAR%u is I/O ports", bdf, bar);
				expect_bad_region(&t, bar);
				return;
			}
		}
	}
	T_SKIP("no device in the environment has an I/O BAR");
}

static void open_flags_unknown(void)
{
	struct p2p_range r = { 0, 0 };
	struct tdev t;

	t_open_main(&t);
	r.length = t.page;
	ASSERT_ERR(request(&t, t.bar, O_RDWR | 0x40000000, 0, 1, &r, 1), EINVAL);
	ASSERT_ERR(request(&t, t.bar, O_RDWR | O_APPEND, 0, 1, &r, 1), EINVAL);
}

/* The ranges array sits in an unreadable page: the copy faults. */
static void bad_user_pointer(void)
{
	struct vfio_device_feature_dma_buf *req;
	struct vfio_device_feature *feat;
	size_t hdr = sizeof(*feat) + sizeof(*req);
	struct tdev t;
	char *map;

	t_open_main(&t);
	map = mmap(NULL, 2 * t.page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_SYSOK(mprotect(map + t.page, t.page, PROT_NONE));
	feat = (void *)(map + t.page - hdr);
	feat->argsz = hdr + sizeof(struct vfio_region_dma_range);
	feat->flags = GET_DMA_BUF;
	req = (void *)feat->data;
	req->region_index = t.bar;
	req->open_flags = O_RDWR;
	req->flags = 0;
	req->nr_ranges = 1;
	ASSERT_SYSERR(ioctl(t.dev.device, VFIO_DEVICE_FEATURE, feat), EFAULT);
	/* And the whole argument unreadable. */
	ASSERT_SYSERR(ioctl(t.dev.device, VFIO_DEVICE_FEATURE, map + t.page), EFAULT);
}

static void check_fresh(struct tdev *t, int fd, uint64_t want_size)
{
	struct p2p_buf_stat st;
	uint64_t size;

	ASSERT_OK(p2p_dmabuf_size(fd, &size));
	ASSERT_EQ(size, want_size);
	t_stat(t->dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.size, want_size);
	ASSERT_EQ(st.revoked, 0);
	ASSERT_EQ(st.attaches, 0);
	ASSERT_EQ(st.maps, 0);
	ASSERT_EQ(st.revokes, 0);
	ASSERT_EQ(st.unrevokes, 0);
}

static void single_range_whole_bar(void)
{
	struct tdev t;
	int fd;

	t_open_main(&t);
	fd = t_create_pages(&t, 0, t.bar_size / t.page);
	check_fresh(&t, fd, t.bar_size / t.page * t.page);
	close(fd);
}

static void single_range_one_page(void)
{
	struct tdev t;
	int fd;

	t_open_main(&t);
	fd = t_create_pages(&t, 1, 1);
	check_fresh(&t, fd, t.page);
	close(fd);
}

static void multi_range(void)
{
	struct p2p_range r[3];
	struct tdev t;
	int fd;

	t_open_main(&t);
	if (t.bar_size < 6 * t.page)
		T_SKIP("BAR%u too small", t.bar);
	/* Pages 4, 0 (yes, out of order is fine) and 2 of the BAR. */
	r[0].offset = 4 * t.page;
	r[0].length = t.page;
	r[1].offset = 0;
	r[1].length = t.page;
	r[2].offset = 2 * t.page;
	r[2].length = 2 * t.page;
	fd = t_create(&t, r, 3);
	check_fresh(&t, fd, 4 * t.page);
	close(fd);
}

static void max_ranges(void)
{
	struct p2p_range r[DMABUF_P2P_MAX_RANGES];
	struct tdev t;
	int fd;

	t_open_main(&t);
	if (t.bar_size < 2 * DMABUF_P2P_MAX_RANGES * t.page)
		T_SKIP("BAR%u too small for %d ranges", t.bar, DMABUF_P2P_MAX_RANGES);
	ASSERT_OK(p2p_ranges_stride(0, t.page, 2 * t.page, DMABUF_P2P_MAX_RANGES, r));
	fd = t_create(&t, r, DMABUF_P2P_MAX_RANGES);
	check_fresh(&t, fd, DMABUF_P2P_MAX_RANGES * t.page);
	close(fd);
}

static void fd_is_dmabuf(void)
{
	char name[64], val[64], path[64], link[256];
	uint64_t size;
	struct tdev t;
	ssize_t n;
	int fd;

	t_open_main(&t);
	fd = t_create_pages(&t, 0, 2);
	ASSERT_OK(p2p_fdinfo_field(fd, "exp_name", name, sizeof(name)));
	t_diag("exp_name: %s", name);
	ASSERT_TRUE(name[0] != '\0');
	ASSERT_OK(p2p_fdinfo_field(fd, "size", val, sizeof(val)));
	ASSERT_OK(p2p_parse_u64(val, &size));
	ASSERT_EQ(size, 2 * t.page);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_GT(n, 0);
	link[n] = '\0';
	t_diag("fd link: %s", link);
	ASSERT_TRUE(strstr(link, "dmabuf") != NULL);
	close(fd);
}

static void open_flags_honoured(void)
{
	struct p2p_range r = { 0, 0 };
	struct tdev t;
	int fd;

	t_open_main(&t);
	r.length = t.page;
	fd = request(&t, t.bar, O_RDWR | O_CLOEXEC, 0, 1, &r, 1);
	ASSERT_OK(fd);
	ASSERT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	fd = request(&t, t.bar, O_RDONLY, 0, 1, &r, 1);
	ASSERT_OK(fd);
	ASSERT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ASSERT_FALSE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

static void buffers_are_distinct(void)
{
	struct p2p_buf_stat arr[64];
	int before, after, a, b;
	uint64_t ino_a;
	struct tdev t;

	t_open_main(&t);
	t_need_debugfs();
	before = ASSERT_OK(p2p_buffers_list(t.dev.bdf, arr, 64));
	a = t_create_pages(&t, 0, 1);
	b = t_create_pages(&t, 0, 1);
	ASSERT_NE(t_ino(a), t_ino(b));
	after = ASSERT_OK(p2p_buffers_list(t.dev.bdf, arr, 64));
	ASSERT_EQ(after, before + 2);
	ASSERT_TRUE(t_listed(t.dev.bdf, t_ino(a)));
	ASSERT_TRUE(t_listed(t.dev.bdf, t_ino(b)));
	ino_a = t_ino(a);
	close(a);
	ASSERT_FALSE(t_listed(t.dev.bdf, ino_a));
	ASSERT_EQ(ASSERT_OK(p2p_buffers_list(t.dev.bdf, arr, 64)), before + 1);
	close(b);
	ASSERT_EQ(ASSERT_OK(p2p_buffers_list(t.dev.bdf, arr, 64)), before);
}

T_DEVICE_FIXTURE(t_reset_knobs);

TEST_F(dmabuf_p2p, probe_dma_buf_feature) { probe_dma_buf_feature(); }
TEST_F(dmabuf_p2p, argsz_too_small) { argsz_too_small(); }
TEST_F(dmabuf_p2p, flags_nonzero) { flags_nonzero(); }
TEST_F(dmabuf_p2p, nr_ranges_zero) { nr_ranges_zero(); }
TEST_F(dmabuf_p2p, nr_ranges_above_max) { nr_ranges_above_max(); }
TEST_F(dmabuf_p2p, nr_ranges_huge) { nr_ranges_huge(); }
TEST_F(dmabuf_p2p, zero_length) { zero_length(); }
TEST_F(dmabuf_p2p, unaligned_offset) { unaligned_offset(); }
TEST_F(dmabuf_p2p, unaligned_length) { unaligned_length(); }
TEST_F(dmabuf_p2p, offset_length_overflow) { offset_length_overflow(); }
TEST_F(dmabuf_p2p, range_past_bar_end) { range_past_bar_end(); }
TEST_F(dmabuf_p2p, range_straddles_bar_end) { range_straddles_bar_end(); }
TEST_F(dmabuf_p2p, range_in_sub_page_bar) { range_in_sub_page_bar(); }
TEST_F(dmabuf_p2p, total_above_bar) { total_above_bar(); }
TEST_F(dmabuf_p2p, region_rom) { region_rom(); }
TEST_F(dmabuf_p2p, region_config) { region_config(); }
TEST_F(dmabuf_p2p, region_vga) { region_vga(); }
TEST_F(dmabuf_p2p, region_nonexistent) { region_nonexistent(); }
TEST_F(dmabuf_p2p, region_absent_bar) { region_absent_bar(); }
TEST_F(dmabuf_p2p, region_io_bar) { region_io_bar(); }
TEST_F(dmabuf_p2p, open_flags_unknown) { open_flags_unknown(); }
TEST_F(dmabuf_p2p, bad_user_pointer) { bad_user_pointer(); }
TEST_F(dmabuf_p2p, single_range_whole_bar) { single_range_whole_bar(); }
TEST_F(dmabuf_p2p, single_range_one_page) { single_range_one_page(); }
TEST_F(dmabuf_p2p, multi_range) { multi_range(); }
TEST_F(dmabuf_p2p, max_ranges) { max_ranges(); }
TEST_F(dmabuf_p2p, fd_is_dmabuf) { fd_is_dmabuf(); }
TEST_F(dmabuf_p2p, open_flags_honoured) { open_flags_honoured(); }
TEST_F(dmabuf_p2p, buffers_are_distinct) { buffers_are_distinct(); }

TEST_HARNESS_MAIN
