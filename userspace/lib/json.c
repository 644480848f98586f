// SPDX-License-Identifier: GPL-2.0
/*
 * JSON string escaping for the tools' machine output. Pure: no system
 * calls, no allocation.
 */
#include "dmabuf_p2p.h"

/* Bytes in the valid UTF-8 sequence at @s, or 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* UTF-16 surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * @src as the body of a JSON string literal (no quotes): '"' and '\' are
 * escaped, control characters become \b \f \n \r \t or \u00XX, invalid
 * UTF-8 bytes U+FFFD. Like snprintf: writes at most @len bytes with the
 * NUL, never half an escape, and returns the length of the whole result.
 * A NULL @src is the empty string.
 */
size_t p2p_json_escape(char *dst, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0, n, i;
	char esc[8];
	bool full = false;

	while (s && *s) {
		const char *piece = esc;

		n = 2;
		esc[0] = '\\';
		switch (*s) {
		case '"': case '\\':
			esc[1] = *s;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			if (*s < 0x20) {
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hex[*s >> 4];
				esc[5] = hex[*s & 0xf];
				n = 6;
			} else if (*s < 0x80) {
				piece = (const char *)s;
				n = 1;
			} else {
				n = utf8_len(s);
				piece = n ? (const char *)s : "\\ufffd";
				if (!n)
					n = 6;
			}
		}
		if (!full && out + n < len) {
			for (i = 0; i < n; i++)
				dst[out + i] = piece[i];
		} else if (!full) {
			full = true;
			if (len)
				dst[out] = '\0';
		}
		out += n;
		s += piece == (const char *)s ? n : 1;
	}
	if (!full && len)
		dst[out] = '\0';
	return out;
}
