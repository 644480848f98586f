// SPDX-License-Identifier: GPL-2.0
/*
 * negative_control: proves the rig can fail. It runs only when asked, with
 * DMABUF_P2P_NEGATIVE set to the scenario:
 *
 * DMABUF_P2P_NEGATIVE=1, the 2024 deadlock: it turns on the exporter's
 * bug_sync_put knob (revoke drops its buffer reference with __fput_sync()
 * under memory_lock: the 2024 mistake), has a child revoke through debugfs
 * while holding the reference for revoke_hold_ms, and closes the buffer
 * meanwhile, so the revoker's put is the last one and the release takes
 * memory_lock again under itself.
 * Only an exporter built with `make P2P_NEGATIVE_CONTROL=1` has the knob;
 * without it the test fails at setup rather than pass having proved nothing.
 * Expected: a lockdep report and a hung revoker. We print TAP and exit
 * without waiting; the rig must find the splat on the console. The kernel
 * stays wedged: run this last.
 *
 * The vfio device is held open by a separate, never-exiting process: the
 * device's close would block on the deadlocked lock, and we must not.
 *
 * DMABUF_P2P_NEGATIVE=contract, an importer breaking the revoke contract,
 * against the exporter as users load it: contract_warn left at its default
 * 1 (the scenario refuses to run otherwise), the importer's misbehave knob
 * set to UNMAP_NEVER for one MR on a buffer of the device, and a revoke
 * through debugfs. Expected: the revoke returns after revoke_wait_ms with
 * an "unmap" line in the exporter's violations log and a kernel WARNING,
 * which the rig must fail the boot on. Nothing is wedged; the MR is
 * deregistered and the device unrevoked before we exit.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define HOLD_MS	2000

static int failures;

static void result(bool ok, int num, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(bool ok, int num, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static void bail(int num, int planned, const char *what)
{
	result(false, num, "%s", what);
	for (num++; num <= planned; num++)
		result(false, num, "not reached");
	exit(KSFT_FAIL);
}

/* Opens the device, hands a buffer over, then sleeps forever holding the device. */
static void holder(const char *bdf, int sock)
{
	struct tdev t;
	int fd;

	if (p2p_dev_open(bdf, &t.dev)) {
		t_diag("holder: %s", p2p_last_error());
		_exit(1);
	}
	t.page = p2p_page_size();
	if (p2p_find_mem_bar(&t.dev, t.page, &t.bar, &t.bar_size)) {
		t_diag("holder: %s", p2p_last_error());
		_exit(1);
	}
	fd = p2p_dmabuf_create(&t.dev, t.bar, &(struct p2p_range){ 0, t.page }, 1,
			       O_RDWR | O_CLOEXEC);
	if (fd < 0 || p2p_send_fd(sock, fd)) {
		t_diag("holder: %s", p2p_last_error());
		_exit(1);
	}
	close(fd);
	close(sock);
	for (;;)
		pause();
}

static void close_all_but_stdio(void)
{
	int fd, max = sysconf(_SC_OPEN_MAX);

	for (fd = 3; fd < max && fd < 4096; fd++)
		close(fd);
}

static int lockdep_deadlock(const char *bdf)
{
	static const char *const splats[] = {
		"possible recursive locking detected",
		"possible circular locking dependency detected",
		"WARNING: possible",
		"*** DEADLOCK ***",
		NULL,
	};
	char line[512], path[64], state[256], knob[256];
	struct pollfd pfd;
	pid_t hold_pid, rev_pid;
	int sv[2], fd, kmsg, seen, status;
	uint64_t ino;

	printf("TAP version 13\n1..3\n");
	if (p2p_debugfs_ensure())
		bail(1, 3, p2p_last_error());
	if (p2p_exp_knob_path(NULL, "bug_sync_put", knob, sizeof(knob)) ||
	    access(knob, F_OK))
		bail(1, 3, "no bug_sync_put knob: the exporter was not built with make P2P_NEGATIVE_CONTROL=1");
	kmsg = p2p_kmsg_open();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		bail(1, 3, "socketpair");
	fflush(stdout);
	hold_pid = fork();
	if (hold_pid < 0)
		bail(1, 3, "fork");
	if (!hold_pid) {
		close(sv[0]);
		holder(bdf, sv[1]);
	}
	close(sv[1]);
	pfd.fd = sv[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 20000) != 1)
		bail(1, 3, "holder sent no buffer in 20 s");
	fd = p2p_recv_fd(sv[0]);
	if (fd < 0)
		bail(1, 3, p2p_last_error());
	close(sv[0]);
	p2p_dmabuf_ino(fd, &ino);
	if (p2p_exp_knob_set(NULL, "revoke_hold_ms", HOLD_MS) ||
	    p2p_exp_knob_set(NULL, "bug_sync_put", 1))
		bail(1, 3, p2p_last_error());
	result(true, 1, "setup: buffer ino=%llu, device held by pid %d, bug_sync_put=1",
	       (unsigned long long)ino, hold_pid);

	fflush(stdout);
	rev_pid = fork();
	if (rev_pid < 0)
		bail(2, 3, "fork");
	if (!rev_pid) {
		close_all_but_stdio();
		/* Returns only if the exporter did not deadlock. */
		_exit(p2p_knob_revoke(bdf, true) ? 1 : 0);
	}
	seen = t_wait_task_sleeping(rev_pid, 5000);
	t_diag("revoker pid %d %s; closing our fd", rev_pid,
	       seen > 0 ? "holds the reference" : "not seen sleeping");
	close(fd);

	/* Past the hold, the revoker's put must have hung it. */
	p2p_sleep_ms(HOLD_MS + 2000);
	if (waitpid(rev_pid, &status, WNOHANG) == rev_pid) {
		result(false, 2, "revoker finished (status 0x%x): no deadlock happened", status);
	} else {
		snprintf(path, sizeof(path), "/proc/%d/stat", rev_pid);
		if (p2p_read_file(path, state, sizeof(state)) < 0)
			state[0] = '\0';
		result(true, 2, "revoker pid %d stuck after its final put (expected)", rev_pid);
		t_diag("revoker stat: %s", state);
	}

	if (kmsg < 0) {
		printf("ok 3 lockdep report # SKIP /dev/kmsg: %s\n", p2p_last_error());
	} else if (p2p_kmsg_wait_for(kmsg, splats, 5000, line, sizeof(line)) == 1) {
		result(true, 3, "lockdep report on the kernel log");
		t_diag("kmsg: %s", line);
	} else {
		result(false, 3, "no lockdep report within 5 s");
	}
	t_diag("the kernel is wedged on purpose; the rig must fail this run on the splat");
	printf("# %d passed, %d failed, 0 skipped\n", 3 - failures, failures);
	fflush(stdout);
	/* Do not wait for (or signal) the holder or the hung revoker. */
	_exit(failures ? KSFT_FAIL : KSFT_PASS);
}

/* The "unmap" line the revoke of @ino must have left in the violations log. */
static bool unmap_violation_logged(uint64_t ino, struct p2p_violation *out)
{
	struct p2p_violation v[P2P_EXP_VIOLATION_LOG];
	int n, i;

	n = p2p_violations_list(v, P2P_EXP_VIOLATION_LOG);
	if (n < 0) {
		t_diag("%s", p2p_last_error());
		return false;
	}
	if (n > P2P_EXP_VIOLATION_LOG)
		n = P2P_EXP_VIOLATION_LOG;
	for (i = n - 1; i >= 0; i--) {
		if (v[i].ino == ino && !strcmp(v[i].kind, P2P_VIOL_UNMAP)) {
			*out = v[i];
			return true;
		}
	}
	return false;
}

static int contract_breach(const char *bdf)
{
	static const char *const warns[] = { "WARNING:", NULL };
	struct p2p_violation v;
	char line[512];
	struct tdev t;
	uint64_t ino, t0, took;
	uint32_t h;
	long warn, wait_ms;
	int fd, imp, kmsg;

	printf("TAP version 13\n1..3\n");
	if (p2p_debugfs_ensure())
		bail(1, 3, p2p_last_error());
	if (p2p_exp_knob_get(NULL, "contract_warn", &warn) ||
	    p2p_exp_knob_get(NULL, "revoke_wait_ms", &wait_ms))
		bail(1, 3, p2p_last_error());
	if (warn != 1)
		bail(1, 3, "contract_warn is not 1: a violation would not WARN, nothing to prove");
	kmsg = p2p_kmsg_open();

	memset(&t, 0, sizeof(t));
	t.page = p2p_page_size();
	if (p2p_dev_open(bdf, &t.dev) ||
	    p2p_find_mem_bar(&t.dev, t.page, &t.bar, &t.bar_size))
		bail(1, 3, p2p_last_error());
	fd = p2p_dmabuf_create(&t.dev, t.bar, &(struct p2p_range){ 0, t.page }, 1,
			       O_RDWR | O_CLOEXEC);
	if (fd < 0 || p2p_dmabuf_ino(fd, &ino))
		bail(1, 3, p2p_last_error());
	imp = p2p_imp_open();
	if (imp < 0)
		bail(1, 3, p2p_last_error());
	/* The MR keeps the mode it is registered with. */
	if (p2p_imp_knob_set("misbehave", P2P_IMP_MISBEHAVE_UNMAP_NEVER) ||
	    p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h) ||
	    p2p_imp_knob_set("misbehave", P2P_IMP_MISBEHAVE_NONE))
		bail(1, 3, p2p_last_error());
	result(true, 1, "setup: buffer ino=%llu, MR %u never unmaps, contract_warn=1, revoke_wait_ms=%ld",
	       (unsigned long long)ino, h, wait_ms);

	t0 = p2p_now_ms();
	if (p2p_knob_revoke(bdf, true))
		bail(2, 3, p2p_last_error());
	took = p2p_now_ms() - t0;
	if (unmap_violation_logged(ino, &v)) {
		result(true, 2, "revoke returned after %llu ms, violation logged: %s %s",
		       (unsigned long long)took, v.driver, v.dev);
	} else {
		result(false, 2, "revoke returned after %llu ms, no unmap violation for ino=%llu",
		       (unsigned long long)took, (unsigned long long)ino);
	}

	if (kmsg < 0) {
		printf("ok 3 exporter WARNING # SKIP /dev/kmsg: %s\n", p2p_last_error());
	} else if (p2p_kmsg_wait_for(kmsg, warns, 5000, line, sizeof(line)) == 1) {
		result(true, 3, "exporter WARNING on the kernel log");
		t_diag("kmsg: %s", line);
	} else {
		result(false, 3, "no WARNING within 5 s of the revoke");
	}

	/* Leave the kernel as we found it: the rig judges the boot by the WARNING. */
	if (p2p_imp_dereg(imp, h, 0) || p2p_knob_revoke(bdf, false))
		t_diag("cleanup: %s", p2p_last_error());
	close(imp);
	close(fd);
	p2p_dev_close(&t.dev);
	t_diag("the rig must fail this boot on the exporter's WARNING");
	printf("# %d passed, %d failed, 0 skipped\n", 3 - failures, failures);
	fflush(stdout);
	return failures ? KSFT_FAIL : KSFT_PASS;
}

int main(void)
{
	const char *neg = t_env("DMABUF_P2P_NEGATIVE");
	const char *bdf = t_device();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!neg || (strcmp(neg, "1") && strcmp(neg, "contract")))
		ksft_exit_skip("set DMABUF_P2P_NEGATIVE=1 (deadlocks the kernel on purpose) or =contract "
			       "(a kernel WARNING on purpose) to run\n");
	if (!bdf)
		ksft_exit_skip("DMABUF_P2P_DEVICE not set\n");
	if (!strcmp(neg, "contract"))
		return contract_breach(bdf);
	return lockdep_deadlock(bdf);
}
