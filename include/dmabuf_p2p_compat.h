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
 *   P2P_HAVE_ATTACH_REVOCABLE    dma_buf_attach_revocable() replaces
 *                                dma_buf_attachment_is_dynamic() (7.1)
 *   P2P_HAVE_VFIO_MATCH_TOKEN    vfio_pci_core_match() calls
 *                                ops->match_token_uuid unconditionally
 *   P2P_HAVE_VFIO_REGION_INFO_OP VFIO_DEVICE_GET_REGION_INFO goes to
 *                                ops->get_region_info_caps, not ->ioctl
 *   P2P_HAVE_DMA_IOVA            dma_iova_try_alloc()/dma_iova_link() and
 *                                DMA_ATTR_MMIO: MMIO linked into one IOVA
 *                                span (6.18)
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

/*
 * P2P_PIN_MEANS_IRREVOCABLE: on 6.12 with DMABUF_MOVE_NOTIFY=y the core
 * never pins for a dynamic importer, so a pin comes from one that cannot
 * give the MMIO back; with MOVE_NOTIFY=n the core pins around every map, and
 * from 7.1 revocable importers (iommufd) pin too.
 */
#ifdef P2P_HAVE_INVALIDATE_MAPPINGS
/* Use as: .P2P_INVALIDATE_OP = my_move_notify in dma_buf_attach_ops. */
#define P2P_INVALIDATE_OP	invalidate_mappings
#define p2p_dma_buf_invalidate(d)	dma_buf_invalidate_mappings(d)
#define P2P_MOVE_NOTIFY_ENABLED	true
#define P2P_PIN_MEANS_IRREVOCABLE	false
#else
#define P2P_INVALIDATE_OP	move_notify
#define p2p_dma_buf_invalidate(d)	dma_buf_move_notify(d)
#define P2P_MOVE_NOTIFY_ENABLED	IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY)
#define P2P_PIN_MEANS_IRREVOCABLE	IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY)
#endif

/*
 * p2p_attach_revocable(): whether the importer can be told that its mapping
 * went away: on 6.12 any importer with importer_ops (move_notify is then
 * mandatory), from 7.1 one that implements invalidate_mappings.
 * P2P_CORE_TAKES_IRREVOCABLE: the core lets a dynamic importer without that
 * callback attach (6.12 WARNs and fails it), leaving the refusal to the
 * exporter.
 */
#ifdef P2P_HAVE_ATTACH_REVOCABLE
#define p2p_attach_revocable(a)	dma_buf_attach_revocable(a)
#define P2P_CORE_TAKES_IRREVOCABLE	true
#else
#define p2p_attach_revocable(a)	dma_buf_attachment_is_dynamic(a)
#define P2P_CORE_TAKES_IRREVOCABLE	false
#endif

/*
 * vfio_device_ops members a vfio-pci variant driver must set on newer
 * kernels, where leaving them NULL is a NULL call (match_token_uuid) or an
 * ioctl that quietly fails (get_region_info_caps). Expand inside the ops
 * initializer, after the members every kernel has.
 */
#ifdef P2P_HAVE_VFIO_MATCH_TOKEN
#define P2P_VFIO_OPS_MATCH_TOKEN \
	.match_token_uuid = vfio_pci_core_match_token_uuid,
#else
#define P2P_VFIO_OPS_MATCH_TOKEN
#endif
#ifdef P2P_HAVE_VFIO_REGION_INFO_OP
#define P2P_VFIO_OPS_REGION_INFO \
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#else
#define P2P_VFIO_OPS_REGION_INFO
#endif

#endif /* _DMABUF_P2P_COMPAT_H */
