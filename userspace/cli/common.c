// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the dmabuf-p2p subcommands. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

static __thread char last_err[512];

/* A failure, on stderr; kept for the JSON result (cli_last_err()). */
void cli_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "dmabuf-p2p: %s\n", last_err);
}

const char *cli_last_err(void)
{
	return last_err;
}

int cli_open(const char *bdf, struct p2p_dev *dev)
{
	int ret = p2p_dev_open(bdf, dev);

	if (ret)
		cli_err("%s", p2p_last_error());
	return ret;
}

/* --region, --bar, or the largest memory BAR of at least a page. */
int cli_pick_bar(struct p2p_dev *dev, const struct cli_opts *o, unsigned int *bar,
		 uint64_t *size)
{
	struct vfio_region_info info;
	int ret;

	if (o->region_set || o->bar_set) {
		*bar = o->region_set ? o->region : o->bar;
		*size = 0;
		if (!p2p_region_info(dev, *bar, &info))
			*size = info.size;
		return 0;
	}
	ret = p2p_find_mem_bar(dev, p2p_page_size(), bar, size);
	if (ret)
		cli_err("%s", p2p_last_error());
	return ret;
}

void cli_print_stat(FILE *f, const char *prefix, const struct p2p_buf_stat *st)
{
	fprintf(f, "%sino=%llu size=%llu revoked=%d attaches=%u maps=%u revokes=%u unrevokes=%u mapped=%u bus_maps=%u dma_maps=%u\n",
		prefix, (unsigned long long)st->ino, (unsigned long long)st->size,
		st->revoked, st->attaches, st->maps, st->revokes, st->unrevokes, st->mapped,
		st->bus_maps, st->dma_maps);
}

/*
 * The whole command skips: said in the form the caller asked for (TAP
 * plan, JSON object or a plain line). Returns CLI_SKIP.
 */
int cli_skip(const struct cli_opts *o, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (o->tap) {
		printf("TAP version 13\n1..0 # SKIP %s\n", why);
	} else if (o->json) {
		struct json_object *j = cli_json_new(cli_cmd_name(o->cmd));

		cli_json_result(j, CLI_SKIP);
		cli_json_s(j, "reason", why);
		cli_json_print(stdout, j);
	} else {
		printf("SKIP: %s\n", why);
	}
	return CLI_SKIP;
}

/*
 * The whole command fails before it could say more: the reason on stderr
 * and, with --json, as the one JSON object on stdout. Returns CLI_FAIL.
 */
int cli_fail(const struct cli_opts *o, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cli_err("%s", why);
	cli_json_verdict(o, CLI_FAIL);
	return CLI_FAIL;
}

/* With --json: an object with the result only (and the last cli_err()). */
void cli_json_verdict(const struct cli_opts *o, int ret)
{
	struct json_object *j;

	if (!o->json)
		return;
	j = cli_json_new(cli_cmd_name(o->cmd));
	cli_json_result(j, ret);
	cli_json_print(stdout, j);
}
