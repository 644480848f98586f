// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line parsing for dmabuf-p2p, by getopt_long(). Options may come
 * before or after the subcommand: "--opt VALUE", "--opt=VALUE", "-o VALUE",
 * "-oVALUE". Pure: fills struct cli_opts or says what is wrong; unit-tested.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define CMD_ALL (CMD_INFO | CMD_CREATE | CMD_REVOKE | CMD_SCENARIO | CMD_STRESS | CMD_FUZZ | \
		 CMD_CONFORM | CMD_BENCH)
#define CMD_RUNS (CMD_SCENARIO | CMD_STRESS | CMD_FUZZ)
#define CMD_SEEDED (CMD_STRESS | CMD_FUZZ)

/* getopt_long()'s value for each option: its short letter, if it has one. */
enum opt_id {
	OPT_DEVICE = 'd', OPT_HELP = 'h', OPT_VERSION = 'V', OPT_BAR = 'b', OPT_RANGE = 'r',
	OPT_TRIGGER = 't', OPT_LONG_ONLY = 0x100, OPT_REGION = OPT_LONG_ONLY, OPT_MR, OPT_HOLD,
	OPT_NO_IMPORTER, OPT_JSON, OPT_TAP, OPT_LIST, OPT_DURATION, OPT_THREADS, OPT_SEED,
	OPT_OPS, OPT_CALLS,
};

struct opt_def {
	const char *lng;
	bool arg;
	unsigned int cmds;
	enum opt_id id;
	const char *help;
};

static const struct opt_def defs[] = {
	{ "device", true, CMD_ALL, OPT_DEVICE,
	  "-d, --device BDF      PCI device (default: $DMABUF_P2P_DEVICE)" },
	{ "help", false, CMD_ALL, OPT_HELP,
	  "-h, --help            this text" },
	{ "version", false, CMD_ALL, OPT_VERSION,
	  "-V, --version         the version, and nothing else" },
	{ "bar", true, CMD_CREATE | CMD_REVOKE | CMD_FUZZ, OPT_BAR,
	  "-b, --bar N           BAR 0..5 (default: the largest memory BAR)" },
	{ "region", true, CMD_CREATE, OPT_REGION,
	  "    --region N        raw vfio region index, valid or not (pokes the uAPI)" },
	{ "range", true, CMD_CREATE | CMD_REVOKE, OPT_RANGE,
	  "-r, --range OFF:LEN   a BAR range, repeatable; sizes take K/M/G" },
	{ "trigger", true, CMD_REVOKE, OPT_TRIGGER,
	  "-t, --trigger NAME    revoke trigger (or as the first argument)" },
	{ "mr", false, CMD_CREATE, OPT_MR,
	  "    --mr              register with the importer, print the DMA segments" },
	{ "hold", true, CMD_CREATE, OPT_HOLD,
	  "    --hold SECONDS    keep the buffer open this long before closing it" },
	{ "no-importer", false, CMD_REVOKE, OPT_NO_IMPORTER,
	  "    --no-importer     check the exporter's counters only" },
	{ "json", false, CMD_ALL, OPT_JSON,
	  "    --json            one JSON object on stdout, also on skip and failure\n"
	  "                        (progress and diagnostics go to stderr)" },
	{ "tap", false, CMD_RUNS, OPT_TAP,
	  "    --tap             TAP version 13 output, one case per scenario / run" },
	{ "list", false, CMD_SCENARIO, OPT_LIST,
	  "    --list            list the scenarios and exit" },
	{ "duration", true, CMD_RUNS | CMD_BENCH, OPT_DURATION,
	  "    --duration S      how long to run, in seconds" },
	{ "threads", true, CMD_RUNS, OPT_THREADS,
	  "    --threads N       worker threads (at most 64)" },
	{ "seed", true, CMD_SEEDED, OPT_SEED,
	  "    --seed X          PRNG seed: same seed, same operation sequence\n"
	  "                        (default: from the clock, printed)" },
	{ "calls", true, CMD_FUZZ, OPT_CALLS,
	  "    --calls N         calls to make, split over the threads" },
	{ "ops", true, CMD_STRESS, OPT_OPS,
	  "    --ops LIST        comma-separated mix of create,share,register,access,\n"
	  "                        revoke,unrevoke,reset,close,exit,mmap (default: all)" },
};

/* What an option defaults to, for the commands it applies to (--help). */
static const struct {
	enum opt_id id;
	unsigned int cmds;
	const char *text;
} dflts[] = {
	{ OPT_RANGE, CMD_CREATE, "the whole BAR" },
	{ OPT_RANGE, CMD_REVOKE, "the first page" },
	{ OPT_TRIGGER, CMD_REVOKE, "every trigger, in turn" },
	{ OPT_DURATION, CMD_SCENARIO, "3, for each race scenario" },
	{ OPT_DURATION, CMD_STRESS, "60" },
	{ OPT_DURATION, CMD_FUZZ, "60, at most; none with --calls alone" },
	{ OPT_DURATION, CMD_BENCH, "10, for each exporter's cycle run" },
	{ OPT_THREADS, CMD_SCENARIO | CMD_STRESS, "4" },
	{ OPT_THREADS, CMD_FUZZ, "1" },
	{ OPT_CALLS, CMD_FUZZ, "100000; none with --duration alone" },
};

const char *const cli_stress_op_names[SOP_NR] = {
	[SOP_CREATE] = "create",
	[SOP_SHARE] = "share",
	[SOP_REGISTER] = "register",
	[SOP_ACCESS] = "access",
	[SOP_REVOKE] = "revoke",
	[SOP_UNREVOKE] = "unrevoke",
	[SOP_RESET] = "reset",
	[SOP_CLOSE] = "close",
	[SOP_EXIT] = "exit",
	[SOP_MMAP] = "mmap",
};

static const struct {
	const char *name;
	enum cli_cmd cmd;
	const char *summary;
} cmds[] = {
	{ "info", CMD_INFO, "show the device: BARs, capabilities, triggers, live buffers" },
	{ "create", CMD_CREATE, "create a dma-buf over BAR ranges and report it" },
	{ "revoke", CMD_REVOKE, "fire a revoke trigger at a live buffer and check the result" },
	{ "scenario", CMD_SCENARIO, "run a lifetime scenario by name, or all of them" },
	{ "stress", CMD_STRESS, "seeded random mix of operations from many threads" },
	{ "fuzz", CMD_FUZZ, "seeded random calls, valid and invalid, at every entry point" },
	{ "conform", CMD_CONFORM, "a fixed table of DMA_BUF requests, each outcome as is" },
	{ "bench", CMD_BENCH, "map latency, revoke fan-out, cycle rate against references" },
};

const char *cli_cmd_name(enum cli_cmd cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (cmds[i].cmd == cmd)
			return cmds[i].name;
	return "";
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* "create,register" -> bit mask of enum stress_op; "all" is every op. */
int cli_parse_ops(const char *list, unsigned int *mask, char *err, size_t errlen)
{
	const char *p = list, *end;
	unsigned int m = 0;
	size_t len, i;

	if (!list || !*list)
		return fail(err, errlen, "--ops: empty list");
	while (*p) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (!len)
			return fail(err, errlen, "--ops: empty name in '%s'", list);
		if (len == 3 && !strncmp(p, "all", 3)) {
			m |= SOP_ALL;
		} else {
			for (i = 0; i < SOP_NR; i++)
				if (strlen(cli_stress_op_names[i]) == len &&
				    !strncmp(cli_stress_op_names[i], p, len))
					break;
			if (i == SOP_NR)
				return fail(err, errlen, "--ops: unknown operation '%.*s'",
					    (int)len, p);
			m |= 1u << i;
		}
		p += len;
		if (*p == ',' && !*++p)
			return fail(err, errlen, "--ops: trailing comma in '%s'", list);
	}
	*mask = m;
	return 0;
}

static const struct opt_def *find_def(int id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defs); i++)
		if ((int)defs[i].id == id)
			return &defs[i];
	return NULL;
}

static int apply(struct cli_opts *o, const struct opt_def *d, const char *val,
		 char *err, size_t errlen)
{
	uint64_t v = 0;

	switch (d->id) {
	case OPT_DEVICE:
		if (!*val)
			return fail(err, errlen, "--device needs a PCI address");
		o->device = val;
		break;
	case OPT_HELP:
		o->help = true;
		break;
	case OPT_VERSION:
		o->version = true;
		break;
	case OPT_BAR:
		if (p2p_parse_bar(val, &o->bar))
			return fail(err, errlen, "--bar: %s", p2p_last_error());
		o->bar_set = true;
		break;
	case OPT_REGION:
		if (p2p_parse_u64(val, &v) || v > UINT32_MAX)
			return fail(err, errlen, "--region: bad index '%s'", val);
		o->region = v;
		o->region_set = true;
		break;
	case OPT_RANGE:
		if (o->nr_ranges >= CLI_MAX_RANGES)
			return fail(err, errlen, "--range: at most %d ranges", CLI_MAX_RANGES);
		if (p2p_parse_range(val, &o->ranges[o->nr_ranges]))
			return fail(err, errlen, "--range: %s", p2p_last_error());
		o->nr_ranges++;
		break;
	case OPT_TRIGGER:
		if (o->trigger)
			return fail(err, errlen, "more than one trigger");
		o->trigger = val;
		break;
	case OPT_MR:
		o->mr = true;
		break;
	case OPT_HOLD:
		if (p2p_parse_u64(val, &v) || v > 86400)
			return fail(err, errlen, "--hold: bad seconds '%s'", val);
		o->hold_s = v;
		break;
	case OPT_NO_IMPORTER:
		o->no_importer = true;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_TAP:
		o->tap = true;
		break;
	case OPT_LIST:
		o->list = true;
		break;
	case OPT_DURATION:
		if (p2p_parse_u64(val, &v) || !v || v > CLI_MAX_DURATION_S)
			return fail(err, errlen, "--duration: bad seconds '%s' (1..%d)", val,
				    CLI_MAX_DURATION_S);
		o->duration_s = v;
		o->duration_set = true;
		break;
	case OPT_THREADS:
		if (p2p_parse_u64(val, &v) || !v || v > CLI_MAX_THREADS)
			return fail(err, errlen, "--threads: bad count '%s' (1..%d)", val,
				    CLI_MAX_THREADS);
		o->threads = v;
		break;
	case OPT_SEED:
		if (p2p_parse_u64(val, &o->seed))
			return fail(err, errlen, "--seed: bad number '%s'", val);
		o->seed_set = true;
		break;
	case OPT_OPS:
		if (cli_parse_ops(val, &o->ops_mask, err, errlen))
			return -1;
		break;
	case OPT_CALLS:
		if (p2p_parse_u64(val, &v) || !v || v > FUZZ_MAX_CALLS)
			return fail(err, errlen, "--calls: bad count '%s' (1..%llu)", val,
				    (unsigned long long)FUZZ_MAX_CALLS);
		o->calls = v;
		o->calls_set = true;
		break;
	}
	return 0;
}

/* A word: the subcommand, then revoke's trigger or the scenario's name. */
static int word(struct cli_opts *o, const char *a, char *err, size_t errlen)
{
	size_t c;

	if (o->cmd == CMD_REVOKE && !o->trigger)
		o->trigger = a;
	else if (o->cmd == CMD_SCENARIO && !o->scenario)
		o->scenario = a;
	else if (o->cmd != CMD_NONE)
		return fail(err, errlen, "unexpected argument '%s'", a);
	for (c = 0; o->cmd == CMD_NONE && c < ARRAY_SIZE(cmds); c++)
		if (!strcmp(cmds[c].name, a))
			o->cmd = cmds[c].cmd;
	if (o->cmd == CMD_NONE)
		return fail(err, errlen, "unknown command '%s'", a);
	return 0;
}

/* What getopt_long() returned @c for, when not an option to apply. */
static int bad_option(int c, char **argv, char *err, size_t errlen)
{
	const struct opt_def *d = find_def(optopt);

	if (d)
		return fail(err, errlen, "--%s %s", d->lng,
			    c == ':' ? "needs a value" : "takes no value");
	/* optopt is 0 for an unknown or ambiguous long option */
	if (optopt)
		return fail(err, errlen, "unknown option '-%c'", optopt);
	return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
}

int cli_parse(int argc, char **argv, struct cli_opts *o, char *err, size_t errlen)
{
	/* '-': words come back in place, as 1; ':': getopt prints nothing itself */
	char shorts[2 + 2 * ARRAY_SIZE(defs) + 1] = "-:", *s = shorts + 2;
	struct option longs[ARRAY_SIZE(defs) + 1] = { 0 };
	unsigned int seen = 0;	/* bitmask of defs[] entries seen */
	const struct opt_def *d;
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(defs); i++) {
		longs[i] = (struct option){ defs[i].lng, defs[i].arg ? required_argument : no_argument,
					    NULL, defs[i].id };
		if (defs[i].id < OPT_LONG_ONLY)
			s += sprintf(s, "%c%s", defs[i].id, defs[i].arg ? ":" : "");
	}
	optind = 0;	/* glibc: start afresh, the unit tests parse many times */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		d = find_def(c);
		if (c == 1 ? word(o, optarg, err, errlen) :
		    d ? apply(o, d, optarg, err, errlen) : bad_option(c, argv, err, errlen))
			return -1;
		if (d)
			seen |= 1u << (d - defs);
	}
	/* after "--": words only */
	for (; optind < argc; optind++)
		if (word(o, argv[optind], err, errlen))
			return -1;
	if (o->help || o->version)
		return 0;
	for (i = 0; i < ARRAY_SIZE(defs); i++) {
		if (!(seen & (1u << i)))
			continue;
		if (o->cmd == CMD_NONE && defs[i].cmds != CMD_ALL)
			return fail(err, errlen, "--%s needs a command", defs[i].lng);
		if (o->cmd != CMD_NONE && !(defs[i].cmds & o->cmd))
			return fail(err, errlen, "--%s does not apply to '%s'", defs[i].lng,
				    cli_cmd_name(o->cmd));
	}
	if (o->cmd == CMD_NONE)
		return fail(err, errlen, "no command given");
	if (o->bar_set && o->region_set)
		return fail(err, errlen, "--bar and --region exclude each other");
	if (o->json && o->tap)
		return fail(err, errlen, "--json and --tap exclude each other");
	if (o->json && o->list)
		return fail(err, errlen, "--json does not apply to --list");
	if (o->cmd == CMD_SCENARIO && !o->scenario && !o->list)
		return fail(err, errlen, "scenario needs a NAME, 'all' or --list");
	if (o->cmd == CMD_REVOKE && o->trigger && !p2p_trigger_lookup(o->trigger))
		return fail(err, errlen, "unknown trigger '%s': revoke --help lists them",
			    o->trigger);
	if (o->cmd == CMD_FUZZ) {
		/* Whichever limit was given alone is the only one. */
		if (!o->threads)
			o->threads = FUZZ_DEFAULT_THREADS;
		if (!o->calls_set)
			o->calls = o->duration_set ? FUZZ_MAX_CALLS : FUZZ_DEFAULT_CALLS;
		if (!o->duration_set)
			o->duration_s = o->calls_set ? CLI_MAX_DURATION_S : FUZZ_DEFAULT_S;
	}
	if (!o->threads)
		o->threads = STRESS_DEFAULT_THREADS;
	if (!o->duration_s)
		o->duration_s = o->cmd == CMD_STRESS ? STRESS_DEFAULT_S :
				o->cmd == CMD_BENCH ? BENCH_DEFAULT_S : SCENARIO_DEFAULT_S;
	if (!o->ops_mask)
		o->ops_mask = SOP_ALL;
	return 0;
}

void cli_usage(FILE *f, enum cli_cmd cmd)
{
	size_t i, n;

	if (cmd == CMD_NONE) {
		fprintf(f, "usage: dmabuf-p2p [--device BDF] COMMAND [OPTIONS]\n\n"
			   "Export PCI BAR ranges of a vfio-pci (dmabuf_p2p_exp) device as\n"
			   "dma-bufs, and revoke them.\n\ncommands:\n");
		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
		fprintf(f, "\nEvery command takes --help (its options) and --json (one JSON\n"
			   "object on stdout, details on stderr).\n");
	} else {
		fprintf(f, "usage: dmabuf-p2p %s [OPTIONS]%s\n\noptions:\n", cli_cmd_name(cmd),
			cmd == CMD_REVOKE ? " [TRIGGER]" :
			cmd == CMD_SCENARIO ? " NAME|all" : "");
		for (i = 0; i < ARRAY_SIZE(defs); i++) {
			if (!(defs[i].cmds & cmd))
				continue;
			fprintf(f, "  %s\n", defs[i].help);
			for (n = 0; n < ARRAY_SIZE(dflts); n++)
				if (dflts[n].id == defs[i].id && dflts[n].cmds & cmd)
					fprintf(f, "                          default: %s\n",
						dflts[n].text);
		}
		if (cmd == CMD_REVOKE) {
			const struct p2p_trigger_desc *t = p2p_trigger_descs(&n);

			fprintf(f, "\ntriggers:\n");
			for (i = 0; i < n; i++)
				fprintf(f, "  %-10s %s\n", t[i].name, t[i].help);
		}
	}
	fprintf(f, "\nenvironment:\n  DMABUF_P2P_DEVICE  default for --device\n");
	if (cmd == CMD_STRESS)
		fprintf(f, "  TERM=dumb          progress as a plain line every 5 s, not a live\n"
			   "                     line (also when stdout is not a terminal)\n");
	if (cmd == CMD_FUZZ)
		fprintf(f, "\nEvery result must be success or an errno the call may return; the\n"
			   "summary has a table of results by errno per kind of call, every\n"
			   "unexpected one with its arguments, kernel splats, and what the run\n"
			   "left behind. Replay: the same --seed and --calls with --threads 1\n"
			   "make the same calls. A REG_MR that would start an 8th live mapping\n"
			   "in one cacheline (DMA-API debugging allows 7) is not made: counted\n"
			   "as skipped.\n");
	if (cmd == CMD_CONFORM)
		fprintf(f, "\nEach request of the table is made once and its outcome printed as\n"
			   "is (fd and its size and flags, errno, or n/a and why): nothing is\n"
			   "judged here. Run it against our exporter and upstream vfio-pci,\n"
			   "then compare: tests/vm/report.py conform OURS UPSTREAM EXCEPTIONS.\n"
			   "Exit 0 whatever the outcomes, 1 only if the device cannot be opened.\n");
	if (cmd == CMD_BENCH)
		fprintf(f, "\nMeasures, in this boot: map latency (REG_MR, remap after a revoke,\n"
			   "DEREG_MR) for the edu engine by size and by number of ranges, with\n"
			   "sg entries and DMA API mappings per map; a revoke's latency with\n"
			   "1..10000 attachments against the same walk notifying nobody; the\n"
			   "create-register-access-revoke-close cycle rate. Against our exporter\n"
			   "(--device), upstream vfio-pci's (DMABUF_P2P_DEVICE_UPSTREAM, if set)\n"
			   "and a udmabuf. Figures only, no verdict: make bench judges them.\n"
			   "Exit 0 unless the importer or the device cannot be opened.\n");
	fprintf(f, "\nexit status: 0 pass, 1 fail, 4 skip (device or feature absent)\n");
}
