// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest fixtures: the devices from the environment, opening one with a
 * usable memory BAR, making buffers, reading the exporter's counters.
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

void t_check_err(const char *file, int line, const char *what, long r,
		 const int *want, size_t nwant)
{
	char list[256] = "";
	size_t i;

	for (i = 0; i < nwant; i++) {
		if (r == -want[i])
			return;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? "|" : "", tap_errname(want[i]));
	}
	if (r >= 0)
		tap_fail_at(file, line, "%s: succeeded (%ld), want %s", what, r, list);
	tap_fail_at(file, line, "%s: got %s (%s), want %s", what, tap_errname(-r),
		    p2p_strerror(r), list);
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
			FAIL("DMABUF_P2P_BAR: %s", p2p_last_error());
		ret = ASSERT_OK(p2p_bar_is_mem(&t->dev, t->bar, &size));
		if (!ret)
			FAIL("DMABUF_P2P_BAR=%s is not a memory BAR of %s", env, t->dev.bdf);
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
		FAIL("open %s: %s", bdf, p2p_last_error());
}

void t_open_main(struct tdev *t)
{
	const char *bdf = t_device();

	if (!bdf)
		SKIP("DMABUF_P2P_DEVICE not set");
	t_open(t, bdf);
}

/*
 * Open the first device from the environment that @trig can be fired at;
 * skip the case, saying why, if none can.
 */
void t_open_for(struct tdev *t, enum p2p_trigger trig)
{
	static const char *const plain[] = {
		"DMABUF_P2P_DEVICE", "DMABUF_P2P_DEVICE_FLR", "DMABUF_P2P_DEVICE_PM" };
	static const char *const pm[] = {
		"DMABUF_P2P_DEVICE_PM", "DMABUF_P2P_DEVICE", "DMABUF_P2P_DEVICE_FLR" };
	static const char *const flr[] = {
		"DMABUF_P2P_DEVICE_FLR", "DMABUF_P2P_DEVICE", "DMABUF_P2P_DEVICE_PM" };
	const char *const *order = plain;
	char why[768] = "";
	size_t i, len;

	p2p_debugfs_ensure();
	if (trig == P2P_TRIG_D3HOT || trig == P2P_TRIG_D0)
		order = pm;
	else if (trig == P2P_TRIG_FLR || trig == P2P_TRIG_AF_FLR)
		order = flr;

	for (i = 0; i < 3; i++) {
		const char *bdf = t_env(order[i]);

		len = strlen(why);
		if (!bdf) {
			snprintf(why + len, sizeof(why) - len, "%s%s unset", len ? "; " : "",
				 order[i]);
			continue;
		}
		t_open(t, bdf);
		if (!p2p_trigger_supported(&t->dev, trig)) {
			tap_diag("%s on %s=%s (BAR%u, 0x%llx bytes)", p2p_trigger_name(trig),
				 order[i], t->dev.bdf, t->bar, (unsigned long long)t->bar_size);
			return;
		}
		snprintf(why + len, sizeof(why) - len, "%s%s", len ? "; " : "",
			 p2p_last_error());
		p2p_dev_close(&t->dev);
	}
	SKIP("no device for %s: %s%s", p2p_trigger_name(trig), why,
	     p2p_trigger_coverage_note(trig));
}

int t_create(struct tdev *t, const struct p2p_range *r, unsigned int nr)
{
	int fd = p2p_dmabuf_create(&t->dev, t->bar, r, nr, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		FAIL("%s", p2p_last_error());
	return fd;
}

int t_create_pages(struct tdev *t, uint64_t first_page, uint64_t npages)
{
	struct p2p_range r = { first_page * t->page, npages * t->page };

	if (r.offset + r.length > t->bar_size)
		SKIP("BAR%u of %s is too small (0x%llx) for %llu pages", t->bar, t->dev.bdf,
		     (unsigned long long)t->bar_size,
		     (unsigned long long)(first_page + npages));
	return t_create(t, &r, 1);
}

uint64_t t_ino(int fd)
{
	uint64_t ino;

	ASSERT_OK(p2p_dmabuf_ino(fd, &ino));
	return ino;
}

void t_need_debugfs(void)
{
	if (p2p_debugfs_ensure())
		FAIL("exporter debugfs: %s", p2p_last_error());
}

void t_stat(const char *bdf, uint64_t ino, struct p2p_buf_stat *st)
{
	t_need_debugfs();
	if (p2p_buffer_stat(bdf, ino, st))
		FAIL("%s", p2p_last_error());
	tap_diag("buffer ino=%llu size=%llu revoked=%d attaches=%u maps=%u revokes=%u unrevokes=%u mapped=%u bus_maps=%u dma_maps=%u",
		 (unsigned long long)st->ino, (unsigned long long)st->size, st->revoked,
		 st->attaches, st->maps, st->revokes, st->unrevokes, st->mapped, st->bus_maps,
		 st->dma_maps);
}

bool t_listed(const char *bdf, uint64_t ino)
{
	struct p2p_buf_stat st;
	int ret;

	t_need_debugfs();
	ret = p2p_buffer_stat(bdf, ino, &st);
	if (ret && ret != -ENOENT)
		FAIL("%s", p2p_last_error());
	return !ret;
}

/* The importer's fd, or -1 when the importer module is not loaded. */
int t_importer(void)
{
	int fd = p2p_imp_open();

	if (fd == -ENOENT)
		return -1;
	if (fd < 0)
		FAIL("%s", p2p_last_error());
	return fd;
}

int t_need_importer(void)
{
	int fd = t_importer();

	if (fd < 0)
		SKIP("importer not loaded (no " DMABUF_P2P_IMPORTER_DEV ")");
	return fd;
}

bool t_released(uint64_t ino, struct p2p_rel_rec *r)
{
	int ret = p2p_release_find(ino, r);

	if (ret && ret != -ENOENT)
		FAIL("%s", p2p_last_error());
	return !ret;
}

/* Poll the releases log: task_work and delayed_fput releases are async. */
void t_wait_release(uint64_t ino, struct p2p_rel_rec *r, unsigned int timeout_ms)
{
	t_need_debugfs();
	if (p2p_release_wait(ino, r, timeout_ms))
		FAIL("%s", p2p_last_error());
	tap_diag("released ino=%llu path=%s attaches=%u maps=%u revokes=%u unrevokes=%u",
		 (unsigned long long)r->ino, r->path, r->attaches, r->maps, r->revokes,
		 r->unrevokes);
}

void t_set_knob(const char *bdf, const char *name, long val)
{
	t_need_debugfs();
	if (p2p_exp_knob_set(bdf, name, val))
		FAIL("%s", p2p_last_error());
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
		FAIL("%s", p2p_last_error());
}

void t_set_imp_knob(const char *name, long val)
{
	if (p2p_imp_knob_set(name, val))
		FAIL("%s", p2p_last_error());
}

/* The exporter's pin_policy (P2P_PIN_*), said in the case's output. */
int t_pin_policy(void)
{
	int policy;

	t_need_debugfs();
	policy = p2p_pin_policy();
	if (policy < 0)
		FAIL("%s", p2p_last_error());
	tap_diag("exporter pin_policy: %s", p2p_pin_policy_name(policy));
	return policy;
}

/*
 * Harness teardown: every knob a case may have turned, back to rest (the
 * revoke contract's too: revoke_wait_ms and contract_warn at their
 * defaults, the importer's misbehave off).
 */
void t_reset_knobs(void)
{
	static const char *const devs[] = {
		"DMABUF_P2P_DEVICE", "DMABUF_P2P_DEVICE_FLR", "DMABUF_P2P_DEVICE_PM" };
	char bdf[3][P2P_BDF_LEN];
	const char *bdfs[3];
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *v = t_env(devs[i]);

		bdfs[i] = v && !p2p_bdf_normalize(v, bdf[i]) ? bdf[i] : NULL;
	}
	p2p_knobs_reset(bdfs, 3);
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
		SKIP("%s", p2p_last_error());
	if (fd < 0)
		FAIL("%s", p2p_last_error());
	return fd;
}
