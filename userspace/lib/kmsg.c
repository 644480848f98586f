// SPDX-License-Identifier: GPL-2.0
/*
 * Reading new kernel log records from /dev/kmsg, to quote the kernel's own
 * words in a diagnostic or to wait for an expected report.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
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
 * read(2) refuses (EINVAL) a buffer too small for the next record, and
 * keeps that record for the next read: start with room for what the kernel
 * usually writes, and grow up to this.
 */
#define KMSG_REC_MIN	8192
#define KMSG_REC_MAX	(1 << 20)

static ssize_t (*kmsg_read)(int fd, void *buf, size_t count) = read;

/* Read records with @fn instead of read(2) (host tests); NULL: read(2). */
void p2p_kmsg_set_reader(ssize_t (*fn)(int fd, void *buf, size_t count))
{
	kmsg_read = fn ? fn : read;
}

/*
 * Next record's message text (after the "prio,seq,ts,flags;" header) into
 * @buf; returns its length, 0 when there is nothing new, or -errno.
 */
int p2p_kmsg_next(int fd, char *buf, size_t len)
{
	char small[KMSG_REC_MIN], *rec = small, *msg, *nl, *big;
	size_t cap = sizeof(small);
	ssize_t n;
	int ret;

	for (;;) {
		n = kmsg_read(fd, rec, cap - 1);
		if (n >= 0)
			break;
		if (errno == EPIPE)
			continue;	/* overwritten records: skip ahead */
		if (errno == EAGAIN) {
			ret = 0;
			goto out;
		}
		if (errno != EINVAL || cap >= KMSG_REC_MAX) {
			ret = p2p_seterr(errno, "read /dev/kmsg (%zu byte buffer)", cap - 1);
			goto out;
		}
		/* A record bigger than @rec: read it again into a bigger one. */
		big = realloc(rec == small ? NULL : rec, cap * 2);
		if (!big) {
			ret = p2p_seterr_msg(ENOMEM, "read /dev/kmsg: no memory for %zu bytes",
					     cap * 2);
			goto out;
		}
		rec = big;
		cap *= 2;
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
	ret = strlen(msg) ? (int)strlen(msg) : 1;
out:
	if (rec != small)
		free(rec);
	return ret;
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
 * the rig's one list, tests/vm/splat-patterns (the VM's console watcher and
 * report.py read it too), turned into splat_patterns.h at build time.
 */
static const char *const splat_eres[] = {
#include "splat_patterns.h"
};

static regex_t splat_re[ARRAY_SIZE(splat_eres)];
static int splat_re_err;
static pthread_once_t splat_once = PTHREAD_ONCE_INIT;

static void splat_compile(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(splat_eres); i++)
		if (regcomp(&splat_re[i], splat_eres[i], REG_EXTENDED | REG_NOSUB))
			splat_re_err = -1;
}

bool p2p_kmsg_is_splat(const char *line)
{
	size_t i;

	pthread_once(&splat_once, splat_compile);
	/* A list that does not compile must not pass every log: say splat. */
	if (splat_re_err)
		return true;
	for (i = 0; i < ARRAY_SIZE(splat_eres); i++)
		if (!regexec(&splat_re[i], line, 0, NULL, 0))
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

/*
 * For runners that keep a tally: add what was logged since the last call to
 * *@count (the first report into @first, as above). No kmsg (@fd < 0) or a
 * read error adds nothing; the next call tries again.
 */
void p2p_kmsg_tally(int fd, char *first, size_t len, int *count)
{
	int n;

	if (fd < 0)
		return;
	n = p2p_kmsg_scan_splats(fd, first, len);
	if (n > 0)
		*count += n;
}
