/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf-p2p scenario: each scenario runs in a forked child of its own
 * (it may close the device, fork, exit or die without taking the run
 * down). Inside, failing the scenario and skipping it end that child; the
 * runner turns its exit status into pass / fail / skip and adds any
 * kernel splat logged meanwhile.
 */
#ifndef DMABUF_P2P_SCENARIO_H
#define DMABUF_P2P_SCENARIO_H

#include <errno.h>
#include <stdio.h>

#include "cli.h"

struct scenario {
	const char *name;
	void (*fn)(void);
	const char *help;
	bool race;	/* runs for --duration seconds */
};

extern const struct scenario sc_release[], sc_revoke[], sc_race[], sc_importers[], sc_data[],
	sc_contract[], sc_iommufd[];
extern const size_t sc_release_n, sc_revoke_n, sc_race_n, sc_importers_n, sc_data_n,
	sc_contract_n, sc_iommufd_n;

/* The scenario being run, in its child process. */
struct sc_ctx {
	const struct cli_opts *o;
	const char *bdf;		/* --device / $DMABUF_P2P_DEVICE */
	const char *name;
	FILE *out;			/* details: stdout, stderr with --json */
	const char *pfx;		/* "# " with --tap */
	int result_fd;			/* the first failure's text, to the runner */
	unsigned int failures;
	uint64_t page;
};

extern struct sc_ctx *sc;

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
int sc_buf(struct sc_dev *d, uint64_t first_page, uint64_t npages);
int sc_buf_try(struct sc_dev *d, uint64_t first_page, uint64_t npages);
uint64_t sc_ino(int fd);
int sc_importer(void);
uint32_t sc_mr(int imp, int fd, uint64_t len);
/* The exporter name upstream vfio-pci's buffers carry in bufinfo. */
#define SC_UPSTREAM_EXP_NAME	"vfio_pci_core"

bool sc_upstream(void);
unsigned int sc_live_buffers(struct sc_dev *d);
bool sc_counts(void);
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
