// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_p2p_exp_test: KUnit suites for the exporter's dma-buf core. Needs
 * dmabuf_p2p_exp.ko loaded first (insmod does not resolve dependencies).
 */
#include <linux/module.h>

#include "dmabuf_p2p_compat.h"

P2P_IMPORT_NS(DMA_BUF);
P2P_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the dmabuf_p2p_exp dma-buf core");
