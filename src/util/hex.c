#include <string.h>

#include "util/hex.h"

void hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
}

int hex_digit(char c, bool upper_ok)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (upper_ok && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_decode(uint8_t *out, const char *in, size_t len, bool upper_ok)
{
	/* Decoded in place only once every digit is known good. */
	for (size_t i = 0; i < 2 * len; i++)
		if (hex_digit(in[i], upper_ok) < 0)
			return false;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(hex_digit(in[2 * i], upper_ok) << 4 |
				   hex_digit(in[2 * i + 1], upper_ok));
	return true;
}
