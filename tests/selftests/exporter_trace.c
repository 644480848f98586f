// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_trace: the modules' tracepoints (events/dmabuf_p2p) fire where
 * the lifecycle says and carry the right fields: a buffer's create, attach,
 * map, revoke, unrevoke, unmap, detach and release; an MR's registration,
 * access, invalidation, remap and deregistration. The release event's path
 * must agree with the exporter's own "releases" record of the same buffer.
 */
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "harness.h"

#define MAX_EVENTS	256

static struct p2p_event evs[MAX_EVENTS];
static int nevs;

static void events_start(void)
{
	int ret = p2p_events_start();

	if (ret == -ENOENT)
		T_SKIP("%s", p2p_last_error());
	ASSERT_OK(ret);
}

static void events_read(void)
{
	nevs = ASSERT_OK(p2p_events_read(evs, MAX_EVENTS));
	if (nevs > MAX_EVENTS)
		T_FAIL("%d events, room for %d", nevs, MAX_EVENTS);
	t_diag("%d events", nevs);
}

/* The buffer's release (debugfs record into @rec), then every event so far. */
static void events_after_release(uint64_t ino, struct p2p_rel_rec *rec)
{
	t_wait_release(ino, rec, 5000);
	events_read();
}

static long long field(const struct p2p_event *ev, const char *key)
{
	long long v;

	if (p2p_event_num(ev, key, &v))
		T_FAIL("%s has no number %s= in '%s'", ev->name, key, ev->args);
	return v;
}

static const char *field_s(const struct p2p_event *ev, const char *key)
{
	static char s[64];

	if (p2p_event_str(ev, key, s, sizeof(s)))
		T_FAIL("%s has no %s= in '%s'", ev->name, key, ev->args);
	return s;
}

/*
 * The first event @name of buffer @ino at or after *@from, which moves
 * past it: the trace is in order, so a lifecycle is a walk forward.
 */
static const struct p2p_event *next_ev(int *from, const char *name, uint64_t ino)
{
	int i;

	for (i = *from; i < nevs && i < MAX_EVENTS; i++) {
		if (strcmp(evs[i].name, name) || field(&evs[i], "ino") != (long long)ino)
			continue;
		t_diag("%s: %s", evs[i].name, evs[i].args);
		*from = i + 1;
		return &evs[i];
	}
	T_FAIL("no %s for ino %llu after event %d", name, (unsigned long long)ino, *from);
}

static int count_ev(const char *name, uint64_t ino)
{
	int i, n = 0;

	for (i = 0; i < nevs && i < MAX_EVENTS; i++)
		n += !strcmp(evs[i].name, name) && field(&evs[i], "ino") == (long long)ino;
	return n;
}

static int count_failed(const char *name, uint64_t ino)
{
	int i, n = 0;

	for (i = 0; i < nevs && i < MAX_EVENTS; i++)
		n += !strcmp(evs[i].name, name) && field(&evs[i], "ino") == (long long)ino &&
		     field(&evs[i], "ret");
	return n;
}

/* One page of the main device, an MR over it, and the events on. */
static uint64_t buf_with_mr(struct tdev *t, int *fd, int *imp, uint32_t *h)
{
	t_open_main(t);
	t_need_debugfs();
	*imp = t_need_importer();
	events_start();
	*fd = t_create_pages(t, 0, 1);
	ASSERT_OK(p2p_imp_reg(*imp, *fd, 0, t->page, 0, P2P_MR_ACCESS_ALL, h));
	return t_ino(*fd);
}

/* Register, write, revoke, fail, unrevoke, remap, deregister, close(2). */
static void lifecycle(void)
{
	const struct p2p_event *ev;
	struct p2p_query_mr q;
	struct p2p_rel_rec rec;
	struct p2p_dma_seg segs[4];
	struct tdev t;
	int fd, imp, at = 0;
	uint32_t h, n;
	uint64_t ino;

	/* CHECK is the access every exporter allows: ours has no vmap. */
	ino = buf_with_mr(&t, &fd, &imp, &h);
	ASSERT_OK(p2p_imp_query(imp, h, &q));
	ASSERT_OK(p2p_imp_check(imp, h, 0, t.page, segs, 4, &n));
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, true));
	ASSERT_ERR(p2p_imp_check(imp, h, 0, t.page, segs, 4, &n), ENODEV);
	ASSERT_OK(p2p_knob_revoke(t.dev.bdf, false));
	ASSERT_OK(p2p_imp_check(imp, h, 0, t.page, segs, 4, &n));
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
	events_after_release(ino, &rec);

	ev = next_ev(&at, "p2p_exp_create", ino);
	ASSERT_STREQ(field_s(ev, "exp"), t.dev.bdf);
	ASSERT_EQ(field(ev, "bar"), t.bar);
	ASSERT_EQ(field(ev, "ranges"), 1);
	ASSERT_EQ(field(ev, "size"), t.page);
	ASSERT_EQ(field(ev, "revoked"), 0);
	ev = next_ev(&at, "p2p_exp_attach", ino);
	ASSERT_STREQ(field_s(ev, "imp"), q.dma_dev);
	ASSERT_EQ(field(ev, "ret"), 0);
	ev = next_ev(&at, "p2p_exp_map", ino);
	ASSERT_EQ(field(ev, "ret"), 0);
	ASSERT_EQ(field(ev, "bytes"), t.page);
	ASSERT_EQ(field(ev, "nents"), q.nents);
	ASSERT_GT(field(ev, "ns"), 0);
	ev = next_ev(&at, "p2p_imp_mr_reg", ino);
	ASSERT_EQ(field(ev, "handle"), h);
	ASSERT_EQ(field(ev, "length"), t.page);
	ASSERT_EQ(field(ev, "ret"), 0);
	ev = next_ev(&at, "p2p_imp_mr_access", ino);
	ASSERT_EQ(field(ev, "op"), P2P_ACCESS_CHECK);
	ASSERT_EQ(field(ev, "length"), t.page);
	ASSERT_EQ(field(ev, "ret"), 0);
	/* move_notify runs inside the revoke, whose event comes at its end. */
	ev = next_ev(&at, "p2p_imp_mr_invalidate", ino);
	ASSERT_EQ(field(ev, "handle"), h);
	ASSERT_EQ(field(ev, "mapped"), 1);
	ASSERT_EQ(field(ev, "pinned"), 0);
	ev = next_ev(&at, "p2p_exp_unmap", ino);
	ASSERT_EQ(field(ev, "nents"), q.nents);
	ev = next_ev(&at, "p2p_exp_revoke", ino);
	ASSERT_STREQ(field_s(ev, "trigger"), "forced");
	ASSERT_EQ(field(ev, "notified"), 1);
	ASSERT_GT(field(ev, "ns"), 0);
	/*
	 * The exporter's map refuses with ENODEV, or never runs: without
	 * DMABUF_MOVE_NOTIFY the core pins first, and pin refuses.
	 */
	ev = next_ev(&at, "p2p_imp_mr_remap", ino);
	ASSERT_EQ(field(ev, "ret"), -ENODEV);
	ev = next_ev(&at, "p2p_imp_mr_access", ino);
	ASSERT_EQ(field(ev, "ret"), -ENODEV);
	ev = next_ev(&at, "p2p_exp_unrevoke", ino);
	ASSERT_STREQ(field_s(ev, "trigger"), "restored");
	ASSERT_EQ(field(ev, "notified"), 1);
	ev = next_ev(&at, "p2p_exp_map", ino);
	ASSERT_EQ(field(ev, "ret"), 0);
	ev = next_ev(&at, "p2p_imp_mr_remap", ino);
	ASSERT_EQ(field(ev, "ret"), 0);
	ASSERT_EQ(field(ev, "nents"), q.nents);
	ev = next_ev(&at, "p2p_imp_mr_access", ino);
	ASSERT_EQ(field(ev, "ret"), 0);
	ev = next_ev(&at, "p2p_imp_mr_dereg", ino);
	ASSERT_EQ(field(ev, "handle"), h);
	ASSERT_EQ(field(ev, "deferred"), 0);
	next_ev(&at, "p2p_exp_unmap", ino);
	ev = next_ev(&at, "p2p_exp_detach", ino);
	ASSERT_STREQ(field_s(ev, "imp"), q.dma_dev);
	ev = next_ev(&at, "p2p_exp_release", ino);
	ASSERT_STREQ(field_s(ev, "path"), P2P_REL_CLOSE);
	ASSERT_STREQ(field_s(ev, "path"), rec.path);
	ASSERT_EQ(field(ev, "cut_off"), 0);
	/* Each once: no event fired twice for one step. */
	ASSERT_EQ(count_ev("p2p_exp_create", ino), 1);
	ASSERT_EQ(count_ev("p2p_exp_revoke", ino), 1);
	ASSERT_EQ(count_ev("p2p_exp_release", ino), 1);
	ASSERT_EQ(count_ev("p2p_exp_map", ino) - count_failed("p2p_exp_map", ino), 2);
	ASSERT_LE(count_failed("p2p_exp_map", ino), 1);
	ASSERT_EQ(count_ev("p2p_exp_unmap", ino), 2);
	p2p_events_stop();
}

/*
 * The buffer outlives its fd in an MR: the release follows the dereg at
 * syscall exit (task_work), or in a kworker when deferred (delayed_fput).
 */
static void release_path_follows_dereg(bool deferred, const char *want)
{
	const struct p2p_event *ev;
	struct p2p_rel_rec rec;
	struct tdev t;
	int fd, imp, at = 0;
	uint64_t ino;
	uint32_t h;

	ino = buf_with_mr(&t, &fd, &imp, &h);
	close(fd);
	ASSERT_OK(p2p_imp_dereg(imp, h, deferred ? P2P_DEREG_DEFERRED : 0));
	events_after_release(ino, &rec);
	ev = next_ev(&at, "p2p_imp_mr_dereg", ino);
	ASSERT_EQ(field(ev, "deferred"), deferred);
	ev = next_ev(&at, "p2p_exp_release", ino);
	ASSERT_STREQ(field_s(ev, "path"), want);
	ASSERT_STREQ(field_s(ev, "path"), rec.path);
	p2p_events_stop();
}

static void release_task_work(void)
{
	release_path_follows_dereg(false, P2P_REL_TASK_WORK);
}

static void release_delayed(void)
{
	release_path_follows_dereg(true, P2P_REL_DELAYED);
}

/* Closing the device revokes for good and cuts the buffer off. */
static void device_close(void)
{
	const struct p2p_event *ev;
	struct p2p_rel_rec rec;
	struct tdev t;
	int fd, imp, at = 0;
	uint64_t ino;
	uint32_t h;

	ino = buf_with_mr(&t, &fd, &imp, &h);
	p2p_dev_close(&t.dev);
	ASSERT_ERR(p2p_imp_check(imp, h, 0, t.page, NULL, 0, NULL), ENODEV);
	ASSERT_OK(p2p_imp_dereg(imp, h, 0));
	close(fd);
	events_after_release(ino, &rec);
	ev = next_ev(&at, "p2p_exp_revoke", ino);
	ASSERT_STREQ(field_s(ev, "trigger"), "close");
	ASSERT_EQ(field(ev, "notified"), 1);
	ev = next_ev(&at, "p2p_exp_release", ino);
	ASSERT_EQ(field(ev, "cut_off"), 1);
	ASSERT_EQ(count_ev("p2p_exp_unrevoke", ino), 0);
	p2p_events_stop();
}

/* Our events off, the knobs back to rest. */
static void to_rest(void)
{
	p2p_events_stop();
	t_reset_knobs();
}

T_DEVICE_FIXTURE(to_rest);

TEST_F(dmabuf_p2p, lifecycle) { lifecycle(); }
TEST_F(dmabuf_p2p, release_task_work) { release_task_work(); }
TEST_F(dmabuf_p2p, release_delayed) { release_delayed(); }
TEST_F(dmabuf_p2p, device_close) { device_close(); }

TEST_HARNESS_MAIN
