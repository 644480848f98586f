// SPDX-License-Identifier: GPL-2.0
/*
 * bench: map latency. One buffer per point, registered for the edu engine
 * (a PCI importer, behind the IOMMU when there is one) again and again:
 * REG_MR (attach and first map), a revoke and restore through COMMAND.MEM
 * (both exporters honour it), the first access (the remap), DEREG_MR. By
 * size (one range) and by number of ranges (a fixed total).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

const uint64_t bench_sizes[BENCH_SIZES] = { 4096, 2ULL << 20, 64ULL << 20, 1ULL << 30 };
const unsigned int bench_range_steps[BENCH_RANGE_STEPS] = { 1, 2, 4, 8, 16, 32, 64 };

#define REPS_SMALL	11
#define REPS_LARGE	5	/* 64 MiB and up */

/* DMA API mappings per map from our exporter's counters; -1 for others. */
static int dma_maps_of(const char *bdf, int fd, const struct p2p_buf_stat *before)
{
	struct p2p_buf_stat st;
	uint64_t ino;

	if (!before || p2p_dmabuf_ino(fd, &ino) || p2p_buffer_stat(bdf, ino, &st) ||
	    st.maps == before->maps)
		return -1;
	return (int)((st.dma_maps - before->dma_maps) / (st.maps - before->maps));
}

static int one_rep(struct bench_ctx *c, int exp, int fd, uint64_t total, uint64_t *t,
		   unsigned int *nents)
{
	struct p2p_dev *dev = &c->dev[exp];
	struct p2p_query_mr q;
	struct p2p_dma_seg seg;
	uint64_t t0;
	uint32_t h, n;
	int ret, dret;

	t0 = bench_now_ns();
	ret = bench_reg_edu(c, exp == 0, fd, total, &h);
	t[0] = bench_now_ns() - t0;
	if (ret)
		return ret;
	ret = p2p_imp_query(c->imp, h, &q);
	if (!ret)
		*nents = q.nents;
	if (!ret)
		ret = p2p_trigger_fire(dev, P2P_TRIG_MEM_OFF);
	if (!ret)
		ret = p2p_trigger_fire(dev, P2P_TRIG_MEM_ON);
	t0 = bench_now_ns();
	if (!ret)
		ret = p2p_imp_check(c->imp, h, 0, c->page, &seg, 1, &n);
	t[1] = bench_now_ns() - t0;
	t0 = bench_now_ns();
	dret = p2p_imp_dereg(c->imp, h, 0);
	t[2] = bench_now_ns() - t0;
	return ret ? ret : dret;
}

static void lat_point(struct bench_ctx *c, int exp, struct bench_exp *e,
		      const struct p2p_range *r, unsigned int nr, struct bench_lat *out)
{
	uint64_t reg[REPS_SMALL], remap[REPS_SMALL], dereg[REPS_SMALL], t[3] = { 0 };
	struct p2p_buf_stat before, *bp = NULL;
	uint64_t total = 0, ino;
	unsigned int i, reps;
	int fd, ret = 0;

	for (i = 0; i < nr; i++)
		total += r[i].length;
	out->size = total;
	out->ranges = nr;
	out->dma_maps = -1;
	if (r[nr - 1].offset + r[nr - 1].length > e->bar_size) {
		bench_why(out->why, -(out->err = -E2BIG), "BAR%u of %s is %llu MiB",
			  c->bar[exp], e->bdf, (unsigned long long)(e->bar_size >> 20));
		return;
	}
	fd = p2p_dmabuf_create(&c->dev[exp], c->bar[exp], r, nr, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		out->err = fd;
		bench_why(out->why, -fd, "create: %s", p2p_last_error());
		return;
	}
	if (!p2p_dmabuf_ino(fd, &ino) && !p2p_buffer_stat(e->bdf, ino, &before))
		bp = &before;
	reps = total >= (64ULL << 20) ? REPS_LARGE : REPS_SMALL;
	for (i = 0; i < reps && !ret; i++) {
		ret = one_rep(c, exp, fd, total, t, &out->nents);
		reg[i] = t[0];
		remap[i] = t[1];
		dereg[i] = t[2];
	}
	if (ret) {
		out->err = ret;
		bench_why(out->why, -ret, "rep %u: %s", i, p2p_last_error());
	} else {
		out->reps = reps;
		out->reg_us = bench_median_us(reg, reps);
		out->remap_us = bench_median_us(remap, reps);
		out->dereg_us = bench_median_us(dereg, reps);
		out->dma_maps = dma_maps_of(e->bdf, fd, bp);
	}
	close(fd);
}

void bench_map(struct bench_ctx *c, int exp, struct bench_exp *e)
{
	struct p2p_range r[64];
	unsigned int i, k;

	if (!c->have_edu) {
		for (i = 0; i < BENCH_SIZES + BENCH_RANGE_STEPS; i++) {
			struct bench_lat *l = i < BENCH_SIZES ? &e->map[i] :
						&e->ranges[i - BENCH_SIZES];

			l->err = -ENODEV;
			l->size = i < BENCH_SIZES ? bench_sizes[i] : BENCH_RANGES_TOTAL;
			l->ranges = i < BENCH_SIZES ? 1 : bench_range_steps[i - BENCH_SIZES];
			snprintf(l->why, BENCH_WHY, "%s", c->edu_why);
		}
		return;
	}

	for (i = 0; i < BENCH_SIZES; i++) {
		r[0].offset = 0;
		r[0].length = bench_sizes[i];
		lat_point(c, exp, e, r, 1, &e->map[i]);
	}
	/* The total cut in n equal ranges, one page apart so none merge. */
	for (i = 0; i < BENCH_RANGE_STEPS; i++) {
		unsigned int n = bench_range_steps[i];
		uint64_t len = BENCH_RANGES_TOTAL / n;

		for (k = 0; k < n; k++) {
			r[k].offset = k * (len + c->page);
			r[k].length = len;
		}
		lat_point(c, exp, e, r, n, &e->ranges[i]);
	}
}
