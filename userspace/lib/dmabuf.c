// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers: VFIO_DEVICE_FEATURE(GET | DMA_BUF) and what a dma-buf fd says
 * about itself (inode number, size, /proc fdinfo).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

_Static_assert(sizeof(struct p2p_range) == sizeof(struct vfio_region_dma_range),
	       "p2p_range must match vfio_region_dma_range");

/*
 * Raw VFIO_DEVICE_FEATURE with @payload as data[]; returns the ioctl's
 * non-negative result (the new fd for GET | DMA_BUF) or -errno.
 */
int p2p_dmabuf_feature(int devfd, uint32_t flags, const void *payload, size_t len)
{
	struct vfio_device_feature *feat;
	int ret;

	feat = calloc(1, sizeof(*feat) + len);
	if (!feat)
		return p2p_seterr(ENOMEM, "VFIO_DEVICE_FEATURE");
	feat->argsz = sizeof(*feat) + len;
	feat->flags = flags;
	if (len)
		memcpy(feat->data, payload, len);
	ret = ioctl(devfd, VFIO_DEVICE_FEATURE, feat);
	if (ret < 0)
		ret = p2p_seterr(errno, "VFIO_DEVICE_FEATURE(flags 0x%x)", flags);
	free(feat);
	return ret;
}

/* 0 if the device offers VFIO_DEVICE_FEATURE_DMA_BUF. */
int p2p_dmabuf_probe(struct p2p_dev *dev)
{
	struct vfio_device_feature_dma_buf req = { 0 };
	int ret;

	ret = p2p_dmabuf_feature(dev->device, VFIO_DEVICE_FEATURE_PROBE |
				 VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF,
				 &req, sizeof(req));
	if (ret < 0)
		return p2p_seterr(-ret, "%s: DMA_BUF feature probe", dev->bdf);
	return 0;
}

/* A dma-buf over @nr ranges of @region; returns the fd. */
int p2p_dmabuf_create(struct p2p_dev *dev, unsigned int region,
		      const struct p2p_range *r, unsigned int nr,
		      uint32_t open_flags)
{
	struct vfio_device_feature_dma_buf *req;
	size_t len = sizeof(*req) + (size_t)nr * sizeof(req->dma_ranges[0]);
	int ret;

	req = calloc(1, len);
	if (!req)
		return p2p_seterr(ENOMEM, "DMA_BUF request");
	req->region_index = region;
	req->open_flags = open_flags;
	req->flags = 0;
	req->nr_ranges = nr;
	if (nr)
		memcpy(req->dma_ranges, r, nr * sizeof(*r));
	ret = p2p_dmabuf_feature(dev->device, VFIO_DEVICE_FEATURE_GET |
				 VFIO_DEVICE_FEATURE_DMA_BUF, req, len);
	free(req);
	if (ret < 0)
		return p2p_seterr(-ret, "%s: create dma-buf (region %u, %u range%s)",
				  dev->bdf, region, nr, nr == 1 ? "" : "s");
	return ret;
}

/* Buffers are named by their file's inode number, as in debugfs. */
int p2p_dmabuf_ino(int fd, uint64_t *ino)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return p2p_seterr(errno, "fstat fd %d", fd);
	*ino = st.st_ino;
	return 0;
}

/* dma-buf files answer SEEK_END with their size. */
int p2p_dmabuf_size(int fd, uint64_t *size)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return p2p_seterr(errno, "lseek(SEEK_END) on fd %d", fd);
	lseek(fd, 0, SEEK_SET);
	*size = end;
	return 0;
}

/* Value of "key:\t<value>" in /proc/self/fdinfo/<fd>; -ENOENT if absent. */
int p2p_fdinfo_field(int fd, const char *key, char *buf, size_t len)
{
	char path[64], *text, *line, *save = NULL;
	size_t klen = strlen(key);
	int ret;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ret = p2p_read_file_alloc(path, &text, NULL);
	if (ret)
		return ret;
	ret = p2p_seterr_msg(ENOENT, "%s has no '%s' field", path, key);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *v;

		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		v = line + klen + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		snprintf(buf, len, "%s", v);
		ret = 0;
		break;
	}
	free(text);
	return ret;
}
