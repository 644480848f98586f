/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The exporter's and importer's debugfs test knobs. They are not a stable
 * ABI; this header is the one place kernel and userspace agree on names and
 * formats. All files are root-only (0600 / 0400).
 *
 * Exporter, /sys/kernel/debug/dmabuf_p2p_exp/:
 *   <BDF>/revoke        w: "1" revoke every buffer of the device now, "0"
 *                          unrevoke (only if MMIO is really back);
 *                       r: "0"/"1", the forced-revoke state
 *   <BDF>/buffers       r: one line per live buffer, P2P_EXP_BUF_FMT
 *   releases            r: one line per released buffer, oldest first (the
 *                          last P2P_EXP_RELEASE_LOG), P2P_EXP_REL_FMT;
 *                       w: anything clears it
 *   release_delay_ms    rw: sleep this long inside the dma-buf release
 *   revoke_hold_ms      rw: sleep this long in revoke while holding the
 *                          buffer reference (widens the revoke-vs-close race)
 *   fail_next_attach    rw: errno (positive) the next attach fails with; 0 off
 *   fail_next_map       rw: errno (positive) the next map fails with; 0 off
 *   bug_sync_put        rw: NEGATIVE CONTROL. "1": revoke drops its buffer
 *                          reference with __fput_sync() under memory_lock,
 *                          the 2024 bug class; the rig must catch it.
 *   skip_p2p_distance   rw: "1": attach accepts PCI importers that
 *                          pci_p2pdma_distance() rejects (CONFIG_PCI_P2PDMA
 *                          kernels only; QEMU's host bridges are not on the
 *                          kernel's P2P whitelist). Non-PCI importers are
 *                          never distance-checked.
 *
 * Revoke and unrevoke each call the importers' move_notify once per
 * attachment (as upstream does); a revoke while already revoked calls none.
 * fail_next_* values above 4095 (MAX_ERRNO) make it fail with -EINVAL.
 *
 * A buffer is named by the inode number of its dma-buf file (fstat st_ino).
 *
 * Importer, /sys/kernel/debug/dmabuf_p2p_imp/:
 *   move_notify_delay_ms rw: sleep inside move_notify (slow hardware fence)
 *   fail_next_map        rw: errno (positive) the next map fails with; 0 off
 */
#ifndef _UAPI_DMABUF_P2P_DEBUGFS_H
#define _UAPI_DMABUF_P2P_DEBUGFS_H

#define P2P_EXP_DEBUGFS		"/sys/kernel/debug/dmabuf_p2p_exp"
#define P2P_IMP_DEBUGFS		"/sys/kernel/debug/dmabuf_p2p_imp"

/* The PCI driver name, for driver_override. */
#define P2P_EXP_DRIVER		"dmabuf_p2p_exp"

#define P2P_EXP_RELEASE_LOG	256

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
