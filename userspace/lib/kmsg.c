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
