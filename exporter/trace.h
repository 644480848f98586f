/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of dmabuf_p2p_exp, under events/dmabuf_p2p/ together with the
 * importer's (importer/trace.h). Every event names the buffer by its inode
 * number, which userspace gets from fstat() on the dma-buf fd, so a trace
 * can be joined with what a test did. The text layout is "key=value"
 * separated by spaces: userspace parses it (lib/events.c), keep it so.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dmabuf_p2p

#if !defined(_DMABUF_P2P_EXP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DMABUF_P2P_EXP_TRACE_H

#include <linux/device.h>
#include <linux/tracepoint.h>

TRACE_EVENT(p2p_exp_create,
	    TP_PROTO(const struct device *exp, unsigned long ino, u32 bar,
		     u32 nr_ranges, u64 size, bool revoked),
	    TP_ARGS(exp, ino, bar, nr_ranges, size, revoked),
	    TP_STRUCT__entry(__string(exp, dev_name(exp))
			     __field(unsigned long, ino)
			     __field(u32, bar)
			     __field(u32, nr_ranges)
			     __field(u64, size)
			     __field(bool, revoked)),
	    TP_fast_assign(__assign_str(exp);
			   __entry->ino = ino;
			   __entry->bar = bar;
			   __entry->nr_ranges = nr_ranges;
			   __entry->size = size;
			   __entry->revoked = revoked;),
	    TP_printk("exp=%s ino=%lu bar=%u ranges=%u size=%llu revoked=%d",
		      __get_str(exp), __entry->ino, __entry->bar,
		      __entry->nr_ranges, __entry->size, __entry->revoked)
);

DECLARE_EVENT_CLASS(p2p_exp_attachment,
		    TP_PROTO(unsigned long ino, const struct device *imp, int ret),
		    TP_ARGS(ino, imp, ret),
		    TP_STRUCT__entry(__field(unsigned long, ino)
				     __string(imp, dev_name(imp))
				     __field(int, ret)),
		    TP_fast_assign(__entry->ino = ino;
				   __assign_str(imp);
				   __entry->ret = ret;),
		    TP_printk("ino=%lu imp=%s ret=%d", __entry->ino, __get_str(imp),
			      __entry->ret)
);

DEFINE_EVENT(p2p_exp_attachment, p2p_exp_attach,
	     TP_PROTO(unsigned long ino, const struct device *imp, int ret),
	     TP_ARGS(ino, imp, ret));

/* ret is always 0: a detach cannot fail. */
DEFINE_EVENT(p2p_exp_attachment, p2p_exp_detach,
	     TP_PROTO(unsigned long ino, const struct device *imp, int ret),
	     TP_ARGS(ino, imp, ret));

/*
 * @path: "bus" (PCI bus address), "host" (DMA API), "none" (not PCI, so
 * refused), "-" (revoked: refused before the path was looked at).
 */
TRACE_EVENT(p2p_exp_map,
	    TP_PROTO(unsigned long ino, const struct device *imp, const char *path,
		     unsigned int nents, unsigned int dma_maps, u64 bytes, u64 ns,
		     int ret),
	    TP_ARGS(ino, imp, path, nents, dma_maps, bytes, ns, ret),
	    TP_STRUCT__entry(__field(unsigned long, ino)
			     __string(imp, dev_name(imp))
			     __string(path, path)
			     __field(unsigned int, nents)
			     __field(unsigned int, dma_maps)
			     __field(u64, bytes)
			     __field(u64, ns)
			     __field(int, ret)),
	    TP_fast_assign(__entry->ino = ino;
			   __assign_str(imp);
			   __assign_str(path);
			   __entry->nents = nents;
			   __entry->dma_maps = dma_maps;
			   __entry->bytes = bytes;
			   __entry->ns = ns;
			   __entry->ret = ret;),
	    TP_printk("ino=%lu imp=%s path=%s nents=%u dma_maps=%u bytes=%llu ns=%llu ret=%d",
		      __entry->ino, __get_str(imp), __get_str(path),
		      __entry->nents, __entry->dma_maps, __entry->bytes,
		      __entry->ns, __entry->ret)
);

TRACE_EVENT(p2p_exp_unmap,
	    TP_PROTO(unsigned long ino, const struct device *imp,
		     unsigned int nents, u64 ns),
	    TP_ARGS(ino, imp, nents, ns),
	    TP_STRUCT__entry(__field(unsigned long, ino)
			     __string(imp, dev_name(imp))
			     __field(unsigned int, nents)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->ino = ino;
			   __assign_str(imp);
			   __entry->nents = nents;
			   __entry->ns = ns;),
	    TP_printk("ino=%lu imp=%s nents=%u ns=%llu", __entry->ino,
		      __get_str(imp), __entry->nents, __entry->ns)
);

/*
 * @trigger: why the MMIO is (not) there, from the provider's state at the
 * time: "close", "forced" (debugfs), "trigger" (a reset, D3, config write
 * in flight), "decode" (memory decode off); "restored" on unrevoke.
 * @notified: attachments told (move_notify); @ns: notify plus the wait for
 * every importer to unmap.
 */
DECLARE_EVENT_CLASS(p2p_exp_state,
		    TP_PROTO(unsigned long ino, const char *trigger, unsigned int notified,
			     u64 ns),
		    TP_ARGS(ino, trigger, notified, ns),
		    TP_STRUCT__entry(__field(unsigned long, ino)
				     __string(trigger, trigger)
				     __field(unsigned int, notified)
				     __field(u64, ns)),
		    TP_fast_assign(__entry->ino = ino;
				   __assign_str(trigger);
				   __entry->notified = notified;
				   __entry->ns = ns;),
		    TP_printk("ino=%lu trigger=%s notified=%u ns=%llu", __entry->ino,
			      __get_str(trigger), __entry->notified, __entry->ns)
);

DEFINE_EVENT(p2p_exp_state, p2p_exp_revoke,
	     TP_PROTO(unsigned long ino, const char *trigger, unsigned int notified,
		      u64 ns),
	     TP_ARGS(ino, trigger, notified, ns));

DEFINE_EVENT(p2p_exp_state, p2p_exp_unrevoke,
	     TP_PROTO(unsigned long ino, const char *trigger, unsigned int notified,
		      u64 ns),
	     TP_ARGS(ino, trigger, notified, ns));

/* @path: release_path.c's verdict, the same names as debugfs "releases". */
TRACE_EVENT(p2p_exp_release,
	    TP_PROTO(unsigned long ino, const char *path, bool cut_off),
	    TP_ARGS(ino, path, cut_off),
	    TP_STRUCT__entry(__field(unsigned long, ino)
			     __string(path, path)
			     __field(bool, cut_off)),
	    TP_fast_assign(__entry->ino = ino;
			   __assign_str(path);
			   __entry->cut_off = cut_off;),
	    TP_printk("ino=%lu path=%s cut_off=%d", __entry->ino,
		      __get_str(path), __entry->cut_off)
);

#endif /* _DMABUF_P2P_EXP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
