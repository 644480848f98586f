/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of dmabuf_p2p_imp, in the same events/dmabuf_p2p/ system as
 * the exporter's (exporter/trace.h) and with the same "key=value" layout,
 * which userspace parses (lib/events.c). @ino is the dma-buf's inode number,
 * the exporter's name for the buffer; @handle the MR's in its context.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dmabuf_p2p

#if !defined(_DMABUF_P2P_IMP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DMABUF_P2P_IMP_TRACE_H

#include <linux/tracepoint.h>

/*
 * A request over a range of an MR: registration (@arg: P2P_MR_* flags) and
 * access (@arg: P2P_ACCESS_* op, printed as op=). A failed registration
 * has no handle (0).
 */
DECLARE_EVENT_CLASS(p2p_imp_mr_range,
		    TP_PROTO(unsigned long ino, u32 handle, u32 arg, u64 offset,
			     u64 length, int ret),
		    TP_ARGS(ino, handle, arg, offset, length, ret),
		    TP_STRUCT__entry(__field(unsigned long, ino)
				     __field(u32, handle)
				     __field(u32, arg)
				     __field(u64, offset)
				     __field(u64, length)
				     __field(int, ret)),
		    TP_fast_assign(__entry->ino = ino;
				   __entry->handle = handle;
				   __entry->arg = arg;
				   __entry->offset = offset;
				   __entry->length = length;
				   __entry->ret = ret;),
		    TP_printk("ino=%lu handle=%u flags=%#x offset=%llu length=%llu ret=%d",
			      __entry->ino, __entry->handle, __entry->arg,
			      __entry->offset, __entry->length, __entry->ret)
);

DEFINE_EVENT(p2p_imp_mr_range, p2p_imp_mr_reg,
	     TP_PROTO(unsigned long ino, u32 handle, u32 arg, u64 offset,
		      u64 length, int ret),
	     TP_ARGS(ino, handle, arg, offset, length, ret));

DEFINE_EVENT_PRINT(p2p_imp_mr_range, p2p_imp_mr_access,
		   TP_PROTO(unsigned long ino, u32 handle, u32 arg, u64 offset,
			    u64 length, int ret),
		   TP_ARGS(ino, handle, arg, offset, length, ret),
		   TP_printk("ino=%lu handle=%u op=%u offset=%llu length=%llu ret=%d",
			     __entry->ino, __entry->handle, __entry->arg,
			     __entry->offset, __entry->length, __entry->ret));

TRACE_EVENT(p2p_imp_mr_dereg,
	    TP_PROTO(unsigned long ino, u32 handle, bool deferred),
	    TP_ARGS(ino, handle, deferred),
	    TP_STRUCT__entry(__field(unsigned long, ino)
			     __field(u32, handle)
			     __field(bool, deferred)),
	    TP_fast_assign(__entry->ino = ino;
			   __entry->handle = handle;
			   __entry->deferred = deferred;),
	    TP_printk("ino=%lu handle=%u deferred=%d", __entry->ino,
		      __entry->handle, __entry->deferred)
);

/* @mapped: there was a mapping to drop; @pinned: so it is lost for good. */
TRACE_EVENT(p2p_imp_mr_invalidate,
	    TP_PROTO(unsigned long ino, u32 handle, bool mapped, bool pinned),
	    TP_ARGS(ino, handle, mapped, pinned),
	    TP_STRUCT__entry(__field(unsigned long, ino)
			     __field(u32, handle)
			     __field(bool, mapped)
			     __field(bool, pinned)),
	    TP_fast_assign(__entry->ino = ino;
			   __entry->handle = handle;
			   __entry->mapped = mapped;
			   __entry->pinned = pinned;),
	    TP_printk("ino=%lu handle=%u mapped=%d pinned=%d", __entry->ino,
		      __entry->handle, __entry->mapped, __entry->pinned)
);

/* A map after the first one, tried lazily by an access; -ENODEV: revoked. */
TRACE_EVENT(p2p_imp_mr_remap,
	    TP_PROTO(unsigned long ino, u32 handle, u32 nents, u64 ns, int ret),
	    TP_ARGS(ino, handle, nents, ns, ret),
	    TP_STRUCT__entry(__field(unsigned long, ino)
			     __field(u32, handle)
			     __field(u32, nents)
			     __field(u64, ns)
			     __field(int, ret)),
	    TP_fast_assign(__entry->ino = ino;
			   __entry->handle = handle;
			   __entry->nents = nents;
			   __entry->ns = ns;
			   __entry->ret = ret;),
	    TP_printk("ino=%lu handle=%u nents=%u ns=%llu ret=%d", __entry->ino,
		      __entry->handle, __entry->nents, __entry->ns, __entry->ret)
);

#endif /* _DMABUF_P2P_IMP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
