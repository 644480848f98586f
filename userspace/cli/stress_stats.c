// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p stress: counting (per op, per errno, revoke latencies, release
 * paths from the exporter's log) and the end-of-run summary, as text, TAP
 * or JSON.
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

void stress_stats_latency(struct stress_stats *s, uint64_t us)
{
	uint64_t *n;

	if (s->nlat == s->caplat) {
		size_t cap = s->caplat ? 2 * s->caplat : 1024;

		n = realloc(s->lat_us, cap * sizeof(*n));
		if (!n)
			return;		/* a lost sample, not a lost run */
		s->lat_us = n;
		s->caplat = cap;
	}
	s->lat_us[s->nlat++] = us;
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

static uint64_t hash_ino(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	return x ^ (x >> 33);
}

static bool set_has(const struct stress_releases *r, uint64_t ino)
{
	size_t i;

	if (!r->cap)
		return false;
	for (i = hash_ino(ino) & (r->cap - 1); r->set[i]; i = (i + 1) & (r->cap - 1))
		if (r->set[i] == ino)
			return true;
	return false;
}

/* true if @ino was new */
static bool set_add(struct stress_releases *r, uint64_t ino)
{
	size_t i;

	if (!ino)
		return false;
	if (2 * (r->used + 1) > r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 4096, j;
		uint64_t *n = calloc(cap, sizeof(*n));

		if (!n) {
			r->incomplete = true;
			return false;
		}
		for (j = 0; j < r->cap; j++) {
			if (!r->set[j])
				continue;
			for (i = hash_ino(r->set[j]) & (cap - 1); n[i]; i = (i + 1) & (cap - 1))
				;
			n[i] = r->set[j];
		}
		free(r->set);
		r->set = n;
		r->cap = cap;
	}
	for (i = hash_ino(ino) & (r->cap - 1); r->set[i]; i = (i + 1) & (r->cap - 1))
		if (r->set[i] == ino)
			return false;
	r->set[i] = ino;
	r->used++;
	return true;
}

/*
 * Count the log's records not seen before. The log keeps only the last
 * P2P_EXP_RELEASE_LOG releases, so it is polled every progress tick;
 * faster churn than that per tick goes uncounted (the summary says so).
 */
void stress_releases_poll(struct stress_releases *r)
{
	static struct p2p_rel_rec recs[P2P_EXP_RELEASE_LOG];
	int n, i, k;

	n = p2p_releases_list(recs, P2P_EXP_RELEASE_LOG);
	if (n >= P2P_EXP_RELEASE_LOG && r->used && !set_has(r, recs[0].ino))
		r->incomplete = true;	/* even the oldest is new: some went by unseen */
	for (i = 0; i < n && i < P2P_EXP_RELEASE_LOG; i++) {
		if (!set_add(r, recs[i].ino))
			continue;
		for (k = 0; k < 4; k++)
			if (!strcmp(recs[i].path, path_names[k]))
				break;
		r->paths[k]++;
	}
}

void stress_releases_free(struct stress_releases *r)
{
	free(r->set);
	memset(r, 0, sizeof(*r));
}

static void lat(const struct stress_stats *s, uint64_t *p50, uint64_t *p99, uint64_t *max)
{
	*p50 = *p99 = *max = 0;
	p2p_percentile_sorted(s->lat_us, s->nlat, 50, p50);
	p2p_percentile_sorted(s->lat_us, s->nlat, 99, p99);
	p2p_percentile_sorted(s->lat_us, s->nlat, 100, max);
}

#define LAT_WHAT "revoke syscall duration (move_notify runs synchronously inside it)"

static void print_text(struct stress_summary *m, FILE *f, const char *pfx)
{
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
	lat(t, &p50, &p99, &max);
	fprintf(f, "%srevoke latency, %s: n=%zu p50=%llu us p99=%llu us max=%llu us\n", pfx,
		LAT_WHAT, t->nlat, (unsigned long long)p50, (unsigned long long)p99,
		(unsigned long long)max);
	fprintf(f, "%srelease paths seen:", pfx);
	for (i = 0; i < 5; i++)
		fprintf(f, " %s=%lu", path_names[i], m->rel.paths[i]);
	fprintf(f, "%s\n", m->rel.incomplete ? " (sampled: the log outran the poll)" : "");
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
	const struct stress_stats *t = &m->total;
	double secs = m->ms ? m->ms / 1000.0 : 1;
	uint64_t p50, p99, max;
	size_t i;
	bool first = true;

	printf("{\"command\":\"stress\",\"result\":\"%s\",\"device\":", m->pass ? "pass" : "fail");
	cli_json_str(stdout, m->bdf);
	printf(",\"seed\":%llu,\"threads\":%u,\"seconds\":%.3f,\"ops\":{",
	       (unsigned long long)m->seed, m->o->threads, m->ms / 1000.0);
	for (i = 0; i < SOP_NR; i++) {
		if (!(m->o->ops_mask & (1u << i)) && !t->ops[i])
			continue;
		printf("%s\"%s\":{\"count\":%lu,\"per_s\":%.1f,\"expected_errors\":%lu,"
		       "\"unexpected_errors\":%lu}", first ? "" : ",", cli_stress_op_names[i],
		       t->ops[i], t->ops[i] / secs, t->expected[i], t->unexpected[i]);
		first = false;
	}
	lat(t, &p50, &p99, &max);
	printf("},\"revoke_latency_us\":{\"measures\":\"%s\",\"n\":%zu,\"p50\":%llu,"
	       "\"p99\":%llu,\"max\":%llu},\"release_paths\":{", LAT_WHAT, t->nlat,
	       (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)max);
	for (i = 0; i < 5; i++)
		printf("%s\"%s\":%lu", i ? "," : "", path_names[i], m->rel.paths[i]);
	printf("},\"release_paths_complete\":%s,\"errors\":{",
	       m->rel.incomplete ? "false" : "true");
	first = true;
	for (i = 0; i < STRESS_MAX_ERRNO; i++) {
		if (!t->by_errno[i])
			continue;
		printf("%s\"%s\":%lu", first ? "" : ",", i ? p2p_errno_name(i) : "other",
		       t->by_errno[i]);
		first = false;
	}
	printf("},\"first_unexpected\":");
	cli_json_str(stdout, t->first_unexpected);
	printf(",\"kernel_checked\":%s,\"kernel_splats\":%d,\"first_splat\":",
	       m->kmsg_checked ? "true" : "false", m->splats);
	cli_json_str(stdout, m->splat);
	printf(",\"buffers_left\":%d}\n", m->leaked);
}

void stress_summary_print(struct stress_summary *m)
{
	p2p_sort_u64(m->total.lat_us, m->total.nlat);
	if (m->o->json) {
		print_json(m);
	} else if (m->o->tap) {
		print_text(m, stdout, "# ");
		printf("%s 1 stress\n", m->pass ? "ok" : "not ok");
	} else {
		print_text(m, stdout, "");
	}
}
