// SPDX-License-Identifier: GPL-2.0
/*
 * The one parser of the exporter's debugfs lines ("buffers", "releases",
 * "violations"): key=value tokens, order free, unknown keys ignored (the
 * kernel may add some), every key the caller names required. Numbers are
 * decimal as the kernel prints them; strings are non-empty and must fit.
 */
#include <limits.h>
#include <string.h>

#include "dmabuf_p2p.h"
#include "internal.h"

int p2p_parse_kv(const char *line, struct kv *kv, size_t n, const char *what)
{
	char buf[512], *tok, *save = NULL;
	size_t i;

	if (strlen(line) >= sizeof(buf))
		return p2p_seterr_msg(EINVAL, "%s line too long", what);
	strcpy(buf, line);
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t v = 0;

		if (!eq || eq == tok)
			return p2p_seterr_msg(EINVAL, "%s line: bad token '%s'", what, tok);
		*eq++ = '\0';
		for (i = 0; i < n; i++)
			if (!strcmp(kv[i].key, tok))
				break;
		if (i == n)
			continue;
		if (kv[i].type == KV_STR) {
			if (!*eq || strlen(eq) >= kv[i].len)
				return p2p_seterr_msg(EINVAL, "%s line: bad %s '%s'", what, tok, eq);
			strcpy(kv[i].ptr, eq);
		} else {
			/* Kernel prints decimal: refuse hex, signs and leading junk. */
			if (!*eq || eq[strspn(eq, "0123456789")] || p2p_parse_u64(eq, &v))
				return p2p_seterr_msg(EINVAL, "%s line: bad %s '%s'", what, tok, eq);
			switch (kv[i].type) {
			case KV_U64:
				*(uint64_t *)kv[i].ptr = v;
				break;
			case KV_U32:
				if (v > UINT_MAX)
					return p2p_seterr_msg(ERANGE, "%s line: %s too big", what, tok);
				*(unsigned int *)kv[i].ptr = v;
				break;
			case KV_INT:
				if (v > INT_MAX)
					return p2p_seterr_msg(ERANGE, "%s line: %s too big", what, tok);
				*(int *)kv[i].ptr = v;
				break;
			case KV_STR:
				break;
			}
		}
		kv[i].seen = true;
	}
	for (i = 0; i < n; i++)
		if (!kv[i].seen)
			return p2p_seterr_msg(EINVAL, "%s line: no '%s=' in '%s'", what,
					      kv[i].key, line);
	return 0;
}
