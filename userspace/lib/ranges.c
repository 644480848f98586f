// SPDX-License-Identifier: GPL-2.0
/*
 * Pure helpers for numbers, sizes and BAR ranges: parsing command-line
 * values, building range lists, and mapping a buffer offset back to its
 * BAR offset. No system calls here, so all of it is unit-tested on the host.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/* Decimal, or hex with 0x; no sign, no octal, no trailing garbage. */
int p2p_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (!s || !*s)
		return p2p_seterr_msg(EINVAL, "empty number");
	if (!isdigit((unsigned char)s[0]))
		return p2p_seterr_msg(EINVAL, "not a number: '%s'", s);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		if (!isxdigit((unsigned char)s[2]))
			return p2p_seterr_msg(EINVAL, "not a number: '%s'", s);
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return p2p_seterr_msg(ERANGE, "number too large: '%s'", s);
	if (*end)
		return p2p_seterr_msg(EINVAL, "trailing characters in number: '%s'", s);
	*out = v;
	return 0;
}

/* A number with an optional binary suffix: K, M, G, T, or KiB, MiB, GiB, TiB. */
int p2p_parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *suf; unsigned int shift; } sufs[] = {
		{ "kib", 10 }, { "mib", 20 }, { "gib", 30 }, { "tib", 40 },
		{ "k", 10 }, { "m", 20 }, { "g", 30 }, { "t", 40 },
	};
	unsigned int shift = 0, i;
	size_t n, numlen;
	char num[64];
	uint64_t v = 0;
	int ret;

	if (!s || !*s)
		return p2p_seterr_msg(EINVAL, "empty size");
	n = numlen = strlen(s);
	for (i = 0; i < ARRAY_SIZE(sufs); i++) {
		size_t sl = strlen(sufs[i].suf);

		if (n > sl && !strcasecmp(s + n - sl, sufs[i].suf)) {
			shift = sufs[i].shift;
			numlen = n - sl;
			break;
		}
	}
	if (numlen >= sizeof(num))
		return p2p_seterr_msg(EINVAL, "size too long: '%s'", s);
	memcpy(num, s, numlen);
	num[numlen] = '\0';
	ret = p2p_parse_u64(num, &v);
	if (ret)
		return p2p_seterr_msg(-ret, "bad size '%s'", s);
	if (shift && v > (UINT64_MAX >> shift))
		return p2p_seterr_msg(ERANGE, "size too large: '%s'", s);
	*out = v << shift;
	return 0;
}

/* "OFFSET:LENGTH", each a size. */
int p2p_parse_range(const char *s, struct p2p_range *r)
{
	char buf[128];
	char *colon;
	int ret;

	if (!s || strlen(s) >= sizeof(buf))
		return p2p_seterr_msg(EINVAL, "bad range '%s'", s ? s : "");
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (!colon)
		return p2p_seterr_msg(EINVAL, "range '%s' is not OFFSET:LENGTH", s);
	*colon = '\0';
	ret = p2p_parse_size(buf, &r->offset);
	if (!ret)
		ret = p2p_parse_size(colon + 1, &r->length);
	if (ret)
		return p2p_seterr_msg(-ret, "range '%s': %s", s, p2p_last_error());
	return 0;
}

/* "2", "bar2" or "BAR2": a BAR number 0..5. */
int p2p_parse_bar(const char *s, unsigned int *bar)
{
	uint64_t v = 0;

	if (!s)
		return p2p_seterr_msg(EINVAL, "empty BAR");
	if (!strncasecmp(s, "bar", 3))
		s += 3;
	if (p2p_parse_u64(s, &v) || v > VFIO_PCI_BAR5_REGION_INDEX)
		return p2p_seterr_msg(EINVAL, "bad BAR '%s' (0..5)", s);
	*bar = v;
	return 0;
}

int p2p_ranges_total(const struct p2p_range *r, unsigned int nr, uint64_t *total)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (__builtin_add_overflow(sum, r[i].length, &sum))
			return p2p_seterr_msg(EOVERFLOW, "total length overflows");
	}
	*total = sum;
	return 0;
}

/*
 * What the exporter is expected to accept: 1..DMABUF_P2P_MAX_RANGES ranges,
 * each non-empty and page aligned, inside the BAR, total not above it.
 */
int p2p_ranges_validate(const struct p2p_range *r, unsigned int nr,
			uint64_t bar_size, uint64_t page_size)
{
	uint64_t total = 0, end;
	unsigned int i;
	int ret;

	if (!nr || nr > DMABUF_P2P_MAX_RANGES)
		return p2p_seterr_msg(EINVAL, "nr_ranges %u not in 1..%u", nr,
				      DMABUF_P2P_MAX_RANGES);
	for (i = 0; i < nr; i++) {
		if (!r[i].length)
			return p2p_seterr_msg(EINVAL, "range %u is empty", i);
		if ((r[i].offset | r[i].length) & (page_size - 1))
			return p2p_seterr_msg(EINVAL, "range %u not page aligned", i);
		if (__builtin_add_overflow(r[i].offset, r[i].length, &end))
			return p2p_seterr_msg(EOVERFLOW, "range %u: offset + length overflows", i);
		if (end > bar_size)
			return p2p_seterr_msg(EINVAL, "range %u ends at 0x%llx, past the BAR (0x%llx)",
					      i, (unsigned long long)end,
					      (unsigned long long)bar_size);
	}
	ret = p2p_ranges_total(r, nr, &total);
	if (ret)
		return ret;
	if (total > bar_size)
		return p2p_seterr_msg(EINVAL, "total 0x%llx above the BAR size 0x%llx",
				      (unsigned long long)total,
				      (unsigned long long)bar_size);
	return 0;
}

/* out[i] = { base + i * stride, chunk } for i < nr; ranges never overlap. */
int p2p_ranges_stride(uint64_t base, uint64_t chunk, uint64_t stride,
		      unsigned int nr, struct p2p_range *out)
{
	uint64_t off, end;
	unsigned int i;

	if (!chunk || (nr > 1 && stride < chunk))
		return p2p_seterr_msg(EINVAL, "bad stride %llu for chunk %llu",
				      (unsigned long long)stride,
				      (unsigned long long)chunk);
	for (i = 0; i < nr; i++) {
		if (__builtin_mul_overflow((uint64_t)i, stride, &off) ||
		    __builtin_add_overflow(base, off, &off) ||
		    __builtin_add_overflow(off, chunk, &end))
			return p2p_seterr_msg(EOVERFLOW, "range %u overflows", i);
		out[i].offset = off;
		out[i].length = chunk;
	}
	return 0;
}

/*
 * Map @buf_off (an offset into the dma-buf, whose bytes are the ranges laid
 * end to end) to the BAR offset it stands for; @run gets how many bytes
 * from there stay in the same range.
 */
int p2p_ranges_locate(const struct p2p_range *r, unsigned int nr,
		      uint64_t buf_off, uint64_t *bar_off, uint64_t *run)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (buf_off < r[i].length) {
			*bar_off = r[i].offset + buf_off;
			if (run)
				*run = r[i].length - buf_off;
			return i;
		}
		buf_off -= r[i].length;
	}
	return p2p_seterr_msg(ERANGE, "offset past the end of the ranges");
}
