/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf-p2p bench: what P2P users pay, measured in one boot and rendered
 * once (text or JSON). Each part fills its piece of struct bench_result;
 * a figure that could not be measured carries the errno and the reason.
 */
#ifndef DMABUF_P2P_BENCH_H
#define DMABUF_P2P_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

#define BENCH_SIZES		4	/* 4 KiB, 2 MiB, 64 MiB, 1 GiB */
#define BENCH_RANGE_STEPS	7	/* 1, 2, 4 ... 64 ranges */
#define BENCH_RANGES_TOTAL	(64ULL << 20)
#define BENCH_FAN_STEPS		5	/* 1, 10 ... 10 000 attachments */
#define BENCH_FAN_PER_BUF	5	/* MRs per buffer: DMA-API debugging allows 7 */
#define BENCH_EXPORTERS		2	/* ours, upstream vfio-pci */
#define BENCH_CYCLES		3	/* ours, udmabuf, upstream */
#define BENCH_WHY		128

extern const uint64_t bench_sizes[BENCH_SIZES];
extern const unsigned int bench_range_steps[BENCH_RANGE_STEPS];
extern const unsigned int bench_fan_steps[BENCH_FAN_STEPS];

/* One map-latency point: medians over @reps registrations. */
struct bench_lat {
	uint64_t size;
	unsigned int ranges;
	int err;			/* 0, or -errno: not measured, see why */
	char why[BENCH_WHY];
	unsigned int reps;
	double reg_us;			/* REG_MR: attach + first map */
	double remap_us;		/* first access after a revoke and restore */
	double dereg_us;		/* DEREG_MR: unmap + detach */
	unsigned int nents;		/* sg entries of one map */
	int dma_maps;			/* DMA API mappings per map; -1: not ours */
};

struct bench_exp {
	const char *name;		/* "ours" or "upstream" */
	char bdf[P2P_BDF_LEN];
	char driver[64];
	int err;
	char why[BENCH_WHY];
	uint64_t bar_size;
	struct bench_lat map[BENCH_SIZES];
	struct bench_lat ranges[BENCH_RANGE_STEPS];
};

/* Revoke of every buffer of a device, @attachments of them mapped. */
struct bench_fan {
	unsigned int attachments;
	unsigned int buffers;
	int err;
	char why[BENCH_WHY];
	double revoke_us;		/* median: notify all, wait for all unmaps */
	double walk_us;			/* median: the same walk, nobody notified */
	double per_att_ns;		/* revoke_us / attachments */
	double ratio;			/* revoke_us / walk_us */
};

/* create -> register -> access -> revoke -> close, back to back. */
struct bench_cycle {
	const char *name;		/* "ours", "udmabuf", "upstream" */
	int err;
	char why[BENCH_WHY];
	uint64_t cycles;
	double seconds;
	double per_s;
};

struct bench_result {
	char kernel[65];
	char iommu[16];
	char edu[P2P_BDF_LEN];
	unsigned int duration_s;
	struct bench_exp exp[BENCH_EXPORTERS];
	struct bench_fan fan[BENCH_FAN_STEPS];
	struct bench_cycle cycle[BENCH_CYCLES];
};

/* What every part works with: the importer, its engine, the exporters. */
struct bench_ctx {
	int imp;
	bool have_edu;
	char edu_why[BENCH_WHY];
	uint64_t page;
	struct p2p_dev dev[BENCH_EXPORTERS];
	unsigned int bar[BENCH_EXPORTERS];
};

/* bench.c */
double bench_median_us(uint64_t *ns, unsigned int n);
uint64_t bench_now_ns(void);
int bench_reg_edu(struct bench_ctx *c, bool ours, int fd, uint64_t len, uint32_t *h);
void bench_why(char *why, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* bench_map.c, bench_fanout.c, bench_cycle.c */
void bench_map(struct bench_ctx *c, int exp, struct bench_exp *e);
void bench_fanout(struct bench_ctx *c, struct bench_exp *e, struct bench_fan *fan);
void bench_cycles(struct bench_ctx *c, const struct bench_exp *exps, unsigned int seconds,
		  struct bench_cycle *out);

#endif
