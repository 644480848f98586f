// SPDX-License-Identifier: GPL-2.0
/*
 * Revoke triggers: everything that takes a BAR's MMIO away from a live
 * dma-buf (and gives it back), driven from userspace the way a VMM would:
 * config-space writes through vfio (COMMAND.MEM, PMCSR, PCIe and AF FLR),
 * VFIO_DEVICE_RESET, VFIO_DEVICE_PCI_HOT_RESET (hot_reset.c), closing the
 * device, and the exporter's debugfs revoke knob.
 */
#include <linux/pci_regs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

static const struct p2p_trigger_desc descs[] = {
	{ "mem", P2P_TRIG_MEM_OFF, P2P_TRIG_MEM_ON, false,
	  "clear, then set, COMMAND.MEM through the vfio config region" },
	{ "d3hot", P2P_TRIG_D3HOT, P2P_TRIG_D0, false,
	  "PMCSR to D3hot, then back to D0 (needs a PM capability)" },
	{ "flr", P2P_TRIG_FLR, P2P_TRIG_NONE, false,
	  "PCIe function level reset: DEVCTL.BCR_FLR (needs DEVCAP.FLR)" },
	{ "af-flr", P2P_TRIG_AF_FLR, P2P_TRIG_NONE, false,
	  "Advanced Features FLR: AF_CTRL.FLR (needs an AF capability)" },
	{ "reset", P2P_TRIG_RESET, P2P_TRIG_NONE, false,
	  "VFIO_DEVICE_RESET" },
	{ "hot-reset", P2P_TRIG_HOT_RESET, P2P_TRIG_NONE, false,
	  "VFIO_DEVICE_PCI_HOT_RESET (slot or bus reset)" },
	{ "knob", P2P_TRIG_KNOB_REVOKE, P2P_TRIG_KNOB_UNREVOKE, false,
	  "exporter debugfs <BDF>/revoke: 1, then 0" },
	{ "close", P2P_TRIG_CLOSE, P2P_TRIG_NONE, true,
	  "close the vfio device: buffers are revoked for good" },
};

static const char *const names[] = {
	[P2P_TRIG_NONE] = "none",
	[P2P_TRIG_MEM_OFF] = "mem-off",
	[P2P_TRIG_MEM_ON] = "mem-on",
	[P2P_TRIG_D3HOT] = "d3hot",
	[P2P_TRIG_D0] = "d0",
	[P2P_TRIG_FLR] = "flr",
	[P2P_TRIG_AF_FLR] = "af-flr",
	[P2P_TRIG_RESET] = "reset",
	[P2P_TRIG_HOT_RESET] = "hot-reset",
	[P2P_TRIG_KNOB_REVOKE] = "knob-revoke",
	[P2P_TRIG_KNOB_UNREVOKE] = "knob-unrevoke",
	[P2P_TRIG_CLOSE] = "close",
};

const struct p2p_trigger_desc *p2p_trigger_descs(size_t *n)
{
	*n = ARRAY_SIZE(descs);
	return descs;
}

const struct p2p_trigger_desc *p2p_trigger_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(descs); i++)
		if (!strcmp(descs[i].name, name))
			return &descs[i];
	p2p_seterr_msg(EINVAL, "unknown trigger '%s'", name);
	return NULL;
}

const char *p2p_trigger_name(enum p2p_trigger t)
{
	if ((unsigned int)t < ARRAY_SIZE(names) && names[t])
		return names[t];
	return "?";
}

int p2p_set_mem_enable(struct p2p_dev *dev, bool on)
{
	uint16_t cmd;
	int ret;

	ret = p2p_cfg_read16(dev, PCI_COMMAND, &cmd);
	if (ret)
		return ret;
	if (on)
		cmd |= PCI_COMMAND_MEMORY;
	else
		cmd &= ~PCI_COMMAND_MEMORY;
	return p2p_cfg_write16(dev, PCI_COMMAND, cmd);
}

/* @state: 0 (D0) .. 3 (D3hot), written to PMCSR and read back. */
int p2p_set_power_state(struct p2p_dev *dev, unsigned int state)
{
	uint16_t pmcsr;
	int pm, ret;

	if (state > 3)
		return p2p_seterr_msg(EINVAL, "bad power state D%u", state);
	pm = p2p_dev_find_cap(dev, PCI_CAP_ID_PM);
	if (pm < 0)
		return p2p_seterr_msg(EOPNOTSUPP, "%s has no PM capability", dev->bdf);
	ret = p2p_cfg_read16(dev, pm + PCI_PM_CTRL, &pmcsr);
	if (ret)
		return ret;
	/* PME_Status is write-one-to-clear: never write it back as 1. */
	pmcsr &= ~(PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_STATUS);
	pmcsr |= state;
	ret = p2p_cfg_write16(dev, pm + PCI_PM_CTRL, pmcsr);
	if (ret)
		return ret;
	ret = p2p_cfg_read16(dev, pm + PCI_PM_CTRL, &pmcsr);
	if (ret)
		return ret;
	if ((pmcsr & PCI_PM_CTRL_STATE_MASK) != state)
		return p2p_seterr_msg(EIO, "%s: PMCSR reads D%u after writing D%u",
				      dev->bdf, pmcsr & PCI_PM_CTRL_STATE_MASK, state);
	return 0;
}

static int flr_cap(struct p2p_dev *dev)
{
	uint32_t devcap;
	int exp, ret;

	exp = p2p_dev_find_cap(dev, PCI_CAP_ID_EXP);
	if (exp < 0)
		return p2p_seterr_msg(EOPNOTSUPP, "%s has no PCIe capability (no FLR)",
				      dev->bdf);
	ret = p2p_cfg_read32(dev, exp + PCI_EXP_DEVCAP, &devcap);
	if (ret)
		return ret;
	if (!(devcap & PCI_EXP_DEVCAP_FLR))
		return p2p_seterr_msg(EOPNOTSUPP, "%s: DEVCAP has no FLR", dev->bdf);
	return exp;
}

int p2p_pcie_flr(struct p2p_dev *dev)
{
	uint16_t ctl;
	int exp, ret;

	exp = flr_cap(dev);
	if (exp < 0)
		return exp;
	ret = p2p_cfg_read16(dev, exp + PCI_EXP_DEVCTL, &ctl);
	if (ret)
		return ret;
	return p2p_cfg_write16(dev, exp + PCI_EXP_DEVCTL, ctl | PCI_EXP_DEVCTL_BCR_FLR);
}

/*
 * What a test skipping @t for want of a device should add: where the
 * trigger is covered instead. No device QEMU emulates has AF FLR.
 */
const char *p2p_trigger_coverage_note(enum p2p_trigger t)
{
	if (t == P2P_TRIG_AF_FLR)
		return " (the exporter's handling of the AF FLR write is covered by KUnit dmabuf_p2p_exp_cfg)";
	return "";
}

static int af_cap(struct p2p_dev *dev)
{
	uint8_t cap;
	int af, ret;

	af = p2p_dev_find_cap(dev, PCI_CAP_ID_AF);
	if (af < 0)
		return p2p_seterr_msg(EOPNOTSUPP, "%s has no AF capability", dev->bdf);
	ret = p2p_cfg_read8(dev, af + PCI_AF_CAP, &cap);
	if (ret)
		return ret;
	if (!(cap & PCI_AF_CAP_FLR) || !(cap & PCI_AF_CAP_TP))
		return p2p_seterr_msg(EOPNOTSUPP, "%s: AF capability lacks FLR/TP",
				      dev->bdf);
	return af;
}

int p2p_af_flr(struct p2p_dev *dev)
{
	int af = af_cap(dev);

	if (af < 0)
		return af;
	return p2p_cfg_write8(dev, af + PCI_AF_CTRL, PCI_AF_CTRL_FLR);
}

int p2p_device_reset(struct p2p_dev *dev)
{
	if (!(dev->info.flags & VFIO_DEVICE_FLAGS_RESET))
		return p2p_seterr_msg(EOPNOTSUPP, "%s: vfio reports no reset method",
				      dev->bdf);
	if (ioctl(dev->device, VFIO_DEVICE_RESET) < 0)
		return p2p_seterr(errno, "%s: VFIO_DEVICE_RESET", dev->bdf);
	return 0;
}

/* 0 if @t can be fired at @dev; else -errno with the reason in the message. */
int p2p_trigger_supported(struct p2p_dev *dev, enum p2p_trigger t)
{
	char path[160];
	int ret;

	switch (t) {
	case P2P_TRIG_MEM_OFF:
	case P2P_TRIG_MEM_ON:
	case P2P_TRIG_CLOSE:
		return 0;
	case P2P_TRIG_D3HOT:
	case P2P_TRIG_D0:
		ret = p2p_dev_find_cap(dev, PCI_CAP_ID_PM);
		if (ret < 0)
			return p2p_seterr_msg(EOPNOTSUPP, "%s has no PM capability", dev->bdf);
		return 0;
	case P2P_TRIG_FLR:
		ret = flr_cap(dev);
		return ret < 0 ? ret : 0;
	case P2P_TRIG_AF_FLR:
		ret = af_cap(dev);
		return ret < 0 ? ret : 0;
	case P2P_TRIG_RESET:
		if (!(dev->info.flags & VFIO_DEVICE_FLAGS_RESET))
			return p2p_seterr_msg(EOPNOTSUPP, "%s: vfio reports no reset method",
					      dev->bdf);
		return 0;
	case P2P_TRIG_HOT_RESET:
		ret = p2p_hot_reset_count(dev);
		return ret < 0 ? ret : 0;
	case P2P_TRIG_KNOB_REVOKE:
	case P2P_TRIG_KNOB_UNREVOKE:
		p2p_exp_knob_path(dev->bdf, "revoke", path, sizeof(path));
		if (access(path, W_OK))
			return p2p_seterr(errno, "%s", path);
		return 0;
	default:
		return p2p_seterr_msg(EINVAL, "bad trigger %d", t);
	}
}

int p2p_trigger_fire(struct p2p_dev *dev, enum p2p_trigger t)
{
	switch (t) {
	case P2P_TRIG_NONE:
		return 0;
	case P2P_TRIG_MEM_OFF:
		return p2p_set_mem_enable(dev, false);
	case P2P_TRIG_MEM_ON:
		return p2p_set_mem_enable(dev, true);
	case P2P_TRIG_D3HOT:
		return p2p_set_power_state(dev, 3);
	case P2P_TRIG_D0:
		return p2p_set_power_state(dev, 0);
	case P2P_TRIG_FLR:
		return p2p_pcie_flr(dev);
	case P2P_TRIG_AF_FLR:
		return p2p_af_flr(dev);
	case P2P_TRIG_RESET:
		return p2p_device_reset(dev);
	case P2P_TRIG_HOT_RESET:
		return p2p_hot_reset(dev);
	case P2P_TRIG_KNOB_REVOKE:
		return p2p_knob_revoke(dev->bdf, true);
	case P2P_TRIG_KNOB_UNREVOKE:
		return p2p_knob_revoke(dev->bdf, false);
	case P2P_TRIG_CLOSE:
		p2p_dev_close(dev);
		return 0;
	}
	return p2p_seterr_msg(EINVAL, "bad trigger %d", t);
}
