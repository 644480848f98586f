// SPDX-License-Identifier: GPL-2.0
/*
 * One context per open() of the device: the table of its MRs. Closing the
 * file deregisters everything left in it, so the last dma-buf reference can
 * be dropped from our file's release.
 *
 * Everything here is allocated on behalf of the process that opened the
 * device, so it is charged to its memory cgroup; and one file holds at most
 * P2P_MR_MAX_PER_FD MRs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "p2p_imp.h"

struct p2p_imp_ctx *p2p_imp_ctx_create(void)
{
	struct p2p_imp_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);

	if (ctx)
		xa_init_flags(&ctx->mrs, XA_FLAGS_ALLOC);
	return ctx;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_ctx_create);

/* Called from the file's release: no ioctl can still be running. */
void p2p_imp_ctx_destroy(struct p2p_imp_ctx *ctx)
{
	struct p2p_imp_mr *mr;
	unsigned long handle;

	xa_for_each(&ctx->mrs, handle, mr) {
		xa_erase(&ctx->mrs, handle);
		p2p_imp_mr_put(mr);
	}
	xa_destroy(&ctx->mrs);
	kfree(ctx);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_ctx_destroy);

/*
 * Handles are reserved first and filled in only once userspace has seen
 * them, so a failed copy-out never exposes an MR it could not name.
 *
 * They are handed out cyclically, not lowest-free: a thread still holding
 * the handle of an MR another thread just deregistered must get -ENOENT,
 * not reach whichever MR is registered next.
 */
int p2p_imp_ctx_reserve(struct p2p_imp_ctx *ctx, u32 *handle)
{
	int ret;

	xa_lock(&ctx->mrs);
	/*
	 * Counted before allocating: __xa_alloc_cyclic() may drop the lock to
	 * allocate, and a racing reserve must not slip past the cap then.
	 */
	if (ctx->nr_mrs >= P2P_MR_MAX_PER_FD) {
		xa_unlock(&ctx->mrs);
		pr_debug_ratelimited("reg: context already holds %d MRs\n",
				     P2P_MR_MAX_PER_FD);
		return -ENOSPC;
	}
	ctx->nr_mrs++;
	ret = __xa_alloc_cyclic(&ctx->mrs, handle, NULL, XA_LIMIT(1, U32_MAX),
				&ctx->next_handle, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		ctx->nr_mrs--;
	xa_unlock(&ctx->mrs);

	/* 1 only says the handles wrapped around. */
	if (ret == -EBUSY)
		ret = -ENOSPC;
	return ret < 0 ? ret : 0;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_ctx_reserve);

void p2p_imp_ctx_commit(struct p2p_imp_ctx *ctx, u32 handle,
			struct p2p_imp_mr *mr)
{
	/* Only reports read it; set before anyone can look the MR up. */
	WRITE_ONCE(mr->handle, handle);
	/* The slot is reserved, so this cannot need memory. */
	WARN_ON(xa_is_err(xa_store(&ctx->mrs, handle, mr,
				   GFP_KERNEL_ACCOUNT)));
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_ctx_commit);

void p2p_imp_ctx_unreserve(struct p2p_imp_ctx *ctx, u32 handle)
{
	xa_lock(&ctx->mrs);
	/* Still reserved: only the caller that reserved it commits it. */
	__xa_erase(&ctx->mrs, handle);
	ctx->nr_mrs--;
	xa_unlock(&ctx->mrs);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_ctx_unreserve);

/* Returns the MR with a reference the caller must put, or NULL. */
struct p2p_imp_mr *p2p_imp_ctx_lookup(struct p2p_imp_ctx *ctx, u32 handle)
{
	struct p2p_imp_mr *mr;

	xa_lock(&ctx->mrs);
	mr = xa_load(&ctx->mrs, handle);
	if (mr)
		p2p_imp_mr_get(mr);
	xa_unlock(&ctx->mrs);
	return mr;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_ctx_lookup);

/*
 * Unlinks the MR and hands the table's reference to the caller. A reserved
 * but not yet committed handle reads as absent and stays reserved.
 */
struct p2p_imp_mr *p2p_imp_ctx_remove(struct p2p_imp_ctx *ctx, u32 handle)
{
	struct p2p_imp_mr *mr;

	xa_lock(&ctx->mrs);
	mr = xa_load(&ctx->mrs, handle);
	if (mr) {
		__xa_erase(&ctx->mrs, handle);
		ctx->nr_mrs--;
	}
	xa_unlock(&ctx->mrs);
	return mr;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_ctx_remove);
