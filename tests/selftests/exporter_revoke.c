// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_revoke: every revoke trigger against a live buffer, checked on
 * the exporter's counters (debugfs <BDF>/buffers) and on importer MRs:
 * move_notify invalidates them, access fails with ENODEV while revoked,
 * and they remap once MMIO is back. The trigger_* cases are the scenario
 * library's revoke-* and device-close (the CLI's scenarios of those names):
 * one body for both. And a hot reset stalled in its copy of user memory
 * (userfaultfd) holds up no other device's; the knob's own semantics; a
 * slow importer.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"
#include "harness.h"

/*
 * hot_reset_user_copy_stall: a hot reset whose group_fds[] sit on a page
 * that userfaultfd keeps missing must hold up nobody but its caller.
 */

/* A hot reset in a thread: of @hr as the caller laid it out, or (NULL) p2p_hot_reset(). */
struct hr_job {
	struct p2p_dev *dev;
	struct vfio_pci_hot_reset *hr;
	uint64_t took_ms;
	int ret;
	char err[512];
	bool done;
};

static void *hr_fn(void *arg)
{
	struct hr_job *j = arg;
	uint64_t t0 = p2p_now_ms();

	j->ret = j->hr ? p2p_hot_reset_issue(j->dev, j->hr) : p2p_hot_reset(j->dev);
	if (j->ret)
		snprintf(j->err, sizeof(j->err), "%s", p2p_last_error());
	j->took_ms = p2p_now_ms() - t0;
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* True once @j is done, false if it is not within @timeout_ms. */
static bool hr_wait(struct hr_job *j, unsigned int timeout_ms)
{
	uint64_t deadline = p2p_now_ms() + timeout_ms;

	while (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE)) {
		if (p2p_now_ms() >= deadline)
			return false;
		p2p_sleep_ms(10);
	}
	return true;
}

/* Does a hot reset of @dev reset @dev alone? If not, why not, into @why. */
static bool hot_reset_alone(struct p2p_dev *dev, char *why, size_t len)
{
	struct vfio_pci_dependent_device *devs;
	char bdf[P2P_BDF_LEN] = "";
	int n, i;

	n = p2p_hot_reset_devices(dev, &devs);
	if (n < 0) {
		snprintf(why, len, "%s", p2p_last_error());
		return false;
	}
	for (i = 0; i < n; i++) {
		p2p_hot_reset_dev_bdf(&devs[i], bdf);
		if (strcmp(bdf, dev->bdf))
			break;
	}
	free(devs);
	if (n == 1 && i == n)
		return true;
	if (i < n)
		snprintf(why, len, "%s: its hot reset also resets %s", dev->bdf, bdf);
	else
		snprintf(why, len, "%s: its hot reset lists %d devices", dev->bdf, n);
	return false;
}

/*
 * Two devices of ours, each alone in its hot reset (so neither's reset
 * involves the other, and neither needs another group's fd): @b with a
 * memory BAR for a buffer, @a any. Skips, saying why, without two.
 */
static void pick_pair(struct tdev *a, struct tdev *b)
{
	char bdfs[32][P2P_BDF_LEN], why[1024] = "";
	bool have_a = false, have_b = false;
	uint64_t page = p2p_page_size();
	int i, n;

	n = p2p_pci_driver_devices(P2P_EXP_DRIVER, bdfs, 32);
	if (n < 0)
		T_FAIL("%s", p2p_last_error());
	for (i = 0; i < n && !(have_a && have_b); i++) {
		struct tdev t = { .page = page };
		char one[256];
		size_t len;

		if (p2p_dev_open(bdfs[i], &t.dev)) {
			snprintf(one, sizeof(one), "%s", p2p_last_error());
		} else if (!hot_reset_alone(&t.dev, one, sizeof(one))) {
			p2p_dev_close(&t.dev);
		} else if (!have_b && !p2p_find_mem_bar(&t.dev, page, &t.bar, &t.bar_size)) {
			*b = t;
			have_b = true;
			continue;
		} else if (!have_a) {
			*a = t;
			have_a = true;
			continue;
		} else {
			snprintf(one, sizeof(one), "%s", p2p_last_error());
			p2p_dev_close(&t.dev);
		}
		len = strlen(why);
		snprintf(why + len, sizeof(why) - len, "; %s", one);
	}
	if (have_a && have_b)
		return;
	if (have_a)
		p2p_dev_close(&a->dev);
	if (have_b)
		p2p_dev_close(&b->dev);
	T_SKIP("need two devices bound to " P2P_EXP_DRIVER " whose hot resets reset only "
	       "themselves, one with a memory BAR: %d bound%s", n, why);
}

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd;

	/* Not UFFD_USER_MODE_ONLY: the faults to catch are the kernel's copies. */
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOSYS)
		T_SKIP("userfaultfd(2): ENOSYS: kernel built without CONFIG_USERFAULTFD");
	if (fd < 0)
		T_FAIL("userfaultfd(2): %s (%s)%s", t_errname(errno), strerror(errno),
		       errno == EPERM ? "; not root, and vm.unprivileged_userfaultfd=0?" : "");
	ASSERT_SYSOK(ioctl(fd, UFFDIO_API, &api));
	return fd;
}

/* The next page fault on @uffd within @timeout_ms: 0, or -errno (-ETIMEDOUT). */
static int uffd_wait_fault(int uffd, unsigned int timeout_ms, struct uffd_msg *msg)
{
	uint64_t deadline = p2p_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };

	for (;;) {
		uint64_t now = p2p_now_ms();
		ssize_t n;
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, deadline - now);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		n = read(uffd, msg, sizeof(*msg));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n != sizeof(*msg))
			return -EIO;
		if (msg->event == UFFD_EVENT_PAGEFAULT)
			return 0;
	}
}

/* Fill the missing page @dst from @src, waking who waits on it: 0 or -errno. */
static int uffd_fill(int uffd, void *dst, const void *src, uint64_t page)
{
	struct uffdio_copy c = {
		.dst = (uintptr_t)dst, .src = (uintptr_t)src, .len = page,
	};

	if (ioctl(uffd, UFFDIO_COPY, &c) < 0)
		return -errno;
	return c.copy == (int64_t)page ? 0 : -EIO;
}

/* The first failure is the verdict, said at the end; every one is a diagnostic. */
static void __attribute__((format(printf, 3, 4)))
verdict(char *buf, size_t len, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t_diag("%s", msg);
	if (!buf[0])
		snprintf(buf, len, "%s", msg);
}

/*
 * VFIO_DEVICE_PCI_HOT_RESET on A with group_fds[] on a page userfaultfd
 * keeps missing: the copy of them (the exporter's own, made before it takes
 * any lock) stalls until we fill the page. Meanwhile a hot reset of B, a
 * device in no reset of A's, must go through: nothing global may be held
 * across a user copy. Then A's reset must succeed from the filled page.
 */
static void hot_reset_user_copy_stall(void)
{
	const size_t hdr_len = offsetof(struct vfio_pci_hot_reset, group_fds);
	const unsigned int fault_ms = 5000, b_ms = 5000, join_ms = 15000;
	struct hr_job ja = { 0 }, jb = { 0 };
	bool a_joined = false, b_started = false, b_in_time = false, b_joined = false;
	struct p2p_hot_reset_groups g;
	struct vfio_pci_hot_reset *hr;
	struct uffdio_register reg;
	struct p2p_buf_stat st0, st;
	uint64_t page = p2p_page_size(), ino;
	char *map, *fill, *hole, fail[512] = "";
	struct uffd_msg msg;
	pthread_t tha, thb;
	struct tdev a, b;
	unsigned int i;
	int uffd, fd, ret, plain;

	uffd = uffd_open();
	t_need_debugfs();
	pick_pair(&a, &b);
	t_diag("A=%s: hot reset with group_fds[] on a missing page; B=%s: hot reset "
	       "meanwhile, buffer on BAR%u", a.dev.bdf, b.dev.bdf, b.bar);

	fd = t_create_pages(&b, 0, 1);
	ino = t_ino(fd);
	t_stat(b.dev.bdf, ino, &st0);
	ASSERT_EQ(st0.revoked, 0);

	/* A's argument: the header ends page 0, group_fds[] opens page 1. */
	ASSERT_OK(p2p_hot_reset_groups_get(&a.dev, &g));
	ASSERT_GE(g.count, 1);
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	fill = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(fill != MAP_FAILED);
	hole = map + page;
	hr = (struct vfio_pci_hot_reset *)(hole - hdr_len);
	ASSERT_TRUE((char *)hr->group_fds == hole);
	hr->argsz = hdr_len + g.count * sizeof(hr->group_fds[0]);
	hr->flags = 0;
	hr->count = g.count;
	for (i = 0; i < g.count; i++)
		((int32_t *)fill)[i] = g.fds[i];
	/* Page 1 is never touched here: it stays missing until uffd_fill(). */
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)hole;
	reg.range.len = page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_SYSOK(ioctl(uffd, UFFDIO_REGISTER, &reg));

	ja.dev = &a.dev;
	ja.hr = hr;
	ASSERT_EQ(pthread_create(&tha, NULL, hr_fn, &ja), 0);

	/* From here on every way out fills the page and joins first. */
	ret = uffd_wait_fault(uffd, fault_ms, &msg);
	if (ret) {
		bool done = __atomic_load_n(&ja.done, __ATOMIC_ACQUIRE);

		verdict(fail, sizeof(fail), "no fault on A's group_fds[] page within %u ms "
			"(%s); A's hot reset %s", fault_ms, t_errname(-ret),
			done ? (ja.ret ? ja.err : "returned 0") : "still running");
	} else if ((msg.arg.pagefault.address & ~(page - 1)) != (uintptr_t)hole) {
		verdict(fail, sizeof(fail), "fault at 0x%llx, not on group_fds[] at %p",
			(unsigned long long)msg.arg.pagefault.address, (void *)hole);
	} else {
		t_diag("A's hot reset is stalled copying group_fds[] (%s)",
		       msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE ? "write" : "read");
		jb.dev = &b.dev;
		ret = pthread_create(&thb, NULL, hr_fn, &jb);
		if (ret) {
			verdict(fail, sizeof(fail), "pthread_create: %s", strerror(ret));
		} else {
			b_started = true;
			b_in_time = hr_wait(&jb, b_ms);
			if (!b_in_time)
				verdict(fail, sizeof(fail), "hot reset of B blocked behind A's "
					"stalled user copy (not back within %u ms)", b_ms);
			else
				t_diag("hot reset of B took %llu ms while A was stalled",
				       (unsigned long long)jb.took_ms);
		}
		if (__atomic_load_n(&ja.done, __ATOMIC_ACQUIRE))
			verdict(fail, sizeof(fail), "A's hot reset returned with group_fds[] "
				"still missing: %s", ja.ret ? ja.err : "0");
	}

	/* Let A go, whatever happened, so no thread is left in the kernel. */
	ret = uffd_fill(uffd, hole, fill, page);
	if (ret)
		verdict(fail, sizeof(fail), "UFFDIO_COPY of group_fds[]: %s", t_errname(-ret));
	if (hr_wait(&ja, join_ms)) {
		pthread_join(tha, NULL);
		a_joined = true;
	} else {
		verdict(fail, sizeof(fail), "A's hot reset not back %u ms after its page was "
			"filled", join_ms);
	}
	if (b_started) {
		if (hr_wait(&jb, join_ms)) {
			pthread_join(thb, NULL);
			b_joined = true;
			if (!b_in_time)
				t_diag("hot reset of B came back only after A's copy went on: "
				       "%llu ms in all", (unsigned long long)jb.took_ms);
		} else {
			verdict(fail, sizeof(fail), "hot reset of B not back %u ms after A's page "
				"was filled", join_ms);
		}
	}
	/* A thread still inside an ioctl may use all of this: leave it to exit. */
	if (!a_joined || (b_started && !b_joined))
		T_FAIL("%s", fail);

	if (b_joined && jb.ret)
		verdict(fail, sizeof(fail), "hot reset of B: %s", jb.err);
	/*
	 * A itself need not be resettable (QEMU's nvme refuses with ENOTTY):
	 * the stall must only not change what its reset returns.
	 */
	plain = p2p_hot_reset(&a.dev);
	if (ja.ret != plain)
		verdict(fail, sizeof(fail), "hot reset of A with its copy stalled: %s; "
			"without: %s", ja.ret ? ja.err : "ok",
			plain ? p2p_last_error() : "ok");
	else if (!fail[0])
		t_diag("hot reset of A took %llu ms, the stall included: %s",
		       (unsigned long long)ja.took_ms, ja.ret ? ja.err : "ok");
	if (b_joined && !jb.ret) {
		/* One reset of B: revoked, and back; A's reset did not touch it. */
		t_stat(b.dev.bdf, ino, &st);
		EXPECT_EQ(st.revoked, 0);
		EXPECT_EQ(st.revokes, st0.revokes + 1);
		EXPECT_EQ(st.unrevokes, st0.unrevokes + 1);
	}

	close(fd);
	p2p_hot_reset_groups_put(&g);
	p2p_dev_close(&a.dev);
	p2p_dev_close(&b.dev);
	close(uffd);
	munmap(fill, page);
	munmap(map, 2 * page);
	if (fail[0])
		T_FAIL("%s", fail);
}

static void knob_reads_back_state(void)
{
	char buf[16];
	struct tdev t;
	int fd;

	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	ASSERT_OK(p2p_exp_knob_read(t.dev.bdf, "revoke", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "0");
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, true));
	ASSERT_OK(p2p_exp_knob_read(t.dev.bdf, "revoke", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "1");
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, false));
	ASSERT_OK(p2p_exp_knob_read(t.dev.bdf, "revoke", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "0");
	close(fd);
}

/* Knob "0" must not unrevoke while COMMAND.MEM is still off. */
static void unrevoke_waits_for_mmio(void)
{
	struct p2p_buf_stat st;
	struct tdev t;
	uint64_t ino;
	int fd, ret;

	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	ASSERT_OK(p2p_set_mem_enable(&t.dev, false));
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 1);
	ret = p2p_knob_revoke(t.dev.bdf, false);
	t_diag("knob 0 with MEM off: %s", ret ? p2p_last_error() : "accepted");
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 1);
	ASSERT_EQ(st.unrevokes, 0);
	ASSERT_OK(p2p_set_mem_enable(&t.dev, true));
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 0);
	ASSERT_EQ(st.unrevokes, 1);
	close(fd);
}

/* A buffer made while MEM is off starts revoked and cannot be attached. */
static void created_while_mem_off(void)
{
	struct p2p_buf_stat st;
	struct tdev t;
	uint32_t h;
	uint64_t ino;
	int fd, imp;

	t_open_main(&t);
	t_need_debugfs();
	ASSERT_OK(p2p_set_mem_enable(&t.dev, false));
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 1);
	imp = t_importer();
	if (imp >= 0)
		ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h), ENODEV);
	ASSERT_OK(p2p_set_mem_enable(&t.dev, true));
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 0);
	ASSERT_EQ(st.unrevokes, 1);
	if (imp >= 0) {
		ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h));
		ASSERT_OK(p2p_imp_dereg(imp, h, 0));
		close(imp);
	}
	close(fd);
}

static void revoke_reaches_every_buffer(void)
{
	struct p2p_buf_stat st;
	uint64_t ino[3];
	struct tdev t;
	int fd[3], i;

	t_open_main(&t);
	t_need_debugfs();
	fd[0] = t_create_pages(&t, 0, 1);
	fd[1] = t_create_pages(&t, 1, 1);
	fd[2] = t_create_pages(&t, 0, 2);
	for (i = 0; i < 3; i++)
		ino[i] = t_ino(fd[i]);
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, true));
	for (i = 0; i < 3; i++) {
		t_stat(t.dev.bdf, ino[i], &st);
		ASSERT_EQ(st.revoked, 1);
		ASSERT_EQ(st.revokes, 1);
	}
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, false));
	for (i = 0; i < 3; i++) {
		t_stat(t.dev.bdf, ino[i], &st);
		ASSERT_EQ(st.revoked, 0);
		ASSERT_EQ(st.unrevokes, 1);
		close(fd[i]);
	}
}

static void attach_refused_while_revoked(void)
{
	struct p2p_query_mr q;
	struct tdev t;
	uint32_t h;
	int fd, imp;

	imp = t_need_importer();
	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, true));
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h), ENODEV);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, P2P_MR_PINNED, P2P_MR_ACCESS_ALL, &h),
		   ENODEV);
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, false));
	h = sc_mr(imp, fd, t.page);
	sc_mr_expect_mapped(imp, h, t.page, &q);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
}

/* Revoke waits for the importer's fence (a slow move_notify) to finish. */
static void revoke_waits_for_slow_importer(void)
{
	const unsigned int delay = 300;
	struct p2p_query_mr q0;
	struct p2p_buf_stat st;
	struct tdev t;
	uint64_t t0, took;
	uint32_t h;
	int fd, imp;

	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	imp = t_need_importer();
	h = sc_mr(imp, fd, t.page);
	sc_mr_expect_mapped(imp, h, t.page, &q0);
	if (p2p_imp_knob_set("move_notify_delay_ms", delay))
		T_SKIP("%s", p2p_last_error());
	t0 = p2p_now_ms();
	ASSERT_OK(p2p_set_mem_enable(&t.dev, false));
	took = p2p_now_ms() - t0;
	t_diag("MEM off took %llu ms with a %u ms move_notify", (unsigned long long)took,
	       delay);
	ASSERT_GE(took, delay);
	sc_mr_expect_revoked(imp, h, t.page, &q0);
	ASSERT_OK(p2p_imp_knob_set("move_notify_delay_ms", 0));
	ASSERT_OK(p2p_set_mem_enable(&t.dev, true));
	t_stat(t.dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.revoked, 0);
	sc_mr_expect_remapped(imp, h, t.page, &q0);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(imp);
	close(fd);
}

T_DEVICE_FIXTURE(t_reset_knobs);

/* The scenario library's (userspace/scenarios/revoke.c): the CLI's revoke-*. */
TEST_F(dmabuf_p2p, trigger_mem) { t_scenario("revoke-mem"); }
TEST_F(dmabuf_p2p, trigger_d3hot) { t_scenario("revoke-d3hot"); }
TEST_F(dmabuf_p2p, trigger_flr) { t_scenario("revoke-flr"); }
TEST_F(dmabuf_p2p, trigger_af_flr) { t_scenario("revoke-af-flr"); }
TEST_F(dmabuf_p2p, trigger_reset) { t_scenario("revoke-reset"); }
TEST_F(dmabuf_p2p, trigger_hot_reset) { t_scenario("revoke-hot-reset"); }
TEST_F_TIMEOUT(dmabuf_p2p, hot_reset_user_copy_stall, 60) { hot_reset_user_copy_stall(); }
TEST_F(dmabuf_p2p, trigger_knob) { t_scenario("revoke-knob"); }
TEST_F(dmabuf_p2p, trigger_device_close) { t_scenario("device-close"); }
TEST_F(dmabuf_p2p, knob_reads_back_state) { knob_reads_back_state(); }
TEST_F(dmabuf_p2p, unrevoke_waits_for_mmio) { unrevoke_waits_for_mmio(); }
TEST_F(dmabuf_p2p, created_while_mem_off) { created_while_mem_off(); }
TEST_F(dmabuf_p2p, revoke_reaches_every_buffer) { revoke_reaches_every_buffer(); }
TEST_F(dmabuf_p2p, attach_refused_while_revoked) { attach_refused_while_revoked(); }
TEST_F(dmabuf_p2p, revoke_waits_for_slow_importer) { revoke_waits_for_slow_importer(); }

TEST_HARNESS_MAIN
