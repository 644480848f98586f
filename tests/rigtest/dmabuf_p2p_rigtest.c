// SPDX-License-Identifier: GPL-2.0
/*
 * The rig's negative controls. The VM rig loads this module only in its
 * self-test boots, with one fault chosen by the "fault" parameter, and then
 * asserts that the detector meant for that fault reported the run as failed.
 * A rig that cannot fail proves nothing, so each way it is supposed to fail
 * is exercised here:
 *
 *   fault=kunit_fail  the KUnit case below fails
 *   fault=warn        a WARN_ON() fires at load time
 *   fault=hang        module init never returns, so the guest never finishes
 *                     (the host's boot timeout must catch it: msleep() keeps
 *                     the task's switch count moving, so the hung-task
 *                     detector stays quiet on purpose)
 *   fault=kasan       a read after kfree(): KASAN must report it
 *   fault=kmemleak    an allocation whose only pointer is dropped: kmemleak
 *   fault=hung_task   a task blocked uninterruptibly for good: the hung-task
 *                     detector (not the boot timeout) must report it
 *   fault=soft_lockup a CPU busy with preemption off: the soft-lockup watchdog
 *   fault=dma_api     a streaming mapping unmapped twice: DMA-API debugging
 *   fault=none        everything passes (the control for the controls)
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/test.h>

static char *fault = "none";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault,
		 "none | kunit_fail | warn | hang | kasan | kmemleak | hung_task | soft_lockup | dma_api");

static unsigned int lockup_s = 30;
module_param(lockup_s, uint, 0444);
MODULE_PARM_DESC(lockup_s, "soft_lockup: seconds to spin with preemption off (1-120)");

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

static void rigtest_use_after_free(void)
{
	u8 *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	/* The compiler must not see that the read below is of freed memory. */
	OPTIMIZER_HIDE_VAR(p);
	pr_info("rigtest: read after free: %u\n", READ_ONCE(p[8]));
}

static void rigtest_leak(void)
{
	int i;

	/*
	 * Sixteen objects whose pointers are dropped at once: a stale copy of
	 * the last one on some stack cannot hide them all from the scan.
	 */
	for (i = 0; i < 16; i++)
		pr_info("rigtest: leaked %p\n", kmalloc(256, GFP_KERNEL));
}

static void rigtest_block_forever(void)
{
	DECLARE_COMPLETION_ONSTACK(never);

	/* TASK_UNINTERRUPTIBLE with no wakeup: what the detector looks for. */
	wait_for_completion(&never);
}

static void rigtest_spin(void)
{
	unsigned long end = jiffies + clamp(lockup_s, 1U, 120U) * HZ;

	preempt_disable();
	while (time_before(jiffies, end))
		cpu_relax();
	preempt_enable();
}

static void rigtest_double_unmap(void)
{
	struct platform_device *pdev;
	dma_addr_t addr;
	void *buf;

	pdev = platform_device_register_simple("dmabuf_p2p_rigtest", -1, NULL, 0);
	if (IS_ERR(pdev))
		return;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (buf && !dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64))) {
		addr = dma_map_single(&pdev->dev, buf, PAGE_SIZE, DMA_TO_DEVICE);
		if (!dma_mapping_error(&pdev->dev, addr)) {
			dma_unmap_single(&pdev->dev, addr, PAGE_SIZE, DMA_TO_DEVICE);
			dma_unmap_single(&pdev->dev, addr, PAGE_SIZE, DMA_TO_DEVICE);
		}
	}
	kfree(buf);
	platform_device_unregister(pdev);
}

/* KUnit runs the suite once this init has returned (module goes live). */
static int __init rigtest_init(void)
{
	if (!strcmp(fault, "warn"))
		WARN_ON(1);
	else if (!strcmp(fault, "kasan"))
		rigtest_use_after_free();
	else if (!strcmp(fault, "kmemleak"))
		rigtest_leak();
	else if (!strcmp(fault, "hung_task"))
		rigtest_block_forever();
	else if (!strcmp(fault, "soft_lockup"))
		rigtest_spin();
	else if (!strcmp(fault, "dma_api"))
		rigtest_double_unmap();
	else if (!strcmp(fault, "hang"))
		for (;;)
			msleep(1000);
	return 0;
}

static void __exit rigtest_exit(void)
{
}

module_init(rigtest_init);
module_exit(rigtest_exit);
MODULE_DESCRIPTION("dmabuf-p2p test rig fault injection");
MODULE_LICENSE("GPL");
