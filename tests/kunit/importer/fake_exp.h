/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small dynamic exporter for the importer's KUnit suites: a few pages,
 * counters for every callback, and a revoke switch.
 */
#ifndef _DMABUF_P2P_IMP_FAKE_EXP_H
#define _DMABUF_P2P_IMP_FAKE_EXP_H

#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/types.h>

struct completion;
struct kunit;
struct p2p_imp_mr;

#define FAKE_EXP_MAX_PAGES	8

struct fake_exp {
	struct dma_buf *dmabuf;
	bool own_ref;		/* the test still holds the export reference */
	struct page *pages[FAKE_EXP_MAX_PAGES];
	unsigned int npages;

	bool revoked;		/* under dmabuf->resv */
	bool refuse_pin;
	/* unmap counts itself in unmap_inflight if this MR has accesses out */
	struct p2p_imp_mr *watch;
	dma_addr_t last_dma[FAKE_EXP_MAX_PAGES];	/* of the latest map */
	/* while set, begin_cpu_access waits for it (after counting itself) */
	struct completion *cpu_gate;

	atomic_t attaches;
	atomic_t detaches;
	atomic_t pins;
	atomic_t unpins;
	atomic_t maps;
	atomic_t unmaps;
	atomic_t releases;
	atomic_t unmap_inflight;
	atomic_t cpu_begins;
	bool detach_from_wq;
};

struct fake_exp *fake_exp_create(struct kunit *test, unsigned int npages,
				 bool with_vmap);
struct fake_exp *fake_exp_create_flags(struct kunit *test, unsigned int npages,
				       bool with_vmap, int flags);
void fake_exp_move(struct fake_exp *fe);
void fake_exp_set_revoked(struct fake_exp *fe, bool revoked);
void fake_exp_drop_ref(struct fake_exp *fe);
void fake_exp_settle(void);
void fake_exp_read(struct fake_exp *fe, size_t off, void *buf, size_t len);

#endif /* _DMABUF_P2P_IMP_FAKE_EXP_H */
