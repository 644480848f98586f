// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p scenario NAME|all: the runner of the scenario library's
 * scenarios (userspace/scenarios, which the selftests run too) and of the
 * CLI's own (scenarios_importers.c). Every scenario runs in a forked child
 * in its own process group, so a scenario may close the device, exit
 * holding buffers, or hang, and the next one still starts clean: the
 * runner kills what is left of the group, puts the debugfs knobs back, and
 * fails the scenario on any kernel splat logged while it ran. The child
 * hands its verdict's text (first failure, or why it skipped) up a pipe.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "scenario.h"

/* Time for the non-race scenarios, and on top of --duration for races. */
#define SC_TIMEOUT_S	90

_Static_assert(SC_PASS == CLI_PASS && SC_FAIL == CLI_FAIL && SC_SKIP == CLI_SKIP,
	       "a scenario child's exit status is the CLI's result");

/* The CLI's own scenarios (scenarios_importers.c: libibverbs). */
extern const struct scenario sc_importers[];
extern const size_t sc_importers_n;

struct sc_result {
	const struct scenario *s;
	int status;			/* CLI_PASS, CLI_FAIL, CLI_SKIP */
	char reason[512];
	uint64_t ms;
};

void scenario_list(FILE *f)
{
	const struct scenario *s;
	size_t i;

	sc_host_importers(sc_importers, sc_importers_n);
	for (i = 0; (s = sc_nth(i)); i++)
		fprintf(f, "  %-24s %s\n", s->name, s->help);
}

/* In the scenario's child: the pipe to the runner. */
static int result_fd = -1;

static void child_verdict(int status, const char *msg)
{
	ssize_t n;

	(void)status;
	n = write(result_fd, msg, strlen(msg));
	(void)n;
}

static void __attribute__((noreturn))
child(const struct cli_opts *o, const char *bdf, const struct scenario *s, int fd)
{
	static struct sc_ctx ctx;

	setpgid(0, 0);
	result_fd = fd;
	ctx.bdf = bdf;
	ctx.out = o->json ? stderr : stdout;
	ctx.pfx = o->tap ? "# " : "  ";
	ctx.threads = o->threads;
	ctx.duration_s = o->duration_s;
	ctx.verdict = child_verdict;
	_exit(sc_run(&ctx, s));
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

static void print_json(const struct sc_result *res, size_t n, unsigned int pass,
		       unsigned int fail, unsigned int skip, int ret)
{
	struct json_object *j = cli_json_new("scenario"), *arr, *x;
	size_t i;

	cli_json_s(j, "result", cli_result_name(ret));
	cli_json_u(j, "passed", pass);
	cli_json_u(j, "failed", fail);
	cli_json_u(j, "skipped", skip);
	arr = cli_json_arr(j, "scenarios");
	for (i = 0; i < n; i++) {
		x = cli_json_obj(arr, NULL);
		cli_json_s(x, "name", res[i].s->name);
		cli_json_s(x, "result", cli_result_name(res[i].status));
		cli_json_d(x, "seconds", res[i].ms / 1000.0, 3);
		cli_json_s(x, "reason", res[i].reason);
	}
	cli_json_print(stdout, j);
}

int cmd_scenario(const struct cli_opts *o, const char *bdf)
{
	const struct scenario *pick[128], *s;
	struct sc_result *res;
	unsigned int pass = 0, fail = 0, skip = 0;
	size_t i, n = 0;
	int kmsg, ret;
	bool all = !strcmp(o->scenario, "all");

	sc_host_importers(sc_importers, sc_importers_n);
	for (i = 0; (s = sc_nth(i)) && n < sizeof(pick) / sizeof(pick[0]); i++)
		if (all || !fnmatch(o->scenario, s->name, 0))
			pick[n++] = s;
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
		print_json(res, n, pass, fail, skip, ret);
	else
		printf("%sscenario: %u passed, %u failed, %u skipped\n", o->tap ? "# " : "",
		       pass, fail, skip);
	free(res);
	return ret;
}
