// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "dmabuf_p2p_exp_cfg": which config-space writes the exporter
 * treats as taking the MMIO away. This is the only coverage of AF FLR: no
 * device QEMU emulates has an Advanced Features capability.
 */
#include <linux/pci_regs.h>
#include <kunit/test.h>

#include "p2p_exp.h"

/* A made-up layout: PM at 0x40, PCIe at 0x60, AF at 0x90. */
static const struct p2p_exp_cfg_caps caps_all = {
	.pm = 0x40, .pcie = 0x60, .af = 0x90,
};

struct cfg_bytes {
	const u8 *data;
	size_t fault_at;	/* reading this index fails; SIZE_MAX: none */
};

static int cfg_get(const void *src, size_t idx, u8 *val)
{
	const struct cfg_bytes *b = src;

	if (idx == b->fault_at)
		return -EFAULT;
	*val = b->data[idx];
	return 0;
}

static enum p2p_exp_cfg_effect effect_of(const struct p2p_exp_cfg_caps *caps,
					 u64 pos, const u8 *data, size_t count,
					 size_t fault_at)
{
	struct cfg_bytes b = { .data = data, .fault_at = fault_at };
	struct p2p_exp_cfg_write w = {
		.pos = pos, .count = count, .get = cfg_get, .src = &b,
	};

	return p2p_exp_cfg_effect(caps, &w);
}

#define EFFECT(caps, pos, ...) ({					\
	static const u8 d_[] = { __VA_ARGS__ };				\
	effect_of(caps, pos, d_, sizeof(d_), SIZE_MAX);			\
})

static void cfg_test_command(struct kunit *test)
{
	/* COMMAND is at 0x04; MEMORY is bit 1 of its low byte. */
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, PCI_COMMAND, 0x04, 0x00),
			P2P_CFG_REMOVES);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, PCI_COMMAND, 0x06, 0x00),
			P2P_CFG_WATCH);
	/* A write from offset 0 covers COMMAND once it reaches byte 4. */
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, 0, 0xf4, 0x1a, 0x10, 0x11,
				     0x00, 0x00), P2P_CFG_REMOVES);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, 0, 0xf4, 0x1a, 0x10, 0x11,
				     0x02, 0x00), P2P_CFG_WATCH);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, 0, 0xf4, 0x1a, 0x10, 0x11),
			P2P_CFG_NONE);
	/* The high byte of COMMAND alone cannot touch MEMORY. */
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, PCI_COMMAND + 1, 0x00),
			P2P_CFG_NONE);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, PCI_STATUS, 0xff, 0xff),
			P2P_CFG_NONE);
}

/* PMCSR PowerState field values (pci_power_t is a sparse bitwise type). */
#define PMCSR_D0	0x00
#define PMCSR_D1	0x01
#define PMCSR_D3HOT	0x03

static void cfg_test_pmcsr(struct kunit *test)
{
	u64 pmcsr = caps_all.pm + PCI_PM_CTRL;

	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, pmcsr, PMCSR_D3HOT, 0x00),
			P2P_CFG_REMOVES);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, pmcsr, PMCSR_D1),
			P2P_CFG_REMOVES);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, pmcsr, PMCSR_D0, 0x00),
			P2P_CFG_WATCH);
	/* No PM capability: the same offset is just another register. */
	KUNIT_EXPECT_EQ(test, EFFECT(&(struct p2p_exp_cfg_caps){}, pmcsr,
				     PMCSR_D3HOT), P2P_CFG_NONE);
}

static void cfg_test_pcie_flr(struct kunit *test)
{
	u64 devctl = caps_all.pcie + PCI_EXP_DEVCTL;

	/* BCR_FLR is bit 15: the high byte of DEVCTL. */
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, devctl, 0x10, 0x80),
			P2P_CFG_REMOVES);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, devctl + 1, 0x80),
			P2P_CFG_REMOVES);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, devctl, 0x10, 0x20),
			P2P_CFG_WATCH);
	/* The low byte alone never starts an FLR. */
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, devctl, 0xff), P2P_CFG_NONE);
}

static void cfg_test_af_flr(struct kunit *test)
{
	struct p2p_exp_cfg_caps no_af = caps_all;
	u64 ctrl = caps_all.af + PCI_AF_CTRL;

	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, ctrl, PCI_AF_CTRL_FLR),
			P2P_CFG_REMOVES);
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, ctrl, 0x00), P2P_CFG_WATCH);
	/* AF_CTRL is the byte after AF_CAP: a word write from AF_CAP. */
	KUNIT_EXPECT_EQ(test, EFFECT(&caps_all, caps_all.af + PCI_AF_CAP, 0x03,
				     PCI_AF_CTRL_FLR), P2P_CFG_REMOVES);
	no_af.af = 0;
	KUNIT_EXPECT_EQ(test, EFFECT(&no_af, ctrl, PCI_AF_CTRL_FLR),
			P2P_CFG_NONE);
}

static void cfg_test_strongest_wins(struct kunit *test)
{
	/* A layout squeezed so that one write covers two watched bytes. */
	static const struct p2p_exp_cfg_caps tight = { .af = 0x06 };
	static const u8 d[] = { 0x06, 0x00 };

	/* Turning MEMORY on while another byte starts an FLR revokes. */
	KUNIT_EXPECT_EQ(test, EFFECT(&tight, PCI_COMMAND, 0x06, 0x00, 0x00,
				     0x00, 0x00, 0x00, PCI_AF_CTRL_FLR),
			P2P_CFG_REMOVES);
	KUNIT_EXPECT_EQ(test, EFFECT(&tight, PCI_COMMAND, 0x06, 0x00, 0x00,
				     0x00, 0x00, 0x00, 0x00),
			P2P_CFG_WATCH);
	/* An unreadable user byte counts as the worst case. */
	KUNIT_EXPECT_EQ(test, effect_of(&caps_all, PCI_COMMAND, d, sizeof(d), 0),
			P2P_CFG_REMOVES);
	/* ... but only if it is a byte we watch. */
	KUNIT_EXPECT_EQ(test, effect_of(&caps_all, PCI_COMMAND, d, sizeof(d), 1),
			P2P_CFG_WATCH);
}

static struct kunit_case cfg_cases[] = {
	KUNIT_CASE(cfg_test_command),
	KUNIT_CASE(cfg_test_pmcsr),
	KUNIT_CASE(cfg_test_pcie_flr),
	KUNIT_CASE(cfg_test_af_flr),
	KUNIT_CASE(cfg_test_strongest_wins),
	{}
};

static struct kunit_suite cfg_suite = {
	.name = "dmabuf_p2p_exp_cfg",
	.test_cases = cfg_cases,
};

kunit_test_suite(cfg_suite);
