/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP harness, kselftest style. Each case runs in its own forked
 * child (own process group, alarm() timeout), so a crash or a hang fails
 * that case only. A case passes by returning, fails through ASSERT_* (stop)
 * or EXPECT_* (go on), and skips with SKIP(). Diagnostics are "# " lines.
 *
 * Exit status of tap_main(): 0 all passed or skipped, 1 any failure, 4 every
 * case skipped; tap_skip_all() skips the whole binary (exit 4).
 */
#ifndef DMABUF_P2P_TAP_H
#define DMABUF_P2P_TAP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define TAP_DEFAULT_TIMEOUT	20	/* seconds per case */

struct tap_case {
	const char *name;
	void (*fn)(void);
	unsigned int timeout_s;
};

#define TAP_CASE(f)		{ #f, f, 0 }
#define TAP_CASE_T(f, secs)	{ #f, f, secs }

/* Runs the cases named on the command line, or all; "-l" lists them. */
int tap_main(int argc, char **argv, const struct tap_case *cases, size_t n);
/* True when the command line asks only for the list of cases ("-l"). */
bool tap_listing(int argc, char **argv);
/* Run in the harness process after every case (e.g. reset debugfs knobs). */
void tap_set_teardown(void (*fn)(void));
/* End with a plain "N passed, N failed, N skipped" line instead of "# ...". */
void tap_set_plain_summary(bool plain);

void tap_skip_all(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Inside a case. */
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void tap_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void tap_expect_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool tap_in_case_child(void);
const char *tap_errname(int err);

#define SKIP(...)	tap_skip(__VA_ARGS__)
#define FAIL(...)	tap_fail_at(__FILE__, __LINE__, __VA_ARGS__)

#define TAP_CHECK_(fail_fn, cond, ...) do {					\
	if (!(cond))								\
		fail_fn(__FILE__, __LINE__, __VA_ARGS__);			\
} while (0)

#define TAP_CMP_(fail_fn, a, op, b) do {					\
	long long _a = (long long)(a), _b = (long long)(b);			\
	if (!(_a op _b))							\
		fail_fn(__FILE__, __LINE__, "%s " #op " %s: %lld (0x%llx) vs %lld (0x%llx)", \
			#a, #b, _a, (unsigned long long)_a, _b,			\
			(unsigned long long)_b);				\
} while (0)

#define ASSERT_TRUE(c)		TAP_CHECK_(tap_fail_at, c, "ASSERT_TRUE(%s)", #c)
#define ASSERT_FALSE(c)		TAP_CHECK_(tap_fail_at, !(c), "ASSERT_FALSE(%s)", #c)
#define ASSERT_EQ(a, b)		TAP_CMP_(tap_fail_at, a, ==, b)
#define ASSERT_NE(a, b)		TAP_CMP_(tap_fail_at, a, !=, b)
#define ASSERT_GE(a, b)		TAP_CMP_(tap_fail_at, a, >=, b)
#define ASSERT_GT(a, b)		TAP_CMP_(tap_fail_at, a, >, b)
#define ASSERT_LE(a, b)		TAP_CMP_(tap_fail_at, a, <=, b)
#define ASSERT_LT(a, b)		TAP_CMP_(tap_fail_at, a, <, b)
#define ASSERT_STREQ(a, b) do {							\
	const char *_a = (a), *_b = (b);					\
	if (!_a || !_b || strcmp(_a, _b))					\
		tap_fail_at(__FILE__, __LINE__, "%s == %s: '%s' vs '%s'", #a, #b, \
			    _a ? _a : "(null)", _b ? _b : "(null)");		\
} while (0)

#define EXPECT_TRUE(c)		TAP_CHECK_(tap_expect_fail_at, c, "EXPECT_TRUE(%s)", #c)
#define EXPECT_FALSE(c)		TAP_CHECK_(tap_expect_fail_at, !(c), "EXPECT_FALSE(%s)", #c)
#define EXPECT_EQ(a, b)		TAP_CMP_(tap_expect_fail_at, a, ==, b)
#define EXPECT_NE(a, b)		TAP_CMP_(tap_expect_fail_at, a, !=, b)
#define EXPECT_GE(a, b)		TAP_CMP_(tap_expect_fail_at, a, >=, b)

/* A raw system call: must fail (-1) with errno @e. */
#define ASSERT_SYSERR(call, e) do {						\
	long _r = (long)(call);							\
	int _e = errno;								\
	if (_r != -1 || _e != (e))						\
		tap_fail_at(__FILE__, __LINE__, "%s: want -1/%s, got %ld/%s", #call, \
			    tap_errname(e), _r, _r == -1 ? tap_errname(_e) : "-"); \
} while (0)

/* A raw system call: must not fail. */
#define ASSERT_SYSOK(call) do {							\
	long _r = (long)(call);							\
	if (_r == -1)								\
		tap_fail_at(__FILE__, __LINE__, "%s: %s (%s)", #call,		\
			    tap_errname(errno), strerror(errno));		\
} while (0)

#endif /* DMABUF_P2P_TAP_H */
