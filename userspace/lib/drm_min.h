/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few DRM ioctls the library and the importer test need (version, dumb
 * buffers, PRIME), as in the kernel's uapi <drm/drm.h> / <drm/drm_mode.h>;
 * defined here so the static binaries need no libdrm headers.
 */
#ifndef DMABUF_P2P_DRM_MIN_H
#define DMABUF_P2P_DRM_MIN_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <stddef.h>

struct p2p_drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct p2p_drm_gem_close {
	__u32 handle;
	__u32 pad;
};

struct p2p_drm_prime_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
};

struct p2p_drm_mode_create_dumb {
	__u32 height;
	__u32 width;
	__u32 bpp;
	__u32 flags;
	__u32 handle;
	__u32 pitch;
	__u64 size;
};

struct p2p_drm_mode_map_dumb {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

#define P2P_DRM_IOCTL_VERSION		_IOWR('d', 0x00, struct p2p_drm_version)
#define P2P_DRM_IOCTL_GEM_CLOSE		_IOW('d', 0x09, struct p2p_drm_gem_close)
#define P2P_DRM_IOCTL_PRIME_HANDLE_TO_FD _IOWR('d', 0x2d, struct p2p_drm_prime_handle)
#define P2P_DRM_IOCTL_PRIME_FD_TO_HANDLE _IOWR('d', 0x2e, struct p2p_drm_prime_handle)
#define P2P_DRM_IOCTL_MODE_CREATE_DUMB	_IOWR('d', 0xB2, struct p2p_drm_mode_create_dumb)
#define P2P_DRM_IOCTL_MODE_MAP_DUMB	_IOWR('d', 0xB3, struct p2p_drm_mode_map_dumb)

#endif /* DMABUF_P2P_DRM_MIN_H */
