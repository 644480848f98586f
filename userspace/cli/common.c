// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the dmabuf-p2p subcommands. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("dmabuf-p2p: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

void cli_print_stat(const char *prefix, const struct p2p_buf_stat *st)
{
	printf("%sino=%llu size=%llu revoked=%d attaches=%u maps=%u revokes=%u unrevokes=%u\n",
	       prefix, (unsigned long long)st->ino, (unsigned long long)st->size,
	       st->revoked, st->attaches, st->maps, st->revokes, st->unrevokes);
}

/* @s as a JSON string literal. */
void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
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
		printf("{\"command\":");
		cli_json_str(stdout, cli_cmd_name(o->cmd));
		printf(",\"result\":\"skip\",\"reason\":");
		cli_json_str(stdout, why);
		printf("}\n");
	} else {
		printf("SKIP: %s\n", why);
	}
	return CLI_SKIP;
}
