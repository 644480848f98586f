/* SPDX-License-Identifier: GPL-2.0 */
/* The dmabuf-p2p command line tool: options and subcommands. */
#ifndef DMABUF_P2P_CLI_H
#define DMABUF_P2P_CLI_H

#include "dmabuf_p2p.h"

/* Exit codes, kselftest style. */
#define CLI_PASS	0
#define CLI_FAIL	1
#define CLI_SKIP	4

#define CLI_MAX_RANGES	256

enum cli_cmd {
	CMD_NONE = 0,
	CMD_INFO = 1 << 0,
	CMD_CREATE = 1 << 1,
	CMD_REVOKE = 1 << 2,
};

struct cli_opts {
	enum cli_cmd cmd;
	bool help;
	const char *device;
	bool bar_set;
	unsigned int bar;
	bool region_set;
	unsigned int region;
	unsigned int nr_ranges;
	struct p2p_range ranges[CLI_MAX_RANGES];
	const char *trigger;
	bool mr;
	unsigned int hold_s;
	bool no_importer;
};

/* opts.c: no side effects, unit-tested on the host */
int cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen);
const char *cli_cmd_name(enum cli_cmd cmd);
void cli_usage(FILE *f, enum cli_cmd cmd);

/* common.c */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_open(const char *bdf, struct p2p_dev *dev);
int cli_pick_bar(struct p2p_dev *dev, const struct cli_opts *o, unsigned int *bar,
		 uint64_t *size);
void cli_print_stat(const char *prefix, const struct p2p_buf_stat *st);

int cmd_info(const struct cli_opts *o, const char *bdf);
int cmd_create(const struct cli_opts *o, const char *bdf);
int cmd_revoke(const struct cli_opts *o, const char *bdf);

#endif /* DMABUF_P2P_CLI_H */
