/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the two modules care about, in one place.
 * 6.12 is the primary kernel; 6.13 quoted symbol namespaces; 7.1 renamed
 * move_notify to invalidate_mappings and dropped DMABUF_MOVE_NOTIFY.
 */
#ifndef _DMABUF_P2P_COMPAT_H
#define _DMABUF_P2P_COMPAT_H

#include <linux/version.h>
#include <linux/module.h>
#include <linux/dma-buf.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define P2P_IMPORT_NS(ns)	MODULE_IMPORT_NS(#ns)
#else
#define P2P_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 1, 0)
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
