// SPDX-License-Identifier: GPL-2.0
/*
 * Which config-space writes can take the MMIO away, decided from the bytes
 * being written before vfio core applies them. Kept apart from the vfio
 * glue so KUnit can check every register, including AF FLR, which no
 * device QEMU emulates has.
 */
#include <linux/pci_regs.h>
#include <kunit/visibility.h>

#include "p2p_exp.h"

/*
 * One watched byte at config offset @reg: does the write cover it, and
 * does its new value (@mask bits set, or clear) remove the MMIO? A byte we
 * cannot read counts as removing: revoking early is the safe mistake.
 */
static void p2p_exp_cfg_watch(enum p2p_exp_cfg_effect *effect,
			      const struct p2p_exp_cfg_write *w,
			      unsigned int reg, u8 mask, bool removes_if_set)
{
	u8 val;

	if (reg < w->pos || reg - w->pos >= w->count)
		return;
	if (w->get(w->src, reg - w->pos, &val) ||
	    !!(val & mask) == removes_if_set)
		*effect = P2P_CFG_REMOVES;
	else if (*effect == P2P_CFG_NONE)
		*effect = P2P_CFG_WATCH;
}

enum p2p_exp_cfg_effect p2p_exp_cfg_effect(const struct p2p_exp_cfg_caps *caps,
					   const struct p2p_exp_cfg_write *w)
{
	enum p2p_exp_cfg_effect effect = P2P_CFG_NONE;

	p2p_exp_cfg_watch(&effect, w, PCI_COMMAND, PCI_COMMAND_MEMORY, false);
	if (caps->pm)
		p2p_exp_cfg_watch(&effect, w, caps->pm + PCI_PM_CTRL,
				  PCI_PM_CTRL_STATE_MASK, true);
	if (caps->pcie)
		p2p_exp_cfg_watch(&effect, w, caps->pcie + PCI_EXP_DEVCTL + 1,
				  PCI_EXP_DEVCTL_BCR_FLR >> 8, true);
	if (caps->af)
		p2p_exp_cfg_watch(&effect, w, caps->af + PCI_AF_CTRL,
				  PCI_AF_CTRL_FLR, true);
	return effect;
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_cfg_effect);
