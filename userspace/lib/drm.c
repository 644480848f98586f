// SPDX-License-Identifier: GPL-2.0
/*
 * A DRM importer for our buffers: find the vgem device and PRIME-import a
 * dma-buf into it. vgem attaches without peer2peer, so our exporter must
 * refuse it. drm_min.h spells out the few ioctls, so the static binaries
 * need no libdrm.
 */
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "drm_min.h"
#include "internal.h"

/* The first /dev/dri/card* driven by @driver; -ENOENT if there is none. */
int p2p_drm_open(const char *driver)
{
	struct p2p_drm_version v;
	char name[32], path[64];
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, P2P_DRM_IOCTL_VERSION, &v) && !strcmp(name, driver))
			return fd;
		close(fd);
	}
	return p2p_seterr_msg(ENOENT, "no %s DRM device under /dev/dri", driver);
}

/* PRIME import of @dmabuf_fd into @card; the GEM handle into @handle. */
int p2p_drm_prime_import(int card, int dmabuf_fd, uint32_t *handle)
{
	struct p2p_drm_prime_handle ph = { .fd = dmabuf_fd };

	if (ioctl(card, P2P_DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph) < 0)
		return p2p_seterr(errno, "DRM PRIME_FD_TO_HANDLE(fd %d)", dmabuf_fd);
	*handle = ph.handle;
	return 0;
}

int p2p_drm_gem_close(int card, uint32_t handle)
{
	struct p2p_drm_gem_close gc = { .handle = handle };

	if (ioctl(card, P2P_DRM_IOCTL_GEM_CLOSE, &gc) < 0)
		return p2p_seterr(errno, "DRM GEM_CLOSE(%u)", handle);
	return 0;
}
