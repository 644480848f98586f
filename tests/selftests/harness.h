/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness, as our test programs use it: kselftest_harness.h
 * from the kernel tree the Makefile is given (KSFT_DIR), and our checks.
 * Include it from one source file of a program only: the 6.12 harness
 * header defines functions and variables of its own.
 *
 * A program's tests are TEST_F()s of a fixture of its own. Its setup calls
 * t_setup() first, which records the test's _metadata for the helpers (see
 * check.h), and then t_rest_before(): the knobs the tests turn back to rest
 * if the last teardown did not finish (the harness SIGKILLs a test that
 * overruns its timeout together with its teardown). Its
 * FIXTURE_TEARDOWN_PARENT() (run by the test's parent process, whatever
 * became of the test) calls t_rest_after(): leftovers killed, knobs back.
 */
#ifndef DMABUF_P2P_SELFTEST_HARNESS_H
#define DMABUF_P2P_SELFTEST_HARNESS_H

#include "kselftest_harness.h"
#include "check.h"

/*
 * Our tests' default timeout, in seconds: TEST_F() reads it where it is
 * used. Longer ones are TEST_F_TIMEOUT()s.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	20

static inline void t_setup(struct __test_metadata *m)
{
	t_begin(m, m->results->reason, sizeof(m->results->reason));
}

/*
 * The fixture of a program whose tests all need DMABUF_P2P_DEVICE: they
 * skip without it; @rest puts what they turn back to rest, before and after.
 */
#define T_DEVICE_FIXTURE(rest)							\
FIXTURE(dmabuf_p2p) {};								\
FIXTURE_SETUP(dmabuf_p2p)							\
{										\
	t_setup(_metadata);							\
	if (!t_device())							\
		SKIP(return, "DMABUF_P2P_DEVICE not set (or not a PCI address)");	\
	t_rest_before(rest);							\
}										\
FIXTURE_TEARDOWN_PARENT(dmabuf_p2p)						\
{										\
	t_rest_after(rest);							\
}

#endif /* DMABUF_P2P_SELFTEST_HARNESS_H */
