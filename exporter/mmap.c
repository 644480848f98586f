// SPDX-License-Identifier: GPL-2.0
/*
 * CPU mappings of a buffer: mmap(2) on the dma-buf fd, or dma_buf_mmap()
 * from the kernel. The MMIO is mapped page by page on fault, uncached like
 * vfio's BAR mappings, and never while the buffer is revoked.
 *
 * Every VMA of a buffer, whoever created it and however often it was
 * forked, hangs off the dma-buf file's address_space, so one
 * unmap_mapping_range() takes all of them down.
 *
 * Locking: the fault handler runs under mmap_lock and takes the resv to
 * look at the revoked flag and insert the PFN as one step; a revoke flips
 * the flag and zaps under the same resv (and memory_lock). So a fault
 * either completes before the zap, which then removes what it inserted,
 * or runs after it and finds the buffer revoked: it raises SIGBUS and
 * never remaps. Order: mmap_lock -> resv (primed by the dma-buf core);
 * memory_lock -> resv -> i_mmap_rwsem -> page table lock. Nothing here
 * takes mmap_lock or memory_lock under the resv.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <kunit/visibility.h>

#include "p2p_exp.h"

/* The physical page behind page @pgoff of @buf, or 0 past its end. */
static unsigned long p2p_exp_buf_pfn(const struct p2p_exp_buf *buf,
				     pgoff_t pgoff)
{
	u64 off = (u64)pgoff << PAGE_SHIFT;
	u32 i;

	for (i = 0; i < buf->nr_ranges; i++) {
		if (off < buf->ranges[i].len)
			return PHYS_PFN(buf->ranges[i].phys + off);
		off -= buf->ranges[i].len;
	}
	return 0;
}

/*
 * NEGATIVE CONTROL, seed 000 (P2P_NEGATIVE_CONTROL builds only): remap
 * from the fault handler with io_remap_pfn_range() under i_mmap_rwsem, as
 * the 2021 vfio patch did. Remapping allocates page tables, i.e. may enter
 * reclaim, and reclaim takes i_mmap_rwsem: lockdep reports the cycle
 * through fs_reclaim.
 */
static vm_fault_t p2p_exp_remap_whole_bug(struct vm_fault *vmf,
					  unsigned long pfn)
{
	struct vm_area_struct *vma = vmf->vma;
	struct address_space *mapping = vma->vm_file->f_mapping;
	int ret;

	i_mmap_lock_write(mapping);
	might_alloc(GFP_KERNEL);
	ret = io_remap_pfn_range(vma, vmf->address, pfn, PAGE_SIZE,
				 vma->vm_page_prot);
	i_mmap_unlock_write(mapping);
	return ret ? VM_FAULT_SIGBUS : VM_FAULT_NOPAGE;
}

static vm_fault_t p2p_exp_mmap_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct p2p_exp_buf *buf = vma->vm_private_data;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	unsigned long pfn;

	dma_resv_lock(buf->dmabuf->resv, NULL);
	/*
	 * NEGATIVE CONTROL, seed 003: memory_lock under the resv in the
	 * fault path, while every revoke takes the resv under memory_lock.
	 */
	if (p2p_exp_negative_fault_lock() && buf->prov) {
		down_read(buf->prov->lock);
		up_read(buf->prov->lock);
	}
	if (!buf->revoked && p2p_exp_negative_fault_remap()) {
		pfn = p2p_exp_buf_pfn(buf, vmf->pgoff);
		ret = pfn ? p2p_exp_remap_whole_bug(vmf, pfn) : VM_FAULT_SIGBUS;
	} else if (!buf->revoked) {
		pfn = p2p_exp_buf_pfn(buf, vmf->pgoff);
		if (pfn)
			ret = vmf_insert_pfn(vma, vmf->address, pfn);
	}
	dma_resv_unlock(buf->dmabuf->resv);
	return ret;
}

static const struct vm_operations_struct p2p_exp_vm_ops = {
	.fault = p2p_exp_mmap_fault,
};

/*
 * The core has checked that the window lies inside the buffer and made
 * the dma-buf file the VMA's file. A private mapping would get anonymous
 * copies on write that no revoke could take back. A buffer cut off from
 * its closed device can never be valid again: no new mapping of it (one
 * that is merely revoked may come back, and maps, raising SIGBUS until it
 * does).
 */
int p2p_exp_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct p2p_exp_buf *buf = dmabuf->priv;
	bool cut_off;

	/*
	 * VM_MAYSHARE, not VM_SHARED: mmap(2) drops VM_SHARED from a shared
	 * mapping of a file opened read-only, which can never be written.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		dev_dbg(buf->exp_dev, "ino %lu: private mapping refused\n",
			buf->ino);
		return -EINVAL;
	}
	/* The cut-off happens under the resv. */
	dma_resv_lock(dmabuf->resv, NULL);
	cut_off = !buf->prov;
	dma_resv_unlock(dmabuf->resv);
	if (cut_off) {
		dev_dbg(buf->exp_dev, "ino %lu: device closed, no mapping\n",
			buf->ino);
		return -ENODEV;
	}
	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_private_data = buf;
	vma->vm_ops = &p2p_exp_vm_ops;
	return 0;
}

/* Revoke: every CPU mapping of @buf goes, before the MMIO does. */
void p2p_exp_mmap_zap(struct p2p_exp_buf *buf)
{
	dma_resv_assert_held(buf->dmabuf->resv);
	unmap_mapping_range(buf->dmabuf->file->f_mapping, 0, 0, 1);
}
