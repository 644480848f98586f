// SPDX-License-Identifier: GPL-2.0
/*
 * The uAPI: size-first structs in, checked field by field, and results out.
 * Everything that touches user memory lives here, outside every lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "p2p_imp.h"
#include "trace.h"

/* Sizes of the first version of each struct: anything shorter is refused. */
#define P2P_REG_MR_SIZE_V0	offsetofend(struct p2p_reg_mr, __reserved)
#define P2P_DEREG_MR_SIZE_V0	offsetofend(struct p2p_dereg_mr, __reserved)
#define P2P_QUERY_MR_SIZE_V0	offsetofend(struct p2p_query_mr, mapped_length)
#define P2P_ACCESS_MR_SIZE_V0	offsetofend(struct p2p_access_mr, user_ptr)

/* READ/WRITE move data in chunks of this much kernel bounce buffer. */
#define P2P_BOUNCE_MAX		SZ_256K

/*
 * The ioctl numbers carry the size of the struct in the caller's header;
 * .size is what counts (see dmabuf_p2p_importer.h), so the size bits are
 * left out of the match, and a newer caller's larger struct gets the
 * copy_struct_from_user() treatment instead of -ENOTTY.
 */
#define P2P_IOC_MATCH(cmd)	((cmd) & ~IOCSIZE_MASK)

/*
 * copy_struct_from_user() semantics, with a fixed cap like openat2() and
 * clone3() have (theirs is PAGE_SIZE): it bounds the tail scanned for
 * non-zero bytes, and the same on every architecture.
 */
static int p2p_copy_in(void *karg, size_t ksize, size_t min_size,
		       void __user *uarg, u32 *usize)
{
	int ret;

	if (get_user(*usize, (u32 __user *)uarg))
		return -EFAULT;
	if (*usize < min_size) {
		pr_debug_ratelimited("struct size %u < %zu\n", *usize, min_size);
		return -EINVAL;
	}
	if (*usize > P2P_IOC_SIZE_MAX) {
		pr_debug_ratelimited("struct size %u above %d\n", *usize,
				     P2P_IOC_SIZE_MAX);
		return -E2BIG;
	}
	ret = copy_struct_from_user(karg, ksize, uarg, *usize);
	if (ret == -E2BIG)
		pr_debug_ratelimited("unknown non-zero fields past %zu bytes\n",
				     ksize);
	return ret;
}

static int p2p_copy_out(void __user *uarg, const void *karg, size_t ksize,
			u32 usize)
{
	return copy_to_user(uarg, karg, min_t(size_t, ksize, usize)) ?
	       -EFAULT : 0;
}

static int p2p_ioc_reg(struct p2p_imp_ctx *ctx, void __user *uarg)
{
	struct p2p_reg_mr req;
	struct p2p_imp_mr *mr;
	struct dma_buf *dmabuf;
	unsigned long ino = 0;
	u32 usize, handle;
	int ret;

	ret = p2p_copy_in(&req, sizeof(req), P2P_REG_MR_SIZE_V0, uarg, &usize);
	if (ret)
		return ret;
	/* handle is out: zero in, so it can become an input one day. */
	if (req.__reserved || req.handle) {
		pr_debug_ratelimited("reg: reserved %#x or handle %u not zero\n",
				     req.__reserved, req.handle);
		return -EINVAL;
	}

	/* First, so a full context is refused before touching the exporter. */
	ret = p2p_imp_ctx_reserve(ctx, &handle);
	if (ret)
		return ret;

	dmabuf = dma_buf_get(req.fd);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		pr_debug_ratelimited("reg: fd %d is not a dma-buf: %d\n",
				     req.fd, ret);
		goto err_unreserve;
	}
	ino = p2p_imp_ino(dmabuf);
	mr = p2p_imp_mr_create(dmabuf, req.offset, req.length, req.flags,
			       req.access);
	dma_buf_put(dmabuf);
	if (IS_ERR(mr)) {
		ret = PTR_ERR(mr);
		goto err_unreserve;
	}

	req.handle = handle;
	ret = p2p_copy_out(uarg, &req, sizeof(req), usize);
	if (ret)
		goto err_put;
	p2p_imp_ctx_commit(ctx, handle, mr);
	trace_p2p_imp_mr_reg(ino, handle, req.flags, req.offset, req.length, 0);
	return 0;

err_put:
	p2p_imp_mr_put(mr);
err_unreserve:
	p2p_imp_ctx_unreserve(ctx, handle);
	trace_p2p_imp_mr_reg(ino, 0, req.flags, req.offset, req.length, ret);
	return ret;
}

static int p2p_ioc_dereg(struct p2p_imp_ctx *ctx, void __user *uarg)
{
	struct p2p_dereg_mr req;
	struct p2p_imp_mr *mr;
	u32 usize;
	int ret;

	ret = p2p_copy_in(&req, sizeof(req), P2P_DEREG_MR_SIZE_V0, uarg,
			  &usize);
	if (ret)
		return ret;
	if (req.flags & ~P2P_DEREG_FLAGS_ALL || req.__reserved) {
		pr_debug_ratelimited("dereg: unknown flags %#x or reserved %#x\n",
				     req.flags, req.__reserved);
		return -EINVAL;
	}

	mr = p2p_imp_ctx_remove(ctx, req.handle);
	if (!mr) {
		pr_debug_ratelimited("dereg: no MR %u\n", req.handle);
		return -ENOENT;
	}
	/*
	 * Dropped here, the last dma-buf reference goes at syscall exit
	 * (task_work); deferred, a kworker drops it (delayed_fput).
	 */
	trace_p2p_imp_mr_dereg(p2p_imp_ino(mr->dmabuf), req.handle,
			       req.flags & P2P_DEREG_DEFERRED);
	if (req.flags & P2P_DEREG_DEFERRED)
		p2p_imp_mr_put_deferred(mr);
	else
		p2p_imp_mr_put(mr);
	return 0;
}

static int p2p_ioc_query(struct p2p_imp_ctx *ctx, void __user *uarg)
{
	struct p2p_query_mr req;
	struct p2p_imp_mr *mr;
	u32 usize;
	int ret;

	ret = p2p_copy_in(&req, sizeof(req), P2P_QUERY_MR_SIZE_V0, uarg,
			  &usize);
	if (ret)
		return ret;

	mr = p2p_imp_ctx_lookup(ctx, req.handle);
	if (!mr) {
		pr_debug_ratelimited("query: no MR %u\n", req.handle);
		return -ENOENT;
	}
	p2p_imp_mr_query(mr, &req);
	p2p_imp_mr_put(mr);
	return p2p_copy_out(uarg, &req, sizeof(req), usize);
}

static int p2p_ioc_access_rw(struct p2p_imp_mr *mr, struct p2p_access_mr *req)
{
	void __user *uptr = u64_to_user_ptr(req->user_ptr);
	bool write = req->op == P2P_ACCESS_WRITE;
	size_t chunk, n;
	void *bounce;
	u64 done;
	int ret;

	ret = p2p_imp_mr_check_range(mr, req->offset, req->length);
	if (!ret)
		ret = p2p_imp_mr_xfer_allowed(mr, write);
	if (ret)
		return ret;
	if (!access_ok(uptr, req->length))
		return -EFAULT;

	chunk = min_t(u64, req->length, P2P_BOUNCE_MAX);
	bounce = kvmalloc(chunk, GFP_KERNEL_ACCOUNT);
	if (!bounce)
		return -ENOMEM;

	/*
	 * A signal ends the access between chunks, where nothing is held,
	 * with -EINTR rather than -ERESTARTSYS: what was moved is visible
	 * already and cannot be reported, and a transparent restart from the
	 * start would never finish under a periodic SA_RESTART signal.
	 */
	for (done = 0; done < req->length; done += n) {
		n = min_t(u64, req->length - done, chunk);
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (write && copy_from_user(bounce, uptr + done, n)) {
			ret = -EFAULT;
			break;
		}
		ret = p2p_imp_mr_xfer(mr, req->offset + done, bounce, n, write);
		if (ret)
			break;
		if (!write && copy_to_user(uptr + done, bounce, n)) {
			ret = -EFAULT;
			break;
		}
	}
	kvfree(bounce);
	return ret;
}

/* -ENOSPC with count = segments needed when the user array is too small. */
static int p2p_ioc_access_check(struct p2p_imp_mr *mr,
				struct p2p_access_mr *req)
{
	struct p2p_dma_seg *segs;
	u32 n;
	int ret = 0;

	segs = p2p_imp_mr_segs(mr, req->offset, req->length, &n);
	if (IS_ERR(segs))
		return PTR_ERR(segs);

	if (n > req->count) {
		pr_debug_ratelimited("access: %u segments, room for %u\n", n,
				     req->count);
		ret = -ENOSPC;
	} else if (copy_to_user(u64_to_user_ptr(req->user_ptr), segs,
				array_size(n, sizeof(*segs)))) {
		ret = -EFAULT;
	}
	kvfree(segs);
	if (ret != -EFAULT)
		req->count = n;
	return ret;
}

static int p2p_ioc_access(struct p2p_imp_ctx *ctx, void __user *uarg)
{
	struct p2p_access_mr req;
	struct p2p_imp_mr *mr;
	u32 usize;
	int ret, cret;

	ret = p2p_copy_in(&req, sizeof(req), P2P_ACCESS_MR_SIZE_V0, uarg,
			  &usize);
	if (ret)
		return ret;
	if (req.op < P2P_ACCESS_READ || req.op > P2P_ACCESS_CHECK) {
		pr_debug_ratelimited("access: unknown op %u\n", req.op);
		return -EINVAL;
	}
	/* Only CHECK takes count in; for READ/WRITE it is reserved. */
	if (req.op != P2P_ACCESS_CHECK && req.count) {
		pr_debug_ratelimited("access: count %u with op %u\n", req.count,
				     req.op);
		return -EINVAL;
	}

	mr = p2p_imp_ctx_lookup(ctx, req.handle);
	if (!mr) {
		pr_debug_ratelimited("access: no MR %u\n", req.handle);
		return -ENOENT;
	}
	if (req.op == P2P_ACCESS_CHECK)
		ret = p2p_ioc_access_check(mr, &req);
	else
		ret = p2p_ioc_access_rw(mr, &req);
	trace_p2p_imp_mr_access(p2p_imp_ino(mr->dmabuf), req.handle, req.op,
				req.offset, req.length, ret);
	p2p_imp_mr_put(mr);

	if (req.op == P2P_ACCESS_CHECK && (!ret || ret == -ENOSPC)) {
		cret = p2p_copy_out(uarg, &req, sizeof(req), usize);
		if (cret)
			ret = cret;
	}
	return ret;
}

long p2p_imp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct p2p_imp_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (P2P_IOC_MATCH(cmd)) {
	case P2P_IOC_MATCH(P2P_IOC_REG_MR):
		return p2p_ioc_reg(ctx, uarg);
	case P2P_IOC_MATCH(P2P_IOC_DEREG_MR):
		return p2p_ioc_dereg(ctx, uarg);
	case P2P_IOC_MATCH(P2P_IOC_QUERY_MR):
		return p2p_ioc_query(ctx, uarg);
	case P2P_IOC_MATCH(P2P_IOC_ACCESS_MR):
		return p2p_ioc_access(ctx, uarg);
	default:
		pr_debug_ratelimited("unknown ioctl %#x\n", cmd);
		return -ENOTTY;
	}
}
