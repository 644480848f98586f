// SPDX-License-Identifier: GPL-2.0
/*
 * Reading new kernel log records from /dev/kmsg, to quote the kernel's own
 * words in a diagnostic or to wait for an expected report.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

/* Opened at the end of the log: only records logged from now on are read. */
int p2p_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return p2p_seterr(errno, "open /dev/kmsg");
	if (lseek(fd, 0, SEEK_END) < 0) {
		int err = errno;

		close(fd);
		return p2p_seterr(err, "seek /dev/kmsg");
	}
	return fd;
}

/*
 * Next record's message text (after the "prio,seq,ts,flags;" header) into
 * @buf; returns its length, 0 when there is nothing new, or -errno.
 */
int p2p_kmsg_next(int fd, char *buf, size_t len)
{
	char rec[8192], *msg, *nl;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip ahead */
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return p2p_seterr(errno, "read /dev/kmsg");
		break;
	}
	rec[n] = '\0';
	msg = strchr(rec, ';');
	msg = msg ? msg + 1 : rec;
	nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	if (len) {
		strncpy(buf, msg, len - 1);
		buf[len - 1] = '\0';
	}
	return strlen(msg) ? (int)strlen(msg) : 1;
}

/* Wait up to @timeout_ms for a record containing any of @needles (NULL-ended). */
int p2p_kmsg_wait_for(int fd, const char *const *needles, int timeout_ms,
		      char *hit, size_t hitlen)
{
	uint64_t deadline = p2p_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char line[1024];
	int n, i;

	for (;;) {
		while ((n = p2p_kmsg_next(fd, line, sizeof(line))) > 0) {
			for (i = 0; needles[i]; i++) {
				if (strstr(line, needles[i])) {
					if (hit && hitlen)
						snprintf(hit, hitlen, "%s", line);
					return 1;
				}
			}
		}
		if (n < 0)
			return n;
		if (p2p_now_ms() >= deadline)
			return 0;
		poll(&pfd, 1, 100);
	}
}

/*
 * Kernel reports that mean something went wrong, whatever the tests said:
 * WARN/BUG, lockdep, hung tasks, KASAN, kmemleak (the words the VM rig's
 * report.py looks for on the console, too).
 */
static const char *const splat_needles[] = {
	"WARNING:", "BUG:", "Oops", "general protection fault",
	"possible circular locking", "possible recursive locking",
	"inconsistent lock state", "blocked for more than", "KASAN",
	"UBSAN:", "new suspected memory leaks", "unreferenced object",
	"refcount_t:", "list_add corruption", "list_del corruption",
};

bool p2p_kmsg_is_splat(const char *line)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(splat_needles); i++)
		if (strstr(line, splat_needles[i]))
			return true;
	return false;
}

/*
 * Read every record logged since the last call; returns how many were
 * splats (the first one's text into @first, if it was empty) or -errno.
 */
int p2p_kmsg_scan_splats(int fd, char *first, size_t len)
{
	char line[1024];
	int n, hits = 0;

	while ((n = p2p_kmsg_next(fd, line, sizeof(line))) > 0) {
		if (!p2p_kmsg_is_splat(line))
			continue;
		if (!hits && first && len && !first[0])
			snprintf(first, len, "%s", line);
		hits++;
	}
	return n < 0 ? n : hits;
}
