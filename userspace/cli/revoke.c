// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p revoke [TRIGGER]: create a buffer (and an importer MR on it
 * when the importer is loaded), fire the trigger, check that the exporter
 * revoked and the importer was invalidated, restore, check the remap.
 * Without a trigger, every trigger in turn (those the device lacks skip).
 *
 * The steps are told as text (on stderr with --json) and, with --json, as
 * one JSON object: per trigger, every step in order ("steps"), the
 * exporter's counters before and after, and how long the triggers took.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

struct run {
	int failures;
	char first_failure[256];
	const char *bdf;
	uint64_t ino;
	int imp;
	uint32_t handle;
	uint64_t len;
	FILE *out;		/* the text: stdout, or stderr with --json */
	struct cli_json *j;	/* --json: inside this trigger's "steps" */
	bool have_stat;
	struct p2p_buf_stat last;	/* the last counters read */
};

static bool check(struct run *r, bool ok, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(r->out, "  %s %s\n", ok ? "ok  " : "FAIL", msg);
	if (r->j) {
		cli_json_obj(r->j, NULL);
		cli_json_s(r->j, "check", msg);
		cli_json_b(r->j, "ok", ok);
		cli_json_end(r->j);
	}
	if (!ok && !r->failures++)
		snprintf(r->first_failure, sizeof(r->first_failure), "%s", msg);
	return ok;
}

static void note(struct run *r, const char *msg)
{
	fprintf(r->out, "  %s\n", msg);
	if (r->j) {
		cli_json_obj(r->j, NULL);
		cli_json_s(r->j, "note", msg);
		cli_json_end(r->j);
	}
}

static bool stat_now(struct run *r, struct p2p_buf_stat *st)
{
	if (p2p_buffer_stat(r->bdf, r->ino, st)) {
		check(r, false, "read counters: %s", p2p_last_error());
		return false;
	}
	cli_print_stat(r->out, "  debugfs: ", st);
	if (r->j) {
		cli_json_obj(r->j, NULL);
		cli_json_stat(r->j, "debugfs", st);
		cli_json_end(r->j);
	}
	r->last = *st;
	r->have_stat = true;
	return true;
}

/* Fire @t; its time in *@us. */
static bool fire(struct run *r, struct p2p_dev *dev, const char *name, enum p2p_trigger t,
		 uint64_t *us)
{
	uint64_t t0;
	int err;

	fprintf(r->out, "%s: firing %s\n", name, p2p_trigger_name(t));
	t0 = p2p_now_us();
	err = p2p_trigger_fire(dev, t);
	*us = p2p_now_us() - t0;
	if (r->j) {
		cli_json_obj(r->j, NULL);
		cli_json_s(r->j, "fire", p2p_trigger_name(t));
		cli_json_b(r->j, "ok", !err);
		cli_json_u(r->j, "us", *us);
		cli_json_s(r->j, "error", err ? p2p_last_error() : NULL);
		cli_json_end(r->j);
	}
	if (err) {
		fprintf(r->out, "  FAIL %s: %s\n", p2p_trigger_name(t), p2p_last_error());
		if (!r->failures++)
			snprintf(r->first_failure, sizeof(r->first_failure), "%s: %s",
				 p2p_trigger_name(t), p2p_last_error());
		return false;
	}
	fprintf(r->out, "  ok   %s: done in %llu us\n", p2p_trigger_name(t),
		(unsigned long long)*us);
	return true;
}

static int mr_check(struct run *r)
{
	struct p2p_dma_seg segs[8];
	uint32_t n;

	return p2p_imp_check(r->imp, r->handle, 0, r->len, segs, 8, &n);
}

static void query(struct run *r, struct p2p_query_mr *q)
{
	if (p2p_imp_query(r->imp, r->handle, q)) {
		check(r, false, "QUERY_MR: %s", p2p_last_error());
		return;
	}
	fprintf(r->out, "  mr: state=%s generation=%llu invalidations=%llu remaps=%llu\n",
		p2p_mr_state_name(q->state), (unsigned long long)q->generation,
		(unsigned long long)q->invalidations, (unsigned long long)q->remaps);
	if (!r->j)
		return;
	cli_json_obj(r->j, NULL);
	cli_json_obj(r->j, "mr");
	cli_json_s(r->j, "state", p2p_mr_state_name(q->state));
	cli_json_u(r->j, "generation", q->generation);
	cli_json_u(r->j, "invalidations", q->invalidations);
	cli_json_u(r->j, "remaps", q->remaps);
	cli_json_end(r->j);
	cli_json_end(r->j);
}

static void expect_revoked_mr(struct run *r)
{
	struct p2p_query_mr q;
	int ret;

	query(r, &q);
	check(r, q.state != P2P_MR_STATE_MAPPED, "MR no longer mapped");
	ret = mr_check(r);
	check(r, ret == -ENODEV, "CHECK while revoked fails with ENODEV (got %d)", ret);
}

static void expect_remapped_mr(struct run *r, const struct p2p_query_mr *q0)
{
	struct p2p_query_mr q;
	int ret;

	ret = mr_check(r);
	check(r, !ret, "CHECK after restore remaps (%s)", ret ? p2p_strerror(ret) : "ok");
	query(r, &q);
	check(r, q.state == P2P_MR_STATE_MAPPED, "MR mapped again");
	check(r, q.generation > q0->generation, "generation moved on");
	check(r, q.invalidations > q0->invalidations, "importer saw move_notify");
}

static void print_released(struct run *r, const struct p2p_rel_rec *rec)
{
	fprintf(r->out, "  released: path=%s revokes=%u unrevokes=%u\n", rec->path,
		rec->revokes, rec->unrevokes);
	if (!r->j)
		return;
	cli_json_obj(r->j, NULL);
	cli_json_obj(r->j, "released");
	cli_json_s(r->j, "path", rec->path);
	cli_json_u(r->j, "attaches", rec->attaches);
	cli_json_u(r->j, "maps", rec->maps);
	cli_json_u(r->j, "revokes", rec->revokes);
	cli_json_u(r->j, "unrevokes", rec->unrevokes);
	cli_json_end(r->j);
	cli_json_end(r->j);
}

/* Skip this trigger: "SKIP: @what: @why", the same as "reason" in JSON. */
static int skip(struct run *r, const char *what, const char *why)
{
	fprintf(r->out, "SKIP: %s: %s\n", what, why);
	if (r->j)
		cli_json_sf(r->j, "reason", "%s: %s", what, why);
	return CLI_SKIP;
}

/* The trigger's JSON object, from "steps" on. */
static void json_tail(struct run *r, unsigned int level, bool steps,
		      const struct p2p_buf_stat *st0, const uint64_t us[2], int ret)
{
	struct cli_json *j = r->j;

	if (!j)
		return;
	cli_json_end_to(j, level);
	if (steps) {
		cli_json_stat(j, "before", st0);
		if (r->have_stat)
			cli_json_stat(j, "after", &r->last);
		else
			cli_json_null(j, "after");
		cli_json_obj(j, "timings_us");
		cli_json_u(j, "revoke", us[0]);
		cli_json_u(j, "restore", us[1]);
		cli_json_end(j);
	}
	cli_json_s(j, "result", cli_result_name(ret));
	if (ret == CLI_FAIL)
		cli_json_s(j, "error", r->first_failure[0] ? r->first_failure :
			   cli_last_err());
	cli_json_end(j);
}

static int revoke_one(const struct cli_opts *o, struct cli_json *j, const char *bdf,
		      const struct p2p_trigger_desc *t)
{
	struct p2p_buf_stat st0 = { 0 }, st;
	struct p2p_query_mr q0 = { 0 };
	struct p2p_range first;
	const struct p2p_range *rg = o->ranges;
	struct run r = { .bdf = bdf, .imp = -1, .out = j ? stderr : stdout, .j = j };
	unsigned int bar = 0, nr = o->nr_ranges, level = 0;
	uint64_t bar_size, us[2] = { 0, 0 };
	struct p2p_rel_rec rec;
	struct p2p_dev dev;
	int fd = -1, ret = CLI_FAIL;
	bool steps = false;

	if (j) {
		cli_json_obj(j, NULL);
		level = cli_json_level(j);
		cli_json_s(j, "name", t->name);
		cli_json_s(j, "revoke", p2p_trigger_name(t->revoke));
		cli_json_s(j, "restore", t->restore == P2P_TRIG_NONE ? NULL :
			   p2p_trigger_name(t->restore));
		cli_json_b(j, "final", t->final);
	}
	if (cli_open(bdf, &dev)) {
		json_tail(&r, level, false, NULL, us, ret);
		return CLI_FAIL;
	}
	if (p2p_trigger_supported(&dev, t->revoke)) {
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
	if (cli_pick_bar(&dev, o, &bar, &bar_size))
		goto out;
	if (!nr) {
		first.offset = 0;
		first.length = p2p_page_size();
		rg = &first;
		nr = 1;
	}
	fd = p2p_dmabuf_create(&dev, bar, rg, nr, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		cli_err("%s", p2p_last_error());
		goto out;
	}
	p2p_dmabuf_ino(fd, &r.ino);
	p2p_dmabuf_size(fd, &r.len);
	fprintf(r.out, "%s: buffer ino=%llu on %s region %u\n", t->name,
		(unsigned long long)r.ino, bdf, bar);
	if (j) {
		cli_json_u(j, "ino", r.ino);
		cli_json_u(j, "region", bar);
		cli_json_arr(j, "steps");
	}
	steps = true;

	if (!o->no_importer) {
		r.imp = p2p_imp_open();
		if (r.imp < 0) {
			note(&r, "importer absent: checking exporter counters only");
		} else if (p2p_imp_reg(r.imp, fd, 0, r.len, 0, P2P_MR_ACCESS_ALL, &r.handle) ||
			   mr_check(&r)) {
			check(&r, false, "MR on the buffer: %s", p2p_last_error());
			goto out;
		} else {
			query(&r, &q0);
		}
	}
	if (!stat_now(&r, &st0))
		goto out;
	check(&r, !st0.revoked, "buffer starts unrevoked");

	if (!fire(&r, &dev, t->name, t->revoke, &us[0]))
		goto out;

	if (t->final) {
		if (!p2p_buffer_stat(bdf, r.ino, &st))
			check(&r, st.revoked, "buffer still listed, revoked");
		else
			note(&r, "buffer no longer listed by the device");
		if (r.imp >= 0)
			expect_revoked_mr(&r);
	} else if (t->restore == P2P_TRIG_NONE) {
		if (stat_now(&r, &st)) {
			check(&r, st.revokes == st0.revokes + 1, "one revoke counted");
			check(&r, st.unrevokes == st0.unrevokes + 1, "one unrevoke counted");
			check(&r, !st.revoked, "buffer usable again");
		}
		if (r.imp >= 0)
			expect_remapped_mr(&r, &q0);
	} else {
		if (stat_now(&r, &st)) {
			check(&r, st.revoked, "buffer revoked");
			check(&r, st.revokes == st0.revokes + 1, "one revoke counted");
		}
		if (r.imp >= 0)
			expect_revoked_mr(&r);
		fire(&r, &dev, t->name, t->restore, &us[1]);
		if (stat_now(&r, &st)) {
			check(&r, !st.revoked, "buffer unrevoked");
			check(&r, st.unrevokes == st0.unrevokes + 1, "one unrevoke counted");
		}
		if (r.imp >= 0)
			expect_remapped_mr(&r, &q0);
	}
	if (r.imp >= 0) {
		close(r.imp);
		r.imp = -1;
	}
	close(fd);
	fd = -1;
	if (!p2p_release_find(r.ino, &rec)) {
		print_released(&r, &rec);
		check(&r, rec.revokes >= st0.revokes + 1, "release record counts the revoke");
	} else {
		check(&r, false, "release record: %s", p2p_last_error());
	}
	ret = r.failures ? CLI_FAIL : CLI_PASS;
	fprintf(r.out, "%s: %s\n", t->name, ret == CLI_PASS ? "pass" : "FAIL");
out:
	if (r.imp >= 0)
		close(r.imp);
	if (fd >= 0)
		close(fd);
	if (t->revoke == P2P_TRIG_KNOB_REVOKE)
		p2p_knob_revoke(bdf, false);
	p2p_dev_close(&dev);
	json_tail(&r, level, steps, &st0, us, ret);
	return ret;
}

int cmd_revoke(const struct cli_opts *o, const char *bdf)
{
	struct cli_json js, *j = o->json ? &js : NULL;
	const struct p2p_trigger_desc *t, *one;
	unsigned int pass = 0, fail = 0, skip = 0;
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
	if (j) {
		cli_json_begin(j, stdout, "revoke");
		cli_json_s(j, "device", bdf);
		cli_json_arr(j, "triggers");
	}
	for (i = 0; i < n; i++) {
		switch (revoke_one(o, j, bdf, &t[i])) {
		case CLI_PASS:
			pass++;
			break;
		case CLI_SKIP:
			skip++;
			break;
		default:
			fail++;
		}
	}
	ret = fail ? CLI_FAIL : pass ? CLI_PASS : CLI_SKIP;
	if (j) {
		cli_json_end(j);
		cli_json_u(j, "passed", pass);
		cli_json_u(j, "failed", fail);
		cli_json_u(j, "skipped", skip);
		cli_json_s(j, "result", cli_result_name(ret));
		cli_json_end(j);
	} else if (!o->trigger) {
		printf("revoke: %u passed, %u failed, %u skipped\n", pass, fail, skip);
	}
	return ret;
}
