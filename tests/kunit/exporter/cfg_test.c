// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmabuf_p2p_exp_cfg": which config-space writes the exporter
 * treats as possibly taking the MMIO away. This is the only coverage of AF
 * FLR: no device QEMU emulates has an Advanced Features capability.
 *
 * The answer depends on the offset and length alone. The values written
 * are not even an argument: vfio core copies them after we decide, so any
 * value the exporter looked at could be changed by another thread.
 */
#include <linux/pci_regs.h>
#include <kunit/test.h>

#include "p2p_exp.h"

/* A made-up layout: PM at 0x40, PCIe at 0x60, AF at 0x90. */
static const struct p2p_exp_cfg_caps caps_all = {
	.pm = 0x40, .pcie = 0x60, .af = 0x90,
};

static const struct p2p_exp_cfg_caps caps_none;

#define MAY(caps, pos, count)	p2p_exp_cfg_may_remove(caps, pos, count)

static void cfg_test_command(struct kunit *test)
{
	/*
	 * COMMAND is at 0x04, MEMORY in its low byte. A write that sets
	 * MEMORY counts too: the same offset could carry MEMORY clear.
	 */
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, PCI_COMMAND, 1));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, PCI_COMMAND, 2));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_none, PCI_COMMAND, 2));
	/* A dword from offset 0 ends just before COMMAND ... */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, 0, 4));
	/* ... one more byte reaches it, from either side. */
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, 0, 5));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, PCI_DEVICE_ID, 3));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, PCI_DEVICE_ID, 2));
	/* The high byte of COMMAND and STATUS cannot touch MEMORY. */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, PCI_COMMAND + 1, 1));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, PCI_COMMAND + 1, 3));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, PCI_STATUS, 2));
	/* An empty write touches nothing. */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, PCI_COMMAND, 0));
}

static void cfg_test_pmcsr(struct kunit *test)
{
	u64 pmcsr = caps_all.pm + PCI_PM_CTRL;

	/* PowerState is in the low byte of PMCSR. */
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, pmcsr, 1));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, pmcsr, 2));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, caps_all.pm, 8));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, caps_all.pm + PCI_PM_PMC, 3));
	/* Just outside: PMC below, PMCSR's high byte above. */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, caps_all.pm, 4));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, caps_all.pm + PCI_PM_PMC, 2));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, pmcsr + 1, 1));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, pmcsr + 1, 3));
	/* No PM capability: the same offset is just another register. */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_none, pmcsr, 2));
}

static void cfg_test_pcie_flr(struct kunit *test)
{
	u64 devctl = caps_all.pcie + PCI_EXP_DEVCTL;

	/* BCR_FLR is bit 15: the high byte of DEVCTL. */
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, devctl, 2));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, devctl + 1, 1));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, caps_all.pcie + PCI_EXP_DEVCAP,
				    6));
	/* The low byte alone never starts an FLR; nor does DEVSTA. */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, devctl, 1));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, caps_all.pcie + PCI_EXP_DEVCAP,
				     5));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, caps_all.pcie + PCI_EXP_DEVSTA,
				     2));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_none, devctl, 2));
}

static void cfg_test_af_flr(struct kunit *test)
{
	struct p2p_exp_cfg_caps no_af = caps_all;
	u64 ctrl = caps_all.af + PCI_AF_CTRL;

	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, ctrl, 1));
	/* AF_CTRL is the byte after AF_CAP: a word write from AF_CAP. */
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, caps_all.af + PCI_AF_CAP, 2));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, caps_all.af, 8));
	/* Just outside: AF_CAP below, AF_STATUS above. */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, caps_all.af + PCI_AF_CAP, 1));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, caps_all.af, 4));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, caps_all.af + PCI_AF_STATUS,
				     1));
	no_af.af = 0;
	KUNIT_EXPECT_FALSE(test, MAY(&no_af, ctrl, 1));
	KUNIT_EXPECT_FALSE(test, MAY(&no_af, caps_all.af, 8));
}

static void cfg_test_long_writes(struct kunit *test)
{
	/* One write over several registers: any watched byte is enough. */
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, 0, 256));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, PCI_STATUS, SIZE_MAX));
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, caps_all.pm + PCI_PM_CTRL + 1,
				    caps_all.af + PCI_AF_CTRL + 1 -
				    (caps_all.pm + PCI_PM_CTRL + 1)));
	/* From STATUS up to PMCSR's low byte, and one byte short of it. */
	KUNIT_EXPECT_TRUE(test, MAY(&caps_all, PCI_STATUS,
				    caps_all.pm + PCI_PM_CTRL + 1 - PCI_STATUS));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, PCI_STATUS,
				     caps_all.pm + PCI_PM_CTRL - PCI_STATUS));
	/* Only the bytes after the last watched one, however long. */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, caps_all.af + PCI_AF_STATUS,
				     SIZE_MAX));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, PCI_CFG_SPACE_SIZE, 4));
	KUNIT_EXPECT_FALSE(test, MAY(&caps_all, U64_MAX, SIZE_MAX));
	/* Without any capability only COMMAND is left. */
	KUNIT_EXPECT_FALSE(test, MAY(&caps_none, PCI_STATUS, SIZE_MAX));
}

static struct kunit_case cfg_cases[] = {
	KUNIT_CASE(cfg_test_command),
	KUNIT_CASE(cfg_test_pmcsr),
	KUNIT_CASE(cfg_test_pcie_flr),
	KUNIT_CASE(cfg_test_af_flr),
	KUNIT_CASE(cfg_test_long_writes),
	{}
};

static struct kunit_suite cfg_suite = {
	.name = "dmabuf_p2p_exp_cfg",
	.test_cases = cfg_cases,
};

kunit_test_suite(cfg_suite);
