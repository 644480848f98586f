// SPDX-License-Identifier: GPL-2.0
/*
 * tracefs for release_trace.c (the function tracer) and events.c (our
 * tracepoints): where it is mounted, writing its control files, and the
 * common head of an event line. Both take over system-wide tracing state,
 * so one user at a time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

static char trace_root[64];

const char *p2p_tracefs_root(void)
{
	return trace_root[0] ? trace_root : NULL;
}

/* tracefs where it is usually mounted; with @mnt, mounted there if nowhere. */
bool p2p_tracefs_find(bool mnt)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	const unsigned int nr = ARRAY_SIZE(roots);
	char path[96];
	unsigned int i;

	for (i = 0; i < (mnt ? 2 * nr : nr); i++) {
		/* Found nowhere: mount it; a failure (EBUSY too) shows as no trace file. */
		if (i == nr)
			mount("tracefs", roots[0], "tracefs", 0, NULL);
		snprintf(path, sizeof(path), "%s/trace", roots[i % nr]);
		if (!access(path, F_OK)) {
			strcpy(trace_root, roots[i % nr]);
			return true;
		}
	}
	return false;
}

/*
 * tracefs files act on open(O_TRUNC), as "echo x > file" does: without it
 * set_ftrace_filter appends and trace is not cleared. No message: teardown
 * must not overwrite the error that made it run.
 */
int p2p_tracefs_write(const char *name, const char *val)
{
	char path[160];
	size_t len = strlen(val);
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", trace_root, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (len && write(fd, val, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int p2p_tracefs_read_trace(char **text)
{
	char path[96];

	if (!trace_root[0])
		return p2p_seterr_msg(EINVAL, "tracing not started");
	snprintf(path, sizeof(path), "%s/trace", trace_root);
	return p2p_read_file_alloc(path, text, NULL);
}

/*
 * An event line, "<comm>-<pid> [(<tgid>)] [<cpu>] <flags> <time>: <text>":
 * false if @line is not one. The comm may hold spaces and dashes, so the
 * pid is what follows the last dash before the cpu field. Cuts @line.
 */
bool p2p_trace_line(char *line, char *comm, size_t commlen, int *pid, int *cpu,
		    char **text)
{
	char *p, *end, *dash;

	for (p = strchr(line, '['); p; p = strchr(p + 1, '['))
		if (p > line && p[-1] == ' ' && sscanf(p, "[%d]", cpu) == 1 &&
		    p[1 + strspn(p + 1, "0123456789")] == ']')
			break;
	*text = p ? strstr(p, ": ") : NULL;
	if (!*text)
		return false;
	*text += 2;
	end = p;
	while (end > line && end[-1] == ' ')
		end--;
	/* record-tgid's "(  123)" */
	dash = end > line && end[-1] == ')' ? memrchr(line, '(', end - line) : NULL;
	if (dash) {
		end = dash;
		while (end > line && end[-1] == ' ')
			end--;
	}
	*end = '\0';
	line += strspn(line, " ");
	dash = strrchr(line, '-');
	if (!dash || !dash[1] || dash[1 + strspn(dash + 1, "0123456789")])
		return false;
	*pid = atoi(dash + 1);
	snprintf(comm, commlen, "%.*s", (int)(dash - line), line);
	return true;
}
