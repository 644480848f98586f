// SPDX-License-Identifier: GPL-2.0
/*
 * PCI config space through the vfio config region (what the variant
 * driver's .read/.write see), and capability list walks over a config
 * snapshot (pure, unit-tested).
 */
#include <linux/pci_regs.h>
#include <string.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

int p2p_cfg_read(struct p2p_dev *dev, unsigned int off, void *buf, size_t len)
{
	ssize_t n;

	if (off > dev->cfg_size || len > dev->cfg_size - off)
		return p2p_seterr_msg(EINVAL, "%s: config read past 0x%llx", dev->bdf,
				      (unsigned long long)dev->cfg_size);
	n = pread(dev->device, buf, len, dev->cfg_offset + off);
	if (n < 0)
		return p2p_seterr(errno, "%s: config read at 0x%x", dev->bdf, off);
	if ((size_t)n != len)
		return p2p_seterr_msg(EIO, "%s: short config read at 0x%x", dev->bdf, off);
	return 0;
}

int p2p_cfg_write(struct p2p_dev *dev, unsigned int off, const void *buf, size_t len)
{
	ssize_t n;

	if (off > dev->cfg_size || len > dev->cfg_size - off)
		return p2p_seterr_msg(EINVAL, "%s: config write past 0x%llx", dev->bdf,
				      (unsigned long long)dev->cfg_size);
	n = pwrite(dev->device, buf, len, dev->cfg_offset + off);
	if (n < 0)
		return p2p_seterr(errno, "%s: config write at 0x%x", dev->bdf, off);
	if ((size_t)n != len)
		return p2p_seterr_msg(EIO, "%s: short config write at 0x%x", dev->bdf, off);
	return 0;
}

/* PCI config space is little-endian; so is every machine we run on. */
int p2p_cfg_read8(struct p2p_dev *dev, unsigned int off, uint8_t *v)
{
	return p2p_cfg_read(dev, off, v, 1);
}

int p2p_cfg_read16(struct p2p_dev *dev, unsigned int off, uint16_t *v)
{
	return p2p_cfg_read(dev, off, v, 2);
}

int p2p_cfg_read32(struct p2p_dev *dev, unsigned int off, uint32_t *v)
{
	return p2p_cfg_read(dev, off, v, 4);
}

int p2p_cfg_write8(struct p2p_dev *dev, unsigned int off, uint8_t v)
{
	return p2p_cfg_write(dev, off, &v, 1);
}

int p2p_cfg_write16(struct p2p_dev *dev, unsigned int off, uint16_t v)
{
	return p2p_cfg_write(dev, off, &v, 2);
}

/* Offset of standard capability @id in the snapshot @cfg, or -ENOENT. */
int p2p_cap_find(const uint8_t *cfg, size_t len, uint8_t id)
{
	unsigned int ptr, ttl = 48;
	uint16_t status;

	if (len < PCI_STD_HEADER_SIZEOF)
		return p2p_seterr_msg(EINVAL, "config snapshot too short");
	status = cfg[PCI_STATUS] | cfg[PCI_STATUS + 1] << 8;
	if (!(status & PCI_STATUS_CAP_LIST))
		return p2p_seterr_msg(ENOENT, "no capability list");
	ptr = cfg[PCI_CAPABILITY_LIST] & ~3u;
	while (ttl-- && ptr >= PCI_STD_HEADER_SIZEOF && ptr + 1 < len) {
		if (cfg[ptr + PCI_CAP_LIST_ID] == id)
			return ptr;
		ptr = cfg[ptr + PCI_CAP_LIST_NEXT] & ~3u;
	}
	return p2p_seterr_msg(ENOENT, "no capability 0x%02x", id);
}

/* Offset of extended capability @id (needs the 4 KiB snapshot), or -ENOENT. */
int p2p_ext_cap_find(const uint8_t *cfg, size_t len, uint16_t id)
{
	unsigned int pos = PCI_CFG_SPACE_SIZE, ttl = (4096 - 256) / 8;
	uint32_t hdr;

	while (ttl-- && pos >= PCI_CFG_SPACE_SIZE && pos + 4 <= len) {
		memcpy(&hdr, cfg + pos, 4);
		if (!hdr || hdr == 0xffffffff)
			break;
		if (PCI_EXT_CAP_ID(hdr) == id)
			return pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return p2p_seterr_msg(ENOENT, "no extended capability 0x%04x", id);
}

int p2p_dev_find_cap(struct p2p_dev *dev, uint8_t id)
{
	uint8_t cfg[PCI_CFG_SPACE_SIZE];
	int ret;

	ret = p2p_cfg_read(dev, 0, cfg, sizeof(cfg));
	if (ret)
		return ret;
	return p2p_cap_find(cfg, sizeof(cfg), id);
}
