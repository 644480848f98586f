/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The vfio-pci dma-buf export uAPI (VFIO_DEVICE_FEATURE_DMA_BUF, feature 11)
 * as merged upstream in v6.19. Where the system's <linux/vfio.h> already has
 * it we use that definition, so one harness drives our variant driver on
 * older kernels and upstream vfio-pci on newer ones without change.
 */
#ifndef _UAPI_DMABUF_P2P_VFIO_H
#define _UAPI_DMABUF_P2P_VFIO_H

#include <linux/types.h>
#include <linux/vfio.h>

#ifndef VFIO_DEVICE_FEATURE_DMA_BUF
/*
 * VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF: create a dma-buf
 * fd covering nr_ranges page-aligned slices of one memory BAR. open_flags
 * takes O_CLOEXEC and the access mode; flags must be 0. Returns the fd.
 */
#define VFIO_DEVICE_FEATURE_DMA_BUF 11

struct vfio_region_dma_range {
	__u64 offset;
	__u64 length;
};

struct vfio_device_feature_dma_buf {
	__u32 region_index;
	__u32 open_flags;
	__u32 flags;
	__u32 nr_ranges;
	struct vfio_region_dma_range dma_ranges[];
};
#endif

/*
 * CPU access (our exporter): mmap(2) of the dma-buf fd, MAP_SHARED only
 * (MAP_PRIVATE: EINVAL), maps the ranges back to back, uncached. A revoke
 * removes every such mapping before the MMIO goes away; an access while the
 * buffer is revoked raises SIGBUS, and once the MMIO is back accesses work
 * again. A mapping keeps the buffer alive after its fd is closed; after the
 * device is closed it only ever raises SIGBUS.
 */

/* Our cap on nr_ranges; upstream's own limit is larger, never smaller. */
#define DMABUF_P2P_MAX_RANGES 64

#endif /* _UAPI_DMABUF_P2P_VFIO_H */
