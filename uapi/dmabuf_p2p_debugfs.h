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

/* <BDF>/buffers line */
#define P2P_EXP_BUF_FMT \
	"ino=%lu size=%llu revoked=%d attaches=%u maps=%u revokes=%u unrevokes=%u\n"

/* releases line */
#define P2P_EXP_REL_FMT \
	"ino=%lu path=%s attaches=%u maps=%u revokes=%u unrevokes=%u\n"

#endif /* _UAPI_DMABUF_P2P_DEBUGFS_H */
