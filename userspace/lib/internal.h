/* SPDX-License-Identifier: GPL-2.0 */
/* Library-internal helpers; not installed, not part of the API. */
#ifndef DMABUF_P2P_INTERNAL_H
#define DMABUF_P2P_INTERNAL_H

#include <errno.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Record @err (a positive errno) with a message built from @fmt and
 * strerror(@err); returns -@err so callers can "return p2p_seterr(...)".
 */
int p2p_seterr(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Same, but the message is used as is (no ": strerror" suffix). */
int p2p_seterr_msg(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* DMABUF_P2P_INTERNAL_H */
