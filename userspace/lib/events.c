// SPDX-License-Identifier: GPL-2.0
/*
 * The modules' tracepoints (events/dmabuf_p2p, exporter/trace.h and
 * importer/trace.h) read back from tracefs: start enables them and clears
 * the buffer, read parses what is there. An event's text is "key=value"
 * words; the lookups here are how callers get at them, so a field added
 * in the kernel never breaks a reader.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

#define EVENTS_DIR	"events/" P2P_TRACE_SYSTEM

int p2p_parse_events(const char *text, struct p2p_event *arr, int max)
{
	const char *pos = text;
	struct p2p_event ev;
	char buf[512], *t, *colon;
	int n = 0, cpu;

	while (p2p_next_line(&pos, buf, sizeof(buf))) {
		if (buf[0] == '#' ||
		    !p2p_trace_line(buf, ev.comm, sizeof(ev.comm), &ev.pid, &cpu, &t))
			continue;
		colon = strstr(t, ": ");
		/* Ours only: the function tracer may share the buffer. */
		if (!colon || strncmp(t, "p2p_", 4) || (size_t)(colon - t) >= sizeof(ev.name))
			continue;
		snprintf(ev.name, sizeof(ev.name), "%.*s", (int)(colon - t), t);
		snprintf(ev.args, sizeof(ev.args), "%s", colon + 2);
		if (n < max)
			arr[n] = ev;
		n++;
	}
	return n;
}

int p2p_event_str(const struct p2p_event *ev, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key), vl;
	const char *p;

	for (p = ev->args; *p; p += strcspn(p, " "), p += strspn(p, " ")) {
		if (strncmp(p, key, kl) || p[kl] != '=')
			continue;
		vl = strcspn(p + kl + 1, " ");
		if (vl >= len)
			return -ERANGE;
		snprintf(out, len, "%.*s", (int)vl, p + kl + 1);
		return 0;
	}
	return -ENOENT;
}

int p2p_event_num(const struct p2p_event *ev, const char *key, long long *v)
{
	char val[32], *end;
	int ret = p2p_event_str(ev, key, val, sizeof(val));

	if (ret)
		return ret;
	errno = 0;
	*v = strtoll(val, &end, 0);
	return errno || *end || end == val ? -EINVAL : 0;
}

int p2p_events_start(void)
{
	int ret;

	if (!p2p_tracefs_find(true))
		return p2p_seterr_msg(ENOENT, "no tracefs (kernel without CONFIG_TRACING?)");
	ret = p2p_tracefs_write(EVENTS_DIR "/enable", "1");
	if (ret == -ENOENT)
		return p2p_seterr_msg(ENOENT, "no %s in %s: modules not loaded, or built without tracepoints",
				      EVENTS_DIR, p2p_tracefs_root());
	if (!ret)
		ret = p2p_tracefs_write("trace", "");
	if (!ret)
		ret = p2p_tracefs_write("tracing_on", "1");
	if (ret) {
		p2p_events_stop();
		return p2p_seterr(-ret, "tracefs %s", p2p_tracefs_root());
	}
	return 0;
}

int p2p_events_read(struct p2p_event *arr, int max)
{
	char *text;
	int ret = p2p_tracefs_read_trace(&text);

	if (ret)
		return ret;
	ret = p2p_parse_events(text, arr, max);
	free(text);
	return ret;
}

void p2p_events_stop(void)
{
	if (p2p_tracefs_root() || p2p_tracefs_find(false))
		p2p_tracefs_write(EVENTS_DIR "/enable", "0");
}

int p2p_events_stream_open(struct p2p_event_stream *s)
{
	char path[96];

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/trace_pipe", p2p_tracefs_root());
	s->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->fd < 0)
		return p2p_seterr(errno, "open %s", path);
	return 0;
}

/* What trace_pipe holds now, line by line; a partial line waits its turn. */
int p2p_events_stream_poll(struct p2p_event_stream *s,
			   void (*fn)(const struct p2p_event *ev, void *arg), void *arg)
{
	struct p2p_event ev;
	char *nl, *line;
	ssize_t n;
	int got = 0;

	for (;;) {
		n = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return got;
		if (n < 0)
			return p2p_seterr(errno, "read trace_pipe");
		if (!n)
			return got;
		s->len += n;
		s->buf[s->len] = '\0';
		for (line = s->buf; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			if (p2p_parse_events(line, &ev, 1) == 1) {
				fn(&ev, arg);
				got++;
			}
		}
		s->len -= line - s->buf;
		memmove(s->buf, line, s->len);
		/* A line longer than the buffer is nobody's event: drop it. */
		if (s->len == sizeof(s->buf) - 1)
			s->len = 0;
	}
}

/* Events the ring buffer dropped because the reader fell behind. */
long long p2p_events_lost(void)
{
	char path[384], *text, *p;
	long long lost = 0;
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/per_cpu", p2p_tracefs_root());
	dir = opendir(path);
	if (!dir)
		return p2p_seterr(errno, "open %s", path);
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "cpu", 3))
			continue;
		snprintf(path, sizeof(path), "%s/per_cpu/%s/stats", p2p_tracefs_root(),
			 de->d_name);
		if (p2p_read_file_alloc(path, &text, NULL))
			continue;
		p = strstr(text, "overrun: ");
		if (p)
			lost += strtoll(p + 9, NULL, 10);
		free(text);
	}
	closedir(dir);
	return lost;
}

void p2p_events_stream_close(struct p2p_event_stream *s)
{
	if (s->fd > 0)
		close(s->fd);
	s->fd = -1;
}
