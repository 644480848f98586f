// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs attributes of failslab and fail_page_alloc
 * (CONFIG_FAULT_INJECTION_DEBUG_FS) that decide which allocations fail-nth
 * (failnth.c) may fail: saved, set for it, restored. fail-nth itself goes
 * past probability, interval, times, space and task-filter, so those are
 * left alone; not past the stacktrace filter, whose reject range is saved
 * and restored too when the kernel has it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dmabuf_p2p.h"
#include "internal.h"

static const struct {
	const char *file;
	const char *want;
} attrs[] = {
	/* Allocations that may sleep too: by default only atomic ones fail. */
	{ "failslab/ignore-gfp-wait", "N" },
	/* Every slab cache, not only the ones created with SLAB_FAILSLAB. */
	{ "failslab/cache-filter", "N" },
	/* No "FAULT_INJECTION: forcing a failure" and stack dump per failure. */
	{ "failslab/verbose", "0" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	/*
	 * Order-0 pages stay out (the kernel's default): a page fault of
	 * ours while armed is not the path under test, and neither are IOMMU
	 * page tables (6.12's DMA-API debugging records a dma_map_resource()
	 * even when it fails, and reports it leaked at the driver's unbind).
	 */
	{ "fail_page_alloc/min-order", "1" },
	{ "fail_page_alloc/verbose", "0" },
};

_Static_assert(ARRAY_SIZE(attrs) <= P2P_FAULT_ATTRS_MAX, "P2P_FAULT_ATTRS_MAX too small");

/*
 * The stacktrace filter (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER): a call
 * with a return address in [reject-start, reject-end) on its stack is
 * neither failed nor counted by fail-nth (lib/fault-inject.c checks it
 * before counting). Optional: these files exist only with the filter.
 * Both ends 0 (the kernel's default) reject nothing.
 */
static const char *const reject_attrs[] = {
	"failslab/reject-start",
	"failslab/reject-end",
	"fail_page_alloc/reject-start",
	"fail_page_alloc/reject-end",
};

_Static_assert(ARRAY_SIZE(reject_attrs) == P2P_FAULT_REJECT_ATTRS,
	       "P2P_FAULT_REJECT_ATTRS out of step");

static const char *fault_root = P2P_FAULT_DEBUGFS;

/* Another directory than P2P_FAULT_DEBUGFS (a fake tree, for host tests); NULL: back. */
void p2p_fault_attrs_set_root(const char *dir)
{
	fault_root = dir ? dir : P2P_FAULT_DEBUGFS;
}

static int file_path(const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", fault_root, file);

	if (n < 0 || (size_t)n >= len)
		return p2p_seterr_msg(ENAMETOOLONG, "fault attribute path too long");
	return 0;
}

/* The reject range as it is, if the kernel has one: all four or none. */
static int reject_save(struct p2p_fault_attrs *saved)
{
	char path[256];
	size_t i;
	int ret;

	saved->has_reject = false;
	for (i = 0; i < ARRAY_SIZE(reject_attrs); i++) {
		ret = file_path(reject_attrs[i], path, sizeof(path));
		if (ret)
			return ret;
		ret = p2p_read_file(path, saved->reject[i], sizeof(saved->reject[i]));
		if (ret == -ENOENT && !i)
			return 0;
		if (ret < 0)
			return ret;
	}
	saved->has_reject = true;
	return 0;
}

/* @vals into the reject range's files, each tried: first error, -ENOENT without the filter. */
static int reject_write(const char *const *vals)
{
	char path[256];
	size_t i;
	int ret, first = 0;

	for (i = 0; i < ARRAY_SIZE(reject_attrs); i++) {
		ret = file_path(reject_attrs[i], path, sizeof(path));
		if (!ret)
			ret = p2p_write_file(path, vals[i]);
		if (ret && !first)
			first = ret;
	}
	return first;
}

/* The current values, all or nothing: -ENOENT without fault injection. */
int p2p_fault_attrs_save(struct p2p_fault_attrs *saved)
{
	char path[256];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		ret = file_path(attrs[i].file, path, sizeof(path));
		if (ret)
			return ret;
		ret = p2p_read_file(path, saved->val[i], sizeof(saved->val[i]));
		if (ret == -ENOENT)
			return p2p_seterr_msg(ENOENT, "no %s (kernel without CONFIG_FAILSLAB, "
					      "CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS?)",
					      path);
		if (ret < 0)
			return ret;
	}
	return reject_save(saved);
}

static int write_all(const char *const *vals)
{
	char path[256];
	size_t i;
	int ret, first = 0;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		ret = file_path(attrs[i].file, path, sizeof(path));
		if (!ret)
			ret = p2p_write_file(path, vals[i]);
		if (ret && !first)
			first = ret;
	}
	return first;
}

/*
 * Set for fail-nth: every allocation of order >= 1 or from slab, quietly,
 * and no reject range (one a case set is gone).
 */
int p2p_fault_attrs_apply(void)
{
	static const char zero[] = "0x0000000000000000";
	static const char *const none[ARRAY_SIZE(reject_attrs)] = { zero, zero, zero, zero };
	const char *vals[ARRAY_SIZE(attrs)];
	size_t i;
	int ret, rret;

	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		vals[i] = attrs[i].want;
	ret = write_all(vals);
	rret = reject_write(none);
	/* Without the filter there is no range to clear. */
	if (rret == -ENOENT)
		rret = 0;
	return ret ? ret : rret;
}

/* Back to what p2p_fault_attrs_save() read; tries every one, first error. */
int p2p_fault_attrs_restore(const struct p2p_fault_attrs *saved)
{
	const char *vals[ARRAY_SIZE(attrs)], *rvals[ARRAY_SIZE(reject_attrs)];
	size_t i;
	int ret, rret = 0;

	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		vals[i] = saved->val[i];
	ret = write_all(vals);
	if (saved->has_reject) {
		for (i = 0; i < ARRAY_SIZE(reject_attrs); i++)
			rvals[i] = saved->reject[i];
		rret = reject_write(rvals);
	}
	return ret ? ret : rret;
}

/*
 * Neither fail nor count what runs with a return address in
 * [@start, @end) on its stack (a function's text: see p2p_ksym_range()).
 * -ENOENT without the stacktrace filter.
 */
int p2p_fault_reject(uint64_t start, uint64_t end)
{
	char s[24], e[24], path[256];
	const char *vals[ARRAY_SIZE(reject_attrs)] = { s, e, s, e };
	int ret;

	if (start >= end)
		return p2p_seterr_msg(EINVAL, "reject range 0x%" PRIx64 "..0x%" PRIx64
				      " is empty", start, end);
	/* As the kernel reads them back (debugfs_create_xul). */
	snprintf(s, sizeof(s), "0x%016" PRIx64, start);
	snprintf(e, sizeof(e), "0x%016" PRIx64, end);
	ret = reject_write(vals);
	if (ret == -ENOENT && !file_path(reject_attrs[0], path, sizeof(path)))
		return p2p_seterr_msg(ENOENT, "no %s (kernel without "
				      "CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)", path);
	return ret;
}

/*
 * The text of kernel function @name by @path (NULL: /proc/kallsyms): its
 * address, and the next higher address kallsyms lists, which is where it
 * ends at the latest. Built-in functions only ("t"/"T" without a
 * [module]). -ENOENT if it is not there, -ENOTUNIQ if the name is not
 * unique, -EPERM if kallsyms hides the addresses (kptr_restrict, no
 * CAP_SYSLOG).
 */
int p2p_ksym_range(const char *path, const char *name, uint64_t *start, uint64_t *end)
{
	unsigned long long addr;
	uint64_t found = 0, next = UINT64_MAX;
	unsigned int seen = 0;
	bool hidden = true;
	char line[512], sym[256], type;
	int pass, n;
	FILE *f;

	if (!path)
		path = P2P_KALLSYMS_PATH;
	f = fopen(path, "re");
	if (!f)
		return p2p_seterr(errno, "open %s", path);
	/* Pass 0 finds @name, pass 1 the lowest address above it. */
	for (pass = 0; pass < 2; pass++) {
		rewind(f);
		while (fgets(line, sizeof(line), f)) {
			n = sscanf(line, "%llx %c %255s", &addr, &type, sym);
			if (n != 3)
				continue;
			if (addr)
				hidden = false;
			if (!pass) {
				if ((type == 't' || type == 'T') && !strchr(line, '[') &&
				    !strcmp(sym, name)) {
					found = addr;
					seen++;
				}
			} else if (addr > found && addr < next) {
				next = addr;
			}
		}
		if (ferror(f)) {
			fclose(f);
			return p2p_seterr_msg(EIO, "read %s", path);
		}
		if (!pass && hidden) {
			fclose(f);
			return p2p_seterr_msg(EPERM, "%s hides the addresses (kptr_restrict?)",
					      path);
		}
		if (!pass && seen != 1) {
			fclose(f);
			if (seen)
				return p2p_seterr_msg(ENOTUNIQ, "%s: %u built-in functions %s",
						      path, seen, name);
			return p2p_seterr_msg(ENOENT, "%s: no built-in function %s", path, name);
		}
	}
	fclose(f);
	if (next == UINT64_MAX)
		return p2p_seterr_msg(ERANGE, "%s: nothing after %s to end it", path, name);
	*start = found;
	*end = next;
	return 0;
}
