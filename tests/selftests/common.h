/* SPDX-License-Identifier: GPL-2.0 */
/* Fixtures shared by the end-to-end selftests (run in the test VM). */
#ifndef DMABUF_P2P_SELFTEST_COMMON_H
#define DMABUF_P2P_SELFTEST_COMMON_H

#include <string.h>

#include "dmabuf_p2p.h"
#include "tap.h"

/* A library call returning >= 0 or -errno: must succeed. */
#define ASSERT_OK(expr) ({							\
	long _r = (long)(expr);							\
	if (_r < 0)								\
		tap_fail_at(__FILE__, __LINE__, "%s: %s (%s)", #expr,		\
			    tap_errname(-_r), p2p_strerror(_r));		\
	_r;									\
})

/* A library call returning -errno: must fail with one of the errnos given. */
#define ASSERT_ERR(expr, ...) do {						\
	const int _want[] = { __VA_ARGS__ };					\
	long _r = (long)(expr);							\
	t_check_err(__FILE__, __LINE__, #expr, _r, _want,			\
		    sizeof(_want) / sizeof(_want[0]));				\
} while (0)

void t_check_err(const char *file, int line, const char *what, long r,
		 const int *want, size_t nwant);

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
uint64_t t_ino(int fd);
void t_stat(const char *bdf, uint64_t ino, struct p2p_buf_stat *st);
bool t_listed(const char *bdf, uint64_t ino);
int t_importer(void);
int t_need_importer(void);
void t_need_debugfs(void);
void t_wait_release(uint64_t ino, struct p2p_rel_rec *r, unsigned int timeout_ms);
bool t_released(uint64_t ino, struct p2p_rel_rec *r);
void t_set_knob(const char *bdf, const char *name, long val);
void t_set_imp_knob(const char *name, long val);
int t_exp_param_bool(const char *name);
void t_set_exp_param_bool(const char *name, bool on);
int t_pin_policy(void);
void t_reset_knobs(void);
int t_wait_task_sleeping(pid_t pid, unsigned int timeout_ms);
/* A udmabuf over a sealed memfd (*memfd_out, or closed); skips without udmabuf. */
int t_udmabuf(size_t size, int *memfd_out);

#endif /* DMABUF_P2P_SELFTEST_COMMON_H */
