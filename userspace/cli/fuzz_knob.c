// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf-p2p fuzz: the debugfs knobs it writes garbage into, and a model
 * of what the kernel makes of each write. The model exists for two
 * reasons: a knob that sleeps must never end up above FUZZ_SLEEP_MAX_MS
 * (release_delay_ms and revoke_hold_ms sleep under memory_lock,
 * move_notify_delay_ms under the resv lock, once per buffer or
 * attachment), whatever garbage was written; and a fail_next_* knob arms
 * an errno that REG_MR or ACCESS_MR then return, which the fuzzer must
 * know before the write lands.
 *
 * Never written: bug_sync_put (the negative control deadlocks on purpose).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

static const struct fuzz_knob knobs[] = {
	{ "release_delay_ms", false, false, KP_CAPPED, P2P_EXP_DELAY_MAX_MS, true, false },
	{ "revoke_hold_ms", false, false, KP_CAPPED, P2P_EXP_DELAY_MAX_MS, true, false },
	{ "fail_next_attach", false, false, KP_CAPPED, 4095, false, true },
	{ "fail_next_map", false, false, KP_CAPPED, 4095, false, true },
	{ "skip_p2p_distance", false, false, KP_U32, 0, false, false },
	{ "releases", false, false, KP_ANY, 0, false, false },
	{ "revoke", false, true, KP_BOOL, 0, false, false },
	{ "buffers", false, true, KP_NONE, 0, false, false },
	/* importer/debugfs.c: P2P_IMP_MAX_DELAY_MS (10000), MAX_ERRNO */
	{ "move_notify_delay_ms", true, false, KP_CAPPED, 10000, true, false },
	{ "fail_next_map", true, false, KP_CAPPED, 4095, false, true },
};

const struct fuzz_knob *fuzz_knobs(size_t *n)
{
	*n = sizeof(knobs) / sizeof(knobs[0]);
	return knobs;
}

static int digit(char c, unsigned int base)
{
	unsigned int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

/* lib/kstrtox.c _kstrtoull() with base 0: radix prefix, one trailing "\n". */
static int kstrtoull_raw(const char *s, uint64_t *res)
{
	unsigned int base = 10, n = 0;
	bool overflow = false;
	uint64_t v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit(s[2], 16) >= 0) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (; (d = digit(*s, base)) >= 0; s++, n++) {
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

int fuzz_kstrtoull(const char *s, uint64_t *res)
{
	if (s[0] == '+')
		s++;
	return kstrtoull_raw(s, res);
}

/* lib/kstrtox.c kstrtobool() */
static int kstrtobool_model(const char *s, int64_t *res)
{
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = 1;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = 0;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*res = 1;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*res = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * The kernel copies at most @cap - 1 bytes into a NUL-terminated buffer
 * (simple_attr_write: 24, kstrtobool_from_user: 4), so an embedded NUL
 * ends the string and a long one is cut.
 */
static void kernel_copy(char *dst, size_t cap, const char *buf, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	memcpy(dst, buf, n);
	dst[n] = '\0';
}

int fuzz_knob_effect(const struct fuzz_knob *k, const char *buf, size_t len, int64_t *val)
{
	char s[24];
	uint64_t u;
	int ret;

	switch (k->parse) {
	case KP_CAPPED:
		kernel_copy(s, sizeof(s), buf, len);
		ret = fuzz_kstrtoull(s, &u);
		if (ret)
			return ret;
		if (u > k->max)
			return -EINVAL;
		*val = (int64_t)u;
		return 0;
	case KP_U32:
		kernel_copy(s, sizeof(s), buf, len);
		ret = fuzz_kstrtoull(s, &u);
		if (ret)
			return ret;
		*val = (uint32_t)u;
		return 0;
	case KP_BOOL:
		kernel_copy(s, 4, buf, len);
		return kstrtobool_model(s, val);
	case KP_ANY:
		*val = 0;
		return 0;
	case KP_NONE:
		break;
	}
	return -EINVAL;
}

bool fuzz_knob_safe(const struct fuzz_knob *k, const char *buf, size_t len)
{
	int64_t v;

	if (!k->sleeps || fuzz_knob_effect(k, buf, len, &v))
		return true;
	return v >= 0 && v <= FUZZ_SLEEP_MAX_MS;
}

/* Errnos the fail_next_* knobs arm: common ones, unknown ones, MAX_ERRNO. */
static const unsigned int inject_errnos[] = {
	EPERM, EIO, ENXIO, EAGAIN, ENOMEM, EBUSY, ENOSPC, ETIMEDOUT, EHWPOISON, 200, 4095,
};

static const char *const garbage[] = {
	"", "\n", "abc", "1x", " 1", "1 ", "0x", "0xg", "08", "--1", "+-1", "1.5",
	"\x01\x02", "\xef\xbc\x91", "y", "on", "off", "nope", "\n1", "0\n\n",
};

static const char *const huge[] = {
	"18446744073709551615", "18446744073709551616", "99999999999999999999999999",
	"4294967296", "9223372036854775807", "9223372036854775808",
	"0xffffffffffffffff", "0x10000000000000000", "4294967295",
};

static const char *const negative[] = {
	"-1", "-0", "-50", "-4095", "-2147483648", "-9223372036854775808",
	"-9223372036854775809",
};

/* A number a knob of @k's kind is meant to take. */
static uint64_t in_range(const struct fuzz_knob *k, struct fuzz_bits *b)
{
	uint32_t r = fuzz_below(b, 100);

	if (k->sleeps) {
		/* Mostly off: a delay costs every release or revoke that much. */
		if (r < 95)
			return 0;
		if (r < 99 || fuzz_below(b, 2))
			return 1 + fuzz_below(b, 2);
		return 3 + fuzz_below(b, FUZZ_SLEEP_MAX_MS - 2);
	}
	if (k->injects)
		return r < 40 ? 0 : inject_errnos[fuzz_below(b, sizeof(inject_errnos) /
								sizeof(inject_errnos[0]))];
	if (k->parse == KP_BOOL)
		return r < 70 ? 0 : 1;
	return r < 50 ? 0 : r < 80 ? 1 : fuzz_bits(b, 32);
}

static void number(struct fuzz_bits *b, uint64_t v, char *buf, size_t cap)
{
	switch (fuzz_below(b, 6)) {
	case 0:
		snprintf(buf, cap, "%llu", (unsigned long long)v);
		break;
	case 1:
		snprintf(buf, cap, "0x%llx", (unsigned long long)v);
		break;
	case 2:
		snprintf(buf, cap, "0%llo", (unsigned long long)v);
		break;
	case 3:
		snprintf(buf, cap, "+%llu", (unsigned long long)v);
		break;
	default:
		snprintf(buf, cap, "%llu\n", (unsigned long long)v);
		break;
	}
}

static void boolean(struct fuzz_bits *b, bool v, char *buf, size_t cap)
{
	static const char *const on[] = { "1", "1\n", "y", "Y", "on", "true" };
	static const char *const off[] = { "0", "0\n", "n", "N", "off", "false" };

	snprintf(buf, cap, "%s", (v ? on : off)[fuzz_below(b, 6)]);
}

#define PICK(b, arr)	((arr)[fuzz_below(b, sizeof(arr) / sizeof((arr)[0]))])

void fuzz_knob_value(const struct fuzz_knob *k, struct fuzz_bits *b, char *buf, size_t cap,
		     size_t *len)
{
	uint32_t mode = fuzz_below(b, 100);
	size_t n, i;

	if (mode < 60) {
		if (k->parse == KP_BOOL)
			boolean(b, in_range(k, b), buf, cap);
		else
			number(b, in_range(k, b), buf, cap);
	} else if (mode < 72) {
		snprintf(buf, cap, "%s", PICK(b, garbage));
	} else if (mode < 80) {
		/* An embedded NUL: the kernel stops reading there ("\099" would be octal). */
		n = snprintf(buf, cap, "%u", fuzz_below(b, 4));
		if (n + 4 < cap) {
			memcpy(buf + n, "\0" "99", 4);
			*len = n + 3;
			goto check;
		}
	} else if (mode < 88) {
		/* 2^32 + N: a u32 knob keeps N. */
		if (fuzz_below(b, 2))
			snprintf(buf, cap, "%llu", (1ULL << 32) + fuzz_below(b, FUZZ_SLEEP_MAX_MS + 1));
		else
			snprintf(buf, cap, "%s", PICK(b, huge));
	} else if (mode < 95) {
		snprintf(buf, cap, "%s", PICK(b, negative));
	} else {
		/* Longer than the kernel's buffer: it reads the first 23 bytes. */
		n = 24 + fuzz_below(b, cap - 25);
		for (i = 0; i < n; i++)
			buf[i] = i + 1 < n ? '0' : '0' + fuzz_below(b, 10);
		buf[n] = '\0';
	}
	*len = strlen(buf);
check:
	if (!fuzz_knob_safe(k, buf, *len)) {
		snprintf(buf, cap, "0");
		*len = 1;
	}
}
