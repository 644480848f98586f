// SPDX-License-Identifier: GPL-2.0
/*
 * Per-thread last error: the library returns -errno and keeps a message
 * saying what it was doing, retrievable with p2p_last_error().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf_p2p.h"
#include "internal.h"

static __thread char last_msg[512];
static __thread int last_err;

static int vseterr(int err, bool suffix, const char *fmt, va_list ap)
{
	int n;

	if (err < 0)
		err = -err;
	if (!err)
		err = EIO;
	n = vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	if (suffix && n >= 0 && (size_t)n < sizeof(last_msg))
		snprintf(last_msg + n, sizeof(last_msg) - n, ": %s", strerror(err));
	last_err = err;
	return -err;
}

int p2p_seterr(int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vseterr(err, true, fmt, ap);
	va_end(ap);
	return ret;
}

int p2p_seterr_msg(int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vseterr(err, false, fmt, ap);
	va_end(ap);
	return ret;
}

const char *p2p_last_error(void)
{
	return last_msg;
}

/*
 * The message of the last failure if @err is what it returned, otherwise
 * plain strerror(). Accepts -errno or errno.
 */
const char *p2p_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err && err == last_err && last_msg[0])
		return last_msg;
	return strerror(err);
}

void p2p_clear_error(void)
{
	last_msg[0] = '\0';
	last_err = 0;
}

/* "ENODEV" for ENODEV (sign ignored); "E<number>" for one glibc lacks. */
const char *p2p_errno_name(int err)
{
	static __thread char buf[16];
	const char *s;

	if (err < 0)
		err = -err;
	s = strerrorname_np(err);
	if (s)
		return s;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}
