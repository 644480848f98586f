// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: races inside one call, so they happen with --threads 1
 * too. A helper thread hammers one of our MRs with CHECK / QUERY / READ
 * while the worker, after the helper's Nth access, deregisters it, revokes
 * the buffer, closes the buffer fd, swaps /dev/null in for the importer fd
 * (its context is released when the helper's ioctl in flight returns), or
 * signals the helper. Also SIGUSR1 to another worker, which may land in
 * its REG_MR or ACCESS_MR.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fuzz_run.h"

#define RACE_MAX_ITERS	64
#define RACE_SEGS	256

struct helper {
	int imp;
	uint32_t handle;
	uint64_t length;
	unsigned int iters;
	unsigned int progress;		/* atomic: accesses done */
	bool deregd;			/* the worker's DEREG_MR succeeded, with dflags */
	uint32_t dflags;
	int ret[RACE_MAX_ITERS];
	uint32_t op[RACE_MAX_ITERS];
};

static void *helper_fn(void *arg)
{
	struct helper *h = arg;
	struct p2p_dma_seg segs[RACE_SEGS];
	struct p2p_query_mr q;
	uint8_t data[256];
	struct p2p_access_mr a;
	unsigned int i;
	int ret;

	for (i = 0; i < h->iters; i++) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.handle = h->handle;
		a.length = h->length < sizeof(data) ? h->length : sizeof(data);
		switch (i % 3) {
		case 0:
			a.op = P2P_ACCESS_CHECK;
			a.count = RACE_SEGS;
			a.length = h->length;
			a.user_ptr = (uintptr_t)segs;
			ret = ioctl(h->imp, P2P_IOC_ACCESS_MR, &a);
			break;
		case 1:
			memset(&q, 0, sizeof(q));
			q.size = sizeof(q);
			q.handle = h->handle;
			a.op = 0;
			ret = ioctl(h->imp, P2P_IOC_QUERY_MR, &q);
			break;
		default:
			a.op = P2P_ACCESS_READ;
			a.user_ptr = (uintptr_t)data;
			ret = ioctl(h->imp, P2P_IOC_ACCESS_MR, &a);
			break;
		}
		h->ret[i] = ret < 0 ? -errno : 0;
		h->op[i] = a.op;
		__atomic_store_n(&h->progress, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void race_result(struct fuzz_thread *t, int ret, const char *what, int fd,
			uint32_t handle)
{
	fz_result(t, FK_RACE, ret, "%s (importer fd %d, handle %u) racing an access", what, fd,
		  handle);
}

static void act(struct fuzz_thread *t, const struct fuzz_race *c, struct helper *h,
		pthread_t th, bool *imp_swapped)
{
	struct fuzz_mr *m = &t->mrs[c->mr];
	struct p2p_dereg_mr d = { .size = sizeof(d), .handle = h->handle };
	unsigned int i;
	int ret;

	/* Without an MR there is nothing to take away: the helper met ENOENT alone. */
	if (!h->handle && (c->variant == RACE_DEREG || c->variant == RACE_CLOSE_BUF))
		return;
	switch (c->variant) {
	case RACE_DEREG:
		d.flags = c->deferred ? P2P_DEREG_DEFERRED : 0;
		ret = ioctl(h->imp, P2P_IOC_DEREG_MR, &d) < 0 ? -errno : 0;
		race_result(t, ret, "DEREG_MR", h->imp, h->handle);
		if (!ret) {
			fz_mr_gone(t, m->imp, h->handle);
			h->deregd = true;
			h->dflags = d.flags;
		}
		break;
	case RACE_REVOKE:
		race_result(t, p2p_knob_revoke(t->r->bdf, true), "revoke knob 1", h->imp, h->handle);
		race_result(t, p2p_knob_revoke(t->r->bdf, false), "revoke knob 0", h->imp,
			    h->handle);
		break;
	case RACE_CLOSE_BUF:
		/* The MR keeps the buffer: its last reference goes with the DEREG. */
		if (m->buf >= 0 && !m->udmabuf)
			fz_close_fd(t, &t->bufs[m->buf].fd, FK_RACE);
		ret = ioctl(h->imp, P2P_IOC_DEREG_MR, &d) < 0 ? -errno : 0;
		race_result(t, ret, "DEREG_MR after closing the buffer", h->imp, h->handle);
		if (!ret) {
			fz_mr_gone(t, m->imp, h->handle);
			h->deregd = true;
			h->dflags = d.flags;
		}
		break;
	case RACE_CLOSE_IMP:
		/* The number stays valid (now /dev/null): no fd reuse can hit the helper. */
		fz_fd_rdlock(t);
		ret = dup2(t->devnull, h->imp) < 0 ? -errno : 0;
		fz_fd_unlock(t);
		race_result(t, ret, "dup2(/dev/null) over the importer fd", h->imp, h->handle);
		*imp_swapped = !ret;
		break;
	case RACE_SIGNAL:
	case RACE_NR:
		for (i = 0; i < 8 && __atomic_load_n(&h->progress, __ATOMIC_ACQUIRE) < h->iters;
		     i++) {
			fz_result(t, FK_SIGNAL, -pthread_kill(th, SIGUSR1),
				  "pthread_kill(race helper, SIGUSR1)");
			sched_yield();
		}
		break;
	}
}

void fz_race(struct fuzz_thread *t, const struct fuzz_race *c)
{
	struct helper h = { .iters = c->iters };
	bool swapped = false;
	unsigned int i, imp;
	pthread_t th;
	int ret;

	if (h.iters > RACE_MAX_ITERS)
		h.iters = RACE_MAX_ITERS;
	/* Our own MR on our private fd; without one the helper meets ENOENT. */
	if (!fz_mr_ensure(t, c->mr)) {
		imp = t->mrs[c->mr].imp;
		h.handle = t->mrs[c->mr].handle;
		h.length = t->mrs[c->mr].length;
	} else {
		imp = c->mr % FUZZ_NIMP;
		h.length = t->r->g.page;
	}
	h.imp = fz_imp_fd(t, imp);
	if (h.imp < 0)
		return;
	ret = pthread_create(&th, NULL, helper_fn, &h);
	if (ret) {
		fz_result(t, FK_RACE, -ret, "pthread_create(race helper)");
		return;
	}
	/* After the helper's Nth access, or when it is done. */
	while (__atomic_load_n(&h.progress, __ATOMIC_ACQUIRE) < c->after)
		sched_yield();
	act(t, c, &h, th, &swapped);
	pthread_join(th, NULL);
	/* The helper's access may have held the MR: its mappings went when it returned. */
	if (h.deregd)
		fz_ovl_dereg(t, imp, h.handle, h.dflags);
	for (i = 0; i < h.iters; i++)
		fz_result(t, FK_RACE_HELPER, h.ret[i], "%s(handle %u) #%u of %u in the race helper",
			  h.op[i] ? "ACCESS_MR" : "QUERY_MR", h.handle, i, h.iters);
	if (swapped) {
		/* The context went when the last ioctl on it returned; /dev/null goes now. */
		fz_close_fd(t, &t->imp[imp], FK_RACE);
		fz_mr_gone(t, imp, FUZZ_ALL_MRS);
		fz_ovl_ctx_gone(t, t->impid[imp], true);
		t->impid[imp] = 0;
	}
}

void fz_signal(struct fuzz_thread *t, unsigned int target)
{
	struct fuzz_run *r = t->r;

	if (target >= r->nthreads)
		target = t->idx;
	fz_result(t, FK_SIGNAL, -pthread_kill(r->t[target].th, SIGUSR1),
		  "pthread_kill(worker %u, SIGUSR1)", target);
}
