/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf-p2p fuzz: the ledger that keeps DMA-API debugging's overlap
 * counter below its limit (why, and what is counted: fuzz_overlap.c).
 * Pure: no system calls, no locks; the caller serialises every call (the
 * run's ovl_lock), so the host unit test drives all of it.
 */
#ifndef DMABUF_P2P_FUZZ_OVERLAP_H
#define DMABUF_P2P_FUZZ_OVERLAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmabuf_p2p.h"

#define FUZZ_OVL_MAX	7		/* live mappings starting in one cacheline */
#define FUZZ_OVL_LINE	64		/* L1_CACHE_BYTES (x86) */
#define FUZZ_OVL_RAM	(1ULL << 63)	/* key space of a udmabuf's pages: | its ino */
#define FUZZ_OVL_RANGES	DMABUF_P2P_MAX_RANGES
#define FUZZ_OVL_GONE	64		/* removals of handles not recorded yet */

/* What one attachment of a buffer maps: kept with every fd of the buffer. */
struct fuzz_ovl_buf {
	bool ram;		/* a udmabuf: each of its pages, keyed by its ino */
	uint64_t ino;		/* for the kernel's lists; 0 unknown */
	unsigned int bar;	/* ours: the region the ranges are in */
	unsigned int nr;	/* ranges; a udmabuf has one, 0 + its size */
	struct p2p_range r[FUZZ_OVL_RANGES];
};

/* A cacheline, and how many mappings start there. */
struct fuzz_ovl_key {
	uint64_t space;		/* BAR index, or FUZZ_OVL_RAM | ino */
	uint64_t line;		/* offset / FUZZ_OVL_LINE */
	unsigned int n;
};

enum fuzz_ovl_state {
	FUZZ_OVL_PENDING,	/* REG_MR about to be made or in flight */
	FUZZ_OVL_LIVE,		/* an MR (ctx, handle) holds the mapping */
	FUZZ_OVL_LIMBO,		/* the MR left its context; its teardown may not have run */
};

/* One attachment's reservation. */
struct fuzz_ovl_res {
	int id;
	enum fuzz_ovl_state state;
	uint32_t ctx, handle;	/* handle 0: not known */
	uint64_t ino;
	bool ram;
	bool oracle;		/* LIMBO: gone only when the kernel's lists say so */
	bool unknown;		/* LIMBO: found gone (ENOENT), who took it unknown */
	uint64_t seq;		/* LIMBO: accesses with a ticket up to this may hold it */
	uint64_t ready;		/* LIMBO, oracle: lists read from this generation on count */
	struct fuzz_ovl_key *keys;
	size_t nkeys;
};

struct fuzz_ovl_gone {
	uint32_t ctx, handle;	/* ctx 0: slot unused */
	bool deferred;
	uint64_t seq;
};

struct fuzz_ovl {
	unsigned int max;	/* per cacheline; a udmabuf's pages one less */
	uint32_t shared_ctx;	/* the context every thread uses */
	struct fuzz_ovl_key *tab;	/* sorted by (space, line); n > 0 */
	size_t ntab, captab;
	struct fuzz_ovl_res *res;
	size_t nres, capres;
	int next_id;
	uint64_t seq;		/* tickets handed out */
	uint64_t *inflight;	/* per thread: its access in flight, 0 none */
	unsigned int nthreads;
	uint64_t gen;		/* oracle reads begun */
	struct fuzz_ovl_gone gone[FUZZ_OVL_GONE];
	unsigned int ngone;
};

/*
 * Every mapping start of one attachment of @b, sorted, repeats counted in
 * .n; *@keys is malloc'd. @page: the kernel's PAGE_SIZE. 0 or -ENOMEM.
 */
int fuzz_ovl_keys(const struct fuzz_ovl_buf *b, uint64_t page, struct fuzz_ovl_key **keys,
		  size_t *n);

int fuzz_ovl_init(struct fuzz_ovl *o, unsigned int nthreads, unsigned int max,
		  uint32_t shared_ctx);
void fuzz_ovl_destroy(struct fuzz_ovl *o);
/* Live mappings the ledger counts at a cacheline. */
unsigned int fuzz_ovl_count(const struct fuzz_ovl *o, uint64_t space, uint64_t line);
/* Reservations held, in any state. */
size_t fuzz_ovl_held(const struct fuzz_ovl *o);

/*
 * Reserve every mapping start of an attachment of @b, made through
 * context @ctx: all of them or none. Returns the reservation's id (> 0);
 * 0 if a cacheline would pass its cap (the first such into *@full if
 * given); -ENOMEM. Settles what can be settled first.
 */
int fuzz_ovl_reserve(struct fuzz_ovl *o, uint32_t ctx, const struct fuzz_ovl_buf *b,
		     uint64_t page, struct fuzz_ovl_key *full);
/* The REG_MR of reservation @id failed: nothing of it is mapped. */
void fuzz_ovl_failed(struct fuzz_ovl *o, int id);
/* ... succeeded as MR @handle (0: it could not say which). */
void fuzz_ovl_registered(struct fuzz_ovl *o, int id, uint32_t handle);
/* DEREG_MR of (@ctx, @handle) succeeded, by anybody. */
void fuzz_ovl_dereg(struct fuzz_ovl *o, uint32_t ctx, uint32_t handle, bool deferred);
/* DEREG_MR of (@ctx, @handle) found no such MR: somebody took it. */
void fuzz_ovl_lost(struct fuzz_ovl *o, uint32_t ctx, uint32_t handle);
/*
 * Context @ctx is gone with all its MRs: @certain when its release ran
 * before the caller's close returned; else (the unix GC has it) only the
 * kernel's lists can tell.
 */
void fuzz_ovl_ctx_gone(struct fuzz_ovl *o, uint32_t ctx, bool certain);
/* Thread @thread's access or query on the shared context begins / ends. */
void fuzz_ovl_ticket(struct fuzz_ovl *o, unsigned int thread);
void fuzz_ovl_ticket_end(struct fuzz_ovl *o, unsigned int thread);
/* Release what no access can hold any more and needs no list. */
void fuzz_ovl_settle(struct fuzz_ovl *o);
/*
 * The kernel's lists: begin() says whether there is anything to ask
 * (returns the generation, 0 if not) and which lists: @bar the exporter's
 * <BDF>/buffers, @ram dma_buf/bufinfo. Read them after it returns, then
 * end() with the inodes still busy (sorted): buffers of ours with a
 * mapping, udmabufs with an attachment. A list that could not be read
 * (@bar_ok, @ram_ok false) releases nothing of its kind.
 */
uint64_t fuzz_ovl_oracle_begin(struct fuzz_ovl *o, bool *bar, bool *ram);
void fuzz_ovl_oracle_end(struct fuzz_ovl *o, uint64_t gen, bool bar_ok, bool ram_ok,
			 const uint64_t *busy, size_t nbusy);

#endif /* DMABUF_P2P_FUZZ_OVERLAP_H */
