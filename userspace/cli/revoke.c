// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p revoke [TRIGGER]: create a buffer (and an importer MR on it
 * when the importer is loaded), fire the trigger, check that the exporter
 * revoked and the importer was invalidated, restore, check the remap.
 * Without a trigger, every trigger in turn (those the device lacks skip).
 *
 * Each trigger's run is recorded first (struct rv_trigger: every step in
 * order, the exporter's counters before and after, how long the triggers
 * took), then told as text (on stderr with --json); with --json, all of
 * them as one JSON object at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

#define RV_MAX_STEPS	32

/* One thing a run did or saw: a text line (two for a trigger) and an item of "steps". */
enum rv_kind { RV_CHECK, RV_NOTE, RV_STAT, RV_FIRE, RV_MR, RV_RELEASED };

struct rv_step {
	enum rv_kind kind;
	bool ok;			/* RV_CHECK, RV_FIRE */
	char text[256];			/* RV_CHECK, RV_NOTE; RV_FIRE: the error */
	enum p2p_trigger trig;		/* RV_FIRE */
	uint64_t us;			/* RV_FIRE */
	union {
		struct p2p_buf_stat st;	/* RV_STAT */
		struct p2p_query_mr mr;	/* RV_MR */
		struct p2p_rel_rec rel;	/* RV_RELEASED */
	};
};

/* One trigger's run. */
struct rv_trigger {
	const struct p2p_trigger_desc *t;
	int ret;			/* CLI_PASS, CLI_FAIL or CLI_SKIP */
	char reason[256];		/* CLI_SKIP: "what: why" */
	char error[256];		/* CLI_FAIL: the first failure */
	int failures;
	bool made;			/* a buffer was made: ino and on are set */
	bool ended;			/* the run got to its verdict line */
	uint64_t ino;
	unsigned int bar;
	unsigned int nsteps;
	struct rv_step steps[RV_MAX_STEPS];
	struct p2p_buf_stat before;
	bool have_after;
	struct p2p_buf_stat after;	/* the last counters read */
	uint64_t us[2];			/* revoke, restore */
};

/* What a run works with. */
struct run {
	const char *bdf;
	struct p2p_dev dev;
	int imp;
	uint32_t handle;
	uint64_t len;
	struct rv_trigger *res;
};

/* The next step, or NULL when the list is full (that step goes untold). */
static struct rv_step *step(struct run *r, enum rv_kind kind)
{
	struct rv_step *s;

	if (r->res->nsteps >= RV_MAX_STEPS)
		return NULL;
	s = &r->res->steps[r->res->nsteps++];
	s->kind = kind;
	return s;
}

static void failed(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failed(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->res->failures++)
		return;
	va_start(ap, fmt);
	vsnprintf(r->res->error, sizeof(r->res->error), fmt, ap);
	va_end(ap);
}

static bool check(struct run *r, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool check(struct run *r, bool ok, const char *fmt, ...)
{
	struct rv_step *s = step(r, RV_CHECK);
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s) {
		s->ok = ok;
		snprintf(s->text, sizeof(s->text), "%s", msg);
	}
	if (!ok)
		failed(r, "%s", msg);
	return ok;
}

static void note(struct run *r, const char *msg)
{
	struct rv_step *s = step(r, RV_NOTE);

	if (s)
		snprintf(s->text, sizeof(s->text), "%s", msg);
}

static bool stat_now(struct run *r, struct p2p_buf_stat *st)
{
	struct rv_step *s;

	if (p2p_buffer_stat(r->bdf, r->res->ino, st)) {
		check(r, false, "read counters: %s", p2p_last_error());
		return false;
	}
	s = step(r, RV_STAT);
	if (s)
		s->st = *st;
	r->res->after = *st;
	r->res->have_after = true;
	return true;
}

/* Fire @t; its time in *@us. */
static bool fire(struct run *r, enum p2p_trigger t, uint64_t *us)
{
	struct rv_step *s = step(r, RV_FIRE);
	uint64_t t0;
	int err;

	t0 = p2p_now_us();
	err = p2p_trigger_fire(&r->dev, t);
	*us = p2p_now_us() - t0;
	if (s) {
		s->trig = t;
		s->ok = !err;
		s->us = *us;
		snprintf(s->text, sizeof(s->text), "%s", err ? p2p_last_error() : "");
	}
	if (err)
		failed(r, "%s: %s", p2p_trigger_name(t), p2p_last_error());
	return !err;
}

static int mr_check(struct run *r)
{
	struct p2p_dma_seg segs[8];
	uint32_t n;

	return p2p_imp_check(r->imp, r->handle, 0, r->len, segs, 8, &n);
}

static void query(struct run *r, struct p2p_query_mr *q)
{
	struct rv_step *s;

	if (p2p_imp_query(r->imp, r->handle, q)) {
		check(r, false, "QUERY_MR: %s", p2p_last_error());
		return;
	}
	s = step(r, RV_MR);
	if (s)
		s->mr = *q;
}

static void expect_revoked_mr(struct run *r)
{
	struct p2p_query_mr q = { 0 };
	int ret;

	query(r, &q);
	check(r, q.state != P2P_MR_STATE_MAPPED, "MR no longer mapped");
	ret = mr_check(r);
	check(r, ret == -ENODEV, "CHECK while revoked fails with ENODEV (got %d)", ret);
}

static void expect_remapped_mr(struct run *r, const struct p2p_query_mr *q0)
{
	struct p2p_query_mr q = { 0 };
	int ret;

	ret = mr_check(r);
	check(r, !ret, "CHECK after restore remaps (%s)", ret ? p2p_strerror(ret) : "ok");
	query(r, &q);
	check(r, q.state == P2P_MR_STATE_MAPPED, "MR mapped again");
	check(r, q.generation > q0->generation, "generation moved on");
	check(r, q.invalidations > q0->invalidations, "importer saw move_notify");
}

/* Skip this trigger, because of @what: @why. */
static int skip(struct run *r, const char *what, const char *why)
{
	snprintf(r->res->reason, sizeof(r->res->reason), "%s: %s", what, why);
	return CLI_SKIP;
}

/* With the buffer made: the MR, the trigger, what each side saw. */
static void revoke_steps(const struct cli_opts *o, struct run *r, int fd)
{
	const struct p2p_trigger_desc *t = r->res->t;
	struct p2p_buf_stat *st0 = &r->res->before, st;
	struct p2p_query_mr q0 = { 0 };
	struct p2p_rel_rec rec;
	struct rv_step *s;

	if (!o->no_importer) {
		r->imp = p2p_imp_open();
		if (r->imp < 0) {
			note(r, "importer absent: checking exporter counters only");
		} else if (p2p_imp_reg(r->imp, fd, 0, r->len, 0, P2P_MR_ACCESS_ALL, &r->handle) ||
			   mr_check(r)) {
			check(r, false, "MR on the buffer: %s", p2p_last_error());
			return;
		} else {
			query(r, &q0);
		}
	}
	if (!stat_now(r, st0))
		return;
	check(r, !st0->revoked, "buffer starts unrevoked");

	if (!fire(r, t->revoke, &r->res->us[0]))
		return;

	if (t->final) {
		if (!p2p_buffer_stat(r->bdf, r->res->ino, &st))
			check(r, st.revoked, "buffer still listed, revoked");
		else
			note(r, "buffer no longer listed by the device");
		if (r->imp >= 0)
			expect_revoked_mr(r);
	} else if (t->restore == P2P_TRIG_NONE) {
		if (stat_now(r, &st)) {
			check(r, st.revokes == st0->revokes + 1, "one revoke counted");
			check(r, st.unrevokes == st0->unrevokes + 1, "one unrevoke counted");
			check(r, !st.revoked, "buffer usable again");
		}
		if (r->imp >= 0)
			expect_remapped_mr(r, &q0);
	} else {
		if (stat_now(r, &st)) {
			check(r, st.revoked, "buffer revoked");
			check(r, st.revokes == st0->revokes + 1, "one revoke counted");
		}
		if (r->imp >= 0)
			expect_revoked_mr(r);
		fire(r, t->restore, &r->res->us[1]);
		if (stat_now(r, &st)) {
			check(r, !st.revoked, "buffer unrevoked");
			check(r, st.unrevokes == st0->unrevokes + 1, "one unrevoke counted");
		}
		if (r->imp >= 0)
			expect_remapped_mr(r, &q0);
	}
	if (r->imp >= 0) {
		close(r->imp);
		r->imp = -1;
	}
	close(fd);
	if (!p2p_release_find(r->res->ino, &rec)) {
		s = step(r, RV_RELEASED);
		if (s)
			s->rel = rec;
		check(r, rec.revokes >= st0->revokes + 1, "release record counts the revoke");
	} else {
		check(r, false, "release record: %s", p2p_last_error());
	}
	r->res->ended = true;
}

/* Run trigger @res->t on @bdf into @res; its verdict. */
static int revoke_one(const struct cli_opts *o, const char *bdf, struct rv_trigger *res)
{
	const struct p2p_trigger_desc *t = res->t;
	const struct p2p_range *rg = o->ranges;
	struct run r = { .bdf = bdf, .imp = -1, .res = res };
	unsigned int nr = o->nr_ranges;
	struct p2p_range first;
	uint64_t bar_size;
	int fd = -1, ret = CLI_FAIL;

	if (cli_open(bdf, &r.dev))
		return CLI_FAIL;
	if (p2p_trigger_supported(&r.dev, t->revoke)) {
		ret = skip(&r, t->name, p2p_last_error());
		goto out;
	}
	if (p2p_dev_is_upstream_vfio(bdf)) {
		ret = skip(&r, "needs dmabuf_p2p_exp's counters", "upstream vfio-pci has none");
		goto out;
	}
	if (p2p_debugfs_ensure()) {
		ret = skip(&r, "exporter counters unavailable", p2p_last_error());
		goto out;
	}
	if (cli_pick_bar(&r.dev, o, &res->bar, &bar_size))
		goto out;
	if (!nr) {
		first.offset = 0;
		first.length = p2p_page_size();
		rg = &first;
		nr = 1;
	}
	fd = p2p_dmabuf_create(&r.dev, res->bar, rg, nr, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		cli_err("%s", p2p_last_error());
		goto out;
	}
	p2p_dmabuf_ino(fd, &res->ino);
	p2p_dmabuf_size(fd, &r.len);
	res->made = true;
	revoke_steps(o, &r, fd);
	if (res->ended)
		fd = -1;	/* closed before the release record was read */
	if (res->ended && !res->failures)
		ret = CLI_PASS;
out:
	if (r.imp >= 0)
		close(r.imp);
	if (fd >= 0)
		close(fd);
	if (t->revoke == P2P_TRIG_KNOB_REVOKE)
		p2p_knob_revoke(bdf, false);
	p2p_dev_close(&r.dev);
	return ret;
}

static void step_text(FILE *f, const char *name, const struct rv_step *s)
{
	switch (s->kind) {
	case RV_CHECK:
		fprintf(f, "  %s %s\n", s->ok ? "ok  " : "FAIL", s->text);
		break;
	case RV_NOTE:
		fprintf(f, "  %s\n", s->text);
		break;
	case RV_STAT:
		cli_print_stat(f, "  debugfs: ", &s->st);
		break;
	case RV_FIRE:
		fprintf(f, "%s: firing %s\n", name, p2p_trigger_name(s->trig));
		if (s->ok)
			fprintf(f, "  ok   %s: done in %llu us\n", p2p_trigger_name(s->trig),
				(unsigned long long)s->us);
		else
			fprintf(f, "  FAIL %s: %s\n", p2p_trigger_name(s->trig), s->text);
		break;
	case RV_MR:
		fprintf(f, "  mr: state=%s generation=%llu invalidations=%llu remaps=%llu\n",
			p2p_mr_state_name(s->mr.state), (unsigned long long)s->mr.generation,
			(unsigned long long)s->mr.invalidations,
			(unsigned long long)s->mr.remaps);
		break;
	case RV_RELEASED:
		fprintf(f, "  released: path=%s revokes=%u unrevokes=%u\n", s->rel.path,
			s->rel.revokes, s->rel.unrevokes);
		break;
	}
}

static void trigger_text(FILE *f, const char *bdf, const struct rv_trigger *res)
{
	const char *name = res->t->name;
	unsigned int i;

	if (res->ret == CLI_SKIP)
		fprintf(f, "SKIP: %s\n", res->reason);
	if (!res->made)
		return;
	fprintf(f, "%s: buffer ino=%llu on %s region %u\n", name, (unsigned long long)res->ino,
		bdf, res->bar);
	for (i = 0; i < res->nsteps; i++)
		step_text(f, name, &res->steps[i]);
	if (res->ended)
		fprintf(f, "%s: %s\n", name, res->ret == CLI_PASS ? "pass" : "FAIL");
}

static void step_json(struct json_object *arr, const struct rv_step *s)
{
	struct json_object *j = cli_json_obj(arr, NULL), *x;

	switch (s->kind) {
	case RV_CHECK:
		cli_json_s(j, "check", s->text);
		cli_json_b(j, "ok", s->ok);
		break;
	case RV_NOTE:
		cli_json_s(j, "note", s->text);
		break;
	case RV_STAT:
		cli_json_stat(j, "debugfs", &s->st);
		break;
	case RV_FIRE:
		cli_json_s(j, "fire", p2p_trigger_name(s->trig));
		cli_json_b(j, "ok", s->ok);
		cli_json_u(j, "us", s->us);
		cli_json_s(j, "error", s->ok ? NULL : s->text);
		break;
	case RV_MR:
		x = cli_json_obj(j, "mr");
		cli_json_s(x, "state", p2p_mr_state_name(s->mr.state));
		cli_json_u(x, "generation", s->mr.generation);
		cli_json_u(x, "invalidations", s->mr.invalidations);
		cli_json_u(x, "remaps", s->mr.remaps);
		break;
	case RV_RELEASED:
		cli_json_released(j, "released", &s->rel);
		break;
	}
}

static void trigger_json(struct json_object *arr, const struct rv_trigger *res)
{
	const struct p2p_trigger_desc *t = res->t;
	struct json_object *j = cli_json_obj(arr, NULL), *x;
	unsigned int i;

	cli_json_s(j, "name", t->name);
	cli_json_s(j, "revoke", p2p_trigger_name(t->revoke));
	cli_json_s(j, "restore", t->restore == P2P_TRIG_NONE ? NULL :
		   p2p_trigger_name(t->restore));
	cli_json_b(j, "final", t->final);
	if (res->ret == CLI_SKIP)
		cli_json_s(j, "reason", res->reason);
	if (res->made) {
		cli_json_u(j, "ino", res->ino);
		cli_json_u(j, "region", res->bar);
		x = cli_json_arr(j, "steps");
		for (i = 0; i < res->nsteps; i++)
			step_json(x, &res->steps[i]);
		cli_json_stat(j, "before", &res->before);
		if (res->have_after)
			cli_json_stat(j, "after", &res->after);
		else
			cli_json_null(j, "after");
		x = cli_json_obj(j, "timings_us");
		cli_json_u(x, "revoke", res->us[0]);
		cli_json_u(x, "restore", res->us[1]);
	}
	cli_json_s(j, "result", cli_result_name(res->ret));
	if (res->ret == CLI_FAIL)
		cli_json_s(j, "error", res->error);
}

static void revoke_json(const char *bdf, const struct rv_trigger *res, size_t n,
			const unsigned int count[3], int ret)
{
	struct json_object *j = cli_json_new("revoke"), *arr;
	size_t i;

	cli_json_s(j, "device", bdf);
	arr = cli_json_arr(j, "triggers");
	for (i = 0; i < n; i++)
		trigger_json(arr, &res[i]);
	cli_json_u(j, "passed", count[0]);
	cli_json_u(j, "failed", count[1]);
	cli_json_u(j, "skipped", count[2]);
	cli_json_s(j, "result", cli_result_name(ret));
	cli_json_print(stdout, j);
}

int cmd_revoke(const struct cli_opts *o, const char *bdf)
{
	const struct p2p_trigger_desc *t, *one;
	unsigned int count[3] = { 0 };	/* passed, failed, skipped */
	struct rv_trigger *res;
	size_t i, n;
	int ret;

	if (o->trigger) {
		one = p2p_trigger_lookup(o->trigger);
		if (!one)
			return cli_fail(o, "%s", p2p_last_error());
		t = one;
		n = 1;
	} else {
		t = p2p_trigger_descs(&n);
	}
	res = calloc(n, sizeof(*res));
	if (!res)
		return cli_fail(o, "out of memory");
	for (i = 0; i < n; i++) {
		res[i].t = &t[i];
		res[i].ret = revoke_one(o, bdf, &res[i]);
		if (res[i].ret == CLI_FAIL && !res[i].error[0])
			snprintf(res[i].error, sizeof(res[i].error), "%s", cli_last_err());
		count[res[i].ret == CLI_PASS ? 0 : res[i].ret == CLI_SKIP ? 2 : 1]++;
		trigger_text(o->json ? stderr : stdout, bdf, &res[i]);
	}
	ret = count[1] ? CLI_FAIL : count[0] ? CLI_PASS : CLI_SKIP;
	if (o->json)
		revoke_json(bdf, res, n, count, ret);
	else if (!o->trigger)
		printf("revoke: %u passed, %u failed, %u skipped\n", count[0], count[1], count[2]);
	free(res);
	return ret;
}
