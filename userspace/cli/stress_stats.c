// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p stress: counting (per op, per errno, revoke latencies; release
 * paths and the kernel's side of each revoke from the modules' tracepoints)
 * and the end-of-run summary, as text, TAP or JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "stress.h"

static const char *const path_names[5] = {
	P2P_REL_CLOSE, P2P_REL_TASK_WORK, P2P_REL_DELAYED, P2P_REL_EXIT, P2P_REL_OTHER };

void stress_stats_error(struct stress_stats *s, enum stress_op op, int err, bool expected,
			const char *what)
{
	if (err < 0)
		err = -err;
	s->by_errno[err < STRESS_MAX_ERRNO ? err : 0]++;
	if (expected) {
		s->expected[op]++;
		return;
	}
	s->unexpected[op]++;
	if (!s->first_unexpected[0])
		snprintf(s->first_unexpected, sizeof(s->first_unexpected), "%s: %s: %s",
			 cli_stress_op_names[op], what, p2p_strerror(err));
}

static void push_sample(uint64_t **arr, size_t *n, size_t *cap, uint64_t v)
{
	uint64_t *grown;

	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 1024;

		grown = realloc(*arr, c * sizeof(*grown));
		if (!grown)
			return;		/* a lost sample, not a lost run */
		*arr = grown;
		*cap = c;
	}
	(*arr)[(*n)++] = v;
}

void stress_stats_latency(struct stress_stats *s, uint64_t us)
{
	push_sample(&s->lat_us, &s->nlat, &s->caplat, us);
}

void stress_stats_merge(struct stress_stats *into, const struct stress_stats *from)
{
	size_t i;

	for (i = 0; i < SOP_NR; i++) {
		into->ops[i] += from->ops[i];
		into->expected[i] += from->expected[i];
		into->unexpected[i] += from->unexpected[i];
	}
	for (i = 0; i < STRESS_MAX_ERRNO; i++)
		into->by_errno[i] += from->by_errno[i];
	if (!into->first_unexpected[0])
		memcpy(into->first_unexpected, from->first_unexpected,
		       sizeof(into->first_unexpected));
	for (i = 0; i < from->nlat; i++)
		stress_stats_latency(into, from->lat_us[i]);
}

void stress_stats_free(struct stress_stats *s)
{
	free(s->lat_us);
	s->lat_us = NULL;
	s->nlat = s->caplat = 0;
}

static void on_event(const struct p2p_event *ev, void *arg)
{
	struct stress_trace *t = arg;
	char path[24];
	long long v;
	size_t k;

	if (!strcmp(ev->name, "p2p_exp_release")) {
		t->releases++;
		k = 4;
		if (!p2p_event_str(ev, "path", path, sizeof(path)))
			for (k = 0; k < 4 && strcmp(path, path_names[k]); k++)
				;
		t->paths[k]++;
	} else if (!strcmp(ev->name, "p2p_exp_revoke")) {
		if (!p2p_event_num(ev, "notified", &v))
			t->notified += v;
		if (!p2p_event_num(ev, "ns", &v))
			push_sample(&t->revoke_us, &t->nrev, &t->caprev, v / 1000);
	}
}

void stress_trace_start(struct stress_trace *t)
{
	t->on = !p2p_events_start() && !p2p_events_stream_open(&t->es);
	if (!t->on) {
		snprintf(t->why_off, sizeof(t->why_off), "%s", p2p_last_error());
		p2p_events_stop();
	}
}

void stress_trace_poll(struct stress_trace *t)
{
	if (t->on && p2p_events_stream_poll(&t->es, on_event, t) < 0)
		cli_err("stress: %s", p2p_last_error());
}

void stress_trace_stop(struct stress_trace *t)
{
	if (!t->on)
		return;
	stress_trace_poll(t);
	t->lost = p2p_events_lost();
	p2p_events_stream_close(&t->es);
	p2p_events_stop();
}

void stress_trace_free(struct stress_trace *t)
{
	free(t->revoke_us);
	memset(t, 0, sizeof(*t));
}

static void pct(uint64_t *v, size_t n, uint64_t *p50, uint64_t *p99, uint64_t *max)
{
	*p50 = *p99 = *max = 0;
	p2p_percentile_sorted(v, n, 50, p50);
	p2p_percentile_sorted(v, n, 99, p99);
	p2p_percentile_sorted(v, n, 100, max);
}

#define LAT_WHAT "revoke syscall duration (move_notify runs synchronously inside it)"
#define KREV_WHAT "per buffer, tracepoint p2p_exp_revoke: move_notify plus the wait for every unmap"

static void print_text(struct stress_summary *m, FILE *f, const char *pfx)
{
	const struct stress_trace *tr = &m->trace;
	const struct stress_stats *t = &m->total;
	double secs = m->ms ? m->ms / 1000.0 : 1;
	unsigned long all = 0, exp = 0, unexp = 0;
	uint64_t p50, p99, max;
	size_t i;
	bool any = false;

	fprintf(f, "%sstress on %s: seed %llu (replay: --seed %llu), %u thread(s), %.1f s\n",
		pfx, m->bdf, (unsigned long long)m->seed, (unsigned long long)m->seed,
		m->o->threads, m->ms / 1000.0);
	fprintf(f, "%s%-10s %10s %10s %10s %10s\n", pfx, "op", "count", "ops/s", "expected",
		"unexpected");
	for (i = 0; i < SOP_NR; i++) {
		if (!(m->o->ops_mask & (1u << i)) && !t->ops[i])
			continue;
		fprintf(f, "%s%-10s %10lu %10.1f %10lu %10lu\n", pfx, cli_stress_op_names[i],
			t->ops[i], t->ops[i] / secs, t->expected[i], t->unexpected[i]);
		all += t->ops[i];
		exp += t->expected[i];
		unexp += t->unexpected[i];
	}
	fprintf(f, "%s%-10s %10lu %10.1f %10lu %10lu\n", pfx, "total", all, all / secs, exp,
		unexp);
	pct(t->lat_us, t->nlat, &p50, &p99, &max);
	fprintf(f, "%srevoke latency, %s: n=%zu p50=%llu us p99=%llu us max=%llu us\n", pfx,
		LAT_WHAT, t->nlat, (unsigned long long)p50, (unsigned long long)p99,
		(unsigned long long)max);
	if (!tr->on) {
		fprintf(f, "%srelease paths: not traced (%s)\n", pfx, tr->why_off);
	} else {
		pct(tr->revoke_us, tr->nrev, &p50, &p99, &max);
		fprintf(f, "%skernel revoke, %s: n=%zu notified=%lu p50=%llu us p99=%llu us max=%llu us\n",
			pfx, KREV_WHAT, tr->nrev, tr->notified, (unsigned long long)p50,
			(unsigned long long)p99, (unsigned long long)max);
		fprintf(f, "%srelease paths (tracepoint p2p_exp_release):", pfx);
		for (i = 0; i < 5; i++)
			fprintf(f, " %s=%lu", path_names[i], tr->paths[i]);
		if (tr->lost)
			fprintf(f, " (%lld events lost: counts are a floor)", tr->lost);
		fputc('\n', f);
	}
	fprintf(f, "%serrors by errno:", pfx);
	for (i = 0; i < STRESS_MAX_ERRNO; i++) {
		if (!t->by_errno[i])
			continue;
		fprintf(f, " %s=%lu", i ? p2p_errno_name(i) : "other", t->by_errno[i]);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
	if (t->first_unexpected[0])
		fprintf(f, "%sfirst unexpected error: %s\n", pfx, t->first_unexpected);
	if (m->kmsg_checked)
		fprintf(f, "%skernel splats: %d%s%s\n", pfx, m->splats, m->splats ? ": " : "",
			m->splat);
	else
		fprintf(f, "%skernel splats: not checked (%s)\n", pfx, m->splat);
	if (m->leaked)
		fprintf(f, "%sbuffers left on the device after the run: %d\n", pfx, m->leaked);
	fprintf(f, "%sresult: %s\n", pfx, m->pass ? "pass" : "FAIL");
}

static void print_json(struct stress_summary *m)
{
	const struct stress_trace *tr = &m->trace;
	const struct stress_stats *t = &m->total;
	double secs = m->ms ? m->ms / 1000.0 : 1;
	struct json_object *j = cli_json_new("stress"), *ops, *op, *x;
	uint64_t p50, p99, max;
	size_t i;

	cli_json_s(j, "result", m->pass ? "pass" : "fail");
	cli_json_s(j, "device", m->bdf);
	cli_json_u(j, "seed", m->seed);
	cli_json_u(j, "threads", m->o->threads);
	cli_json_d(j, "seconds", m->ms / 1000.0, 3);
	ops = cli_json_obj(j, "ops");
	for (i = 0; i < SOP_NR; i++) {
		if (!(m->o->ops_mask & (1u << i)) && !t->ops[i])
			continue;
		op = cli_json_obj(ops, cli_stress_op_names[i]);
		cli_json_u(op, "count", t->ops[i]);
		cli_json_d(op, "per_s", t->ops[i] / secs, 1);
		cli_json_u(op, "expected_errors", t->expected[i]);
		cli_json_u(op, "unexpected_errors", t->unexpected[i]);
	}
	pct(t->lat_us, t->nlat, &p50, &p99, &max);
	x = cli_json_obj(j, "revoke_latency_us");
	cli_json_s(x, "measures", LAT_WHAT);
	cli_json_u(x, "n", t->nlat);
	cli_json_u(x, "p50", p50);
	cli_json_u(x, "p99", p99);
	cli_json_u(x, "max", max);
	cli_json_b(j, "traced", tr->on);
	if (tr->on) {
		pct(tr->revoke_us, tr->nrev, &p50, &p99, &max);
		x = cli_json_obj(j, "kernel_revoke_us");
		cli_json_s(x, "measures", KREV_WHAT);
		cli_json_u(x, "n", tr->nrev);
		cli_json_u(x, "notified", tr->notified);
		cli_json_u(x, "p50", p50);
		cli_json_u(x, "p99", p99);
		cli_json_u(x, "max", max);
		x = cli_json_obj(j, "release_paths");
		for (i = 0; i < 5; i++)
			cli_json_u(x, path_names[i], tr->paths[i]);
		cli_json_i(j, "trace_events_lost", tr->lost);
	} else {
		cli_json_s(j, "trace_off", tr->why_off);
	}
	x = cli_json_obj(j, "errors");
	for (i = 0; i < STRESS_MAX_ERRNO; i++)
		if (t->by_errno[i])
			cli_json_u(x, i ? p2p_errno_name(i) : "other", t->by_errno[i]);
	cli_json_s(j, "first_unexpected", t->first_unexpected);
	cli_json_b(j, "kernel_checked", m->kmsg_checked);
	cli_json_i(j, "kernel_splats", m->splats);
	cli_json_s(j, "first_splat", m->splat);
	cli_json_i(j, "buffers_left", m->leaked);
	cli_json_print(stdout, j);
}

void stress_summary_print(struct stress_summary *m)
{
	p2p_sort_u64(m->total.lat_us, m->total.nlat);
	p2p_sort_u64(m->trace.revoke_us, m->trace.nrev);
	if (m->o->json) {
		print_json(m);
	} else if (m->o->tap) {
		print_text(m, stdout, "# ");
		printf("%s 1 stress\n", m->pass ? "ok" : "not ok");
	} else {
		print_text(m, stdout, "");
	}
}
