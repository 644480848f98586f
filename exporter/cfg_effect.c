// SPDX-License-Identifier: GPL-2.0
/*
 * Which config-space writes may take the MMIO away. Decided from where a
 * write lands, never from what it writes: vfio core copies the user's bytes
 * itself, after we have looked, so a racing thread could turn a value we
 * judged harmless into MEMORY off or an FLR while the buffers stay valid.
 * Kept apart from the vfio glue so KUnit can check every register,
 * including AF FLR, which no device QEMU emulates has.
 */
#include <linux/pci_regs.h>
#include <kunit/visibility.h>

#include "p2p_exp.h"

static bool p2p_exp_cfg_covers(u64 pos, size_t count, unsigned int reg)
{
	return reg >= pos && reg - pos < count;
}

/*
 * Each register is watched at the one byte whose bits can stop the decode:
 * MEMORY in COMMAND's low byte, PowerState in PMCSR's low byte, BCR_FLR in
 * DEVCTL's high byte, FLR in AF_CTRL. A capability the device lacks has no
 * such byte; its offset is just another register there.
 */
bool p2p_exp_cfg_may_remove(const struct p2p_exp_cfg_caps *caps, u64 pos,
			    size_t count)
{
	if (p2p_exp_cfg_covers(pos, count, PCI_COMMAND))
		return true;
	if (caps->pm &&
	    p2p_exp_cfg_covers(pos, count, caps->pm + PCI_PM_CTRL))
		return true;
	if (caps->pcie &&
	    p2p_exp_cfg_covers(pos, count, caps->pcie + PCI_EXP_DEVCTL + 1))
		return true;
	return caps->af &&
	       p2p_exp_cfg_covers(pos, count, caps->af + PCI_AF_CTRL);
}
EXPORT_SYMBOL_IF_KUNIT(p2p_exp_cfg_may_remove);
