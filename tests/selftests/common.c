// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest fixtures: the devices from the environment, opening one with a
 * usable memory BAR, making buffers, reading the exporter's counters. What
 * the CLI's scenarios need too is the scenario library's (scenario.h): a
 * test's process is a host of its scenarios (t_scenario()), and the
 * fixtures the two share are that library's sc_*() under the t_*() names
 * the tests know.
 *
 * Environment: DMABUF_P2P_DEVICE (required by most cases),
 * DMABUF_P2P_DEVICE_FLR, DMABUF_P2P_DEVICE_PM (optional),
 * DMABUF_P2P_IOMMU ("noiommu" or "iommu"), DMABUF_P2P_BAR (optional BAR
 * override), DMABUF_P2P_MODDIR (where the .ko files are).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

/*
 * Every process of a test program hosts the scenario library (scenario.h)
 * from its start, for t_scenario() and for the library's fixtures the
 * tests call: lines are TAP diagnostics, a skip is the harness's
 * (T_SKIP()), no exporter debugfs is a failure. A failed check ends the
 * test as T_FAIL() does, except inside t_scenario(), which goes on to the
 * end of the scenario (as the CLI does) and then fails the test, naming
 * the first.
 */
static struct sc_ctx host;
static bool in_scenario;
static char first_failure[512];

static void host_verdict(int status, const char *msg)
{
	if (status == SC_SKIP)
		t_skip("%s", msg);
	snprintf(first_failure, sizeof(first_failure), "%s", msg);
	if (!in_scenario) {
		fflush(NULL);
		_exit(KSFT_FAIL);
	}
}

static void __attribute__((constructor)) host_init(void)
{
	host.bdf = t_device();
	host.name = "selftest";
	host.out = stdout;
	host.pfx = "# ";
	host.threads = 4;		/* race scenarios: the CLI's defaults */
	host.duration_s = 3;
	host.strict = true;
	host.verdict = host_verdict;
	host.page = p2p_page_size();
	sc = &host;
}

void t_scenario(const char *name)
{
	const struct scenario *s = sc_find(name);
	int ret;

	if (!s)
		T_FAIL("no scenario %s in the scenario library", name);
	t_diag("scenario %s: %s", s->name, s->help);
	in_scenario = true;
	ret = sc_run(&host, s);
	in_scenario = false;
	if (ret != SC_PASS)
		T_FAIL("scenario %s: %s", s->name, first_failure);
}

const char *t_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

const char *t_device(void)
{
	static char bdf[P2P_BDF_LEN];
	const char *v = t_env("DMABUF_P2P_DEVICE");

	if (!v)
		return NULL;
	if (p2p_bdf_normalize(v, bdf))
		return NULL;
	return bdf;
}

/* The rig says which mode it booted; the group's name says which we got. */
bool t_noiommu(const struct p2p_dev *dev)
{
	const char *m = t_env("DMABUF_P2P_IOMMU");

	if (m)
		return !strcmp(m, "noiommu");
	return dev && dev->noiommu;
}

static void pick_bar(struct tdev *t)
{
	const char *env = t_env("DMABUF_P2P_BAR");
	struct p2p_pci_res res;
	uint64_t size;
	int ret;

	if (env) {
		if (p2p_parse_bar(env, &t->bar))
			T_FAIL("DMABUF_P2P_BAR: %s", p2p_last_error());
		ret = ASSERT_OK(p2p_bar_is_mem(&t->dev, t->bar, &size));
		if (!ret)
			T_FAIL("DMABUF_P2P_BAR=%s is not a memory BAR of %s", env, t->dev.bdf);
		t->bar_size = size;
	} else {
		ASSERT_OK(p2p_find_mem_bar(&t->dev, t->page, &t->bar, &t->bar_size));
	}
	ASSERT_OK(p2p_pci_resource(t->dev.bdf, t->bar, &res));
	t->bar_phys = res.start;
}

/* As t_open(), but a device vfio will not open is the caller's to judge. */
int t_try_open(struct tdev *t, const char *bdf)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->page = p2p_page_size();
	ret = p2p_dev_open(bdf, &t->dev);
	if (!ret)
		pick_bar(t);
	return ret;
}

void t_open(struct tdev *t, const char *bdf)
{
	if (t_try_open(t, bdf))
		T_FAIL("open %s: %s", bdf, p2p_last_error());
}

void t_open_main(struct tdev *t)
{
	const char *bdf = t_device();

	if (!bdf)
		T_SKIP("DMABUF_P2P_DEVICE not set");
	t_open(t, bdf);
}

static struct p2p_dev *open_cb(void *arg, const char *bdf)
{
	struct tdev *t = arg;

	t_open(t, bdf);
	return &t->dev;
}

/*
 * Open the first device from the environment that @trig can be fired at;
 * skip the case, saying why, if none can.
 */
void t_open_for(struct tdev *t, enum p2p_trigger trig)
{
	const char *env;
	char why[768];

	p2p_debugfs_ensure();
	env = sc_trigger_device(trig, NULL, open_cb, t, why, sizeof(why));
	if (!env)
		T_SKIP("no device for %s: %s%s", p2p_trigger_name(trig), why,
		       p2p_trigger_coverage_note(trig));
	t_diag("%s on %s=%s (BAR%u, 0x%llx bytes)", p2p_trigger_name(trig), env, t->dev.bdf,
	       t->bar, (unsigned long long)t->bar_size);
}

int t_create(struct tdev *t, const struct p2p_range *r, unsigned int nr)
{
	int fd = p2p_dmabuf_create(&t->dev, t->bar, r, nr, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		T_FAIL("%s", p2p_last_error());
	return fd;
}

int t_create_pages(struct tdev *t, uint64_t first_page, uint64_t npages)
{
	struct p2p_range r = sc_pages(t->dev.bdf, t->bar, t->bar_size, first_page, npages);

	return t_create(t, &r, 1);
}

/* The importer's fd, or -1 when the importer module is not loaded. */
int t_importer(void)
{
	int fd = p2p_imp_open();

	if (fd == -ENOENT)
		return -1;
	if (fd < 0)
		T_FAIL("%s", p2p_last_error());
	return fd;
}

/* Module parameter @name of the exporter: 1 (Y), 0 (N), -1 when it has none. */
int t_exp_param_bool(const char *name)
{
	char path[128], v[8];

	snprintf(path, sizeof(path), "/sys/module/" P2P_EXP_DRIVER "/parameters/%s", name);
	if (p2p_read_file(path, v, sizeof(v)) < 0)
		return -1;
	return v[0] == 'Y' || v[0] == '1';
}

void t_set_exp_param_bool(const char *name, bool on)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/" P2P_EXP_DRIVER "/parameters/%s", name);
	if (p2p_write_file(path, on ? "Y" : "N"))
		T_FAIL("%s", p2p_last_error());
}

void t_set_imp_knob(const char *name, long val)
{
	if (p2p_imp_knob_set(name, val))
		T_FAIL("%s", p2p_last_error());
}

/* The exporter's pin_policy (P2P_PIN_*), said in the case's output. */
int t_pin_policy(void)
{
	int policy;

	t_need_debugfs();
	policy = p2p_pin_policy();
	if (policy < 0)
		T_FAIL("%s", p2p_last_error());
	t_diag("exporter pin_policy: %s", p2p_pin_policy_name(policy));
	return policy;
}

/*
 * For the fixtures' setup and teardown: every knob a test may have turned,
 * back to rest (the revoke contract's too: revoke_wait_ms and contract_warn
 * at their defaults, the importer's misbehave off).
 */
void t_reset_knobs(void)
{
	sc_reset_knobs(t_device());
}

/*
 * Wait until task @pid sleeps in the kernel (state D, or wchan in msleep):
 * 1 when seen, 0 on timeout, -1 if the task is gone.
 */
int t_wait_task_sleeping(pid_t pid, unsigned int timeout_ms)
{
	uint64_t deadline = p2p_now_ms() + timeout_ms;
	char path[64], buf[512], wchan[64];
	unsigned int dstreak = 0;

	for (;;) {
		const char *p;

		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (p2p_read_file(path, buf, sizeof(buf)) < 0)
			return -1;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
		if (p2p_read_file(path, wchan, sizeof(wchan)) < 0)
			wchan[0] = '\0';
		if (strstr(wchan, "msleep") || strstr(wchan, "schedule_timeout"))
			return 1;
		dstreak = (p && p[1] == ' ' && p[2] == 'D') ? dstreak + 1 : 0;
		if (dstreak >= 3)
			return 1;
		if (p2p_now_ms() >= deadline)
			return 0;
		p2p_sleep_ms(10);
	}
}

/* A udmabuf of @size bytes over a sealed memfd; skip if udmabuf is absent. */
int t_udmabuf(size_t size, int *memfd_out)
{
	int fd = p2p_udmabuf_create(size, memfd_out);

	if (fd == -ENOENT)
		T_SKIP("%s", p2p_last_error());
	if (fd < 0)
		T_FAIL("%s", p2p_last_error());
	return fd;
}
