// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: the summary of a run, computed by fuzz.c and rendered
 * here once, as text, TAP (one case "fuzz", the text as diagnostics) or
 * one JSON object.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz_run.h"

void fuzz_stats_merge(struct fuzz_stats *into, const struct fuzz_stats *from)
{
	unsigned int k, e;

	into->calls += from->calls;
	into->fuzzer_errors += from->fuzzer_errors;
	into->reg_skipped_cap += from->reg_skipped_cap;
	into->reg_skipped_fd += from->reg_skipped_fd;
	for (k = 0; k < FK_NR; k++) {
		into->unexpected[k] += from->unexpected[k];
		for (e = 0; e < FUZZ_ERR_SLOTS; e++)
			into->res[k][e] += from->res[k][e];
	}
}

static const char *slot_name(unsigned int e)
{
	if (!e)
		return "OK";
	if (e == FUZZ_ERR_SLOTS - 1)
		return "E>254";
	return p2p_errno_name(e);
}

static unsigned long kind_results(const struct fuzz_stats *s, unsigned int k)
{
	unsigned long n = 0;
	unsigned int e;

	for (e = 0; e < FUZZ_ERR_SLOTS; e++)
		n += s->res[k][e];
	return n;
}

static unsigned long all_results(const struct fuzz_stats *s)
{
	unsigned long n = 0;
	unsigned int k;

	for (k = 0; k < FK_NR; k++)
		n += kind_results(s, k);
	return n;
}

/*
 * Alone, the calls made are the first that many of the seed's: exact. With
 * more threads the same command makes the same calls per thread, in
 * another interleaving.
 */
static void replay(const struct fuzz_summary *s, char *buf, size_t len)
{
	int n = snprintf(buf, len, "dmabuf-p2p --device %s fuzz --seed %llu --threads %u", s->bdf,
			 (unsigned long long)s->seed, s->o->threads);

	if (n < 0 || (size_t)n >= len)
		return;
	if (s->o->threads == 1)
		snprintf(buf + n, len - n, " --calls %llu", (unsigned long long)s->calls);
	else if (s->o->calls >= FUZZ_MAX_CALLS)
		snprintf(buf + n, len - n, " --duration %u", s->o->duration_s);
	else
		snprintf(buf + n, len - n, " --calls %llu", (unsigned long long)s->o->calls);
}

static void left_text(const struct fuzz_summary *s, FILE *f, const char *pfx)
{
	if (!s->left_exp && s->left_all <= 0) {
		fprintf(f, "%sleft behind: none of the %zu buffer(s) the run made is on <BDF>/buffers"
			"%s, so no MR of ours is left either%s%s\n", pfx, s->nbufs,
			s->left_all ? "" : " or in dma_buf/bufinfo",
			s->left_all ? "; bufinfo not checked: " : "",
			s->left_all ? s->left : "");
		return;
	}
	fprintf(f, "%sleft behind: %d on <BDF>/buffers, %d in dma_buf/bufinfo (-1: unchecked): %s\n",
		pfx, s->left_exp, s->left_all, s->left);
}

static void print_text(const struct fuzz_summary *s, FILE *f, const char *pfx)
{
	const struct fuzz_stats *t = &s->total;
	double secs = s->ms ? s->ms / 1000.0 : 1;
	char rp[256];
	unsigned int k, e, i;

	fprintf(f, "%sfuzz on %s: seed %llu, %u thread(s), %llu calls in %.1f s (%.0f calls/s), "
		"%lu results checked%s\n", pfx, s->bdf, (unsigned long long)s->seed,
		s->o->threads, (unsigned long long)s->calls, s->ms / 1000.0, s->calls / secs,
		all_results(t), s->cut ? " (stopped by --duration or SIGINT before --calls)" : "");
	fprintf(f, "%s%-16s %8s %6s  %s\n", pfx, "kind", "results", "unexp", "by errno");
	for (k = 0; k < FK_NR; k++) {
		unsigned long n = kind_results(t, k);

		if (!n)
			continue;
		fprintf(f, "%s%-16s %8lu %6lu ", pfx, fuzz_kind_name(k), n, t->unexpected[k]);
		for (e = 0; e < FUZZ_ERR_SLOTS; e++)
			if (t->res[k][e])
				fprintf(f, " %s=%lu", slot_name(e), t->res[k][e]);
		fputc('\n', f);
	}
	if (s->unexpected) {
		fprintf(f, "%sunexpected results: %lu%s\n", pfx, s->unexpected,
			s->unexpected > s->nfirst ? " (the first ones:)" : ":");
		for (i = 0; i < s->nfirst; i++)
			fprintf(f, "%s  %s\n", pfx, s->first[i].text);
	} else {
		fprintf(f, "%sunexpected results: none\n", pfx);
	}
	if (t->fuzzer_errors)
		fprintf(f, "%sfuzzer errors (its own setup failed, see above): %lu\n", pfx,
			t->fuzzer_errors);
	fprintf(f, "%sreg skipped (DMA-API overlap cap): %lu; (fd another thread's dma-buf): "
		"%lu\n", pfx, t->reg_skipped_cap, t->reg_skipped_fd);
	if (s->kmsg_checked)
		fprintf(f, "%skernel splats: %d%s%s\n", pfx, s->splats, s->splats ? ": " : "",
			s->splat);
	else
		fprintf(f, "%skernel splats: not checked (%s)\n", pfx, s->splat);
	left_text(s, f, pfx);
	fprintf(f, "%sresult: %s\n", pfx, s->pass ? "pass" : "FAIL");
	replay(s, rp, sizeof(rp));
	fprintf(f, "%sreplay: %s\n", pfx, rp);
}

static void print_json(const struct fuzz_summary *s)
{
	const struct fuzz_stats *t = &s->total;
	double secs = s->ms ? s->ms / 1000.0 : 1;
	struct json_object *j = cli_json_new("fuzz"), *kinds, *kj, *by, *arr, *x;
	char rp[256];
	unsigned int k, e, i;

	cli_json_s(j, "result", s->pass ? "pass" : "fail");
	cli_json_s(j, "device", s->bdf);
	cli_json_u(j, "seed", s->seed);
	cli_json_u(j, "threads", s->o->threads);
	cli_json_u(j, "calls", s->calls);
	cli_json_u(j, "calls_requested", s->o->calls);
	cli_json_b(j, "stopped_early", s->cut);
	cli_json_sf(j, "seconds", "%.3f", s->ms / 1000.0);
	cli_json_u(j, "calls_per_s", (uint64_t)(s->calls / secs));
	cli_json_u(j, "results", all_results(t));
	kinds = cli_json_obj(j, "kinds");
	for (k = 0; k < FK_NR; k++) {
		if (!kind_results(t, k))
			continue;
		kj = cli_json_obj(kinds, fuzz_kind_name(k));
		cli_json_u(kj, "results", kind_results(t, k));
		cli_json_u(kj, "unexpected", t->unexpected[k]);
		by = cli_json_obj(kj, "by_errno");
		for (e = 0; e < FUZZ_ERR_SLOTS; e++)
			if (t->res[k][e])
				cli_json_u(by, slot_name(e), t->res[k][e]);
	}
	cli_json_u(j, "unexpected", s->unexpected);
	arr = cli_json_arr(j, "first_unexpected");
	for (i = 0; i < s->nfirst; i++) {
		x = cli_json_obj(arr, NULL);
		cli_json_u(x, "thread", s->first[i].thread);
		cli_json_u(x, "call", s->first[i].call);
		cli_json_s(x, "kind", fuzz_kind_name(s->first[i].kind));
		cli_json_s(x, "result", slot_name(s->first[i].err < FUZZ_ERR_SLOTS - 1 ?
						  s->first[i].err : FUZZ_ERR_SLOTS - 1));
		cli_json_s(x, "text", s->first[i].text);
	}
	cli_json_u(j, "fuzzer_errors", t->fuzzer_errors);
	cli_json_u(j, "reg_skipped_overlap_cap", t->reg_skipped_cap);
	cli_json_u(j, "reg_skipped_foreign_dmabuf", t->reg_skipped_fd);
	cli_json_b(j, "kernel_checked", s->kmsg_checked);
	cli_json_i(j, "kernel_splats", s->splats);
	cli_json_s(j, "first_splat", s->splat);
	cli_json_u(j, "buffers_made", s->nbufs);
	cli_json_i(j, "buffers_left", s->left_exp);
	cli_json_i(j, "bufinfo_left", s->left_all);
	cli_json_s(j, "left", s->left);
	replay(s, rp, sizeof(rp));
	cli_json_s(j, "replay", rp);
	cli_json_print(stdout, j);
}

void fuzz_summary_print(const struct fuzz_summary *s)
{
	if (s->o->json) {
		print_json(s);
	} else if (s->o->tap) {
		print_text(s, stdout, "# ");
		printf("%s 1 fuzz\n", s->pass ? "ok" : "not ok");
	} else {
		print_text(s, stdout, "");
	}
}
