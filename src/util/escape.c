/* See escape.h. One helper for every client string that reaches a log
 * line or the control socket, so there is one rule to review. */
#include "util/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/hex.h"

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 4), or 0. */
static size_t utf8_len(const uint8_t *p, size_t left, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		n = 2, c = p[0] & 0x1F, min = 0x80;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		n = 3, c = p[0] & 0x0F, min = 0x800;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		n = 4, c = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* Characters that are valid but still rewrite what a reader sees. */
static bool cp_needs_escape(uint32_t c)
{
	return c < 0x20 || c == 0x7F || c == '\\' || (c >= 0x80 && c <= 0x9F) ||
	       c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* The character at p: its length in bytes, and whether it is escaped. */
static size_t next_char(const uint8_t *p, size_t left, bool *escape)
{
	uint32_t cp = 0;
	size_t n = utf8_len(p, left, &cp);

	*escape = n == 0 || cp_needs_escape(cp);
	return n ? n : 1;
}

static size_t escaped_len(const uint8_t *p, size_t len)
{
	size_t total = 0;

	for (size_t i = 0, n; i < len; i += n) {
		bool escape;

		n = next_char(p + i, len - i, &escape);
		total += escape ? 4 * n : n;
	}
	return total;
}

const char *esc_bytes(char *out, size_t outlen, const void *in, size_t len)
{
	const uint8_t *p = in;
	/* When it does not all fit, every step keeps room for "...". */
	size_t o = 0, keep = escaped_len(p, len) < outlen ? 0 : 3;

	if (outlen < 4) {
		if (outlen)
			out[0] = '\0';
		return out;
	}
	for (size_t i = 0, n; i < len; i += n) {
		bool escape;

		n = next_char(p + i, len - i, &escape);
		if (o + (escape ? 4 * n : n) + keep >= outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		for (size_t k = 0; k < n; k++) {
			if (escape) {
				out[o++] = '\\';
				out[o++] = 'x';
				hex_encode(out + o, p + i + k, 1);
				o += 2;
			} else {
				out[o++] = (char)p[i + k];
			}
		}
	}
	out[o] = '\0';
	return out;
}

const char *esc_str(char *out, size_t outlen, const char *s)
{
	if (!s)
		return esc_bytes(out, outlen, "(null)", 6);
	return esc_bytes(out, outlen, s, strlen(s));
}
