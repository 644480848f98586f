/* SPDX-License-Identifier: GPL-2.0 */
/* The dmabuf-p2p command line tool: options and subcommands. */
#ifndef DMABUF_P2P_CLI_H
#define DMABUF_P2P_CLI_H

#include <stdio.h>

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
	CMD_SCENARIO = 1 << 3,
	CMD_STRESS = 1 << 4,
	CMD_FUZZ = 1 << 5,
	CMD_CONFORM = 1 << 6,
	CMD_BENCH = 1 << 7,
};

/* What a stress worker can do; --ops names them, in this order. */
enum stress_op {
	SOP_CREATE,
	SOP_SHARE,
	SOP_REGISTER,
	SOP_ACCESS,
	SOP_REVOKE,
	SOP_UNREVOKE,
	SOP_RESET,
	SOP_CLOSE,
	SOP_EXIT,
	SOP_MMAP,
	SOP_NR
};

#define SOP_ALL		((1u << SOP_NR) - 1)

#define CLI_MAX_THREADS		64
#define CLI_MAX_DURATION_S	86400
#define STRESS_DEFAULT_S	60
#define STRESS_DEFAULT_THREADS	4
#define SCENARIO_DEFAULT_S	3	/* each race scenario */
/* fuzz: --calls N or --duration S, whichever ends first; one thread replays exactly. */
#define FUZZ_DEFAULT_CALLS	100000
#define FUZZ_DEFAULT_S		60
#define FUZZ_DEFAULT_THREADS	1
#define FUZZ_MAX_CALLS		(1ULL << 40)
/* bench: seconds of each exporter's stress cycle */
#define BENCH_DEFAULT_S		10

struct cli_opts {
	enum cli_cmd cmd;
	bool help;
	bool version;
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
	bool json;
	bool tap;
	bool list;
	const char *scenario;
	bool duration_set;
	unsigned int duration_s;
	unsigned int threads;
	bool seed_set;
	uint64_t seed;
	unsigned int ops_mask;
	bool calls_set;
	uint64_t calls;
};

/* opts.c: no side effects, unit-tested on the host */
int cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen);
const char *cli_cmd_name(enum cli_cmd cmd);
void cli_usage(FILE *f, enum cli_cmd cmd);
extern const char *const cli_stress_op_names[SOP_NR];
int cli_parse_ops(const char *list, unsigned int *mask, char *err, size_t errlen);

/* common.c */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_open(const char *bdf, struct p2p_dev *dev);
int cli_pick_bar(struct p2p_dev *dev, const struct cli_opts *o, unsigned int *bar,
		 uint64_t *size);
const char *cli_last_err(void);
void cli_print_stat(FILE *f, const char *prefix, const struct p2p_buf_stat *st);
int cli_skip(const struct cli_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_fail(const struct cli_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_json_verdict(const struct cli_opts *o, int ret);

/*
 * json.c: the --json output, built with json-c. A command fills one tree
 * from its result (cli_json_new(), then members) and prints it once with
 * cli_json_print(). @key names an object's member; NULL appends to an array.
 */
struct json_object;
struct json_object *cli_json_new(const char *command);
void cli_json_print(FILE *f, struct json_object *o);
struct json_object *cli_json_obj(struct json_object *in, const char *key);
struct json_object *cli_json_arr(struct json_object *in, const char *key);
void cli_json_s(struct json_object *in, const char *key, const char *v);
void cli_json_sf(struct json_object *in, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cli_json_u(struct json_object *in, const char *key, uint64_t v);
void cli_json_i(struct json_object *in, const char *key, int64_t v);
void cli_json_d(struct json_object *in, const char *key, double v, int decimals);
void cli_json_b(struct json_object *in, const char *key, bool v);
void cli_json_null(struct json_object *in, const char *key);
const char *cli_result_name(int ret);
void cli_json_result(struct json_object *in, int ret);
void cli_json_stat(struct json_object *in, const char *key, const struct p2p_buf_stat *st);
void cli_json_released(struct json_object *in, const char *key, const struct p2p_rel_rec *rec);

int cmd_info(const struct cli_opts *o, const char *bdf);
int cmd_create(const struct cli_opts *o, const char *bdf);
int cmd_bench(const struct cli_opts *o, const char *bdf);
int cli_dmabuf_facts(int fd, uint64_t *ino, uint64_t *size, char *exp_name, size_t len);
int cmd_revoke(const struct cli_opts *o, const char *bdf);
int cmd_scenario(const struct cli_opts *o, const char *bdf);
void scenario_list(FILE *f);
int cmd_stress(const struct cli_opts *o, const char *bdf);
int cmd_fuzz(const struct cli_opts *o, const char *bdf);
int cmd_conform(const struct cli_opts *o, const char *bdf);

#endif /* DMABUF_P2P_CLI_H */
