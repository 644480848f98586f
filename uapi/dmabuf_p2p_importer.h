/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uAPI of the mock RDMA-style importer (/dev/dmabuf_p2p_importer).
 *
 * Every struct starts with its own size, filled in by userspace, so later
 * fields can be appended; the kernel goes by that size, with the semantics
 * of copy_struct_from_user():
 *  - below the struct's first version: -EINVAL;
 *  - above P2P_IOC_SIZE_MAX: -E2BIG, whatever the bytes are;
 *  - shorter than the kernel's struct: the missing fields read as zero;
 *  - longer: accepted if every byte the kernel does not know is zero,
 *    -E2BIG otherwise.
 * Results are written back into the first min(size, kernel's size) bytes
 * only. Fields marked "out, zero on input" must be zero when passed in
 * (-EINVAL), so that a later version can give them a meaning as input. All
 * user pointers are __u64; all padding is explicit and must be zero.
 *
 * The ioctl numbers carry the direction and the struct as this header
 * defines it. The kernel matches type, number and direction, and ignores
 * the size bits: a program built against a newer header (a larger struct,
 * so a different number) still reaches an older kernel, which then judges
 * .size as above. Any other number fails with -ENOTTY.
 */
#ifndef _UAPI_DMABUF_P2P_IMPORTER_H
#define _UAPI_DMABUF_P2P_IMPORTER_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DMABUF_P2P_IMPORTER_DEV "/dev/dmabuf_p2p_importer"

/* The largest .size the kernel looks at; a fixed number on every arch. */
#define P2P_IOC_SIZE_MAX	4096

/*
 * MRs one open file of the device may hold at a time; REG_MR fails with
 * -ENOSPC beyond. Handles are not reused soon: each REG_MR takes the next
 * one up (wrapping at 2^32 - 1, skipping those in use), so a stale handle
 * does not name a newer MR.
 */
#define P2P_MR_MAX_PER_FD	4096

/*
 * The PCI driver of the importer's optional DMA engine: a QEMU "edu" device
 * (1234:11e8) binds to it when the module loads. sysfs:
 * /sys/bus/pci/drivers/<P2P_IMP_EDU_DRIVER>/<BDF>, and the driver's "unbind"
 * and "bind" files there.
 */
#define P2P_IMP_EDU_DRIVER	"dmabuf_p2p_imp_edu"

/* REG_MR flags */
#define P2P_MR_PINNED		0x1U	/* dma_buf_pin(), no invalidation */
/*
 * Attach for the edu DMA engine's device instead of the importer's default
 * one, so the exporter maps the buffer for it (through its IOMMU, if any),
 * and move READ/WRITE data with the engine: device <-> DMA addresses of the
 * MR, real peer-to-peer for an MMIO exporter. -ENXIO when no engine is bound.
 * If the engine is unbound while the MR lives, the MR is unmapped before the
 * unbind completes and stays revoked: accesses fail with -ENODEV, DEREG_MR
 * works as usual.
 */
#define P2P_MR_EDU		0x2U
/*
 * Attach as a P2P importer that cannot be told its mapping went away: no
 * move_notify / invalidate_mappings. A revocable exporter must refuse it
 * (-EOPNOTSUPP from attach). Only where the dma-buf core accepts such an
 * importer on a dynamic attach (7.1+); -EOPNOTSUPP from the importer itself
 * on older kernels, whose core WARNs on one.
 */
#define P2P_MR_NO_INVALIDATE	0x4U
#define P2P_MR_FLAGS_ALL	(P2P_MR_PINNED | P2P_MR_EDU | P2P_MR_NO_INVALIDATE)

/*
 * REG_MR access. WRITE needs a dma-buf fd opened for writing (-EACCES
 * otherwise): a read-only fd does not give a writable MR.
 */
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
	__u32 handle;		/* out, zero on input */
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
	 *
	 * A signal ends READ/WRITE between two pieces (256 KiB through the
	 * CPU, one 2 KiB transfer with the engine) with -EINTR, also under
	 * SA_RESTART: what was moved before stays, the MR is as usable as
	 * before, and the access can simply be issued again.
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
	/*
	 * CHECK: in capacity of segs, out segments used (or needed, with
	 * -ENOSPC). READ/WRITE: must be zero (-EINVAL).
	 */
	__u32 count;
	__u64 offset;		/* into the MR */
	__u64 length;
	__u64 user_ptr;		/* data buffer, or struct p2p_dma_seg[] */
};

#define P2P_IMPORTER_TYPE	0xD8
#define P2P_IOC_REG_MR		_IOWR(P2P_IMPORTER_TYPE, 0x00, struct p2p_reg_mr)
#define P2P_IOC_DEREG_MR	_IOW(P2P_IMPORTER_TYPE, 0x01, struct p2p_dereg_mr)
#define P2P_IOC_QUERY_MR	_IOWR(P2P_IMPORTER_TYPE, 0x02, struct p2p_query_mr)
#define P2P_IOC_ACCESS_MR	_IOWR(P2P_IMPORTER_TYPE, 0x03, struct p2p_access_mr)

#endif /* _UAPI_DMABUF_P2P_IMPORTER_H */
