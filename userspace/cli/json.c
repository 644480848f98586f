// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON the subcommands print with --json: string literals, and a small
 * writer that streams one object, tracking commas and nesting, so that a
 * command can emit facts as it finds them and close what is open on any
 * exit path.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* @s as a JSON string literal; NULL is "". */
void cli_json_str(FILE *f, const char *s)
{
	char small[256], *buf = small;
	size_t n = p2p_json_escape(small, sizeof(small), s);

	if (n >= sizeof(small)) {
		buf = malloc(n + 1);
		if (buf)
			p2p_json_escape(buf, n + 1, s);
		else
			buf = small;	/* cut short, still a valid literal */
	}
	fprintf(f, "\"%s\"", buf);
	if (buf != small)
		free(buf);
}

/*
 * The separator and "key": before a value; @key is NULL inside arrays.
 * False when the value is to be left out (inside a level that was too deep).
 */
static bool member(struct cli_json *j, const char *key)
{
	if (j->skip)
		return false;
	if (j->depth && j->more[j->depth - 1])
		fputc(',', j->f);
	if (j->depth)
		j->more[j->depth - 1] = true;
	if (key) {
		cli_json_str(j->f, key);
		fputc(':', j->f);
	}
	return true;
}

static int open_level(struct cli_json *j, const char *key, char open, char close)
{
	if (j->skip || j->depth >= CLI_JSON_DEPTH) {
		if (!j->skip) {
			fflush(j->f);
			fprintf(stderr, "dmabuf-p2p: JSON nested deeper than %d levels: "
				"'%s' left out\n", CLI_JSON_DEPTH, key ? key : "(array item)");
		}
		j->skip++;
		j->too_deep = true;
		return -EOVERFLOW;
	}
	member(j, key);
	fputc(open, j->f);
	j->close[j->depth] = close;
	j->more[j->depth] = false;
	j->depth++;
	return 0;
}

void cli_json_begin(struct cli_json *j, FILE *f, const char *command)
{
	j->f = f;
	j->depth = 0;
	j->skip = 0;
	j->too_deep = false;
	open_level(j, NULL, '{', '}');
	cli_json_s(j, "command", command && *command ? command : NULL);
}

int cli_json_obj(struct cli_json *j, const char *key)
{
	return open_level(j, key, '{', '}');
}

int cli_json_arr(struct cli_json *j, const char *key)
{
	return open_level(j, key, '[', ']');
}

/* Close the innermost object or array. */
void cli_json_end(struct cli_json *j)
{
	if (j->skip) {
		j->skip--;
		return;
	}
	if (!j->depth)
		return;
	fputc(j->close[--j->depth], j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

/* Close what was opened since cli_json_level() said @level. */
void cli_json_end_to(struct cli_json *j, unsigned int level)
{
	while (j->depth + j->skip > level)
		cli_json_end(j);
}

unsigned int cli_json_level(const struct cli_json *j)
{
	return j->depth + j->skip;
}

/* A string member; NULL is null. */
void cli_json_s(struct cli_json *j, const char *key, const char *v)
{
	if (!member(j, key))
		return;
	if (v)
		cli_json_str(j->f, v);
	else
		fputs("null", j->f);
}

void cli_json_sf(struct cli_json *j, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_json_s(j, key, buf);
}

void cli_json_u(struct cli_json *j, const char *key, uint64_t v)
{
	if (!member(j, key))
		return;
	fprintf(j->f, "%" PRIu64, v);
}

void cli_json_i(struct cli_json *j, const char *key, int64_t v)
{
	if (!member(j, key))
		return;
	fprintf(j->f, "%" PRId64, v);
}

/* A number with one decimal; JSON has no NaN or infinity: null for those. */
void cli_json_d(struct cli_json *j, const char *key, double v)
{
	if (!member(j, key))
		return;
	if (isfinite(v))
		fprintf(j->f, "%.1f", v);
	else
		fputs("null", j->f);
}

void cli_json_b(struct cli_json *j, const char *key, bool v)
{
	if (!member(j, key))
		return;
	fputs(v ? "true" : "false", j->f);
}

void cli_json_null(struct cli_json *j, const char *key)
{
	if (!member(j, key))
		return;
	fputs("null", j->f);
}

/* An exit status as the word the JSON "result" member says. */
const char *cli_result_name(int ret)
{
	return ret == CLI_PASS ? "pass" : ret == CLI_SKIP ? "skip" : "fail";
}

/* "result" and, when it failed, "error": the last cli_err() message. */
void cli_json_result(struct cli_json *j, int ret)
{
	cli_json_s(j, "result", cli_result_name(ret));
	if (ret == CLI_FAIL)
		cli_json_s(j, "error", cli_last_err()[0] ? cli_last_err() : NULL);
}

/* An exporter debugfs buffer line as an object. */
void cli_json_stat(struct cli_json *j, const char *key, const struct p2p_buf_stat *st)
{
	cli_json_obj(j, key);
	cli_json_u(j, "ino", st->ino);
	cli_json_u(j, "size", st->size);
	cli_json_b(j, "revoked", st->revoked);
	cli_json_u(j, "attaches", st->attaches);
	cli_json_u(j, "maps", st->maps);
	cli_json_u(j, "revokes", st->revokes);
	cli_json_u(j, "unrevokes", st->unrevokes);
	cli_json_u(j, "mapped", st->mapped);
	cli_json_u(j, "bus_maps", st->bus_maps);
	cli_json_u(j, "dma_maps", st->dma_maps);
	cli_json_end(j);
}
