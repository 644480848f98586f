// SPDX-License-Identifier: GPL-2.0
/*
 * The rig's negative controls. The VM rig loads this module only in its
 * self-test boots, with one fault chosen by the "fault" parameter, and then
 * asserts that it reported the run as failed. A rig that cannot fail proves
 * nothing, so each way it is supposed to fail is exercised here:
 *
 *   fault=kunit_fail  the KUnit case below fails
 *   fault=warn        a WARN_ON() fires at load time
 *   fault=hang        module init never returns, so the guest never finishes
 *   fault=none        everything passes (the control for the controls)
 */
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/string.h>
#include <kunit/test.h>

static char *fault = "none";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "none | kunit_fail | warn | hang");

static void rigtest_case(struct kunit *test)
{
	KUNIT_EXPECT_STRNEQ_MSG(test, fault, "kunit_fail", "injected KUnit failure");
}

static struct kunit_case rigtest_cases[] = {
	KUNIT_CASE(rigtest_case),
	{}
};

static struct kunit_suite rigtest_suite = {
	.name = "dmabuf_p2p_rigtest",
	.test_cases = rigtest_cases,
};

kunit_test_suite(rigtest_suite);

/* KUnit runs the suite once this init has returned (module goes live). */
static int __init rigtest_init(void)
{
	if (!strcmp(fault, "warn"))
		WARN_ON(1);
	if (!strcmp(fault, "hang")) {
		/*
		 * Sleep, not spin: the point is a guest that never reports
		 * done, which the host's boot timeout has to catch.
		 */
		for (;;)
			msleep(1000);
	}
	return 0;
}

static void __exit rigtest_exit(void)
{
}

module_init(rigtest_init);
module_exit(rigtest_exit);
MODULE_DESCRIPTION("dmabuf-p2p test rig fault injection");
MODULE_LICENSE("GPL");
