// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p: a developer's tool for the vfio-pci dma-buf exporter.
 * Exit status: 0 pass, 1 fail, 4 skip (no device, or the device lacks what
 * the command needs).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int main(int argc, char **argv)
{
	struct cli_opts *o;
	char err[256], bdf[P2P_BDF_LEN];
	const char *dev;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	o = calloc(1, sizeof(*o));
	if (!o)
		return CLI_FAIL;
	if (cli_parse(argc, argv, o, err, sizeof(err))) {
		cli_err("%s", err);
		cli_usage(stderr, o->cmd);
		free(o);
		return CLI_FAIL;
	}
	if (o->help) {
		cli_usage(stdout, o->cmd);
		free(o);
		return CLI_PASS;
	}
	dev = o->device ? o->device : getenv("DMABUF_P2P_DEVICE");
	if (!dev || !*dev) {
		printf("SKIP: no device: give --device BDF or set DMABUF_P2P_DEVICE\n");
		free(o);
		return CLI_SKIP;
	}
	if (p2p_bdf_normalize(dev, bdf)) {
		cli_err("%s", p2p_last_error());
		free(o);
		return CLI_FAIL;
	}
	if (!p2p_pci_exists(bdf)) {
		printf("SKIP: no PCI device %s\n", bdf);
		free(o);
		return CLI_SKIP;
	}
	switch (o->cmd) {
	case CMD_INFO:
		ret = cmd_info(o, bdf);
		break;
	case CMD_CREATE:
		ret = cmd_create(o, bdf);
		break;
	case CMD_REVOKE:
		ret = cmd_revoke(o, bdf);
		break;
	default:
		ret = CLI_FAIL;
	}
	free(o);
	return ret;
}
