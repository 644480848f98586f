/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libdmabuf_p2p_scenarios: the scenarios, each case body written once, that
 * both the CLI (dmabuf-p2p scenario NAME) and the selftests run.
 *
 * A scenario checks as it goes: sc_expect() notes a failure and goes on;
 * sc_fail() and sc_skip() end the scenario's process (_exit() with SC_FAIL
 * or SC_SKIP, kselftest's codes) once the host has its verdict. The host
 * says where that goes (struct sc_ctx's verdict()): the CLI runs every
 * scenario in a forked child and renders its result (TAP, JSON, text); a
 * selftest runs one in its test's process and leaves the judging to the
 * harness (tests/selftests/common.c, t_scenario()).
 */
#ifndef DMABUF_P2P_SCENARIO_H
#define DMABUF_P2P_SCENARIO_H

#include <errno.h>
#include <stdio.h>

#include "dmabuf_p2p.h"

/* How a scenario's process ends (the exit codes of kselftest and the CLI). */
#define SC_PASS		0
#define SC_FAIL		1
#define SC_SKIP		4

/* Race scenarios: at most this many workers (the CLI's --threads bound). */
#define SC_MAX_THREADS	64

struct scenario {
	const char *name;
	void (*fn)(void);
	const char *help;
	bool race;	/* runs for sc->duration_s seconds */
};

/* The library's scenarios by theme. */
extern const struct scenario sc_release[], sc_revoke[], sc_race[], sc_drm[], sc_data[],
	sc_contract[], sc_iommufd[];
extern const size_t sc_release_n, sc_revoke_n, sc_race_n, sc_drm_n, sc_data_n,
	sc_contract_n, sc_iommufd_n;

/*
 * The host's own importer scenarios, listed with the library's after the
 * DRM one: the CLI's rdma-dmabuf-mr, which links libibverbs (the library
 * and the selftests do not).
 */
void sc_host_importers(const struct scenario *list, size_t n);
/* Every scenario, in the order the CLI lists them: the @i-th, NULL past the last. */
const struct scenario *sc_nth(size_t i);
/* A scenario by name, or NULL. */
const struct scenario *sc_find(const char *name);

/* The scenario being run, in its process: the host fills it in. */
struct sc_ctx {
	const char *bdf;		/* the main device: --device / $DMABUF_P2P_DEVICE */
	const char *name;
	FILE *out;			/* where sc_log() writes */
	const char *pfx;		/* before each line: "# " in TAP */
	unsigned int threads;		/* race scenarios: workers, */
	unsigned int duration_s;	/* and for how long */
	bool strict;			/* no exporter debugfs fails, rather than skips */
	/*
	 * The host's: the first failure's text (SC_FAIL), or the reason for
	 * a skip (SC_SKIP) just before the process ends; may end it itself.
	 */
	void (*verdict)(int status, const char *msg);
	unsigned int failures;
	uint64_t page;
};

extern struct sc_ctx *sc;

/*
 * Runs @s in this process, under @ctx: SC_PASS or SC_FAIL when it returns
 * (a failed sc_expect()); sc_fail() and sc_skip() end the process instead.
 */
int sc_run(struct sc_ctx *ctx, const struct scenario *s);

void sc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_expect(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void sc_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A library call returning >= 0 or -errno must succeed. */
#define SC_OK(expr) ({								\
	long _r = (long)(expr);							\
	if (_r < 0)								\
		sc_fail("%s:%d: %s: %s", __FILE__, __LINE__, #expr,		\
			p2p_strerror(_r));					\
	_r;									\
})

/* A library call returning -errno must fail with one of the errnos given. */
#define SC_ERR(expr, ...) do {							\
	const int _want[] = { __VA_ARGS__ };					\
	sc_check_err(__FILE__, __LINE__, #expr, (long)(expr), _want,		\
		     sizeof(_want) / sizeof(_want[0]));				\
} while (0)

void sc_check_err(const char *file, int line, const char *what, long r,
		  const int *want, size_t nwant);
bool sc_errno_in(int err, const int *set, size_t n);

/* A device opened for a scenario, with the memory BAR it exports from. */
struct sc_dev {
	struct p2p_dev dev;
	unsigned int bar;
	uint64_t bar_size;
};

void sc_open(struct sc_dev *d, const char *bdf);
void sc_open_main(struct sc_dev *d);
void sc_open_for(struct sc_dev *d, enum p2p_trigger t);
const char *sc_trigger_device(enum p2p_trigger t, const char *first,
			      struct p2p_dev *(*open_dev)(void *arg, const char *bdf), void *arg,
			      char *why, size_t len);
struct p2p_range sc_pages(const char *bdf, unsigned int bar, uint64_t bar_size,
			  uint64_t first_page, uint64_t npages);
int sc_buf(struct sc_dev *d, uint64_t first_page, uint64_t npages);
int sc_buf_try(struct sc_dev *d, uint64_t first_page, uint64_t npages);
uint64_t sc_ino(int fd);
int sc_importer(void);
uint32_t sc_mr(int imp, int fd, uint64_t len);
void sc_mr_state(int imp, uint32_t h, struct p2p_query_mr *q);
void sc_mr_expect_mapped(int imp, uint32_t h, uint64_t len, struct p2p_query_mr *q0);
void sc_mr_expect_revoked(int imp, uint32_t h, uint64_t len, const struct p2p_query_mr *q0);
void sc_mr_expect_remapped(int imp, uint32_t h, uint64_t len, const struct p2p_query_mr *q0);
/* The exporter name upstream vfio-pci's buffers carry in bufinfo. */
#define SC_UPSTREAM_EXP_NAME	"vfio_pci_core"

bool sc_upstream(void);
unsigned int sc_live_buffers(struct sc_dev *d);
bool sc_counts(void);
bool sc_ours(void);
uint32_t sc_mr_flags(void);
void sc_take_mmio(struct sc_dev *d, bool revoke);
void sc_need_debugfs(void);
void sc_fresh_log(void);
bool sc_released(uint64_t ino, struct p2p_rel_rec *r);
void sc_wait_release(uint64_t ino, struct p2p_rel_rec *r, unsigned int timeout_ms);
void sc_expect_path(const struct p2p_rel_rec *r, const char *path);
bool sc_listed(const char *bdf, uint64_t ino);
void sc_stat(const char *bdf, uint64_t ino, struct p2p_buf_stat *st);
void sc_knob(const char *bdf, const char *name, long val);
void sc_reset_knobs(const char *bdf);
void sc_pattern(uint8_t *p, size_t len, unsigned int seed);
void sc_expect_bar(volatile uint8_t *bar, size_t off, const uint8_t *want, size_t len,
		   const char *what);

#endif /* DMABUF_P2P_SCENARIO_H */
