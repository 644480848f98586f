// SPDX-License-Identifier: GPL-2.0
/* Our checks beside the harness's: see check.h. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "dmabuf_p2p.h"

struct __test_metadata *_metadata;
static char *skip_reason;
static size_t skip_reason_len;
static pid_t test_pid;

void t_begin(struct __test_metadata *m, char *reason, size_t reason_len)
{
	_metadata = m;
	skip_reason = reason;
	skip_reason_len = reason_len;
	test_pid = getpid();
}

const char *t_errname(int err)
{
	return err ? p2p_errno_name(err) : "0";
}

/*
 * Whether the last test's teardown put everything back to rest. Shared by
 * every process of the program: each test runs in a process of its own,
 * forked from the harness's, which never runs a teardown itself.
 */
static bool *at_rest;

static void __attribute__((constructor)) at_rest_init(void)
{
	void *p = mmap(NULL, sizeof(*at_rest), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	at_rest = p == MAP_FAILED ? NULL : p;
}

/*
 * A setup calls this: @rest runs unless the last teardown finished (a test
 * the harness killed for its time never got to it); resetting every knob
 * twice a test is what a slow guest notices.
 */
void t_rest_before(void (*rest)(void))
{
	if (!at_rest || !*at_rest)
		rest();
}

void t_rest_after(void (*rest)(void))
{
	if (at_rest)
		*at_rest = false;
	t_kill_leftovers();
	rest();
	if (at_rest)
		*at_rest = true;
}

static void vdiag(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024], *line, *save = NULL;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s%s\n", prefix, line);
	fflush(stdout);
}

void t_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("", fmt, ap);
	va_end(ap);
}

void t_skip(const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (skip_reason && getpid() == test_pid)
		snprintf(skip_reason, skip_reason_len, "%s", why);
	else
		t_diag("SKIP %s", why);
	fflush(NULL);
	_exit(KSFT_SKIP);
}

void t_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t_diag("%s:%d: %s", file, line, msg);
	fflush(NULL);
	_exit(KSFT_FAIL);
}

/*
 * The harness kills a test's process group only when it times out: a child
 * a failed test forked (holding a vfio device open, say) would outlive it
 * and trouble the next test. The group is the one the harness made for the
 * test, led by its process that runs the parent's teardown: whoever else is
 * still in it goes. (The 6.12 harness may run that teardown in the test's
 * own process instead, after an ASSERT_*(): the leader is spared then too.)
 */
void t_kill_leftovers(void)
{
	pid_t self = getpid(), pgrp = getpgrp();
	struct dirent *de;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[64], stat[512], *p;
		pid_t pid = (pid_t)strtol(de->d_name, &p, 10);
		int fd, pg = 0;
		ssize_t n;

		if (*p || pid <= 0 || pid == self || pid == pgrp)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		if (n <= 0)
			continue;
		stat[n] = '\0';
		/* pid (comm) state ppid pgrp ...: comm may hold anything, even ")". */
		p = strrchr(stat, ')');
		if (p && sscanf(p + 1, " %*c %*d %d", &pg) == 1 && pg == pgrp)
			kill(pid, SIGKILL);
	}
	closedir(d);
}
