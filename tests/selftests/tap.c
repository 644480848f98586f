// SPDX-License-Identifier: GPL-2.0
/* The TAP harness: see tap.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static void (*teardown)(void);
static bool plain_summary;
static bool in_child;
static bool case_failed;
static int skip_fd = -1;
static pid_t case_pid;

void tap_set_teardown(void (*fn)(void))
{
	teardown = fn;
}

void tap_set_plain_summary(bool plain)
{
	plain_summary = plain;
}

bool tap_listing(int argc, char **argv)
{
	return argc == 2 && !strcmp(argv[1], "-l");
}

bool tap_in_case_child(void)
{
	return in_child;
}

const char *tap_errname(int err)
{
	static const struct { int e; const char *name; } names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" },
		{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN/EWOULDBLOCK" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
		{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
		{ EPIPE, "EPIPE" }, { ENOSYS, "ENOSYS" }, { EOVERFLOW, "EOVERFLOW" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ENOTSUP, "ENOTSUP" }, { EDEADLK, "EDEADLK" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	};
	static __thread char buf[24];
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == err)
			return names[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

static void vdiag(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024], *line, *save = NULL;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s%s\n", prefix, line);
	fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("", fmt, ap);
	va_end(ap);
}

void tap_skip_all(const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	printf("TAP version 13\n1..0 # SKIP %s\n", reason);
	fflush(stdout);
	exit(KSFT_SKIP);
}

void tap_skip(const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (in_child && skip_fd >= 0 && getpid() == case_pid) {
		if (write(skip_fd, reason, strlen(reason)) < 0)
			tap_diag("SKIP %s", reason);
	} else {
		tap_diag("SKIP %s", reason);
	}
	fflush(stdout);
	_exit(KSFT_SKIP);
}

void tap_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_diag("%s:%d: %s", file, line, msg);
	_exit(KSFT_FAIL);
}

void tap_expect_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_diag("%s:%d: %s", file, line, msg);
	case_failed = true;
}

enum result { R_PASS, R_FAIL, R_SKIP };

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Reap @pid within @ms; true if it was reaped. */
static bool wait_ms(pid_t pid, int *status, unsigned int ms)
{
	unsigned int waited = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return true;	/* nothing to reap: treat as gone */
		if (waited >= ms)
			return false;
		sleep_ms(10);
		waited += 10;
	}
}

static enum result run_case(const struct tap_case *c, char *why, size_t whylen)
{
	unsigned int timeout = c->timeout_s ? c->timeout_s : TAP_DEFAULT_TIMEOUT;
	int pfd[2], status = 0;
	ssize_t n;
	pid_t pid;

	why[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return R_FAIL;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return R_FAIL;
	}
	if (!pid) {
		close(pfd[0]);
		setpgid(0, 0);
		in_child = true;
		case_pid = getpid();
		skip_fd = pfd[1];
		signal(SIGALRM, SIG_DFL);
		signal(SIGPIPE, SIG_IGN);
		alarm(timeout);
		c->fn();
		fflush(stdout);
		_exit(case_failed ? KSFT_FAIL : KSFT_PASS);
	}
	close(pfd[1]);
	setpgid(pid, pid);
	if (!wait_ms(pid, &status, (timeout + 3) * 1000)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		if (!wait_ms(pid, &status, 5000)) {
			close(pfd[0]);
			snprintf(why, whylen, "case stuck after %u s, unkillable "
				 "(uninterruptible sleep in the kernel?)", timeout);
			return R_FAIL;
		}
	}
	/* Whatever the case forked and left behind dies with it. */
	kill(-pid, SIGKILL);

	if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP) {
		n = read(pfd[0], why, whylen - 1);
		why[n > 0 ? n : 0] = '\0';
		close(pfd[0]);
		if (!why[0])
			snprintf(why, whylen, "skipped");
		return R_SKIP;
	}
	close(pfd[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_PASS)
		return R_PASS;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(why, whylen, "timed out after %u s", timeout);
	else if (WIFSIGNALED(status))
		snprintf(why, whylen, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != KSFT_FAIL)
		snprintf(why, whylen, "exit status %d", WEXITSTATUS(status));
	return R_FAIL;
}

/*
 * The teardown runs in a child too: if a case left the kernel wedged, a
 * knob write could block forever, and the run must go on regardless.
 */
static void run_teardown(void)
{
	int status;
	pid_t pid;

	if (!teardown)
		return;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		teardown();
		return;
	}
	if (!pid) {
		teardown();
		fflush(stdout);
		_exit(0);
	}
	if (!wait_ms(pid, &status, 10000)) {
		kill(pid, SIGKILL);
		tap_diag("teardown stuck for 10 s: not running it again");
		teardown = NULL;
	}
}

static bool selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc <= 1)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int tap_main(int argc, char **argv, const struct tap_case *cases, size_t n)
{
	unsigned int pass = 0, fail = 0, skip = 0, planned = 0, num = 0;
	char why[512];
	size_t i;
	int a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tap_listing(argc, argv)) {
		for (i = 0; i < n; i++)
			printf("%s\n", cases[i].name);
		return KSFT_PASS;
	}
	for (a = 1; a < argc; a++) {
		for (i = 0; i < n; i++)
			if (!strcmp(argv[a], cases[i].name))
				break;
		if (i == n) {
			fprintf(stderr, "%s: no case '%s' (-l lists them)\n", argv[0], argv[a]);
			return KSFT_FAIL;
		}
	}
	for (i = 0; i < n; i++)
		planned += selected(cases[i].name, argc, argv);

	printf("TAP version 13\n1..%u\n", planned);
	for (i = 0; i < n; i++) {
		enum result r;

		if (!selected(cases[i].name, argc, argv))
			continue;
		num++;
		r = run_case(&cases[i], why, sizeof(why));
		run_teardown();
		switch (r) {
		case R_PASS:
			pass++;
			printf("ok %u %s\n", num, cases[i].name);
			break;
		case R_SKIP:
			skip++;
			printf("ok %u %s # SKIP %s\n", num, cases[i].name, why);
			break;
		case R_FAIL:
			fail++;
			if (why[0])
				tap_diag("%s: %s", cases[i].name, why);
			printf("not ok %u %s\n", num, cases[i].name);
			break;
		}
		fflush(stdout);
	}
	printf("%s%u passed, %u failed, %u skipped\n", plain_summary ? "" : "# ",
	       pass, fail, skip);
	fflush(stdout);
	if (fail)
		return KSFT_FAIL;
	if (!pass && skip)
		return KSFT_SKIP;
	return KSFT_PASS;
}
