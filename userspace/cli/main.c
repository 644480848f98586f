// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p: a developer's tool for the vfio-pci dma-buf exporter.
 * Exit status: 0 pass, 1 fail, 4 skip (no device, or the device lacks what
 * the command needs).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

#ifndef P2P_VERSION
#define P2P_VERSION "unknown"
#endif

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
		cli_fail(o, "%s", err);
		cli_usage(stderr, o->cmd);
		free(o);
		return CLI_FAIL;
	}
	if (o->version) {
		printf("dmabuf-p2p %s\n", P2P_VERSION);
		free(o);
		return CLI_PASS;
	}
	if (o->help || o->list) {
		if (o->help)
			cli_usage(stdout, o->cmd);
		if (o->cmd == CMD_SCENARIO) {
			printf("%sscenarios:\n", o->help ? "\n" : "");
			scenario_list(stdout);
		}
		free(o);
		return CLI_PASS;
	}
	dev = o->device ? o->device : getenv("DMABUF_P2P_DEVICE");
	if (!dev || !*dev) {
		ret = cli_skip(o, "no device: give --device BDF or set DMABUF_P2P_DEVICE");
		free(o);
		return ret;
	}
	if (p2p_bdf_normalize(dev, bdf)) {
		ret = cli_fail(o, "%s", p2p_last_error());
		free(o);
		return ret;
	}
	if (!p2p_pci_exists(bdf)) {
		ret = cli_skip(o, "no PCI device %s", bdf);
		free(o);
		return ret;
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
	case CMD_SCENARIO:
		ret = cmd_scenario(o, bdf);
		break;
	case CMD_STRESS:
		ret = cmd_stress(o, bdf);
		break;
	case CMD_FUZZ:
		ret = cmd_fuzz(o, bdf);
		break;
	case CMD_CONFORM:
		ret = cmd_conform(o, bdf);
		break;
	case CMD_BENCH:
		ret = cmd_bench(o, bdf);
		break;
	default:
		ret = CLI_FAIL;
	}
	free(o);
	return ret;
}
