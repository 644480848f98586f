// SPDX-License-Identifier: GPL-2.0
/* Latency statistics for the stress summary: sorting and percentiles. */
#include <stdlib.h>

#include "dmabuf_p2p.h"
#include "internal.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void p2p_sort_u64(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u64);
}

/*
 * Nearest-rank percentile of the sorted @v: the smallest value with at
 * least @pct percent of the samples at or below it (pct 0 gives the
 * minimum, 100 the maximum). Nearest rank always answers a value that was
 * measured, which is what a latency report should quote.
 */
int p2p_percentile_sorted(const uint64_t *v, size_t n, unsigned int pct, uint64_t *out)
{
	size_t rank;

	if (!n)
		return p2p_seterr_msg(EINVAL, "percentile of no samples");
	if (pct > 100)
		return p2p_seterr_msg(EINVAL, "percentile %u above 100", pct);
	/* ceil(pct * n / 100), computed without floating point */
	rank = ((unsigned long long)pct * n + 99) / 100;
	if (!rank)
		rank = 1;
	*out = v[rank - 1];
	return 0;
}
