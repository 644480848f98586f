// SPDX-License-Identifier: GPL-2.0
/*
 * Running a scenario, whoever hosts it: the checks' verdicts and how they
 * end the scenario's process (see scenario.h), and the scenarios by name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

struct sc_ctx *sc;

static const struct scenario *host_importers;
static size_t host_importers_n;

void sc_host_importers(const struct scenario *list, size_t n)
{
	host_importers = list;
	host_importers_n = n;
}

const struct scenario *sc_nth(size_t i)
{
	const struct {
		const struct scenario *list;
		size_t n;
	} themes[] = {
		{ sc_release, sc_release_n },
		{ sc_revoke, sc_revoke_n },
		{ sc_race, sc_race_n },
		{ sc_drm, sc_drm_n },
		{ host_importers, host_importers_n },
		{ sc_data, sc_data_n },
		{ sc_iommufd, sc_iommufd_n },
		{ sc_contract, sc_contract_n },
	};
	size_t t;

	for (t = 0; t < sizeof(themes) / sizeof(themes[0]); t++) {
		if (i < themes[t].n)
			return &themes[t].list[i];
		i -= themes[t].n;
	}
	return NULL;
}

const struct scenario *sc_find(const char *name)
{
	const struct scenario *s;
	size_t i;

	for (i = 0; (s = sc_nth(i)); i++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

int sc_run(struct sc_ctx *ctx, const struct scenario *s)
{
	ctx->name = s->name;
	ctx->failures = 0;
	if (!ctx->page)
		ctx->page = p2p_page_size();
	sc = ctx;
	s->fn();
	fflush(NULL);
	return ctx->failures ? SC_FAIL : SC_PASS;
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line: race scenarios log from several threads. */
	fprintf(sc->out, "%s%s%s\n", sc->pfx, tag, line);
}

void sc_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

/* Said, and the first one handed to the host: it names the result. */
static void failed(const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(sc->out, "%sFAIL: %s\n", sc->pfx, msg);
	if (__atomic_add_fetch(&sc->failures, 1, __ATOMIC_SEQ_CST) == 1)
		sc->verdict(SC_FAIL, msg);
}

static void __attribute__((noreturn)) end(int status)
{
	fflush(NULL);
	_exit(status);
}

void sc_expect(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	failed(fmt, ap);
	va_end(ap);
}

void sc_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failed(fmt, ap);
	va_end(ap);
	end(SC_FAIL);
}

void sc_skip(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* A skip after a failure is still a failure. */
	if (sc->failures)
		end(SC_FAIL);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc->verdict(SC_SKIP, msg);
	end(SC_SKIP);
}
