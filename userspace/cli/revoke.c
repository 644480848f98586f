// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p revoke [TRIGGER]: create a buffer (and an importer MR on it
 * when the importer is loaded), fire the trigger, check that the exporter
 * revoked and the importer was invalidated, restore, check the remap.
 * Without a trigger, every trigger in turn (those the device lacks skip).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

struct run {
	int failures;
	const char *bdf;
	uint64_t ino;
	int imp;
	uint32_t handle;
	uint64_t len;
};

static bool check(struct run *r, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("  %s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		r->failures++;
	return ok;
}

static bool stat_now(struct run *r, struct p2p_buf_stat *st)
{
	if (p2p_buffer_stat(r->bdf, r->ino, st)) {
		check(r, false, "read counters: %s", p2p_last_error());
		return false;
	}
	cli_print_stat("  debugfs: ", st);
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
	if (p2p_imp_query(r->imp, r->handle, q))
		check(r, false, "QUERY_MR: %s", p2p_last_error());
	else
		printf("  mr: state=%s generation=%llu invalidations=%llu remaps=%llu\n",
		       p2p_mr_state_name(q->state), (unsigned long long)q->generation,
		       (unsigned long long)q->invalidations, (unsigned long long)q->remaps);
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

static int revoke_one(const struct cli_opts *o, const char *bdf,
		      const struct p2p_trigger_desc *t)
{
	struct p2p_buf_stat st0, st;
	struct p2p_query_mr q0 = { 0 };
	struct p2p_range first;
	const struct p2p_range *rg = o->ranges;
	struct run r = { .bdf = bdf, .imp = -1 };
	unsigned int bar, nr = o->nr_ranges;
	struct p2p_rel_rec rec;
	struct p2p_dev dev;
	uint64_t bar_size;
	int fd = -1, err, ret = CLI_FAIL;

	if (cli_open(bdf, &dev))
		return CLI_FAIL;
	if (p2p_trigger_supported(&dev, t->revoke)) {
		printf("SKIP: %s: %s\n", t->name, p2p_last_error());
		ret = CLI_SKIP;
		goto out;
	}
	if (p2p_debugfs_ensure()) {
		printf("SKIP: exporter counters unavailable: %s\n", p2p_last_error());
		ret = CLI_SKIP;
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
	printf("%s: buffer ino=%llu on %s region %u\n", t->name, (unsigned long long)r.ino,
	       bdf, bar);

	if (!o->no_importer) {
		r.imp = p2p_imp_open();
		if (r.imp < 0) {
			printf("  importer absent: checking exporter counters only\n");
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

	printf("%s: firing %s\n", t->name, p2p_trigger_name(t->revoke));
	err = p2p_trigger_fire(&dev, t->revoke);
	if (!check(&r, !err, "%s: %s", p2p_trigger_name(t->revoke),
		   err ? p2p_last_error() : "done"))
		goto out;

	if (t->final) {
		if (!p2p_buffer_stat(bdf, r.ino, &st))
			check(&r, st.revoked, "buffer still listed, revoked");
		else
			printf("  buffer no longer listed by the device\n");
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
		printf("%s: firing %s\n", t->name, p2p_trigger_name(t->restore));
		err = p2p_trigger_fire(&dev, t->restore);
		check(&r, !err, "%s: %s", p2p_trigger_name(t->restore),
		      err ? p2p_last_error() : "done");
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
		printf("  released: path=%s revokes=%u unrevokes=%u\n", rec.path, rec.revokes,
		       rec.unrevokes);
		check(&r, rec.revokes >= st0.revokes + 1, "release record counts the revoke");
	} else {
		check(&r, false, "release record: %s", p2p_last_error());
	}
	ret = r.failures ? CLI_FAIL : CLI_PASS;
	printf("%s: %s\n", t->name, ret == CLI_PASS ? "pass" : "FAIL");
out:
	if (r.imp >= 0)
		close(r.imp);
	if (fd >= 0)
		close(fd);
	if (t->revoke == P2P_TRIG_KNOB_REVOKE)
		p2p_knob_revoke(bdf, false);
	p2p_dev_close(&dev);
	return ret;
}

int cmd_revoke(const struct cli_opts *o, const char *bdf)
{
	const struct p2p_trigger_desc *t;
	unsigned int pass = 0, fail = 0, skip = 0;
	size_t i, n;

	if (o->trigger) {
		t = p2p_trigger_lookup(o->trigger);
		if (!t) {
			cli_err("%s", p2p_last_error());
			return CLI_FAIL;
		}
		return revoke_one(o, bdf, t);
	}
	t = p2p_trigger_descs(&n);
	for (i = 0; i < n; i++) {
		switch (revoke_one(o, bdf, &t[i])) {
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
	printf("revoke: %u passed, %u failed, %u skipped\n", pass, fail, skip);
	if (fail)
		return CLI_FAIL;
	return pass ? CLI_PASS : CLI_SKIP;
}
