/* SPDX-License-Identifier: GPL-2.0 */
/* Library-internal helpers; not installed, not part of the API. */
#ifndef DMABUF_P2P_INTERNAL_H
#define DMABUF_P2P_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

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

/* kv.c: key=value debugfs lines */
enum kv_type { KV_U64, KV_U32, KV_INT, KV_STR };

struct kv {
	const char *key;
	enum kv_type type;
	void *ptr;
	size_t len;	/* KV_STR buffer size */
	bool seen;
};

#define KV(k, t, p)	{ .key = (k), .type = (t), .ptr = (p) }
#define KV_S(k, p, l)	{ .key = (k), .type = KV_STR, .ptr = (p), .len = (l) }

/*
 * Fill @kv (@n keys) from @line; @what names the line in the error.
 * -EINVAL for a malformed token, a bad value or a missing key, -ERANGE for
 * a number too big for its field.
 */
int p2p_parse_kv(const char *line, struct kv *kv, size_t n, const char *what);

/* debugfs.c: the lines of an exporter log file (releases, violations). */
int p2p_exp_log_list(const char *name, int (*parse)(const char *line, void *out),
		     void *arr, size_t size, int max);

/* tracefs.c: tracefs for the function tracer and our tracepoints */
const char *p2p_tracefs_root(void);	/* NULL until found */
bool p2p_tracefs_find(bool mnt);
int p2p_tracefs_write(const char *name, const char *val);
int p2p_tracefs_read_trace(char **text);
bool p2p_trace_line(char *line, char *comm, size_t commlen, int *pid, int *cpu,
		    char **text);

#endif /* DMABUF_P2P_INTERNAL_H */
