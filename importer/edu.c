// SPDX-License-Identifier: GPL-2.0
/*
 * The importer's optional DMA engine: QEMU's "edu" device (PCI 1234:11e8)
 * bound as a PCI driver. MRs registered with P2P_MR_EDU attach for its
 * struct device, so the exporter maps the buffer for it (an IOVA behind an
 * IOMMU), and READ/WRITE move the data with its engine between a coherent
 * bounce buffer and the MR's DMA addresses: user data really goes device ->
 * BAR and BAR -> device.
 *
 * The device (QEMU 7.2): BAR0 registers, DMA source 0x80 and destination
 * 0x88 (64-bit), count 0x90, command 0x98 (bit 0 start/busy, bit 1
 * direction: set = edu buffer -> bus address); a 4 KiB buffer at device
 * address 0x40000. Each transfer completes about 100 ms later, which we
 * poll for. QEMU aborts the whole VM on a transfer that leaves the buffer
 * (and on one of exactly 4096 bytes, an off-by-one) or has a zero count, so
 * every transfer is checked before it is started: at most half the buffer,
 * inside it, and the bus side inside the DMA mask and inside the window it
 * belongs to (the bounce buffer, or the current DMA segment of the MR).
 *
 * Fencing: the transfer that touches an MR runs with an in-flight reference
 * (p2p_imp_fence_begin() under the resv, the DMA segment looked up there),
 * so move_notify waits for it to complete before it unmaps; a transfer that
 * does not complete in time wedges the engine with bus mastering off, so it
 * cannot land later either. Once move_notify has returned, the next piece
 * finds the MR invalidated and remaps, or fails with -ENODEV if revoked.
 *
 * Unbinding (sysfs, hot-unplug, rmmod) with P2P_MR_EDU MRs alive: remove
 * unmaps every one of them before it returns and leaves them revoked for
 * good, so nothing stays mapped for a device without a driver and nothing
 * touches the device afterwards; their attachments go with the MRs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "p2p_imp.h"

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_ID		0x00
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_REGS_SIZE		0x100
#define EDU_ID_MAGIC		0xed	/* low byte of the id register */
#define EDU_CMD_START		BIT(0)	/* reads back set while busy */
#define EDU_CMD_TO_BUS		BIT(1)	/* edu buffer -> bus address */
#define EDU_BUF_ADDR		0x40000ULL
#define EDU_BUF_SIZE		4096

/* Half the device buffer: QEMU 7.2 aborts on a full-buffer transfer. */
#define P2P_IMP_EDU_CHUNK	2048
#define P2P_IMP_EDU_POLL_US	2000
#define P2P_IMP_EDU_TIMEOUT_MS	3000

/*
 * One fenced section is exactly one transfer; it must end well before
 * move_notify gives up waiting for it.
 */
static_assert(P2P_IMP_EDU_CHUNK < EDU_BUF_SIZE);
static_assert(P2P_IMP_EDU_TIMEOUT_MS * HZ / MSEC_PER_SEC <
	      P2P_IMP_FENCE_TIMEOUT / 2);

static unsigned int edu_dma_bits = 64;
module_param(edu_dma_bits, uint, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address bits of the edu device: QEMU's dma_mask property (default 64; QEMU's own default is 28)");

struct p2p_imp_edu {
	struct kref ref;	/* the bound slot's, and one per MR */
	struct pci_dev *pdev;	/* held: MRs stay attached for its device */

	/*
	 * The MRs attached for the device, so remove can unmap them. Held
	 * across an MR's attach and first map, and across its unmap at
	 * teardown: remove then sees every MR that has a mapping for the
	 * device, and none maps or unmaps after it.
	 */
	struct mutex mrs_lock;
	struct list_head mrs;
	bool removed;		/* under mrs_lock: no new MRs */

	/*
	 * The engine: serialises whole chunks (bounce buffer, device buffer,
	 * registers). Outside every dma-buf resv; see p2p_imp.h.
	 */
	struct mutex lock;
	void __iomem *regs;
	void *bounce;		/* P2P_IMP_EDU_CHUNK bytes, coherent */
	dma_addr_t bounce_dma;
	bool gone;		/* removed: no more transfers */
	bool wedged;		/* a transfer hung: bus mastering is off */
};

/* The engine new P2P_MR_EDU MRs attach for; one device at a time. */
static DEFINE_MUTEX(p2p_imp_edu_slot_lock);
static struct p2p_imp_edu *p2p_imp_edu_bound;

/* Returns the bound engine with a reference, or NULL if there is none. */
struct p2p_imp_edu *p2p_imp_edu_get(void)
{
	struct p2p_imp_edu *edu;

	mutex_lock(&p2p_imp_edu_slot_lock);
	edu = p2p_imp_edu_bound;
	if (edu)
		kref_get(&edu->ref);
	mutex_unlock(&p2p_imp_edu_slot_lock);
	return edu;
}

static void p2p_imp_edu_release(struct kref *ref)
{
	struct p2p_imp_edu *edu = container_of(ref, struct p2p_imp_edu, ref);

	pci_dev_put(edu->pdev);
	mutex_destroy(&edu->mrs_lock);
	mutex_destroy(&edu->lock);
	kfree(edu);
}

/* Called without locks; the device's hardware is released by remove. */
void p2p_imp_edu_put(struct p2p_imp_edu *edu)
{
	kref_put(&edu->ref, p2p_imp_edu_release);
}

struct device *p2p_imp_edu_dev(struct p2p_imp_edu *edu)
{
	return &edu->pdev->dev;
}

/*
 * Before a P2P_MR_EDU MR attaches: takes the list lock, which
 * p2p_imp_edu_track_end() drops. -ENXIO once remove has run, as if the
 * engine had never been bound.
 */
int p2p_imp_edu_track_begin(struct p2p_imp_edu *edu)
{
	int ret;

	ret = mutex_lock_interruptible(&edu->mrs_lock);
	if (ret)
		return ret;
	if (edu->removed) {
		mutex_unlock(&edu->mrs_lock);
		pr_debug_ratelimited("reg: the edu DMA engine is going away\n");
		return -ENXIO;
	}
	return 0;
}

/* Lists @mr, if it was set up (NULL if not), and drops the list lock. */
void p2p_imp_edu_track_end(struct p2p_imp_edu *edu, struct p2p_imp_mr *mr)
{
	lockdep_assert_held(&edu->mrs_lock);

	if (mr)
		list_add_tail(&mr->edu_node, &edu->mrs);
	mutex_unlock(&edu->mrs_lock);
}

/*
 * The teardown of an MR of the engine: unlisted and unmapped under the list
 * lock, so it is unmapped before remove or by it, never after it.
 */
void p2p_imp_edu_forget(struct p2p_imp_mr *mr)
{
	struct p2p_imp_edu *edu = mr->edu;

	mutex_lock(&edu->mrs_lock);
	/* remove may have unlisted (and unmapped) it already. */
	list_del_init(&mr->edu_node);
	p2p_imp_mr_kill(mr);
	mutex_unlock(&edu->mrs_lock);
}

static void p2p_imp_edu_wedge(struct p2p_imp_edu *edu, const char *why)
{
	lockdep_assert_held(&edu->lock);

	/* Without bus mastering a transfer still running lands nowhere. */
	pci_clear_master(edu->pdev);
	edu->wedged = true;
	dev_err(&edu->pdev->dev, "DMA engine %s: disabled until reloaded\n",
		why);
}

/*
 * Runs one transfer of @len bytes between device buffer offset @edu_off
 * and bus address @bus, which must lie inside [@win, @win + @win_len).
 * Every check here stands between a bad address and a dead VM.
 */
static int p2p_imp_edu_run(struct p2p_imp_edu *edu, bool to_bus, u32 edu_off,
			   u64 bus, u32 len, u64 win, u64 win_len)
{
	struct device *dev = &edu->pdev->dev;
	u64 mask = dma_get_mask(dev), last, win_last, src, dst;
	u32 cmd;
	int ret;

	lockdep_assert_held(&edu->lock);

	if (!len || len > P2P_IMP_EDU_CHUNK ||
	    edu_off > P2P_IMP_EDU_CHUNK - len || !win_len ||
	    check_add_overflow(bus, (u64)len - 1, &last) ||
	    check_add_overflow(win, win_len - 1, &win_last) ||
	    bus < win || last > win_last || (last & ~mask)) {
		dev_warn_ratelimited(dev, "refusing DMA %#llx+%#x (window %#llx+%#llx, mask %#llx, buffer +%#x)\n",
				     bus, len, win, win_len, mask, edu_off);
		return -EIO;
	}

	if (readl(edu->regs + EDU_REG_DMA_CMD) & EDU_CMD_START) {
		/* It would ignore the new registers and run the old ones. */
		p2p_imp_edu_wedge(edu, "busy before a transfer");
		return -EIO;
	}

	src = to_bus ? EDU_BUF_ADDR + edu_off : bus;
	dst = to_bus ? bus : EDU_BUF_ADDR + edu_off;
	writeq(src, edu->regs + EDU_REG_DMA_SRC);
	writeq(dst, edu->regs + EDU_REG_DMA_DST);
	writel(len, edu->regs + EDU_REG_DMA_COUNT);
	writel(EDU_CMD_START | (to_bus ? EDU_CMD_TO_BUS : 0),
	       edu->regs + EDU_REG_DMA_CMD);

	ret = readl_poll_timeout(edu->regs + EDU_REG_DMA_CMD, cmd,
				 !(cmd & EDU_CMD_START), P2P_IMP_EDU_POLL_US,
				 P2P_IMP_EDU_TIMEOUT_MS * USEC_PER_MSEC);
	if (ret) {
		p2p_imp_edu_wedge(edu, "transfer timed out");
		return -EIO;
	}
	return 0;
}

/*
 * The DMA segment of @sgt holding byte @pos of the buffer: *@addr is that
 * byte's DMA address, [*@win, *@win + *@win_len) the whole segment.
 */
static int p2p_imp_edu_find(struct sg_table *sgt, u64 pos, u64 *addr,
			    u64 *win, u64 *win_len)
{
	struct scatterlist *sg;
	u64 start = 0;
	int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 len = sg_dma_len(sg);

		if (pos - start < len) {
			*win = sg_dma_address(sg);
			*win_len = len;
			*addr = *win + (pos - start);
			return 0;
		}
		start += len;
	}
	pr_warn_ratelimited("edu: byte %#llx of the buffer is not mapped\n",
			    pos);
	return -EIO;
}

/*
 * One transfer between the device buffer at @edu_off and buffer byte @pos
 * of @mr, at most @len bytes and never past the DMA segment holding @pos;
 * *@done says how many. The mapping is made (or found revoked) under the
 * resv; the in-flight reference keeps it until the transfer completed.
 */
static int p2p_imp_edu_piece(struct p2p_imp_edu *edu, struct p2p_imp_mr *mr,
			     u64 pos, u32 edu_off, u32 len, bool to_mr,
			     u32 *done)
{
	struct dma_resv *resv = mr->dmabuf->resv;
	u64 addr, win, win_len;
	u32 n;
	int ret;

	lockdep_assert_held(&edu->lock);

	ret = dma_resv_lock_interruptible(resv, NULL);
	if (ret)
		return ret;
	ret = p2p_imp_mr_map_locked(mr);
	if (!ret)
		ret = p2p_imp_edu_find(mr->sgt, pos, &addr, &win, &win_len);
	if (ret) {
		dma_resv_unlock(resv);
		return ret;
	}
	p2p_imp_fence_begin(mr);
	dma_resv_unlock(resv);

	n = min_t(u64, len, win + win_len - addr);
	ret = p2p_imp_edu_run(edu, to_mr, edu_off, addr, n, win, win_len);
	p2p_imp_fence_end(mr);
	*done = n;
	return ret;
}

/* Device buffer [0, @len) <-> MR buffer bytes [@pos, @pos + @len). */
static int p2p_imp_edu_mr_dma(struct p2p_imp_edu *edu, struct p2p_imp_mr *mr,
			      u64 pos, u32 len, bool to_mr)
{
	u32 k, n = 0;
	int ret = 0;

	for (k = 0; k < len && !ret; k += n)
		ret = p2p_imp_edu_piece(edu, mr, pos + k, k, len - k, to_mr,
					&n);
	return ret;
}

static int p2p_imp_edu_chunk(struct p2p_imp_edu *edu, struct p2p_imp_mr *mr,
			     u64 pos, void *buf, u32 len, bool write)
{
	int ret;

	lockdep_assert_held(&edu->lock);

	if (edu->gone)
		return -ENODEV;
	if (edu->wedged)
		return -EIO;

	if (write) {
		memcpy(edu->bounce, buf, len);
		ret = p2p_imp_edu_run(edu, false, 0, edu->bounce_dma, len,
				      edu->bounce_dma, P2P_IMP_EDU_CHUNK);
		if (!ret)
			ret = p2p_imp_edu_mr_dma(edu, mr, pos, len, true);
		return ret;
	}

	ret = p2p_imp_edu_mr_dma(edu, mr, pos, len, false);
	if (!ret)
		ret = p2p_imp_edu_run(edu, true, 0, edu->bounce_dma, len,
				      edu->bounce_dma, P2P_IMP_EDU_CHUNK);
	if (!ret)
		memcpy(buf, edu->bounce, len);
	return ret;
}

/**
 * p2p_imp_edu_xfer - move data between a kernel buffer and a P2P_MR_EDU MR
 * @mr: the region, with a reference held by the caller; range checked
 * @off: offset into the MR
 * @buf: kernel buffer of @len bytes
 * @len: bytes to move
 * @write: true: @buf -> MR; false: MR -> @buf
 *
 * Chunk by chunk, each under the engine lock. A revoke between chunks (or
 * between the two transfers of one) fails the rest with -ENODEV; what was
 * already written stays written.
 *
 * Return: 0; -ENODEV if the MR was revoked or the engine removed; -EIO if
 * the engine refused or hung; -EINTR on a signal.
 */
int p2p_imp_edu_xfer(struct p2p_imp_mr *mr, u64 off, void *buf, size_t len,
		     bool write)
{
	struct p2p_imp_edu *edu = mr->edu;
	size_t done, n;
	int ret = 0;

	/*
	 * Chunks are ~200 ms each, so a large MR takes hours: any signal
	 * ends the transfer, between chunks, where the engine is idle and no
	 * in-flight reference is held. -EINTR, not a restart: see the ioctl.
	 */
	for (done = 0; done < len && !ret; done += n) {
		n = min_t(size_t, len - done, P2P_IMP_EDU_CHUNK);
		if (signal_pending(current))
			return -EINTR;
		ret = mutex_lock_interruptible(&edu->lock);
		if (ret)
			return ret;
		ret = p2p_imp_edu_chunk(edu, mr, mr->offset + off + done,
					buf + done, n, write);
		mutex_unlock(&edu->lock);
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_imp_edu_xfer);

static int p2p_imp_edu_hw_init(struct pci_dev *pdev, struct p2p_imp_edu *edu)
{
	struct device *dev = &pdev->dev;
	u32 id;
	int ret;

	if (edu_dma_bits < 24 || edu_dma_bits > 64) {
		dev_err(dev, "edu_dma_bits=%u: want 24..64\n", edu_dma_bits);
		return -EINVAL;
	}
	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 0) < EDU_REGS_SIZE) {
		dev_dbg(dev, "BAR0 is not a %#x-byte MMIO BAR\n",
			EDU_REGS_SIZE);
		return -ENODEV;
	}

	ret = pci_enable_device_mem(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, 0, P2P_IMP_EDU_DRIVER);
	if (ret)
		goto err_disable;
	edu->regs = pci_iomap(pdev, 0, EDU_REGS_SIZE);
	if (!edu->regs) {
		ret = -ENOMEM;
		goto err_release;
	}

	id = readl(edu->regs + EDU_REG_ID);
	if ((id & 0xff) != EDU_ID_MAGIC ||
	    readl(edu->regs + EDU_REG_DMA_CMD) & EDU_CMD_START) {
		dev_dbg(dev, "not an idle edu device (id %#x)\n", id);
		ret = -ENODEV;
		goto err_unmap;
	}

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(edu_dma_bits));
	if (ret)
		goto err_unmap;
	/* The engine walks segments of any length; see p2p_imp_dma_dev_init(). */
	dma_set_max_seg_size(dev, P2P_IMP_MAX_SEG);
	edu->bounce = dma_alloc_coherent(dev, P2P_IMP_EDU_CHUNK,
					 &edu->bounce_dma, GFP_KERNEL);
	if (!edu->bounce) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	pci_set_master(pdev);
	dev_info(dev, "DMA engine ready: id %#x, %u-bit DMA\n", id,
		 edu_dma_bits);
	return 0;

err_unmap:
	pci_iounmap(pdev, edu->regs);
err_release:
	pci_release_region(pdev, 0);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

static void p2p_imp_edu_hw_fini(struct pci_dev *pdev, struct p2p_imp_edu *edu)
{
	pci_clear_master(pdev);
	dma_free_coherent(&pdev->dev, P2P_IMP_EDU_CHUNK, edu->bounce,
			  edu->bounce_dma);
	pci_iounmap(pdev, edu->regs);
	pci_release_region(pdev, 0);
	pci_disable_device(pdev);
}

static int p2p_imp_edu_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	struct p2p_imp_edu *edu;
	int ret;

	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	kref_init(&edu->ref);
	p2p_imp_edu_lock_init(&edu->lock);
	p2p_imp_edu_mrs_lock_init(&edu->mrs_lock);
	INIT_LIST_HEAD(&edu->mrs);
	edu->pdev = pci_dev_get(pdev);

	ret = p2p_imp_edu_hw_init(pdev, edu);
	if (ret)
		goto err_put;

	mutex_lock(&p2p_imp_edu_slot_lock);
	if (p2p_imp_edu_bound) {
		ret = -EBUSY;
	} else {
		p2p_imp_edu_bound = edu;
		pci_set_drvdata(pdev, edu);
	}
	mutex_unlock(&p2p_imp_edu_slot_lock);
	if (!ret)
		return 0;

	dev_info(&pdev->dev, "another edu device is the engine already\n");
	p2p_imp_edu_hw_fini(pdev, edu);
err_put:
	p2p_imp_edu_put(edu);
	return ret;
}

/*
 * rmmod only gets here once every MR is gone (each context holds a module
 * reference, deferred teardowns are drained first). A sysfs unbind or a
 * hot-unplug can come with MRs still attached for the device: they are
 * unmapped (and unpinned) here, before the driver lets go of the device, and
 * stay revoked; they keep the struct pci_dev (and our struct) alive, and
 * their attachments go when they are deregistered.
 */
static void p2p_imp_edu_remove(struct pci_dev *pdev)
{
	struct p2p_imp_edu *edu = pci_get_drvdata(pdev);
	struct p2p_imp_mr *mr, *tmp;

	mutex_lock(&p2p_imp_edu_slot_lock);
	if (p2p_imp_edu_bound == edu)
		p2p_imp_edu_bound = NULL;
	mutex_unlock(&p2p_imp_edu_slot_lock);

	/* Waits for the chunk in progress; none starts after this. */
	mutex_lock(&edu->lock);
	edu->gone = true;
	mutex_unlock(&edu->lock);

	/*
	 * No transfer runs, so no MR of ours has an access in flight; unmap
	 * them while the device still has its driver.
	 */
	mutex_lock(&edu->mrs_lock);
	edu->removed = true;
	list_for_each_entry_safe(mr, tmp, &edu->mrs, edu_node) {
		p2p_imp_mr_kill(mr);
		list_del_init(&mr->edu_node);
	}
	mutex_unlock(&edu->mrs_lock);

	p2p_imp_edu_hw_fini(pdev, edu);
	p2p_imp_edu_put(edu);
}

static const struct pci_device_id p2p_imp_edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, p2p_imp_edu_ids);

static struct pci_driver p2p_imp_edu_driver = {
	.name = P2P_IMP_EDU_DRIVER,
	.id_table = p2p_imp_edu_ids,
	.probe = p2p_imp_edu_probe,
	.remove = p2p_imp_edu_remove,
};

int p2p_imp_edu_register(void)
{
	return pci_register_driver(&p2p_imp_edu_driver);
}

void p2p_imp_edu_unregister(void)
{
	pci_unregister_driver(&p2p_imp_edu_driver);
}
