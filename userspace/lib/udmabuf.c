// SPDX-License-Identifier: GPL-2.0
/* A udmabuf over a sealed memfd: the page-backed exporter to compare with. */
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/*
 * A udmabuf of @size bytes: its fd, or -errno (-ENOENT: no /dev/udmabuf,
 * CONFIG_UDMABUF off). The memfd goes to *@memfd_out if given, else closed.
 */
int p2p_udmabuf_create(size_t size, int *memfd_out)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int dev, memfd, fd, err;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return p2p_seterr(errno, "open /dev/udmabuf%s",
				  errno == ENOENT ? " (CONFIG_UDMABUF off)" : "");
	memfd = memfd_create("dmabuf-p2p", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0) {
		err = p2p_seterr(errno, "memfd_create");
		close(dev);
		return err;
	}
	if (ftruncate(memfd, size) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		err = p2p_seterr(errno, "size and seal the memfd");
		goto out;
	}
	c.memfd = memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &c);
	if (fd < 0) {
		err = p2p_seterr(errno, "UDMABUF_CREATE of %zu bytes", size);
		goto out;
	}
	close(dev);
	if (memfd_out)
		*memfd_out = memfd;
	else
		close(memfd);
	return fd;
out:
	close(memfd);
	close(dev);
	return err;
}
