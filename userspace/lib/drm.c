// SPDX-License-Identifier: GPL-2.0
/*
 * A DRM importer for our buffers, through libdrm: find a device by driver
 * name and PRIME-import a dma-buf into it. vgem attaches without
 * peer2peer, so our exporter must refuse it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/* The first /dev/dri/card* driven by @driver; -ENOENT if there is none. */
int p2p_drm_open(const char *driver)
{
	char path[64];
	int i, fd;

	for (i = 0; i < DRM_MAX_MINOR; i++) {
		drmVersionPtr v;
		bool match;

		snprintf(path, sizeof(path), DRM_DEV_NAME, DRM_DIR_NAME, i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		match = v && v->name && !strcmp(v->name, driver);
		drmFreeVersion(v);
		if (match)
			return fd;
		close(fd);
	}
	return p2p_seterr_msg(ENOENT, "no %s DRM device under %s", driver, DRM_DIR_NAME);
}

/* PRIME import of @dmabuf_fd into @card; the GEM handle into @handle. */
int p2p_drm_prime_import(int card, int dmabuf_fd, uint32_t *handle)
{
	if (drmPrimeFDToHandle(card, dmabuf_fd, handle))
		return p2p_seterr(errno, "drmPrimeFDToHandle(fd %d)", dmabuf_fd);
	return 0;
}

/* PRIME export of GEM @handle of @card as a dma-buf fd (read-write). */
int p2p_drm_prime_export(int card, uint32_t handle)
{
	int fd;

	if (drmPrimeHandleToFD(card, handle, DRM_CLOEXEC | DRM_RDWR, &fd))
		return p2p_seterr(errno, "drmPrimeHandleToFD(handle %u)", handle);
	return fd;
}

int p2p_drm_gem_close(int card, uint32_t handle)
{
	if (drmCloseBufferHandle(card, handle))
		return p2p_seterr(errno, "drmCloseBufferHandle(%u)", handle);
	return 0;
}
