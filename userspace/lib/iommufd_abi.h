/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few iommufd and vfio cdev ioctls the library uses, declared here
 * because the build host's headers (Debian 12, linux-libc-dev 6.1) have no
 * <linux/iommufd.h> and no VFIO_DEVICE_BIND_IOMMUFD. Layouts and numbers
 * are the kernel's uAPI (include/uapi/linux/iommufd.h, vfio.h as of 7.3);
 * the sizes are checked below so a typo cannot change the ABI silently.
 *
 * Everything carries a P2P_/p2p_ prefix: a newer libc header may define the
 * upstream names (macros and enumerators alike), and ours then neither
 * redefine them nor get macro-expanded into them, in either include order.
 * Where such a header came first, the ioctl numbers are checked against it.
 */
#ifndef DMABUF_P2P_IOMMUFD_ABI_H
#define DMABUF_P2P_IOMMUFD_ABI_H

#include <stdint.h>
#include <linux/ioctl.h>

#define P2P_ALIGNED_U64	uint64_t __attribute__((aligned(8)))

/* iommufd: one ioctl type, command numbers from 0x80; sizes in the payload. */
#define P2P_IOMMUFD_TYPE		';'
#define P2P_IOMMUFD_CMD_DESTROY		0x80
#define P2P_IOMMUFD_CMD_IOAS_ALLOC	0x81
#define P2P_IOMMUFD_CMD_IOAS_MAP	0x85
#define P2P_IOMMUFD_CMD_IOAS_UNMAP	0x86
#define P2P_IOMMUFD_CMD_IOAS_MAP_FILE	0x8f

#define P2P_IOMMU_DESTROY	_IO(P2P_IOMMUFD_TYPE, P2P_IOMMUFD_CMD_DESTROY)
#define P2P_IOMMU_IOAS_ALLOC	_IO(P2P_IOMMUFD_TYPE, P2P_IOMMUFD_CMD_IOAS_ALLOC)
#define P2P_IOMMU_IOAS_MAP	_IO(P2P_IOMMUFD_TYPE, P2P_IOMMUFD_CMD_IOAS_MAP)
#define P2P_IOMMU_IOAS_UNMAP	_IO(P2P_IOMMUFD_TYPE, P2P_IOMMUFD_CMD_IOAS_UNMAP)
#define P2P_IOMMU_IOAS_MAP_FILE	_IO(P2P_IOMMUFD_TYPE, P2P_IOMMUFD_CMD_IOAS_MAP_FILE)

/* Flags of IOAS_MAP and IOAS_MAP_FILE. */
#define P2P_IOMMU_IOAS_MAP_FIXED_IOVA	(1u << 0)
#define P2P_IOMMU_IOAS_MAP_WRITEABLE	(1u << 1)
#define P2P_IOMMU_IOAS_MAP_READABLE	(1u << 2)

struct p2p_iommu_destroy {
	uint32_t size;
	uint32_t id;		/* any object: IOAS, device, hwpt */
};

struct p2p_iommu_ioas_alloc {
	uint32_t size;
	uint32_t flags;		/* 0 */
	uint32_t out_ioas_id;
};

struct p2p_iommu_ioas_map {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	uint32_t reserved;	/* 0 */
	P2P_ALIGNED_U64 user_va;
	P2P_ALIGNED_U64 length;
	P2P_ALIGNED_U64 iova;	/* in with FIXED_IOVA, else out */
};

struct p2p_iommu_ioas_map_file {
	uint32_t size;
	uint32_t flags;
	uint32_t ioas_id;
	int32_t fd;		/* a memfd, or a vfio-pci dma-buf (7.x) */
	P2P_ALIGNED_U64 start;	/* byte offset into the file */
	P2P_ALIGNED_U64 length;
	P2P_ALIGNED_U64 iova;
};

struct p2p_iommu_ioas_unmap {
	uint32_t size;
	uint32_t ioas_id;
	P2P_ALIGNED_U64 iova;
	P2P_ALIGNED_U64 length;	/* in: range to unmap; out: bytes unmapped */
};

/* vfio cdev (/dev/vfio/devices/vfioN): bind to an iommufd, attach to an IOAS. */
#define P2P_VFIO_TYPE			';'
#define P2P_VFIO_BASE			100
#define P2P_VFIO_DEVICE_BIND_IOMMUFD	_IO(P2P_VFIO_TYPE, P2P_VFIO_BASE + 18)
#define P2P_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(P2P_VFIO_TYPE, P2P_VFIO_BASE + 19)

struct p2p_vfio_device_bind_iommufd {
	uint32_t argsz;
	uint32_t flags;		/* 0: no VF token */
	int32_t iommufd;
	uint32_t out_devid;
	P2P_ALIGNED_U64 token_uuid_ptr;
};

struct p2p_vfio_device_attach_iommufd_pt {
	uint32_t argsz;
	uint32_t flags;		/* 0: the whole device, no PASID */
	uint32_t pt_id;		/* in: IOAS or hwpt; out: the hwpt attached */
	uint32_t pasid;
};

_Static_assert(sizeof(struct p2p_iommu_destroy) == 8, "iommu_destroy");
_Static_assert(sizeof(struct p2p_iommu_ioas_alloc) == 12, "iommu_ioas_alloc");
_Static_assert(sizeof(struct p2p_iommu_ioas_map) == 40, "iommu_ioas_map");
_Static_assert(sizeof(struct p2p_iommu_ioas_map_file) == 40, "iommu_ioas_map_file");
_Static_assert(sizeof(struct p2p_iommu_ioas_unmap) == 24, "iommu_ioas_unmap");
_Static_assert(sizeof(struct p2p_vfio_device_bind_iommufd) == 24,
	       "vfio_device_bind_iommufd");
_Static_assert(sizeof(struct p2p_vfio_device_attach_iommufd_pt) == 16,
	       "vfio_device_attach_iommufd_pt");
_Static_assert(__builtin_offsetof(struct p2p_iommu_ioas_map_file, start) == 16,
	       "iommu_ioas_map_file.start");
_Static_assert(__builtin_offsetof(struct p2p_vfio_device_bind_iommufd,
				  token_uuid_ptr) == 16, "bind.token_uuid_ptr");

#ifdef IOMMU_IOAS_MAP_FILE
_Static_assert(P2P_IOMMU_IOAS_MAP_FILE == IOMMU_IOAS_MAP_FILE, "IOMMU_IOAS_MAP_FILE");
_Static_assert(P2P_IOMMU_IOAS_MAP == IOMMU_IOAS_MAP, "IOMMU_IOAS_MAP");
_Static_assert(P2P_IOMMU_IOAS_UNMAP == IOMMU_IOAS_UNMAP, "IOMMU_IOAS_UNMAP");
#endif
#ifdef VFIO_DEVICE_ATTACH_IOMMUFD_PT
_Static_assert(P2P_VFIO_DEVICE_BIND_IOMMUFD == VFIO_DEVICE_BIND_IOMMUFD,
	       "VFIO_DEVICE_BIND_IOMMUFD");
_Static_assert(P2P_VFIO_DEVICE_ATTACH_IOMMUFD_PT == VFIO_DEVICE_ATTACH_IOMMUFD_PT,
	       "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
#endif

#endif /* DMABUF_P2P_IOMMUFD_ABI_H */
