// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs attributes of failslab and fail_page_alloc
 * (CONFIG_FAULT_INJECTION_DEBUG_FS) that decide which allocations fail-nth
 * (failnth.c) may fail: saved, set for it, restored. fail-nth itself goes
 * past probability, interval, times, space and task-filter, so those are
 * left alone.
 */
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

static const char *fault_root = P2P_FAULT_DEBUGFS;

/* Another directory than P2P_FAULT_DEBUGFS (a fake tree, for host tests); NULL: back. */
void p2p_fault_attrs_set_root(const char *dir)
{
	fault_root = dir ? dir : P2P_FAULT_DEBUGFS;
}

static int attr_path(size_t i, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", fault_root, attrs[i].file);

	if (n < 0 || (size_t)n >= len)
		return p2p_seterr_msg(ENAMETOOLONG, "fault attribute path too long");
	return 0;
}

/* The current values, all or nothing: -ENOENT without fault injection. */
int p2p_fault_attrs_save(struct p2p_fault_attrs *saved)
{
	char path[256];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		ret = attr_path(i, path, sizeof(path));
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
	return 0;
}

static int write_all(const char *const *vals)
{
	char path[256];
	size_t i;
	int ret, first = 0;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		ret = attr_path(i, path, sizeof(path));
		if (!ret)
			ret = p2p_write_file(path, vals[i]);
		if (ret && !first)
			first = ret;
	}
	return first;
}

/* Set for fail-nth: every allocation of order >= 1 or from slab, quietly. */
int p2p_fault_attrs_apply(void)
{
	const char *vals[ARRAY_SIZE(attrs)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		vals[i] = attrs[i].want;
	return write_all(vals);
}

/* Back to what p2p_fault_attrs_save() read; tries every one, first error. */
int p2p_fault_attrs_restore(const struct p2p_fault_attrs *saved)
{
	const char *vals[ARRAY_SIZE(attrs)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		vals[i] = saved->val[i];
	return write_all(vals);
}
