/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The exporter's and importer's debugfs test knobs. They are not a stable
 * ABI; this header is the one place kernel and userspace agree on names and
 * formats. All files are root-only (0600 / 0400).
 *
 * Exporter, /sys/kernel/debug/dmabuf_p2p_exp/:
 *   <BDF>/revoke        w: "1" revoke every buffer of the device now, "0"
 *                          unrevoke (only if MMIO is really back). The
 *                          forced revoke ends with the session: closing
 *                          the device clears it and every open of the
 *                          device starts unforced, also after a "1"
 *                          written while it was closed;
 *                       r: "0"/"1", the forced-revoke state
 *   <BDF>/buffers       r: one line per live buffer, P2P_EXP_BUF_FMT
 *   <BDF>/walk          r: a revoke's walk without the revoke, P2P_EXP_WALK_FMT
 *   releases            r: one line per released buffer, oldest first (the
 *                          last P2P_EXP_RELEASE_LOG), P2P_EXP_REL_FMT;
 *                       w: anything clears it
 *   release_delay_ms    rw: sleep this long inside the dma-buf release;
 *                          0..P2P_EXP_DELAY_MAX_MS
 *   revoke_hold_ms      rw: sleep this long in revoke while holding the
 *                          buffer reference (widens the revoke-vs-close race;
 *                          runs under memory_lock, once per buffer);
 *                          0..P2P_EXP_DELAY_MAX_MS
 *   fail_next_attach    rw: errno (positive) the next attach fails with; 0 off
 *   fail_next_map       rw: errno (positive) the next map fails with; 0 off
 *   bug_sync_put        rw: NEGATIVE CONTROL, present only in a module built
 *                          with `make P2P_NEGATIVE_CONTROL=1` (the load
 *                          logs "negative-control build"). "1": revoke drops
 *                          its buffer reference with __fput_sync() under
 *                          memory_lock, the 2024 bug class; the rig must
 *                          catch it.
 *   revoke_wait_ms      rw: how long a revoke waits, under memory_lock,
 *                          for the importers to let go of a buffer: the
 *                          fences in its resv (BOOKKEEP) to signal and
 *                          every mapping to be unmapped; past it, each
 *                          importer still holding on is a violation.
 *                          1..P2P_EXP_DELAY_MAX_MS, default
 *                          P2P_EXP_REVOKE_WAIT_MS
 *   contract_warn       rw: "1" (default): a violation is a kernel WARN,
 *                          which fails a rig boot; "0": it is only logged
 *                          (violations, and a pr_notice line), for tests
 *                          that break the contract on purpose
 *   violations          r: the last P2P_EXP_VIOLATION_LOG violations of the
 *                          revoke contract, oldest first, P2P_EXP_VIOL_FMT;
 *                          kind "fence" (driver/dev: the fence's driver and
 *                          timeline), "unmap" (still mapped at the bound),
 *                          "detach" (detached while mapped), "pin" (a pin
 *                          refused: never a WARN, nothing was harmed);
 *                          driver/dev else name the importer's device;
 *                       w: anything clears it
 *   pin_policy          r: "refused" where dma_buf_pin() can only come from
 *                          an importer that cannot be revoked (6.12 with
 *                          DMABUF_MOVE_NOTIFY=y): it fails with EOPNOTSUPP;
 *                          "allowed" where the core pins on every map
 *                          (MOVE_NOTIFY=n) or revocable importers pin (7.x)
 *   skip_p2p_distance   rw: "1": attach accepts PCI importers that
 *                          pci_p2pdma_distance() rejects (CONFIG_PCI_P2PDMA
 *                          kernels only; QEMU's host bridges are not on the
 *                          kernel's P2P whitelist). Non-PCI importers are
 *                          never distance-checked.
 *
 * Revoke and unrevoke each call the importers' move_notify once per
 * attachment (as upstream does); a revoke while already revoked calls none.
 * Writing a value above a knob's maximum fails with EINVAL and leaves the
 * knob as it was: P2P_EXP_DELAY_MAX_MS for the two sleeps, 4095 (MAX_ERRNO)
 * for fail_next_*.
 *
 * A buffer is named by the inode number of its dma-buf file (fstat st_ino).
 *
 * Importer, /sys/kernel/debug/dmabuf_p2p_imp/:
 *   move_notify_delay_ms rw: sleep inside move_notify (slow hardware fence),
 *                           0..10000; larger writes fail with EINVAL
 *   fail_next_map        rw: errno (positive) the next map fails with; 0 off;
 *                           above 4095 (MAX_ERRNO) the write fails, EINVAL
 *   misbehave            rw: P2P_IMP_MISBEHAVE_*, how MRs registered from now
 *                           on break the revoke contract (test only: proves
 *                           the exporter catches it); 0..P2P_IMP_MISBEHAVE_MAX,
 *                           larger writes fail with EINVAL. Each MR keeps the
 *                           mode and misbehave_ms current at its REG_MR.
 *                           Only an invalidation that finds the MR mapped
 *                           misbehaves; an MR holds at most one kept mapping
 *                           and one pending fence (a further invalidation
 *                           behaves as NONE meanwhile). DEREG_MR (or closing
 *                           the fd) unmaps and signals whatever is pending.
 *                           Each fence holds a reference on the importer
 *                           module until the dma-buf drops it (at the latest
 *                           its release): rmmod fails until then
 *   misbehave_ms         rw: the delay of the *_LATE modes, 0..10000; larger
 *                           writes fail with EINVAL
 */
#ifndef _UAPI_DMABUF_P2P_DEBUGFS_H
#define _UAPI_DMABUF_P2P_DEBUGFS_H

#define P2P_EXP_DEBUGFS		"/sys/kernel/debug/dmabuf_p2p_exp"
#define P2P_IMP_DEBUGFS		"/sys/kernel/debug/dmabuf_p2p_imp"

/* The PCI driver name, for driver_override. */
#define P2P_EXP_DRIVER		"dmabuf_p2p_exp"

#define P2P_EXP_RELEASE_LOG	256

/* The largest release_delay_ms and revoke_hold_ms. */
#define P2P_EXP_DELAY_MAX_MS	10000

/* Release paths, as printed in the "path=" field. */
#define P2P_REL_CLOSE		"close"		/* close(2): __fput_sync */
#define P2P_REL_TASK_WORK	"task_work"	/* fput() at syscall exit */
#define P2P_REL_DELAYED		"delayed_fput"	/* fput() from a kthread */
#define P2P_REL_EXIT		"exit"		/* task exit closing files */
#define P2P_REL_OTHER		"other"

/* The default revoke_wait_ms. */
#define P2P_EXP_REVOKE_WAIT_MS	3000

#define P2P_EXP_VIOLATION_LOG	64

/*
 * <BDF>/buffers line; mapped: mappings outstanding right now; bus_maps: maps
 * handed out as PCI bus addresses (importer below a shared bridge);
 * dma_maps: DMA API mappings made by all maps (IOVA allocations under an
 * IOMMU: one per range, or one per map where the IOVA API links them all)
 */
#define P2P_EXP_BUF_FMT \
	"ino=%lu size=%llu revoked=%d attaches=%u maps=%u revokes=%u unrevokes=%u mapped=%u bus_maps=%u dma_maps=%u\n"

/*
 * <BDF>/walk: each read walks every buffer and attachment as a revoke does
 * (locks, references, the attachment lists), notifying nobody, and says
 * how long it took: the baseline of the revoke fan-out benchmark.
 */
#define P2P_EXP_WALK_FMT	"buffers=%u attachments=%u ns=%llu\n"

/* violations line */
#define P2P_EXP_VIOL_FMT	"ino=%lu kind=%s driver=%s dev=%s\n"

/* releases line */
#define P2P_EXP_REL_FMT \
	"ino=%lu path=%s attaches=%u maps=%u revokes=%u unrevokes=%u\n"

/* Importer misbehave modes, see the misbehave knob. */
#define P2P_IMP_MISBEHAVE_NONE		0	/* as a correct importer */
/* Keep the mapping aside (MR invalidated), unmap it misbehave_ms later. */
#define P2P_IMP_MISBEHAVE_UNMAP_LATE	1
/* Keep the mapping aside until DEREG_MR. */
#define P2P_IMP_MISBEHAVE_UNMAP_NEVER	2
/* Unmap, but add an unsignalled fence (BOOKKEEP), signalled ms later. */
#define P2P_IMP_MISBEHAVE_FENCE_LATE	3
/* The same fence, signalled only at DEREG_MR. */
#define P2P_IMP_MISBEHAVE_FENCE_NEVER	4
#define P2P_IMP_MISBEHAVE_MAX		4

#endif /* _UAPI_DMABUF_P2P_DEBUGFS_H */
