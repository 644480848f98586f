// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd as an in-kernel importer of vfio-pci dma-bufs (7.x): IOAS
 * mappings of user memory and of dma-bufs (IOMMU_IOAS_MAP_FILE), a device
 * opened through its vfio cdev and attached to the IOAS, and QEMU's edu
 * device as the DMA engine that proves the mappings carry data. The vfio
 * cdev answers VFIO_DEVICE_GET_REGION_INFO, mmap and config pread/pwrite
 * as a group-opened device fd does; a struct p2p_dev would need a group and
 * container this device does not have, hence the small helpers here.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd.h"
#include "iommufd_abi.h"
#include "internal.h"

int p2p_iommufd_open(void)
{
	int fd = open(P2P_IOMMUFD_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return p2p_seterr(errno, "open " P2P_IOMMUFD_PATH " (CONFIG_IOMMUFD?)");
	return fd;
}

int p2p_ioas_alloc(int iommufd, uint32_t *ioas_id)
{
	struct p2p_iommu_ioas_alloc a = { .size = sizeof(a) };

	if (ioctl(iommufd, P2P_IOMMU_IOAS_ALLOC, &a) < 0)
		return p2p_seterr(errno, "IOMMU_IOAS_ALLOC");
	*ioas_id = a.out_ioas_id;
	return 0;
}

int p2p_iommufd_destroy(int iommufd, uint32_t id)
{
	struct p2p_iommu_destroy d = { .size = sizeof(d), .id = id };

	if (ioctl(iommufd, P2P_IOMMU_DESTROY, &d) < 0)
		return p2p_seterr(errno, "IOMMU_DESTROY(%u)", id);
	return 0;
}

#define MAP_RW_FIXED	(P2P_IOMMU_IOAS_MAP_FIXED_IOVA | P2P_IOMMU_IOAS_MAP_READABLE | \
			 P2P_IOMMU_IOAS_MAP_WRITEABLE)

int p2p_ioas_map(int iommufd, uint32_t ioas_id, void *va, uint64_t len, uint64_t iova)
{
	struct p2p_iommu_ioas_map m = {
		.size = sizeof(m), .flags = MAP_RW_FIXED, .ioas_id = ioas_id,
		.user_va = (uintptr_t)va, .length = len, .iova = iova,
	};

	if (ioctl(iommufd, P2P_IOMMU_IOAS_MAP, &m) < 0)
		return p2p_seterr(errno, "IOMMU_IOAS_MAP(iova 0x%llx)", (unsigned long long)iova);
	return 0;
}

/* For a dma-buf the kernel takes its own reference: @fd may be closed after. */
int p2p_ioas_map_file(int iommufd, uint32_t ioas_id, int fd, uint64_t start,
		      uint64_t len, uint64_t iova)
{
	struct p2p_iommu_ioas_map_file m = {
		.size = sizeof(m), .flags = MAP_RW_FIXED, .ioas_id = ioas_id, .fd = fd,
		.start = start, .length = len, .iova = iova,
	};

	if (ioctl(iommufd, P2P_IOMMU_IOAS_MAP_FILE, &m) < 0)
		return p2p_seterr(errno, "IOMMU_IOAS_MAP_FILE(fd %d, iova 0x%llx)", fd,
				  (unsigned long long)iova);
	return 0;
}

/* The range must cover whole mappings (no splitting); -ENOENT if none. */
int p2p_ioas_unmap(int iommufd, uint32_t ioas_id, uint64_t iova, uint64_t len,
		   uint64_t *unmapped)
{
	struct p2p_iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas_id, .iova = iova, .length = len,
	};

	if (ioctl(iommufd, P2P_IOMMU_IOAS_UNMAP, &u) < 0)
		return p2p_seterr(errno, "IOMMU_IOAS_UNMAP(iova 0x%llx)", (unsigned long long)iova);
	if (unmapped)
		*unmapped = u.length;
	return 0;
}

/* /dev/vfio/devices/vfioN of a device bound to a vfio driver. */
int p2p_vfio_cdev_path(const char *bdf, char *buf, size_t len)
{
	char dir[128];
	struct dirent *de;
	int n = -1;
	DIR *d;

	snprintf(dir, sizeof(dir), P2P_SYSFS_PCI "/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		return p2p_seterr(errno, "%s (not on vfio-pci, or no CONFIG_VFIO_DEVICE_CDEV?)",
				  dir);
	while ((de = readdir(d)) && strncmp(de->d_name, "vfio", 4))
		;
	if (de)
		n = snprintf(buf, len, P2P_VFIO_CDEV_DIR "/%s", de->d_name);
	closedir(d);
	if (n < 0 || (size_t)n >= len)
		return p2p_seterr_msg(ENOENT, "%s: no vfio cdev", dir);
	return 0;
}

static int cdev_region(struct p2p_cdev *cd, unsigned int index,
		       struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(cd->fd, VFIO_DEVICE_GET_REGION_INFO, info) < 0)
		return p2p_seterr(errno, "%s: VFIO_DEVICE_GET_REGION_INFO(%u)", cd->bdf,
				  index);
	return 0;
}

/*
 * Open @bdf's cdev, bind it to @iommufd and attach it to @ioas_id: from
 * then on its DMA goes through the IOAS's page table. Close undoes both.
 */
int p2p_cdev_open(const char *bdf, int iommufd, uint32_t ioas_id, struct p2p_cdev *cd)
{
	struct p2p_vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = iommufd,
	};
	struct p2p_vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = ioas_id,
	};
	struct vfio_region_info cfg;
	char path[64];
	int ret;

	memset(cd, 0, sizeof(*cd));
	cd->fd = -1;
	ret = p2p_bdf_normalize(bdf, cd->bdf);
	if (!ret)
		ret = p2p_vfio_cdev_path(cd->bdf, path, sizeof(path));
	if (ret)
		return ret;
	cd->fd = open(path, O_RDWR | O_CLOEXEC);
	if (cd->fd < 0)
		return p2p_seterr(errno, "open %s (%s)", path, cd->bdf);
	if (ioctl(cd->fd, P2P_VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0) {
		ret = p2p_seterr(errno, "%s: VFIO_DEVICE_BIND_IOMMUFD", cd->bdf);
		goto fail;
	}
	cd->devid = bind.out_devid;
	if (ioctl(cd->fd, P2P_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) < 0) {
		ret = p2p_seterr(errno, "%s: VFIO_DEVICE_ATTACH_IOMMUFD_PT(%u)", cd->bdf,
				 ioas_id);
		goto fail;
	}
	cd->hwpt_id = at.pt_id;
	ret = cdev_region(cd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (ret)
		goto fail;
	cd->cfg_offset = cfg.offset;
	return 0;
fail:
	p2p_cdev_close(cd);
	return ret;
}

void p2p_cdev_close(struct p2p_cdev *cd)
{
	if (cd->fd >= 0)
		close(cd->fd);
	cd->fd = -1;
}

int p2p_cdev_bar_mmap(struct p2p_cdev *cd, unsigned int bar, size_t len, void **out)
{
	struct vfio_region_info info;
	void *p;
	int ret;

	ret = cdev_region(cd, bar, &info);
	if (ret)
		return ret;
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || len > info.size)
		return p2p_seterr_msg(EOPNOTSUPP, "%s: BAR %u: no mmap of 0x%zx bytes",
				      cd->bdf, bar, len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, cd->fd, info.offset);
	if (p == MAP_FAILED)
		return p2p_seterr(errno, "%s: mmap BAR %u", cd->bdf, bar);
	*out = p;
	return 0;
}

/* COMMAND: memory decode for its BAR, bus mastering for its DMA. */
int p2p_cdev_enable(struct p2p_cdev *cd)
{
	off_t off = cd->cfg_offset + PCI_COMMAND;
	uint16_t cmd;
	ssize_t n;

	n = pread(cd->fd, &cmd, 2, off);
	if (n != 2)
		return p2p_seterr(n < 0 ? errno : EIO, "%s: read COMMAND", cd->bdf);
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	n = pwrite(cd->fd, &cmd, 2, off);
	if (n != 2)
		return p2p_seterr(n < 0 ? errno : EIO, "%s: write COMMAND", cd->bdf);
	return 0;
}

/* edu's registers: 0x80.. take 4- or 8-byte accesses, one 8-byte one here. */
#define EDU_ID		0x00	/* 0x010000ed: version 1.0, "ed" */
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_RUN	0x1	/* cleared by the device when the transfer is done */
#define EDU_CMD_TO_BUS	0x2	/* direction: its buffer -> bus address */

static volatile uint64_t *edu_reg(volatile void *regs, unsigned int off)
{
	return (volatile uint64_t *)((volatile uint8_t *)regs + off);
}

int p2p_edu_check(volatile void *regs)
{
	uint32_t id = *(volatile uint32_t *)((volatile uint8_t *)regs + EDU_ID);

	if ((id & 0xff) != 0xed)
		return p2p_seterr_msg(ENODEV, "not an edu device: ID register 0x%08x", id);
	return 0;
}

/*
 * One transfer between bus address @addr and the start of edu's buffer;
 * waits for it (edu takes ~100 ms of virtual time per transfer). A DMA the
 * IOMMU refuses ends the same way: edu does not report it.
 */
int p2p_edu_dma(volatile void *regs, uint64_t addr, uint32_t len, bool to_bus,
		unsigned int timeout_ms)
{
	uint64_t deadline;

	if (!len || len > P2P_EDU_DMA_MAX)
		return p2p_seterr_msg(EINVAL, "edu DMA of %u bytes (1..%u)", len,
				      P2P_EDU_DMA_MAX);
	if (addr >= P2P_EDU_DMA_LIMIT || len > P2P_EDU_DMA_LIMIT - addr)
		return p2p_seterr_msg(ERANGE, "edu DMA at 0x%llx: past its 28-bit DMA mask",
				      (unsigned long long)addr);
	/* While one runs, edu ignores writes to its DMA registers. */
	if (*edu_reg(regs, EDU_DMA_CMD) & EDU_CMD_RUN)
		return p2p_seterr_msg(EBUSY, "edu: a DMA is still running");
	*edu_reg(regs, EDU_DMA_SRC) = to_bus ? P2P_EDU_BUF : addr;
	*edu_reg(regs, EDU_DMA_DST) = to_bus ? addr : P2P_EDU_BUF;
	*edu_reg(regs, EDU_DMA_CNT) = len;
	/* The CPU's stores to the source memory before the start. */
	__sync_synchronize();
	*edu_reg(regs, EDU_DMA_CMD) = EDU_CMD_RUN | (to_bus ? EDU_CMD_TO_BUS : 0);
	deadline = p2p_now_ms() + timeout_ms;
	while (*edu_reg(regs, EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (p2p_now_ms() >= deadline)
			return p2p_seterr_msg(ETIMEDOUT, "edu DMA %s 0x%llx not done in %u ms",
					      to_bus ? "to" : "from",
					      (unsigned long long)addr, timeout_ms);
		p2p_sleep_ms(1);
	}
	/* And the CPU's reads of what landed after the end. */
	__sync_synchronize();
	return 0;
}

/* @len bytes from bus address @src to @dst, through edu's buffer in chunks. */
int p2p_edu_copy(volatile void *regs, uint64_t src, uint64_t dst, uint64_t len,
		 unsigned int timeout_ms)
{
	uint64_t off;
	uint32_t n;
	int ret;

	for (off = 0; off < len; off += n) {
		n = len - off < P2P_EDU_DMA_MAX ? len - off : P2P_EDU_DMA_MAX;
		ret = p2p_edu_dma(regs, src + off, n, false, timeout_ms);
		if (!ret)
			ret = p2p_edu_dma(regs, dst + off, n, true, timeout_ms);
		if (ret)
			return ret;
	}
	return 0;
}
