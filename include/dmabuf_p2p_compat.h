/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel difference the two modules care about, in one place.
 *
 * The top-level Kbuild probes the headers we build against and defines
 * P2P_HAVE_* for what it finds, rather than comparing version numbers:
 * distribution kernels backport, and a feature test is right for them too.
 *
 *   P2P_HAVE_STRING_NS           MODULE_IMPORT_NS() takes a string (6.13)
 *   P2P_HAVE_INVALIDATE_MAPPINGS move_notify renamed to invalidate_mappings
 *                                and DMABUF_MOVE_NOTIFY dropped (7.1)
 */
#ifndef _DMABUF_P2P_COMPAT_H
#define _DMABUF_P2P_COMPAT_H

#include <linux/module.h>
#include <linux/dma-buf.h>

#ifdef P2P_HAVE_STRING_NS
#define P2P_IMPORT_NS(ns)	MODULE_IMPORT_NS(#ns)
#else
#define P2P_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#endif

#ifdef P2P_HAVE_INVALIDATE_MAPPINGS
/* Use as: .P2P_INVALIDATE_OP = my_move_notify in dma_buf_attach_ops. */
#define P2P_INVALIDATE_OP	invalidate_mappings
#define p2p_dma_buf_invalidate(d)	dma_buf_invalidate_mappings(d)
#define P2P_MOVE_NOTIFY_ENABLED	true
#else
#define P2P_INVALIDATE_OP	move_notify
#define p2p_dma_buf_invalidate(d)	dma_buf_move_notify(d)
#define P2P_MOVE_NOTIFY_ENABLED	IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY)
#endif

#endif /* _DMABUF_P2P_COMPAT_H */
