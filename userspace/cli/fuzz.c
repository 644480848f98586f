// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: --threads workers each make their share of --calls
 * seeded random calls (or as many as --duration allows) at every entry
 * point of the exporter and importer, with valid and invalid arguments:
 * the DMA_BUF feature, config writes, resets, the debugfs knobs, the
 * importer's ioctls on every kind of fd and handle, fd passing, closes and
 * races. Every result is checked against fuzz_table.c; the kernel log is
 * watched for splats; at the end every fd is closed, the knobs reset, and
 * no buffer the run made may be left.
 *
 * Worker i draws from the PRNG stream (--seed, i), FUZZ_WORDS numbers per
 * call: the same --seed and --calls with --threads 1 make the same calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_run.h"

#define FUZZ_DRAIN_MS	10000	/* deferred releases (task_work, delayed_fput, unix GC) */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* SIGUSR1 only interrupts: the signals the fuzzer sends its workers. */
static void on_sigusr1(int sig)
{
	(void)sig;
}

static bool armed(struct fuzz_run *r, int err)
{
	return err > 0 && err <= FUZZ_MAX_ERRNO &&
	       (__atomic_load_n(&r->armed[err / 8], __ATOMIC_ACQUIRE) & (1u << (err % 8)));
}

/*
 * An errno a fail_next_* knob may make REG_MR or ACCESS_MR return, from
 * now on. Set before the write reaches the knob, so no call can fail with
 * it before the fuzzer knows; never cleared (another worker may not have
 * hit it yet).
 */
void fz_arm(struct fuzz_run *r, int64_t err)
{
	if (err > 0 && err <= FUZZ_MAX_ERRNO)
		__atomic_or_fetch(&r->armed[err / 8], 1u << (err % 8), __ATOMIC_RELEASE);
}

int fz_dev_get(struct fuzz_thread *t)
{
	pthread_rwlock_rdlock(&t->r->dev_lock);
	if (t->r->dev.device >= 0)
		return t->r->dev.device;
	pthread_rwlock_unlock(&t->r->dev_lock);
	return -1;
}

void fz_dev_put(struct fuzz_thread *t)
{
	pthread_rwlock_unlock(&t->r->dev_lock);
}

/* Say it now, keep the first ones for the summary. */
static void unexpected(struct fuzz_thread *t, enum fuzz_kind k, int err, const char *text)
{
	struct fuzz_run *r = t->r;
	unsigned long n = __atomic_add_fetch(&r->unexpected, 1, __ATOMIC_RELAXED);
	struct fuzz_unexpected *u;

	t->st.unexpected[k]++;
	pthread_mutex_lock(&r->lock);
	if (r->nfirst < FUZZ_KEEP_UNEXPECTED) {
		u = &r->first[r->nfirst++];
		u->thread = t->idx;
		u->call = t->call;
		u->kind = k;
		u->err = err;
		snprintf(u->text, sizeof(u->text), "%s", text);
		fprintf(r->diag, "%sUNEXPECTED %s\n", r->pfx, text);
		fflush(r->diag);
	} else if (n == FUZZ_KEEP_UNEXPECTED + 1) {
		fprintf(r->diag, "%smore unexpected results: counted, not shown\n", r->pfx);
	}
	pthread_mutex_unlock(&r->lock);
}

static void describe(struct fuzz_thread *t, char *buf, size_t len, const char *head,
		     const char *fmt, va_list ap)
{
	char args[256], call[512];
	int n;

	vsnprintf(args, sizeof(args), fmt, ap);
	fuzz_call_str(&t->cur, call, sizeof(call));
	n = snprintf(buf, len, "%s: %s", head, args);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " | thread %u call #%llu (%s), seed %llu", t->idx,
			 (unsigned long long)t->call, call, (unsigned long long)t->r->seed);
}

/*
 * Count the result @ret (>= 0 success, else -errno) of a call of kind @k;
 * one outside the table is unexpected and said with @fmt (the arguments
 * as made). Returns whether it was expected.
 */
bool fz_result(struct fuzz_thread *t, enum fuzz_kind k, int ret, const char *fmt, ...)
{
	int err = ret < 0 ? -ret : 0;
	char head[512], allowed[256], text[768];
	va_list ap;

	t->st.res[k][err < FUZZ_ERR_SLOTS - 1 ? err : FUZZ_ERR_SLOTS - 1]++;
	if (fuzz_allowed(k, err) || (err && fuzz_kind_desc(k)->injectable && armed(t->r, err)))
		return true;
	snprintf(head, sizeof(head), "%s -> %s (allowed: %s)", fuzz_kind_name(k),
		 err ? p2p_errno_name(err) : "success",
		 fuzz_allowed_str(k, allowed, sizeof(allowed)));
	va_start(ap, fmt);
	describe(t, text, sizeof(text), head, fmt, ap);
	va_end(ap);
	unexpected(t, k, err, text);
	return false;
}

/* A call that succeeded but said something wrong (a size, a state). */
void fz_mismatch(struct fuzz_thread *t, enum fuzz_kind k, const char *fmt, ...)
{
	char head[64], text[768];
	va_list ap;

	snprintf(head, sizeof(head), "%s answered wrong", fuzz_kind_name(k));
	va_start(ap, fmt);
	describe(t, text, sizeof(text), head, fmt, ap);
	va_end(ap);
	unexpected(t, k, 0, text);
}

/* The fuzzer could not set something up: not the kernel's fault, still a failure. */
void fz_fuzzer_error(struct fuzz_thread *t, const char *fmt, ...)
{
	struct fuzz_run *r = t->r;
	char msg[256];
	va_list ap;

	t->st.fuzzer_errors++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&r->lock);
	fprintf(r->diag, "%sFUZZER ERROR (not a kernel result): thread %u call #%llu: %s\n",
		r->pfx, t->idx, (unsigned long long)t->call, msg);
	pthread_mutex_unlock(&r->lock);
}

static void exec_call(struct fuzz_thread *t, const struct fuzz_call *c)
{
	switch (c->op) {
	case FOP_CREATE:
		fz_create(t, &c->create);
		break;
	case FOP_FEATURE:
		fz_feature(t, &c->feature);
		break;
	case FOP_CFG:
		fz_cfg(t, &c->cfg);
		break;
	case FOP_RESET:
		fz_reset(t);
		break;
	case FOP_KNOB_REVOKE:
		fz_knob_revoke(t, c->revoke);
		break;
	case FOP_KNOB:
		fz_knob(t, &c->knob);
		break;
	case FOP_IMP_OPEN:
		fz_imp_open(t, c->imp_slot);
		break;
	case FOP_REG:
		fz_reg(t, &c->reg);
		break;
	case FOP_DEREG:
	case FOP_QUERY:
		fz_hcall(t, c->op == FOP_DEREG, &c->hcall);
		break;
	case FOP_ACCESS:
		fz_access(t, &c->access);
		break;
	case FOP_IMP_IOCTL:
		fz_ioctl(t, &c->ioctl);
		break;
	case FOP_SHARE:
		fz_share(t, &c->share);
		break;
	case FOP_CLOSE:
		fz_close(t, &c->close);
		break;
	case FOP_UDMABUF:
		fz_udmabuf(t, c->udmabuf.slot, c->udmabuf.pages);
		break;
	case FOP_DMABUF_MISC:
		fz_misc(t, &c->misc);
		break;
	case FOP_RACE:
		fz_race(t, &c->race);
		break;
	case FOP_SIGNAL:
		fz_signal(t, c->target);
		break;
	case FOP_REOPEN:
		fz_reopen(t);
		break;
	case FOP_NR:
		break;
	}
}

static void *worker(void *arg)
{
	struct fuzz_thread *t = arg;
	struct fuzz_run *r = t->r;

	/* Nobody starts before every worker exists: FOP_SIGNAL names them. */
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE) && !r->stop)
		p2p_sleep_ms(1);
	for (t->call = 0; t->call < t->ncalls && !r->stop; t->call++) {
		fuzz_draw(&t->prng, &r->g, &t->cur);
		exec_call(t, &t->cur);
		fz_knob_tick(t);
		t->st.calls++;
		__atomic_add_fetch(&r->calls_done, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&r->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The device as the draw needs it: BARs, config size, capabilities. */
static int geometry(struct fuzz_run *r)
{
	struct fuzz_geom *g = &r->g;
	struct vfio_region_info info;
	struct p2p_pci_res res;
	uint64_t size;
	unsigned int i;
	int ret;

	g->page = p2p_page_size();
	if (cli_pick_bar(&r->dev, r->o, &g->bar, &size))
		return -1;
	g->bar_size = size;
	g->io_bar = g->empty_bar = -1;
	for (i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		if (p2p_region_info(&r->dev, i, &info))
			continue;
		if (!info.size && g->empty_bar < 0)
			g->empty_bar = i;
		else if (info.size && !p2p_pci_resource(r->dev.bdf, i, &res) &&
			 (res.flags & P2P_IORESOURCE_IO) && g->io_bar < 0)
			g->io_bar = i;
	}
	g->cfg_size = r->dev.cfg_size;
	ret = p2p_dev_find_cap(&r->dev, PCI_CAP_ID_PM);
	g->pm = ret > 0 ? ret : 0;
	ret = p2p_dev_find_cap(&r->dev, PCI_CAP_ID_EXP);
	g->exp = ret > 0 ? ret : 0;
	ret = p2p_dev_find_cap(&r->dev, PCI_CAP_ID_AF);
	g->af = ret > 0 ? ret : 0;
	g->threads = r->nthreads;
	return 0;
}

/* Enough fds for every worker's pools, when root may raise the limit. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_max < 65536)
		rl.rlim_max = 65536;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) && !getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool ours(const uint64_t *inos, size_t n, uint64_t ino)
{
	return n && bsearch(&ino, inos, n, sizeof(*inos), cmp_u64);
}

/*
 * How many of the run's buffers the exporter still lists, and the dma-buf
 * core still knows (which also catches udmabufs and buffers cut off their
 * device by a reopen). An MR holds its buffer, so none of them left means
 * no MR of ours is left either.
 */
static void leftovers(struct fuzz_run *r, const uint64_t *inos, size_t n, struct fuzz_summary *s)
{
	struct p2p_buf_stat *st = NULL;
	struct p2p_bufinfo *bi = NULL;
	int nst, nbi, cap, i;
	size_t o = 0;

	s->left[0] = '\0';
	s->left_exp = s->left_all = 0;
	/* Counted, then read: the lists may grow in between, never past @cap. */
	nst = cap = p2p_buffers_list(r->bdf, NULL, 0);
	if (nst > 0)
		st = calloc(cap, sizeof(*st));
	if (st) {
		nst = p2p_buffers_list(r->bdf, st, cap);
		nst = nst > cap ? cap : nst;
	}
	if (nst < 0 || (nst > 0 && !st)) {
		s->left_exp = -1;
		o += snprintf(s->left + o, sizeof(s->left) - o, "<BDF>/buffers unreadable: %s; ",
			      nst < 0 ? p2p_last_error() : strerror(ENOMEM));
	}
	for (i = 0; st && i < nst; i++) {
		if (!ours(inos, n, st[i].ino))
			continue;
		s->left_exp++;
		if (o < sizeof(s->left))
			o += snprintf(s->left + o, sizeof(s->left) - o, "ino %llu on %s; ",
				      (unsigned long long)st[i].ino, r->bdf);
	}
	free(st);

	nbi = cap = p2p_bufinfo_list(NULL, 0);
	if (nbi > 0)
		bi = calloc(cap, sizeof(*bi));
	if (bi) {
		nbi = p2p_bufinfo_list(bi, cap);
		nbi = nbi > cap ? cap : nbi;
	}
	if (nbi < 0 || (nbi > 0 && !bi)) {
		s->left_all = -1;
		if (o < sizeof(s->left))
			o += snprintf(s->left + o, sizeof(s->left) - o,
				      "dma_buf/bufinfo unreadable: %s; ",
				      nbi < 0 ? p2p_last_error() : strerror(ENOMEM));
	}
	for (i = 0; bi && i < nbi; i++) {
		if (!ours(inos, n, bi[i].ino))
			continue;
		s->left_all++;
		if (o < sizeof(s->left))
			o += snprintf(s->left + o, sizeof(s->left) - o,
				      "ino %llu (%s, %u attachment(s)) alive; ",
				      (unsigned long long)bi[i].ino, bi[i].exp_name,
				      bi[i].attached);
	}
	free(bi);
}

static void wait_leftovers(struct fuzz_run *r, const uint64_t *inos, size_t n,
			   struct fuzz_summary *s)
{
	uint64_t until = p2p_now_ms() + FUZZ_DRAIN_MS;

	for (;;) {
		leftovers(r, inos, n, s);
		if ((s->left_exp <= 0 && s->left_all <= 0) || p2p_now_ms() >= until)
			return;
		p2p_sleep_ms(100);
	}
}

/* Every worker's inodes, sorted, for the leftover check. */
static uint64_t *all_inos(struct fuzz_run *r, size_t *n)
{
	size_t total = 0, o = 0;
	uint64_t *v;
	unsigned int i;

	for (i = 0; i < r->nthreads; i++)
		total += r->t[i].ninos;
	v = malloc((total ? total : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < r->nthreads; i++) {
		memcpy(v + o, r->t[i].inos, r->t[i].ninos * sizeof(*v));
		o += r->t[i].ninos;
	}
	qsort(v, total, sizeof(*v), cmp_u64);
	*n = total;
	return v;
}

/* Leave the device as a fresh open would: decoding, D0, out of low power. */
static void restore_device(struct fuzz_run *r)
{
	const char *bdf = r->bdf;
	struct {
		struct vfio_device_feature hdr;
	} exit_lp = { { .argsz = sizeof(exit_lp), .flags = VFIO_DEVICE_FEATURE_SET |
			VFIO_DEVICE_FEATURE_LOW_POWER_EXIT } };

	p2p_knobs_reset(&bdf, 1);
	if (r->dev.device < 0)
		return;
	ioctl(r->dev.device, VFIO_DEVICE_FEATURE, &exit_lp);
	if (r->g.pm)
		p2p_set_power_state(&r->dev, 0);
	p2p_set_mem_enable(&r->dev, true);
}

static void progress(struct fuzz_run *r, const struct fuzz_summary *s, uint64_t t0)
{
	unsigned long calls = __atomic_load_n(&r->calls_done, __ATOMIC_RELAXED);
	uint64_t el = p2p_now_ms() - t0;

	pthread_mutex_lock(&r->lock);
	fprintf(r->diag, "%s%llu s: %lu calls (%.0f/s), %lu unexpected, %d splats\n", r->pfx,
		(unsigned long long)el / 1000, calls, el ? calls * 1000.0 / el : 0.0,
		__atomic_load_n(&r->unexpected, __ATOMIC_RELAXED), s->splats);
	fflush(r->diag);
	pthread_mutex_unlock(&r->lock);
}

static int setup(struct fuzz_run *r)
{
	pthread_rwlockattr_t ra;
	unsigned int i;
	uint64_t per, extra;

	pthread_rwlockattr_init(&ra);
	/* A reopen must not starve behind a stream of readers. */
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&r->dev_lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&r->lock, NULL);
	r->shared_imp = r->udmabuf_dev = -1;
	if (fz_ovl_init(r)) {
		cli_err("fuzz: %s", strerror(ENOMEM));
		return -1;
	}

	if (cli_open(r->bdf, &r->dev))
		return -1;
	if (geometry(r))
		return -1;
	r->shared_imp = p2p_imp_open();
	if (r->shared_imp < 0) {
		cli_err("%s", p2p_last_error());
		return -1;
	}
	r->udmabuf_dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	r->imp_knobs = !access(P2P_IMP_DEBUGFS "/fail_next_map", W_OK);

	r->t = calloc(r->nthreads, sizeof(*r->t));
	if (!r->t) {
		cli_err("fuzz: %s", strerror(ENOMEM));
		return -1;
	}
	per = r->o->calls / r->nthreads;
	extra = r->o->calls % r->nthreads;
	for (i = 0; i < r->nthreads; i++) {
		struct fuzz_thread *t = &r->t[i];

		t->r = r;
		t->idx = i;
		t->ncalls = per + (i < extra);
		p2p_prng_seed(&t->prng, r->seed, i);
		if (fz_thread_setup(t)) {
			cli_err("fuzz: worker %u: %s", i, cli_last_err());
			return -1;
		}
	}
	return 0;
}

static void teardown(struct fuzz_run *r)
{
	unsigned int i;

	for (i = 0; r->t && i < r->nthreads; i++)
		fz_thread_teardown(&r->t[i]);
	if (r->shared_imp >= 0)
		close(r->shared_imp);
	r->shared_imp = -1;
	if (r->udmabuf_dev >= 0)
		close(r->udmabuf_dev);
	r->udmabuf_dev = -1;
}

static int run(struct fuzz_run *r, struct fuzz_summary *s)
{
	struct sigaction sint = { .sa_handler = on_sigint };
	struct sigaction susr = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };
	uint64_t t0, deadline, next_line, *inos;
	unsigned int i, started = 0;
	int kmsg, ret = CLI_PASS;
	size_t ninos = 0;

	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGUSR1, &susr, NULL);
	kmsg = p2p_kmsg_open();
	s->kmsg_checked = kmsg >= 0;
	if (kmsg < 0)
		snprintf(s->splat, sizeof(s->splat), "%s", p2p_last_error());

	if (setup(r)) {
		ret = CLI_FAIL;
		goto out;
	}
	fprintf(r->diag, "%sBAR %u (%llu bytes), config %u bytes, caps pm 0x%x exp 0x%x "
		"af 0x%x, %s, %s\n", r->pfx, r->g.bar, (unsigned long long)r->g.bar_size,
		r->g.cfg_size, r->g.pm, r->g.exp, r->g.af,
		r->udmabuf_dev >= 0 ? "udmabuf" : "no udmabuf",
		r->imp_knobs ? "importer knobs" : "no importer knobs");

	sigaction(SIGINT, &sint, NULL);
	for (i = 0; i < r->nthreads; i++) {
		if (pthread_create(&r->t[i].th, NULL, worker, &r->t[i])) {
			cli_err("fuzz: worker %u: pthread_create failed", i);
			r->stop = true;
			ret = CLI_FAIL;
			break;
		}
		started++;
	}
	__atomic_store_n(&r->go, true, __ATOMIC_RELEASE);
	t0 = p2p_now_ms();
	deadline = t0 + r->o->duration_s * 1000ULL;
	next_line = t0 + 5000;
	while (__atomic_load_n(&r->finished, __ATOMIC_ACQUIRE) < started) {
		p2p_sleep_ms(200);
		p2p_kmsg_tally(kmsg, s->splat, sizeof(s->splat), &s->splats);
		if (interrupted || p2p_now_ms() >= deadline)
			r->stop = true;
		if (p2p_now_ms() >= next_line) {
			progress(r, s, t0);
			next_line += 5000;
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(r->t[i].th, NULL);
	s->ms = p2p_now_ms() - t0;
	s->calls = __atomic_load_n(&r->calls_done, __ATOMIC_RELAXED);
	/* Cut short of --calls; an unlimited count is always ended by time. */
	s->cut = r->o->calls < FUZZ_MAX_CALLS && s->calls < r->o->calls;

	/* Knobs first: a release delay left set would slow every close below. */
	restore_device(r);
	teardown(r);
	restore_device(r);
	for (i = 0; i < r->nthreads; i++)
		fuzz_stats_merge(&s->total, &r->t[i].st);
	inos = all_inos(r, &ninos);
	s->nbufs = ninos;
	if (inos) {
		wait_leftovers(r, inos, ninos, s);
	} else {
		s->left_exp = s->left_all = -1;
		snprintf(s->left, sizeof(s->left), "no memory for the list of buffers");
	}
	free(inos);
	p2p_sleep_ms(100);
	p2p_kmsg_tally(kmsg, s->splat, sizeof(s->splat), &s->splats);
out:
	teardown(r);
	if (r->t) {
		for (i = 0; i < r->nthreads; i++)
			free(r->t[i].inos);
		free(r->t);
		r->t = NULL;
	}
	p2p_dev_close(&r->dev);
	fz_ovl_fini(r);
	if (kmsg >= 0)
		close(kmsg);
	return ret;
}

int cmd_fuzz(const struct cli_opts *o, const char *bdf)
{
	static struct fuzz_run r;
	static struct fuzz_summary s;
	struct timespec ts;
	int imp, ret;
	size_t k;

	if (p2p_debugfs_ensure())
		return cli_skip(o, "exporter debugfs: %s", p2p_last_error());
	imp = p2p_imp_open();
	if (imp < 0)
		return cli_skip(o, "%s", p2p_last_error());
	close(imp);
	/* Upstream vfio-pci exports too, but has none of the knobs and lists. */
	if (p2p_buffers_list(bdf, NULL, 0) < 0)
		return cli_skip(o, "%s is not bound to " P2P_EXP_DRIVER ": %s", bdf,
				p2p_last_error());

	r.o = o;
	r.bdf = bdf;
	r.nthreads = o->threads;
	r.dev.device = r.dev.group = r.dev.container = -1;
	r.diag = o->json ? stderr : stdout;
	r.pfx = o->tap ? "# " : "fuzz: ";
	if (o->seed_set) {
		r.seed = o->seed;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		r.seed = ((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec) ^ getpid();
	}
	if (o->tap)
		printf("TAP version 13\n1..1\n");
	fprintf(r.diag, "%sseed %llu, %u thread(s), ", r.pfx, (unsigned long long)r.seed,
		r.nthreads);
	if (o->calls < FUZZ_MAX_CALLS)
		fprintf(r.diag, "%llu calls", (unsigned long long)o->calls);
	else
		fprintf(r.diag, "no call limit");
	if (o->duration_set || !o->calls_set)
		fprintf(r.diag, ", at most %u s\n", o->duration_s);
	else
		fprintf(r.diag, ", no time limit\n");

	s.o = o;
	s.bdf = bdf;
	s.seed = r.seed;
	ret = run(&r, &s);
	if (ret != CLI_PASS) {
		if (o->tap)
			printf("not ok 1 fuzz\n");
		cli_json_verdict(o, ret);
		return ret;
	}
	s.unexpected = r.unexpected;
	s.first = r.first;
	s.nfirst = r.nfirst;
	/* bufinfo is a second opinion: unreadable, it is said, not failed. */
	s.pass = s.calls && !s.unexpected && !s.splats && !s.total.fuzzer_errors &&
		 !s.left_exp && s.left_all <= 0;
	for (k = 0; k < FK_NR; k++)
		if (s.total.unexpected[k])
			s.pass = false;
	fuzz_summary_print(&s);
	return s.pass ? CLI_PASS : CLI_FAIL;
}
