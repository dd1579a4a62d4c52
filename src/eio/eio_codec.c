/* The Engine.IO v4 wire codec: packets ("<type digit><data>"), polling
 * payloads (packets joined by 0x1E, "Payload" in the v4 spec), base64 "b"
 * packets for binary messages over polling, and the query string. Pure:
 * no I/O, no allocation. */
#include <string.h>

#include "eio/eio.h"
#include "util/errors.h"

int eio_packet_parse(const uint8_t *p, size_t len, struct eio_packet *pkt)
{
	if (!len)
		return TR_EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	/* v4 "Packet encoding": a binary message over polling is "b" and
	 * its base64; it is always a message packet. */
	if (p[0] == 'b') {
		pkt->type = EIO_MESSAGE;
		pkt->b64 = true;
	} else if (p[0] >= '0' && p[0] <= '6') {
		pkt->type = (enum eio_type)(p[0] - '0');
	} else {
		return TR_EINVAL;
	}
	pkt->data = p + 1;
	pkt->len = len - 1;
	return 0;
}

int eio_payload_next(const uint8_t *p, size_t len, size_t *off, struct eio_packet *pkt)
{
	const uint8_t *start, *sep;
	size_t n;

	if (*off > len)
		return TR_EINVAL;
	if (*off == len)
		return 0;
	start = p + *off;
	sep = memchr(start, EIO_SEPARATOR, len - *off);
	n = sep ? (size_t)(sep - start) : len - *off;
	if (eio_packet_parse(start, n, pkt))
		return TR_EINVAL;
	*off += n;
	/* A trailing separator would announce an empty packet: refused. */
	if (sep) {
		*off += 1;
		if (*off == len)
			return TR_EINVAL;
	}
	return 1;
}

static int b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 4648 section 4, padding required (as btoa and Buffer write it). */
ssize_t eio_base64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (len % 4)
		return TR_EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		size_t pad = 0;

		for (size_t k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad)
				return TR_EINVAL; /* data after padding */
			v[k] = b64_value(in[i + k]);
			if (v[k] < 0)
				return TR_EINVAL;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
			     (uint32_t)v[2] << 6 | (uint32_t)v[3];
		uint8_t b[3] = { (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w };

		for (size_t k = 0; k < 3 - pad; k++) {
			if (out) {
				if (n >= cap)
					return TR_ETRUNC;
				out[n] = b[k];
			}
			n++;
		}
	}
	return (ssize_t)n;
}

size_t eio_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void eio_base64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;
		size_t left = n - i;

		if (left > 1)
			w |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			w |= in[i + 2];
		out[o++] = tab[(w >> 18) & 63];
		out[o++] = tab[(w >> 12) & 63];
		out[o++] = left > 1 ? tab[(w >> 6) & 63] : '=';
		out[o++] = left > 2 ? tab[w & 63] : '=';
	}
}

bool eio_query_get(const char *query, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	for (const char *p = query; p && *p;) {
		const char *end = strchr(p, '&');
		size_t plen = end ? (size_t)(end - p) : strlen(p);

		if (plen > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
			size_t vlen = plen - nlen - 1;

			if (vlen >= outlen)
				return false;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return true;
		}
		if (plen == nlen && !strncmp(p, name, nlen)) {
			if (!outlen)
				return false;
			out[0] = '\0';
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}
