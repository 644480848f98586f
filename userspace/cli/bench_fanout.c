// SPDX-License-Identifier: GPL-2.0
/*
 * bench: revoke fan-out. N attachments (MRs of the importer's platform
 * device, BENCH_FAN_PER_BUF per one-page buffer, every buffer on its own
 * page so DMA-API debugging never sees more than 7 mappings start in one
 * cacheline), all mapped; then the time of a forced revoke of the device
 * (notify every importer, wait for every unmap) against the time of the
 * same walk with nobody notified (<BDF>/walk). Our exporter only: it needs
 * the revoke knob and the walk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

const unsigned int bench_fan_steps[BENCH_FAN_STEPS] = { 1, 10, 100, 1000, 10000 };

#define FAN_REPS	3
#define FAN_CTXS	((10000 + P2P_MR_MAX_PER_FD - 1) / P2P_MR_MAX_PER_FD)

struct fan_mrs {
	int ctx[FAN_CTXS];
	uint32_t *h;
	unsigned int n;
};

static int fan_walk_ns(const char *bdf, uint64_t *ns, unsigned int *atts, char *why)
{
	char line[128];
	unsigned int bufs;
	unsigned long long v;
	int ret = p2p_exp_knob_read(bdf, "walk", line, sizeof(line));

	if (ret < 0) {
		bench_why(why, -ret, "%s", p2p_last_error());
		return ret;
	}
	if (sscanf(line, "buffers=%u attachments=%u ns=%llu", &bufs, atts, &v) != 3) {
		bench_why(why, EPROTO, "walk said '%s'", line);
		return -EPROTO;
	}
	*ns = v;
	return 0;
}

static void fan_teardown(struct fan_mrs *m, const char *bdf)
{
	uint64_t deadline = p2p_now_ms() + 20000;
	unsigned int i;

	for (i = 0; i < FAN_CTXS; i++)
		if (m->ctx[i] >= 0)
			close(m->ctx[i]);
	free(m->h);
	/* Closing the contexts released the MRs; their buffers follow. */
	while (p2p_buffers_list(bdf, NULL, 0) > 0 && p2p_now_ms() < deadline)
		p2p_sleep_ms(20);
}

/* n mapped MRs over n / BENCH_FAN_PER_BUF buffers. */
static int fan_setup(struct bench_ctx *c, struct bench_exp *e, unsigned int n,
		     struct fan_mrs *m, unsigned int *bufs, char *why)
{
	unsigned int i, b = 0;
	int fd = -1, ret = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < FAN_CTXS; i++)
		m->ctx[i] = -1;
	m->h = calloc(n, sizeof(*m->h));
	if (!m->h) {
		bench_why(why, ENOMEM, "%u handles", n);
		return -ENOMEM;
	}
	for (i = 0; i < n && !ret; i++) {
		int *ctx = &m->ctx[i / P2P_MR_MAX_PER_FD];

		if (*ctx < 0) {
			ret = p2p_imp_open();
			if (ret < 0)
				break;
			*ctx = ret;
			ret = 0;
		}
		if (i % BENCH_FAN_PER_BUF == 0) {
			struct p2p_range r = { .offset = b * c->page, .length = c->page };

			if (fd >= 0)
				close(fd);
			fd = -1;
			if (r.offset + r.length > e->bar_size) {
				bench_why(why, E2BIG, "BAR of %llu bytes < %u pages",
					  (unsigned long long)e->bar_size, b + 1);
				ret = -E2BIG;
				break;
			}
			fd = p2p_dmabuf_create(&c->dev[0], c->bar[0], &r, 1, O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				ret = fd;
				break;
			}
			b++;
		}
		ret = p2p_imp_reg(*ctx, fd, 0, c->page, 0, P2P_MR_ACCESS_ALL, &m->h[i]);
		if (!ret)
			m->n++;
	}
	if (fd >= 0)
		close(fd);
	*bufs = b;
	if (ret && !why[0])
		bench_why(why, -ret, "%u of %u MRs: %s", m->n, n, p2p_last_error());
	return ret;
}

/* After a restore every MR is invalidated: map them all again. */
static int fan_remap(struct bench_ctx *c, struct fan_mrs *m)
{
	struct p2p_dma_seg seg;
	unsigned int i;
	uint32_t cnt;
	int ret;

	for (i = 0; i < m->n; i++) {
		ret = p2p_imp_check(m->ctx[i / P2P_MR_MAX_PER_FD], m->h[i], 0, c->page, &seg, 1,
				    &cnt);
		if (ret)
			return ret;
	}
	return 0;
}

static void fan_step(struct bench_ctx *c, struct bench_exp *e, struct bench_fan *f)
{
	uint64_t rev[FAN_REPS], walk[FAN_REPS], t0;
	unsigned int i, atts = 0;
	struct fan_mrs m;
	int ret;

	ret = fan_setup(c, e, f->attachments, &m, &f->buffers, f->why);
	for (i = 0; i < FAN_REPS && !ret; i++) {
		ret = fan_walk_ns(e->bdf, &walk[i], &atts, f->why);
		if (!ret && atts != f->attachments) {
			bench_why(f->why, EPROTO, "walk saw %u attachments, want %u", atts,
				  f->attachments);
			ret = -EPROTO;
			break;
		}
		t0 = bench_now_ns();
		if (!ret)
			ret = p2p_knob_revoke(e->bdf, true);
		rev[i] = bench_now_ns() - t0;
		if (!ret)
			ret = p2p_knob_revoke(e->bdf, false);
		if (!ret)
			ret = fan_remap(c, &m);
	}
	if (ret) {
		f->err = ret;
		if (!f->why[0])
			bench_why(f->why, -ret, "%s", p2p_last_error());
		p2p_knob_revoke(e->bdf, false);
	} else {
		f->revoke_us = bench_median_us(rev, FAN_REPS);
		f->walk_us = bench_median_us(walk, FAN_REPS);
		f->per_att_ns = f->revoke_us * 1000 / f->attachments;
		f->ratio = f->walk_us > 0 ? f->revoke_us / f->walk_us : 0;
	}
	fan_teardown(&m, e->bdf);
}

void bench_fanout(struct bench_ctx *c, struct bench_exp *e, struct bench_fan *fan)
{
	unsigned int i;

	for (i = 0; i < BENCH_FAN_STEPS; i++) {
		fan[i].attachments = bench_fan_steps[i];
		if (e->err) {
			fan[i].err = e->err;
			snprintf(fan[i].why, BENCH_WHY, "%s", e->why);
			continue;
		}
		if (!p2p_exp_debugfs_present()) {
			fan[i].err = -EOPNOTSUPP;
			bench_why(fan[i].why, EOPNOTSUPP, "needs dmabuf_p2p_exp's revoke knob and walk");
			continue;
		}
		fan_step(c, e, &fan[i]);
	}
}
