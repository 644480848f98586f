// SPDX-License-Identifier: GPL-2.0
/*
 * Race scenarios: for sc->duration_s seconds (the CLI's --duration),
 * sc->threads workers (--threads) create, close, deregister, access and
 * fork against one device while a revoker flips it between revoked and
 * live. Only success, or ENODEV where a revoke explains it, may come back;
 * at the end every buffer must be released and the kernel log clean (the
 * CLI's runner checks that).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"

enum role { R_REVOKE_KNOB, R_REVOKE_MEM, R_CLOSE, R_DEREG, R_ACCESS, R_FORK, R_NR };

static const char *const role_names[R_NR] = {
	"revoke-knob", "revoke-mem", "close", "dereg", "access", "fork" };

struct race {
	struct sc_dev d;
	volatile bool stop;
	unsigned long ops[R_NR];
	unsigned long enodev[R_NR];
};

struct worker {
	struct race *r;
	enum role role;
	unsigned int idx;
	pthread_t th;
};

#define NBUF	4

static void count(struct race *r, enum role role, int ret, const char *what)
{
	if (!ret) {
		__atomic_add_fetch(&r->ops[role], 1, __ATOMIC_RELAXED);
	} else if (ret == -ENODEV) {
		__atomic_add_fetch(&r->ops[role], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&r->enodev[role], 1, __ATOMIC_RELAXED);
	} else {
		/* Stop everyone: the first unexpected answer is the finding. */
		r->stop = true;
		sc_expect(false, "%s %s: %s", role_names[role], what, p2p_strerror(ret));
	}
}

static int must(struct race *r, enum role role, int ret, const char *what)
{
	if (ret < 0) {
		r->stop = true;
		sc_expect(false, "%s %s: %s", role_names[role], what, p2p_strerror(ret));
	}
	return ret;
}

static void revoker(struct worker *w, bool mem)
{
	struct race *r = w->r;

	while (!r->stop) {
		if (mem) {
			count(r, w->role, p2p_set_mem_enable(&r->d.dev, false), "MEM off");
			p2p_sleep_ms(2);
			must(r, w->role, p2p_set_mem_enable(&r->d.dev, true), "MEM on");
		} else {
			count(r, w->role, p2p_knob_revoke(r->d.dev.bdf, true), "knob 1");
			p2p_sleep_ms(2);
			must(r, w->role, p2p_knob_revoke(r->d.dev.bdf, false), "knob 0");
		}
		p2p_sleep_ms(3);
	}
}

/* Buffer + MR, then drop them in the role's order. */
static void churn(struct worker *w, int imp, unsigned int i)
{
	struct race *r = w->r;
	struct p2p_dma_seg segs[4];
	uint32_t h = 0, n;
	bool mr;
	int fd, ret;

	fd = must(r, w->role, sc_buf_try(&r->d, (w->idx + i) % 4, 1), "create");
	if (fd < 0)
		return;
	ret = p2p_imp_reg(imp, fd, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h);
	mr = !ret;
	count(r, w->role, ret, "REG_MR");
	if (mr)
		count(r, w->role, p2p_imp_check(imp, h, 0, sc->page, segs, 4, &n), "CHECK");
	if (w->role == R_CLOSE) {
		/* The close drops the last reference when the MR went first. */
		if (mr && (i & 1))
			must(r, w->role, p2p_imp_dereg(imp, h, 0), "DEREG_MR");
		must(r, w->role, close(fd) ? -errno : 0, "close");
		if (mr && !(i & 1))
			must(r, w->role, p2p_imp_dereg(imp, h, 0), "DEREG_MR");
	} else {
		must(r, w->role, close(fd) ? -errno : 0, "close");
		if (mr)
			must(r, w->role, p2p_imp_dereg(imp, h, (i & 1) ? P2P_DEREG_DEFERRED : 0),
			     "DEREG_MR");
	}
}

static void accessor(struct worker *w, int imp)
{
	struct race *r = w->r;
	struct p2p_dma_seg segs[4];
	uint32_t h[NBUF], n;
	int fd[NBUF], i, k = 0, ret;

	for (i = 0; i < NBUF; i++) {
		fd[i] = must(r, w->role, sc_buf_try(&r->d, i, 1), "create");
		h[i] = 0;
	}
	while (!r->stop) {
		i = k++ % NBUF;
		if (fd[i] < 0)
			continue;
		if (!h[i]) {
			/* Refused (ENODEV) while revoked: try again next round. */
			ret = p2p_imp_reg(imp, fd[i], 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h[i]);
			if (ret)
				h[i] = 0;
			count(r, w->role, ret, "REG_MR");
			continue;
		}
		count(r, w->role, p2p_imp_check(imp, h[i], 0, sc->page, segs, 4, &n), "CHECK");
		/* Now and then start over with a fresh MR. */
		if (!(k % 64)) {
			must(r, w->role, p2p_imp_dereg(imp, h[i], 0), "DEREG_MR");
			h[i] = 0;
		}
	}
	for (i = 0; i < NBUF; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

/* A child makes and maps a buffer of its own, then exits holding it. */
static void forker(struct worker *w)
{
	struct race *r = w->r;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		must(r, w->role, -errno, "fork");
		return;
	}
	if (!pid) {
		int imp = p2p_imp_open(), fd, ret;
		uint32_t h;

		fd = sc_buf_try(&r->d, w->idx % 4, 1);
		if (imp < 0 || fd < 0)
			_exit(2);
		ret = p2p_imp_reg(imp, fd, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &h);
		_exit(ret && ret != -ENODEV ? 3 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		must(r, w->role, -ECHILD, "forked child");
	else
		count(r, w->role, 0, "fork");
}

static void *work(void *arg)
{
	struct worker *w = arg;
	int imp = -1;
	unsigned int i = 0;

	if (w->role != R_REVOKE_KNOB && w->role != R_REVOKE_MEM)
		imp = must(w->r, w->role, p2p_imp_open(), "open importer");
	if (imp < 0 && w->role != R_REVOKE_KNOB && w->role != R_REVOKE_MEM)
		return NULL;
	switch (w->role) {
	case R_REVOKE_KNOB:
	case R_REVOKE_MEM:
		revoker(w, w->role == R_REVOKE_MEM);
		break;
	case R_CLOSE:
	case R_DEREG:
		while (!w->r->stop)
			churn(w, imp, i++);
		break;
	case R_ACCESS:
		accessor(w, imp);
		break;
	case R_FORK:
		while (!w->r->stop)
			forker(w);
		break;
	case R_NR:
		break;
	}
	if (imp >= 0)
		close(imp);
	return NULL;
}

/* Run the revokers plus sc->threads workers cycling through @roles. */
static void race(const enum role *roles, unsigned int nroles, bool mem_revoker)
{
	static struct race r;
	struct worker w[SC_MAX_THREADS + 2];
	unsigned int i, nw = 0, left;
	uint64_t deadline;
	int imp, n;

	imp = sc_importer();
	close(imp);
	sc_open_main(&r.d);
	n = sc_live_buffers(&r.d);
	if (n)
		sc_log("%d buffer(s) of %s live before the race", n, r.d.dev.bdf);
	/* Upstream has no revoke knob: COMMAND.MEM is its first revoker. */
	w[nw++].role = sc_upstream() ? R_REVOKE_MEM : R_REVOKE_KNOB;
	if (mem_revoker)
		w[nw++].role = R_REVOKE_MEM;
	for (i = 0; i < sc->threads && i < SC_MAX_THREADS; i++)
		w[nw++].role = roles[i % nroles];
	for (i = 0; i < nw; i++) {
		w[i].r = &r;
		w[i].idx = i;
		if (pthread_create(&w[i].th, NULL, work, &w[i]))
			sc_fail("pthread_create failed");
	}
	sc_log("%u thread(s) for %u s", nw, sc->duration_s);
	deadline = p2p_now_ms() + sc->duration_s * 1000ULL;
	while (!r.stop && p2p_now_ms() < deadline)
		p2p_sleep_ms(50);
	r.stop = true;
	for (i = 0; i < nw; i++)
		pthread_join(w[i].th, NULL);
	if (!sc_upstream())
		SC_OK(p2p_knob_revoke(r.d.dev.bdf, false));
	SC_OK(p2p_set_mem_enable(&r.d.dev, true));

	for (i = 0; i < R_NR; i++)
		if (r.ops[i])
			sc_log("%-12s %8lu ops, %lu ENODEV", role_names[i], r.ops[i], r.enodev[i]);
	for (i = 0; i < nw; i++)
		sc_expect(r.ops[w[i].role] > 0, "%s made progress", role_names[w[i].role]);

	/* Deferred releases (task_work, delayed_fput) drain shortly after. */
	deadline = p2p_now_ms() + 5000;
	while ((left = sc_live_buffers(&r.d)) > (unsigned int)n &&
	       p2p_now_ms() < deadline)
		p2p_sleep_ms(50);
	sc_expect(left <= (unsigned int)n, "every buffer released (%u left)", left);
}

static void race_revoke_close(void)
{
	static const enum role roles[] = { R_CLOSE };

	race(roles, 1, false);
}

static void race_revoke_dereg(void)
{
	static const enum role roles[] = { R_DEREG };

	race(roles, 1, false);
}

static void race_revoke_access(void)
{
	static const enum role roles[] = { R_ACCESS };

	race(roles, 1, true);
}

static void race_revoke_fork(void)
{
	static const enum role roles[] = { R_FORK, R_ACCESS };

	race(roles, 2, false);
}

static void race_all(void)
{
	static const enum role roles[] = { R_CLOSE, R_DEREG, R_ACCESS, R_FORK };

	race(roles, 4, true);
}

const struct scenario sc_race[] = {
	{ "race-revoke-close", race_revoke_close,
	  "revoke vs close(2) of buffers with MRs, N threads", true },
	{ "race-revoke-dereg", race_revoke_dereg,
	  "revoke vs DEREG_MR (inline and deferred) dropping the last reference", true },
	{ "race-revoke-access", race_revoke_access,
	  "revoke (knob and MEM) vs MR accesses remapping", true },
	{ "race-revoke-fork", race_revoke_fork,
	  "revoke vs fork()ed children that map and exit holding buffers", true },
	{ "race-all", race_all,
	  "revoke vs close vs dereg vs access vs fork, all at once", true },
};

const size_t sc_race_n = sizeof(sc_race) / sizeof(sc_race[0]);
