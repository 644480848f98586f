// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_lifetime: who drops a buffer's last reference, and where its
 * release runs (debugfs "releases" path=): close(2) synchronously, task_work
 * after DEREG_MR or after a revoker's put, delayed_fput from a kthread, task
 * exit; buffers that outlive their device; the module pinned by buffers.
 * The last case unloads and reloads the exporter (needs DMABUF_P2P_MODDIR).
 * The cases the CLI has as scenarios too run the scenario library's body
 * (t_scenario()): one body for both.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "harness.h"

#define EXP_MODULE "dmabuf_p2p_exp"

static void fresh_log(void)
{
	t_need_debugfs();
	ASSERT_OK(p2p_releases_clear());
}

static void expect_path(const struct p2p_rel_rec *r, const char *path)
{
	ASSERT_STREQ(r->path, path);
}

/* MR with a CHECK on it, so attaches and maps are both non-zero. */
static uint32_t mr_on(int imp, int fd, uint64_t len)
{
	struct p2p_dma_seg segs[8];
	uint32_t h, n;

	ASSERT_OK(p2p_imp_reg(imp, fd, 0, len, 0, P2P_MR_ACCESS_ALL, &h));
	ASSERT_OK(p2p_imp_check(imp, h, 0, len, segs, 8, &n));
	return h;
}

static void release_importer_close(void)
{
	struct p2p_rel_rec rec;
	struct tdev t;
	uint64_t ino;
	int imp, fd;

	imp = t_need_importer();
	t_open_main(&t);
	fresh_log();
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	mr_on(imp, fd, t.page);
	ASSERT_SYSOK(close(fd));
	ASSERT_FALSE(t_released(ino, &rec));
	/*
	 * The importer's release drops the MR's reference: an fput() nested in
	 * a close, so deferred (task_work; delayed_fput if the importer tears
	 * MRs down from a worker), never the synchronous close path.
	 */
	ASSERT_SYSOK(close(imp));
	t_wait_release(ino, &rec, 3000);
	if (strcmp(rec.path, P2P_REL_TASK_WORK) && strcmp(rec.path, P2P_REL_DELAYED))
		T_FAIL("path=%s, want task_work (or delayed_fput)", rec.path);
}

/* Sent but never received: closing the socket drops the in-flight file. */
static void release_scm_in_flight(void)
{
	struct p2p_rel_rec rec;
	struct tdev t;
	uint64_t ino;
	int sv[2], fd;

	ASSERT_SYSOK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	t_open_main(&t);
	fresh_log();
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	ASSERT_OK(p2p_send_fd(sv[0], fd));
	ASSERT_SYSOK(close(fd));
	ASSERT_TRUE(t_listed(t.dev.bdf, ino));
	ASSERT_SYSOK(close(sv[1]));
	ASSERT_SYSOK(close(sv[0]));
	t_wait_release(ino, &rec, 3000);
	if (strcmp(rec.path, P2P_REL_TASK_WORK) && strcmp(rec.path, P2P_REL_DELAYED))
		T_FAIL("path=%s, want a deferred put (task_work or delayed_fput)", rec.path);
}

/*
 * The race the negative control turns into a deadlock, done right: a
 * revoker holds its reference (revoke_hold_ms) while we close the fd, so
 * the revoker's put is the last; it must run as task_work, after the
 * revoke dropped memory_lock, not synchronously under it.
 */
static void release_by_revoker_after_close(void)
{
	const unsigned int hold = 1000;
	struct p2p_rel_rec rec;
	uint64_t ino, t0, took;
	int fd, status, seen;
	struct tdev t;
	pid_t pid;

	t_open_main(&t);
	fresh_log();
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	t_set_knob(NULL, "revoke_hold_ms", hold);
	pid = fork();
	ASSERT_SYSOK(pid);
	if (!pid) {
		close(fd);
		_exit(p2p_knob_revoke(t.dev.bdf, true) ? 1 : 0);
	}
	seen = t_wait_task_sleeping(pid, 3000);
	if (seen <= 0)
		T_FAIL("revoker %s before we could close (revoke_hold_ms ignored?)",
		       seen < 0 ? "finished" : "never slept");
	t0 = p2p_now_ms();
	ASSERT_SYSOK(close(fd));
	took = p2p_now_ms() - t0;
	t_diag("close while the revoker holds a reference took %llu ms",
	       (unsigned long long)took);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	t_wait_release(ino, &rec, 3000);
	expect_path(&rec, P2P_REL_TASK_WORK);
	ASSERT_EQ(rec.revokes, 1);
	ASSERT_LT(took, hold);
}

struct unbind_job {
	char bdf[P2P_BDF_LEN];
	volatile bool done;
	int ret;
};

static void *unbind_fn(void *arg)
{
	struct unbind_job *j = arg;

	j->ret = p2p_write_file("/sys/bus/pci/drivers/" P2P_EXP_DRIVER "/unbind", j->bdf);
	j->done = true;
	return NULL;
}

/*
 * Unbinding the driver while the device is open and a buffer with an MR
 * lives: vfio waits for the user to close the device, that close revokes
 * and cuts the buffer off, and the buffer outlives the binding, stays
 * revoked and closes cleanly. The device is bound again afterwards.
 */
static void unbind_with_live_buffer(void)
{
	char bdf[P2P_BDF_LEN], drv[64];
	struct p2p_dma_seg segs[8];
	struct unbind_job j = { 0 };
	struct p2p_rel_rec rec;
	uint32_t h = 0, n;
	struct tdev t;
	pthread_t th;
	uint64_t ino;
	int fd, imp;

	t_open_main(&t);
	fresh_log();
	snprintf(bdf, sizeof(bdf), "%s", t.dev.bdf);
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	imp = t_importer();
	if (imp >= 0)
		h = mr_on(imp, fd, t.page);

	snprintf(j.bdf, sizeof(j.bdf), "%s", bdf);
	ASSERT_EQ(pthread_create(&th, NULL, unbind_fn, &j), 0);
	p2p_sleep_ms(300);
	/* vfio holds the unbind until the device is closed. */
	EXPECT_FALSE(j.done);
	if (imp >= 0)
		EXPECT_EQ(p2p_imp_check(imp, h, 0, t.page, segs, 8, &n), 0);
	p2p_dev_close(&t.dev);
	pthread_join(th, NULL);
	ASSERT_OK(j.ret);
	ASSERT_ERR(p2p_pci_driver(bdf, drv, sizeof(drv)), ENOENT, ENODEV);

	if (imp >= 0) {
		ASSERT_ERR(p2p_imp_check(imp, h, 0, t.page, segs, 8, &n), ENODEV);
		ASSERT_OK(p2p_imp_dereg(imp, h, 0));
		close(imp);
	}
	ASSERT_SYSOK(close(fd));
	t_wait_release(ino, &rec, 2000);
	expect_path(&rec, P2P_REL_CLOSE);
	ASSERT_GE(rec.revokes, 1);

	ASSERT_OK(p2p_pci_bind(bdf, P2P_EXP_DRIVER));
	ASSERT_OK(p2p_debugfs_ensure());
	t_open(&t, bdf);
	fd = t_create_pages(&t, 0, 1);
	ASSERT_TRUE(t_listed(bdf, t_ino(fd)));
	close(fd);
}

struct close_job {
	int fd;
	volatile bool done;
};

static void *close_fn(void *arg)
{
	struct close_job *c = arg;

	close(c->fd);
	c->done = true;
	return NULL;
}

/*
 * A buffer whose release is under way when the device is closed is left
 * on the device's list (it is dying, nothing to cut off) and takes
 * memory_lock to unlink when its release goes on. The unbind must not
 * return before that: the buffer holds the vfio device, and vfio keeps a
 * held device on its dev_set, where a later hot reset of a sibling or a
 * new binding would find a device without a driver.
 */
static void unbind_waits_for_dying_buffer(void)
{
	const unsigned int delay = 1500;
	struct close_job c = { 0 };
	char bdf[P2P_BDF_LEN];
	struct p2p_rel_rec rec;
	uint64_t ino, t0;
	struct tdev t;
	pthread_t th;
	int fd;

	t_open_main(&t);
	fresh_log();
	snprintf(bdf, sizeof(bdf), "%s", t.dev.bdf);
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	t_set_knob(NULL, "release_delay_ms", delay);
	c.fd = fd;
	ASSERT_EQ(pthread_create(&th, NULL, close_fn, &c), 0);
	p2p_sleep_ms(300);
	/* The release is sleeping before it takes memory_lock. */
	EXPECT_FALSE(c.done);
	EXPECT_FALSE(t_released(ino, &rec));

	t0 = p2p_now_ms();
	p2p_dev_close(&t.dev);
	ASSERT_OK(p2p_write_file("/sys/bus/pci/drivers/" P2P_EXP_DRIVER "/unbind", bdf));
	t_diag("close + unbind took %llu ms, release_delay_ms=%u",
	       (unsigned long long)(p2p_now_ms() - t0), delay);
	/* Unbind returned: the release has unlinked the buffer already. */
	EXPECT_TRUE(t_released(ino, &rec));
	pthread_join(th, NULL);
	t_set_knob(NULL, "release_delay_ms", 0);
	ASSERT_TRUE(t_released(ino, &rec));
	expect_path(&rec, P2P_REL_CLOSE);

	ASSERT_OK(p2p_pci_bind(bdf, P2P_EXP_DRIVER));
	ASSERT_OK(p2p_debugfs_ensure());
	t_open(&t, bdf);
	fd = t_create_pages(&t, 0, 1);
	ASSERT_TRUE(t_listed(bdf, t_ino(fd)));
	close(fd);
}

static bool module_has_holders(char *who, size_t len)
{
	struct dirent *de;
	DIR *d = opendir("/sys/module/" EXP_MODULE "/holders");
	bool any = false;

	who[0] = '\0';
	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (strlen(who) + strlen(de->d_name) + 2 < len) {
			if (any)
				strcat(who, ",");
			strcat(who, de->d_name);
		}
		any = true;
	}
	closedir(d);
	return any;
}

static void rmmod_refused_while_buffer_lives(void)
{
	struct p2p_rel_rec rec;
	struct tdev t;
	uint64_t ino;
	int fd;

	if (!p2p_module_loaded(EXP_MODULE))
		T_SKIP(EXP_MODULE " is not a loaded module (built in?)");
	t_open_main(&t);
	fresh_log();
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	/* Only the buffer is left to pin the module. */
	p2p_dev_close(&t.dev);
	ASSERT_ERR(p2p_module_unload(EXP_MODULE), EBUSY, EWOULDBLOCK);
	ASSERT_TRUE(p2p_module_loaded(EXP_MODULE));
	ASSERT_SYSOK(close(fd));
	t_wait_release(ino, &rec, 2000);
	expect_path(&rec, P2P_REL_CLOSE);
}

/* Last: with no buffer left the module unloads; reload and rebind it. */
static void rmmod_allowed_after_release(void)
{
	static const char *const envs[] = {
		"DMABUF_P2P_DEVICE", "DMABUF_P2P_DEVICE_FLR", "DMABUF_P2P_DEVICE_PM",
		"DMABUF_P2P_DEVICE_NEAR" };
	char ko[512], who[256], bdf[P2P_BDF_LEN], drv[64], params[32] = "";
	uint64_t deadline;
	struct tdev t;
	size_t i;
	int ret, fd;

	if (!p2p_module_loaded(EXP_MODULE))
		T_SKIP(EXP_MODULE " is not a loaded module (built in?)");
	if (p2p_module_find(t_env("DMABUF_P2P_MODDIR"), EXP_MODULE, ko, sizeof(ko)))
		T_SKIP("cannot reload afterwards: %s", p2p_last_error());
	if (module_has_holders(who, sizeof(who)))
		T_SKIP(EXP_MODULE " is used by modules %s", who);
	/* Loaded again as it was: the rig lets the importer's platform device map. */
	if (t_exp_param_bool("allow_non_pci") == 1)
		snprintf(params, sizeof(params), "allow_non_pci=1");
	t_diag("unloading, then reloading %s %s", ko, params);

	/* Releases still queued (delayed_fput) may pin it a little longer. */
	deadline = p2p_now_ms() + 5000;
	while ((ret = p2p_module_unload(EXP_MODULE)) == -EWOULDBLOCK || ret == -EBUSY) {
		if (p2p_now_ms() >= deadline)
			break;
		p2p_sleep_ms(100);
	}
	ASSERT_OK(ret);
	ASSERT_FALSE(p2p_module_loaded(EXP_MODULE));

	ASSERT_OK(p2p_module_load(ko, params));
	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		const char *v = t_env(envs[i]);

		if (!v || p2p_bdf_normalize(v, bdf))
			continue;
		ASSERT_OK(p2p_pci_bind(bdf, P2P_EXP_DRIVER));
		ASSERT_OK(p2p_pci_driver(bdf, drv, sizeof(drv)));
		ASSERT_STREQ(drv, P2P_EXP_DRIVER);
	}
	ASSERT_OK(p2p_debugfs_ensure());
	t_open_main(&t);
	fd = t_create_pages(&t, 0, 1);
	ASSERT_TRUE(t_listed(t.dev.bdf, t_ino(fd)));
	close(fd);
}

T_DEVICE_FIXTURE(t_reset_knobs);

/*
 * The scenario library's (userspace/scenarios/release.c, revoke.c), the
 * bodies the CLI's scenarios of those names run. release-close covers
 * both close cases (synchronous, with a release_delay_ms to wait out);
 * release-exit and release-killed-threads the child that inherits a buffer.
 */
TEST_F(dmabuf_p2p, release_close) { t_scenario("release-close"); }
TEST_F(dmabuf_p2p, release_close_is_synchronous) { t_scenario("release-close"); }
TEST_F(dmabuf_p2p, release_dereg_task_work) { t_scenario("release-dereg"); }
TEST_F(dmabuf_p2p, release_dereg_deferred) { t_scenario("release-deferred"); }
TEST_F(dmabuf_p2p, release_importer_close) { release_importer_close(); }
TEST_F(dmabuf_p2p, release_child_exit) { t_scenario("release-exit"); }
TEST_F(dmabuf_p2p, release_child_killed) { t_scenario("release-killed-threads"); }
TEST_F(dmabuf_p2p, release_scm_rights_revoked) { t_scenario("scm-rights-revoke"); }
TEST_F(dmabuf_p2p, release_scm_in_flight) { release_scm_in_flight(); }
TEST_F(dmabuf_p2p, release_by_revoker_after_close) { release_by_revoker_after_close(); }
TEST_F(dmabuf_p2p, device_close_live_buffer) { t_scenario("device-close"); }
TEST_F(dmabuf_p2p, unbind_with_live_buffer) { unbind_with_live_buffer(); }
TEST_F(dmabuf_p2p, unbind_waits_for_dying_buffer) { unbind_waits_for_dying_buffer(); }
TEST_F(dmabuf_p2p, rmmod_refused_while_buffer_lives) { rmmod_refused_while_buffer_lives(); }
TEST_F_TIMEOUT(dmabuf_p2p, rmmod_allowed_after_release, 30) { rmmod_allowed_after_release(); }

TEST_HARNESS_MAIN
