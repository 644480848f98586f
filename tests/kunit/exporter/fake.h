/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake MMIO provider and fake dynamic importers for driving the
 * exporter's dma-buf core without any PCI device. BARs 0 and 2 sit at
 * physical addresses far above any RAM; they are handed to
 * dma_map_resource() on KUnit devices without an IOMMU, which returns them
 * unchanged and never touches them. BAR 4 is too large to be real and is
 * only for checking requests, never mapped.
 */
#ifndef _P2P_EXP_FAKE_H
#define _P2P_EXP_FAKE_H

#include <linux/bits.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <kunit/test.h>

#include "dmabuf_p2p_compat.h"
#include "p2p_exp.h"

#define FAKE_BAR0_BASE	0x200000000000ULL
#define FAKE_BAR0_SIZE	((u64)SZ_1M)
#define FAKE_BAR2_BASE	0x300000000000ULL
#define FAKE_BAR2_SIZE	(8ULL << 30)
/* Half of the 64-bit space: ranges inside it can add up past 2^64. */
#define FAKE_BAR4_BASE	0x400000000000ULL
#define FAKE_BAR4_SIZE	BIT_ULL(63)

struct p2p_fake {
	struct p2p_exp_provider prov;
	struct rw_semaphore lock;
	struct device *dev;
	bool mmio;
	atomic_t refs;
};

struct p2p_fake_imp {
	struct device *dev;
	atomic_t notified;
};

/* One mapped sg entry, copied out so the mapping can go before asserts. */
struct p2p_fake_seg {
	dma_addr_t addr;
	unsigned int len;
};

extern const struct dma_buf_attach_ops p2p_fake_p2p_ops;
extern const struct dma_buf_attach_ops p2p_fake_nop2p_ops;
extern const struct dma_buf_attach_ops p2p_fake_irrevocable_ops;

struct p2p_fake *p2p_fake_new(struct kunit *test);
void p2p_fake_set_mmio(struct p2p_fake *f, bool on);
unsigned int p2p_fake_nr_bufs(struct p2p_fake *f);
struct p2p_fake_imp *p2p_fake_importer(struct kunit *test, const char *name,
				       unsigned int max_seg);
struct dma_buf *p2p_fake_create(struct kunit *test, struct p2p_fake *f,
				u32 bar,
				const struct vfio_region_dma_range *ranges,
				u32 nr_ranges);
void p2p_fake_put(struct kunit *test, struct dma_buf *dmabuf);
struct dma_buf_attachment *p2p_fake_attach(struct kunit *test,
					   struct dma_buf *dmabuf,
					   struct p2p_fake_imp *imp);
void p2p_fake_detach(struct kunit *test, struct dma_buf_attachment *attach);
int p2p_fake_map(struct kunit *test, struct dma_buf_attachment *attach,
		 struct p2p_fake_seg **segs);

#endif /* _P2P_EXP_FAKE_H */
