// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p scenario NAME|all: the runner. Every scenario runs in a forked
 * child in its own process group, so a scenario may close the device, exit
 * holding buffers, or hang, and the next one still starts clean: the
 * runner kills what is left of the group, puts the debugfs knobs back, and
 * fails the scenario on any kernel splat logged while it ran.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"

/* Time for the non-race scenarios, and on top of --duration for races. */
#define SC_TIMEOUT_S	90

struct sc_ctx *sc;

struct sc_result {
	const struct scenario *s;
	int status;			/* CLI_PASS, CLI_FAIL, CLI_SKIP */
	char reason[512];
	uint64_t ms;
};

static const struct {
	const struct scenario *list;
	const size_t *n;
} themes[] = {
	{ sc_release, &sc_release_n },
	{ sc_revoke, &sc_revoke_n },
	{ sc_race, &sc_race_n },
	{ sc_importers, &sc_importers_n },
	{ sc_data, &sc_data_n },
	{ sc_iommufd, &sc_iommufd_n },
	{ sc_contract, &sc_contract_n },
};

void scenario_list(FILE *f)
{
	size_t t, i;

	for (t = 0; t < sizeof(themes) / sizeof(themes[0]); t++)
		for (i = 0; i < *themes[t].n; i++)
			fprintf(f, "  %-24s %s\n", themes[t].list[i].name, themes[t].list[i].help);
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line: race scenarios log from several threads. */
	fprintf(sc->out, "%s%s%s\n", sc->pfx, tag, line);
}

void sc_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

static void report(const char *fmt, va_list ap)
{
	char msg[512];
	ssize_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Only the first failure names the scenario's result. */
	if (__atomic_add_fetch(&sc->failures, 1, __ATOMIC_SEQ_CST) == 1) {
		n = write(sc->result_fd, msg, strlen(msg));
		(void)n;
	}
}

void sc_expect(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	vlog("FAIL: ", fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
}

void sc_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("FAIL: ", fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(CLI_FAIL);
}

void sc_skip(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A skip after a failure is still a failure. */
	if (sc->failures) {
		fflush(NULL);
		_exit(CLI_FAIL);
	}
	n = write(sc->result_fd, msg, strlen(msg));
	(void)n;
	fflush(NULL);
	_exit(CLI_SKIP);
}

static void child(const struct cli_opts *o, const char *bdf, const struct scenario *s,
		  int result_fd)
{
	static struct sc_ctx ctx;

	setpgid(0, 0);
	ctx.o = o;
	ctx.bdf = bdf;
	ctx.name = s->name;
	ctx.out = o->json ? stderr : stdout;
	ctx.pfx = o->tap ? "# " : "  ";
	ctx.result_fd = result_fd;
	ctx.page = p2p_page_size();
	sc = &ctx;
	s->fn();
	fflush(NULL);
	_exit(ctx.failures ? CLI_FAIL : CLI_PASS);
}

/* Wait for @pid until @deadline_ms; then kill its group. Returns wait status. */
static int reap(pid_t pid, uint64_t deadline_ms, bool *timed_out)
{
	int status = 0;
	pid_t r;

	*timed_out = false;
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (p2p_now_ms() >= deadline_ms) {
			*timed_out = true;
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		p2p_sleep_ms(20);
	}
	/* Whatever the scenario forked and left behind. */
	kill(-pid, SIGKILL);
	return status;
}

static void run_one(const struct cli_opts *o, const char *bdf, const struct scenario *s,
		    int kmsg, struct sc_result *res)
{
	unsigned int limit = SC_TIMEOUT_S + (s->race ? o->duration_s : 0);
	char splat[512] = "";
	uint64_t t0 = p2p_now_ms();
	bool timed_out;
	int pfd[2], status, hits = 0;
	ssize_t n;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->s = s;
	if (pipe2(pfd, O_CLOEXEC)) {
		res->status = CLI_FAIL;
		snprintf(res->reason, sizeof(res->reason), "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		res->status = CLI_FAIL;
		snprintf(res->reason, sizeof(res->reason), "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (!pid) {
		close(pfd[0]);
		child(o, bdf, s, pfd[1]);
	}
	close(pfd[1]);
	/* As the child does: whoever runs first, the group exists for reap(). */
	setpgid(pid, pid);
	status = reap(pid, t0 + limit * 1000ULL, &timed_out);
	res->ms = p2p_now_ms() - t0;
	/* Non-blocking: a left-over grandchild may still hold the write end. */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	n = read(pfd[0], res->reason, sizeof(res->reason) - 1);
	res->reason[n > 0 ? n : 0] = '\0';
	close(pfd[0]);

	if (timed_out) {
		res->status = CLI_FAIL;
		snprintf(res->reason, sizeof(res->reason), "timed out after %u s", limit);
	} else if (WIFSIGNALED(status)) {
		res->status = CLI_FAIL;
		snprintf(res->reason, sizeof(res->reason), "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) == CLI_PASS || WEXITSTATUS(status) == CLI_SKIP) {
		res->status = WEXITSTATUS(status);
	} else {
		res->status = CLI_FAIL;
		if (!res->reason[0])
			snprintf(res->reason, sizeof(res->reason), "exit status %d",
				 WEXITSTATUS(status));
	}
	sc_reset_knobs(bdf);
	if (kmsg >= 0) {
		/* Releases still queued (delayed_fput) get a moment to report. */
		p2p_sleep_ms(100);
		hits = p2p_kmsg_scan_splats(kmsg, splat, sizeof(splat));
	}
	if (hits > 0) {
		res->status = CLI_FAIL;
		snprintf(res->reason, sizeof(res->reason), "kernel: %d splat line(s): %s",
			 hits, splat);
	}
}

static void print_result(const struct cli_opts *o, unsigned int num,
			 const struct sc_result *r)
{
	FILE *f = o->json ? stderr : stdout;

	if (o->tap) {
		if (r->status == CLI_SKIP)
			printf("ok %u %s # SKIP %s\n", num, r->s->name, r->reason);
		else if (r->status == CLI_PASS)
			printf("ok %u %s\n", num, r->s->name);
		else
			printf("# %s: %s\nnot ok %u %s\n", r->s->name, r->reason, num,
			       r->s->name);
		return;
	}
	if (r->status == CLI_PASS)
		fprintf(f, "PASS %s (%.1f s)\n", r->s->name, r->ms / 1000.0);
	else
		fprintf(f, "%s %s: %s\n", r->status == CLI_SKIP ? "SKIP" : "FAIL", r->s->name,
			r->reason);
}

static void print_json(const struct cli_opts *o, const struct sc_result *res, size_t n,
		       unsigned int pass, unsigned int fail, unsigned int skip, int ret)
{
	static const char *const words[] = {
		[CLI_PASS] = "pass", [CLI_FAIL] = "fail", [CLI_SKIP] = "skip" };
	size_t i;

	(void)o;
	printf("{\"command\":\"scenario\",\"result\":\"%s\",\"passed\":%u,\"failed\":%u,"
	       "\"skipped\":%u,\"scenarios\":[", words[ret], pass, fail, skip);
	for (i = 0; i < n; i++) {
		printf("%s{\"name\":", i ? "," : "");
		cli_json_str(stdout, res[i].s->name);
		printf(",\"result\":\"%s\",\"seconds\":%.3f,\"reason\":", words[res[i].status],
		       res[i].ms / 1000.0);
		cli_json_str(stdout, res[i].reason);
		printf("}");
	}
	printf("]}\n");
}

int cmd_scenario(const struct cli_opts *o, const char *bdf)
{
	const struct scenario *pick[128];
	struct sc_result *res;
	unsigned int pass = 0, fail = 0, skip = 0;
	size_t t, i, n = 0;
	int kmsg, ret;
	bool all = !strcmp(o->scenario, "all");

	for (t = 0; t < sizeof(themes) / sizeof(themes[0]); t++)
		for (i = 0; i < *themes[t].n && n < sizeof(pick) / sizeof(pick[0]); i++)
			if (all || !fnmatch(o->scenario, themes[t].list[i].name, 0))
				pick[n++] = &themes[t].list[i];
	if (!n) {
		return cli_fail(o, "no scenario '%s' (dmabuf-p2p scenario --list)",
				o->scenario);
	}
	res = calloc(n, sizeof(*res));
	if (!res) {
		return cli_fail(o, "scenario: %s", strerror(ENOMEM));
	}
	/* The runner keeps no device open: the vfio group is one opener's. */
	kmsg = p2p_kmsg_open();
	if (o->tap)
		printf("TAP version 13\n1..%zu\n", n);
	if (kmsg < 0)
		fprintf(o->json ? stderr : stdout, "%skernel log not checked: %s\n",
			o->tap ? "# " : "", p2p_last_error());
	for (i = 0; i < n; i++) {
		if (!o->tap)
			fprintf(o->json ? stderr : stdout, "== %s: %s\n", pick[i]->name,
				pick[i]->help);
		else
			printf("# %s: %s\n", pick[i]->name, pick[i]->help);
		run_one(o, bdf, pick[i], kmsg, &res[i]);
		print_result(o, i + 1, &res[i]);
		if (res[i].status == CLI_PASS)
			pass++;
		else if (res[i].status == CLI_SKIP)
			skip++;
		else
			fail++;
	}
	if (kmsg >= 0)
		close(kmsg);
	ret = fail ? CLI_FAIL : pass ? CLI_PASS : CLI_SKIP;
	if (o->json)
		print_json(o, res, n, pass, fail, skip, ret);
	else
		printf("%sscenario: %u passed, %u failed, %u skipped\n", o->tap ? "# " : "",
		       pass, fail, skip);
	free(res);
	return ret;
}
