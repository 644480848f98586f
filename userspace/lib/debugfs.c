// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's and importer's debugfs test knobs, and parsers for the
 * exporter's "buffers" and "releases" lines (formats in
 * dmabuf_p2p_debugfs.h; read as key=value tokens by kv.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "dmabuf_p2p.h"
#include "internal.h"

int p2p_parse_buf_line(const char *line, struct p2p_buf_stat *st)
{
	struct p2p_buf_stat tmp = { 0 };
	struct kv kv[] = {
		KV("ino", KV_U64, &tmp.ino),
		KV("size", KV_U64, &tmp.size),
		KV("revoked", KV_INT, &tmp.revoked),
		KV("attaches", KV_U32, &tmp.attaches),
		KV("maps", KV_U32, &tmp.maps),
		KV("revokes", KV_U32, &tmp.revokes),
		KV("unrevokes", KV_U32, &tmp.unrevokes),
		KV("mapped", KV_U32, &tmp.mapped),
		KV("bus_maps", KV_U32, &tmp.bus_maps),
		KV("dma_maps", KV_U32, &tmp.dma_maps),
	};
	int ret = p2p_parse_kv(line, kv, ARRAY_SIZE(kv), "buffers");

	if (!ret)
		*st = tmp;
	return ret;
}

int p2p_parse_rel_line(const char *line, struct p2p_rel_rec *r)
{
	struct p2p_rel_rec tmp = { 0 };
	struct kv kv[] = {
		KV("ino", KV_U64, &tmp.ino),
		KV_S("path", tmp.path, sizeof(tmp.path)),
		KV("attaches", KV_U32, &tmp.attaches),
		KV("maps", KV_U32, &tmp.maps),
		KV("revokes", KV_U32, &tmp.revokes),
		KV("unrevokes", KV_U32, &tmp.unrevokes),
	};
	int ret = p2p_parse_kv(line, kv, ARRAY_SIZE(kv), "releases");

	if (!ret)
		*r = tmp;
	return ret;
}

/* The exporter's debugfs directory: P2P_EXP_DEBUGFS unless a test moved it. */
static const char *exp_root = P2P_EXP_DEBUGFS;

/*
 * Read the exporter's knobs from @dir instead of P2P_EXP_DEBUGFS (a fake
 * tree, for host tests); NULL goes back to P2P_EXP_DEBUGFS. Call it before
 * any thread uses the library.
 */
void p2p_exp_debugfs_set_root(const char *dir)
{
	exp_root = dir ? dir : P2P_EXP_DEBUGFS;
}

int p2p_exp_knob_path(const char *bdf, const char *name, char *buf, size_t len)
{
	int n;

	if (bdf)
		n = snprintf(buf, len, "%s/%s/%s", exp_root, bdf, name);
	else
		n = snprintf(buf, len, "%s/%s", exp_root, name);
	if (n < 0 || (size_t)n >= len)
		return p2p_seterr_msg(ENAMETOOLONG, "debugfs path too long");
	return 0;
}

/* Mount debugfs if nobody did; 0 if the exporter's directory is there. */
int p2p_debugfs_ensure(void)
{
	if (!access(exp_root, F_OK))
		return 0;
	if (access("/sys/kernel/debug/.", F_OK) == 0 &&
	    mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) && errno != EBUSY)
		return p2p_seterr(errno, "mount debugfs");
	if (access(exp_root, F_OK))
		return p2p_seterr(errno, "%s (dmabuf_p2p_exp loaded?)", exp_root);
	return 0;
}

bool p2p_exp_debugfs_present(void)
{
	return !access(exp_root, F_OK);
}

/*
 * Call @fn on each of @bdf's "buffers" lines, parsed, until it returns
 * true; returns how many lines it was called on, or -errno.
 */
static int buffers_walk(const char *bdf,
			bool (*fn)(const struct p2p_buf_stat *st, int i, void *arg), void *arg)
{
	char path[160], *text, *line, *save = NULL;
	struct p2p_buf_stat st;
	int n = 0, ret;

	ret = p2p_exp_knob_path(bdf, "buffers", path, sizeof(path));
	if (ret)
		return ret;
	ret = p2p_read_file_alloc(path, &text, NULL);
	if (ret)
		return ret;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!line[strspn(line, " \t")])
			continue;
		ret = p2p_parse_buf_line(line, &st);
		if (ret) {
			free(text);
			return ret;
		}
		if (fn(&st, n++, arg))
			break;
	}
	free(text);
	return n;
}

struct buf_fill {
	struct p2p_buf_stat *arr;
	int max;
};

static bool buf_fill_one(const struct p2p_buf_stat *st, int i, void *arg)
{
	struct buf_fill *f = arg;

	if (i < f->max)
		f->arr[i] = *st;
	return false;
}

/* Fill up to @max entries; returns how many buffers the device has. */
int p2p_buffers_list(const char *bdf, struct p2p_buf_stat *arr, int max)
{
	struct buf_fill f = { .arr = arr, .max = max };

	return buffers_walk(bdf, buf_fill_one, &f);
}

struct buf_find {
	uint64_t ino;
	struct p2p_buf_stat *st;
	bool found;
};

static bool buf_find_one(const struct p2p_buf_stat *st, int i, void *arg)
{
	struct buf_find *f = arg;

	(void)i;
	if (st->ino != f->ino)
		return false;
	*f->st = *st;
	f->found = true;
	return true;
}

/*
 * The live buffer @ino of @bdf, however many buffers the device lists;
 * -ENOENT when it does not list @ino.
 */
int p2p_buffer_stat(const char *bdf, uint64_t ino, struct p2p_buf_stat *st)
{
	struct buf_find f = { .ino = ino, .st = st };
	int ret;

	ret = buffers_walk(bdf, buf_find_one, &f);
	if (ret < 0)
		return ret;
	if (!f.found)
		return p2p_seterr_msg(ENOENT, "%s lists no buffer ino=%llu", bdf,
				      (unsigned long long)ino);
	return 0;
}

/* The newest release record of @ino; -ENOENT if there is none (yet). */
int p2p_release_find(uint64_t ino, struct p2p_rel_rec *r)
{
	struct p2p_rel_rec *arr;
	int n, i;

	/* The kernel keeps the last P2P_EXP_RELEASE_LOG records only. */
	arr = malloc(P2P_EXP_RELEASE_LOG * sizeof(*arr));
	if (!arr)
		return p2p_seterr_msg(ENOMEM, "release log: out of memory");
	n = p2p_releases_list(arr, P2P_EXP_RELEASE_LOG);
	if (n > P2P_EXP_RELEASE_LOG)
		n = P2P_EXP_RELEASE_LOG;
	for (i = n - 1; i >= 0; i--) {
		if (arr[i].ino == ino) {
			*r = arr[i];
			break;
		}
	}
	free(arr);
	if (n < 0)
		return n;
	if (i < 0)
		return p2p_seterr_msg(ENOENT, "no release record for ino=%llu",
				      (unsigned long long)ino);
	return 0;
}

/*
 * The release record of @ino, polled for up to @timeout_ms: task_work and
 * delayed_fput releases finish after the call that caused them.
 */
int p2p_release_wait(uint64_t ino, struct p2p_rel_rec *r, unsigned int timeout_ms)
{
	uint64_t deadline = p2p_now_ms() + timeout_ms;
	int ret;

	while ((ret = p2p_release_find(ino, r)) == -ENOENT) {
		if (p2p_now_ms() >= deadline)
			return p2p_seterr_msg(ETIMEDOUT, "no release record for ino=%llu after %u ms",
					      (unsigned long long)ino, timeout_ms);
		p2p_sleep_ms(20);
	}
	return ret;
}

/*
 * Every test knob back to rest: the exporter's global knobs, the forced
 * revoke of each of the @n devices in @bdfs (NULL entries skipped), and the
 * importer's knobs. Best effort, for teardown: errors are ignored.
 */
void p2p_knobs_reset(const char *const *bdfs, size_t n)
{
	static const char *const knobs[] = {
		"release_delay_ms", "revoke_hold_ms", "fail_next_attach", "fail_next_map",
		"skip_p2p_distance" };
	size_t i;

	if (p2p_exp_debugfs_present()) {
		for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
			p2p_exp_knob_set(NULL, knobs[i], 0);
		/* The revoke contract's knobs rest at their defaults, not 0. */
		p2p_exp_knob_set(NULL, "revoke_wait_ms", P2P_EXP_REVOKE_WAIT_MS);
		p2p_exp_knob_set(NULL, "contract_warn", 1);
		for (i = 0; i < n; i++)
			if (bdfs[i])
				p2p_knob_revoke(bdfs[i], false);
	}
	if (!access(P2P_IMP_DEBUGFS, F_OK)) {
		p2p_imp_knob_set("move_notify_delay_ms", 0);
		p2p_imp_knob_set("fail_next_map", 0);
		p2p_imp_knob_set("misbehave", P2P_IMP_MISBEHAVE_NONE);
		p2p_imp_knob_set("misbehave_ms", 0);
	}
}

/*
 * Every line of the exporter's log file @name, oldest first, parsed by
 * @parse into @arr (@size bytes each, at most @max); returns how many lines
 * there are, or the first parse error.
 */
int p2p_exp_log_list(const char *name, int (*parse)(const char *line, void *out),
		     void *arr, size_t size, int max)
{
	char path[160], *text, *line, *save = NULL;
	int ret, n = 0;

	ret = p2p_exp_knob_path(NULL, name, path, sizeof(path));
	if (ret)
		return ret;
	ret = p2p_read_file_alloc(path, &text, NULL);
	if (ret)
		return ret;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!line[strspn(line, " \t")])
			continue;
		ret = parse(line, n < max ? (char *)arr + (size_t)n * size : NULL);
		if (ret) {
			free(text);
			return ret;
		}
		n++;
	}
	free(text);
	return n;
}

static int parse_rel(const char *line, void *out)
{
	struct p2p_rel_rec rec;
	int ret = p2p_parse_rel_line(line, &rec);

	if (!ret && out)
		memcpy(out, &rec, sizeof(rec));
	return ret;
}

/* Every record of the release log, oldest first; returns how many there are. */
int p2p_releases_list(struct p2p_rel_rec *arr, int max)
{
	return p2p_exp_log_list("releases", parse_rel, arr, sizeof(*arr), max);
}

int p2p_releases_clear(void)
{
	return p2p_exp_knob_write(NULL, "releases", "clear");
}

int p2p_exp_knob_write(const char *bdf, const char *name, const char *val)
{
	char path[160];
	int ret;

	ret = p2p_exp_knob_path(bdf, name, path, sizeof(path));
	if (ret)
		return ret;
	return p2p_write_file(path, val);
}

int p2p_exp_knob_read(const char *bdf, const char *name, char *buf, size_t len)
{
	char path[160];
	int ret;

	ret = p2p_exp_knob_path(bdf, name, path, sizeof(path));
	if (ret)
		return ret;
	ret = p2p_read_file(path, buf, len);
	return ret < 0 ? ret : 0;
}

int p2p_exp_knob_set(const char *bdf, const char *name, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return p2p_exp_knob_write(bdf, name, buf);
}

int p2p_exp_knob_get(const char *bdf, const char *name, long *val)
{
	char buf[64], *end;
	int ret;

	ret = p2p_exp_knob_read(bdf, name, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtol(buf, &end, 0);
	if (errno || end == buf || (*end && *end != '\n'))
		return p2p_seterr_msg(EINVAL, "knob %s: not a number '%s'", name, buf);
	return 0;
}

int p2p_imp_knob_set(const char *name, long val)
{
	char path[160], buf[32];

	snprintf(path, sizeof(path), P2P_IMP_DEBUGFS "/%s", name);
	snprintf(buf, sizeof(buf), "%ld", val);
	return p2p_write_file(path, buf);
}

int p2p_imp_knob_get(const char *name, long *val)
{
	char path[160], buf[64], *end;
	int ret;

	snprintf(path, sizeof(path), P2P_IMP_DEBUGFS "/%s", name);
	ret = p2p_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtol(buf, &end, 0);
	if (errno || end == buf || *end)
		return p2p_seterr_msg(EINVAL, "importer knob %s: not a number '%s'", name, buf);
	return 0;
}

int p2p_knob_revoke(const char *bdf, bool revoke)
{
	return p2p_exp_knob_write(bdf, "revoke", revoke ? "1" : "0");
}
