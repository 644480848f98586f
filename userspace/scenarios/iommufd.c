// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario: iommufd as the in-kernel importer. Upstream vfio-pci's dma-buf
 * is mapped into an iommufd IOAS (IOMMU_IOAS_MAP_FILE) beside user memory,
 * and QEMU's edu device, attached to that IOAS through its vfio cdev, moves
 * real bytes between the two by IOVA. iommufd's revoke is final for a
 * mapping: after COMMAND.MEM goes off and on, the IOVA stays dead until it
 * is unmapped and the dma-buf mapped again. The IOAS holds a reference of
 * its own: the buffer outlives its fd and goes with the unmap.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iommufd.h"
#include "scenario.h"

#define USER_IOVA	0x100000ULL	/* 2 pages of user memory */
#define BAR_IOVA	0x200000ULL	/* the dma-buf: BAR pages 1..2 */
#define BAR_PAGES	4		/* watched through vfio's mmap */
#define EDU_TIMEOUT_MS	2000

/* Pages 0 and 3 of the BAR mapping, either side of the buffer. */
static void expect_edges(volatile uint8_t *bar, const uint8_t *fill, size_t pg)
{
	sc_expect_bar(bar, 0, fill, pg, "page before the buffer untouched");
	sc_expect_bar(bar, 3 * pg, fill, pg, "page after the buffer untouched");
}

static void edu_copy(void *regs, uint64_t src, uint64_t dst, size_t len)
{
	if (p2p_edu_copy(regs, src, dst, len, EDU_TIMEOUT_MS))
		sc_fail("edu 0x%llx -> 0x%llx: %s", (unsigned long long)src,
			(unsigned long long)dst, p2p_last_error());
}

/* The scenario proper, in a child of its own: see iommufd_edu(). */
static void run(const char *edu)
{
	size_t pg = sc->page, i;
	uint8_t *user, *want, *fill;
	volatile uint8_t *bar;
	struct p2p_rel_rec rec;
	struct p2p_cdev cd;
	struct sc_dev d;
	uint64_t ino, n;
	void *regs, *p;
	uint32_t ioas;
	char fault[48], hit[256] = "";
	const char *const needles[] = { fault, NULL };
	int ifd, fd, ret, kmsg;

	ifd = SC_OK(p2p_iommufd_open());
	SC_OK(p2p_ioas_alloc(ifd, &ioas));
	ret = p2p_cdev_open(edu, ifd, ioas, &cd);
	if (ret == -ENOENT)
		sc_skip("%s", p2p_last_error());
	if (ret)
		sc_fail("%s", p2p_last_error());
	SC_OK(p2p_cdev_bar_mmap(&cd, 0, pg, &regs));
	SC_OK(p2p_cdev_enable(&cd));
	SC_OK(p2p_edu_check(regs));
	sc_log("edu %s: vfio cdev bound (dev %u), attached to IOAS %u (hwpt %u)", edu,
	       cd.devid, ioas, cd.hwpt_id);

	user = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	want = malloc(pg);
	fill = malloc(pg);
	if (user == MAP_FAILED || !want || !fill)
		sc_fail("out of memory");
	memset(fill, 0x5a, pg);
	SC_OK(p2p_ioas_map(ifd, ioas, user, 2 * pg, USER_IOVA));

	sc_open_main(&d);
	if (d.bar_size < BAR_PAGES * pg)
		sc_skip("needs %u pages in BAR%u of %s", BAR_PAGES, d.bar, d.dev.bdf);
	fd = sc_buf(&d, 1, 2);
	ino = sc_ino(fd);
	SC_OK(p2p_bar_mmap(&d.dev, d.bar, 0, BAR_PAGES * pg, PROT_READ | PROT_WRITE, &p));
	bar = p;
	for (i = 0; i < BAR_PAGES * pg; i++)
		bar[i] = 0x5a;
	SC_OK(p2p_ioas_map_file(ifd, ioas, fd, 0, 2 * pg, BAR_IOVA));
	sc_log("dma-buf ino=%llu (%s BAR%u pages 1..2) at IOVA 0x%llx, user memory at 0x%llx",
	       (unsigned long long)ino, d.dev.bdf, d.bar, BAR_IOVA, USER_IOVA);

	/* Memory to BAR, then BAR to memory, by IOVA. */
	sc_pattern(user, 2 * pg, 1);
	edu_copy(regs, USER_IOVA, BAR_IOVA, 2 * pg);
	sc_expect_bar(bar, pg, user, 2 * pg, "edu's write through iommufd landed");
	expect_edges(bar, fill, pg);

	sc_pattern(want, pg, 2);
	for (i = 0; i < pg; i++)
		bar[pg + i] = want[i];
	edu_copy(regs, BAR_IOVA, USER_IOVA + pg, pg);
	sc_expect(!memcmp(user + pg, want, pg), "edu read the BAR through iommufd");

	/*
	 * Revoked and restored: iommufd unmapped the IOVA on the revoke and
	 * never maps a revoked dma-buf again, so the write must go nowhere.
	 */
	sc_take_mmio(&d, true);
	sc_take_mmio(&d, false);
	kmsg = SC_OK(p2p_kmsg_open());
	sc_pattern(user, pg, 3);
	edu_copy(regs, USER_IOVA, BAR_IOVA, pg);
	sc_expect_bar(bar, pg, want, pg, "nothing landed after the revoke");
	/* The IOMMU turned the write away: VT-d logs the fault. */
	snprintf(fault, sizeof(fault), "fault addr 0x%llx", BAR_IOVA);
	sc_expect(p2p_kmsg_wait_for(kmsg, needles, 2000, hit, sizeof(hit)) == 1,
		  "the IOMMU reported the write to the revoked IOVA (%s)", fault);
	sc_log("kernel: %s", hit);
	close(kmsg);

	/* Only a new mapping lets the engine in again. */
	SC_OK(p2p_ioas_unmap(ifd, ioas, BAR_IOVA, 2 * pg, &n));
	sc_expect(n == 2 * pg, "unmapped 0x%llx bytes of the revoked mapping, want 0x%zx",
		  (unsigned long long)n, 2 * pg);
	SC_OK(p2p_ioas_map_file(ifd, ioas, fd, 0, 2 * pg, BAR_IOVA));
	edu_copy(regs, USER_IOVA, BAR_IOVA, pg);
	sc_expect_bar(bar, pg, user, pg, "edu's write after a new MAP_FILE landed");
	expect_edges(bar, fill, pg);

	/* The IOAS's reference: the fd goes, the buffer and its mapping stay. */
	sc_fresh_log();
	close(fd);
	sc_expect(sc_listed(d.dev.bdf, ino), "ino=%llu gone with its fd, still mapped",
		  (unsigned long long)ino);
	sc_pattern(user, pg, 4);
	edu_copy(regs, USER_IOVA, BAR_IOVA, pg);
	sc_expect_bar(bar, pg, user, pg, "edu's write with the fd closed landed");
	/* The unmap drops the last reference: released at its syscall exit. */
	SC_OK(p2p_ioas_unmap(ifd, ioas, BAR_IOVA, 2 * pg, NULL));
	sc_wait_release(ino, &rec, 3000);
	sc_expect_path(&rec, P2P_REL_TASK_WORK);

	SC_OK(p2p_ioas_unmap(ifd, ioas, USER_IOVA, 2 * pg, NULL));
	munmap(regs, pg);
	p2p_cdev_close(&cd);
	SC_OK(p2p_iommufd_destroy(ifd, ioas));
	close(ifd);
	munmap(p, BAR_PAGES * pg);
	munmap(user, 2 * pg);
	p2p_dev_close(&d.dev);
	free(want);
	free(fill);
}

/* edu's driver and driver_override before the scenario took it. */
struct edu_binding {
	char bdf[P2P_BDF_LEN];
	char driver[64];	/* "" if none was bound */
	char override[64];	/* "(null)" if unset */
};

static int edu_restore(const struct edu_binding *b)
{
	char path[160];
	int ret;

	if (b->driver[0]) {
		ret = p2p_pci_bind(b->bdf, b->driver);
	} else {
		snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/driver/unbind", b->bdf);
		ret = p2p_write_file(path, b->bdf);
	}
	/* p2p_pci_bind() leaves its override behind; "\n" clears one. */
	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/driver_override", b->bdf);
	if (p2p_write_file(path, strcmp(b->override, "(null)") ? b->override : "\n") && !ret)
		ret = -EIO;
	return ret;
}

/*
 * edu is borrowed from its driver (our importer's, normally) for vfio-pci
 * and must go back on every path. sc_fail() and sc_skip() end the process
 * with _exit(), which runs no atexit() handler, so the scenario runs in a
 * child and this process restores edu whatever became of it.
 */
static void iommufd_edu(void)
{
	const char *env = getenv("DMABUF_P2P_DEVICE_EDU");
	const char *mode = getenv("DMABUF_P2P_IOMMU");
	char path[160], err[512];
	struct edu_binding b;
	unsigned int ven = 0, dev = 0;
	int status, ret;
	pid_t pid;

	if (!sc_upstream())
		sc_skip("iommufd maps only upstream vfio-pci's dma-bufs; %s is not on vfio-pci",
			sc->bdf ? sc->bdf : "no device");
	if (access(P2P_IOMMUFD_PATH, F_OK))
		sc_skip("no " P2P_IOMMUFD_PATH " (CONFIG_IOMMUFD=n)");
	if (!mode || strcmp(mode, "iommu"))
		sc_skip("needs an IOMMU (DMABUF_P2P_IOMMU=%s)", mode ? mode : "unset");
	memset(&b, 0, sizeof(b));
	if (!env || !*env || p2p_bdf_normalize(env, b.bdf) || !p2p_pci_exists(b.bdf))
		sc_skip("no edu device (DMABUF_P2P_DEVICE_EDU=%s)", env ? env : "unset");
	if (p2p_pci_ids(b.bdf, &ven, &dev) || ven != P2P_EDU_VENDOR || dev != P2P_EDU_DEVICE)
		sc_skip("%s is not an edu device (%04x:%04x)", b.bdf, ven, dev);

	ret = p2p_pci_driver(b.bdf, b.driver, sizeof(b.driver));
	if (ret && ret != -ENOENT)
		sc_fail("%s", p2p_last_error());
	snprintf(path, sizeof(path), P2P_SYSFS_PCI "/%s/driver_override", b.bdf);
	if (p2p_read_file(path, b.override, sizeof(b.override)) < 0)
		sc_fail("%s", p2p_last_error());
	sc_log("edu %s: %s -> vfio-pci", b.bdf, b.driver[0] ? b.driver : "(no driver)");
	if (p2p_pci_bind(b.bdf, "vfio-pci")) {
		snprintf(err, sizeof(err), "%s", p2p_last_error());
		edu_restore(&b);
		sc_fail("%s", err);
	}

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = errno;
		edu_restore(&b);
		sc_fail("fork: %s", strerror(ret));
	}
	if (!pid) {
		run(b.bdf);
		fflush(NULL);
		_exit(sc->failures ? SC_FAIL : SC_PASS);
	}
	/* No timeout of our own: each step in it has one. */
	while ((ret = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (ret != pid)
		status = -1;
	ret = edu_restore(&b);
	if (ret)
		snprintf(err, sizeof(err), "restore %s to %s: %s", b.bdf,
			 b.driver[0] ? b.driver : "(no driver)", p2p_last_error());
	else
		sc_log("edu %s back on %s", b.bdf, b.driver[0] ? b.driver : "(no driver)");
	if (status == -1 || WIFSIGNALED(status))
		sc_fail("edu child %s%s%s", status == -1 ? "lost" : strsignal(WTERMSIG(status)),
			ret ? "; " : "", ret ? err : "");
	/* The child said why it failed or skipped: only its verdict is left. */
	if (WEXITSTATUS(status) != SC_PASS) {
		if (ret)
			sc_log("%s", err);
		fflush(NULL);
		_exit(WEXITSTATUS(status));
	}
	if (ret)
		sc_fail("%s", err);
}

const struct scenario sc_iommufd[] = {
	{ "iommufd-edu", iommufd_edu,
	  "iommufd maps vfio-pci's dma-buf for edu DMA; a revoke holds until remapped", false },
};

const size_t sc_iommufd_n = sizeof(sc_iommufd) / sizeof(sc_iommufd[0]);
