// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: the overlap ledger (fuzz_overlap.c, which says why) at
 * run time: one for all workers under ovl_lock, importer context ids, the
 * tickets of accesses on the shared context, reading the kernel's lists
 * for what only they can settle, and the fd lock.
 *
 * The fd lock. REG_MR through a number the worker did not open itself
 * (a closed number, a random one) could meet any other worker's fd. It is
 * made with fd_lock held for writing, and every call that may put a
 * dma-buf into the fd table (create, the feature ioctl, UDMABUF_CREATE,
 * SCM_RIGHTS receive) holds it for reading: so what the number is when
 * looked at is what the REG_MR finds, or it is closed or no dma-buf. A
 * dma-buf there that is not in the worker's own slots is not ours to
 * account (another worker's, in no record we can read safely): that
 * REG_MR is not made. Every close that may release an importer context
 * (its fd, the socket pair holding one) holds it for reading too, so the
 * short reference such a REG_MR or its fstatfs() takes on a file is never
 * the last one: a context's MRs are gone when its close returns.
 */
#include <errno.h>
#include <stdlib.h>

#include "fuzz_run.h"

#define ORACLE_GAP_MS	20	/* the lists are read at most this often */

int fz_ovl_init(struct fuzz_run *r)
{
	pthread_rwlockattr_t ra;

	pthread_rwlockattr_init(&ra);
	/* The writer is rare: it must not starve behind the readers. */
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&r->fd_lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&r->ovl_lock, NULL);
	r->next_ctx = FUZZ_CTX_SHARED;
	return fuzz_ovl_init(&r->ovl, r->nthreads, FUZZ_OVL_MAX, FUZZ_CTX_SHARED);
}

void fz_ovl_fini(struct fuzz_run *r)
{
	fuzz_ovl_destroy(&r->ovl);
}

uint32_t fz_ctx_new(struct fuzz_run *r)
{
	return __atomic_add_fetch(&r->next_ctx, 1, __ATOMIC_RELAXED);
}

uint32_t fz_ctx(const struct fuzz_thread *t, unsigned int imp)
{
	return imp >= FUZZ_NIMP ? FUZZ_CTX_SHARED : t->impid[imp];
}

void fz_fd_rdlock(struct fuzz_thread *t)
{
	pthread_rwlock_rdlock(&t->r->fd_lock);
}

void fz_fd_wrlock(struct fuzz_thread *t)
{
	pthread_rwlock_wrlock(&t->r->fd_lock);
}

void fz_fd_unlock(struct fuzz_thread *t)
{
	pthread_rwlock_unlock(&t->r->fd_lock);
}

/* One more inode that still has a mapping (or attachment). */
static int busy_add(uint64_t **v, size_t *n, size_t *cap, uint64_t ino)
{
	uint64_t *nv;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;

		nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = ino;
	return 0;
}

/* Our buffers with a mapping: false if the list could not be read whole. */
static bool busy_bar(struct fuzz_run *r, uint64_t **v, size_t *n, size_t *cap)
{
	struct p2p_buf_stat *st;
	int cnt, got, i;
	bool ok = true;

	cnt = p2p_buffers_list(r->bdf, NULL, 0);
	if (cnt < 0)
		return false;
	/* Buffers come and go: room for more than were counted, else try no more. */
	cnt += 64;
	st = calloc(cnt, sizeof(*st));
	if (!st)
		return false;
	got = p2p_buffers_list(r->bdf, st, cnt);
	if (got < 0 || got > cnt)
		ok = false;
	for (i = 0; ok && i < got; i++)
		if (st[i].mapped && busy_add(v, n, cap, st[i].ino))
			ok = false;
	free(st);
	return ok;
}

/* udmabufs (any dma-buf) with an attachment. */
static bool busy_ram(uint64_t **v, size_t *n, size_t *cap)
{
	struct p2p_bufinfo *bi;
	int cnt, got, i;
	bool ok = true;

	cnt = p2p_bufinfo_list(NULL, 0);
	if (cnt < 0)
		return false;
	cnt += 64;
	bi = calloc(cnt, sizeof(*bi));
	if (!bi)
		return false;
	got = p2p_bufinfo_list(bi, cnt);
	if (got < 0 || got > cnt)
		ok = false;
	for (i = 0; ok && i < got; i++)
		if (bi[i].attached && busy_add(v, n, cap, bi[i].ino))
			ok = false;
	free(bi);
	return ok;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Ask the kernel's lists about reservations only they can settle (deferred
 * teardowns, contexts the unix GC has). Returns whether anything was read.
 * Worth most right after a revoke: no buffer has a mapping until it ends.
 */
bool fz_ovl_oracle(struct fuzz_thread *t)
{
	struct fuzz_run *r = t->r;
	uint64_t gen, now = p2p_now_ms(), *busy = NULL;
	size_t nbusy = 0, cap = 0;
	bool bar, ram, bar_ok = false, ram_ok = false;

	pthread_mutex_lock(&r->ovl_lock);
	if (r->ovl_oracle_ms && now - r->ovl_oracle_ms < ORACLE_GAP_MS) {
		pthread_mutex_unlock(&r->ovl_lock);
		return false;
	}
	gen = fuzz_ovl_oracle_begin(&r->ovl, &bar, &ram);
	if (gen)
		r->ovl_oracle_ms = now;
	pthread_mutex_unlock(&r->ovl_lock);
	if (!gen)
		return false;
	if (bar)
		bar_ok = busy_bar(r, &busy, &nbusy, &cap);
	if (ram)
		ram_ok = busy_ram(&busy, &nbusy, &cap);
	if (nbusy)
		qsort(busy, nbusy, sizeof(*busy), u64_cmp);
	pthread_mutex_lock(&r->ovl_lock);
	fuzz_ovl_oracle_end(&r->ovl, gen, bar_ok, ram_ok, busy, nbusy);
	pthread_mutex_unlock(&r->ovl_lock);
	free(busy);
	return bar_ok || ram_ok;
}

/*
 * Before a REG_MR through importer @imp that would attach to @b: its
 * reservation id, or 0 and the call is counted as skipped (not made).
 */
int fz_ovl_reserve(struct fuzz_thread *t, unsigned int imp, const struct fuzz_buf *b)
{
	struct fuzz_run *r = t->r;
	int id;

	pthread_mutex_lock(&r->ovl_lock);
	id = fuzz_ovl_reserve(&r->ovl, fz_ctx(t, imp), &b->map, r->g.page, NULL);
	pthread_mutex_unlock(&r->ovl_lock);
	if (!id && fz_ovl_oracle(t)) {
		pthread_mutex_lock(&r->ovl_lock);
		id = fuzz_ovl_reserve(&r->ovl, fz_ctx(t, imp), &b->map, r->g.page, NULL);
		pthread_mutex_unlock(&r->ovl_lock);
	}
	if (id > 0)
		return id;
	if (id < 0)
		fz_fuzzer_error(t, "no memory for the DMA-API overlap ledger: REG_MR not made");
	else
		t->st.reg_skipped_cap++;
	return 0;
}

/* The REG_MR of reservation @id (0: none) returned @ret, naming MR @handle. */
void fz_ovl_reg_done(struct fuzz_thread *t, int id, int ret, uint32_t handle)
{
	struct fuzz_run *r = t->r;

	if (id <= 0)
		return;
	pthread_mutex_lock(&r->ovl_lock);
	if (ret)
		fuzz_ovl_failed(&r->ovl, id);
	else
		fuzz_ovl_registered(&r->ovl, id, handle);
	pthread_mutex_unlock(&r->ovl_lock);
}

/* A DEREG_MR of @handle on importer @imp with @flags succeeded. */
void fz_ovl_dereg(struct fuzz_thread *t, unsigned int imp, uint32_t handle, uint32_t flags)
{
	struct fuzz_run *r = t->r;

	pthread_mutex_lock(&r->ovl_lock);
	fuzz_ovl_dereg(&r->ovl, fz_ctx(t, imp), handle, flags & P2P_DEREG_DEFERRED);
	pthread_mutex_unlock(&r->ovl_lock);
}

/* A DEREG_MR of our recorded @handle on importer @imp found no such MR. */
void fz_ovl_lost(struct fuzz_thread *t, unsigned int imp, uint32_t handle)
{
	struct fuzz_run *r = t->r;

	pthread_mutex_lock(&r->ovl_lock);
	fuzz_ovl_lost(&r->ovl, fz_ctx(t, imp), handle);
	pthread_mutex_unlock(&r->ovl_lock);
}

void fz_ovl_ctx_gone(struct fuzz_thread *t, uint32_t ctx, bool certain)
{
	struct fuzz_run *r = t->r;

	if (!ctx)
		return;
	pthread_mutex_lock(&r->ovl_lock);
	fuzz_ovl_ctx_gone(&r->ovl, ctx, certain);
	pthread_mutex_unlock(&r->ovl_lock);
}

/*
 * Around an ioctl that may look an MR up on importer @imp: on the shared
 * context its reference may outlive another worker's DEREG_MR of that MR.
 */
void fz_ovl_access(struct fuzz_thread *t, unsigned int imp)
{
	if (imp < FUZZ_NIMP)
		return;
	pthread_mutex_lock(&t->r->ovl_lock);
	fuzz_ovl_ticket(&t->r->ovl, t->idx);
	pthread_mutex_unlock(&t->r->ovl_lock);
}

void fz_ovl_access_end(struct fuzz_thread *t, unsigned int imp)
{
	if (imp < FUZZ_NIMP)
		return;
	pthread_mutex_lock(&t->r->ovl_lock);
	fuzz_ovl_ticket_end(&t->r->ovl, t->idx);
	pthread_mutex_unlock(&t->r->ovl_lock);
}
