/* SPDX-License-Identifier: GPL-2.0 */
/* dmabuf-p2p stress: what the workers count, and the summary of a run. */
#ifndef DMABUF_P2P_STRESS_H
#define DMABUF_P2P_STRESS_H

#include <stdio.h>

#include "cli.h"

#define STRESS_MAX_ERRNO	256

/* One worker's counts; merged into the run's at the end. */
struct stress_stats {
	unsigned long ops[SOP_NR];		/* attempted */
	unsigned long expected[SOP_NR];		/* failed with an errno the op allows */
	unsigned long unexpected[SOP_NR];
	unsigned long by_errno[STRESS_MAX_ERRNO];
	char first_unexpected[256];
	uint64_t *lat_us;			/* revoke syscall durations */
	size_t nlat, caplat;
};

/*
 * What the modules' tracepoints saw (events/dmabuf_p2p through trace_pipe,
 * drained every tick): every release with its path, every revoke with the
 * attachments it notified and its time in the kernel.
 */
struct stress_trace {
	struct p2p_event_stream es;
	bool on;
	char why_off[160];			/* when !on */
	unsigned long releases;
	unsigned long paths[5];			/* close task_work delayed_fput exit other */
	unsigned long notified;
	uint64_t *revoke_us;			/* notify + unmap wait, per revoke */
	size_t nrev, caprev;
	long long lost;				/* dropped by the ring: counts are a floor */
};

struct stress_summary {
	const struct cli_opts *o;
	const char *bdf;
	uint64_t seed;
	uint64_t ms;
	struct stress_stats total;
	struct stress_trace trace;
	int splats;
	char splat[512];
	bool kmsg_checked;
	int leaked;				/* buffers left on the device */
	bool pass;
};

void stress_stats_error(struct stress_stats *s, enum stress_op op, int err, bool expected,
			const char *what);
void stress_stats_latency(struct stress_stats *s, uint64_t us);
void stress_stats_merge(struct stress_stats *into, const struct stress_stats *from);
void stress_stats_free(struct stress_stats *s);
void stress_trace_start(struct stress_trace *t);
void stress_trace_poll(struct stress_trace *t);
void stress_trace_stop(struct stress_trace *t);
void stress_trace_free(struct stress_trace *t);
void stress_summary_print(struct stress_summary *sum);

#endif /* DMABUF_P2P_STRESS_H */
