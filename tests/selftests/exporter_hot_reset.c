// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_hot_reset: who may revoke whose buffers through a hot reset.
 * Needs two functions of one slot bound to the exporter (boot.sh puts two
 * ivshmem behind root port 4; DMABUF_P2P_DEVICE_SIBLINGS="BDF BDF"): one
 * hot reset resets both, so a caller must own both, and one that does not
 * must not revoke the other's buffers on its way to being refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "common.h"
#include "harness.h"

struct sib_pair {
	char a[P2P_BDF_LEN];
	char b[P2P_BDF_LEN];
};

static void need_pair(struct sib_pair *p)
{
	const char *env = t_env("DMABUF_P2P_DEVICE_SIBLINGS");

	if (!env || sscanf(env, "%15s %15s", p->a, p->b) != 2)
		T_SKIP("no two functions of one slot bound to the exporter "
		       "(DMABUF_P2P_DEVICE_SIBLINGS)");
}

/*
 * The other process: opens @bdf, makes a buffer, reports its inode and
 * waits until told to go. Writes 0 if it cannot open the device (EBUSY:
 * both functions sit in one IOMMU group, held by the parent).
 */
static void holder(const char *bdf, int out, int in)
{
	struct tdev t;
	uint64_t ino = 0;
	char c;
	int fd;

	if (p2p_dev_open(bdf, &t.dev) == 0) {
		t.page = p2p_page_size();
		if (p2p_find_mem_bar(&t.dev, t.page, &t.bar, &t.bar_size) == 0) {
			fd = p2p_dmabuf_create(&t.dev, t.bar,
					       &(struct p2p_range){ 0, t.page }, 1,
					       O_RDWR | O_CLOEXEC);
			if (fd >= 0)
				ino = t_ino(fd);
		}
	}
	if (write(out, &ino, sizeof(ino)) != sizeof(ino))
		_exit(1);
	if (read(in, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

/* VFIO_DEVICE_PCI_HOT_RESET naming only the caller's own group. */
static int hot_reset_own_group_only(struct p2p_dev *dev)
{
	struct {
		struct vfio_pci_hot_reset hr;
		int32_t fd;
	} arg = {
		.hr = { .argsz = sizeof(arg), .flags = 0, .count = 1 },
		.fd = dev->group,
	};

	return ioctl(dev->device, VFIO_DEVICE_PCI_HOT_RESET, &arg) ? -errno : 0;
}

static void hot_reset_foreign_sibling(void)
{
	struct p2p_buf_stat st0, st;
	int to_child[2], from_child[2];
	struct sib_pair p;
	struct tdev ta;
	uint64_t ino = 0;
	int status, ret;
	pid_t pid;

	need_pair(&p);
	t_need_debugfs();
	t_open(&ta, p.a);
	ret = p2p_hot_reset_count(&ta.dev);
	if (ret < 2)
		T_SKIP("a hot reset of %s resets %d device(s), not its sibling too",
		       p.a, ret);

	ASSERT_SYSOK(pipe(to_child));
	ASSERT_SYSOK(pipe(from_child));
	pid = fork();
	ASSERT_SYSOK(pid);
	if (!pid) {
		close(to_child[1]);
		close(from_child[0]);
		holder(p.b, from_child[1], to_child[0]);
	}
	close(to_child[0]);
	close(from_child[1]);
	if (read(from_child[0], &ino, sizeof(ino)) != sizeof(ino))
		ino = 0;
	if (!ino) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		T_SKIP("%s cannot be opened by another process while %s is open "
		       "(one IOMMU group for both functions)", p.b, p.a);
	}

	t_stat(p.b, ino, &st0);
	ASSERT_EQ(st0.revoked, 0);
	/* vfio refuses: the caller does not own the sibling. */
	ret = hot_reset_own_group_only(&ta.dev);
	t_diag("hot reset of %s without %s's group: %s", p.a, p.b,
	       ret ? t_errname(-ret) : "ok");
	EXPECT_EQ(ret, -EINVAL);
	/* ... and the sibling's buffer never noticed the attempt. */
	t_stat(p.b, ino, &st);
	EXPECT_EQ(st.revoked, 0);
	EXPECT_EQ(st.revokes, st0.revokes);
	EXPECT_EQ(st.unrevokes, st0.unrevokes);

	close(to_child[1]);
	waitpid(pid, &status, 0);
	close(from_child[0]);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Owning both, the same reset goes through. */
	ASSERT_OK(p2p_hot_reset(&ta.dev));
}

T_DEVICE_FIXTURE(t_reset_knobs);

TEST_F(dmabuf_p2p, hot_reset_foreign_sibling) { hot_reset_foreign_sibling(); }

TEST_HARNESS_MAIN
