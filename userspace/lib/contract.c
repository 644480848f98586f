// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's revoke contract as userspace sees it: the "violations"
 * log (P2P_EXP_VIOL_FMT lines, oldest first) and "pin_policy". The knobs
 * revoke_wait_ms and contract_warn, and the importer's misbehave and
 * misbehave_ms, are plain numbers: p2p_exp_knob_set/get(NULL, ...) and
 * p2p_imp_knob_set/get().
 */
#include <stdlib.h>
#include <string.h>

#include "dmabuf_p2p.h"
#include "internal.h"

int p2p_parse_violation_line(const char *line, struct p2p_violation *v)
{
	struct p2p_violation tmp = { 0 };
	struct kv kv[] = {
		KV("ino", KV_U64, &tmp.ino),
		KV_S("kind", tmp.kind, sizeof(tmp.kind)),
		KV_S("driver", tmp.driver, sizeof(tmp.driver)),
		KV_S("dev", tmp.dev, sizeof(tmp.dev)),
	};
	int ret = p2p_parse_kv(line, kv, ARRAY_SIZE(kv), "violations");

	if (!ret)
		*v = tmp;
	return ret;
}

/*
 * Every line of the log, oldest first, the first @max into @arr; returns
 * how many there are (the kernel keeps P2P_EXP_VIOLATION_LOG at most).
 */
static int parse_violation(const char *line, void *out)
{
	struct p2p_violation v;
	int ret = p2p_parse_violation_line(line, &v);

	if (!ret && out)
		memcpy(out, &v, sizeof(v));
	return ret;
}

int p2p_violations_list(struct p2p_violation *arr, int max)
{
	return p2p_exp_log_list("violations", parse_violation, arr, sizeof(*arr), max);
}

/* Any write clears the log. */
int p2p_violations_clear(void)
{
	return p2p_exp_knob_write(NULL, "violations", "clear");
}

/* "refused" or "allowed" (one trailing newline allowed) to enum p2p_pin_policy. */
int p2p_parse_pin_policy(const char *s)
{
	size_t len = strcspn(s, "\n");

	if (s[len] && s[len + 1])
		return p2p_seterr_msg(EINVAL, "pin_policy: junk after '%.*s'", (int)len, s);
	if (len == strlen("refused") && !strncmp(s, "refused", len))
		return P2P_PIN_REFUSED;
	if (len == strlen("allowed") && !strncmp(s, "allowed", len))
		return P2P_PIN_ALLOWED;
	return p2p_seterr_msg(EINVAL, "pin_policy: unknown '%.*s'", (int)len, s);
}

/* The exporter's pin_policy: P2P_PIN_REFUSED, P2P_PIN_ALLOWED or -errno. */
int p2p_pin_policy(void)
{
	char buf[32];
	int ret;

	ret = p2p_exp_knob_read(NULL, "pin_policy", buf, sizeof(buf));
	if (ret)
		return ret;
	return p2p_parse_pin_policy(buf);
}

const char *p2p_pin_policy_name(int policy)
{
	switch (policy) {
	case P2P_PIN_ALLOWED:
		return "allowed";
	case P2P_PIN_REFUSED:
		return "refused";
	}
	return "unknown";
}
