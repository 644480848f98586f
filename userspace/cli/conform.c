// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p conform: one fixed table of VFIO_DEVICE_FEATURE_DMA_BUF
 * requests, each made once, each outcome recorded as is (an fd and what it
 * is, or the errno). Nothing is judged here: the same table runs against
 * our exporter and against upstream vfio-pci's, and the host compares the
 * two outputs (tests/vm/report.py conform). So every case is a single
 * deterministic request, and one this device cannot express is "n/a" with
 * the reason rather than left out, to keep both sides' case lists equal.
 * The inputs are those of tests/selftests/exporter_uapi.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define GET_DMA_BUF	(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF)
#define PROBE		VFIO_DEVICE_FEATURE_PROBE
#define MAXR		DMABUF_P2P_MAX_RANGES
#define CUT_ALL		0xff	/* no payload at all: argsz is the bare header */

/* half_pages * page / 2 + bars * BAR size + bytes, wrapping like the kernel's u64. */
struct conf_val {
	int8_t half_pages;
	int8_t bars;
	int16_t bytes;
};

#define PG(n)		{ 2 * (n), 0, 0 }
#define PGB(n, b)	{ 2 * (n), 0, (b) }
#define BARPG(n)	{ 2 * (n), 1, 0 }
#define HALF		{ 1, 0, 0 }
#define R1(o, l)	.n = 1, .r = { { o, l } }
#define PAGE0		R1(PG(0), PG(1))
#define OPEN(f)		.open_set = true, .open = (f)
#define NR(x)		.nr_set = true, .nr = (x)
#define REGION(i)	.reg = REG_LIT, .index = (i), PAGE0

/* Which region a case asks for: ours or one found on the device. */
enum conf_reg { REG_MAIN, REG_LIT, REG_ABSENT, REG_IO, REG_SUB_PAGE };

struct conf_case {
	const char *name;
	uint32_t feat;			/* 0: GET | DMA_BUF */
	enum conf_reg reg;
	uint32_t index;			/* REG_LIT */
	bool open_set;
	uint32_t open;			/* default O_RDWR | O_CLOEXEC */
	uint32_t flags;
	bool nr_set;
	uint32_t nr;			/* default: the ranges that follow */
	uint8_t cut;			/* bytes cut off the payload's end */
	uint8_t n;			/* ranges following, from r[] */
	uint16_t gen;			/* or: this many pages, every other page */
	uint16_t min_pages;		/* n/a on a smaller BAR */
	struct { struct conf_val off, len; } r[3];
};

static const struct conf_case cases[] = {
	{ "probe", .feat = PROBE | GET_DMA_BUF, .reg = REG_LIT },
	{ "probe-set", .feat = PROBE | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF,
	  .reg = REG_LIT },
	{ "argsz-short-4", NR(1), .cut = 4 },
	{ "argsz-no-payload", .cut = CUT_ALL },
	{ "flags-bit0", .flags = 1, PAGE0 },
	{ "flags-bit31", .flags = 0x80000000u, PAGE0 },
	{ "nr-ranges-zero", NR(0), PAGE0 },
	{ "nr-ranges-above-max", .gen = MAXR + 1 },
	{ "nr-ranges-0x7fffffff", NR(0x7fffffff), PAGE0 },
	{ "nr-ranges-0xffffffff", NR(0xffffffff), PAGE0 },
	{ "zero-length", R1(PG(0), PG(0)) },
	{ "second-range-zero-length", .n = 2, .r = { { PG(0), PG(1) }, { PG(1), PG(0) } } },
	{ "unaligned-offset-1", R1(PGB(0, 1), PG(1)) },
	{ "unaligned-offset-half-page", R1(HALF, PG(1)) },
	{ "unaligned-length", R1(PG(0), PGB(1, -1)) },
	{ "unaligned-length-plus-8", R1(PG(0), PGB(1, 8)) },
	{ "offset-length-overflow", R1(PG(-1), PG(2)) },	/* offset ~0 - page + 1 */
	{ "length-overflow", R1(PG(1), PG(-1)) },
	{ "range-past-bar-end", R1(BARPG(0), PG(1)) },
	{ "range-longer-than-bar", R1(PG(0), BARPG(1)) },
	{ "range-straddles-bar-end", R1(BARPG(-1), PG(2)) },
	{ "total-above-bar", .n = 2, .r = { { PG(0), BARPG(0) }, { PG(0), BARPG(0) } } },
	{ "region-rom", REGION(VFIO_PCI_ROM_REGION_INDEX) },
	{ "region-config", REGION(VFIO_PCI_CONFIG_REGION_INDEX) },
	{ "region-vga", REGION(VFIO_PCI_VGA_REGION_INDEX) },
	{ "region-index-100", REGION(100) },
	{ "region-index-0xffffffff", REGION(0xffffffffu) },
	{ "region-absent-bar", .reg = REG_ABSENT, PAGE0 },
	{ "region-io-bar", .reg = REG_IO, PAGE0 },
	{ "region-sub-page-bar", .reg = REG_SUB_PAGE, PAGE0 },
	{ "open-flags-unknown-bit", OPEN(O_RDWR | 0x40000000), PAGE0 },
	{ "open-flags-append", OPEN(O_RDWR | O_APPEND), PAGE0 },
	{ "open-flags-rdonly", OPEN(O_RDONLY), PAGE0 },
	{ "open-flags-rdwr-cloexec", OPEN(O_RDWR | O_CLOEXEC), PAGE0 },
	{ "open-flags-rdwr-nonblock", OPEN(O_RDWR | O_NONBLOCK), PAGE0 },
	{ "single-range-whole-bar", R1(PG(0), BARPG(0)) },
	{ "single-range-one-page", PAGE0 },
	{ "multi-range", .n = 3, .min_pages = 5,	/* pages 4, 0, 2: out of order */
	  .r = { { PG(4), PG(1) }, { PG(0), PG(1) }, { PG(2), PG(1) } } },
	{ "overlapping-ranges", .n = 2, .r = { { PG(0), PG(1) }, { PG(0), PG(1) } } },
	{ "max-ranges", .gen = MAXR },
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

enum conf_kind { RES_NA, RES_OK, RES_FD, RES_ERRNO };

struct conf_res {
	enum conf_kind kind;
	int err;
	uint64_t size;
	int fl;			/* F_GETFL & (O_ACCMODE | O_NONBLOCK) */
	bool cloexec;
	char reason[128];
};

struct conf_dev {
	struct p2p_dev dev;
	bool has_bar;		/* a memory BAR of a page or more */
	unsigned int bar;
	uint64_t bar_size, page;
	char no_bar[128];
};

static uint64_t conf_val(const struct conf_dev *d, const struct conf_val *v)
{
	return (uint64_t)(int64_t)v->half_pages * (d->page / 2) +
	       (uint64_t)(int64_t)v->bars * d->bar_size + (uint64_t)(int64_t)v->bytes;
}

/* The region @c asks for on this device, or false and why not in @res. */
static bool conf_region(struct conf_dev *d, const struct conf_case *c, uint32_t *index,
			struct conf_res *res)
{
	struct vfio_region_info info;
	struct p2p_pci_res pres;
	uint64_t size;
	unsigned int i;

	if (c->reg == REG_LIT) {
		*index = c->index;
		return true;
	}
	if (c->reg == REG_MAIN) {
		*index = d->bar;
		if (!d->has_bar)
			snprintf(res->reason, sizeof(res->reason), "%s", d->no_bar);
		return d->has_bar;
	}
	for (i = 0; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		*index = i;
		if (c->reg == REG_ABSENT && !p2p_region_info(&d->dev, i, &info) && !info.size)
			return true;
		if (c->reg == REG_IO && !p2p_pci_resource(d->dev.bdf, i, &pres) &&
		    (pres.flags & P2P_IORESOURCE_IO))
			return true;
		if (c->reg == REG_SUB_PAGE && p2p_bar_is_mem(&d->dev, i, &size) == 1 &&
		    size < d->page)
			return true;
	}
	snprintf(res->reason, sizeof(res->reason), "%s",
		 c->reg == REG_ABSENT ? "all six BARs are implemented" :
		 c->reg == REG_IO ? "no I/O port BAR" : "no memory BAR smaller than a page");
	return false;
}

/* Build @c's one request, make it, and record what came back. */
static void conf_run(struct conf_dev *d, const struct conf_case *c, struct conf_res *res)
{
	struct vfio_device_feature_dma_buf *req;
	unsigned int n = c->gen ? c->gen : c->n, i, pages = c->gen ? 2 * c->gen : c->min_pages;
	size_t len = sizeof(*req) + (size_t)n * sizeof(req->dma_ranges[0]);
	uint32_t index;
	int ret;

	if (!conf_region(d, c, &index, res))
		return;
	if (pages && d->bar_size / d->page < pages) {
		snprintf(res->reason, sizeof(res->reason), "BAR%u has %llu pages, needs %u",
			 d->bar, (unsigned long long)(d->bar_size / d->page), pages);
		return;
	}
	req = calloc(1, len);
	if (!req) {
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return;
	}
	req->region_index = index;
	req->open_flags = c->open_set ? c->open : O_RDWR | O_CLOEXEC;
	req->flags = c->flags;
	req->nr_ranges = c->nr_set ? c->nr : n;
	for (i = 0; i < n; i++) {
		req->dma_ranges[i].offset = c->gen ? 2 * i * d->page : conf_val(d, &c->r[i].off);
		req->dma_ranges[i].length = c->gen ? d->page : conf_val(d, &c->r[i].len);
	}
	len = c->cut == CUT_ALL ? 0 : len - c->cut;
	ret = p2p_dmabuf_feature(d->dev.device, c->feat ? c->feat : GET_DMA_BUF,
				 len ? req : NULL, len);
	free(req);
	if (ret < 0) {
		res->kind = RES_ERRNO;
		res->err = -ret;
		return;
	}
	/* A probe answers 0, which is no fd of ours to look at or close. */
	if (c->feat & PROBE) {
		res->kind = RES_OK;
		return;
	}
	res->kind = RES_FD;
	if (p2p_dmabuf_size(ret, &res->size))
		snprintf(res->reason, sizeof(res->reason), "%s", p2p_last_error());
	res->fl = fcntl(ret, F_GETFL) & (O_ACCMODE | O_NONBLOCK);
	res->cloexec = fcntl(ret, F_GETFD) & FD_CLOEXEC;
	close(ret);
}

static const char *const acc_names[] = {
	[O_RDONLY] = "O_RDONLY", [O_WRONLY] = "O_WRONLY", [O_RDWR] = "O_RDWR",
	[O_ACCMODE] = "O_ACCMODE",
};

static const char *const kind_names[] = {
	[RES_NA] = "n/a", [RES_OK] = "ok", [RES_FD] = "fd", [RES_ERRNO] = "errno",
};

static void conf_json(const struct conf_dev *d, const char *bdf, const char *drv,
		      const struct conf_res *res)
{
	struct json_object *j = cli_json_new("conform"), *arr, *c;
	size_t i;

	cli_json_s(j, "device", bdf);
	cli_json_s(j, "driver", drv);
	if (d->has_bar)
		cli_json_u(j, "bar", d->bar);
	else
		cli_json_null(j, "bar");
	cli_json_u(j, "bar_size", d->bar_size);
	cli_json_u(j, "page", d->page);
	arr = cli_json_arr(j, "cases");
	for (i = 0; i < NR_CASES; i++) {
		c = cli_json_obj(arr, NULL);
		cli_json_s(c, "name", cases[i].name);
		cli_json_s(c, "result", kind_names[res[i].kind]);
		if (res[i].kind == RES_ERRNO)
			cli_json_s(c, "errno", p2p_errno_name(res[i].err));
		if (res[i].kind == RES_FD) {
			cli_json_u(c, "size", res[i].size);
			cli_json_s(c, "accmode", acc_names[res[i].fl & O_ACCMODE]);
			cli_json_b(c, "nonblock", res[i].fl & O_NONBLOCK);
			cli_json_b(c, "cloexec", res[i].cloexec);
		}
		if (res[i].reason[0])
			cli_json_s(c, "reason", res[i].reason);
	}
	cli_json_result(j, CLI_PASS);
	cli_json_print(stdout, j);
}

static void conf_text(const struct conf_dev *d, const char *bdf, const char *drv,
		      const struct conf_res *res)
{
	const struct conf_res *r;
	int width;
	size_t i;

	printf("conform: %s driver=%s ", bdf, drv ? drv : "(none)");
	if (d->has_bar)
		printf("BAR%u size=0x%llx", d->bar, (unsigned long long)d->bar_size);
	else
		printf("no memory BAR");
	printf(" page=%llu, %zu cases\n", (unsigned long long)d->page, NR_CASES);
	for (i = 0; i < NR_CASES; i++) {
		r = &res[i];
		/* Pad the result column only when more follows on the line. */
		width = r->kind == RES_ERRNO || r->kind == RES_FD || r->reason[0] ? 5 : 0;
		printf("  %-28s %-*s", cases[i].name, width, kind_names[r->kind]);
		if (r->kind == RES_ERRNO)
			printf(" %s", p2p_errno_name(r->err));
		if (r->kind == RES_FD)
			printf(" size=%llu %s nonblock=%s cloexec=%s",
			       (unsigned long long)r->size, acc_names[r->fl & O_ACCMODE],
			       r->fl & O_NONBLOCK ? "yes" : "no", r->cloexec ? "yes" : "no");
		printf("%s%s\n", r->reason[0] ? " " : "", r->reason);
	}
}

int cmd_conform(const struct cli_opts *o, const char *bdf)
{
	struct conf_res res[NR_CASES];
	char drv[64];
	struct conf_dev d;
	size_t i;

	memset(&d, 0, sizeof(d));
	memset(res, 0, sizeof(res));
	d.page = p2p_page_size();
	if (cli_open(bdf, &d.dev)) {
		cli_json_verdict(o, CLI_FAIL);
		return CLI_FAIL;
	}
	/* No usable BAR is a fact to compare, not an error: its cases are n/a. */
	d.has_bar = !p2p_find_mem_bar(&d.dev, d.page, &d.bar, &d.bar_size);
	if (!d.has_bar)
		snprintf(d.no_bar, sizeof(d.no_bar), "no memory BAR of %llu bytes or more",
			 (unsigned long long)d.page);
	for (i = 0; i < NR_CASES; i++)
		conf_run(&d, &cases[i], &res[i]);
	p2p_dev_close(&d.dev);
	if (p2p_pci_driver(bdf, drv, sizeof(drv)))
		drv[0] = '\0';
	if (o->json)
		conf_json(&d, bdf, drv[0] ? drv : NULL, res);
	else
		conf_text(&d, bdf, drv[0] ? drv : NULL, res);
	return CLI_PASS;
}
