/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd as an in-kernel importer (lib/iommufd.c): an IOAS into which user
 * memory and vfio-pci dma-bufs are mapped at fixed IOVAs, a DMA-capable
 * device opened through its vfio cdev and attached to that IOAS, and QEMU's
 * edu device as the DMA engine that uses the IOVAs. Same conventions as
 * dmabuf_p2p.h: >= 0 or -errno, the text in p2p_last_error().
 */
#ifndef DMABUF_P2P_IOMMUFD_H
#define DMABUF_P2P_IOMMUFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmabuf_p2p.h"

#define P2P_IOMMUFD_PATH	"/dev/iommu"
#define P2P_VFIO_CDEV_DIR	"/dev/vfio/devices"

int p2p_iommufd_open(void);
int p2p_ioas_alloc(int iommufd, uint32_t *ioas_id);
int p2p_iommufd_destroy(int iommufd, uint32_t id);
int p2p_ioas_map(int iommufd, uint32_t ioas_id, void *va, uint64_t len, uint64_t iova);
int p2p_ioas_map_file(int iommufd, uint32_t ioas_id, int fd, uint64_t start,
		      uint64_t len, uint64_t iova);
int p2p_ioas_unmap(int iommufd, uint32_t ioas_id, uint64_t iova, uint64_t len,
		   uint64_t *unmapped);

/* A PCI device opened through its vfio cdev, bound to an iommufd. */
struct p2p_cdev {
	char bdf[P2P_BDF_LEN];
	int fd;
	uint32_t devid;		/* its iommufd object */
	uint32_t hwpt_id;	/* the page table the IOAS got for it */
	uint64_t cfg_offset;	/* of the config region in the fd */
};

int p2p_vfio_cdev_path(const char *bdf, char *buf, size_t len);
int p2p_cdev_open(const char *bdf, int iommufd, uint32_t ioas_id, struct p2p_cdev *cd);
void p2p_cdev_close(struct p2p_cdev *cd);
int p2p_cdev_bar_mmap(struct p2p_cdev *cd, unsigned int bar, size_t len, void **out);
int p2p_cdev_enable(struct p2p_cdev *cd);

/*
 * QEMU's edu device (hw/misc/edu.c) as a DMA engine, through its BAR0
 * registers. It moves bytes between a bus address (an IOVA behind an
 * IOMMU) and its own 4 KiB buffer, which its registers call P2P_EDU_BUF.
 * It only sees bus addresses below P2P_EDU_DMA_LIMIT (its default
 * dma_mask: it silently clamps higher ones). QEMU 7.2 aborts the whole VM
 * on a transfer ending exactly at the end of the buffer; the helpers keep
 * every transfer to P2P_EDU_DMA_MAX bytes at the buffer's start.
 */
#define P2P_EDU_VENDOR		0x1234
#define P2P_EDU_DEVICE		0x11e8
#define P2P_EDU_BUF		0x40000
#define P2P_EDU_BUF_SIZE	4096
#define P2P_EDU_DMA_MAX		2048
#define P2P_EDU_DMA_LIMIT	(1ULL << 28)

int p2p_edu_check(volatile void *regs);
int p2p_edu_dma(volatile void *regs, uint64_t addr, uint32_t len, bool to_bus,
		unsigned int timeout_ms);
int p2p_edu_copy(volatile void *regs, uint64_t src, uint64_t dst, uint64_t len,
		 unsigned int timeout_ms);

#endif /* DMABUF_P2P_IOMMUFD_H */
