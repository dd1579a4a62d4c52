/* STUN message builder (RFC 8489 5, 14). Writes into a caller buffer; the
 * header length always counts what was built so far, so a message can be
 * sent, or signed, at any point. Overflow is sticky: callers check once, at
 * stun_build_finish. */
#include "stun/stun.h"

#include <string.h>

#include "util/bytes.h"
#include "util/errors.h"

void stun_build_start(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
		      enum stun_class cls, const uint8_t tid[STUN_TID_LEN])
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->overflow = false;
	if (cap < STUN_HEADER_LEN) {
		b->overflow = true;
		return;
	}
	wr16(buf, stun_type(method, cls));
	wr16(buf + 2, 0);
	wr32(buf + 4, STUN_MAGIC_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	b->len = STUN_HEADER_LEN;
}

/* Appends an attribute header and room for len value bytes, zeroes the
 * padding and updates the header length. Returns the value area to fill
 * (borrowed, inside b->buf), or NULL after marking the overflow. */
static uint8_t *attr_reserve(struct stun_builder *b, uint16_t type, size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;
	uint8_t *v;

	if (b->overflow)
		return NULL;
	/* The attribute length and the message length are both 16 bits. */
	if (len > 0xFFFF || b->len > b->cap || b->cap - b->len < 4 + padded ||
	    b->len + 4 + padded - STUN_HEADER_LEN > 0xFFFF) {
		b->overflow = true;
		return NULL;
	}
	v = b->buf + b->len;
	wr16(v, type);
	wr16(v + 2, (uint16_t)len);
	v += 4;
	memset(v + len, 0, padded - len);
	b->len += 4 + padded;
	wr16(b->buf + 2, (uint16_t)(b->len - STUN_HEADER_LEN));
	return v;
}

void stun_add_attr(struct stun_builder *b, uint16_t type, const void *value, size_t len)
{
	uint8_t *v = attr_reserve(b, type, len);

	if (v && len)
		memcpy(v, value, len);
}

void stun_add_u32(struct stun_builder *b, uint16_t type, uint32_t v)
{
	uint8_t *p = attr_reserve(b, type, 4);

	if (p)
		wr32(p, v);
}

void stun_add_string(struct stun_builder *b, uint16_t type, const char *s)
{
	stun_add_attr(b, type, s, strlen(s));
}

/* RFC 8489 14.1/14.2 layout; mask as in the decoder (zero for the plain
 * form, cookie followed by the transaction id for the XOR form). An
 * address of another family marks the builder failed rather than leave
 * out an attribute the caller asked for. */
static void encode_addr(struct stun_builder *b, uint16_t type, const struct tr_addr *a,
			const uint8_t mask[16])
{
	size_t alen;
	const uint8_t *ip;
	uint8_t *v;
	int family = addr_family(a);

	if (family != AF_INET && family != AF_INET6) {
		b->overflow = true;
		return;
	}
	ip = addr_bytes(a, &alen);
	v = attr_reserve(b, type, 4 + alen);
	if (!v)
		return;
	v[0] = 0;
	v[1] = family == AF_INET ? 0x01 : 0x02;
	wr16(v + 2, (uint16_t)(addr_port(a) ^ ((mask[0] << 8) | mask[1])));
	for (size_t i = 0; i < alen; i++)
		v[4 + i] = ip[i] ^ mask[i];
}

void stun_add_xor_addr(struct stun_builder *b, uint16_t type, const struct tr_addr *a)
{
	uint8_t mask[16];

	if (b->overflow)
		return;
	wr32(mask, STUN_MAGIC_COOKIE);
	memcpy(mask + 4, b->buf + 8, STUN_TID_LEN);
	encode_addr(b, type, a, mask);
}

void stun_add_addr(struct stun_builder *b, uint16_t type, const struct tr_addr *a)
{
	static const uint8_t zero[16];

	encode_addr(b, type, a, zero);
}

/* RFC 8489 14.8: class (hundreds) and number in the low bits of the first
 * word, then the reason phrase. A code outside 300..699 is a caller bug
 * and fails the build. */
void stun_add_error(struct stun_builder *b, int code, const char *reason)
{
	size_t rlen;
	uint8_t *v;

	if (code < 300 || code > 699) {
		b->overflow = true;
		return;
	}
	if (!reason)
		reason = stun_reason_phrase(code);
	rlen = strlen(reason);
	v = attr_reserve(b, STUN_ATTR_ERROR_CODE, 4 + rlen);
	if (!v)
		return;
	v[0] = 0;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, rlen);
}

/* RFC 8489 14.9: a list of 16-bit types; odd counts leave 2 zero padding
 * bytes. */
void stun_add_unknown_attributes(struct stun_builder *b, const uint16_t *types, size_t n)
{
	uint8_t *v;

	if (n > 0xFFFF / 2) {
		b->overflow = true;
		return;
	}
	v = attr_reserve(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, n * 2);
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		wr16(v + 2 * i, types[i]);
}

ssize_t stun_build_finish(struct stun_builder *b)
{
	if (b->overflow)
		return TR_ETRUNC;
	return (ssize_t)b->len;
}
