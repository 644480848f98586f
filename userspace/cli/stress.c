// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p stress: --threads workers each run a seeded random sequence of
 * create / share / register / access / revoke / unrevoke / reset / close /
 * exit / mmap against one device for --duration seconds. Worker i draws
 * from its own PRNG seeded from (--seed, i), two numbers per operation
 * whatever happened before, so the same seed replays the same operation
 * sequence. Errnos an operation may meet (ENODEV while revoked, a contended
 * reset) are counted; any other errno, a kernel splat or a buffer left
 * behind fails the run. mmap counts a SIGBUS as EFAULT: expected if the
 * buffer may have been revoked during the access, a failure if it stayed
 * valid throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"

#define NSLOTS		4	/* buffers a worker juggles */
#define MAX_PAGES	64	/* buffers are single pages among the first 64 */
#define HOLD_FDS	16	/* fds the share holder keeps before closing the oldest */

struct slot {
	int fd;
	bool mr;
	uint32_t h;
};

struct run {
	const struct cli_opts *o;
	struct p2p_dev dev;
	unsigned int bar;
	uint64_t npages;
	enum p2p_trigger revokes[3], restores[3];
	unsigned int nrev, nres;
	enum p2p_trigger reset;		/* NONE: the device has no reset */
	int share_sock;
	/* Config-space read-modify-writes must not interleave in userspace. */
	pthread_mutex_t cfg_lock;
	volatile bool stop;
	unsigned long total_ops;
	unsigned long total_unexpected;
};

struct worker {
	struct run *r;
	unsigned int idx;
	struct p2p_prng prng;
	int imp;
	struct slot slots[NSLOTS];
	struct stress_stats st;
	pthread_t th;
};

static const int E_REVOKED[] = { ENODEV };
/* mmap: a SIGBUS, counted as EFAULT, on a buffer that may have been revoked. */
static const int E_SIGBUS[] = { EFAULT };
/* pci_try_reset_function() answers EAGAIN when the device lock is taken. */
static const int E_RESET[] = { EAGAIN, EBUSY, EOPNOTSUPP };

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static bool in(int err, const int *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == -err)
			return true;
	return false;
}

static void done(struct worker *w, enum stress_op op, int ret, const int *ok, size_t nok,
		 const char *what)
{
	bool expected;

	w->st.ops[op]++;
	__atomic_add_fetch(&w->r->total_ops, 1, __ATOMIC_RELAXED);
	if (ret >= 0)
		return;
	expected = in(ret, ok, nok);
	stress_stats_error(&w->st, op, ret, expected, what);
	if (!expected)
		__atomic_add_fetch(&w->r->total_unexpected, 1, __ATOMIC_RELAXED);
}

static void op_close(struct worker *w, struct slot *s, uint64_t arg)
{
	int ret = 0;

	if (s->fd < 0) {
		done(w, SOP_CLOSE, 0, NULL, 0, "close");
		return;
	}
	/*
	 * MR first: close(2) drops the last reference (path close). Buffer
	 * first: DEREG_MR drops it (task_work), or its kworker (delayed_fput).
	 */
	if (s->mr && (arg & (1 << 16)))
		ret = p2p_imp_dereg(w->imp, s->h, 0);
	if (!ret && close(s->fd))
		ret = -errno;
	if (!ret && s->mr && !(arg & (1 << 16)))
		ret = p2p_imp_dereg(w->imp, s->h, (arg & (1 << 17)) ? P2P_DEREG_DEFERRED : 0);
	s->fd = -1;
	s->mr = false;
	done(w, SOP_CLOSE, ret, NULL, 0, "close/DEREG_MR");
}

static void op_create(struct worker *w, struct slot *s, uint64_t arg)
{
	struct run *r = w->r;
	struct p2p_range rg;
	int fd;

	if (s->fd >= 0)
		op_close(w, s, arg);
	rg.offset = ((arg >> 8) % r->npages) * p2p_page_size();
	rg.length = p2p_page_size();
	fd = p2p_dmabuf_create(&r->dev, r->bar, &rg, 1, O_RDWR | O_CLOEXEC);
	done(w, SOP_CREATE, fd < 0 ? fd : 0, NULL, 0, "create");
	if (fd >= 0)
		s->fd = fd;
}

static bool need_buf(struct worker *w, struct slot *s, uint64_t arg)
{
	if (s->fd < 0)
		op_create(w, s, arg);
	return s->fd >= 0;
}

static void op_share(struct worker *w, struct slot *s, uint64_t arg)
{
	if (need_buf(w, s, arg))
		done(w, SOP_SHARE, p2p_send_fd(w->r->share_sock, s->fd), NULL, 0, "SCM_RIGHTS");
}

static void op_register(struct worker *w, struct slot *s, uint64_t arg)
{
	int ret = 0;

	if (!need_buf(w, s, arg))
		return;
	if (s->mr)
		ret = p2p_imp_dereg(w->imp, s->h, 0);
	s->mr = false;
	if (!ret)
		ret = p2p_imp_reg(w->imp, s->fd, 0, p2p_page_size(), 0, P2P_MR_ACCESS_ALL, &s->h);
	s->mr = !ret;
	done(w, SOP_REGISTER, ret, E_REVOKED, 1, "REG_MR");
}

static void op_access(struct worker *w, struct slot *s, uint64_t arg)
{
	struct p2p_dma_seg segs[4];
	uint32_t n;

	if (!s->mr)
		op_register(w, s, arg);
	if (s->mr)
		done(w, SOP_ACCESS, p2p_imp_check(w->imp, s->h, 0, p2p_page_size(), segs, 4, &n),
		     E_REVOKED, 1, "CHECK");
}

/* Knob writes need no lock; config writes and resets take cfg_lock. */
static int fire(struct run *r, enum p2p_trigger t, uint64_t *us)
{
	bool knob = t == P2P_TRIG_KNOB_REVOKE || t == P2P_TRIG_KNOB_UNREVOKE;
	uint64_t t0;
	int ret;

	if (!knob)
		pthread_mutex_lock(&r->cfg_lock);
	t0 = p2p_now_us();
	ret = p2p_trigger_fire(&r->dev, t);
	if (us)
		*us = p2p_now_us() - t0;
	if (!knob)
		pthread_mutex_unlock(&r->cfg_lock);
	return ret;
}

static void op_revoke(struct worker *w, uint64_t arg)
{
	enum p2p_trigger t = w->r->revokes[arg % w->r->nrev];
	uint64_t us;
	int ret = fire(w->r, t, &us);

	if (!ret)
		stress_stats_latency(&w->st, us);
	done(w, SOP_REVOKE, ret, NULL, 0, p2p_trigger_name(t));
}

static void op_unrevoke(struct worker *w, uint64_t arg)
{
	enum p2p_trigger t = w->r->restores[arg % w->r->nres];

	done(w, SOP_UNREVOKE, fire(w->r, t, NULL), NULL, 0, p2p_trigger_name(t));
}

static void op_reset(struct worker *w)
{
	enum p2p_trigger t = w->r->reset;

	if (t == P2P_TRIG_NONE)
		done(w, SOP_RESET, -EOPNOTSUPP, E_RESET, 3, "reset");
	else
		done(w, SOP_RESET, fire(w->r, t, NULL), E_RESET, 3, p2p_trigger_name(t));
}

/*
 * SIGBUS from an access of op_mmap: back to the sigsetjmp() of the thread
 * that made it. Anywhere else it is fatal, as it would be without us.
 */
static __thread sigjmp_buf *bus_jmp;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!bus_jmp) {
		signal(sig, SIG_DFL);
		return;
	}
	siglongjmp(*bus_jmp, 1);
}

/* Out of line: nothing of it lives across the sigsetjmp() below. */
static void __attribute__((noinline)) read_pages(const volatile uint8_t *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += p2p_page_size())
		(void)*(const volatile uint32_t *)(p + off);
}

/* A read of each page of @p: false if one raised SIGBUS. */
static bool touch_pages(const volatile uint8_t *p, size_t len)
{
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		return false;
	}
	bus_jmp = &jb;
	read_pages(p, len);
	bus_jmp = NULL;
	return true;
}

/*
 * Map the slot's buffer, read each page (faulting it in), unmap. A SIGBUS
 * is fine when the buffer may have been revoked meanwhile; on a buffer
 * that stayed valid across the access (revoked=0 before and after, no
 * revoke in between) it is a failure. Reads only: --device may name a BAR
 * of registers.
 */
static void op_mmap(struct worker *w, struct slot *s, uint64_t arg)
{
	struct p2p_buf_stat b0, b1;
	const char *bdf = w->r->dev.bdf;
	bool have0, valid, ok;
	uint64_t ino, size;
	char what[160];
	void *p;
	int ret;

	if (!need_buf(w, s, arg))
		return;
	ret = p2p_dmabuf_ino(s->fd, &ino);
	if (!ret)
		ret = p2p_dmabuf_size(s->fd, &size);
	if (ret) {
		done(w, SOP_MMAP, ret, NULL, 0, "dma-buf inode/size");
		return;
	}
	have0 = !p2p_buffer_stat(bdf, ino, &b0);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, s->fd, 0);
	if (p == MAP_FAILED) {
		done(w, SOP_MMAP, -errno, NULL, 0, "mmap");
		return;
	}
	ok = touch_pages(p, size);
	if (munmap(p, size)) {
		done(w, SOP_MMAP, -errno, NULL, 0, "munmap");
		return;
	}
	if (ok) {
		done(w, SOP_MMAP, 0, NULL, 0, "mmap");
		return;
	}
	/* Unknown state counts as maybe revoked: only a proven-valid buffer fails. */
	valid = have0 && !p2p_buffer_stat(bdf, ino, &b1) && !b0.revoked && !b1.revoked &&
		b0.revokes == b1.revokes;
	if (valid)
		snprintf(what, sizeof(what), "SIGBUS on buffer ino=%llu, valid throughout "
			 "(revoked=0 before and after, revokes=%u)", (unsigned long long)ino,
			 b1.revokes);
	else
		snprintf(what, sizeof(what), "SIGBUS while revoked");
	done(w, SOP_MMAP, -EFAULT, E_SIGBUS, valid ? 0 : 1, what);
}

struct exit_mr {
	int imp;
	uint32_t h;
};

static void *exit_thread(void *arg)
{
	struct exit_mr *m = arg;
	struct p2p_dma_seg segs[4];
	uint32_t n;

	for (;;)
		p2p_imp_check(m->imp, m->h, 0, p2p_page_size(), segs, 4, &n);
	return NULL;
}

/*
 * A child makes and maps a buffer of its own on the shared device fd and
 * exits holding it (with a thread accessing it, half the time): the exit
 * release path. Its exit status is the errno of what went wrong.
 */
static void op_exit(struct worker *w, uint64_t arg)
{
	struct run *r = w->r;
	int status, ret;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		done(w, SOP_EXIT, -errno, NULL, 0, "fork");
		return;
	}
	if (!pid) {
		struct p2p_range rg = { ((arg >> 8) % r->npages) * p2p_page_size(),
					p2p_page_size() };
		struct exit_mr m = { .imp = p2p_imp_open() };
		pthread_t th;
		int fd;

		fd = p2p_dmabuf_create(&r->dev, r->bar, &rg, 1, O_RDWR | O_CLOEXEC);
		if (fd < 0 || m.imp < 0)
			_exit(-(fd < 0 ? fd : m.imp));
		ret = p2p_imp_reg(m.imp, fd, 0, p2p_page_size(), 0, P2P_MR_ACCESS_ALL, &m.h);
		if (ret && ret != -ENODEV)
			_exit(-ret);
		if (!ret && (arg & (1 << 16)) && !pthread_create(&th, NULL, exit_thread, &m))
			p2p_sleep_ms(1);
		_exit(0);
	}
	while ((ret = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (ret < 0)
		ret = -errno;
	else if (WIFSIGNALED(status))
		ret = -EINTR;
	else
		ret = -WEXITSTATUS(status);
	done(w, SOP_EXIT, ret, NULL, 0, "child");
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	unsigned int i;

	while (!r->stop) {
		/* Two draws per operation, whatever happens: the sequence is the seed's. */
		int op = p2p_prng_pick_bit(&w->prng, r->o->ops_mask);
		uint64_t a = p2p_prng_next(&w->prng);
		struct slot *s = &w->slots[a % NSLOTS];

		switch (op) {
		case SOP_CREATE:
			op_create(w, s, a);
			break;
		case SOP_SHARE:
			op_share(w, s, a);
			break;
		case SOP_REGISTER:
			op_register(w, s, a);
			break;
		case SOP_ACCESS:
			op_access(w, s, a);
			break;
		case SOP_REVOKE:
			op_revoke(w, a);
			break;
		case SOP_UNREVOKE:
			op_unrevoke(w, a);
			break;
		case SOP_RESET:
			op_reset(w);
			break;
		case SOP_CLOSE:
			op_close(w, s, a);
			break;
		case SOP_EXIT:
			op_exit(w, a);
			break;
		case SOP_MMAP:
			op_mmap(w, s, a);
			break;
		}
	}
	for (i = 0; i < NSLOTS; i++) {
		if (w->slots[i].mr)
			p2p_imp_dereg(w->imp, w->slots[i].h, 0);
		if (w->slots[i].fd >= 0)
			close(w->slots[i].fd);
	}
	return NULL;
}

/* The second process of "share": holds what it is sent for a while. */
static void holder(int sock)
{
	int ring[HOLD_FDS], n = 0, fd, i;

	for (;;) {
		fd = p2p_recv_fd(sock);
		if (fd < 0)
			break;
		if (n == HOLD_FDS) {
			close(ring[0]);
			memmove(ring, ring + 1, sizeof(ring) - sizeof(ring[0]));
			n--;
		}
		ring[n++] = fd;
	}
	for (i = 0; i < n; i++)
		close(ring[i]);
	_exit(0);
}

static void pick_triggers(struct run *r)
{
	static const enum p2p_trigger resets[] = {
		P2P_TRIG_RESET, P2P_TRIG_FLR, P2P_TRIG_AF_FLR };
	size_t i;

	r->revokes[r->nrev++] = P2P_TRIG_KNOB_REVOKE;
	r->restores[r->nres++] = P2P_TRIG_KNOB_UNREVOKE;
	r->revokes[r->nrev++] = P2P_TRIG_MEM_OFF;
	r->restores[r->nres++] = P2P_TRIG_MEM_ON;
	if (!p2p_trigger_supported(&r->dev, P2P_TRIG_D3HOT)) {
		r->revokes[r->nrev++] = P2P_TRIG_D3HOT;
		r->restores[r->nres++] = P2P_TRIG_D0;
	}
	r->reset = P2P_TRIG_NONE;
	for (i = 0; i < sizeof(resets) / sizeof(resets[0]); i++) {
		if (!p2p_trigger_supported(&r->dev, resets[i])) {
			r->reset = resets[i];
			break;
		}
	}
}

static void progress(struct run *r, struct stress_summary *m, uint64_t t0, bool tty,
		     FILE *f, bool final)
{
	unsigned long ops = __atomic_load_n(&r->total_ops, __ATOMIC_RELAXED);
	uint64_t el = p2p_now_ms() - t0;

	if (tty) {
		fprintf(f, "\r[%4llu/%u s] %lu ops (%.0f/s), unexpected %lu, releases %lu, "
			"splats %d ", (unsigned long long)el / 1000, r->o->duration_s, ops,
			el ? ops * 1000.0 / el : 0.0,
			__atomic_load_n(&r->total_unexpected, __ATOMIC_RELAXED), m->trace.releases,
			m->splats);
		if (final)
			fputc('\n', f);
		fflush(f);
	} else {
		fprintf(f, "%s%llu s: %lu ops, %lu unexpected, %lu releases, %d splats\n",
			r->o->tap ? "# " : "stress: ", (unsigned long long)el / 1000, ops,
			__atomic_load_n(&r->total_unexpected, __ATOMIC_RELAXED), m->trace.releases,
			m->splats);
	}
}

static int run(const struct cli_opts *o, const char *bdf, struct stress_summary *m)
{
	static struct run r;
	struct worker *w;
	struct sigaction sa = { .sa_handler = on_sigint };
	struct sigaction sb = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	FILE *pf = o->json ? stderr : stdout;
	const char *term = getenv("TERM");
	/* A live one-line display only where a person watches a terminal. */
	bool tty = !o->tap && isatty(fileno(pf)) && !(term && !strcmp(term, "dumb"));
	uint64_t t0, deadline, next_line, wait_until;
	int sv[2], kmsg, status, baseline, left;
	bool start_failed = false;
	unsigned int i;
	pid_t hpid;

	r.o = o;
	r.share_sock = -1;
	pthread_mutex_init(&r.cfg_lock, NULL);
	kmsg = p2p_kmsg_open();
	m->kmsg_checked = kmsg >= 0;
	if (kmsg < 0)
		snprintf(m->splat, sizeof(m->splat), "%s", p2p_last_error());
	stress_trace_start(&m->trace);

	/* The holder is forked before any device or thread exists. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		cli_err("socketpair: %s", strerror(errno));
		return CLI_FAIL;
	}
	fflush(NULL);
	hpid = fork();
	if (hpid < 0) {
		cli_err("fork: %s", strerror(errno));
		return CLI_FAIL;
	}
	if (!hpid) {
		close(sv[0]);
		holder(sv[1]);
	}
	close(sv[1]);
	r.share_sock = sv[0];

	if (cli_open(bdf, &r.dev))
		goto fail_holder;
	if (cli_pick_bar(&r.dev, o, &r.bar, &r.npages))
		goto fail_dev;
	r.npages /= p2p_page_size();
	if (r.npages > MAX_PAGES)
		r.npages = MAX_PAGES;
	pick_triggers(&r);
	baseline = p2p_buffers_list(r.dev.bdf, NULL, 0);
	if (baseline < 0) {
		cli_err("%s", p2p_last_error());
		goto fail_dev;
	}

	w = calloc(o->threads, sizeof(*w));
	if (!w) {
		cli_err("stress: %s", strerror(ENOMEM));
		goto fail_dev;
	}
	for (i = 0; i < o->threads; i++) {
		unsigned int k;

		w[i].r = &r;
		w[i].idx = i;
		w[i].imp = -1;
		p2p_prng_seed(&w[i].prng, m->seed, i);
		for (k = 0; k < NSLOTS; k++)
			w[i].slots[k].fd = -1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&sb.sa_mask);
	sigaction(SIGBUS, &sb, NULL);
	t0 = p2p_now_ms();
	for (i = 0; i < o->threads; i++) {
		w[i].imp = p2p_imp_open();
		if (w[i].imp < 0 || pthread_create(&w[i].th, NULL, worker_fn, &w[i])) {
			cli_err("worker %u: %s", i, w[i].imp < 0 ? p2p_last_error() :
				"pthread_create failed");
			r.stop = true;
			start_failed = true;
			break;
		}
	}
	deadline = t0 + o->duration_s * 1000ULL;
	next_line = t0 + 5000;
	while (!r.stop && !interrupted && p2p_now_ms() < deadline) {
		p2p_sleep_ms(tty ? 250 : 1000);
		stress_trace_poll(&m->trace);
		p2p_kmsg_tally(kmsg, m->splat, sizeof(m->splat), &m->splats);
		if (tty || p2p_now_ms() >= next_line) {
			progress(&r, m, t0, tty, pf, false);
			next_line += 5000;
		}
	}
	r.stop = true;
	while (i--)
		pthread_join(w[i].th, NULL);
	m->ms = p2p_now_ms() - t0;
	if (tty)
		progress(&r, m, t0, tty, pf, true);

	/* Leave the device as we found it. */
	p2p_knob_revoke(r.dev.bdf, false);
	if (!p2p_trigger_supported(&r.dev, P2P_TRIG_D0))
		p2p_set_power_state(&r.dev, 0);
	p2p_set_mem_enable(&r.dev, true);
	for (i = 0; i < o->threads; i++) {
		if (w[i].imp >= 0)
			close(w[i].imp);
		stress_stats_merge(&m->total, &w[i].st);
		stress_stats_free(&w[i].st);
	}
	free(w);
	close(r.share_sock);
	while (waitpid(hpid, &status, 0) < 0 && errno == EINTR)
		;

	/* Deferred releases (task_work, delayed_fput) drain shortly after. */
	wait_until = p2p_now_ms() + 10000;
	while ((left = p2p_buffers_list(r.dev.bdf, NULL, 0)) > baseline &&
	       p2p_now_ms() < wait_until)
		p2p_sleep_ms(100);
	m->leaked = left > baseline ? left - baseline : 0;
	p2p_sleep_ms(100);
	stress_trace_stop(&m->trace);
	p2p_kmsg_tally(kmsg, m->splat, sizeof(m->splat), &m->splats);
	if (kmsg >= 0)
		close(kmsg);
	p2p_dev_close(&r.dev);
	return start_failed ? CLI_FAIL : CLI_PASS;

fail_dev:
	p2p_dev_close(&r.dev);
fail_holder:
	stress_trace_stop(&m->trace);
	close(r.share_sock);
	waitpid(hpid, &status, 0);
	if (kmsg >= 0)
		close(kmsg);
	return CLI_FAIL;
}

int cmd_stress(const struct cli_opts *o, const char *bdf)
{
	struct stress_summary m = { .o = o, .bdf = bdf };
	struct timespec ts;
	unsigned long all = 0;
	int imp, ret;
	size_t i;

	/* Its revokes, counters and release log are our exporter's knobs. */
	if (p2p_dev_is_upstream_vfio(bdf))
		return cli_skip(o, "needs dmabuf_p2p_exp's knobs and counters; %s is upstream vfio-pci",
				bdf);
	if (p2p_debugfs_ensure())
		return cli_skip(o, "exporter debugfs: %s", p2p_last_error());
	imp = p2p_imp_open();
	if (imp < 0)
		return cli_skip(o, "%s", p2p_last_error());
	close(imp);
	if (o->seed_set) {
		m.seed = o->seed;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		m.seed = ((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec) ^ getpid();
	}
	if (o->tap)
		printf("TAP version 13\n1..1\n");
	/* With --json, stdout carries the JSON object only. */
	fprintf(o->json ? stderr : stdout, "%sstress: seed %llu, %u thread(s), %u s\n",
		o->tap ? "# " : "", (unsigned long long)m.seed, o->threads, o->duration_s);
	ret = run(o, bdf, &m);
	if (ret != CLI_PASS) {
		if (o->tap)
			printf("not ok 1 stress\n");
		cli_json_verdict(o, ret);
		return ret;
	}
	for (i = 0; i < SOP_NR; i++)
		all += m.total.ops[i];
	m.pass = all && !m.splats && !m.leaked;
	for (i = 0; i < SOP_NR; i++)
		if (m.total.unexpected[i])
			m.pass = false;
	stress_summary_print(&m);
	stress_stats_free(&m.total);
	stress_trace_free(&m.trace);
	return m.pass ? CLI_PASS : CLI_FAIL;
}
