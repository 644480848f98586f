// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the stress cycle, one thread, back to back for a fixed time:
 * create a one-page buffer, register it for the edu engine, access it (a
 * CHECK of its DMA segments), revoke and restore it (COMMAND.MEM off and
 * on), deregister, close. On our exporter and on upstream vfio-pci's; on a
 * udmabuf, the same cycle without the revoke (it has none): the figure of
 * a known exporter in the same boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static int cycle_once(struct bench_ctx *c, int exp)
{
	struct p2p_range r = { .offset = 0, .length = c->page };
	struct p2p_dma_seg seg;
	uint32_t h, n;
	int fd, ret;

	if (exp < 0)
		fd = p2p_udmabuf_create(c->page, NULL);
	else
		fd = p2p_dmabuf_create(&c->dev[exp], c->bar[exp], &r, 1, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fd;
	ret = bench_reg_edu(c, exp == 0, fd, c->page, &h);
	if (ret)
		goto out;
	ret = p2p_imp_check(c->imp, h, 0, c->page, &seg, 1, &n);
	if (!ret && exp >= 0)
		ret = p2p_trigger_fire(&c->dev[exp], P2P_TRIG_MEM_OFF);
	if (!ret && exp >= 0)
		ret = p2p_trigger_fire(&c->dev[exp], P2P_TRIG_MEM_ON);
	if (p2p_imp_dereg(c->imp, h, 0) && !ret)
		ret = -EIO;
out:
	close(fd);
	return ret;
}

static void cycle_run(struct bench_ctx *c, int exp, unsigned int seconds,
		      struct bench_cycle *out)
{
	uint64_t t0 = bench_now_ns(), end = t0 + seconds * 1000000000ULL, now;
	int ret = 0;

	do {
		ret = cycle_once(c, exp);
		if (!ret)
			out->cycles++;
		now = bench_now_ns();
	} while (!ret && now < end);
	if (ret) {
		out->err = ret;
		bench_why(out->why, -ret, "after %llu cycles: %s",
			  (unsigned long long)out->cycles, p2p_last_error());
		return;
	}
	out->seconds = (now - t0) / 1e9;
	out->per_s = out->cycles / out->seconds;
}

void bench_cycles(struct bench_ctx *c, const struct bench_exp *exps, unsigned int seconds,
		  struct bench_cycle *out)
{
	static const char *const names[BENCH_CYCLES] = { "ours", "udmabuf", "upstream" };
	/* Which device each runs on: ours, none, upstream's. */
	static const int exp_of[BENCH_CYCLES] = { 0, -1, 1 };
	unsigned int i;

	for (i = 0; i < BENCH_CYCLES; i++) {
		const struct bench_exp *e = exp_of[i] >= 0 ? &exps[exp_of[i]] : NULL;

		out[i].name = names[i];
		if (!c->have_edu) {
			out[i].err = -ENODEV;
			snprintf(out[i].why, BENCH_WHY, "%s", c->edu_why);
		} else if (e && e->err) {
			out[i].err = e->err;
			snprintf(out[i].why, BENCH_WHY, "%s", e->why);
		} else {
			cycle_run(c, exp_of[i], seconds, &out[i]);
		}
	}
}
