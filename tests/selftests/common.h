/* SPDX-License-Identifier: GPL-2.0 */
/* Fixtures shared by the end-to-end selftests (run in the test VM). */
#ifndef DMABUF_P2P_SELFTEST_COMMON_H
#define DMABUF_P2P_SELFTEST_COMMON_H

#include <string.h>

#include "check.h"
#include "dmabuf_p2p.h"
#include "scenario.h"

/*
 * Run the scenario library's scenario @name (dmabuf-p2p scenario --list)
 * as the test: its skip is the test's, a failure fails it.
 */
void t_scenario(const char *name);

/*
 * The fixtures the scenarios have too, under the names the tests know:
 * the library's, whose failures and skips are the test's (see common.c).
 */
static inline uint64_t t_ino(int fd)
{
	return sc_ino(fd);
}

/* The exporter's debugfs, or the test fails. */
static inline void t_need_debugfs(void)
{
	sc_need_debugfs();
}

static inline void t_stat(const char *bdf, uint64_t ino, struct p2p_buf_stat *st)
{
	sc_stat(bdf, ino, st);
}

static inline bool t_listed(const char *bdf, uint64_t ino)
{
	return sc_listed(bdf, ino);
}

/* The importer's fd; the test skips when it is not loaded. */
static inline int t_need_importer(void)
{
	return sc_importer();
}

static inline bool t_released(uint64_t ino, struct p2p_rel_rec *r)
{
	return sc_released(ino, r);
}

/* Poll the releases log: task_work and delayed_fput releases are async. */
static inline void t_wait_release(uint64_t ino, struct p2p_rel_rec *r, unsigned int timeout_ms)
{
	sc_wait_release(ino, r, timeout_ms);
}

static inline void t_set_knob(const char *bdf, const char *name, long val)
{
	sc_knob(bdf, name, val);
}

/* A library call returning >= 0 or -errno: must succeed. */
#define ASSERT_OK(expr) ({							\
	long _r = (long)(expr);							\
	if (_r < 0)								\
		t_fail_at(__FILE__, __LINE__, "%s: %s (%s)", #expr,		\
			  t_errname(-_r), p2p_strerror(_r));			\
	_r;									\
})

/*
 * A library call returning -errno: must fail with one of the errnos given
 * (the scenario library's check: a mismatch fails the test).
 */
#define ASSERT_ERR(expr, ...)	SC_ERR(expr, __VA_ARGS__)

const char *t_env(const char *name);
const char *t_device(void);		/* DMABUF_P2P_DEVICE, normalized, or NULL */
bool t_noiommu(const struct p2p_dev *dev);

struct tdev {
	struct p2p_dev dev;
	unsigned int bar;
	uint64_t bar_size;
	uint64_t bar_phys;
	uint64_t page;
};

int t_try_open(struct tdev *t, const char *bdf);
void t_open(struct tdev *t, const char *bdf);
void t_open_main(struct tdev *t);
void t_open_for(struct tdev *t, enum p2p_trigger trig);
int t_create(struct tdev *t, const struct p2p_range *r, unsigned int nr);
int t_create_pages(struct tdev *t, uint64_t first_page, uint64_t npages);
int t_importer(void);		/* -1 when the importer is not loaded */
void t_set_imp_knob(const char *name, long val);
int t_exp_param_bool(const char *name);
void t_set_exp_param_bool(const char *name, bool on);
int t_pin_policy(void);
void t_reset_knobs(void);
int t_wait_task_sleeping(pid_t pid, unsigned int timeout_ms);
/* A udmabuf over a sealed memfd (*memfd_out, or closed); skips without udmabuf. */
int t_udmabuf(size_t size, int *memfd_out);

#endif /* DMABUF_P2P_SELFTEST_COMMON_H */
