// SPDX-License-Identifier: GPL-2.0
/*
 * The dma-buf core's own list of live buffers, debugfs dma_buf/bufinfo:
 * every dma-buf of the system (any exporter, also ones cut off their
 * device), its inode number, exporter name and attachment count. The
 * parser is pure and unit-tested; the format is the kernel's
 * dma_buf_debug_show() (6.12: "size flags mode count exp_name ino name"
 * tab-separated, then resv fences, then "Total N devices attached").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf_p2p.h"
#include "internal.h"

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* One buffer line into @b; false if @line is not one. */
static bool buffer_line(const char *line, struct p2p_bufinfo *b)
{
	const char *f[7], *p = line;
	size_t len[7];
	unsigned int n = 0;

	while (n < 7) {
		const char *tab = strchr(p, '\t');

		f[n] = p;
		len[n] = tab ? (size_t)(tab - p) : strlen(p);
		n++;
		if (!tab)
			break;
		p = tab + 1;
	}
	/* size, flags and mode hex, count, exp_name, ino, name (which may hold tabs) */
	if (n < 6 || !all_digits(f[0], len[0]) || !all_digits(f[5], len[5]) ||
	    !all_digits(f[3], len[3]) || !len[4])
		return false;
	memset(b, 0, sizeof(*b));
	b->size = strtoull(f[0], NULL, 10);
	b->ino = strtoull(f[5], NULL, 10);
	snprintf(b->exp_name, sizeof(b->exp_name), "%.*s", (int)len[4], f[4]);
	return true;
}

int p2p_parse_bufinfo(const char *text, struct p2p_bufinfo *arr, int max)
{
	struct p2p_bufinfo cur;
	const char *line = text;
	char buf[512];
	unsigned int att;
	int n = 0;

	while (p2p_next_line(&line, buf, sizeof(buf))) {
		if (isdigit((unsigned char)buf[0]) && buffer_line(buf, &cur)) {
			if (n < max)
				arr[n] = cur;
			n++;
		} else if (n && strstr(buf, " devices attached") &&
			   sscanf(buf, "Total %u devices attached", &att) == 1 && n <= max) {
			arr[n - 1].attached = att;
		}
	}
	return n;
}

int p2p_bufinfo_list(struct p2p_bufinfo *arr, int max)
{
	char *text;
	int ret;

	ret = p2p_read_file_alloc(P2P_DMABUF_BUFINFO, &text, NULL);
	if (ret)
		return ret;
	ret = p2p_parse_bufinfo(text, arr, max);
	free(text);
	return ret;
}
