// SPDX-License-Identifier: GPL-2.0
/*
 * Which way an importer's DMA reaches the exporter's MMIO, and so which
 * address it must be given.
 *
 * Two PCI functions below one bridge, with no ACS redirect on the way up
 * to it or down from it, reach each other without the root complex: the
 * bridge routes the request by bus address and no IOMMU ever sees it, so
 * the importer must be handed the PCI bus address of the BAR. Any other
 * pair talks through the host bridge, which the IOMMU translates: that
 * path needs the DMA API (map.c), and the kernel's P2P machinery
 * (pci_p2pdma_distance) to say whether the host bridge forwards peer
 * traffic at all. A device that is not PCI cannot be placed on either
 * path, and is refused, as upstream vfio-pci refuses it.
 *
 * The walk mirrors the rule of drivers/pci/p2pdma.c, which 6.12 does not
 * export for MMIO that has no struct pages: the lowest device both sit
 * below, then ACS redirect on any port from either device up to it.
 */
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>

#include "p2p_exp.h"

static bool p2p_exp_acs_redirects(struct pci_dev *pdev)
{
	u16 ctrl;

	if (!pdev->acs_cap)
		return false;
	pci_read_config_word(pdev, pdev->acs_cap + PCI_ACS_CTRL, &ctrl);
	return ctrl & (PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC);
}

/* The lowest device both are below (or are); NULL for the host bridge. */
static struct pci_dev *p2p_exp_common_upstream(struct pci_dev *a,
					       struct pci_dev *b)
{
	struct pci_dev *x, *y;

	for (x = a; x; x = pci_upstream_bridge(x))
		for (y = b; y; y = pci_upstream_bridge(y))
			if (x == y)
				return x;
	return NULL;
}

static bool p2p_exp_redirects_below(struct pci_dev *from, struct pci_dev *top)
{
	for (; from != top; from = pci_upstream_bridge(from))
		if (p2p_exp_acs_redirects(from))
			return true;
	return false;
}

static enum p2p_exp_path p2p_exp_pci_path(struct pci_dev *exp,
					  struct pci_dev *imp)
{
	struct pci_dev *top = p2p_exp_common_upstream(exp, imp);

	if (!top || p2p_exp_acs_redirects(top) ||
	    p2p_exp_redirects_below(exp, top) ||
	    p2p_exp_redirects_below(imp, top))
		return P2P_EXP_PATH_HOST;
	return P2P_EXP_PATH_BUS;
}

/*
 * Only the KUnit suites export from a device that is not PCI: there is no
 * topology to judge, and the DMA API is all a fake needs.
 */
enum p2p_exp_path p2p_exp_path_of(struct device *exp, struct device *imp)
{
	if (!dev_is_pci(exp))
		return P2P_EXP_PATH_HOST;
	if (!dev_is_pci(imp))
		return READ_ONCE(p2p_exp_knobs.allow_non_pci) ?
			P2P_EXP_PATH_HOST : P2P_EXP_PATH_NONE;
	return p2p_exp_pci_path(to_pci_dev(exp), to_pci_dev(imp));
}

/*
 * At attach: whether @imp may reach @exp at all. The host bridge path
 * needs the kernel's word that it forwards peer traffic; without
 * CONFIG_PCI_P2PDMA nobody can give it, and the importer is refused
 * unless skip_p2p_distance says to trust the platform. Importers that are
 * not PCI attach and are refused at map, where upstream refuses them.
 */
int p2p_exp_path_check(struct device *exp, struct device *imp,
		       unsigned long ino)
{
	int dist;

	if (!dev_is_pci(exp) || !dev_is_pci(imp) ||
	    p2p_exp_path_of(exp, imp) == P2P_EXP_PATH_BUS ||
	    READ_ONCE(p2p_exp_knobs.skip_p2p_distance))
		return 0;

	dist = pci_p2pdma_distance_many(to_pci_dev(exp), &imp, 1, false);
	if (dist >= 0)
		return 0;
	dev_notice_ratelimited(imp, "ino %lu: no P2P path to %s through the host bridge%s\n",
			       ino, dev_name(exp),
			       IS_ENABLED(CONFIG_PCI_P2PDMA) ? "" :
			       " (kernel without CONFIG_PCI_P2PDMA)");
	return -EOPNOTSUPP;
}

/* The address @imp must use for @phys on the bus-address path. */
dma_addr_t p2p_exp_bus_addr(struct device *exp, phys_addr_t phys, u64 len)
{
	struct resource res = DEFINE_RES_MEM(phys, len);
	struct pci_bus_region region;

	pcibios_resource_to_bus(to_pci_dev(exp)->bus, &region, &res);
	return region.start;
}
