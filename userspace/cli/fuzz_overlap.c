// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: at most FUZZ_OVL_MAX live mappings per cacheline.
 *
 * Why. With CONFIG_DMA_API_DEBUG, kernel/dma/debug.c files every active
 * mapping under the cacheline of its START physical address (one radix
 * tree entry per starting cacheline, whatever the device, with a 3-bit
 * overlap counter in its tags) and, for any direction but DMA_TO_DEVICE,
 * WARNs "exceeded 7 overlapping mappings of cacheline" once the counter
 * overflows (6.12: at the 9th live mapping). A WARN fails the test rig's
 * boot. Only mapping starts count: a mapping covering a cacheline it does
 * not start in is not counted there. We keep to 7 live mappings; the spare
 * below the WARN covers the one thing read from outside that can run
 * ahead of the kernel: the exporter's per-buffer mapped count drops just
 * before its dma_unmap_resource() calls.
 *
 * What maps. The importer maps DMA_BIDIRECTIONAL, one attachment per
 * REG_MR, for the whole buffer whatever the MR's offset and length, and
 * keeps it mapped while the MR lives (a remap after a revoke replaces the
 * mapping, it adds none). Our exporter (exporter/map.c) makes one DMA
 * API mapping per range, starting at BAR + range offset, however the
 * table then cuts it (or one IOVA span for all ranges, with the 7.x IOVA
 * API, which DMA-API debugging does not file: counting its range starts
 * only over-counts). Ranges of one buffer may overlap: their starts count
 * as often as they occur. A udmabuf's
 * attachment maps each of its pages (RAM, keyed by the buffer, as no other
 * buffer has those pages), and its first CPU access adds one mapping kept
 * until its release: its pages get one less.
 *
 * So the fuzzer reserves an attachment's starts before the REG_MR that
 * would make it, all or none (a call that does not fit is not made), and
 * gives them back only once the mapping is certainly gone:
 *  - the REG_MR failed (its error paths unmap before returning);
 *  - a DEREG_MR without P2P_DEREG_DEFERRED on a thread's own context: the
 *    last reference, and the unmap with it, went in that call;
 *  - the same on the shared context, once every access or query on it that
 *    may have looked the MR up before it was removed has returned (their
 *    put may be the last): tickets, fuzz_ovl_ticket();
 *  - the context's file was released before close() returned (every MR in
 *    it goes with it);
 *  - a deferred teardown (P2P_DEREG_DEFERRED runs it from a workqueue), a
 *    context the unix GC holds, or an MR found gone without knowing how:
 *    only when the kernel's lists show the buffer released or holding no
 *    mapping (udmabuf: no attachment), read after no access can remap it.
 * Reservations are keyed by (context, handle): handles are handed out
 * cyclically, so a DEREG_MR of one by any thread names exactly one
 * reservation, and one made before its owner recorded it is remembered
 * (gone[]) for when the owner does. Anything unsure stays counted: the
 * ledger only ever over-counts, and what it over-counts is settled by a
 * later event or by the kernel's lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_overlap.h"

static int key_cmp(const struct fuzz_ovl_key *a, const struct fuzz_ovl_key *b)
{
	if (a->space != b->space)
		return a->space < b->space ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return 0;
}

static int key_qcmp(const void *a, const void *b)
{
	return key_cmp(a, b);
}

static int push_key(struct fuzz_ovl_key **v, size_t *n, size_t *cap, uint64_t space,
		    uint64_t line)
{
	struct fuzz_ovl_key *nv;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;

		nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = (struct fuzz_ovl_key){ .space = space, .line = line, .n = 1 };
	return 0;
}

int fuzz_ovl_keys(const struct fuzz_ovl_buf *b, uint64_t page, struct fuzz_ovl_key **keys,
		  size_t *n)
{
	struct fuzz_ovl_key *v = NULL;
	size_t nv = 0, cap = 0, i, o;
	uint64_t off;
	unsigned int r;

	for (r = 0; r < b->nr && r < FUZZ_OVL_RANGES; r++) {
		/* A udmabuf maps page by page; our exporter a range at once. */
		for (off = 0; off < b->r[r].length; off += page) {
			uint64_t at = b->r[r].offset + off;

			if (push_key(&v, &nv, &cap, b->ram ? FUZZ_OVL_RAM | b->ino : b->bar,
				     at / FUZZ_OVL_LINE)) {
				free(v);
				return -ENOMEM;
			}
			if (!b->ram || off + page < off)
				break;
		}
	}
	if (nv)
		qsort(v, nv, sizeof(*v), key_qcmp);
	for (i = 0, o = 0; i < nv; i++) {
		if (o && !key_cmp(&v[o - 1], &v[i]))
			v[o - 1].n++;
		else
			v[o++] = v[i];
	}
	*keys = v;
	*n = o;
	return 0;
}

/* Index of @k in the table, or where it would go (*@found false). */
static size_t tab_find(const struct fuzz_ovl *o, const struct fuzz_ovl_key *k, bool *found)
{
	size_t lo = 0, hi = o->ntab;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(&o->tab[mid], k);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

unsigned int fuzz_ovl_count(const struct fuzz_ovl *o, uint64_t space, uint64_t line)
{
	struct fuzz_ovl_key k = { .space = space, .line = line };
	bool found;
	size_t i = tab_find(o, &k, &found);

	return found ? o->tab[i].n : 0;
}

size_t fuzz_ovl_held(const struct fuzz_ovl *o)
{
	return o->nres;
}

static bool tab_fits(const struct fuzz_ovl *o, const struct fuzz_ovl_key *k, size_t n,
		     unsigned int max, struct fuzz_ovl_key *full)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int have = fuzz_ovl_count(o, k[i].space, k[i].line);

		if (k[i].n > max || have > max - k[i].n) {
			if (full) {
				*full = k[i];
				full->n = have;
			}
			return false;
		}
	}
	return true;
}

/* Room for @n more entries first, so adding cannot fail half-way. */
static int tab_add(struct fuzz_ovl *o, const struct fuzz_ovl_key *k, size_t n)
{
	size_t i, at;
	bool found;

	if (o->ntab + n > o->captab) {
		size_t c = o->captab ? o->captab : 64;
		struct fuzz_ovl_key *nt;

		while (c < o->ntab + n)
			c *= 2;
		nt = realloc(o->tab, c * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		o->tab = nt;
		o->captab = c;
	}
	for (i = 0; i < n; i++) {
		at = tab_find(o, &k[i], &found);
		if (found) {
			o->tab[at].n += k[i].n;
			continue;
		}
		memmove(o->tab + at + 1, o->tab + at, (o->ntab - at) * sizeof(*o->tab));
		o->tab[at] = k[i];
		o->ntab++;
	}
	return 0;
}

static void tab_sub(struct fuzz_ovl *o, const struct fuzz_ovl_key *k, size_t n)
{
	size_t i, at;
	bool found;

	for (i = 0; i < n; i++) {
		at = tab_find(o, &k[i], &found);
		if (!found)
			continue;	/* cannot happen: every release matches a reserve */
		if (o->tab[at].n > k[i].n) {
			o->tab[at].n -= k[i].n;
			continue;
		}
		memmove(o->tab + at, o->tab + at + 1, (o->ntab - at - 1) * sizeof(*o->tab));
		o->ntab--;
	}
}

int fuzz_ovl_init(struct fuzz_ovl *o, unsigned int nthreads, unsigned int max,
		  uint32_t shared_ctx)
{
	memset(o, 0, sizeof(*o));
	o->max = max;
	o->shared_ctx = shared_ctx;
	o->nthreads = nthreads;
	o->inflight = calloc(nthreads ? nthreads : 1, sizeof(*o->inflight));
	return o->inflight ? 0 : -ENOMEM;
}

void fuzz_ovl_destroy(struct fuzz_ovl *o)
{
	size_t i;

	for (i = 0; i < o->nres; i++)
		free(o->res[i].keys);
	free(o->res);
	free(o->tab);
	free(o->inflight);
	memset(o, 0, sizeof(*o));
}

static struct fuzz_ovl_res *res_by_id(struct fuzz_ovl *o, int id)
{
	size_t i;

	for (i = 0; i < o->nres; i++)
		if (o->res[i].id == id)
			return &o->res[i];
	return NULL;
}

static void res_release(struct fuzz_ovl *o, struct fuzz_ovl_res *r)
{
	tab_sub(o, r->keys, r->nkeys);
	free(r->keys);
	*r = o->res[--o->nres];
}

/* No access that took its ticket up to @seq is still in flight. */
static bool tickets_clear(const struct fuzz_ovl *o, uint64_t seq)
{
	unsigned int i;

	for (i = 0; i < o->nthreads; i++)
		if (o->inflight[i] && o->inflight[i] <= seq)
			return false;
	return true;
}

/* Accesses in flight now may hold an MR of @ctx taken out of it now. */
static uint64_t holders(const struct fuzz_ovl *o, uint32_t ctx)
{
	return ctx == o->shared_ctx ? o->seq : 0;
}

/* @r's MR left its context: gone now, or in limbo until it is certain. */
static void res_removed(struct fuzz_ovl *o, struct fuzz_ovl_res *r, bool deferred,
			uint64_t seq)
{
	if (!deferred && tickets_clear(o, seq)) {
		res_release(o, r);
		return;
	}
	r->state = FUZZ_OVL_LIMBO;
	r->oracle = deferred;
	r->unknown = false;
	r->seq = seq;
	r->ready = 0;
}

void fuzz_ovl_settle(struct fuzz_ovl *o)
{
	size_t i = 0;

	while (i < o->nres) {
		struct fuzz_ovl_res *r = &o->res[i];

		if (r->state == FUZZ_OVL_LIMBO && !r->oracle && tickets_clear(o, r->seq)) {
			res_release(o, r);	/* the last one moved to i */
			continue;
		}
		i++;
	}
}

int fuzz_ovl_reserve(struct fuzz_ovl *o, uint32_t ctx, const struct fuzz_ovl_buf *b,
		     uint64_t page, struct fuzz_ovl_key *full)
{
	unsigned int max = o->max - (b->ram && o->max ? 1 : 0);
	struct fuzz_ovl_key *keys;
	struct fuzz_ovl_res *r;
	size_t n;

	fuzz_ovl_settle(o);
	if (fuzz_ovl_keys(b, page, &keys, &n))
		return -ENOMEM;
	if (!tab_fits(o, keys, n, max, full)) {
		free(keys);
		return 0;
	}
	if (o->nres == o->capres) {
		size_t c = o->capres ? 2 * o->capres : 64;
		struct fuzz_ovl_res *nr = realloc(o->res, c * sizeof(*nr));

		if (!nr) {
			free(keys);
			return -ENOMEM;
		}
		o->res = nr;
		o->capres = c;
	}
	if (tab_add(o, keys, n)) {
		free(keys);
		return -ENOMEM;
	}
	if (++o->next_id <= 0)
		o->next_id = 1;
	r = &o->res[o->nres++];
	*r = (struct fuzz_ovl_res){
		.id = o->next_id, .state = FUZZ_OVL_PENDING, .ctx = ctx, .ino = b->ino,
		.ram = b->ram, .keys = keys, .nkeys = n,
	};
	return r->id;
}

void fuzz_ovl_failed(struct fuzz_ovl *o, int id)
{
	struct fuzz_ovl_res *r = res_by_id(o, id);

	if (r)
		res_release(o, r);
}

/* LIVE (or found gone without knowing how) reservation of (@ctx, @handle). */
static struct fuzz_ovl_res *res_by_handle(struct fuzz_ovl *o, uint32_t ctx, uint32_t handle,
					  bool unknown_too)
{
	size_t i;

	if (!handle)
		return NULL;
	for (i = 0; i < o->nres; i++) {
		struct fuzz_ovl_res *r = &o->res[i];

		if (r->ctx != ctx || r->handle != handle)
			continue;
		if (r->state == FUZZ_OVL_LIVE ||
		    (unknown_too && r->state == FUZZ_OVL_LIMBO && r->unknown))
			return r;
	}
	return NULL;
}

void fuzz_ovl_registered(struct fuzz_ovl *o, int id, uint32_t handle)
{
	struct fuzz_ovl_res *r = res_by_id(o, id), *old;
	unsigned int i;

	if (!r)
		return;
	/* Handles are cyclic: an older holder of this one left long ago. */
	old = res_by_handle(o, r->ctx, handle, false);
	if (old) {
		old->state = FUZZ_OVL_LIMBO;
		old->oracle = old->unknown = true;
		old->seq = holders(o, old->ctx);
		old->ready = 0;
	}
	r->state = FUZZ_OVL_LIVE;
	r->handle = handle;
	/* Deregistered by somebody before we got here? */
	for (i = 0; handle && i < FUZZ_OVL_GONE; i++) {
		struct fuzz_ovl_gone *g = &o->gone[i];

		if (g->ctx != r->ctx || g->handle != handle)
			continue;
		g->ctx = 0;
		res_removed(o, r, g->deferred, g->seq);
		return;
	}
}

void fuzz_ovl_dereg(struct fuzz_ovl *o, uint32_t ctx, uint32_t handle, bool deferred)
{
	struct fuzz_ovl_res *r = res_by_handle(o, ctx, handle, true);
	struct fuzz_ovl_gone *g;

	if (r) {
		uint64_t seq = holders(o, ctx);

		/* Found gone before this report came: its accesses count too. */
		if (r->unknown && r->seq > seq)
			seq = r->seq;
		res_removed(o, r, deferred, seq);
		return;
	}
	if (!handle)
		return;
	g = &o->gone[o->ngone++ % FUZZ_OVL_GONE];
	*g = (struct fuzz_ovl_gone){ .ctx = ctx, .handle = handle, .deferred = deferred,
				     .seq = holders(o, ctx) };
}

void fuzz_ovl_lost(struct fuzz_ovl *o, uint32_t ctx, uint32_t handle)
{
	struct fuzz_ovl_res *r = res_by_handle(o, ctx, handle, false);

	if (!r)
		return;
	r->state = FUZZ_OVL_LIMBO;
	r->oracle = r->unknown = true;
	r->seq = holders(o, ctx);
	r->ready = 0;
}

void fuzz_ovl_ctx_gone(struct fuzz_ovl *o, uint32_t ctx, bool certain)
{
	size_t i = 0;

	if (!ctx)
		return;
	while (i < o->nres) {
		struct fuzz_ovl_res *r = &o->res[i];

		if (r->ctx != ctx || r->state != FUZZ_OVL_LIVE) {
			i++;
			continue;
		}
		if (certain) {
			res_release(o, r);
			continue;
		}
		/* Nobody has an fd to it: no access can come, only the release. */
		r->state = FUZZ_OVL_LIMBO;
		r->oracle = true;
		r->unknown = false;
		r->seq = 0;
		r->ready = 0;
		i++;
	}
}

void fuzz_ovl_ticket(struct fuzz_ovl *o, unsigned int thread)
{
	if (thread < o->nthreads)
		o->inflight[thread] = ++o->seq;
}

void fuzz_ovl_ticket_end(struct fuzz_ovl *o, unsigned int thread)
{
	if (thread < o->nthreads)
		o->inflight[thread] = 0;
}

uint64_t fuzz_ovl_oracle_begin(struct fuzz_ovl *o, bool *bar, bool *ram)
{
	uint64_t gen = o->gen + 1;
	size_t i;

	*bar = *ram = false;
	for (i = 0; i < o->nres; i++) {
		struct fuzz_ovl_res *r = &o->res[i];

		if (r->state != FUZZ_OVL_LIMBO || !r->oracle || !r->ino)
			continue;
		if (!r->ready && tickets_clear(o, r->seq))
			r->ready = gen;
		if (!r->ready)
			continue;
		if (r->ram)
			*ram = true;
		else
			*bar = true;
	}
	if (!*bar && !*ram)
		return 0;
	o->gen = gen;
	return gen;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void fuzz_ovl_oracle_end(struct fuzz_ovl *o, uint64_t gen, bool bar_ok, bool ram_ok,
			 const uint64_t *busy, size_t nbusy)
{
	size_t i = 0;

	while (i < o->nres) {
		struct fuzz_ovl_res *r = &o->res[i];

		if (r->state == FUZZ_OVL_LIMBO && r->oracle && r->ready && r->ready <= gen &&
		    (r->ram ? ram_ok : bar_ok) &&
		    !(nbusy && bsearch(&r->ino, busy, nbusy, sizeof(*busy), u64_cmp))) {
			res_release(o, r);
			continue;
		}
		i++;
	}
}
