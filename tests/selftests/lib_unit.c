// SPDX-License-Identifier: GPL-2.0
/*
 * lib_unit: host-side unit test of libdmabuf_p2p's pure parts (number,
 * size, range and BDF parsing, range building, debugfs and sysfs line
 * parsing (buffers, releases, the revoke contract's violations and pin
 * policy), capability walks, error messages, the trigger table, the seeded
 * PRNG and the stress operation sequence it drives, percentiles, kernel
 * splat recognition, dma_buf/bufinfo parsing, the function tracer's
 * dma-buf release stacks, the fail-nth read-back), its device-free system
 * helpers (fd passing, fdinfo, small files, fail-nth's calls on a plain
 * file, the fault-injection attributes and their reject range in a fake
 * debugfs, kernel function ranges from a fake kallsyms), the CLI's option
 * parser and JSON output and the pure parts of fuzz (its errno table, the
 * seeded drawing of calls, its model of how the kernel parses knob writes,
 * its DMA-API overlap ledger). Needs no device and no root:
 * make -C userspace test.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dmabuf_p2p.h"
#include "fuzz.h"
#include "fuzz_overlap.h"
#include "harness.h"

#define PG 4096ULL
/* xoshiro256** after splitmix64 seeding with (seed 0, stream 0). */
#define PRNG_SEED0_FIRST 0xfb5405f7bd79c540ULL

static void parse_u64_good(void)
{
	uint64_t v;

	ASSERT_EQ(p2p_parse_u64("0", &v), 0);
	ASSERT_EQ(v, 0);
	ASSERT_EQ(p2p_parse_u64("123", &v), 0);
	ASSERT_EQ(v, 123);
	ASSERT_EQ(p2p_parse_u64("0x1f", &v), 0);
	ASSERT_EQ(v, 31);
	ASSERT_EQ(p2p_parse_u64("0XABC", &v), 0);
	ASSERT_EQ(v, 0xabc);
	ASSERT_EQ(p2p_parse_u64("010", &v), 0);
	ASSERT_EQ(v, 10);	/* decimal, not octal */
	ASSERT_EQ(p2p_parse_u64("18446744073709551615", &v), 0);
	ASSERT_TRUE(v == UINT64_MAX);
}

static void parse_u64_bad(void)
{
	static const char *const bad[] = { "", "abc", "12a", "-1", "+1", " 1", "0x", "0xg", "1 " };
	uint64_t v = 77;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (p2p_parse_u64(bad[i], &v) != -EINVAL)
			T_FAIL("'%s' accepted or wrong errno", bad[i]);
	}
	ASSERT_EQ(v, 77);
	ASSERT_EQ(p2p_parse_u64("18446744073709551616", &v), -ERANGE);
	ASSERT_EQ(p2p_parse_u64(NULL, &v), -EINVAL);
}

static void parse_size(void)
{
	static const struct { const char *s; uint64_t v; } good[] = {
		{ "4096", 4096 }, { "4K", 4096 }, { "4k", 4096 }, { "1M", 1 << 20 },
		{ "2G", 2ULL << 30 }, { "1T", 1ULL << 40 }, { "1KiB", 1024 },
		{ "3mib", 3 << 20 }, { "0x10K", 16 << 10 }, { "0xfk", 15 << 10 },
		{ "0x1f", 31 }, { "0", 0 },
	};
	static const char *const bad[] = { "", "K", "1Q", "1KB", "1.5M", "x1M", "-4K" };
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (p2p_parse_size(good[i].s, &v) || v != good[i].v)
			T_FAIL("'%s' gave %" PRIu64 " (%s)", good[i].s, v, p2p_last_error());
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!p2p_parse_size(bad[i], &v))
			T_FAIL("'%s' accepted as %" PRIu64, bad[i], v);
	}
	ASSERT_EQ(p2p_parse_size("18446744073709551615K", &v), -ERANGE);
	ASSERT_EQ(p2p_parse_size("16777216T", &v), -ERANGE);
	ASSERT_EQ(p2p_parse_size("16777215T", &v), 0);
}

static void parse_range(void)
{
	static const char *const bad[] = { "4K", ":4K", "4K:", "a:b", "1:2:3", "", "4K:-1" };
	struct p2p_range r;
	size_t i;

	ASSERT_EQ(p2p_parse_range("0:4K", &r), 0);
	ASSERT_EQ(r.offset, 0);
	ASSERT_EQ(r.length, 4096);
	ASSERT_EQ(p2p_parse_range("0x1000:0x2000", &r), 0);
	ASSERT_EQ(r.offset, 0x1000);
	ASSERT_EQ(r.length, 0x2000);
	ASSERT_EQ(p2p_parse_range("1M:8k", &r), 0);
	ASSERT_EQ(r.offset, 1 << 20);
	ASSERT_EQ(r.length, 8192);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!p2p_parse_range(bad[i], &r))
			T_FAIL("'%s' accepted", bad[i]);
	}
	ASSERT_TRUE(strstr(p2p_last_error(), "4K:-1") != NULL);
}

static void parse_bar(void)
{
	static const char *const bad[] = { "6", "bar", "bar6", "x", "", "-1", "bar 2" };
	unsigned int bar;
	size_t i;

	ASSERT_EQ(p2p_parse_bar("2", &bar), 0);
	ASSERT_EQ(bar, 2);
	ASSERT_EQ(p2p_parse_bar("bar0", &bar), 0);
	ASSERT_EQ(bar, 0);
	ASSERT_EQ(p2p_parse_bar("BAR5", &bar), 0);
	ASSERT_EQ(bar, 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!p2p_parse_bar(bad[i], &bar))
			T_FAIL("'%s' accepted", bad[i]);
	}
}

static void ranges_total(void)
{
	struct p2p_range r[3] = { { 0, PG }, { PG, 2 * PG }, { 0, 0 } };
	uint64_t total;

	ASSERT_EQ(p2p_ranges_total(r, 3, &total), 0);
	ASSERT_EQ(total, 3 * PG);
	ASSERT_EQ(p2p_ranges_total(r, 0, &total), 0);
	ASSERT_EQ(total, 0);
	r[2].length = UINT64_MAX - PG;
	ASSERT_EQ(p2p_ranges_total(r, 3, &total), -EOVERFLOW);
}

static void ranges_validate(void)
{
	struct p2p_range r[DMABUF_P2P_MAX_RANGES + 1];
	const uint64_t bar = 1 << 20;

	r[0] = (struct p2p_range){ 0, bar };
	ASSERT_EQ(p2p_ranges_validate(r, 1, bar, PG), 0);
	ASSERT_EQ(p2p_ranges_validate(r, 0, bar, PG), -EINVAL);
	r[0] = (struct p2p_range){ 0, 0 };
	ASSERT_EQ(p2p_ranges_validate(r, 1, bar, PG), -EINVAL);
	r[0] = (struct p2p_range){ 1, PG };
	ASSERT_EQ(p2p_ranges_validate(r, 1, bar, PG), -EINVAL);
	r[0] = (struct p2p_range){ 0, PG + 1 };
	ASSERT_EQ(p2p_ranges_validate(r, 1, bar, PG), -EINVAL);
	r[0] = (struct p2p_range){ UINT64_MAX & ~(PG - 1), 2 * PG };
	ASSERT_EQ(p2p_ranges_validate(r, 1, bar, PG), -EOVERFLOW);
	r[0] = (struct p2p_range){ bar, PG };
	ASSERT_EQ(p2p_ranges_validate(r, 1, bar, PG), -EINVAL);
	r[0] = (struct p2p_range){ bar - PG, 2 * PG };
	ASSERT_EQ(p2p_ranges_validate(r, 1, bar, PG), -EINVAL);
	/* each inside, together above the BAR */
	r[0] = r[1] = (struct p2p_range){ 0, bar };
	ASSERT_EQ(p2p_ranges_validate(r, 2, bar, PG), -EINVAL);
	ASSERT_TRUE(strstr(p2p_last_error(), "total") != NULL);
	ASSERT_EQ(p2p_ranges_stride(0, PG, PG, DMABUF_P2P_MAX_RANGES + 1, r), 0);
	ASSERT_EQ(p2p_ranges_validate(r, DMABUF_P2P_MAX_RANGES, bar, PG), 0);
	ASSERT_EQ(p2p_ranges_validate(r, DMABUF_P2P_MAX_RANGES + 1, bar, PG), -EINVAL);
}

static void ranges_stride_and_locate(void)
{
	struct p2p_range r[4];
	uint64_t bar_off, run;

	ASSERT_EQ(p2p_ranges_stride(PG, PG, 2 * PG, 3, r), 0);
	ASSERT_EQ(r[0].offset, PG);
	ASSERT_EQ(r[1].offset, 3 * PG);
	ASSERT_EQ(r[2].offset, 5 * PG);
	ASSERT_EQ(r[2].length, PG);
	ASSERT_EQ(p2p_ranges_stride(0, 2 * PG, PG, 2, r), -EINVAL);
	ASSERT_EQ(p2p_ranges_stride(0, 0, PG, 2, r), -EINVAL);
	ASSERT_EQ(p2p_ranges_stride(UINT64_MAX - PG, PG, 2 * PG, 2, r), -EOVERFLOW);

	/* buffer = BAR pages 4, 0, 2-3 laid end to end */
	r[0] = (struct p2p_range){ 4 * PG, PG };
	r[1] = (struct p2p_range){ 0, PG };
	r[2] = (struct p2p_range){ 2 * PG, 2 * PG };
	ASSERT_EQ(p2p_ranges_locate(r, 3, 0, &bar_off, &run), 0);
	ASSERT_EQ(bar_off, 4 * PG);
	ASSERT_EQ(run, PG);
	ASSERT_EQ(p2p_ranges_locate(r, 3, PG + 10, &bar_off, &run), 1);
	ASSERT_EQ(bar_off, 10);
	ASSERT_EQ(run, PG - 10);
	ASSERT_EQ(p2p_ranges_locate(r, 3, 3 * PG, &bar_off, &run), 2);
	ASSERT_EQ(bar_off, 3 * PG);
	ASSERT_EQ(run, PG);
	ASSERT_EQ(p2p_ranges_locate(r, 3, 4 * PG, &bar_off, &run), -ERANGE);
}

static void bdf_normalize(void)
{
	static const struct { const char *in, *out; } good[] = {
		{ "0000:00:03.0", "0000:00:03.0" }, { "00:03.0", "0000:00:03.0" },
		{ "0000:3:3.1", "0000:03:03.1" }, { "ABCD:EF:1f.7", "abcd:ef:1f.7" },
		{ "1:0.0", "0000:01:00.0" },
		/* VMD domains are 0x10000 and up; up to 8 domain digits */
		{ "10000:00:00.0", "10000:00:00.0" }, { "1000A:e1:1f.7", "1000a:e1:1f.7" },
		{ "00010000:02:00.1", "10000:02:00.1" }, { "ffffffff:ff:1f.7", "ffffffff:ff:1f.7" },
		{ "0:00:03.0", "0000:00:03.0" },
	};
	static const char *const bad[] = {
		"", "junk", "00:20.0", "00:03.8", "0000:00:03.0x", "-1:00.0", "100000000:00:00.0",
		"000010000:00:00.0", "1000g:00:00.0", ":00:03.0", "10000::00.0", "10000:00:00",
		"10000:00:20.0", "0x10000:00:00.0", "0000:100:00.0", "00:03", " 00:03.0",
		"0000:00:03.0 ",
	};
	char out[P2P_BDF_LEN];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (p2p_bdf_normalize(good[i].in, out) || strcmp(out, good[i].out))
			T_FAIL("'%s' -> '%s', want '%s'", good[i].in, out, good[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!p2p_bdf_normalize(bad[i], out))
			T_FAIL("'%s' accepted as '%s'", bad[i], out);
	}
}

static void resource_line(void)
{
	struct p2p_pci_res res;

	ASSERT_EQ(p2p_parse_resource_line("0x00000000fe000000 0x00000000fe0fffff 0x0000000000140204",
					  &res), 0);
	ASSERT_EQ(res.start, 0xfe000000);
	ASSERT_EQ(res.end - res.start + 1, 1 << 20);
	ASSERT_TRUE(res.flags & P2P_IORESOURCE_MEM);
	ASSERT_EQ(p2p_parse_resource_line("0x000000000000c000 0x000000000000c01f 0x0000000000040101",
					  &res), 0);
	ASSERT_TRUE(res.flags & P2P_IORESOURCE_IO);
	ASSERT_FALSE(res.flags & P2P_IORESOURCE_MEM);
	ASSERT_EQ(p2p_parse_resource_line("0x0 0x0", &res), -EINVAL);
	ASSERT_EQ(p2p_parse_resource_line("0x0 0x0 0x0 extra", &res), -EINVAL);
}

static void buf_line(void)
{
	struct p2p_buf_stat st;
	char line[256];

	snprintf(line, sizeof(line), P2P_EXP_BUF_FMT, 123456UL, 1048576ULL, 1, 2U, 3U, 4U, 5U, 6U, 7U,
		 8U);
	ASSERT_EQ(p2p_parse_buf_line(line, &st), 0);
	ASSERT_EQ(st.ino, 123456);
	ASSERT_EQ(st.size, 1048576);
	ASSERT_EQ(st.revoked, 1);
	ASSERT_EQ(st.attaches, 2);
	ASSERT_EQ(st.maps, 3);
	ASSERT_EQ(st.revokes, 4);
	ASSERT_EQ(st.unrevokes, 5);
	ASSERT_EQ(st.mapped, 6);
	ASSERT_EQ(st.bus_maps, 7);
	ASSERT_EQ(st.dma_maps, 8);
	/* order-free, extra keys ignored, big numbers */
	ASSERT_EQ(p2p_parse_buf_line("unrevokes=0 revokes=4294967295 new=7 maps=0 attaches=9 "
				     "mapped=4294967295 revoked=0 size=18446744073709551615 ino=1 bus_maps=3 dma_maps=5",
				     &st), 0);
	ASSERT_EQ(st.revokes, 4294967295u);
	ASSERT_TRUE(st.size == UINT64_MAX);
	ASSERT_EQ(st.attaches, 9);
	ASSERT_EQ(st.mapped, 4294967295u);
	ASSERT_EQ(st.bus_maps, 3);
	ASSERT_EQ(st.dma_maps, 5);
	/*
	 * missing key (mapped=, bus_maps= and dma_maps= too: a kernel that does
	 * not count them is refused), junk, overflows
	 */
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=0 attaches=0 maps=0 revokes=0 mapped=0 "
				     "bus_maps=0 dma_maps=0",
				     &st), -EINVAL);
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=0 attaches=0 maps=0 revokes=0 unrevokes=0 bus_maps=0 dma_maps=0",
				     &st), -EINVAL);
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=0 attaches=0 maps=0 revokes=0 unrevokes=0 mapped=0 dma_maps=0",
				     &st), -EINVAL);
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=0 attaches=0 maps=0 revokes=0 unrevokes=0 mapped=0 "
				     "bus_maps=0", &st), -EINVAL);
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=x attaches=0 maps=0 revokes=0 unrevokes=0 "
				     "mapped=0 bus_maps=0 dma_maps=0", &st), -EINVAL);
	ASSERT_EQ(p2p_parse_buf_line("ino=0x1 size=2 revoked=0 attaches=0 maps=0 revokes=0 unrevokes=0 "
				     "mapped=0 bus_maps=0 dma_maps=0", &st), -EINVAL);
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=0 attaches=0 maps=0 revokes=0 unrevokes=0 "
				     "mapped=-1 bus_maps=0 dma_maps=0", &st), -EINVAL);
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=0 attaches=4294967296 maps=0 revokes=0 "
				     "unrevokes=0 mapped=0 bus_maps=0 dma_maps=0", &st), -ERANGE);
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=0 attaches=0 maps=0 revokes=0 unrevokes=0 "
				     "mapped=4294967296 bus_maps=0 dma_maps=0", &st), -ERANGE);
	ASSERT_EQ(p2p_parse_buf_line("ino=1 size=2 revoked=0 attaches=0 maps=0 revokes=0 unrevokes=0 "
				     "mapped=0 bus_maps=0 dma_maps=0 junk", &st), -EINVAL);
	ASSERT_EQ(p2p_parse_buf_line("", &st), -EINVAL);
}

static void violation_line(void)
{
	static const char *const kinds[] = {
		P2P_VIOL_FENCE, P2P_VIOL_UNMAP, P2P_VIOL_DETACH, P2P_VIOL_PIN };
	char line[256], big[80];
	struct p2p_violation v;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(line, sizeof(line), P2P_EXP_VIOL_FMT, (unsigned long)(7 + i), kinds[i],
			 "dmabuf_p2p_imp_edu", "0000:00:04.0");
		memset(&v, 0x55, sizeof(v));
		ASSERT_EQ(p2p_parse_violation_line(line, &v), 0);
		ASSERT_EQ(v.ino, 7 + i);
		ASSERT_STREQ(v.kind, kinds[i]);
		ASSERT_STREQ(v.driver, "dmabuf_p2p_imp_edu");
		ASSERT_STREQ(v.dev, "0000:00:04.0");
	}
	/* order-free, unknown keys ignored, the largest inode */
	ASSERT_EQ(p2p_parse_violation_line("dev=dmabuf_p2p_imp ms=200 driver=platform kind=unmap "
					   "ino=18446744073709551615", &v), 0);
	ASSERT_TRUE(v.ino == UINT64_MAX);
	ASSERT_STREQ(v.kind, "unmap");
	ASSERT_STREQ(v.driver, "platform");
	ASSERT_STREQ(v.dev, "dmabuf_p2p_imp");

	/* Every key is required; a failed parse leaves *v alone. */
	v.ino = 99;
	ASSERT_EQ(p2p_parse_violation_line("ino=1 kind=pin driver=platform", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("ino=1 kind=pin dev=x", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("kind=pin driver=platform dev=x", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("ino=1 driver=platform dev=x", &v), -EINVAL);
	ASSERT_EQ(v.ino, 99);
	/* Bad numbers: signs, hex, junk, empty, too big. */
	ASSERT_EQ(p2p_parse_violation_line("ino=-1 kind=pin driver=platform dev=x", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("ino=0x10 kind=pin driver=platform dev=x", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("ino=12a kind=pin driver=platform dev=x", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("ino= kind=pin driver=platform dev=x", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("ino=18446744073709551616 kind=pin driver=platform dev=x",
					   &v), -EINVAL);
	/* Empty strings, a bare word. */
	ASSERT_EQ(p2p_parse_violation_line("ino=1 kind= driver=platform dev=x", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("ino=1 kind=pin driver= dev=x", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("ino=1 kind=pin driver=platform dev=x oops", &v), -EINVAL);
	ASSERT_EQ(p2p_parse_violation_line("", &v), -EINVAL);
	/* Strings up to their field's size less one; one more is refused. */
	memset(big, 'k', sizeof(v.kind) - 1);
	big[sizeof(v.kind) - 1] = '\0';
	snprintf(line, sizeof(line), "ino=1 kind=%s driver=d dev=x", big);
	ASSERT_EQ(p2p_parse_violation_line(line, &v), 0);
	ASSERT_EQ(strlen(v.kind), sizeof(v.kind) - 1);
	snprintf(line, sizeof(line), "ino=1 kind=%sk driver=d dev=x", big);
	ASSERT_EQ(p2p_parse_violation_line(line, &v), -EINVAL);
	memset(big, 'd', sizeof(v.driver) - 1);
	big[sizeof(v.driver) - 1] = '\0';
	snprintf(line, sizeof(line), "ino=1 kind=pin driver=%s dev=x", big);
	ASSERT_EQ(p2p_parse_violation_line(line, &v), 0);
	ASSERT_STREQ(v.driver, big);
	snprintf(line, sizeof(line), "ino=1 kind=pin driver=%sd dev=x", big);
	ASSERT_EQ(p2p_parse_violation_line(line, &v), -EINVAL);
	memset(big, 'v', sizeof(v.dev) - 1);
	big[sizeof(v.dev) - 1] = '\0';
	snprintf(line, sizeof(line), "ino=1 kind=pin driver=d dev=%s", big);
	ASSERT_EQ(p2p_parse_violation_line(line, &v), 0);
	ASSERT_STREQ(v.dev, big);
	snprintf(line, sizeof(line), "ino=1 kind=pin driver=d dev=%sv", big);
	ASSERT_EQ(p2p_parse_violation_line(line, &v), -EINVAL);
}

static void pin_policy_parse(void)
{
	ASSERT_EQ(p2p_parse_pin_policy("refused\n"), P2P_PIN_REFUSED);
	ASSERT_EQ(p2p_parse_pin_policy("refused"), P2P_PIN_REFUSED);
	ASSERT_EQ(p2p_parse_pin_policy("allowed\n"), P2P_PIN_ALLOWED);
	ASSERT_EQ(p2p_parse_pin_policy("allowed"), P2P_PIN_ALLOWED);
	ASSERT_EQ(p2p_parse_pin_policy(""), -EINVAL);
	ASSERT_EQ(p2p_parse_pin_policy("\n"), -EINVAL);
	ASSERT_EQ(p2p_parse_pin_policy("refuse"), -EINVAL);
	ASSERT_EQ(p2p_parse_pin_policy("refusedx"), -EINVAL);
	ASSERT_EQ(p2p_parse_pin_policy("Refused"), -EINVAL);
	ASSERT_EQ(p2p_parse_pin_policy(" allowed"), -EINVAL);
	ASSERT_EQ(p2p_parse_pin_policy("allowed\nrefused\n"), -EINVAL);
	ASSERT_STREQ(p2p_pin_policy_name(P2P_PIN_REFUSED), "refused");
	ASSERT_STREQ(p2p_pin_policy_name(P2P_PIN_ALLOWED), "allowed");
	ASSERT_STREQ(p2p_pin_policy_name(-EINVAL), "unknown");
}

static void rel_line(void)
{
	static const char *const paths[] = {
		P2P_REL_CLOSE, P2P_REL_TASK_WORK, P2P_REL_DELAYED, P2P_REL_EXIT, P2P_REL_OTHER };
	struct p2p_rel_rec r;
	char line[256];
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(line, sizeof(line), P2P_EXP_REL_FMT, (unsigned long)(42 + i), paths[i], 1U, 2U, 3U, 4U);
		ASSERT_EQ(p2p_parse_rel_line(line, &r), 0);
		ASSERT_EQ(r.ino, 42 + i);
		ASSERT_STREQ(r.path, paths[i]);
		ASSERT_EQ(r.attaches, 1);
		ASSERT_EQ(r.maps, 2);
		ASSERT_EQ(r.revokes, 3);
		ASSERT_EQ(r.unrevokes, 4);
	}
	ASSERT_EQ(p2p_parse_rel_line("ino=1 attaches=0 maps=0 revokes=0 unrevokes=0", &r), -EINVAL);
	ASSERT_EQ(p2p_parse_rel_line("ino=1 path= attaches=0 maps=0 revokes=0 unrevokes=0", &r),
		  -EINVAL);
	ASSERT_EQ(p2p_parse_rel_line("ino=1 path=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa attaches=0 "
				     "maps=0 revokes=0 unrevokes=0", &r), -EINVAL);
}

static void cap_walk(void)
{
	uint8_t cfg[4096];
	uint32_t hdr;

	memset(cfg, 0, sizeof(cfg));
	ASSERT_EQ(p2p_cap_find(cfg, 256, 0x01), -ENOENT);	/* no list bit */
	cfg[0x06] = 0x10;					/* status: cap list */
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x01; cfg[0x41] = 0x50;			/* PM */
	cfg[0x50] = 0x10; cfg[0x51] = 0x62;			/* PCIe; low bits ignored */
	cfg[0x60] = 0x13; cfg[0x61] = 0x00;			/* AF */
	ASSERT_EQ(p2p_cap_find(cfg, 256, 0x01), 0x40);
	ASSERT_EQ(p2p_cap_find(cfg, 256, 0x10), 0x50);
	ASSERT_EQ(p2p_cap_find(cfg, 256, 0x13), 0x60);
	ASSERT_EQ(p2p_cap_find(cfg, 256, 0x05), -ENOENT);
	ASSERT_EQ(p2p_cap_find(cfg, 32, 0x01), -EINVAL);
	cfg[0x61] = 0x40;					/* a loop ends too */
	ASSERT_EQ(p2p_cap_find(cfg, 256, 0x05), -ENOENT);

	hdr = 0x0001 | (1 << 16) | (0x150 << 20);		/* AER -> 0x150 */
	memcpy(cfg + 0x100, &hdr, 4);
	hdr = 0x000b | (1 << 16) | (0 << 20);			/* vendor, last */
	memcpy(cfg + 0x150, &hdr, 4);
	ASSERT_EQ(p2p_ext_cap_find(cfg, 4096, 0x0001), 0x100);
	ASSERT_EQ(p2p_ext_cap_find(cfg, 4096, 0x000b), 0x150);
	ASSERT_EQ(p2p_ext_cap_find(cfg, 4096, 0x0010), -ENOENT);
	ASSERT_EQ(p2p_ext_cap_find(cfg, 256, 0x0001), -ENOENT);
}

static void error_messages(void)
{
	uint64_t v;

	p2p_clear_error();
	ASSERT_STREQ(p2p_last_error(), "");
	ASSERT_EQ(p2p_parse_u64("zz", &v), -EINVAL);
	ASSERT_TRUE(strstr(p2p_last_error(), "zz") != NULL);
	ASSERT_TRUE(strstr(p2p_strerror(-EINVAL), "zz") != NULL);
	ASSERT_TRUE(strstr(p2p_strerror(EINVAL), "zz") != NULL);
	ASSERT_STREQ(p2p_strerror(-EPERM), strerror(EPERM));
	/* Library calls that hit the system say what they were doing. */
	ASSERT_EQ(p2p_read_file("/nonexistent/dmabuf-p2p", (char[8]){ 0 }, 8), -ENOENT);
	ASSERT_TRUE(strstr(p2p_last_error(), "/nonexistent/dmabuf-p2p") != NULL);
	ASSERT_TRUE(strstr(p2p_last_error(), strerror(ENOENT)) != NULL);
	p2p_clear_error();
	ASSERT_STREQ(p2p_strerror(-EINVAL), strerror(EINVAL));
}

static void trigger_table(void)
{
	const struct p2p_trigger_desc *d;
	size_t n, i;

	d = p2p_trigger_descs(&n);
	ASSERT_EQ(n, 8);
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(p2p_trigger_lookup(d[i].name) == &d[i]);
		ASSERT_TRUE(d[i].revoke != P2P_TRIG_NONE);
		ASSERT_FALSE(!strcmp(p2p_trigger_name(d[i].revoke), "?"));
	}
	ASSERT_TRUE(p2p_trigger_lookup("nope") == NULL);
	ASSERT_TRUE(strstr(p2p_last_error(), "nope") != NULL);
	d = p2p_trigger_lookup("mem");
	ASSERT_EQ(d->revoke, P2P_TRIG_MEM_OFF);
	ASSERT_EQ(d->restore, P2P_TRIG_MEM_ON);
	d = p2p_trigger_lookup("flr");
	ASSERT_EQ(d->restore, P2P_TRIG_NONE);
	ASSERT_FALSE(d->final);
	d = p2p_trigger_lookup("close");
	ASSERT_TRUE(d->final);
	ASSERT_STREQ(p2p_trigger_name(P2P_TRIG_KNOB_UNREVOKE), "knob-unrevoke");
	ASSERT_STREQ(p2p_trigger_name((enum p2p_trigger)99), "?");
}

/* Device-free system helpers: fd passing, fdinfo, small files. */
static void fdpass_roundtrip(void)
{
	struct stat a, b;
	int sv[2], fd, got;

	ASSERT_SYSOK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fd = memfd_create("lib_unit", MFD_CLOEXEC);
	ASSERT_SYSOK(fd);
	ASSERT_EQ(p2p_send_fd(sv[0], fd), 0);
	got = p2p_recv_fd(sv[1]);
	ASSERT_GE(got, 0);
	ASSERT_NE(got, fd);
	ASSERT_SYSOK(fstat(fd, &a));
	ASSERT_SYSOK(fstat(got, &b));
	ASSERT_EQ(a.st_ino, b.st_ino);
	ASSERT_EQ(a.st_dev, b.st_dev);
	ASSERT_TRUE(fcntl(got, F_GETFD) & FD_CLOEXEC);
	/* Data without an fd, then a closed peer. */
	ASSERT_EQ(write(sv[0], "x", 1), 1);
	ASSERT_EQ(p2p_recv_fd(sv[1]), -EBADMSG);
	close(sv[0]);
	ASSERT_EQ(p2p_recv_fd(sv[1]), -EPIPE);
	ASSERT_EQ(p2p_send_fd(sv[1], fd), -EPIPE);
	ASSERT_EQ(p2p_send_fd(-1, fd), -EBADF);
}

static void fdinfo_and_files(void)
{
	char val[64], *text;
	uint64_t ino, size;
	struct stat st;
	size_t len;
	int fd;

	fd = memfd_create("lib_unit", MFD_CLOEXEC);
	ASSERT_SYSOK(fd);
	ASSERT_SYSOK(ftruncate(fd, 8192));
	ASSERT_EQ(p2p_fdinfo_field(fd, "pos", val, sizeof(val)), 0);
	ASSERT_STREQ(val, "0");
	ASSERT_EQ(p2p_fdinfo_field(fd, "po", val, sizeof(val)), -ENOENT);
	ASSERT_EQ(p2p_fdinfo_field(fd, "exp_name", val, sizeof(val)), -ENOENT);
	ASSERT_EQ(p2p_dmabuf_ino(fd, &ino), 0);
	ASSERT_SYSOK(fstat(fd, &st));
	ASSERT_EQ(ino, st.st_ino);
	ASSERT_EQ(p2p_dmabuf_size(fd, &size), 0);
	ASSERT_EQ(size, 8192);
	ASSERT_EQ(p2p_dmabuf_ino(-1, &ino), -EBADF);
	ASSERT_EQ(p2p_read_file_alloc("/proc/self/status", &text, &len), 0);
	ASSERT_GT(len, 0);
	ASSERT_TRUE(strstr(text, "Name:") != NULL);
	free(text);
	ASSERT_EQ(p2p_read_file("/proc/self/comm", val, sizeof(val)) > 0, 1);
	ASSERT_TRUE(strchr(val, '\n') == NULL);
	ASSERT_EQ(p2p_write_file("/nonexistent/dmabuf-p2p", "1"), -ENOENT);
	ASSERT_EQ(p2p_module_find("/nonexistent", "x", val, sizeof(val)), -ENOENT);
	ASSERT_EQ(p2p_module_find(NULL, "x", val, sizeof(val)), -ENOENT);
}

/* The end of parse()'s argument list. */
#define END ((char *)NULL)

static int parse(struct cli_opts *o, char *err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "dmabuf-p2p";
	va_start(ap, err);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return cli_parse(argc, argv, o, err, 256);
}

static void cli_good(void)
{
	static struct cli_opts o;
	char err[256];

	ASSERT_EQ(parse(&o, err, "info", END), 0);
	ASSERT_EQ(o.cmd, CMD_INFO);
	ASSERT_TRUE(o.device == NULL);

	ASSERT_EQ(parse(&o, err, "--device", "00:03.0", "info", END), 0);
	ASSERT_STREQ(o.device, "00:03.0");
	ASSERT_EQ(parse(&o, err, "info", "--device=0000:00:03.0", END), 0);
	ASSERT_STREQ(o.device, "0000:00:03.0");

	ASSERT_EQ(parse(&o, err, "-d00:04.0", "create", "--bar", "2", "-r", "0:4K",
			"--range=8K:4K", "--mr", "--hold", "3", END), 0);
	ASSERT_EQ(o.cmd, CMD_CREATE);
	ASSERT_STREQ(o.device, "00:04.0");
	ASSERT_TRUE(o.bar_set);
	ASSERT_EQ(o.bar, 2);
	ASSERT_EQ(o.nr_ranges, 2);
	ASSERT_EQ(o.ranges[1].offset, 8192);
	ASSERT_EQ(o.ranges[1].length, 4096);
	ASSERT_TRUE(o.mr);
	ASSERT_EQ(o.hold_s, 3);

	ASSERT_EQ(parse(&o, err, "create", "--region", "7", END), 0);
	ASSERT_TRUE(o.region_set);
	ASSERT_EQ(o.region, 7);

	ASSERT_EQ(parse(&o, err, "revoke", END), 0);
	ASSERT_EQ(o.cmd, CMD_REVOKE);
	ASSERT_TRUE(o.trigger == NULL);
	ASSERT_EQ(parse(&o, err, "revoke", "mem", END), 0);
	ASSERT_EQ(o.cmd, CMD_REVOKE);
	ASSERT_STREQ(o.trigger, "mem");
	ASSERT_EQ(parse(&o, err, "revoke", "--trigger", "flr", "--no-importer", "-b", "bar0", END), 0);
	ASSERT_STREQ(o.trigger, "flr");
	ASSERT_TRUE(o.no_importer);
	ASSERT_EQ(o.bar, 0);

	ASSERT_EQ(parse(&o, err, "--help", END), 0);
	ASSERT_TRUE(o.help);
	ASSERT_EQ(o.cmd, CMD_NONE);
	ASSERT_EQ(parse(&o, err, "create", "-h", END), 0);
	ASSERT_TRUE(o.help);
	ASSERT_EQ(o.cmd, CMD_CREATE);
	/* help wins over what would otherwise be an error */
	ASSERT_EQ(parse(&o, err, "revoke", "--help", END), 0);
	ASSERT_TRUE(o.help);
}

static void cli_bad(void)
{
	static struct cli_opts o;
	char err[256];
	char *many[CLI_MAX_RANGES * 2 + 5];
	int i;

#define BAD(want, ...) do {							\
	if (!parse(&o, err, __VA_ARGS__, END))					\
		T_FAIL("accepted: %s", #__VA_ARGS__);				\
	if (!strstr(err, want))							\
		T_FAIL("%s: error '%s' lacks '%s'", #__VA_ARGS__, err, want);	\
} while (0)
	ASSERT_EQ(parse(&o, err, END), -1);
	ASSERT_TRUE(strstr(err, "no command") != NULL);
	BAD("unknown command", "frobnicate");
	BAD("unknown option", "info", "--bogus");
	BAD("unknown option", "info", "-z");
	BAD("needs a value", "create", "--bar");
	BAD("--bar", "create", "--bar", "9");
	BAD("does not apply", "create", "--trigger", "mem");
	BAD("does not apply", "info", "--mr");
	BAD("does not apply", "revoke", "mem", "--hold", "1");
	BAD("more than one trigger", "revoke", "mem", "--trigger", "flr");
	BAD("unexpected argument", "info", "extra");
	BAD("takes no value", "create", "--mr=1");
	BAD("exclude", "create", "--bar", "2", "--region", "7");
	BAD("needs a command", "--bar", "2");
	BAD("--range", "create", "--range", "4K");
	BAD("--device needs", "--device=", "info");
	BAD("unknown trigger 'nope'", "revoke", "nope");
	BAD("unknown trigger 'nope'", "revoke", "--trigger", "nope");
#undef BAD
	many[0] = "dmabuf-p2p";
	many[1] = "create";
	for (i = 0; i <= CLI_MAX_RANGES; i++) {
		many[2 + 2 * i] = "-r";
		many[3 + 2 * i] = "0:4K";
	}
	ASSERT_EQ(cli_parse(2 + 2 * (CLI_MAX_RANGES + 1), many, &o, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "at most") != NULL);
}


/* Same (seed, stream), same numbers; another stream or seed, others. */
static void prng_determinism(void)
{
	struct p2p_prng a, b, c, d;
	uint64_t va, vc, vd;
	int i, same_c = 0, same_d = 0;

	p2p_prng_seed(&a, 42, 3);
	p2p_prng_seed(&b, 42, 3);
	p2p_prng_seed(&c, 42, 4);
	p2p_prng_seed(&d, 43, 3);
	for (i = 0; i < 1000; i++) {
		va = p2p_prng_next(&a);
		ASSERT_TRUE(va == p2p_prng_next(&b));
		vc = p2p_prng_next(&c);
		vd = p2p_prng_next(&d);
		same_c += va == vc;
		same_d += va == vd;
	}
	ASSERT_EQ(same_c, 0);
	ASSERT_EQ(same_d, 0);
	/* (s, 1) and (s + 1, 0) must not be the same stream either. */
	p2p_prng_seed(&a, 7, 1);
	p2p_prng_seed(&b, 8, 0);
	ASSERT_TRUE(p2p_prng_next(&a) != p2p_prng_next(&b));
	/* Pinned: a replayed --seed must give the same run on any build. */
	p2p_prng_seed(&a, 0, 0);
	va = p2p_prng_next(&a);
	p2p_prng_seed(&b, 0, 0);
	ASSERT_TRUE(va == p2p_prng_next(&b));
	ASSERT_TRUE(va == PRNG_SEED0_FIRST);
}

static void prng_ranges(void)
{
	unsigned int seen_below[7] = { 0 }, seen_bit[32] = { 0 };
	struct p2p_prng p;
	uint32_t mask = (1u << 2) | (1u << 5) | (1u << 31);
	int i, b;

	p2p_prng_seed(&p, 1, 0);
	ASSERT_EQ(p2p_prng_below(&p, 0), 0);
	ASSERT_EQ(p2p_prng_below(&p, 1), 0);
	ASSERT_EQ(p2p_prng_pick_bit(&p, 0), -1);
	for (i = 0; i < 7000; i++) {
		uint32_t v = p2p_prng_below(&p, 7);

		ASSERT_LT(v, 7);
		seen_below[v]++;
		b = p2p_prng_pick_bit(&p, mask);
		ASSERT_TRUE(b >= 0 && b < 32 && (mask & (1u << b)));
		seen_bit[b]++;
	}
	/* Roughly uniform: every value turns up, none hogs the draws. */
	for (i = 0; i < 7; i++) {
		ASSERT_GT(seen_below[i], 700);
		ASSERT_LT(seen_below[i], 1300);
	}
	ASSERT_GT(seen_bit[2], 1900);
	ASSERT_GT(seen_bit[5], 1900);
	ASSERT_GT(seen_bit[31], 1900);
	ASSERT_EQ(p2p_prng_pick_bit(&p, 1u << 9), 9);
}

/* What a stress worker draws: (op, argument) pairs, two draws per op. */
static void op_sequence(uint64_t seed, unsigned int thread, unsigned int mask, int *ops,
			uint64_t *args, int n)
{
	struct p2p_prng p;
	int i;

	p2p_prng_seed(&p, seed, thread);
	for (i = 0; i < n; i++) {
		ops[i] = p2p_prng_pick_bit(&p, mask);
		args[i] = p2p_prng_next(&p);
	}
}

static void stress_op_sequence_determinism(void)
{
	static struct cli_opts o;
	int ops1[500], ops2[500], ops3[500], i, diff = 0;
	uint64_t a1[500], a2[500], a3[500];
	unsigned int seen = 0;
	char err[256];

	ASSERT_EQ(parse(&o, err, "stress", "--seed", "1234", "--ops", "create,revoke,close",
			END), 0);
	op_sequence(o.seed, 2, o.ops_mask, ops1, a1, 500);
	op_sequence(o.seed, 2, o.ops_mask, ops2, a2, 500);
	op_sequence(o.seed, 3, o.ops_mask, ops3, a3, 500);
	for (i = 0; i < 500; i++) {
		ASSERT_EQ(ops1[i], ops2[i]);
		ASSERT_TRUE(a1[i] == a2[i]);
		ASSERT_TRUE(ops1[i] == SOP_CREATE || ops1[i] == SOP_REVOKE ||
			    ops1[i] == SOP_CLOSE);
		seen |= 1u << ops1[i];
		diff += ops1[i] != ops3[i] || a1[i] != a3[i];
	}
	ASSERT_EQ(seen, (1u << SOP_CREATE) | (1u << SOP_REVOKE) | (1u << SOP_CLOSE));
	/* Another thread index: another sequence. */
	ASSERT_GT(diff, 400);
}

static void percentiles(void)
{
	uint64_t v[100], w[] = { 40, 10, 30, 20 }, one = 7, out = 0;
	int i;

	for (i = 0; i < 100; i++)
		v[i] = 100 - i;		/* reversed: the sort must put it right */
	p2p_sort_u64(v, 100);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(v[i], i + 1);
	}
	ASSERT_EQ(p2p_percentile_sorted(v, 100, 50, &out), 0);
	ASSERT_EQ(out, 50);
	ASSERT_EQ(p2p_percentile_sorted(v, 100, 99, &out), 0);
	ASSERT_EQ(out, 99);
	ASSERT_EQ(p2p_percentile_sorted(v, 100, 100, &out), 0);
	ASSERT_EQ(out, 100);
	ASSERT_EQ(p2p_percentile_sorted(v, 100, 0, &out), 0);
	ASSERT_EQ(out, 1);
	/* Nearest rank: always a measured value, rounding up. */
	p2p_sort_u64(w, 4);
	ASSERT_EQ(p2p_percentile_sorted(w, 4, 50, &out), 0);
	ASSERT_EQ(out, 20);
	ASSERT_EQ(p2p_percentile_sorted(w, 4, 51, &out), 0);
	ASSERT_EQ(out, 30);
	ASSERT_EQ(p2p_percentile_sorted(w, 4, 99, &out), 0);
	ASSERT_EQ(out, 40);
	ASSERT_EQ(p2p_percentile_sorted(&one, 1, 99, &out), 0);
	ASSERT_EQ(out, 7);
	out = 5;
	ASSERT_EQ(p2p_percentile_sorted(v, 0, 50, &out), -EINVAL);
	ASSERT_EQ(p2p_percentile_sorted(v, 100, 101, &out), -EINVAL);
	ASSERT_EQ(out, 5);
	ASSERT_TRUE(strstr(p2p_last_error(), "101") != NULL);
}

static void kmsg_splats_and_errno_names(void)
{
	static const char *const bad[] = {
		"WARNING: CPU: 1 PID: 77 at exporter/revoke.c:120 p2p_exp_revoke+0x1/0x2",
		"BUG: KASAN: slab-use-after-free in p2p_exp_release+0x10/0x20",
		"WARNING: possible circular locking dependency detected",
		"WARNING: possible recursive locking detected",
		"INFO: task dmabuf-p2p:99 blocked for more than 120 seconds.",
		"kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
		/* The rig's list has these; the library's own list once lacked them. */
		"watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [dmabuf-p2p:72]",
		"rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
		"Kernel panic - not syncing: hung_task: blocked tasks",
		"DMA-API: platform dmabuf_p2p_imp: device driver failed to check map error",
		"WARNING: bad unlock balance detected!",
	};
	static const char *const fine[] = {
		"dmabuf_p2p_exp 0000:01:00.0: enabling device (0000 -> 0002)",
		"vfio-pci: probe of 0000:02:00.0 failed with error -22",
		"kmemleak: Kernel memory leak detector initialized (mem pool available: 15)",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!p2p_kmsg_is_splat(bad[i]))
			T_FAIL("not seen as a splat: '%s'", bad[i]);
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		if (p2p_kmsg_is_splat(fine[i]))
			T_FAIL("seen as a splat: '%s'", fine[i]);
	ASSERT_STREQ(p2p_errno_name(ENODEV), "ENODEV");
	ASSERT_STREQ(p2p_errno_name(-EAGAIN), "EAGAIN");
	ASSERT_STREQ(p2p_errno_name(4000), "E4000");
}

static void cli_scenario_stress_good(void)
{
	static struct cli_opts o;
	unsigned int m;
	char err[256];

	ASSERT_EQ(parse(&o, err, "scenario", "all", "--tap", END), 0);
	ASSERT_EQ(o.cmd, CMD_SCENARIO);
	ASSERT_STREQ(o.scenario, "all");
	ASSERT_TRUE(o.tap);
	ASSERT_EQ(o.duration_s, SCENARIO_DEFAULT_S);
	ASSERT_EQ(o.threads, STRESS_DEFAULT_THREADS);
	ASSERT_EQ(parse(&o, err, "-d", "00:03.0", "scenario", "race-all", "--duration=5",
			"--threads", "8", "--json", END), 0);
	ASSERT_STREQ(o.scenario, "race-all");
	ASSERT_EQ(o.duration_s, 5);
	ASSERT_EQ(o.threads, 8);
	ASSERT_TRUE(o.json);
	ASSERT_EQ(parse(&o, err, "scenario", "--list", END), 0);
	ASSERT_TRUE(o.list);
	ASSERT_TRUE(o.scenario == NULL);

	ASSERT_EQ(parse(&o, err, "stress", END), 0);
	ASSERT_EQ(o.cmd, CMD_STRESS);
	ASSERT_EQ(o.duration_s, STRESS_DEFAULT_S);
	ASSERT_FALSE(o.seed_set);
	ASSERT_EQ(o.ops_mask, SOP_ALL);
	ASSERT_EQ(parse(&o, err, "stress", "--threads", "3", "--duration", "20", "--seed",
			"0x10", "--ops", "create,register,access", "--tap", END), 0);
	ASSERT_EQ(o.threads, 3);
	ASSERT_EQ(o.duration_s, 20);
	ASSERT_TRUE(o.seed_set);
	ASSERT_EQ(o.seed, 16);
	ASSERT_EQ(o.ops_mask, (1u << SOP_CREATE) | (1u << SOP_REGISTER) | (1u << SOP_ACCESS));
	ASSERT_EQ(parse(&o, err, "stress", "--seed", "0", "--ops=all", END), 0);
	ASSERT_TRUE(o.seed_set);
	ASSERT_EQ(o.seed, 0);
	ASSERT_EQ(o.ops_mask, SOP_ALL);

	ASSERT_EQ(cli_parse_ops("exit", &m, err, sizeof(err)), 0);
	ASSERT_EQ(m, 1u << SOP_EXIT);
	ASSERT_EQ(cli_parse_ops("close,close,reset", &m, err, sizeof(err)), 0);
	ASSERT_EQ(m, (1u << SOP_CLOSE) | (1u << SOP_RESET));
	ASSERT_STREQ(cli_stress_op_names[SOP_UNREVOKE], "unrevoke");
}

static void cli_scenario_stress_bad(void)
{
	static struct cli_opts o;
	unsigned int m = 99;
	char err[256];

#define BAD(want, ...) do {							\
	if (!parse(&o, err, __VA_ARGS__, END))					\
		T_FAIL("accepted: %s", #__VA_ARGS__);				\
	if (!strstr(err, want))							\
		T_FAIL("%s: error '%s' lacks '%s'", #__VA_ARGS__, err, want);	\
} while (0)
	BAD("needs a NAME", "scenario");
	BAD("unexpected argument", "scenario", "a", "b");
	BAD("--duration", "scenario", "all", "--duration", "0");
	BAD("--duration", "stress", "--duration", "1x");
	BAD("--duration", "stress", "--duration", "86401");
	BAD("--threads", "stress", "--threads", "0");
	BAD("--threads", "stress", "--threads", "65");
	BAD("--seed", "stress", "--seed", "-1");
	BAD("unknown operation 'frob'", "stress", "--ops", "create,frob");
	BAD("empty name", "stress", "--ops", "create,,close");
	BAD("trailing comma", "stress", "--ops", "create,");
	BAD("empty list", "stress", "--ops", "");
	BAD("does not apply", "scenario", "all", "--seed", "1");
	BAD("does not apply", "scenario", "all", "--ops", "create");
	BAD("does not apply", "stress", "--list");
	BAD("does not apply", "info", "--tap");
	BAD("does not apply", "create", "--duration", "3");
	BAD("exclude", "stress", "--json", "--tap");
	BAD("unexpected argument", "stress", "extra");
	BAD("needs a command", "--threads", "2");
#undef BAD
	ASSERT_EQ(cli_parse_ops("revoke,bogus", &m, err, sizeof(err)), -1);
	ASSERT_EQ(m, 99);
}

/* --json: every command takes it, and it says nothing with --tap or --list. */
static void cli_json_opts(void)
{
	static struct cli_opts o;
	char err[256];

	ASSERT_EQ(parse(&o, err, "info", "--json", END), 0);
	ASSERT_EQ(o.cmd, CMD_INFO);
	ASSERT_TRUE(o.json);
	ASSERT_EQ(parse(&o, err, "--json", "-d", "00:03.0", "info", END), 0);
	ASSERT_EQ(o.cmd, CMD_INFO);
	ASSERT_TRUE(o.json);
	ASSERT_STREQ(o.device, "00:03.0");
	ASSERT_EQ(parse(&o, err, "info", END), 0);
	ASSERT_FALSE(o.json);

	ASSERT_EQ(parse(&o, err, "create", "--bar", "2", "-r", "0:4K", "--mr", "--json",
			"--hold", "1", END), 0);
	ASSERT_EQ(o.cmd, CMD_CREATE);
	ASSERT_TRUE(o.json);
	ASSERT_TRUE(o.mr);
	ASSERT_EQ(o.nr_ranges, 1);
	ASSERT_EQ(o.hold_s, 1);

	ASSERT_EQ(parse(&o, err, "revoke", "--json", "flr", END), 0);
	ASSERT_EQ(o.cmd, CMD_REVOKE);
	ASSERT_TRUE(o.json);
	ASSERT_STREQ(o.trigger, "flr");
	ASSERT_EQ(parse(&o, err, "revoke", "--no-importer", "--json", END), 0);
	ASSERT_TRUE(o.json);
	ASSERT_TRUE(o.trigger == NULL);

	/* help still wins, and says --json is there */
	ASSERT_EQ(parse(&o, err, "create", "--json", "--help", END), 0);
	ASSERT_TRUE(o.help);

#define BAD(want, ...) do {							\
	if (!parse(&o, err, __VA_ARGS__, END))					\
		T_FAIL("accepted: %s", #__VA_ARGS__);				\
	if (!strstr(err, want))							\
		T_FAIL("%s: error '%s' lacks '%s'", #__VA_ARGS__, err, want);	\
} while (0)
	BAD("no command", "--json");
	BAD("takes no value", "info", "--json=1");
	BAD("takes no value", "revoke", "--json=yes");
	BAD("does not apply", "info", "--json", "--tap");
	BAD("does not apply", "create", "--tap", "--json");
	BAD("does not apply", "revoke", "mem", "--json", "--duration", "3");
	BAD("exclude", "scenario", "all", "--json", "--tap");
	BAD("--json does not apply to --list", "scenario", "--list", "--json");
	BAD("unexpected argument", "info", "--json", "json");
#undef BAD
}

/* cli_json_print() writes @o (and frees it) as @want. */
static void json_is(struct json_object *o, const char *want)
{
	char got[1024] = "";
	FILE *f = fmemopen(got, sizeof(got) - 1, "w");

	ASSERT_TRUE(f != NULL);
	cli_json_print(f, o);
	fclose(f);
	if (strcmp(got, want))
		T_FAIL("got  %s\nwant %s", got, want);
}

/* One line, json-c's escapes, null for NULL, '/' left as is (paths get grepped). */
static void cli_json_strings(void)
{
	static const char want[] =
		"{\"command\":null,\"q\":\"say \\\"hi\\\" a\\\\b\",\"c\":\"l1\\nl2\\r\\t"
		"\\b\\f\\u0001\\u001f\",\"p\":\"/sys/kernel/debug\",\"u\":\"caf\xc3\xa9\","
		"\"n\":null,\"f\":\"0x1f:x\",\"big\":18446744073709551615,\"neg\":-5,"
		"\"t\":true,\"a\":[\"x\",null,{\"k\":0}]}\n";
	struct json_object *j = cli_json_new(""), *a;

	cli_json_s(j, "q", "say \"hi\" a\\b");
	cli_json_s(j, "c", "l1\nl2\r\t\b\f\x01\x1f");
	cli_json_s(j, "p", "/sys/kernel/debug");
	cli_json_s(j, "u", "caf\xc3\xa9");
	cli_json_s(j, "n", NULL);
	cli_json_sf(j, "f", "0x%x:%s", 31, "x");
	cli_json_u(j, "big", UINT64_MAX);
	cli_json_i(j, "neg", -5);
	cli_json_b(j, "t", true);
	a = cli_json_arr(j, "a");
	cli_json_s(a, NULL, "x");
	cli_json_null(a, NULL);
	cli_json_u(cli_json_obj(a, NULL), "k", 0);
	json_is(j, want);
}

/* A fake exporter debugfs with more buffers than any fixed array held. */
static void buffer_stat_many(void)
{
	enum { NBUF = 300 };
	char root[] = "/tmp/lib_unit.XXXXXX", dir[64], path[96];
	struct p2p_buf_stat st = { 0 }, first[4];
	int i, r_last, r_mid, r_none, r_list, r_nodev;
	FILE *f;

	ASSERT_TRUE(mkdtemp(root) != NULL);
	snprintf(dir, sizeof(dir), "%s/0000:00:03.0", root);
	snprintf(path, sizeof(path), "%s/buffers", dir);
	ASSERT_SYSOK(mkdir(dir, 0700));
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	for (i = 0; i < NBUF; i++)
		fprintf(f, P2P_EXP_BUF_FMT, 1000UL + i, (i + 1) * PG, i & 1, i, 2U, 3U, 4U, 5U,
			0U, 1U);
	ASSERT_SYSOK(fclose(f));

	p2p_exp_debugfs_set_root(root);
	r_list = p2p_buffers_list("0000:00:03.0", first, 4);
	r_mid = p2p_buffer_stat("0000:00:03.0", 1000 + 100, &st);
	r_last = p2p_buffer_stat("0000:00:03.0", 1000 + NBUF - 1, &st);
	r_none = p2p_buffer_stat("0000:00:03.0", 1000 + NBUF, &st);
	r_nodev = p2p_buffer_stat("0000:00:04.0", 1000, &st);
	p2p_exp_debugfs_set_root(NULL);
	unlink(path);
	rmdir(dir);
	rmdir(root);

	ASSERT_EQ(r_list, NBUF);
	ASSERT_EQ(first[3].ino, 1003);
	ASSERT_EQ(r_mid, 0);
	ASSERT_EQ(r_last, 0);
	ASSERT_EQ(st.ino, 1000 + NBUF - 1);
	ASSERT_EQ(st.size, NBUF * PG);
	ASSERT_EQ(st.attaches, NBUF - 1);
	ASSERT_EQ(st.mapped, 5);
	ASSERT_EQ(r_none, -ENOENT);
	ASSERT_EQ(r_nodev, -ENOENT);
	ASSERT_EQ(p2p_exp_knob_path(NULL, "x", path, sizeof(path)), 0);
	ASSERT_STREQ(path, P2P_EXP_DEBUGFS "/x");
}

/* The contract's files in a fake exporter debugfs: the log, clearing it, the pin policy. */
static void contract_files(void)
{
	char root[] = "/tmp/lib_unit.XXXXXX", vpath[64], ppath[64];
	struct p2p_violation v[2];
	int r_list, r_count, r_clear, r_pin_refused, r_pin_allowed, r_pin_bad, r_bad;
	FILE *f;

	ASSERT_TRUE(mkdtemp(root) != NULL);
	snprintf(vpath, sizeof(vpath), "%s/violations", root);
	snprintf(ppath, sizeof(ppath), "%s/pin_policy", root);
	f = fopen(vpath, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, P2P_EXP_VIOL_FMT, 11UL, P2P_VIOL_UNMAP, "platform", "dmabuf_p2p_imp");
	fprintf(f, "\n");
	fprintf(f, P2P_EXP_VIOL_FMT, 12UL, P2P_VIOL_FENCE, "dmabuf_p2p_imp", "mr-3");
	fprintf(f, P2P_EXP_VIOL_FMT, 13UL, P2P_VIOL_PIN, "platform", "dmabuf_p2p_imp");
	ASSERT_SYSOK(fclose(f));
	f = fopen(ppath, "w");
	ASSERT_TRUE(f != NULL);
	fputs("refused\n", f);
	ASSERT_SYSOK(fclose(f));

	p2p_exp_debugfs_set_root(root);
	r_list = p2p_violations_list(v, 2);
	r_count = p2p_violations_list(NULL, 0);
	r_clear = p2p_violations_clear();
	r_pin_refused = p2p_pin_policy();
	f = fopen(ppath, "w");
	if (f) {
		fputs("allowed\n", f);
		fclose(f);
	}
	r_pin_allowed = p2p_pin_policy();
	f = fopen(ppath, "w");
	if (f) {
		fputs("maybe\n", f);
		fclose(f);
	}
	r_pin_bad = p2p_pin_policy();
	/* One bad line spoils the whole read: no half-trusted log. */
	f = fopen(vpath, "w");
	if (f) {
		fprintf(f, P2P_EXP_VIOL_FMT, 11UL, P2P_VIOL_UNMAP, "platform", "dmabuf_p2p_imp");
		fputs("ino=12 kind=fence driver=dmabuf_p2p_imp\n", f);
		fclose(f);
	}
	r_bad = p2p_violations_list(v, 2);
	p2p_exp_debugfs_set_root(NULL);
	unlink(vpath);
	unlink(ppath);
	rmdir(root);

	ASSERT_EQ(r_list, 3);
	ASSERT_EQ(r_count, 3);
	ASSERT_EQ(v[0].ino, 11);
	ASSERT_STREQ(v[0].kind, P2P_VIOL_UNMAP);
	ASSERT_STREQ(v[0].driver, "platform");
	ASSERT_STREQ(v[0].dev, "dmabuf_p2p_imp");
	ASSERT_EQ(v[1].ino, 12);
	ASSERT_STREQ(v[1].kind, P2P_VIOL_FENCE);
	ASSERT_STREQ(v[1].dev, "mr-3");
	ASSERT_EQ(r_clear, 0);
	ASSERT_EQ(r_pin_refused, P2P_PIN_REFUSED);
	ASSERT_EQ(r_pin_allowed, P2P_PIN_ALLOWED);
	ASSERT_EQ(r_pin_bad, -EINVAL);
	ASSERT_EQ(r_bad, -EINVAL);
	/* No such device anywhere, and names that are not device names. */
	ASSERT_EQ(p2p_dev_driver_string("dmabuf-p2p-lib-unit-no-such-device", vpath, sizeof(vpath)),
		  -ENOENT);
	ASSERT_EQ(p2p_dev_driver_string("", vpath, sizeof(vpath)), -EINVAL);
	ASSERT_EQ(p2p_dev_driver_string("../../x", vpath, sizeof(vpath)), -EINVAL);
}

/* A fake P2P_ACCESS_CHECK: @need page segments, -ENOSPC when they do not fit. */
struct fake_check {
	uint32_t need;
	uint32_t grow;		/* added to @need by each call (a racing remap) */
	bool say_need;		/* -ENOSPC tells how many are needed */
	bool always_more;	/* one more than the room, whatever it is */
	int err;		/* fail with this instead */
	unsigned int calls;
};

static int fake_check_fill(void *arg, struct p2p_dma_seg *segs, uint32_t cap, uint32_t *count)
{
	struct fake_check *c = arg;
	uint32_t i, need = c->need;

	c->calls++;
	c->need += c->grow;
	if (c->always_more)
		need = cap + 1;
	if (c->err)
		return -c->err;
	if (need > cap) {
		*count = c->say_need ? need : 0;
		return -ENOSPC;
	}
	for (i = 0; i < need; i++) {
		segs[i].dma_addr = 0x80000000ULL + i * PG;
		segs[i].length = PG;
	}
	*count = need;
	return 0;
}

/* create --mr: as many DMA segments as the MR has (a 6 MiB BAR in pages). */
static void cli_create_mr_segs(void)
{
	struct fake_check c = { .need = 1536, .say_need = true };
	struct p2p_dma_seg *segs;
	uint32_t n = 0;

	ASSERT_EQ(p2p_segs_collect(fake_check_fill, &c, &segs, &n), 0);
	ASSERT_EQ(n, 1536);
	ASSERT_EQ(c.calls, 2);
	ASSERT_EQ(segs[1535].dma_addr, 0x80000000ULL + 1535 * PG);
	free(segs);

	c = (struct fake_check){ .need = 3, .say_need = true };
	ASSERT_EQ(p2p_segs_collect(fake_check_fill, &c, &segs, &n), 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(c.calls, 1);
	free(segs);

	/* -ENOSPC without a count: the room doubles until it fits */
	c = (struct fake_check){ .need = 1000 };
	ASSERT_EQ(p2p_segs_collect(fake_check_fill, &c, &segs, &n), 0);
	ASSERT_EQ(n, 1000);
	ASSERT_EQ(c.calls, 5);		/* 64, 128, 256, 512, 1024 */
	free(segs);

	/* the mapping grows between calls: still caught up with */
	c = (struct fake_check){ .need = 100, .grow = 7, .say_need = true };
	ASSERT_EQ(p2p_segs_collect(fake_check_fill, &c, &segs, &n), 0);
	ASSERT_GE(n, 100);
	free(segs);

	/* errors pass through, nothing is left allocated */
	c = (struct fake_check){ .need = 100, .err = ENODEV };
	segs = (struct p2p_dma_seg *)&c;
	ASSERT_EQ(p2p_segs_collect(fake_check_fill, &c, &segs, &n), -ENODEV);
	ASSERT_TRUE(segs == NULL);
	c = (struct fake_check){ .say_need = true, .always_more = true };
	ASSERT_EQ(p2p_segs_collect(fake_check_fill, &c, &segs, &n), -ENOSPC);
	ASSERT_TRUE(segs == NULL);
	ASSERT_EQ(c.calls, 32);
}

/* Run cli_dmabuf_facts() on @fd with stderr captured into @err. */
static int facts_capture(int fd, uint64_t *ino, uint64_t *size, char *name, size_t nlen,
			 char *err, size_t elen)
{
	int cap, saved, ret;
	ssize_t n;

	cap = memfd_create("stderr", MFD_CLOEXEC);
	ASSERT_SYSOK(cap);
	fflush(stderr);
	saved = dup(2);
	ASSERT_SYSOK(saved);
	ASSERT_SYSOK(dup2(cap, 2));
	ret = cli_dmabuf_facts(fd, ino, size, name, nlen);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(cap, err, elen - 1, 0);
	close(cap);
	err[n > 0 ? n : 0] = '\0';
	return ret;
}

/* create: what the new buffer says about itself, or a failure said once. */
static void cli_create_facts(void)
{
	uint64_t ino = 77, size = 77;
	char name[64] = "?", err[512];
	struct stat st;
	int fd, p[2];

	ASSERT_EQ(facts_capture(-1, &ino, &size, name, sizeof(name), err, sizeof(err)),
		  -EBADF);
	ASSERT_TRUE(!strncmp(err, "dmabuf-p2p: ", 12));
	ASSERT_TRUE(strstr(err, strerror(EBADF)) != NULL);
	ASSERT_TRUE(strchr(err, '\n') == err + strlen(err) - 1);	/* one line */
	ASSERT_STREQ(cli_last_err(), "fstat fd -1: Bad file descriptor");

	ASSERT_SYSOK(pipe2(p, O_CLOEXEC));
	ASSERT_EQ(facts_capture(p[0], &ino, &size, name, sizeof(name), err, sizeof(err)),
		  -ESPIPE);
	ASSERT_TRUE(strstr(err, "lseek") != NULL);
	ASSERT_TRUE(strchr(err, '\n') == err + strlen(err) - 1);
	close(p[0]);
	close(p[1]);

	fd = memfd_create("lib_unit", MFD_CLOEXEC);
	ASSERT_SYSOK(fd);
	ASSERT_SYSOK(ftruncate(fd, 3 * PG));
	ASSERT_EQ(facts_capture(fd, &ino, &size, name, sizeof(name), err, sizeof(err)), 0);
	ASSERT_STREQ(err, "");
	ASSERT_SYSOK(fstat(fd, &st));
	ASSERT_EQ(ino, st.st_ino);
	ASSERT_EQ(size, 3 * PG);
	ASSERT_STREQ(name, "?");	/* memfds have no exp_name: left as it was */
	close(fd);
}

static int count_fds(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir("/proc/self/fd");
	ASSERT_TRUE(d != NULL);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/* One sendmsg() with @n fds, all @fd. */
static void send_fds(int sock, int fd, unsigned int n)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} ctl;
	char data = 'F';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cmsg;
	unsigned int i;

	memset(&ctl, 0, sizeof(ctl));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	for (i = 0; i < n; i++)
		memcpy(CMSG_DATA(cmsg) + i * sizeof(int), &fd, sizeof(int));
	ASSERT_EQ(sendmsg(sock, &msg, MSG_NOSIGNAL), 1);
}

/* More fds than one in a message: refused, and none of them left open. */
static void fdpass_extra_fds(void)
{
	int sv[2], fd, before, got, ret;
	unsigned int n;

	ASSERT_SYSOK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fd = memfd_create("lib_unit", MFD_CLOEXEC);
	ASSERT_SYSOK(fd);
	before = count_fds();
	for (n = 2; n <= 8; n++) {
		send_fds(sv[0], fd, n);
		ret = p2p_recv_fd(sv[1]);
		if (count_fds() != before)
			T_FAIL("%u fds sent: %d fds leaked", n, count_fds() - before);
		ASSERT_EQ(ret, -EMSGSIZE);
	}
	ASSERT_TRUE(strstr(p2p_last_error(), "closed") != NULL);
	/* The stream is still in step: one fd goes through. */
	send_fds(sv[0], fd, 1);
	got = p2p_recv_fd(sv[1]);
	ASSERT_GE(got, 0);
	ASSERT_EQ(count_fds(), before + 1);
	close(got);
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

static char *usage_of(enum cli_cmd cmd)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ASSERT_TRUE(f != NULL);
	cli_usage(f, cmd);
	fclose(f);
	return out;
}

#define HAS(text, s)	ASSERT_TRUE(strstr(text, s) != NULL)
#define LACKS(text, s)	ASSERT_TRUE(strstr(text, s) == NULL)

/* --help gives the defaults of the command asked about, no other's. */
static void cli_usage_defaults(void)
{
	char *u = usage_of(CMD_REVOKE);

	HAS(u, "default: the first page");
	HAS(u, "default: every trigger, in turn");
	LACKS(u, "whole BAR");
	free(u);
	u = usage_of(CMD_CREATE);
	HAS(u, "default: the whole BAR");
	LACKS(u, "first page");
	free(u);
	u = usage_of(CMD_SCENARIO);
	HAS(u, "default: 3, for each race scenario");
	HAS(u, "default: 4");
	LACKS(u, "60");
	LACKS(u, "stress run");
	free(u);
	u = usage_of(CMD_STRESS);
	HAS(u, "default: 60\n");
	LACKS(u, "race scenario");
	free(u);
	u = usage_of(CMD_FUZZ);
	HAS(u, "default: 1\n");
	HAS(u, "default: 100000");
	free(u);
}

#undef HAS
#undef LACKS

/* --version needs no command and no device. */
static void cli_version(void)
{
	static struct cli_opts o;
	char err[256];

	ASSERT_EQ(parse(&o, err, "--version", END), 0);
	ASSERT_TRUE(o.version);
	ASSERT_EQ(parse(&o, err, "-V", END), 0);
	ASSERT_TRUE(o.version);
	ASSERT_EQ(parse(&o, err, "info", "--version", END), 0);
	ASSERT_TRUE(o.version);
	ASSERT_EQ(parse(&o, err, "info", END), 0);
	ASSERT_FALSE(o.version);
}

/* Numbers with the decimals asked for; what JSON cannot say (NaN, infinity) is null. */
static void cli_json_double(void)
{
	const char *want = "{\"command\":\"t\",\"a\":2.5,\"b\":0.0,\"c\":null,\"d\":null,"
			   "\"e\":-1234567.9,\"f\":20.037}\n";
	struct json_object *j = cli_json_new("t");

	cli_json_d(j, "a", 2.5, 1);
	cli_json_d(j, "b", 0, 1);
	cli_json_d(j, "c", NAN, 1);
	cli_json_d(j, "d", INFINITY, 1);
	cli_json_d(j, "e", -1234567.89, 1);
	cli_json_d(j, "f", 20.037, 3);
	json_is(j, want);
}

/* A fake /dev/kmsg: read() refuses (EINVAL) a buffer the record does not fit. */
static const char *const *kmsg_recs;
static size_t kmsg_pos;

static ssize_t fake_kmsg_read(int fd, void *buf, size_t count)
{
	const char *rec = kmsg_recs[kmsg_pos];
	size_t len;

	(void)fd;
	if (!rec) {
		errno = EAGAIN;
		return -1;
	}
	len = strlen(rec);
	if (len > count) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, rec, len);
	kmsg_pos++;
	return len;
}

static char *kmsg_rec(unsigned int seq, const char *text, size_t pad)
{
	size_t hlen = 32, len = hlen + strlen(text) + pad + 2;
	char *r = malloc(len);
	int n;

	ASSERT_TRUE(r != NULL);
	n = snprintf(r, len, "4,%u,1000,-;%s", seq, text);
	memset(r + n, 'x', pad);
	strcpy(r + n + pad, "\n");
	return r;
}

/* Records of 8 KiB and more: read, not the end of the splat scan. */
static void kmsg_big_records(void)
{
	char *big = kmsg_rec(2, "dmabuf_p2p_exp: long ", 12000);
	char *bigsplat = kmsg_rec(4, "BUG: KASAN: a long report ", 100000);
	char *huge = kmsg_rec(6, "too big ", 2 << 20);
	const char *recs[] = {
		"6,1,1000,-;hello\n", big,
		"4,3,1000,-;WARNING: CPU: 0 PID: 1 at exporter/revoke.c:1 x+0x1/0x2\n",
		bigsplat, "6,5,1000,-;bye\n", NULL, huge, NULL,
	};
	char first[256] = "", line[1024];
	int ret, next, hit;

	kmsg_recs = recs;
	kmsg_pos = 0;
	p2p_kmsg_set_reader(fake_kmsg_read);
	ret = p2p_kmsg_scan_splats(-1, first, sizeof(first));
	kmsg_pos = 0;
	next = p2p_kmsg_next(-1, line, sizeof(line));
	next = p2p_kmsg_next(-1, line, sizeof(line));
	/* past 1 MiB it says so and stops, without looping */
	kmsg_pos = 6;
	hit = p2p_kmsg_next(-1, line, sizeof(line));
	p2p_kmsg_set_reader(NULL);
	free(big);
	free(bigsplat);
	free(huge);

	ASSERT_EQ(ret, 2);
	ASSERT_TRUE(!strncmp(first, "WARNING: CPU: 0", 15));
	ASSERT_EQ(next, strlen("dmabuf_p2p_exp: long ") + 12000);
	ASSERT_EQ(strlen(line), sizeof(line) - 1);
	ASSERT_TRUE(!strncmp(line, "dmabuf_p2p_exp: long xxx", 24));
	ASSERT_EQ(hit, -EINVAL);
}


/* A device as fuzz_draw() sees it: 1 MiB BAR 2, an I/O BAR 0, PM and PCIe caps. */
static const struct fuzz_geom fuzz_test_geom = {
	.page = PG, .bar = 2, .bar_size = 1 << 20, .io_bar = 0, .empty_bar = 4,
	.cfg_size = 4096, .pm = 0x40, .exp = 0x60, .af = 0, .threads = 4,
};

static void fuzz_errno_table(void)
{
	char buf[512];
	int k, e;

	for (k = 0; k < FK_NR; k++) {
		const struct fuzz_kind_desc *d = fuzz_kind_desc(k);

		ASSERT_TRUE(d && d->name && d->what && d->errs);
		ASSERT_EQ(fuzz_kind_lookup(d->name), k);
		/* Every kind allows something: success or at least one errno. */
		ASSERT_TRUE(d->success || d->errs[0]);
		for (e = 0; d->errs[e]; e++) {
			ASSERT_TRUE(d->errs[e] > 0 && d->errs[e] < 4096);
		}
		ASSERT_EQ(fuzz_allowed(k, 0), d->success);
		/* Nothing allows an errno the kernel never returns from these calls. */
		ASSERT_FALSE(fuzz_allowed(k, ENOEXEC));
	}
	ASSERT_EQ(fuzz_kind_lookup("no-such-kind"), -1);
	ASSERT_FALSE(fuzz_allowed(FK_NR, 0));
	ASSERT_STREQ(fuzz_kind_name(FK_NR), "?");

	/* Strict where the arguments leave no choice. */
	ASSERT_TRUE(fuzz_allowed(FK_CREATE, 0));
	ASSERT_FALSE(fuzz_allowed(FK_CREATE, EINVAL));
	ASSERT_FALSE(fuzz_allowed(FK_CREATE, ENODEV));
	ASSERT_FALSE(fuzz_allowed(FK_FEAT_BADHDR, 0));
	ASSERT_TRUE(fuzz_allowed(FK_FEAT_BADHDR, EINVAL));
	ASSERT_FALSE(fuzz_allowed(FK_FEAT_BADHDR, ENOTTY));
	ASSERT_TRUE(fuzz_allowed(FK_FEAT_REQ, E2BIG));
	ASSERT_TRUE(fuzz_allowed(FK_FEAT_REQ, EOVERFLOW));
	ASSERT_FALSE(fuzz_allowed(FK_FEAT_REQ, EFAULT));
	ASSERT_TRUE(fuzz_allowed(FK_CFG_OOB, EFAULT));
	ASSERT_FALSE(fuzz_allowed(FK_CFG_OOB, 0));
	ASSERT_FALSE(fuzz_allowed(FK_CFG, EFAULT));
	ASSERT_TRUE(fuzz_allowed(FK_REG, ENODEV));
	ASSERT_TRUE(fuzz_allowed(FK_REG, EACCES));
	ASSERT_FALSE(fuzz_allowed(FK_REG, EINVAL));
	ASSERT_FALSE(fuzz_allowed(FK_REG, EBADF));
	ASSERT_TRUE(fuzz_allowed(FK_REG_BAD, EINVAL));
	ASSERT_FALSE(fuzz_allowed(FK_REG_UDMABUF, ENODEV));
	ASSERT_FALSE(fuzz_allowed(FK_REG_NOTBUF, 0));
	ASSERT_FALSE(fuzz_allowed(FK_REG_NOTBUF, EBADF));
	ASSERT_TRUE(fuzz_allowed(FK_REG_BADFD, EBADF));
	ASSERT_FALSE(fuzz_allowed(FK_REG_BADFD, 0));
	ASSERT_TRUE(fuzz_allowed(FK_REG_ANYFD, 0));
	ASSERT_TRUE(fuzz_allowed(FK_REG_ANYFD, EBADF));
	ASSERT_FALSE(fuzz_allowed(FK_DEREG, ENOENT));
	ASSERT_TRUE(fuzz_allowed(FK_DEREG_ANY, ENOENT));
	ASSERT_FALSE(fuzz_allowed(FK_QUERY, EINVAL));
	ASSERT_TRUE(fuzz_allowed(FK_ACCESS, EINTR));
	ASSERT_FALSE(fuzz_allowed(FK_ACCESS, EFAULT));
	ASSERT_FALSE(fuzz_allowed(FK_ACCESS, ENOENT));
	ASSERT_TRUE(fuzz_allowed(FK_ACCESS_BAD, EFAULT));
	ASSERT_TRUE(fuzz_allowed(FK_ACCESS_ANY, ENOENT));
	ASSERT_FALSE(fuzz_allowed(FK_ACCESS, EIO));
	ASSERT_TRUE(fuzz_allowed(FK_IMP_IOCTL, ENOTTY));
	ASSERT_FALSE(fuzz_allowed(FK_IMP_IOCTL, 0));
	ASSERT_TRUE(fuzz_allowed(FK_KNOB_EXP, ERANGE));
	ASSERT_FALSE(fuzz_allowed(FK_KNOB_REVOKE, EINVAL));
	ASSERT_TRUE(fuzz_allowed(FK_RACE_HELPER, ENOTTY));
	ASSERT_FALSE(fuzz_allowed(FK_SHARE, EAGAIN));
	/* Injected errnos reach only the calls that attach or map. */
	ASSERT_TRUE(fuzz_kind_desc(FK_REG)->injectable);
	ASSERT_TRUE(fuzz_kind_desc(FK_ACCESS)->injectable);
	ASSERT_FALSE(fuzz_kind_desc(FK_CREATE)->injectable);
	ASSERT_FALSE(fuzz_kind_desc(FK_DEREG)->injectable);

	ASSERT_STREQ(fuzz_allowed_str(FK_REG_NOTBUF, buf, sizeof(buf)), "EINVAL E2BIG ENOSPC");
	ASSERT_STREQ(fuzz_allowed_str(FK_DEREG, buf, sizeof(buf)), "OK");
	ASSERT_STREQ(fuzz_allowed_str(FK_CFG_OOB, buf, sizeof(buf)), "EFAULT");
	/* The table's macros repeat errnos: each is said once. */
	fuzz_allowed_str(FK_ACCESS_ANY, buf, sizeof(buf));
	ASSERT_TRUE(strstr(buf, "OK ENODEV") == buf);
	ASSERT_TRUE(strstr(buf, "ENOENT"));
	ASSERT_TRUE(strstr(strstr(buf, "EINVAL") + 1, " EINVAL ") == NULL);
	ASSERT_TRUE(strstr(buf, "+ armed fail_next_*"));
	/* A buffer too small is cut, still terminated. */
	fuzz_allowed_str(FK_ACCESS_ANY, buf, 8);
	ASSERT_TRUE(strlen(buf) < 8);
}

static void fuzz_kstrto_model(void)
{
	uint64_t u;

	ASSERT_EQ(fuzz_kstrtoull("0", &u), 0);
	ASSERT_EQ(u, 0);
	ASSERT_EQ(fuzz_kstrtoull("0x10", &u), 0);
	ASSERT_EQ(u, 16);
	ASSERT_EQ(fuzz_kstrtoull("010", &u), 0);
	ASSERT_EQ(u, 8);
	ASSERT_EQ(fuzz_kstrtoull("+5", &u), 0);
	ASSERT_EQ(u, 5);
	ASSERT_EQ(fuzz_kstrtoull("5\n", &u), 0);
	ASSERT_EQ(u, 5);
	ASSERT_TRUE(fuzz_kstrtoull("18446744073709551615", &u) == 0 && u == UINT64_MAX);
	ASSERT_EQ(fuzz_kstrtoull("18446744073709551616", &u), -ERANGE);
	ASSERT_EQ(fuzz_kstrtoull("0x10000000000000000", &u), -ERANGE);
	ASSERT_EQ(fuzz_kstrtoull("08", &u), -EINVAL);
	ASSERT_EQ(fuzz_kstrtoull("0x", &u), -EINVAL);
	ASSERT_EQ(fuzz_kstrtoull("5\n\n", &u), -EINVAL);
	ASSERT_EQ(fuzz_kstrtoull("", &u), -EINVAL);
	ASSERT_EQ(fuzz_kstrtoull(" 1", &u), -EINVAL);
	ASSERT_EQ(fuzz_kstrtoull("1 ", &u), -EINVAL);
	ASSERT_EQ(fuzz_kstrtoull("-1", &u), -EINVAL);
	ASSERT_EQ(fuzz_kstrtoull("+-1", &u), -EINVAL);

	ASSERT_EQ(fuzz_kstrtoull("9223372036854775808", &u), 0);
	ASSERT_EQ(u, 1ULL << 63);
	ASSERT_EQ(fuzz_kstrtoull("0X1f", &u), 0);
	ASSERT_EQ(u, 31);
}

static const struct fuzz_knob *knob(const char *name, bool importer)
{
	const struct fuzz_knob *k;
	size_t n, i;

	k = fuzz_knobs(&n);
	for (i = 0; i < n; i++)
		if (!strcmp(k[i].name, name) && k[i].importer == importer)
			return &k[i];
	return NULL;
}

static void fuzz_knob_effects(void)
{
	const struct fuzz_knob *delay = knob("release_delay_ms", false);
	const struct fuzz_knob *hold = knob("revoke_hold_ms", false);
	const struct fuzz_knob *notify = knob("move_notify_delay_ms", true);
	const struct fuzz_knob *fmap = knob("fail_next_map", true);
	const struct fuzz_knob *revoke = knob("revoke", false);
	const struct fuzz_knob *bufs = knob("buffers", false);
	const struct fuzz_knob *rel = knob("releases", false);
	const struct fuzz_knob *k;
	size_t n, i;
	int64_t v;

	ASSERT_TRUE(delay && hold && notify && fmap && revoke && bufs && rel);
	k = fuzz_knobs(&n);
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(strcmp(k[i].name, "bug_sync_put"));
	}
	ASSERT_TRUE(delay->sleeps && hold->sleeps && notify->sleeps);

	ASSERT_EQ(fuzz_knob_effect(delay, "50", 2, &v), 0);
	ASSERT_EQ(v, 50);
	ASSERT_EQ(fuzz_knob_effect(delay, "10001", 5, &v), -EINVAL);
	ASSERT_EQ(fuzz_knob_effect(delay, "18446744073709551616", 20, &v), -ERANGE);
	ASSERT_EQ(fuzz_knob_effect(delay, "1\0" "99", 4, &v), 0);
	ASSERT_EQ(v, 1);
	/* simple_attr_write() reads 23 bytes: the trailing 5 is never seen. */
	ASSERT_EQ(fuzz_knob_effect(delay, "0000000000000000000000000005", 28, &v), 0);
	ASSERT_EQ(v, 0);
	/* The importer's knobs are capped too; u32 knobs keep the low half. */
	ASSERT_EQ(fuzz_knob_effect(notify, "4294967346", 10, &v), -EINVAL);
	ASSERT_EQ(fuzz_knob_effect(notify, "10000", 5, &v), 0);
	ASSERT_EQ(v, 10000);
	ASSERT_EQ(fuzz_knob_effect(notify, "-1", 2, &v), -EINVAL);
	ASSERT_EQ(fuzz_knob_effect(fmap, "4095", 4, &v), 0);
	ASSERT_EQ(v, 4095);
	ASSERT_EQ(fuzz_knob_effect(fmap, "4096", 4, &v), -EINVAL);
	ASSERT_EQ(fuzz_knob_effect(fmap, "-4095", 5, &v), -EINVAL);
	ASSERT_EQ(fuzz_knob_effect(knob("skip_p2p_distance", false), "4294967297", 10, &v), 0);
	ASSERT_EQ(v, 1);
	ASSERT_EQ(fuzz_knob_effect(revoke, "on", 2, &v), 0);
	ASSERT_EQ(v, 1);
	ASSERT_EQ(fuzz_knob_effect(revoke, "of", 2, &v), 0);
	ASSERT_EQ(v, 0);
	ASSERT_EQ(fuzz_knob_effect(revoke, "1garbage", 8, &v), 0);
	ASSERT_EQ(v, 1);
	ASSERT_EQ(fuzz_knob_effect(revoke, "x", 1, &v), -EINVAL);
	ASSERT_EQ(fuzz_knob_effect(revoke, "", 0, &v), -EINVAL);
	ASSERT_EQ(fuzz_knob_effect(bufs, "0", 1, &v), -EINVAL);
	ASSERT_EQ(fuzz_knob_effect(rel, "whatever", 8, &v), 0);

	ASSERT_TRUE(fuzz_knob_safe(delay, "50", 2));
	ASSERT_FALSE(fuzz_knob_safe(delay, "51", 2));
	ASSERT_FALSE(fuzz_knob_safe(notify, "51", 2));
	ASSERT_TRUE(fuzz_knob_safe(notify, "4294967295", 10));	/* refused */
	ASSERT_TRUE(fuzz_knob_safe(delay, "99999", 5));	/* refused by the kernel */
	ASSERT_TRUE(fuzz_knob_safe(fmap, "4095", 4));	/* does not sleep */
}

/* What the generator writes never makes a knob sleep too long, and varies. */
static void fuzz_knob_values_safe(void)
{
	const struct fuzz_knob *k;
	struct p2p_prng p;
	size_t n, i;
	int j;

	k = fuzz_knobs(&n);
	p2p_prng_seed(&p, 7, 0);
	for (i = 0; i < n; i++) {
		unsigned int accepted = 0, refused = 0;

		for (j = 0; j < 20000; j++) {
			uint64_t w[FUZZ_WORDS];
			struct fuzz_bits b = { .w = w };
			char val[FUZZ_KNOB_VAL];
			size_t len, x;
			int64_t v;

			for (x = 0; x < FUZZ_WORDS; x++)
				w[x] = p2p_prng_next(&p);
			fuzz_knob_value(&k[i], &b, val, sizeof(val), &len);
			ASSERT_TRUE(len < sizeof(val));
			ASSERT_TRUE(fuzz_knob_safe(&k[i], val, len));
			if (fuzz_knob_effect(&k[i], val, len, &v)) {
				refused++;
				continue;
			}
			accepted++;
			if (k[i].sleeps)
				ASSERT_TRUE(v >= 0 && v <= FUZZ_SLEEP_MAX_MS);
		}
		if (k[i].parse == KP_NONE) {
			ASSERT_EQ(accepted, 0);
		} else if (k[i].parse != KP_ANY) {
			ASSERT_GT(accepted, 1000);
			ASSERT_GT(refused, 1000);
		}
	}
}

static bool feature_header_refused(const struct fuzz_feature *f)
{
	uint32_t fl = f->flags, dir = fl & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET);
	uint32_t known = VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET |
			 VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE;
	size_t hdr = sizeof(struct vfio_device_feature);

	/* vfio_ioctl_device_feature(), then vfio_check_feature() for DMA_BUF. */
	if (f->argsz < hdr || (fl & ~known))
		return true;
	if (!(fl & VFIO_DEVICE_FEATURE_PROBE) && dir == (VFIO_DEVICE_FEATURE_GET |
							 VFIO_DEVICE_FEATURE_SET))
		return true;
	if ((fl & VFIO_DEVICE_FEATURE_MASK) != VFIO_DEVICE_FEATURE_DMA_BUF)
		return false;
	return (dir & ~VFIO_DEVICE_FEATURE_GET) || !dir ||
	       f->argsz - hdr < sizeof(struct vfio_device_feature_dma_buf);
}

#define FUZZ_N	200000

static void fuzz_draw_sequence(void)
{
	static struct fuzz_call a, b;
	struct p2p_prng p1, p2, p3, ref;
	unsigned int seen_ops = 0, max_bits = 0, bits, i, x, diff = 0;
	unsigned int seen_feat = 0;
	char str[512];
	size_t nk;

	p2p_prng_seed(&p1, 1234, 0);
	p2p_prng_seed(&p2, 1234, 0);
	p2p_prng_seed(&p3, 1234, 1);
	p2p_prng_seed(&ref, 1234, 0);
	for (i = 0; i < FUZZ_N; i++) {
		bits = fuzz_draw(&p1, &fuzz_test_geom, &a);
		fuzz_draw(&p2, &fuzz_test_geom, &b);
		/* Same seed and stream: the same call, byte for byte. */
		ASSERT_EQ(memcmp(&a, &b, sizeof(a)), 0);
		/* Exactly FUZZ_WORDS numbers per call, whatever the call. */
		for (x = 0; x < FUZZ_WORDS; x++)
			p2p_prng_next(&ref);
		ASSERT_EQ(memcmp(&p1, &ref, sizeof(ref)), 0);
		if (bits > max_bits)
			max_bits = bits;
		seen_ops |= 1u << a.op;
		fuzz_draw(&p3, &fuzz_test_geom, &b);
		diff += a.op != b.op;

		fuzz_call_str(&a, str, sizeof(str));
		x = strlen(fuzz_op_name(a.op));
		ASSERT_TRUE(!strncmp(str, fuzz_op_name(a.op), x) && str[x] == ' ');
		switch (a.op) {
		case FOP_CREATE: {
			uint64_t total = 0;

			ASSERT_TRUE(a.create.nr >= 1 && a.create.nr <= FUZZ_CREATE_MAX);
			ASSERT_LT(a.create.slot, FUZZ_NBUF);
			ASSERT_EQ(p2p_ranges_validate(a.create.r, a.create.nr,
						      fuzz_test_geom.bar_size, PG), 0);
			ASSERT_EQ(p2p_ranges_total(a.create.r, a.create.nr, &total), 0);
			ASSERT_LE(total, fuzz_test_geom.bar_size);
			ASSERT_EQ(a.create.open_flags & ~(O_ACCMODE | O_CLOEXEC), 0);
			ASSERT_NE(a.create.open_flags & O_ACCMODE, O_ACCMODE);
			break;
		}
		case FOP_FEATURE:
			seen_feat |= 1u << a.feature.kind;
			ASSERT_LE(a.feature.nfill, FUZZ_FEAT_RANGES);
			if (a.feature.kind == FK_FEAT_BADHDR)
				ASSERT_TRUE(feature_header_refused(&a.feature));
			if (a.feature.kind == FK_FEAT_REQ)
				ASSERT_EQ(a.feature.flags, VFIO_DEVICE_FEATURE_GET |
					  VFIO_DEVICE_FEATURE_DMA_BUF);
			if (a.feature.kind == FK_FEAT_PROBE)
				ASSERT_TRUE(a.feature.flags & VFIO_DEVICE_FEATURE_PROBE);
			if (a.feature.kind == FK_FEAT_OTHER)
				ASSERT_NE(a.feature.flags & VFIO_DEVICE_FEATURE_MASK,
					  VFIO_DEVICE_FEATURE_DMA_BUF);
			break;
		case FOP_CFG:
			if (a.cfg.oob) {
				ASSERT_GT(a.cfg.off + a.cfg.len, fuzz_test_geom.cfg_size);
			} else {
				ASSERT_LE(a.cfg.off + a.cfg.len, fuzz_test_geom.cfg_size);
			}
			ASSERT_TRUE(a.cfg.len >= 1 && a.cfg.len <= 8);
			break;
		case FOP_KNOB:
			ASSERT_TRUE(fuzz_knob_safe(&fuzz_knobs(&nk)[a.knob.knob], a.knob.val,
						   a.knob.len));
			break;
		case FOP_IMP_IOCTL:
			if (a.ioctl.variant == IOC_UNKNOWN)
				ASSERT_TRUE(_IOC_TYPE(a.ioctl.cmd) != P2P_IMPORTER_TYPE ||
					    _IOC_NR(a.ioctl.cmd) > 3);
			if (a.ioctl.variant == IOC_ALIAS) {
				ASSERT_EQ(_IOC_TYPE(a.ioctl.cmd), P2P_IMPORTER_TYPE);
				ASSERT_LE(_IOC_NR(a.ioctl.cmd), 3);
				ASSERT_TRUE(a.ioctl.cmd != P2P_IOC_REG_MR &&
					    a.ioctl.cmd != P2P_IOC_DEREG_MR &&
					    a.ioctl.cmd != P2P_IOC_QUERY_MR &&
					    a.ioctl.cmd != P2P_IOC_ACCESS_MR);
			}
			break;
		case FOP_DMABUF_MISC:
			ASSERT_LT(strlen(a.misc.name), FUZZ_NAME_MAX);
			ASSERT_EQ(strlen(a.misc.name) >= 32, a.misc.what == MISC_NAME_LONG);
			break;
		case FOP_RACE:
			ASSERT_LT(a.race.after, a.race.iters);
			ASSERT_LE(a.race.iters, 64);
			break;
		case FOP_SIGNAL:
			ASSERT_LT(a.target, fuzz_test_geom.threads);
			break;
		default:
			break;
		}
	}
	/* Every operation comes up, even the rare ones, and stays in its words. */
	ASSERT_EQ(seen_ops, (1u << FOP_NR) - 1);
	ASSERT_EQ(seen_feat, (1u << FK_FEAT_PROBE) | (1u << FK_FEAT_BADHDR) |
		  (1u << FK_FEAT_OTHER) | (1u << FK_FEAT_REQ));
	ASSERT_LE(max_bits, 64 * (FUZZ_WORDS - 1));
	/* Another stream (worker), another sequence. */
	ASSERT_GT(diff, FUZZ_N / 2);
}

/*
 * Which call comes next depends on the stream alone: another device
 * changes the arguments, never the operations or their number of draws.
 */
static void fuzz_draw_independent_of_device(void)
{
	struct fuzz_geom other = fuzz_test_geom;
	static struct fuzz_call a, b;
	struct p2p_prng p1, p2;
	int i;

	other.bar_size = 16 * PG;
	other.bar = 0;
	other.io_bar = -1;
	other.pm = other.exp = 0;
	other.cfg_size = 256;
	other.threads = 1;
	p2p_prng_seed(&p1, 99, 0);
	p2p_prng_seed(&p2, 99, 0);
	for (i = 0; i < 20000; i++) {
		fuzz_draw(&p1, &fuzz_test_geom, &a);
		fuzz_draw(&p2, &other, &b);
		ASSERT_EQ(a.op, b.op);
		ASSERT_EQ(memcmp(&p1, &p2, sizeof(p1)), 0);
		if (b.op == FOP_CFG)
			ASSERT_TRUE(b.cfg.oob || b.cfg.off + b.cfg.len <= 256);
		if (b.op == FOP_SIGNAL)
			ASSERT_EQ(b.target, 0);
	}
}

static void bufinfo_parse(void)
{
	static const char text[] =
		"\nDma-buf Objects:\n"
		"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
		"00004096\t00080002\t00080007\t00000003\tdmabuf_p2p_exp\t00012345\t<none>\n"
		"\tkernel fence: stub signalled\n"
		"\tAttached Devices:\n"
		"\tdmabuf_p2p_imp\n"
		"Total 1 devices attached\n\n"
		"00008192\t00080002\t00080007\t00000001\tudmabuf\t00012399\tmy\tname\n"
		"\tAttached Devices:\n"
		"Total 0 devices attached\n\n"
		"\nTotal 2 objects, 12288 bytes\n";
	struct p2p_bufinfo b[4];

	ASSERT_EQ(p2p_parse_bufinfo(text, b, 4), 2);
	ASSERT_EQ(b[0].ino, 12345);
	ASSERT_EQ(b[0].size, 4096);
	ASSERT_STREQ(b[0].exp_name, "dmabuf_p2p_exp");
	ASSERT_EQ(b[0].attached, 1);
	ASSERT_EQ(b[1].ino, 12399);
	ASSERT_STREQ(b[1].exp_name, "udmabuf");
	ASSERT_EQ(b[1].attached, 0);
	/* Counting only, and a list too short for all. */
	ASSERT_EQ(p2p_parse_bufinfo(text, NULL, 0), 2);
	ASSERT_EQ(p2p_parse_bufinfo(text, b, 1), 2);
	ASSERT_EQ(b[0].attached, 1);
	ASSERT_EQ(p2p_parse_bufinfo("", b, 4), 0);
	ASSERT_EQ(p2p_parse_bufinfo("\nTotal 0 objects, 0 bytes\n", b, 4), 0);
}

static void release_trace_parse(void)
{
	static const char text[] =
		"# tracer: function\n"
		"#\n"
		"#                                _-----=> irqs-off/BH-disabled\n"
		"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
		"#              | |         |   |||||     |         |\n"
		"      dmabuf-p2p-123     [001] .....    12.345678: vfio_pci_dma_buf_release <-dma_buf_release\n"
		"      dmabuf-p2p-123     [001] .....    12.345690: <stack trace>\n"
		" => vfio_pci_dma_buf_release\n"
		" => dma_buf_release\n"
		" => __dentry_kill\n"
		" => dput\n"
		" => __fput\n"
		" => __x64_sys_close\n"
		" => do_syscall_64\n"
		" => entry_SYSCALL_64_after_hwframe\n"
		"      dmabuf-p2p-124     [000] ...1.    12.400000: dma_buf_fd <-vfio_pci_core_feature_dma_buf\n"
		"      dmabuf-p2p-124     [000] ...1.    12.400001: <stack trace>\n"
		" => dma_buf_fd\n"
		" => __fput_sync\n"
		" => do_exit\n"
		"          worker-130     [002] .....    12.500000: vfio_pci_dma_buf_release <-dma_buf_release\n"
		"          worker-130     [002] .....    12.500010: <stack trace>\n"
		" => vfio_pci_dma_buf_release\n"
		" => __fput\n"
		" => task_work_run\n"
		" => syscall_exit_to_user_mode\n"
		"    kworker/1:2-45      [001] d....    12.600000: vfio_pci_dma_buf_release <-dma_buf_release\n"
		"    kworker/1:2-45      [001] d....    12.600010: <stack trace>\n"
		" => vfio_pci_dma_buf_release\n"
		" => __fput\n"
		" => process_one_work\n"
		" => worker_thread\n"
		"         my prog-200     [003] .....    12.700000: vfio_pci_dma_buf_release <-dma_buf_release\n"
		"         my prog-200     [003] .....    12.700010: <stack trace>\n"
		" => vfio_pci_dma_buf_release\n"
		" => task_work_run\n"
		" => do_exit\n"
		" => do_group_exit\n";
	/*
	 * Two cpus' pairs interleaved, one with record-tgid's column; suffixes,
	 * offsets and module names on frames.
	 */
	static const char suffixed[] =
		"           a-b-7       [000] .....     1.000000: dma_buf_release <-__fput\n"
		"           c-d-8       (      8) [001] .....     1.000001: dma_buf_release <-__fput\n"
		"           a-b-7       [000] .....     1.000002: <stack trace>\n"
		" => dma_buf_release+0x4/0x90\n"
		" => __fput_sync.isra.0\n"
		" => __do_sys_close.cold [vmlinux]\n"
		"           c-d-8       (      8) [001] .....     1.000003: <stack trace>\n"
		" => dma_buf_release\n"
		" => delayed_fput.part.0\n"
		" => kthread\n";
	struct p2p_trace_rel r[8];

	ASSERT_EQ(p2p_parse_release_trace(text, r, 8), 4);
	ASSERT_EQ(r[0].pid, 123);
	ASSERT_STREQ(r[0].comm, "dmabuf-p2p");
	ASSERT_STREQ(r[0].func, "vfio_pci_dma_buf_release");
	ASSERT_STREQ(r[0].path, P2P_REL_CLOSE);
	ASSERT_EQ(r[1].pid, 130);
	ASSERT_STREQ(r[1].comm, "worker");
	ASSERT_STREQ(r[1].path, P2P_REL_TASK_WORK);
	ASSERT_EQ(r[2].pid, 45);
	ASSERT_STREQ(r[2].comm, "kworker/1:2");
	ASSERT_STREQ(r[2].path, P2P_REL_DELAYED);
	ASSERT_EQ(r[3].pid, 200);
	ASSERT_STREQ(r[3].comm, "my prog");
	ASSERT_STREQ(r[3].path, P2P_REL_EXIT);
	/* Counting only, and a list too short for all. */
	ASSERT_EQ(p2p_parse_release_trace(text, NULL, 0), 4);
	ASSERT_EQ(p2p_parse_release_trace(text, r, 1), 4);
	ASSERT_STREQ(r[0].path, P2P_REL_CLOSE);

	ASSERT_EQ(p2p_parse_release_trace(suffixed, r, 8), 2);
	ASSERT_EQ(r[0].pid, 7);
	ASSERT_STREQ(r[0].comm, "a-b");
	ASSERT_STREQ(r[0].func, "dma_buf_release");
	ASSERT_STREQ(r[0].path, P2P_REL_CLOSE);
	ASSERT_EQ(r[1].pid, 8);
	ASSERT_STREQ(r[1].comm, "c-d");
	ASSERT_STREQ(r[1].path, P2P_REL_DELAYED);
	/* Without a stack (func_stack_trace off) nothing tells the path. */
	ASSERT_EQ(p2p_parse_release_trace("  x-9  [000] .....  1.0: dma_buf_release <-__fput\n",
					  r, 8), 1);
	ASSERT_STREQ(r[0].path, P2P_REL_OTHER);

	ASSERT_EQ(p2p_parse_release_trace("", r, 8), 0);
	ASSERT_EQ(p2p_parse_release_trace("# tracer: function\n#\n", r, 8), 0);
}

/* Our tracepoints' lines among others; fields by key, numbers signed. */
static void events_parse(void)
{
	static const char text[] =
		"# tracer: nop\n"
		"#\n"
		"      dmabuf-p2p-123     [001] .....    12.345678: p2p_exp_create: exp=0000:01:00.0 ino=42 bar=2 ranges=1 size=4096 revoked=0\n"
		"      dmabuf-p2p-123     [001] .....    12.345690: dma_buf_release <-__fput\n"
		"    kworker/1:2-45      (   45) [000] ...1.    12.400000: p2p_exp_map: ino=42 imp=dmabuf_p2p_imp path=- nents=0 dma_maps=0 bytes=0 ns=1200 ret=-19\n"
		"            sh-9        [000] .....    12.5: other_event: ino=1\n"
		"            sh-9        [000] .....    12.6: p2p_imp_mr_reg: ino=42 handle=3 offset=0 length=4096 flags=0x0 ret=0\n";
	struct p2p_event ev[4];
	long long v;
	char s[16];

	ASSERT_EQ(p2p_parse_events(text, ev, 4), 3);
	ASSERT_STREQ(ev[0].name, "p2p_exp_create");
	ASSERT_STREQ(ev[0].comm, "dmabuf-p2p");
	ASSERT_EQ(ev[0].pid, 123);
	ASSERT_EQ(p2p_event_str(&ev[0], "exp", s, sizeof(s)), 0);
	ASSERT_STREQ(s, "0000:01:00.0");
	ASSERT_EQ(p2p_event_num(&ev[0], "size", &v), 0);
	ASSERT_EQ(v, 4096);
	/* "ino" must not match inside another key, nor a prefix of one. */
	ASSERT_EQ(p2p_event_num(&ev[0], "in", &v), -ENOENT);
	ASSERT_STREQ(ev[1].name, "p2p_exp_map");
	ASSERT_STREQ(ev[1].comm, "kworker/1:2");
	ASSERT_EQ(p2p_event_num(&ev[1], "ret", &v), 0);
	ASSERT_EQ(v, -19);
	ASSERT_EQ(p2p_event_str(&ev[1], "path", s, sizeof(s)), 0);
	ASSERT_STREQ(s, "-");
	ASSERT_EQ(p2p_event_num(&ev[1], "path", &v), -EINVAL);
	ASSERT_EQ(p2p_event_str(&ev[1], "imp", s, 4), -ERANGE);
	ASSERT_EQ(p2p_event_num(&ev[2], "flags", &v), 0);
	ASSERT_EQ(v, 0);
	ASSERT_EQ(p2p_event_num(&ev[2], "missing", &v), -ENOENT);
	/* Counting only, and a list too short. */
	ASSERT_EQ(p2p_parse_events(text, NULL, 0), 3);
	ASSERT_EQ(p2p_parse_events(text, ev, 1), 3);
	ASSERT_STREQ(ev[0].name, "p2p_exp_create");
	ASSERT_EQ(p2p_parse_events("", ev, 4), 0);
}

static void cli_fuzz_opts(void)
{
	static struct cli_opts o;
	char err[256];

	ASSERT_EQ(parse(&o, err, "fuzz", END), 0);
	ASSERT_EQ(o.cmd, CMD_FUZZ);
	ASSERT_EQ(o.calls, FUZZ_DEFAULT_CALLS);
	ASSERT_EQ(o.duration_s, FUZZ_DEFAULT_S);
	ASSERT_EQ(o.threads, FUZZ_DEFAULT_THREADS);
	ASSERT_FALSE(o.seed_set);
	ASSERT_EQ(parse(&o, err, "fuzz", "--seed", "42", "--calls", "5000", "--threads", "4",
			"--tap", END), 0);
	ASSERT_EQ(o.seed, 42);
	ASSERT_EQ(o.calls, 5000);
	/* --calls alone: no time limit. */
	ASSERT_EQ(o.duration_s, CLI_MAX_DURATION_S);
	ASSERT_EQ(o.threads, 4);
	ASSERT_TRUE(o.tap);
	/* --duration alone: no call limit. */
	ASSERT_EQ(parse(&o, err, "fuzz", "--duration=20", "--json", "-b", "2", END), 0);
	ASSERT_EQ(o.duration_s, 20);
	ASSERT_EQ(o.calls, FUZZ_MAX_CALLS);
	ASSERT_TRUE(o.json && o.bar_set && o.bar == 2);
	ASSERT_EQ(parse(&o, err, "fuzz", "--calls", "10", "--duration", "3", END), 0);
	ASSERT_TRUE(o.calls == 10 && o.duration_s == 3);

	ASSERT_EQ(parse(&o, err, "fuzz", "--calls", "0", END), -1);
	ASSERT_TRUE(strstr(err, "--calls"));
	ASSERT_EQ(parse(&o, err, "fuzz", "--calls", "x", END), -1);
	ASSERT_EQ(parse(&o, err, "fuzz", "--ops", "create", END), -1);
	ASSERT_TRUE(strstr(err, "does not apply"));
	ASSERT_EQ(parse(&o, err, "stress", "--calls", "5", END), -1);
	ASSERT_EQ(parse(&o, err, "fuzz", "--json", "--tap", END), -1);
	ASSERT_EQ(parse(&o, err, "fuzz", "extra", END), -1);
	/* Stress keeps its own defaults. */
	ASSERT_EQ(parse(&o, err, "stress", END), 0);
	ASSERT_EQ(o.threads, STRESS_DEFAULT_THREADS);
	ASSERT_EQ(o.duration_s, STRESS_DEFAULT_S);
}

/* What /proc/thread-self/fail-nth reads: the calls still to come. */
static void failnth_parse(void)
{
	unsigned int left = 0;

	ASSERT_EQ(p2p_failnth_parse("0", &left), 0);
	ASSERT_EQ(left, 0);
	ASSERT_EQ(p2p_failnth_parse("17\n", &left), 0);
	ASSERT_EQ(left, 17);
	ASSERT_EQ(p2p_failnth_parse("4294967295\n", &left), 0);
	ASSERT_EQ(left, 4294967295u);
	left = 5;
	ASSERT_EQ(p2p_failnth_parse("4294967296", &left), -ERANGE);
	ASSERT_EQ(p2p_failnth_parse("99999999999999999999999", &left), -ERANGE);
	ASSERT_EQ(p2p_failnth_parse("", &left), -EINVAL);
	ASSERT_EQ(p2p_failnth_parse("\n", &left), -EINVAL);
	ASSERT_EQ(p2p_failnth_parse("-1", &left), -EINVAL);
	ASSERT_EQ(p2p_failnth_parse(" 3", &left), -EINVAL);
	ASSERT_EQ(p2p_failnth_parse("3x", &left), -EINVAL);
	ASSERT_EQ(p2p_failnth_parse("3\n\n", &left), -EINVAL);
	ASSERT_EQ(left, 5);
}

/*
 * fail-nth's calls with a plain file standing in for the kernel's: it
 * keeps what was written, so the read-back sees N itself (nothing
 * injected), and the wrapper's ioctl ran armed.
 */
static void failnth_calls(void)
{
	char path[] = "/tmp/lib_unit.XXXXXX";
	unsigned int left = 0;
	bool injected = true;
	struct winsize ws;
	int fd, avail = -1, result = 1;

	fd = mkstemp(path);
	ASSERT_SYSOK(fd);
	unlink(path);
	ASSERT_EQ(p2p_failnth_arm(fd, 42), 0);
	ASSERT_EQ(p2p_failnth_left(fd, &left), 0);
	ASSERT_EQ(left, 42);

	ASSERT_SYSOK(ftruncate(fd, 0));
	ASSERT_EQ(p2p_failnth_ioctl(fd, 9, fd, FIONREAD, &avail, &result, &injected), 0);
	ASSERT_EQ(result, 0);
	ASSERT_EQ(avail, 1);		/* the file held "9" while the ioctl ran */
	ASSERT_FALSE(injected);
	ASSERT_EQ(p2p_failnth_left(fd, &left), 0);
	ASSERT_EQ(left, 0);		/* and was disarmed after */

	/* The ioctl's own failure is its result, not the wrapper's. */
	ASSERT_EQ(p2p_failnth_ioctl(fd, 3, fd, TIOCGWINSZ, &ws, &result, &injected), 0);
	ASSERT_EQ(result, -ENOTTY);
	ASSERT_EQ(p2p_failnth_ioctl(fd, 0, fd, FIONREAD, &avail, &result, &injected), -EINVAL);
	close(fd);
	ASSERT_EQ(p2p_failnth_left(fd, &left), -EBADF);
	ASSERT_EQ(p2p_failnth_arm(fd, 1), -EBADF);
}

static const char *const fault_files[][3] = {
	/* file, value before, value for fail-nth */
	{ "failslab/ignore-gfp-wait", "Y", "N" },
	{ "failslab/cache-filter", "Y", "N" },
	{ "failslab/verbose", "2", "0" },
	{ "fail_page_alloc/ignore-gfp-wait", "Y", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "Y", "N" },
	{ "fail_page_alloc/min-order", "3", "1" },
	{ "fail_page_alloc/verbose", "1", "0" },
};

#define NFAULT_FILES (sizeof(fault_files) / sizeof(fault_files[0]))

/* Each fake attribute file holds column @col of fault_files, or FAIL. */
static void fault_files_hold(const char *root, int col)
{
	char path[128], buf[16];
	size_t i;

	for (i = 0; i < NFAULT_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, fault_files[i][0]);
		ASSERT_GE(p2p_read_file(path, buf, sizeof(buf)), 0);
		ASSERT_STREQ(buf, fault_files[i][col]);
	}
}

/* The fault-injection attributes in a fake debugfs: saved, applied, restored. */
static void fault_attrs_fake_tree(void)
{
	char root[] = "/tmp/lib_unit.XXXXXX", path[128];
	struct p2p_fault_attrs saved;
	int r_save, r_apply, r_restore, r_missing, r_none;
	char missing_msg[512];
	size_t i;
	FILE *f;

	ASSERT_TRUE(mkdtemp(root) != NULL);
	snprintf(path, sizeof(path), "%s/failslab", root);
	ASSERT_SYSOK(mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/fail_page_alloc", root);
	ASSERT_SYSOK(mkdir(path, 0700));
	for (i = 0; i < NFAULT_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, fault_files[i][0]);
		f = fopen(path, "w");
		ASSERT_TRUE(f != NULL);
		fprintf(f, "%s\n", fault_files[i][1]);
		ASSERT_SYSOK(fclose(f));
	}

	p2p_fault_attrs_set_root(root);
	r_save = p2p_fault_attrs_save(&saved);
	r_apply = p2p_fault_attrs_apply();
	fault_files_hold(root, 2);
	r_restore = p2p_fault_attrs_restore(&saved);
	fault_files_hold(root, 1);
	/* One attribute missing: all or nothing. */
	snprintf(path, sizeof(path), "%s/fail_page_alloc/min-order", root);
	unlink(path);
	r_missing = p2p_fault_attrs_save(&saved);
	snprintf(missing_msg, sizeof(missing_msg), "%s", p2p_last_error());
	p2p_fault_attrs_set_root("/nonexistent/debugfs");
	r_none = p2p_fault_attrs_save(&saved);
	p2p_fault_attrs_set_root(NULL);

	for (i = 0; i < NFAULT_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, fault_files[i][0]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/failslab", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/fail_page_alloc", root);
	rmdir(path);
	rmdir(root);

	ASSERT_EQ(r_save, 0);
	ASSERT_EQ(r_apply, 0);
	ASSERT_EQ(r_restore, 0);
	ASSERT_EQ(r_missing, -ENOENT);
	ASSERT_TRUE(strstr(missing_msg, "min-order") != NULL);
	ASSERT_TRUE(strstr(missing_msg, "CONFIG_FAILSLAB") != NULL);
	ASSERT_EQ(r_none, -ENOENT);
}

/* A file @dir/@name holding @text. */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(text, f);
	ASSERT_SYSOK(fclose(f));
}

static void expect_file(const char *dir, const char *name, const char *want)
{
	char path[256], buf[32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ASSERT_GE(p2p_read_file(path, buf, sizeof(buf)), 0);
	ASSERT_STREQ(buf, want);
}

static const char *const reject_files[] = {
	"failslab/reject-start", "failslab/reject-end",
	"fail_page_alloc/reject-start", "fail_page_alloc/reject-end",
};

#define NREJECT_FILES (sizeof(reject_files) / sizeof(reject_files[0]))

/*
 * The stacktrace filter's reject range in a fake debugfs: saved with the
 * other attributes, cleared by apply, set, restored; without its files,
 * saving and applying go on and setting says what the kernel lacks.
 */
static void fault_reject_fake_tree(void)
{
	char root[] = "/tmp/lib_unit.XXXXXX", path[256], msg[512];
	int r_save, r_set, r_apply, r_restore, r_empty, r_save2, r_apply2, r_set2;
	struct p2p_fault_attrs saved, saved2;
	size_t i;

	ASSERT_TRUE(mkdtemp(root) != NULL);
	snprintf(path, sizeof(path), "%s/failslab", root);
	ASSERT_SYSOK(mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/fail_page_alloc", root);
	ASSERT_SYSOK(mkdir(path, 0700));
	for (i = 0; i < NFAULT_FILES; i++)
		put_file(root, fault_files[i][0], fault_files[i][1]);
	for (i = 0; i < NREJECT_FILES; i++)
		put_file(root, reject_files[i], i & 1 ? "0x00000000000000ff\n" :
			 "0x0000000000000010\n");

	p2p_fault_attrs_set_root(root);
	r_save = p2p_fault_attrs_save(&saved);
	r_set = p2p_fault_reject(0xffffffff81234510ULL, 0xffffffff81234600ULL);
	for (i = 0; i < NREJECT_FILES; i++)
		expect_file(root, reject_files[i], i & 1 ? "0xffffffff81234600" :
			    "0xffffffff81234510");
	r_apply = p2p_fault_attrs_apply();
	for (i = 0; i < NREJECT_FILES; i++)
		expect_file(root, reject_files[i], "0x0000000000000000");
	r_restore = p2p_fault_attrs_restore(&saved);
	for (i = 0; i < NREJECT_FILES; i++)
		expect_file(root, reject_files[i], i & 1 ? "0x00000000000000ff" :
			    "0x0000000000000010");
	fault_files_hold(root, 1);
	r_empty = p2p_fault_reject(0x2000, 0x2000);

	/* A kernel without the filter. */
	for (i = 0; i < NREJECT_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, reject_files[i]);
		unlink(path);
	}
	r_save2 = p2p_fault_attrs_save(&saved2);
	r_apply2 = p2p_fault_attrs_apply();
	r_set2 = p2p_fault_reject(0x1000, 0x2000);
	snprintf(msg, sizeof(msg), "%s", p2p_last_error());
	p2p_fault_attrs_set_root(NULL);

	for (i = 0; i < NFAULT_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, fault_files[i][0]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/failslab", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/fail_page_alloc", root);
	rmdir(path);
	rmdir(root);

	ASSERT_EQ(r_save, 0);
	ASSERT_TRUE(saved.has_reject);
	ASSERT_EQ(r_set, 0);
	ASSERT_EQ(r_apply, 0);
	ASSERT_EQ(r_restore, 0);
	ASSERT_EQ(r_empty, -EINVAL);
	ASSERT_EQ(r_save2, 0);
	ASSERT_FALSE(saved2.has_reject);
	ASSERT_EQ(r_apply2, 0);
	ASSERT_EQ(r_set2, -ENOENT);
	ASSERT_TRUE(strstr(msg, "CONFIG_FAULT_INJECTION_STACKTRACE_FILTER") != NULL);
}

/* p2p_ksym_range() over fake /proc/kallsyms contents. */
static int ksym_in(const char *text, const char *name, uint64_t *start, uint64_t *end)
{
	char path[] = "/tmp/lib_unit_ksyms.XXXXXX";
	int fd, ret;

	fd = mkstemp(path);
	ASSERT_SYSOK(fd);
	ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ret = p2p_ksym_range(path, name, start, end);
	unlink(path);
	return ret;
}

static void ksym_range(void)
{
	static const char syms[] =
		"0000000000000000 A fixed_percpu_data\n"
		"ffffffff81000000 T _stext\n"
		"ffffffff81234500 T __pfx_dma_buf_vmap\n"
		"ffffffff81234510 T dma_buf_vmap\n"
		"ffffffff81234510 d dma_buf_vmap_alias\n"
		"ffffffff81234600 t __pfx_dma_buf_vmap_unlocked\n"
		"ffffffff81234610 T dma_buf_vmap_unlocked\n"
		"ffffffff81100000 t helper\n"
		"ffffffff82000000 D dma_buf_list\n"
		"ffffffffc0001000 t dma_buf_vmap\t[fake_mod]\n"
		"ffffffffc0002000 t modfn\t[fake_mod]\n";
	uint64_t start = 0, end = 0;

	ASSERT_EQ(ksym_in(syms, "dma_buf_vmap", &start, &end), 0);
	ASSERT_EQ(start, 0xffffffff81234510ULL);
	ASSERT_EQ(end, 0xffffffff81234600ULL);
	/* The highest one: out of order in the file, ended by data. */
	ASSERT_EQ(ksym_in(syms, "dma_buf_vmap_unlocked", &start, &end), 0);
	ASSERT_EQ(end, 0xffffffff82000000ULL);
	/* Modules' functions do not count; data is not a function. */
	ASSERT_EQ(ksym_in(syms, "modfn", &start, &end), -ENOENT);
	ASSERT_EQ(ksym_in(syms, "dma_buf_list", &start, &end), -ENOENT);
	ASSERT_EQ(ksym_in(syms, "nothing", &start, &end), -ENOENT);
	ASSERT_EQ(ksym_in("ffffffff81000000 t dup\nffffffff81000100 t dup\n"
			  "ffffffff81000200 t x\n", "dup", &start, &end), -ENOTUNIQ);
	ASSERT_EQ(ksym_in("ffffffff81000000 t last\n", "last", &start, &end), -ERANGE);
	/* kptr_restrict: every address reads 0. */
	ASSERT_EQ(ksym_in("0000000000000000 T _stext\n0000000000000000 T dma_buf_vmap\n",
			  "dma_buf_vmap", &start, &end), -EPERM);
	ASSERT_EQ(p2p_ksym_range("/nonexistent/kallsyms", "x", &start, &end), -ENOENT);
}

/* A buffer of ours on BAR @bar: @nr ranges of (offset, length) pairs. */
static struct fuzz_ovl_buf ovl_bar(unsigned int bar, uint64_t ino, unsigned int nr,
				  const uint64_t *ol)
{
	struct fuzz_ovl_buf b = { .bar = bar, .ino = ino, .nr = nr };
	unsigned int i;

	for (i = 0; i < nr; i++) {
		b.r[i].offset = ol[2 * i];
		b.r[i].length = ol[2 * i + 1];
	}
	return b;
}

static void fuzz_overlap_keys(void)
{
	/* 0x10000 + 196 KiB: one mapping, one start, however long. */
	const uint64_t one[] = { 0x10000, 0x31000 };
	/* A range inside another: its start is not one of the other's starts. */
	const uint64_t two[] = { 0, 0x20000, 0x1000, 0x1000, 0x10000, PG, 0x10000, PG };
	struct fuzz_ovl_buf b = ovl_bar(2, 7, 1, one);
	struct fuzz_ovl_key *k;
	size_t n;

	ASSERT_EQ(fuzz_ovl_keys(&b, PG, &k, &n), 0);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(k[0].space, 2);
	ASSERT_EQ(k[0].line, 0x10000 / 64);
	ASSERT_EQ(k[0].n, 1);
	free(k);

	/* Starts 0, 0x10000 (twice: two ranges start there), 0x1000; sorted. */
	b = ovl_bar(0, 7, 4, two);
	ASSERT_EQ(fuzz_ovl_keys(&b, PG, &k, &n), 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(k[0].line, 0);
	ASSERT_EQ(k[0].n, 1);
	ASSERT_EQ(k[1].line, 0x1000 / 64);
	ASSERT_EQ(k[2].line, 0x10000 / 64);
	ASSERT_EQ(k[2].n, 2);
	free(k);

	/* 16 KiB pages: still one start per range. */
	b = ovl_bar(0, 7, 1, one);
	b.r[0].length = 0x20000;
	ASSERT_EQ(fuzz_ovl_keys(&b, 0x4000, &k, &n), 0);
	ASSERT_EQ(n, 1);
	free(k);

	/* A udmabuf: every page, in its own space. */
	memset(&b, 0, sizeof(b));
	b.ram = true;
	b.ino = 99;
	b.nr = 1;
	b.r[0].length = 3 * PG;
	ASSERT_EQ(fuzz_ovl_keys(&b, PG, &k, &n), 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(k[0].space, FUZZ_OVL_RAM | 99);
	ASSERT_EQ(k[2].line, 2 * PG / 64);
	free(k);

	/* Nothing mapped, nothing counted. */
	b.nr = 0;
	ASSERT_EQ(fuzz_ovl_keys(&b, PG, &k, &n), 0);
	ASSERT_EQ(n, 0);
	free(k);
}

static void fuzz_overlap_cap(void)
{
	const uint64_t page0[] = { 0, PG };
	const uint64_t twice0[] = { 0, 2 * PG, 0, PG, 0x20000, PG };
	const uint64_t inside[] = { 0x1000, PG };
	struct fuzz_ovl_buf a = ovl_bar(2, 1, 1, page0), d = ovl_bar(2, 2, 3, twice0);
	struct fuzz_ovl_buf in = ovl_bar(2, 3, 1, inside), other = ovl_bar(0, 4, 1, page0);
	struct fuzz_ovl_buf u = { .ram = true, .ino = 5, .nr = 1, .r = { { 0, 2 * PG } } };
	struct fuzz_ovl_key full;
	struct fuzz_ovl o;
	int id[8], i;

	ASSERT_EQ(fuzz_ovl_init(&o, 2, FUZZ_OVL_MAX, 1), 0);
	for (i = 0; i < 7; i++) {
		id[i] = fuzz_ovl_reserve(&o, 2, &a, PG, NULL);
		ASSERT_GT(id[i], 0);
	}
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 7);
	/* The 8th start at that cacheline is refused, and says where. */
	ASSERT_EQ(fuzz_ovl_reserve(&o, 2, &a, PG, &full), 0);
	ASSERT_EQ(full.space, 2);
	ASSERT_EQ(full.line, 0);
	ASSERT_EQ(full.n, 7);
	/* Another BAR, or a start one page further, is another cacheline. */
	id[7] = fuzz_ovl_reserve(&o, 2, &other, PG, NULL);
	ASSERT_GT(id[7], 0);
	ASSERT_GT(fuzz_ovl_reserve(&o, 2, &in, PG, NULL), 0);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0x1000 / 64), 1);
	ASSERT_EQ(fuzz_ovl_count(&o, 0, 0), 1);

	/* Two back: a buffer starting twice at 0 needs both, and fits; all or nothing. */
	fuzz_ovl_failed(&o, id[0]);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 6);
	ASSERT_EQ(fuzz_ovl_reserve(&o, 2, &d, PG, &full), 0);
	ASSERT_EQ(full.n, 6);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0x20000 / 64), 0);
	fuzz_ovl_failed(&o, id[1]);
	id[0] = fuzz_ovl_reserve(&o, 2, &d, PG, NULL);
	ASSERT_GT(id[0], 0);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 7);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0x20000 / 64), 1);
	/* More repeats than the cap: never. */
	d.nr = 2;
	d.r[1] = d.r[0];
	fuzz_ovl_failed(&o, id[0]);
	for (i = 2; i < 7; i++)
		fuzz_ovl_failed(&o, id[i]);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 0);
	for (i = 2; i < FUZZ_OVL_RANGES && i < 8; i++)
		d.r[i] = d.r[0];
	d.nr = 8;
	ASSERT_EQ(fuzz_ovl_reserve(&o, 2, &d, PG, NULL), 0);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 0);

	/* A udmabuf's pages get one less: its first CPU access keeps a mapping. */
	for (i = 0; i < 6; i++) {
		ASSERT_GT(fuzz_ovl_reserve(&o, 3, &u, PG, NULL), 0);
	}
	ASSERT_EQ(fuzz_ovl_count(&o, FUZZ_OVL_RAM | 5, PG / 64), 6);
	ASSERT_EQ(fuzz_ovl_reserve(&o, 3, &u, PG, NULL), 0);
	/* Released, a key leaves the table; failing an unknown id changes nothing. */
	fuzz_ovl_failed(&o, id[7]);
	ASSERT_EQ(fuzz_ovl_count(&o, 0, 0), 0);
	fuzz_ovl_failed(&o, 12345);
	ASSERT_EQ(fuzz_ovl_held(&o), 7);
	fuzz_ovl_destroy(&o);
}

static void fuzz_overlap_ledger(void)
{
	const uint64_t page0[] = { 0, PG };
	struct fuzz_ovl_buf a = ovl_bar(2, 11, 1, page0);
	const uint64_t busy11[] = { 11 };
	const uint32_t shared = 1, mine = 2, other = 3;
	struct fuzz_ovl o;
	bool bar, ram;
	uint64_t gen;
	int id;

	ASSERT_EQ(fuzz_ovl_init(&o, 2, FUZZ_OVL_MAX, shared), 0);
	/* Own context, plain DEREG_MR: gone when it returns. */
	id = fuzz_ovl_reserve(&o, mine, &a, PG, NULL);
	fuzz_ovl_registered(&o, id, 5);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	fuzz_ovl_dereg(&o, other, 5, false);	/* same handle, another context */
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	fuzz_ovl_dereg(&o, mine, 5, false);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 0);
	ASSERT_EQ(fuzz_ovl_held(&o), 0);

	/* Deferred: only the kernel's list can say it is gone. */
	id = fuzz_ovl_reserve(&o, mine, &a, PG, NULL);
	fuzz_ovl_registered(&o, id, 6);
	fuzz_ovl_dereg(&o, mine, 6, true);
	fuzz_ovl_settle(&o);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	gen = fuzz_ovl_oracle_begin(&o, &bar, &ram);
	ASSERT_NE(gen, 0);
	ASSERT_TRUE(bar);
	ASSERT_FALSE(ram);
	fuzz_ovl_oracle_end(&o, gen, true, true, busy11, 1);	/* still mapped */
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	fuzz_ovl_oracle_end(&o, gen, false, true, NULL, 0);	/* list unreadable */
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	fuzz_ovl_oracle_end(&o, gen, true, false, NULL, 0);	/* released, or no mapping */
	ASSERT_EQ(fuzz_ovl_held(&o), 0);
	ASSERT_EQ(fuzz_ovl_oracle_begin(&o, &bar, &ram), 0);

	/* Shared context: an access in flight may hold the MR a DEREG_MR took out. */
	id = fuzz_ovl_reserve(&o, shared, &a, PG, NULL);
	fuzz_ovl_registered(&o, id, 7);
	fuzz_ovl_ticket(&o, 0);
	fuzz_ovl_dereg(&o, shared, 7, false);
	fuzz_ovl_ticket(&o, 1);			/* began after: cannot have found it */
	fuzz_ovl_settle(&o);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	fuzz_ovl_ticket_end(&o, 0);
	fuzz_ovl_settle(&o);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 0);
	fuzz_ovl_ticket_end(&o, 1);

	/* Deferred on the shared context: the oracle waits for the tickets too. */
	id = fuzz_ovl_reserve(&o, shared, &a, PG, NULL);
	fuzz_ovl_registered(&o, id, 8);
	fuzz_ovl_ticket(&o, 1);
	fuzz_ovl_dereg(&o, shared, 8, true);
	ASSERT_EQ(fuzz_ovl_oracle_begin(&o, &bar, &ram), 0);
	fuzz_ovl_ticket_end(&o, 1);
	gen = fuzz_ovl_oracle_begin(&o, &bar, &ram);
	ASSERT_NE(gen, 0);
	fuzz_ovl_oracle_end(&o, gen, true, true, NULL, 0);
	ASSERT_EQ(fuzz_ovl_held(&o), 0);

	/* Deregistered by another thread before its owner recorded the handle. */
	id = fuzz_ovl_reserve(&o, shared, &a, PG, NULL);
	fuzz_ovl_dereg(&o, shared, 9, false);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	fuzz_ovl_registered(&o, id, 9);
	ASSERT_EQ(fuzz_ovl_held(&o), 0);

	/* Found gone (ENOENT), then the remover's own report settles it. */
	id = fuzz_ovl_reserve(&o, shared, &a, PG, NULL);
	fuzz_ovl_registered(&o, id, 10);
	fuzz_ovl_lost(&o, shared, 10);
	fuzz_ovl_settle(&o);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	fuzz_ovl_dereg(&o, shared, 10, false);
	ASSERT_EQ(fuzz_ovl_held(&o), 0);

	/* A context closed for sure takes its MRs; one the GC has, only per the list. */
	id = fuzz_ovl_reserve(&o, mine, &a, PG, NULL);
	fuzz_ovl_registered(&o, id, 1);
	id = fuzz_ovl_reserve(&o, other, &a, PG, NULL);
	fuzz_ovl_registered(&o, id, 1);
	id = fuzz_ovl_reserve(&o, other, &a, PG, NULL);
	fuzz_ovl_registered(&o, id, 0);		/* handle unknown: only the close */
	fuzz_ovl_dereg(&o, other, 0, false);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 3);
	fuzz_ovl_ctx_gone(&o, other, true);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	fuzz_ovl_ctx_gone(&o, mine, false);
	fuzz_ovl_settle(&o);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 1);
	gen = fuzz_ovl_oracle_begin(&o, &bar, &ram);
	fuzz_ovl_oracle_end(&o, gen, true, true, NULL, 0);
	ASSERT_EQ(fuzz_ovl_held(&o), 0);

	/* A failed REG_MR gives everything back. */
	id = fuzz_ovl_reserve(&o, mine, &a, PG, NULL);
	fuzz_ovl_failed(&o, id);
	ASSERT_EQ(fuzz_ovl_held(&o), 0);
	ASSERT_EQ(fuzz_ovl_count(&o, 2, 0), 0);
	fuzz_ovl_destroy(&o);
}

FIXTURE(lib_unit) {};

FIXTURE_SETUP(lib_unit)
{
	t_setup(_metadata);
}

FIXTURE_TEARDOWN(lib_unit)
{
}

TEST_F(lib_unit, parse_u64_good) { parse_u64_good(); }
TEST_F(lib_unit, parse_u64_bad) { parse_u64_bad(); }
TEST_F(lib_unit, parse_size) { parse_size(); }
TEST_F(lib_unit, parse_range) { parse_range(); }
TEST_F(lib_unit, parse_bar) { parse_bar(); }
TEST_F(lib_unit, ranges_total) { ranges_total(); }
TEST_F(lib_unit, ranges_validate) { ranges_validate(); }
TEST_F(lib_unit, ranges_stride_and_locate) { ranges_stride_and_locate(); }
TEST_F(lib_unit, bdf_normalize) { bdf_normalize(); }
TEST_F(lib_unit, resource_line) { resource_line(); }
TEST_F(lib_unit, buf_line) { buf_line(); }
TEST_F(lib_unit, violation_line) { violation_line(); }
TEST_F(lib_unit, pin_policy_parse) { pin_policy_parse(); }
TEST_F(lib_unit, rel_line) { rel_line(); }
TEST_F(lib_unit, cap_walk) { cap_walk(); }
TEST_F(lib_unit, error_messages) { error_messages(); }
TEST_F(lib_unit, trigger_table) { trigger_table(); }
TEST_F(lib_unit, fdpass_roundtrip) { fdpass_roundtrip(); }
TEST_F(lib_unit, fdinfo_and_files) { fdinfo_and_files(); }
TEST_F(lib_unit, cli_good) { cli_good(); }
TEST_F(lib_unit, cli_bad) { cli_bad(); }
TEST_F(lib_unit, prng_determinism) { prng_determinism(); }
TEST_F(lib_unit, prng_ranges) { prng_ranges(); }
TEST_F(lib_unit, stress_op_sequence_determinism) { stress_op_sequence_determinism(); }
TEST_F(lib_unit, percentiles) { percentiles(); }
TEST_F(lib_unit, kmsg_splats_and_errno_names) { kmsg_splats_and_errno_names(); }
TEST_F(lib_unit, cli_scenario_stress_good) { cli_scenario_stress_good(); }
TEST_F(lib_unit, cli_scenario_stress_bad) { cli_scenario_stress_bad(); }
TEST_F(lib_unit, cli_json_opts) { cli_json_opts(); }
TEST_F(lib_unit, cli_json_strings) { cli_json_strings(); }
TEST_F(lib_unit, buffer_stat_many) { buffer_stat_many(); }
TEST_F(lib_unit, contract_files) { contract_files(); }
TEST_F(lib_unit, cli_create_mr_segs) { cli_create_mr_segs(); }
TEST_F(lib_unit, cli_create_facts) { cli_create_facts(); }
TEST_F(lib_unit, fdpass_extra_fds) { fdpass_extra_fds(); }
TEST_F(lib_unit, cli_json_double) { cli_json_double(); }
TEST_F(lib_unit, cli_usage_defaults) { cli_usage_defaults(); }
TEST_F(lib_unit, cli_version) { cli_version(); }
TEST_F(lib_unit, kmsg_big_records) { kmsg_big_records(); }
TEST_F(lib_unit, fuzz_errno_table) { fuzz_errno_table(); }
TEST_F(lib_unit, fuzz_kstrto_model) { fuzz_kstrto_model(); }
TEST_F(lib_unit, fuzz_knob_effects) { fuzz_knob_effects(); }
TEST_F(lib_unit, fuzz_knob_values_safe) { fuzz_knob_values_safe(); }
TEST_F(lib_unit, fuzz_draw_sequence) { fuzz_draw_sequence(); }
TEST_F(lib_unit, fuzz_draw_independent_of_device) { fuzz_draw_independent_of_device(); }
TEST_F(lib_unit, fuzz_overlap_keys) { fuzz_overlap_keys(); }
TEST_F(lib_unit, fuzz_overlap_cap) { fuzz_overlap_cap(); }
TEST_F(lib_unit, fuzz_overlap_ledger) { fuzz_overlap_ledger(); }
TEST_F(lib_unit, bufinfo_parse) { bufinfo_parse(); }
TEST_F(lib_unit, cli_fuzz_opts) { cli_fuzz_opts(); }
TEST_F(lib_unit, failnth_parse) { failnth_parse(); }
TEST_F(lib_unit, failnth_calls) { failnth_calls(); }
TEST_F(lib_unit, fault_attrs_fake_tree) { fault_attrs_fake_tree(); }
TEST_F(lib_unit, fault_reject_fake_tree) { fault_reject_fake_tree(); }
TEST_F(lib_unit, ksym_range) { ksym_range(); }
TEST_F(lib_unit, release_trace_parse) { release_trace_parse(); }
TEST_F(lib_unit, events_parse) { events_parse(); }

/*
 * Not TEST_HARNESS_MAIN: make -C userspace test (and make check after it)
 * read our last line, "N passed, N failed, N skipped", after the harness's
 * totals. The harness ends with exit(); its test processes with _exit().
 */
static pid_t harness_pid;

static void summary(void)
{
	if (getpid() != harness_pid || !ksft_test_num())
		return;
	printf("%d passed, %d failed, %d skipped\n",
	       ksft_get_pass_cnt() + ksft_get_xfail_cnt() + ksft_get_xpass_cnt(),
	       ksft_get_fail_cnt() + ksft_get_error_cnt(), ksft_get_xskip_cnt());
}

int main(int argc, char **argv)
{
	harness_pid = getpid();
	atexit(summary);
	return test_harness_run(argc, argv);
}
