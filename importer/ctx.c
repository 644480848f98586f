// SPDX-License-Identifier: GPL-2.0
/*
 * One context per open() of the device: the table of its MRs. Closing the
 * file deregisters everything left in it, so the last dma-buf reference can
 * be dropped from our file's release.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/xarray.h>

#include "p2p_imp.h"

/* Keeps one context from pinning unbounded kernel memory. */
#define P2P_IMP_MAX_MRS		65536

struct p2p_imp_ctx *p2p_imp_ctx_create(void)
{
	struct p2p_imp_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (ctx)
		xa_init_flags(&ctx->mrs, XA_FLAGS_ALLOC);
	return ctx;
}

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

/*
 * Handles are reserved first and filled in only once userspace has seen
 * them, so a failed copy-out never exposes an MR it could not name.
 */
int p2p_imp_ctx_reserve(struct p2p_imp_ctx *ctx, u32 *handle)
{
	int ret = xa_alloc(&ctx->mrs, handle, NULL,
			   XA_LIMIT(1, P2P_IMP_MAX_MRS), GFP_KERNEL);

	if (ret == -EBUSY) {
		pr_debug_ratelimited("reg: context already holds %d MRs\n",
				     P2P_IMP_MAX_MRS);
		ret = -ENOSPC;
	}
	return ret;
}

void p2p_imp_ctx_commit(struct p2p_imp_ctx *ctx, u32 handle,
			struct p2p_imp_mr *mr)
{
	/* The slot is reserved, so this cannot need memory. */
	WARN_ON(xa_is_err(xa_store(&ctx->mrs, handle, mr, GFP_KERNEL)));
}

void p2p_imp_ctx_unreserve(struct p2p_imp_ctx *ctx, u32 handle)
{
	xa_release(&ctx->mrs, handle);
}

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

/*
 * Unlinks the MR and hands the table's reference to the caller. A reserved
 * but not yet committed handle reads as absent and stays reserved.
 */
struct p2p_imp_mr *p2p_imp_ctx_remove(struct p2p_imp_ctx *ctx, u32 handle)
{
	struct p2p_imp_mr *mr;

	xa_lock(&ctx->mrs);
	mr = xa_load(&ctx->mrs, handle);
	if (mr)
		__xa_erase(&ctx->mrs, handle);
	xa_unlock(&ctx->mrs);
	return mr;
}
