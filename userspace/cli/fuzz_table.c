// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: the one table of what each kind of call may end with.
 * Anything else is an unexpected result and fails the run.
 *
 * Taken from the code that answers, as of this writing:
 *   exporter/feature.c, exporter/buf.c, exporter/provider_vfio.c,
 *   exporter/triggers.c, exporter/debugfs.c; importer/ioctl.c, importer/mr.c,
 *   importer/access.c, importer/ctx.c, importer/edu.c; and in 6.12:
 *   vfio_main.c (vfio_ioctl_device_feature, vfio_check_feature),
 *   vfio_pci_core.c (features, VFIO_DEVICE_RESET), vfio_pci_config.c,
 *   fs/libfs.c (simple_attr_write), lib/kstrtox.c, dma-buf.c.
 * The importer as reworked with uapi/dmabuf_p2p_importer.h's _IOWR/_IOW
 * numbers (the kernel ignores their size bits), REG.handle and
 * ACCESS.count zero on input (EINVAL), EACCES for write access through a
 * dma-buf fd not open for writing, EINTR on any signal in ACCESS (also
 * under SA_RESTART), P2P_MR_MAX_PER_FD (ENOSPC, checked before the fd) and
 * cyclic handles.
 *
 * A kind is "injectable" when the fail_next_attach / fail_next_map knobs
 * reach it (attach and map happen in REG_MR and in the remap of ACCESS_MR):
 * an errno the fuzzer armed through them is then allowed as well.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

#define ERRS(...)	((const int[]){ __VA_ARGS__, 0 })
#define NONE		((const int[]){ 0 })

/*
 * REG_MR on one of our live dma-bufs, well-formed:
 *   ENODEV      buffer revoked (attach or map, buf.c)
 *   EACCES      write access through a dma-buf fd not open for writing
 *   ENXIO       P2P_MR_EDU without an edu engine bound (mr.c)
 *   EOPNOTSUPP  P2P_MR_EDU: no P2P path from edu to the BAR (buf.c
 *               p2p_exp_check_distance), or a pin refused
 *   ENOSPC      the context holds P2P_MR_MAX_PER_FD MRs (ctx.c)
 *   EINTR       a signal while waiting for the resv lock (mr.c
 *               dma_resv_lock_interruptible) or the engine's MR list
 *               (edu.c p2p_imp_edu_track_begin)
 */
#define REG_OK		ENODEV, EACCES, ENXIO, EOPNOTSUPP, ENOSPC, EINTR
/*
 * ... and with garbled arguments (ioctl.c p2p_copy_in, mr.c validate):
 *   EINVAL      size below the first version, reserved or handle not
 *               zero, unknown flags or access bits, unaligned or empty
 *               range, range past the end
 *   E2BIG       size above P2P_IOC_SIZE_MAX, or non-zero bytes past our struct
 *   EOVERFLOW   offset + length overflows
 *   ENOMEM      a huge allocation refused
 */
#define REG_BAD		REG_OK, EINVAL, E2BIG, EOVERFLOW, ENOMEM
/* A udmabuf is never revoked, never refuses a pin, is always O_RDWR. */
#define REG_UDMABUF	EINVAL, E2BIG, EOVERFLOW, ENOMEM, ENXIO, ENOSPC, EINTR
/* DEREG_MR / QUERY_MR struct checks (ioctl.c): size, flags, reserved. */
#define HDR_BAD		EINVAL, E2BIG
/*
 * ACCESS_MR on our own live MR, well-formed (access.c, ioctl.c):
 *   ENODEV      revoked: the remap was refused
 *   EOPNOTSUPP  READ/WRITE through an exporter without a CPU mapping
 *               (ours: MMIO) on an MR without the DMA engine
 *   EACCES      READ/WRITE the MR was not registered for
 *   EINTR       a signal (resv lock, the CPU-access lock, between two
 *               pieces of READ/WRITE, the engine lock)
 */
#define ACC_OK		ENODEV, EOPNOTSUPP, EACCES, EINTR
/*
 *   EINVAL      unknown op, empty or out-of-MR range, bad size, count not
 *               zero for READ/WRITE
 *   E2BIG       size above P2P_IOC_SIZE_MAX or non-zero tail
 *   EOVERFLOW   offset + length overflows
 *   EFAULT      the user buffer is NULL, kernel, PROT_NONE or read-only
 *   ENOSPC      CHECK with less room than segments
 *   ENOMEM      the segment array or bounce buffer
 */
#define ACC_BAD		ACC_OK, EINVAL, E2BIG, EOVERFLOW, EFAULT, ENOSPC, ENOMEM

static const struct fuzz_kind_desc kinds[FK_NR] = {
	/*
	 * feature.c + buf.c with every argument valid: a buffer, created
	 * revoked if the MMIO is off. ENODEV would mean the device is
	 * closed, which never is while we hold it open.
	 */
	[FK_CREATE] = { "create", "DMA_BUF request, well-formed", true, false, NONE },
	/* vfio_check_feature(): PROBE of GET answers 0; SET is not supported. */
	[FK_FEAT_PROBE] = { "feat-probe", "DMA_BUF feature PROBE", true, false,
			    ERRS(EINVAL) },
	/*
	 * vfio_ioctl_device_feature(): argsz below the header, unknown flag
	 * bits, GET|SET without PROBE; vfio_check_feature(): SET only, or
	 * neither, or argsz below the request header.
	 */
	[FK_FEAT_BADHDR] = { "feat-badhdr", "VFIO_DEVICE_FEATURE, header refused", false,
			     false, ERRS(EINVAL) },
	/*
	 * Features other than DMA_BUF: ENOTTY for migration, logging, the VF
	 * token (no SR-IOV), bus master and unknown numbers; LOW_POWER_ENTRY
	 * succeeds (EINVAL when already engaged), _WITH_WAKEUP refuses our
	 * fds (EBADF closed, EINVAL not an eventfd), _EXIT succeeds.
	 */
	[FK_FEAT_OTHER] = { "feat-other", "VFIO_DEVICE_FEATURE, another feature", true,
			    false, ERRS(EINVAL, ENOTTY, EBADF) },
	/*
	 * p2p_exp_check_request(): flags, open_flags, nr_ranges 0 (EINVAL),
	 * nr_ranges above DMABUF_P2P_MAX_RANGES (E2BIG); argsz short of the
	 * ranges (EINVAL); bar_range(): region not a BAR (ENODEV), a BAR
	 * without MMIO (EINVAL); p2p_exp_check_ranges(): empty, unaligned,
	 * past the BAR, total above it (EINVAL), offset + length or the
	 * total overflowing (EOVERFLOW); allocations (ENOMEM).
	 */
	[FK_FEAT_REQ] = { "feat-req", "DMA_BUF request, garbled fields", true, false,
			  ERRS(EINVAL, E2BIG, ENODEV, EOVERFLOW, ENOMEM) },
	/*
	 * vfio_pci_config.c: vfio chops the write into 1/2/4-byte pieces
	 * and filters each; only the config accessors' PCIBIOS_SET_FAILED
	 * (EIO) can fail one inside config space.
	 */
	[FK_CFG] = { "cfg-write", "config write inside config space", true, false,
		     ERRS(EIO) },
	/* vfio_config_do_rw(): any part past pdev->cfg_size is EFAULT. */
	[FK_CFG_OOB] = { "cfg-write-oob", "config write crossing its end", false, false,
			 ERRS(EFAULT) },
	/*
	 * pci_try_reset_function(): EAGAIN while the device lock is taken,
	 * ENOTTY when the device does not come back in time; EBUSY from a
	 * reset method that finds the device in use.
	 */
	[FK_RESET] = { "reset", "VFIO_DEVICE_RESET", true, false,
		       ERRS(EAGAIN, EBUSY, ENOTTY) },
	/* debugfs.c p2p_exp_revoke_write(): "0" and "1" always parse. */
	[FK_KNOB_REVOKE] = { "knob-revoke", "exporter <BDF>/revoke 0/1", true, false, NONE },
	/*
	 * simple_attr_write(): kstrtoull() says EINVAL or ERANGE, the
	 * attribute mutex is taken interruptibly (EINTR); capped knobs:
	 * above the cap EINVAL; kstrtobool: EINVAL; no write method
	 * (buffers): EINVAL.
	 */
	[FK_KNOB_EXP] = { "knob-exp", "garbage into an exporter knob", true, false,
			  ERRS(EINVAL, ERANGE, EINTR) },
	[FK_KNOB_IMP] = { "knob-imp", "garbage into an importer knob", true, false,
			  ERRS(EINVAL, ERANGE, EINTR) },
	[FK_IMP_OPEN] = { "imp-open", "open the importer", true, false, NONE },
	[FK_REG] = { "reg", "REG_MR on our live dma-buf", true, true, ERRS(REG_OK) },
	[FK_REG_BAD] = { "reg-bad", "REG_MR on our dma-buf, garbled", true, true,
			 ERRS(REG_BAD) },
	[FK_REG_UDMABUF] = { "reg-udmabuf", "REG_MR on a udmabuf", true, true,
			     ERRS(REG_UDMABUF) },
	/*
	 * dma_buf_get(): an open fd that is no dma-buf is EINVAL. The struct
	 * checks come first, then the handle is reserved (a full context:
	 * ENOSPC), then the fd is looked at.
	 */
	[FK_REG_NOTBUF] = { "reg-notbuf", "REG_MR on a pipe, /dev/null, socket, vfio or importer fd",
			    false, false, ERRS(EINVAL, E2BIG, ENOSPC) },
	/* dma_buf_get(): no such fd is EBADF. */
	[FK_REG_BADFD] = { "reg-badfd", "REG_MR on a number no fd has", false, false,
			   ERRS(EBADF, EINVAL, E2BIG, ENOSPC) },
	/* A closed or random number another thread may have reused. */
	[FK_REG_ANYFD] = { "reg-anyfd", "REG_MR on a closed or random fd number", true, true,
			   ERRS(REG_BAD, EBADF) },
	/* ctx.c: our live handle on our private fd is there until we drop it. */
	[FK_DEREG] = { "dereg", "DEREG_MR of our live MR", true, false, NONE },
	[FK_DEREG_BAD] = { "dereg-bad", "DEREG_MR of our live MR, garbled", true, false,
			   ERRS(HDR_BAD) },
	/* No MR under that handle: ENOENT. */
	[FK_DEREG_ANY] = { "dereg-any", "DEREG_MR of a stale, shared or random handle", true,
			   false, ERRS(HDR_BAD, ENOENT) },
	[FK_QUERY] = { "query", "QUERY_MR of our live MR", true, false, NONE },
	[FK_QUERY_BAD] = { "query-bad", "QUERY_MR of our live MR, garbled", true, false,
			   ERRS(HDR_BAD) },
	[FK_QUERY_ANY] = { "query-any", "QUERY_MR of a stale, shared or random handle", true,
			   false, ERRS(HDR_BAD, ENOENT) },
	[FK_ACCESS] = { "access", "ACCESS_MR on our live MR", true, true, ERRS(ACC_OK) },
	[FK_ACCESS_BAD] = { "access-bad", "ACCESS_MR on our live MR, garbled", true, true,
			    ERRS(ACC_BAD) },
	[FK_ACCESS_ANY] = { "access-any", "ACCESS_MR of a stale, shared or random handle", true,
			    true, ERRS(ACC_BAD, ENOENT) },
	/* p2p_imp_ioctl(): every other number is ENOTTY. */
	[FK_IMP_IOCTL] = { "imp-ioctl", "unknown ioctl number on the importer", false, false,
			   ERRS(ENOTTY) },
	/*
	 * A command number with the importer's type and nr but another
	 * direction or size: another direction is ENOTTY; the size bits are
	 * ignored, so that command runs on our all-ones struct.
	 */
	[FK_IMP_ALIAS] = { "imp-ioctl-alias", "importer command nr in another encoding", true,
			   true, ERRS(ENOTTY, ACC_BAD, ENOENT, EBADF, ENXIO) },
	/*
	 * The struct at NULL, a kernel address, PROT_NONE (EFAULT reading
	 * it), straddling into PROT_NONE (EFAULT), or read-only (EFAULT on
	 * the copy back, after the command ran: DEREG succeeds); what the
	 * command itself says before that.
	 */
	[FK_IMP_BADPTR] = { "imp-badptr", "importer ioctl on a bad or read-only pointer", true,
			    true, ERRS(EFAULT, ACC_BAD, ENOENT, EBADF, ENXIO) },
	/* Our own socket pair, at most FUZZ_NFLIGHT fds in flight. */
	[FK_SHARE] = { "share", "SCM_RIGHTS send and receive", true, false, NONE },
	[FK_CLOSE] = { "close", "close an fd of ours", true, false, NONE },
	[FK_UDMABUF] = { "udmabuf", "UDMABUF_CREATE", true, false, NONE },
	/*
	 * dma-buf.c: SYNC with bad flags, SET_NAME longer than
	 * DMA_BUF_NAME_LEN, mmap MAP_PRIVATE or past the end, lseek other
	 * than SEEK_SET/END 0, read: EINVAL; mmap of a buffer whose device
	 * was closed: ENODEV; sync_file ioctls without CONFIG_SYNC_FILE:
	 * ENOTTY; SET_NAME from a bad pointer: EFAULT. The VFS judges the
	 * fd's mode first: a shared writable mmap of a buffer created
	 * O_RDONLY gives EACCES, read() of one created O_WRONLY gives EBADF.
	 */
	[FK_DMABUF_MISC] = { "dmabuf-misc", "dma-buf core: sync, name, mmap, seek, sync_file, read",
			     true, false, ERRS(EINVAL, ENOTTY, EFAULT, EACCES, EBADF, ENODEV) },
	[FK_RACE] = { "race", "DEREG, revoke, close or signal racing an access", true, false,
		      NONE },
	/* After the race's dup2() over the importer fd: /dev/null says ENOTTY. */
	[FK_RACE_HELPER] = { "race-helper", "ACCESS/QUERY from the racing thread", true, true,
			     ERRS(ACC_BAD, ENOENT, ENOTTY) },
	/* A worker that has finished its calls is gone. */
	[FK_SIGNAL] = { "signal", "SIGUSR1 to a worker", true, false, ERRS(ESRCH) },
	[FK_REOPEN] = { "reopen", "close the vfio device, open it again", true, false, NONE },
};

const struct fuzz_kind_desc *fuzz_kind_desc(enum fuzz_kind k)
{
	return (unsigned int)k < FK_NR ? &kinds[k] : NULL;
}

const char *fuzz_kind_name(enum fuzz_kind k)
{
	return (unsigned int)k < FK_NR ? kinds[k].name : "?";
}

int fuzz_kind_lookup(const char *name)
{
	int k;

	for (k = 0; k < FK_NR; k++)
		if (!strcmp(kinds[k].name, name))
			return k;
	return -1;
}

bool fuzz_allowed(enum fuzz_kind k, int err)
{
	const int *e;

	if ((unsigned int)k >= FK_NR)
		return false;
	if (!err)
		return kinds[k].success;
	for (e = kinds[k].errs; *e; e++)
		if (*e == err)
			return true;
	return false;
}

const char *fuzz_allowed_str(enum fuzz_kind k, char *buf, size_t len)
{
	size_t n = 0, i;
	const int *e;

	if (!len)
		return buf;
	buf[0] = '\0';
	if ((unsigned int)k >= FK_NR)
		return buf;
	if (kinds[k].success)
		n += snprintf(buf + n, len - n, "OK");
	for (e = kinds[k].errs; *e && n < len; e++) {
		/* The table repeats errnos through its macros: print each once. */
		for (i = 0; kinds[k].errs + i < e; i++)
			if (kinds[k].errs[i] == *e)
				break;
		if (kinds[k].errs + i < e)
			continue;
		n += snprintf(buf + n, len - n, "%s%s", n ? " " : "", p2p_errno_name(*e));
	}
	if (kinds[k].injectable && n < len)
		snprintf(buf + n, len - n, "%sarmed fail_next_*", n ? " + " : "");
	return buf;
}
