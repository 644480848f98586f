// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON the subcommands print with --json, built with json-c: a command
 * turns its result into one tree and prints it once, on one line. Each
 * helper adds a member to an object (@key) or an item to an array (@key
 * NULL); what JSON cannot say (a NULL string, NaN) is null.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include <json.h>

#include "cli.h"

static struct json_object *put(struct json_object *in, const char *key,
			       struct json_object *v)
{
	if (!in) {			/* out of memory further up */
		json_object_put(v);
		return NULL;
	}
	if (key)
		json_object_object_add(in, key, v);
	else
		json_object_array_add(in, v);
	return v;
}

/* A new top-level object: {"command": @command}, null for none. */
struct json_object *cli_json_new(const char *command)
{
	struct json_object *o = json_object_new_object();

	cli_json_s(o, "command", command && *command ? command : NULL);
	return o;
}

/* @o on one line of @f, and freed. */
void cli_json_print(FILE *f, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	fprintf(f, "%s\n", s ? s : "null");
	json_object_put(o);
}

struct json_object *cli_json_obj(struct json_object *in, const char *key)
{
	return put(in, key, json_object_new_object());
}

struct json_object *cli_json_arr(struct json_object *in, const char *key)
{
	return put(in, key, json_object_new_array());
}

void cli_json_s(struct json_object *in, const char *key, const char *v)
{
	put(in, key, v ? json_object_new_string(v) : NULL);
}

void cli_json_sf(struct json_object *in, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_json_s(in, key, buf);
}

void cli_json_u(struct json_object *in, const char *key, uint64_t v)
{
	put(in, key, json_object_new_uint64(v));
}

void cli_json_i(struct json_object *in, const char *key, int64_t v)
{
	put(in, key, json_object_new_int64(v));
}

/* A number with @decimals digits after the point, as %.*f writes it. */
void cli_json_d(struct json_object *in, const char *key, double v, int decimals)
{
	char buf[64];

	if (!isfinite(v)) {
		put(in, key, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	put(in, key, json_object_new_double_s(v, buf));
}

void cli_json_b(struct json_object *in, const char *key, bool v)
{
	put(in, key, json_object_new_boolean(v));
}

void cli_json_null(struct json_object *in, const char *key)
{
	put(in, key, NULL);
}

/* An exit status as the word the JSON "result" member says. */
const char *cli_result_name(int ret)
{
	return ret == CLI_PASS ? "pass" : ret == CLI_SKIP ? "skip" : "fail";
}

/* "result" and, when it failed, "error": the last cli_err() message. */
void cli_json_result(struct json_object *in, int ret)
{
	cli_json_s(in, "result", cli_result_name(ret));
	if (ret == CLI_FAIL)
		cli_json_s(in, "error", cli_last_err()[0] ? cli_last_err() : NULL);
}

/* An exporter debugfs buffer line as an object. */
void cli_json_stat(struct json_object *in, const char *key, const struct p2p_buf_stat *st)
{
	struct json_object *o = cli_json_obj(in, key);

	cli_json_u(o, "ino", st->ino);
	cli_json_u(o, "size", st->size);
	cli_json_b(o, "revoked", st->revoked);
	cli_json_u(o, "attaches", st->attaches);
	cli_json_u(o, "maps", st->maps);
	cli_json_u(o, "revokes", st->revokes);
	cli_json_u(o, "unrevokes", st->unrevokes);
	cli_json_u(o, "mapped", st->mapped);
	cli_json_u(o, "bus_maps", st->bus_maps);
	cli_json_u(o, "dma_maps", st->dma_maps);
}

/* An exporter release record as an object. */
void cli_json_released(struct json_object *in, const char *key, const struct p2p_rel_rec *rec)
{
	struct json_object *o = cli_json_obj(in, key);

	cli_json_s(o, "path", rec->path);
	cli_json_u(o, "attaches", rec->attaches);
	cli_json_u(o, "maps", rec->maps);
	cli_json_u(o, "revokes", rec->revokes);
	cli_json_u(o, "unrevokes", rec->unrevokes);
}
