// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios: who drops a buffer's last reference, and which release path
 * ran it (our exporter's log says, or a function trace for upstream's):
 * close(2) synchronously in the closing task, task_work after an importer
 * ioctl returns, delayed_fput from the importer's workqueue, task exit
 * (with and without threads), and a buffer handed to another process over
 * SCM_RIGHTS and revoked there. The selftest exporter_lifetime runs all
 * but release-exit-threads as its release_* cases.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"

/*
 * Synchronous: close(2) of the last reference releases in the closing task,
 * waiting out even a slow release (release_delay_ms), so the record is
 * there when close(2) returns: a buffer nothing attached, mapped or
 * revoked, no longer listed.
 */
static void release_close(void)
{
	const unsigned int delay = 300;
	struct p2p_rel_rec rec;
	struct sc_dev d;
	uint64_t ino, t0, took;
	int fd;

	sc_open_main(&d);
	sc_fresh_log();
	fd = sc_buf(&d, 0, 1);
	ino = sc_ino(fd);
	sc_expect(sc_listed(d.dev.bdf, ino), "new buffer listed by the device");
	sc_expect(!sc_released(ino, &rec), "no release record before close");
	if (sc_counts())
		sc_knob(NULL, "release_delay_ms", delay);
	t0 = p2p_now_ms();
	SC_OK(close(fd) ? -errno : 0);
	took = p2p_now_ms() - t0;
	sc_log("close took %llu ms", (unsigned long long)took);
	if (sc_counts())
		sc_expect(took + 10 >= delay, "close(2) waited for the release_delay_ms=%u (%llu ms)",
			  delay, (unsigned long long)took);
	if (!sc_released(ino, &rec))
		sc_fail("no release record when close(2) returned");
	sc_expect_path(&rec, P2P_REL_CLOSE);
	if (sc_counts())
		sc_expect(!rec.attaches && !rec.maps && !rec.revokes,
			  "released unattached, unmapped, unrevoked (attaches=%u maps=%u revokes=%u)",
			  rec.attaches, rec.maps, rec.revokes);
	sc_expect(!sc_listed(d.dev.bdf, ino), "buffer no longer listed");
}

/*
 * A one-page buffer whose fd is closed and whose last reference is an MR
 * (*@imp, *@h): still listed, not released.
 */
static uint64_t closed_buf_in_mr(struct sc_dev *d, int *imp, uint32_t *h)
{
	struct p2p_rel_rec rec;
	uint64_t ino;
	int fd;

	*imp = sc_importer();
	sc_open_main(d);
	sc_fresh_log();
	fd = sc_buf(d, 0, 1);
	ino = sc_ino(fd);
	*h = sc_mr(*imp, fd, sc->page);
	SC_OK(close(fd) ? -errno : 0);
	sc_expect(sc_listed(d->dev.bdf, ino), "the MR keeps the closed buffer alive");
	sc_expect(!sc_released(ino, &rec), "no release while the MR lives");
	return ino;
}

/* The MR holds the last reference; DEREG_MR drops it; release at syscall exit. */
static void release_dereg_task_work(void)
{
	struct p2p_rel_rec rec;
	struct sc_dev d;
	uint64_t ino;
	uint32_t h;
	int imp;

	ino = closed_buf_in_mr(&d, &imp, &h);
	SC_OK(p2p_imp_dereg(imp, h, 0));
	sc_wait_release(ino, &rec, 2000);
	sc_expect_path(&rec, P2P_REL_TASK_WORK);
	if (sc_counts())
		sc_expect(rec.attaches == 1 && rec.maps >= 1, "one attach, mapped (%u, %u)",
			  rec.attaches, rec.maps);
}

/* DEREG_MR with P2P_DEREG_DEFERRED: a kworker drops it, delayed_fput releases. */
static void release_dereg_deferred(void)
{
	const unsigned int delay = 300;
	struct p2p_rel_rec rec;
	struct sc_dev d;
	uint64_t ino, t0, took;
	uint32_t h;
	int imp;

	ino = closed_buf_in_mr(&d, &imp, &h);
	if (sc_counts())
		sc_knob(NULL, "release_delay_ms", delay);
	t0 = p2p_now_ms();
	SC_OK(p2p_imp_dereg(imp, h, P2P_DEREG_DEFERRED));
	took = p2p_now_ms() - t0;
	sc_log("deferred DEREG_MR returned after %llu ms", (unsigned long long)took);
	if (sc_counts())
		sc_expect(took < delay, "the release (%u ms) did not run in the syscall", delay);
	sc_wait_release(ino, &rec, 5000);
	sc_expect_path(&rec, P2P_REL_DELAYED);
	if (sc_counts())
		sc_expect(rec.attaches == 1, "one attach (%u)", rec.attaches);
}

struct exit_child {
	int imp;
	uint32_t h;
	volatile bool stop;
};

static void *accessor(void *arg)
{
	struct exit_child *c = arg;
	struct p2p_dma_seg segs[8];
	uint32_t n;

	while (!c->stop)
		p2p_imp_check(c->imp, c->h, 0, sc->page, segs, 8, &n);
	return NULL;
}

/*
 * A child inherits a buffer, which the parent then closes, makes two more
 * on the inherited device fd, one with an MR of its own importer context,
 * sends their inode numbers and ends (exit(2) or SIGKILL, with or without
 * threads accessing the MR): every last reference goes in the exiting task.
 */
static void exit_holding(unsigned int nthreads, bool kill_it)
{
	struct p2p_rel_rec rec;
	pthread_t th[4];
	struct sc_dev d;
	uint64_t ino[3];
	int sv[2], status, i, fd;
	pid_t pid;

	sc_importer();
	sc_open_main(&d);
	sc_fresh_log();
	fd = sc_buf(&d, 0, 1);
	ino[2] = sc_ino(fd);
	SC_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ? -errno : 0);
	pid = fork();
	if (pid < 0)
		sc_fail("fork: %s", strerror(errno));
	if (!pid) {
		struct exit_child c = { 0 };
		uint64_t mine[2];
		int a, b;
		char x;

		close(sv[0]);
		a = sc_buf_try(&d, 0, 1);
		b = sc_buf_try(&d, 1, 1);
		c.imp = p2p_imp_open();
		if (a < 0 || b < 0 || c.imp < 0 || p2p_dmabuf_ino(a, &mine[0]) ||
		    p2p_dmabuf_ino(b, &mine[1]) ||
		    p2p_imp_reg(c.imp, b, 0, sc->page, sc_mr_flags(), P2P_MR_ACCESS_ALL, &c.h))
			_exit(2);
		for (i = 0; i < (int)nthreads; i++)
			if (pthread_create(&th[i], NULL, accessor, &c))
				_exit(3);
		if (write(sv[1], mine, sizeof(mine)) != sizeof(mine))
			_exit(4);
		/* Hold everything until told to go. */
		if (read(sv[1], &x, 1) != 1)
			_exit(5);
		_exit(0);
	}
	close(sv[1]);
	/* Only the child's fds may keep anything alive. */
	SC_OK(close(fd) ? -errno : 0);
	if (read(sv[0], ino, 2 * sizeof(ino[0])) != 2 * sizeof(ino[0])) {
		waitpid(pid, &status, 0);
		sc_fail("child could not set up (exit status %d)", WEXITSTATUS(status));
	}
	sc_log("child %d holds ino=%llu (inherited), ino=%llu and ino=%llu (with an MR), "
	       "%u thread(s)", pid, (unsigned long long)ino[2], (unsigned long long)ino[0],
	       (unsigned long long)ino[1], nthreads);
	sc_expect(sc_listed(d.dev.bdf, ino[2]), "the child's inherited buffer outlives our close");
	p2p_sleep_ms(nthreads ? 300 : 0);
	for (i = 0; i < 3; i++)
		sc_expect(!sc_released(ino[i], &rec), "nothing released while the child lives "
			  "(ino=%llu)", (unsigned long long)ino[i]);
	if (kill_it)
		SC_OK(kill(pid, SIGKILL) ? -errno : 0);
	else
		SC_OK(write(sv[0], "x", 1) == 1 ? 0 : -EPIPE);
	if (waitpid(pid, &status, 0) != pid)
		sc_fail("waitpid: %s", strerror(errno));
	sc_expect(kill_it ? WIFSIGNALED(status) : WIFEXITED(status) && !WEXITSTATUS(status),
		  "child ended as intended (status 0x%x)", status);
	for (i = 0; i < 3; i++) {
		sc_wait_release(ino[i], &rec, 3000);
		sc_expect_path(&rec, P2P_REL_EXIT);
	}
	close(sv[0]);
}

static void release_exit(void)
{
	exit_holding(0, false);
}

static void release_exit_threads(void)
{
	exit_holding(3, false);
}

static void release_killed_threads(void)
{
	exit_holding(3, true);
}

/*
 * SCM_RIGHTS to a second process, our fd closed, revoked while only the
 * other process holds it, then it closes: a close(2) release that counted
 * the revoke.
 */
static void scm_rights_revoke(void)
{
	struct p2p_buf_stat st;
	struct p2p_rel_rec rec;
	uint64_t ino, child_ino = 0;
	int sv[2], fd, status;
	struct sc_dev d;
	pid_t pid;
	char c;

	SC_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ? -errno : 0);
	/* Fork first: the child gets the buffer only through the socket. */
	pid = fork();
	if (pid < 0)
		sc_fail("fork: %s", strerror(errno));
	if (!pid) {
		uint64_t my_ino;
		int rfd;

		close(sv[0]);
		rfd = p2p_recv_fd(sv[1]);
		if (rfd < 0 || p2p_dmabuf_ino(rfd, &my_ino))
			_exit(2);
		if (write(sv[1], &my_ino, sizeof(my_ino)) != sizeof(my_ino))
			_exit(3);
		if (read(sv[1], &c, 1) != 1)
			_exit(4);
		_exit(close(rfd) ? 5 : 0);
	}
	close(sv[1]);
	sc_open_main(&d);
	sc_fresh_log();
	fd = sc_buf(&d, 0, 1);
	ino = sc_ino(fd);
	SC_OK(p2p_send_fd(sv[0], fd));
	SC_OK(read(sv[0], &child_ino, sizeof(child_ino)) == sizeof(child_ino) ? 0 : -EPIPE);
	sc_expect(child_ino == ino, "the other process holds the same buffer");
	SC_OK(close(fd) ? -errno : 0);
	sc_expect(sc_listed(d.dev.bdf, ino), "still listed: the other process holds it");

	sc_take_mmio(&d, true);
	if (sc_counts()) {
		sc_stat(d.dev.bdf, ino, &st);
		sc_expect(st.revoked == 1 && st.revokes == 1, "revoked once while held elsewhere");
	}

	SC_OK(write(sv[0], "c", 1) == 1 ? 0 : -EPIPE);
	if (waitpid(pid, &status, 0) != pid)
		sc_fail("waitpid: %s", strerror(errno));
	sc_expect(WIFEXITED(status) && !WEXITSTATUS(status), "holder closed it cleanly (0x%x)",
		  status);
	sc_wait_release(ino, &rec, 3000);
	sc_expect_path(&rec, P2P_REL_CLOSE);
	if (sc_counts())
		sc_expect(rec.revokes == 1, "release record counts the revoke (%u)", rec.revokes);
	sc_take_mmio(&d, false);
}

const struct scenario sc_release[] = {
	{ "release-close", release_close,
	  "last reference dropped by close(2): synchronous release (path close)", false },
	{ "release-dereg", release_dereg_task_work,
	  "last reference dropped inside DEREG_MR: release at syscall exit (task_work)", false },
	{ "release-deferred", release_dereg_deferred,
	  "last reference dropped by the importer's kworker (delayed_fput)", false },
	{ "release-exit", release_exit,
	  "process exits holding buffers and an MR (path exit)", false },
	{ "release-exit-threads", release_exit_threads,
	  "process with threads accessing an MR exits (path exit)", false },
	{ "release-killed-threads", release_killed_threads,
	  "process with threads accessing an MR is SIGKILLed (path exit)", false },
	{ "scm-rights-revoke", scm_rights_revoke,
	  "SCM_RIGHTS to a second process, original closed, revoke, holder closes", false },
};

const size_t sc_release_n = sizeof(sc_release) / sizeof(sc_release[0]);
