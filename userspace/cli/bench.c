// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p bench: set up the importer and the exporters, run the parts
 * (bench_map.c, bench_fanout.c, bench_cycle.c) into one struct
 * bench_result, then print it once, as text or JSON. Figures only: the
 * host's make bench sets them against the targets.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Median of @n samples in ns, in microseconds; sorts @ns. */
double bench_median_us(uint64_t *ns, unsigned int n)
{
	uint64_t v = 0;

	p2p_sort_u64(ns, n);
	p2p_percentile_sorted(ns, n, 50, &v);
	return v / 1000.0;
}

void bench_why(char *why, int err, const char *fmt, ...)
{
	const char *name = strerrorname_np(err) ?: "?";
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(why, BENCH_WHY, fmt, ap);
	va_end(ap);
	if (n >= 0 && n < BENCH_WHY)
		snprintf(why + n, BENCH_WHY - n, " (%s)", name);
}

/*
 * make bench boots -cpu EPYC, whose host bridge pci_p2pdma_distance()
 * trusts; the knob is for other CPUs, and only our exporter has it.
 */
int bench_reg_edu(struct bench_ctx *c, bool ours, int fd, uint64_t len, uint32_t *h)
{
	bool skipped;

	return p2p_imp_reg_edu(c->imp, fd, 0, len, P2P_MR_ACCESS_ALL,
			       ours && p2p_exp_debugfs_present(), h, &skipped);
}

/* Open exporter @i on @bdf, or say in e->why why not. */
static void exp_open(struct bench_ctx *c, int i, const char *bdf, struct bench_exp *e)
{
	int ret;

	e->name = i ? "upstream" : "ours";
	snprintf(e->bdf, sizeof(e->bdf), "%s", bdf);
	if (p2p_pci_driver(bdf, e->driver, sizeof(e->driver)))
		snprintf(e->driver, sizeof(e->driver), "none");
	if (i == 0 ? strcmp(e->driver, P2P_EXP_DRIVER) : !p2p_dev_is_upstream_vfio(bdf)) {
		e->err = -ENODEV;
		bench_why(e->why, ENODEV, "%s is bound to %s, not %s", bdf, e->driver,
			  i == 0 ? P2P_EXP_DRIVER : "vfio-pci");
		return;
	}
	ret = p2p_dev_open(bdf, &c->dev[i]);
	if (!ret)
		ret = p2p_find_mem_bar(&c->dev[i], c->page, &c->bar[i], &e->bar_size);
	if (ret) {
		e->err = ret;
		bench_why(e->why, -ret, "%s", p2p_last_error());
	}
}

static void lat_text(const struct bench_lat *l)
{
	if (l->err) {
		printf("  %10llu %6u  n/a: %s\n", (unsigned long long)(l->size >> 10), l->ranges,
		       l->why);
		return;
	}
	printf("  %10llu %6u %10.1f %10.1f %10.1f %7u %8d\n",
	       (unsigned long long)(l->size >> 10), l->ranges, l->reg_us, l->remap_us,
	       l->dereg_us, l->nents, l->dma_maps);
}

static void render_text(const struct bench_result *r)
{
	unsigned int i, k;

	printf("dmabuf-p2p bench: kernel %s, %s, edu %s\n", r->kernel, r->iommu,
	       r->edu[0] ? r->edu : "none");
	for (i = 0; i < BENCH_EXPORTERS; i++) {
		const struct bench_exp *e = &r->exp[i];

		printf("\nmap latency, %s exporter %s (%s)%s%s\n", e->name, e->bdf, e->driver,
		       e->err ? ": " : "", e->err ? e->why : "");
		if (e->err)
			continue;
		printf("  %10s %6s %10s %10s %10s %7s %8s\n", "KiB", "ranges", "reg us",
		       "remap us", "dereg us", "sg ents", "dma maps");
		for (k = 0; k < BENCH_SIZES; k++)
			lat_text(&e->map[k]);
		for (k = 0; k < BENCH_RANGE_STEPS; k++)
			lat_text(&e->ranges[k]);
	}
	printf("\nrevoke fan-out (%s)\n  %8s %7s %12s %12s %10s %7s\n", r->exp[0].bdf,
	       "attach", "bufs", "revoke us", "walk us", "ns/attach", "ratio");
	for (i = 0; i < BENCH_FAN_STEPS; i++) {
		const struct bench_fan *f = &r->fan[i];

		if (f->err)
			printf("  %8u  n/a: %s\n", f->attachments, f->why);
		else
			printf("  %8u %7u %12.1f %12.1f %10.0f %7.1f\n", f->attachments,
			       f->buffers, f->revoke_us, f->walk_us, f->per_att_ns, f->ratio);
	}
	printf("\ncycle (create, register, access, revoke, close), %u s each\n", r->duration_s);
	for (i = 0; i < BENCH_CYCLES; i++) {
		const struct bench_cycle *cy = &r->cycle[i];

		if (cy->err)
			printf("  %-9s n/a: %s\n", cy->name, cy->why);
		else
			printf("  %-9s %8.1f cycles/s (%llu in %.1f s)\n", cy->name, cy->per_s,
			       (unsigned long long)cy->cycles, cy->seconds);
	}
}

/* A figure that could not be measured says why: "error". True if so. */
static bool json_unmeasured(struct json_object *x, int err, const char *why)
{
	if (err)
		cli_json_s(x, "error", why);
	return err;
}

static void lat_json(struct json_object *arr, const struct bench_lat *l)
{
	struct json_object *j = cli_json_obj(arr, NULL);

	cli_json_u(j, "bytes", l->size);
	cli_json_u(j, "ranges", l->ranges);
	if (json_unmeasured(j, l->err, l->why))
		return;
	cli_json_u(j, "reps", l->reps);
	cli_json_d(j, "reg_us", l->reg_us, 1);
	cli_json_d(j, "remap_us", l->remap_us, 1);
	cli_json_d(j, "dereg_us", l->dereg_us, 1);
	cli_json_u(j, "sg_entries", l->nents);
	if (l->dma_maps >= 0)
		cli_json_u(j, "dma_maps", l->dma_maps);
	else
		cli_json_null(j, "dma_maps");
}

static void render_json(const struct bench_result *r)
{
	struct json_object *j = cli_json_new("bench"), *arr, *sub, *x;
	unsigned int i, k;

	cli_json_s(j, "kernel", r->kernel);
	cli_json_s(j, "iommu", r->iommu);
	cli_json_s(j, "edu", r->edu);
	arr = cli_json_arr(j, "exporters");
	for (i = 0; i < BENCH_EXPORTERS; i++) {
		const struct bench_exp *e = &r->exp[i];

		x = cli_json_obj(arr, NULL);
		cli_json_s(x, "name", e->name);
		cli_json_s(x, "device", e->bdf);
		cli_json_s(x, "driver", e->driver);
		if (json_unmeasured(x, e->err, e->why))
			continue;
		cli_json_u(x, "bar_bytes", e->bar_size);
		sub = cli_json_arr(x, "by_size");
		for (k = 0; k < BENCH_SIZES; k++)
			lat_json(sub, &e->map[k]);
		sub = cli_json_arr(x, "by_ranges");
		for (k = 0; k < BENCH_RANGE_STEPS; k++)
			lat_json(sub, &e->ranges[k]);
	}
	arr = cli_json_arr(j, "fanout");
	for (i = 0; i < BENCH_FAN_STEPS; i++) {
		const struct bench_fan *f = &r->fan[i];

		x = cli_json_obj(arr, NULL);
		cli_json_u(x, "attachments", f->attachments);
		if (json_unmeasured(x, f->err, f->why))
			continue;
		cli_json_u(x, "buffers", f->buffers);
		cli_json_d(x, "revoke_us", f->revoke_us, 1);
		cli_json_d(x, "walk_us", f->walk_us, 1);
		cli_json_d(x, "per_attachment_ns", f->per_att_ns, 1);
		cli_json_d(x, "ratio", f->ratio, 1);
	}
	arr = cli_json_arr(j, "cycle");
	for (i = 0; i < BENCH_CYCLES; i++) {
		const struct bench_cycle *cy = &r->cycle[i];

		x = cli_json_obj(arr, NULL);
		cli_json_s(x, "exporter", cy->name);
		if (json_unmeasured(x, cy->err, cy->why))
			continue;
		cli_json_u(x, "cycles", cy->cycles);
		cli_json_d(x, "seconds", cy->seconds, 1);
		cli_json_d(x, "per_s", cy->per_s, 1);
	}
	cli_json_print(stdout, j);
}

int cmd_bench(const struct cli_opts *o, const char *bdf)
{
	const char *up = getenv("DMABUF_P2P_DEVICE_UPSTREAM");
	struct bench_result *r = calloc(1, sizeof(*r));
	struct bench_ctx c = { .imp = -1 };
	struct utsname u;
	char upb[P2P_BDF_LEN];
	unsigned int i;

	if (!r)
		return cli_fail(o, "out of memory");
	for (i = 0; i < BENCH_EXPORTERS; i++)
		c.dev[i].device = c.dev[i].group = c.dev[i].container = -1;
	c.page = p2p_page_size();
	r->duration_s = o->duration_s;
	if (!uname(&u))
		snprintf(r->kernel, sizeof(r->kernel), "%s", u.release);
	c.imp = p2p_imp_open();
	if (c.imp < 0) {
		free(r);
		return cli_fail(o, "importer: %s", p2p_last_error());
	}
	c.have_edu = !p2p_imp_edu_device(r->edu);
	if (!c.have_edu)
		bench_why(c.edu_why, ENODEV, "%s", p2p_last_error());

	exp_open(&c, 0, bdf, &r->exp[0]);
	if (up && !p2p_bdf_normalize(up, upb)) {
		exp_open(&c, 1, upb, &r->exp[1]);
	} else {
		r->exp[1].name = "upstream";
		r->exp[1].err = -ENODEV;
		snprintf(r->exp[1].why, BENCH_WHY, "DMABUF_P2P_DEVICE_UPSTREAM not set");
	}
	snprintf(r->iommu, sizeof(r->iommu), "%s",
		 r->exp[0].err ? "?" : c.dev[0].noiommu ? "noiommu" : "iommu");

	for (i = 0; i < BENCH_EXPORTERS; i++) {
		fprintf(stderr, "bench: map latency on %s %s\n", r->exp[i].name, r->exp[i].bdf);
		if (!r->exp[i].err)
			bench_map(&c, i, &r->exp[i]);
	}
	fprintf(stderr, "bench: revoke fan-out\n");
	bench_fanout(&c, &r->exp[0], r->fan);
	fprintf(stderr, "bench: cycles, %u s each\n", o->duration_s);
	bench_cycles(&c, r->exp, o->duration_s, r->cycle);

	if (p2p_exp_debugfs_present())
		p2p_exp_knob_set(NULL, "skip_p2p_distance", 0);
	for (i = 0; i < BENCH_EXPORTERS; i++)
		if (p2p_dev_is_open(&c.dev[i]))
			p2p_dev_close(&c.dev[i]);
	close(c.imp);
	if (o->json)
		render_json(r);
	else
		render_text(r);
	free(r);
	return CLI_PASS;
}
