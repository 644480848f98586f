// SPDX-License-Identifier: GPL-2.0
/* Small system helpers: page size, monotonic clock, sleeping. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dmabuf_p2p.h"

uint64_t p2p_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (uint64_t)ps : 4096;
}

uint64_t p2p_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t p2p_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void p2p_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The line at *@pos, without its newline and cut to fit, into @buf; moves
 * *@pos past it. False at the end of the text. For the parsers of kernel
 * text files, whose lines are short; a longer one is only ever skipped.
 */
bool p2p_next_line(const char **pos, char *buf, size_t len)
{
	const char *line = *pos, *nl;
	size_t n;

	if (!line || !*line)
		return false;
	nl = strchr(line, '\n');
	n = nl ? (size_t)(nl - line) : strlen(line);
	if (n >= len)
		n = len - 1;
	memcpy(buf, line, n);
	buf[n] = '\0';
	*pos = nl ? nl + 1 : NULL;
	return true;
}
