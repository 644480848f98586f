/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Our checks beside kselftest_harness.h's, usable from any source file: a
 * program includes the harness header once, from its test file (harness.h),
 * while the fixtures in common.c and edu_fix.c end a test from deep inside
 * a helper.
 *
 * T_SKIP() and T_FAIL() never return. In the test's own process (any of its
 * threads) T_SKIP() puts its reason where the harness's SKIP() does, so the
 * TAP line reads "ok N fixture.test # SKIP reason", and exits KSFT_SKIP;
 * T_FAIL() says "file:line: why" and exits KSFT_FAIL: "not ok N ...". In a
 * process the test forked, both only end that process with that status
 * (the test judges it), and a skip's reason becomes a diagnostic line.
 * The harness's ASSERT_*() and EXPECT_*() work in helpers too, through the
 * _metadata the fixture setup records (t_begin()); in a forked process
 * they fail the whole test.
 *
 * ASSERT_OK() and ASSERT_ERR() judge library calls returning -errno;
 * ASSERT_SYSOK() and ASSERT_SYSERR() raw system calls (-1 and errno).
 */
#ifndef DMABUF_P2P_SELFTEST_CHECK_H
#define DMABUF_P2P_SELFTEST_CHECK_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "kselftest.h"	/* KSFT_PASS, KSFT_FAIL, KSFT_SKIP */

/* The running test's, set by t_begin(); the harness's macros name it. */
struct __test_metadata;
extern struct __test_metadata *_metadata;

/* From the fixture setup, in the test's process: see harness.h. */
void t_begin(struct __test_metadata *m, char *reason, size_t reason_len);

void t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void t_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
/* "# " and the text, each line of it, on stdout (as ksft_print_msg()). */
void t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "EINVAL" for EINVAL or -EINVAL; "errno N" for one it does not know. */
const char *t_errname(int err);
/* SIGKILL whatever the test left behind in our process group, but us. */
void t_kill_leftovers(void);
/* Fixture setup and teardown: @rest puts back what tests turn (see check.c). */
void t_rest_before(void (*rest)(void));
void t_rest_after(void (*rest)(void));

#define T_SKIP(...)	t_skip(__VA_ARGS__)
#define T_FAIL(...)	t_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* A raw system call: must fail (-1) with errno @e. */
#define ASSERT_SYSERR(call, e) do {						\
	long _r = (long)(call);							\
	int _e = errno;								\
	if (_r != -1 || _e != (e))						\
		t_fail_at(__FILE__, __LINE__, "%s: want -1/%s, got %ld/%s", #call, \
			  t_errname(e), _r, _r == -1 ? t_errname(_e) : "-");	\
} while (0)

/* A raw system call: must not fail. */
#define ASSERT_SYSOK(call) do {							\
	long _r = (long)(call);							\
	if (_r == -1)								\
		t_fail_at(__FILE__, __LINE__, "%s: %s (%s)", #call,		\
			  t_errname(errno), strerror(errno));			\
} while (0)

#endif /* DMABUF_P2P_SELFTEST_CHECK_H */
