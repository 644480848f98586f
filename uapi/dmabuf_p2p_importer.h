/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uAPI of the mock RDMA-style importer (/dev/dmabuf_p2p_importer).
 *
 * Every struct starts with its own size, filled in by userspace, so later
 * fields can be appended: the kernel zero-fills a shorter struct and refuses
 * a longer one whose extra bytes are not zero (-E2BIG). All user pointers are
 * __u64; all padding is explicit and must be zero.
 */
#ifndef _UAPI_DMABUF_P2P_IMPORTER_H
#define _UAPI_DMABUF_P2P_IMPORTER_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DMABUF_P2P_IMPORTER_DEV "/dev/dmabuf_p2p_importer"

/*
 * The PCI driver of the importer's optional DMA engine: a QEMU "edu" device
 * (1234:11e8) binds to it when the module loads. sysfs:
 * /sys/bus/pci/drivers/<P2P_IMP_EDU_DRIVER>/<BDF>.
 */
#define P2P_IMP_EDU_DRIVER	"dmabuf_p2p_imp_edu"

/* REG_MR flags */
#define P2P_MR_PINNED		0x1U	/* dma_buf_pin(), no invalidation */
/*
 * Attach for the edu DMA engine's device instead of the importer's default
 * one, so the exporter maps the buffer for it (through its IOMMU, if any),
 * and move READ/WRITE data with the engine: device <-> DMA addresses of the
 * MR, real peer-to-peer for an MMIO exporter. -ENXIO when no engine is bound.
 */
#define P2P_MR_EDU		0x2U
#define P2P_MR_FLAGS_ALL	(P2P_MR_PINNED | P2P_MR_EDU)

/* REG_MR access */
#define P2P_MR_ACCESS_READ	0x1U
#define P2P_MR_ACCESS_WRITE	0x2U
#define P2P_MR_ACCESS_ALL	(P2P_MR_ACCESS_READ | P2P_MR_ACCESS_WRITE)

struct p2p_reg_mr {
	__u32 size;
	__u32 flags;
	__s32 fd;		/* dma-buf fd */
	__u32 access;
	__u64 offset;		/* into the dma-buf, page aligned */
	__u64 length;		/* page aligned, non-zero */
	__u32 handle;		/* out */
	__u32 __reserved;
};

/* DEREG_MR flags */
/*
 * Tear down and drop the dma-buf reference from a workqueue: the
 * delayed_fput release path.
 */
#define P2P_DEREG_DEFERRED	0x1U
#define P2P_DEREG_FLAGS_ALL	(P2P_DEREG_DEFERRED)

struct p2p_dereg_mr {
	__u32 size;
	__u32 handle;
	__u32 flags;
	__u32 __reserved;
};

#define P2P_DMA_DEV_LEN		32

enum p2p_mr_state {
	P2P_MR_STATE_MAPPED = 1,
	P2P_MR_STATE_INVALIDATED = 2,	/* move_notify ran; remap on access */
	P2P_MR_STATE_REVOKED = 3,	/* exporter refused the remap */
};

struct p2p_query_mr {
	__u32 size;
	__u32 handle;
	__u32 state;		/* out: enum p2p_mr_state */
	__u32 nents;		/* out: sg entries of the current mapping */
	__u64 generation;	/* out: bumped by every successful remap */
	__u64 invalidations;	/* out: move_notify calls seen */
	__u64 remaps;		/* out */
	__u64 mapped_length;	/* out: bytes covered by the current mapping */
	/* Since v1: */
	__u32 flags;		/* out: the MR's REG_MR flags */
	__u32 __reserved;	/* out: zero */
	/*
	 * out: dev_name() of the device the MR is attached (mapped) for, the
	 * edu BDF for P2P_MR_EDU; NUL-terminated.
	 */
	char dma_dev[P2P_DMA_DEV_LEN];
};

enum p2p_access_op {
	/*
	 * READ/WRITE copy through the exporter's CPU mapping (page-backed
	 * exporters; -EOPNOTSUPP for MMIO), or on a P2P_MR_EDU MR, through
	 * the DMA engine, for any exporter: 2 KiB per transfer, about 100 ms
	 * each on QEMU. A revoke racing such an access: every transfer either
	 * completes before the exporter's revoke returns or is not started,
	 * and the access then fails with -ENODEV (what landed before stays).
	 */
	P2P_ACCESS_READ = 1,	/* MR -> user buffer */
	P2P_ACCESS_WRITE = 2,	/* user buffer -> MR */
	P2P_ACCESS_CHECK = 3,	/* DMA segments covering the range -> user */
};

/* What P2P_ACCESS_CHECK writes: one per DMA segment touched by the range. */
struct p2p_dma_seg {
	__u64 dma_addr;
	__u64 length;
};

struct p2p_access_mr {
	__u32 size;
	__u32 handle;
	__u32 op;		/* enum p2p_access_op */
	__u32 count;		/* CHECK: in capacity of segs, out used */
	__u64 offset;		/* into the MR */
	__u64 length;
	__u64 user_ptr;		/* data buffer, or struct p2p_dma_seg[] */
};

#define P2P_IMPORTER_TYPE	0xD8
#define P2P_IOC_REG_MR		_IO(P2P_IMPORTER_TYPE, 0x00)
#define P2P_IOC_DEREG_MR	_IO(P2P_IMPORTER_TYPE, 0x01)
#define P2P_IOC_QUERY_MR	_IO(P2P_IMPORTER_TYPE, 0x02)
#define P2P_IOC_ACCESS_MR	_IO(P2P_IMPORTER_TYPE, 0x03)

#endif /* _UAPI_DMABUF_P2P_IMPORTER_H */
