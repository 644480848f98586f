// SPDX-License-Identifier: GPL-2.0
/*
 * negative_seeds: negative controls for the bug classes of seeds 000, 002,
 * 003 and 004 (seed 001 is negative_control's). Each turns on a bug_* knob
 * that only modules built with `make P2P_NEGATIVE_CONTROL=1` have (without
 * it the scenario fails at setup rather than pass having proved nothing),
 * walks into the mistake, prints TAP and leaves the verdict to the rig,
 * which must find the named detector's report on the console.
 * DMABUF_P2P_NEGATIVE picks the scenario:
 *
 * seed000: exporter bug_fault_remap: the fault handler remaps with
 *   io_remap_pfn_range() under i_mmap_rwsem, which may allocate and so
 *   enter reclaim, which takes i_mmap_rwsem. Expected: lockdep's circular
 *   locking report through fs_reclaim at the first fault.
 * seed002: importer bug_map_lock: REG_MR holds the MR lock (which
 *   move_notify takes under the resv) while it takes the resv to map.
 *   A first, correct REG_MR records resv -> MR lock. Expected: lockdep's
 *   circular locking report at the second REG_MR.
 * seed003: exporter bug_fault_lock: the fault handler takes memory_lock
 *   under the resv, the opposite of every revoke; a revoke first records
 *   memory_lock -> resv. Expected: lockdep's report at the fault.
 * seed004: exporter bug_pause: userspace sets a pause flag that every
 *   buffer release waits for, closes the knob and walks away; a release
 *   deferred to a kernel worker (DEREG_MR with P2P_DEREG_DEFERRED, the last
 *   reference) then waits for good. Expected: the hung-task detector
 *   (timeout lowered to 5 s here) reports the stuck worker; we sleep
 *   meanwhile so the VM lives long enough.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

struct seed {
	const char *name;
	const char *knob;	/* path below debugfs */
	void (*run)(struct p2p_dev *dev, int fd);
};

static int step;

static void ok(bool good, const char *what)
{
	printf("%sok %d %s\n", good ? "" : "not ", ++step, what);
	fflush(stdout);
	if (!good) {
		printf("# %s\n", p2p_last_error());
		exit(KSFT_FAIL);
	}
}

static void fault_in(int fd, uint64_t page)
{
	volatile uint8_t *p;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(p != MAP_FAILED, "buffer mapped");
	printf("# touching the mapping: the fault runs the mistake\n");
	fflush(stdout);
	(void)p[0];
}

static void seed000(struct p2p_dev *dev, int fd)
{
	(void)dev;
	ok(p2p_exp_knob_set(NULL, "bug_fault_remap", 1) == 0, "knob on");
	fault_in(fd, p2p_page_size());
}

static void seed002(struct p2p_dev *dev, int fd)
{
	uint64_t page = p2p_page_size();
	uint32_t h;
	int imp = p2p_imp_open();

	(void)dev;
	ok(imp >= 0, "importer open");
	ok(p2p_imp_reg(imp, fd, 0, page, 0, P2P_MR_ACCESS_ALL, &h) == 0 &&
	   p2p_imp_dereg(imp, h, 0) == 0, "a correct REG_MR and DEREG_MR");
	ok(p2p_imp_knob_set("bug_map_lock", 1) == 0, "knob on");
	printf("# REG_MR with the MR lock held around the resv\n");
	fflush(stdout);
	p2p_imp_reg(imp, fd, 0, page, 0, P2P_MR_ACCESS_ALL, &h);
}

static void seed003(struct p2p_dev *dev, int fd)
{
	ok(p2p_knob_revoke(dev->bdf, true) == 0 &&
	   p2p_knob_revoke(dev->bdf, false) == 0, "revoke and unrevoke");
	ok(p2p_exp_knob_set(NULL, "bug_fault_lock", 1) == 0, "knob on");
	fault_in(fd, p2p_page_size());
}

static void seed004(struct p2p_dev *dev, int fd)
{
	uint64_t page = p2p_page_size();
	uint32_t h;
	int imp = p2p_imp_open();

	(void)dev;
	ok(imp >= 0, "importer open");
	ok(p2p_write_file("/proc/sys/kernel/hung_task_timeout_secs", "5") == 0,
	   "hung-task timeout 5 s");
	ok(p2p_imp_reg(imp, fd, 0, page, 0, P2P_MR_ACCESS_ALL, &h) == 0, "MR registered");
	/* The knob's file is opened, written and closed: nothing stays open. */
	ok(p2p_exp_knob_set(NULL, "bug_pause", 1) == 0, "pause set, knob closed");
	close(fd);
	ok(p2p_imp_dereg(imp, h, P2P_DEREG_DEFERRED) == 0,
	   "last reference dropped from a kernel worker");
	printf("# waiting for the hung-task detector\n");
	fflush(stdout);
	sleep(40);
}

static const struct seed seeds[] = {
	{ "seed000", "bug_fault_remap", seed000 },
	{ "seed002", "../dmabuf_p2p_imp/bug_map_lock", seed002 },
	{ "seed003", "bug_fault_lock", seed003 },
	{ "seed004", "bug_pause", seed004 },
};

int main(void)
{
	const char *neg = t_env("DMABUF_P2P_NEGATIVE");
	const char *bdf = t_device();
	const struct seed *s = NULL;
	uint64_t page = p2p_page_size(), size;
	struct p2p_dev dev;
	char path[256];
	unsigned int bar, i;
	int fd;

	for (i = 0; neg && i < sizeof(seeds) / sizeof(seeds[0]); i++)
		if (!strcmp(neg, seeds[i].name))
			s = &seeds[i];
	if (!s)
		ksft_exit_skip("set DMABUF_P2P_NEGATIVE=seed000|seed002|seed003|seed004 "
			       "(kernel reports on purpose)\n");
	if (!bdf)
		ksft_exit_skip("DMABUF_P2P_DEVICE not set\n");
	printf("TAP version 13\n# %s: knob %s on %s\n", s->name, s->knob, bdf);

	snprintf(path, sizeof(path), P2P_EXP_DEBUGFS "/%s", s->knob);
	ok(access(path, W_OK) == 0, "modules are a negative-control build");
	ok(p2p_dev_open(bdf, &dev) == 0 &&
	   p2p_find_mem_bar(&dev, page, &bar, &size) == 0, "device open");
	fd = p2p_dmabuf_create(&dev, bar, &(struct p2p_range){ 0, page }, 1,
			       O_RDWR | O_CLOEXEC);
	ok(fd >= 0, "buffer created");
	s->run(&dev, fd);
	printf("1..%d\n# returned; the rig must have seen the report\n", step);
	return 0;
}
