// SPDX-License-Identifier: GPL-2.0
/* Wrappers for the mock RDMA importer's ioctls (/dev/dmabuf_p2p_importer). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

int p2p_imp_open(void)
{
	int fd = open(DMABUF_P2P_IMPORTER_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return p2p_seterr(errno, "open " DMABUF_P2P_IMPORTER_DEV
				  " (dmabuf_p2p_imp loaded?)");
	return fd;
}

int p2p_imp_reg(int imp, int dmabuf_fd, uint64_t offset, uint64_t length,
		uint32_t flags, uint32_t access, uint32_t *handle)
{
	struct p2p_reg_mr req = {
		.size = sizeof(req),
		.flags = flags,
		.fd = dmabuf_fd,
		.access = access,
		.offset = offset,
		.length = length,
	};

	if (ioctl(imp, P2P_IOC_REG_MR, &req) < 0)
		return p2p_seterr(errno, "REG_MR(fd %d, 0x%llx+0x%llx, flags 0x%x)",
				  dmabuf_fd, (unsigned long long)offset,
				  (unsigned long long)length, flags);
	if (handle)
		*handle = req.handle;
	return 0;
}

/*
 * REG_MR for the edu engine. Our exporter judges a PCI importer by
 * pci_p2pdma_distance(), which trusts QEMU's host bridge only under CPU
 * models it lists: if it refuses (EOPNOTSUPP) and @may_skip, its
 * skip_p2p_distance knob is set and the REG_MR made again. *@skipped says
 * whether the knob was set, for the caller to log; the knob stays set until
 * the caller's teardown puts it back (p2p_knobs_reset()).
 */
int p2p_imp_reg_edu(int imp, int dmabuf_fd, uint64_t offset, uint64_t length, uint32_t access,
		    bool may_skip, uint32_t *handle, bool *skipped)
{
	int ret = p2p_imp_reg(imp, dmabuf_fd, offset, length, P2P_MR_EDU, access, handle);

	*skipped = false;
	if (ret != -EOPNOTSUPP || !may_skip)
		return ret;
	ret = p2p_debugfs_ensure() ?: p2p_exp_knob_set(NULL, "skip_p2p_distance", 1);
	if (ret)
		return ret;
	*skipped = true;
	return p2p_imp_reg(imp, dmabuf_fd, offset, length, P2P_MR_EDU, access, handle);
}

int p2p_imp_dereg(int imp, uint32_t handle, uint32_t flags)
{
	struct p2p_dereg_mr req = {
		.size = sizeof(req),
		.handle = handle,
		.flags = flags,
	};

	if (ioctl(imp, P2P_IOC_DEREG_MR, &req) < 0)
		return p2p_seterr(errno, "DEREG_MR(%u, flags 0x%x)", handle, flags);
	return 0;
}

int p2p_imp_query(int imp, uint32_t handle, struct p2p_query_mr *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->handle = handle;
	if (ioctl(imp, P2P_IOC_QUERY_MR, q) < 0)
		return p2p_seterr(errno, "QUERY_MR(%u)", handle);
	return 0;
}

static int access_mr(int imp, struct p2p_access_mr *req, const char *what)
{
	if (ioctl(imp, P2P_IOC_ACCESS_MR, req) < 0)
		return p2p_seterr(errno, "ACCESS_MR(%u, %s, 0x%llx+0x%llx)", req->handle,
				  what, (unsigned long long)req->offset,
				  (unsigned long long)req->length);
	return 0;
}

int p2p_imp_read(int imp, uint32_t handle, uint64_t offset, void *buf, uint64_t len)
{
	struct p2p_access_mr req = {
		.size = sizeof(req),
		.handle = handle,
		.op = P2P_ACCESS_READ,
		.offset = offset,
		.length = len,
		.user_ptr = (uintptr_t)buf,
	};

	return access_mr(imp, &req, "READ");
}

int p2p_imp_write(int imp, uint32_t handle, uint64_t offset, const void *buf,
		  uint64_t len)
{
	struct p2p_access_mr req = {
		.size = sizeof(req),
		.handle = handle,
		.op = P2P_ACCESS_WRITE,
		.offset = offset,
		.length = len,
		.user_ptr = (uintptr_t)buf,
	};

	return access_mr(imp, &req, "WRITE");
}

/*
 * DMA segments covering [offset, offset + len) of the MR; remaps if needed.
 * *@count: the segments written or, on -ENOSPC (more than @cap), needed.
 */
int p2p_imp_check(int imp, uint32_t handle, uint64_t offset, uint64_t len,
		  struct p2p_dma_seg *segs, uint32_t cap, uint32_t *count)
{
	struct p2p_access_mr req = {
		.size = sizeof(req),
		.handle = handle,
		.op = P2P_ACCESS_CHECK,
		.count = cap,
		.offset = offset,
		.length = len,
		.user_ptr = (uintptr_t)segs,
	};
	int ret;

	ret = access_mr(imp, &req, "CHECK");
	if ((!ret || ret == -ENOSPC) && count)
		*count = req.count;
	return ret;
}

#define SEGS_FIRST	64
#define SEGS_TRIES	32

/*
 * Call @fill with a growing array until the segments fit: @fill returns 0
 * with *count the segments it wrote, -ENOSPC with *count the segments needed
 * (or 0 if it cannot tell: the room is then doubled), or another -errno. On
 * success *@segs (to free()) holds *@count segments; on failure it is NULL.
 */
int p2p_segs_collect(p2p_seg_fill_fn fill, void *arg, struct p2p_dma_seg **segs,
		     uint32_t *count)
{
	struct p2p_dma_seg *arr = NULL, *tmp;
	uint32_t cap = SEGS_FIRST, n = 0;
	int ret = 0, tries;

	*segs = NULL;
	for (tries = 0; tries < SEGS_TRIES; tries++) {
		tmp = reallocarray(arr, cap, sizeof(*arr));
		if (!tmp) {
			ret = p2p_seterr_msg(ENOMEM, "no memory for %u DMA segments", cap);
			break;
		}
		arr = tmp;
		n = 0;
		ret = fill(arg, arr, cap, &n);
		if (ret != -ENOSPC)
			break;
		/*
		 * The mapping can change between calls: what it needs now, then
		 * with room to spare if it grew again.
		 */
		if (n > cap)
			cap = !tries || n > UINT32_MAX - n / 4 ? n : n + n / 4;
		else if (cap <= UINT32_MAX / 2)
			cap *= 2;
		else
			break;
	}
	if (ret == -ENOSPC)
		ret = p2p_seterr_msg(ENOSPC, "DMA segments: still no room for them after %d tries",
				     tries);
	if (ret) {
		free(arr);
		return ret;
	}
	*segs = arr;
	*count = n;
	return 0;
}

struct imp_check_arg {
	int imp;
	uint32_t handle;
	uint64_t offset;
	uint64_t len;
};

static int imp_check_fill(void *arg, struct p2p_dma_seg *segs, uint32_t cap, uint32_t *count)
{
	const struct imp_check_arg *a = arg;

	return p2p_imp_check(a->imp, a->handle, a->offset, a->len, segs, cap, count);
}

/* p2p_imp_check() into an array that fits them all: *@segs, to free(). */
int p2p_imp_check_alloc(int imp, uint32_t handle, uint64_t offset, uint64_t len,
			struct p2p_dma_seg **segs, uint32_t *count)
{
	struct imp_check_arg a = {
		.imp = imp, .handle = handle, .offset = offset, .len = len,
	};

	return p2p_segs_collect(imp_check_fill, &a, segs, count);
}

/*
 * The BDF of the edu device bound to the importer as its DMA engine (what
 * P2P_MR_EDU MRs attach for): 0, or -ENODEV when none is bound.
 */
int p2p_imp_edu_device(char bdf[P2P_BDF_LEN])
{
	const char *dir = P2P_SYSFS_PCI_DRIVERS "/" P2P_IMP_EDU_DRIVER;
	struct dirent *de;
	int ret = -ENODEV;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return p2p_seterr(errno == ENOENT ? ENODEV : errno,
				  "open %s (dmabuf_p2p_imp loaded?)", dir);
	while ((de = readdir(d))) {
		/* Devices are the links named like 0000:00:04.0. */
		if (!strchr(de->d_name, ':') || p2p_bdf_normalize(de->d_name, bdf))
			continue;
		ret = 0;
		break;
	}
	closedir(d);
	if (ret)
		return p2p_seterr_msg(ENODEV, "no edu device bound to %s", dir);
	return 0;
}

const char *p2p_mr_state_name(uint32_t state)
{
	switch (state) {
	case P2P_MR_STATE_MAPPED:
		return "mapped";
	case P2P_MR_STATE_INVALIDATED:
		return "invalidated";
	case P2P_MR_STATE_REVOKED:
		return "revoked";
	}
	return "unknown";
}
