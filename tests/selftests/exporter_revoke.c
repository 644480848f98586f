// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_revoke: every revoke trigger against a live buffer, checked on
 * the exporter's counters (debugfs <BDF>/buffers) and, when the importer is
 * loaded, on an importer MR: move_notify invalidates it, access fails with
 * ENODEV while revoked, and remaps once MMIO is back.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"

struct mr {
	int imp;
	uint32_t handle;
	uint64_t len;
	struct p2p_query_mr q0;
};

static int mr_check(struct mr *m)
{
	struct p2p_dma_seg segs[16];
	uint32_t n = 0;
	int ret;

	ret = p2p_imp_check(m->imp, m->handle, 0, m->len, segs, 16, &n);
	if (!ret && !n)
		FAIL("CHECK returned no DMA segments");
	return ret;
}

static void mr_query(struct mr *m, struct p2p_query_mr *q)
{
	ASSERT_OK(p2p_imp_query(m->imp, m->handle, q));
	tap_diag("mr %u: state=%s gen=%llu invalidations=%llu remaps=%llu nents=%u len=%llu",
		 m->handle, p2p_mr_state_name(q->state), (unsigned long long)q->generation,
		 (unsigned long long)q->invalidations, (unsigned long long)q->remaps,
		 q->nents, (unsigned long long)q->mapped_length);
}

/* An MR over the whole buffer if the importer is loaded; m->imp < 0 if not. */
static void mr_setup(struct mr *m, int fd, uint64_t len)
{
	memset(m, 0, sizeof(*m));
	m->imp = t_importer();
	if (m->imp < 0) {
		tap_diag("importer not loaded: checking the exporter's counters only");
		return;
	}
	m->len = len;
	ASSERT_OK(p2p_imp_reg(m->imp, fd, 0, len, 0, P2P_MR_ACCESS_ALL, &m->handle));
	ASSERT_OK(mr_check(m));
	mr_query(m, &m->q0);
	ASSERT_EQ(m->q0.state, P2P_MR_STATE_MAPPED);
	ASSERT_EQ(m->q0.mapped_length, len);
}

static void mr_expect_revoked(struct mr *m)
{
	struct p2p_query_mr q;

	if (m->imp < 0)
		return;
	mr_query(m, &q);
	ASSERT_NE(q.state, P2P_MR_STATE_MAPPED);
	ASSERT_GT(q.invalidations, m->q0.invalidations);
	ASSERT_ERR(mr_check(m), ENODEV);
	mr_query(m, &q);
	ASSERT_EQ(q.state, P2P_MR_STATE_REVOKED);
}

static void mr_expect_remapped(struct mr *m)
{
	struct p2p_query_mr q;

	if (m->imp < 0)
		return;
	ASSERT_OK(mr_check(m));
	mr_query(m, &q);
	ASSERT_EQ(q.state, P2P_MR_STATE_MAPPED);
	ASSERT_GT(q.invalidations, m->q0.invalidations);
	ASSERT_GT(q.generation, m->q0.generation);
	ASSERT_GT(q.remaps, m->q0.remaps);
	ASSERT_EQ(q.mapped_length, m->len);
}

static void mr_teardown(struct mr *m)
{
	if (m->imp < 0)
		return;
	ASSERT_OK(p2p_imp_dereg(m->imp, m->handle, 0));
	close(m->imp);
	m->imp = -1;
}

/* Revoke with the trigger named @name, restore, check every step. */
static void run_trigger(const char *name)
{
	const struct p2p_trigger_desc *d = p2p_trigger_lookup(name);
	struct p2p_buf_stat st0, st;
	struct p2p_rel_rec rec;
	struct tdev t;
	uint64_t ino;
	struct mr m;
	int fd;

	ASSERT_TRUE(d);
	t_open_for(&t, d->revoke);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	mr_setup(&m, fd, t.page);
	t_stat(t.dev.bdf, ino, &st0);
	ASSERT_EQ(st0.revoked, 0);

	ASSERT_OK(p2p_trigger_fire(&t.dev, d->revoke));
	if (d->restore == P2P_TRIG_NONE) {
		/* A reset: revoked before, restored after, inside one call. */
		t_stat(t.dev.bdf, ino, &st);
		ASSERT_EQ(st.revokes, st0.revokes + 1);
		ASSERT_EQ(st.unrevokes, st0.unrevokes + 1);
		ASSERT_EQ(st.revoked, 0);
		mr_expect_remapped(&m);
	} else {
		t_stat(t.dev.bdf, ino, &st);
		ASSERT_EQ(st.revoked, 1);
		ASSERT_EQ(st.revokes, st0.revokes + 1);
		ASSERT_EQ(st.unrevokes, st0.unrevokes);
		mr_expect_revoked(&m);

		ASSERT_OK(p2p_trigger_fire(&t.dev, d->restore));
		t_stat(t.dev.bdf, ino, &st);
		ASSERT_EQ(st.revoked, 0);
		ASSERT_EQ(st.revokes, st0.revokes + 1);
		ASSERT_EQ(st.unrevokes, st0.unrevokes + 1);
		mr_expect_remapped(&m);
	}
	if (m.imp >= 0)
		ASSERT_GE(st.attaches, 1);
	mr_teardown(&m);
	close(fd);
	t_wait_release(ino, &rec, 2000);
	ASSERT_STREQ(rec.path, P2P_REL_CLOSE);
	ASSERT_EQ(rec.revokes, st.revokes);
	ASSERT_EQ(rec.unrevokes, st.unrevokes);
}

static void trigger_mem(void)
{
	run_trigger("mem");
}

static void trigger_d3hot(void)
{
	run_trigger("d3hot");
}

static void trigger_flr(void)
{
	run_trigger("flr");
}

static void trigger_af_flr(void)
{
	run_trigger("af-flr");
}

static void trigger_reset(void)
{
	run_trigger("reset");
}

static void trigger_hot_reset(void)
{
	run_trigger("hot-reset");
}

static void trigger_knob(void)
{
	run_trigger("knob");
}

/* Closing the device revokes for good; reopening does not bring it back. */
static void trigger_device_close(void)
{
	struct p2p_buf_stat st0, st;
	struct p2p_rel_rec rec;
	struct tdev t, t2;
	char bdf[P2P_BDF_LEN];
	uint64_t ino;
	struct mr m;
	int fd, fd2;

	t_open_for(&t, P2P_TRIG_CLOSE);
	t_need_debugfs();
	strcpy(bdf, t.dev.bdf);
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	mr_setup(&m, fd, t.page);
	t_stat(bdf, ino, &st0);

	ASSERT_OK(p2p_trigger_fire(&t.dev, P2P_TRIG_CLOSE));
	if (!p2p_buffer_stat(bdf, ino, &st)) {
		tap_diag("still listed after close: revoked=%d", st.revoked);
		ASSERT_EQ(st.revoked, 1);
	} else {
		tap_diag("buffer no longer listed by %s", bdf);
	}
	mr_expect_revoked(&m);

	t_open(&t2, bdf);
	if (m.imp >= 0) {
		uint32_t h;

		ASSERT_ERR(mr_check(&m), ENODEV);
		ASSERT_ERR(p2p_imp_reg(m.imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h), ENODEV);
	}
	if (!p2p_buffer_stat(bdf, ino, &st))
		ASSERT_EQ(st.revoked, 1);
	/* The reopened device exports as usual. */
	fd2 = t_create_pages(&t2, 0, 1);
	t_stat(bdf, t_ino(fd2), &st);
	ASSERT_EQ(st.revoked, 0);
	close(fd2);

	mr_teardown(&m);
	close(fd);
	t_wait_release(ino, &rec, 2000);
	ASSERT_STREQ(rec.path, P2P_REL_CLOSE);
	ASSERT_GE(rec.revokes, st0.revokes + 1);
}

static void knob_reads_back_state(void)
{
	char buf[16];
	struct tdev t;
	int fd;

	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	ASSERT_OK(p2p_exp_knob_read(t.dev.bdf, "revoke", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "0");
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, true));
	ASSERT_OK(p2p_exp_knob_read(t.dev.bdf, "revoke", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "1");
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, false));
	ASSERT_OK(p2p_exp_knob_read(t.dev.bdf, "revoke", buf, sizeof(buf)));
	ASSERT_STREQ(buf, "0");
	close(fd);
}

/* Knob "0" must not unrevoke while COMMAND.MEM is still off. */
static void unrevoke_waits_for_mmio(void)
{
	struct p2p_buf_stat st;
	struct tdev t;
	uint64_t ino;
	int fd, ret;

	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	ASSERT_OK(p2p_set_mem_enable(&t.dev, false));
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 1);
	ret = p2p_knob_revoke(t.dev.bdf, false);
	tap_diag("knob 0 with MEM off: %s", ret ? p2p_last_error() : "accepted");
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 1);
	ASSERT_EQ(st.unrevokes, 0);
	ASSERT_OK(p2p_set_mem_enable(&t.dev, true));
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 0);
	ASSERT_EQ(st.unrevokes, 1);
	close(fd);
}

/* A buffer made while MEM is off starts revoked and cannot be attached. */
static void created_while_mem_off(void)
{
	struct p2p_buf_stat st;
	struct tdev t;
	uint32_t h;
	uint64_t ino;
	int fd, imp;

	t_open_main(&t);
	t_need_debugfs();
	ASSERT_OK(p2p_set_mem_enable(&t.dev, false));
	fd = t_create_pages(&t, 0, 1);
	ino = t_ino(fd);
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 1);
	imp = t_importer();
	if (imp >= 0)
		ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h), ENODEV);
	ASSERT_OK(p2p_set_mem_enable(&t.dev, true));
	t_stat(t.dev.bdf, ino, &st);
	ASSERT_EQ(st.revoked, 0);
	ASSERT_EQ(st.unrevokes, 1);
	if (imp >= 0) {
		ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h));
		ASSERT_OK(p2p_imp_dereg(imp, h, 0));
		close(imp);
	}
	close(fd);
}

static void revoke_reaches_every_buffer(void)
{
	struct p2p_buf_stat st;
	uint64_t ino[3];
	struct tdev t;
	int fd[3], i;

	t_open_main(&t);
	t_need_debugfs();
	fd[0] = t_create_pages(&t, 0, 1);
	fd[1] = t_create_pages(&t, 1, 1);
	fd[2] = t_create_pages(&t, 0, 2);
	for (i = 0; i < 3; i++)
		ino[i] = t_ino(fd[i]);
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, true));
	for (i = 0; i < 3; i++) {
		t_stat(t.dev.bdf, ino[i], &st);
		ASSERT_EQ(st.revoked, 1);
		ASSERT_EQ(st.revokes, 1);
	}
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, false));
	for (i = 0; i < 3; i++) {
		t_stat(t.dev.bdf, ino[i], &st);
		ASSERT_EQ(st.revoked, 0);
		ASSERT_EQ(st.unrevokes, 1);
		close(fd[i]);
	}
}

static void attach_refused_while_revoked(void)
{
	struct tdev t;
	uint32_t h;
	int fd, imp;
	struct mr m;

	imp = t_need_importer();
	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, true));
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &h), ENODEV);
	ASSERT_ERR(p2p_imp_reg(imp, fd, 0, t.page, P2P_MR_PINNED, P2P_MR_ACCESS_ALL, &h),
		   ENODEV);
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, false));
	ASSERT_OK(p2p_imp_reg(imp, fd, 0, t.page, 0, P2P_MR_ACCESS_ALL, &m.handle));
	m.imp = imp;
	m.len = t.page;
	ASSERT_OK(mr_check(&m));
	ASSERT_OK(p2p_imp_dereg(imp, m.handle, 0));
	close(fd);
}

/* Revoke waits for the importer's fence (a slow move_notify) to finish. */
static void revoke_waits_for_slow_importer(void)
{
	const unsigned int delay = 300;
	struct p2p_buf_stat st;
	struct tdev t;
	uint64_t t0, took;
	struct mr m;
	int fd;

	t_open_main(&t);
	t_need_debugfs();
	fd = t_create_pages(&t, 0, 1);
	mr_setup(&m, fd, t.page);
	if (m.imp < 0)
		SKIP("importer not loaded");
	if (p2p_imp_knob_set("move_notify_delay_ms", delay))
		SKIP("%s", p2p_last_error());
	t0 = p2p_now_ms();
	ASSERT_OK(p2p_set_mem_enable(&t.dev, false));
	took = p2p_now_ms() - t0;
	tap_diag("MEM off took %llu ms with a %u ms move_notify", (unsigned long long)took,
		 delay);
	ASSERT_GE(took, delay);
	mr_expect_revoked(&m);
	ASSERT_OK(p2p_imp_knob_set("move_notify_delay_ms", 0));
	ASSERT_OK(p2p_set_mem_enable(&t.dev, true));
	t_stat(t.dev.bdf, t_ino(fd), &st);
	ASSERT_EQ(st.revoked, 0);
	mr_expect_remapped(&m);
	mr_teardown(&m);
	close(fd);
}

static const struct tap_case cases[] = {
	TAP_CASE(trigger_mem),
	TAP_CASE(trigger_d3hot),
	TAP_CASE(trigger_flr),
	TAP_CASE(trigger_af_flr),
	TAP_CASE(trigger_reset),
	TAP_CASE(trigger_hot_reset),
	TAP_CASE(trigger_knob),
	TAP_CASE(trigger_device_close),
	TAP_CASE(knob_reads_back_state),
	TAP_CASE(unrevoke_waits_for_mmio),
	TAP_CASE(created_while_mem_off),
	TAP_CASE(revoke_reaches_every_buffer),
	TAP_CASE(attach_refused_while_revoked),
	TAP_CASE(revoke_waits_for_slow_importer),
};

int main(int argc, char **argv)
{
	if (!t_device() && !tap_listing(argc, argv))
		tap_skip_all("DMABUF_P2P_DEVICE not set (or not a PCI address)");
	tap_set_teardown(t_reset_knobs);
	return tap_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
