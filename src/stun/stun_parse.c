/* STUN message parsing and attribute decoding (RFC 8489, RFC 8656), plus
 * ChannelData and TCP stream framing. Pure: every function works on the
 * caller's bytes and checks every length before reading. */
#include "stun/stun.h"

#include <arpa/inet.h>
#include <string.h>

#include "util/bytes.h"
#include "util/errors.h"

/* RFC 8489 5: the class bits C1 and C0 sit at bits 8 and 4 of the type, the
 * method bits are split around them as M11..M7 C1 M6..M4 C0 M3..M0. */
uint16_t stun_type(uint16_t method, enum stun_class cls)
{
	unsigned m = method & 0x0FFFu, c = (unsigned)cls & 3u;

	return (uint16_t)(((m & 0xF80u) << 2) | ((m & 0x070u) << 1) | (m & 0x00Fu) |
			  ((c & 2u) << 7) | ((c & 1u) << 4));
}

uint16_t stun_type_method(uint16_t type)
{
	return (uint16_t)(((type & 0x3E00u) >> 2) | ((type & 0x00E0u) >> 1) |
			  (type & 0x000Fu));
}

enum stun_class stun_type_class(uint16_t type)
{
	return (enum stun_class)(((type >> 7) & 2u) | ((type >> 4) & 1u));
}

bool stun_looks_like_stun(const uint8_t *p, size_t len)
{
	size_t body;

	if (len < STUN_HEADER_LEN || (p[0] & 0xC0) != 0)
		return false;
	if (rd32(p + 4) != STUN_MAGIC_COOKIE)
		return false;
	body = rd16(p + 2);
	return body % 4 == 0 && STUN_HEADER_LEN + body <= len;
}

/* Parser state across the attribute walk: which of the trailing
 * attributes (RFC 8489 14.5-14.7) have been seen so far. */
struct parse_state {
	bool seen_mi;
	bool seen_mi256;
	bool seen_fp;
};

/* Whether an attribute at this point of the message is recorded: after
 * MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count,
 * after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT (RFC 8489 14.5, 14.6). */
static bool attr_recorded(const struct parse_state *st, uint16_t type)
{
	if (type == STUN_ATTR_FINGERPRINT)
		return true;
	if (st->seen_mi256)
		return false;
	if (st->seen_mi)
		return type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256;
	return true;
}

/* Checks the lengths of the trailing attributes and notes their offsets.
 * Returns 0 or TR_EINVAL. */
static int note_trailer(struct stun_msg *msg, struct parse_state *st, uint16_t type,
			uint16_t alen, size_t off)
{
	switch (type) {
	case STUN_ATTR_MESSAGE_INTEGRITY:
		if (alen != 20)
			return TR_EINVAL;
		st->seen_mi = true;
		msg->integrity_off = off;
		break;
	case STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
		/* RFC 8489 14.6: truncation to no less than 16 bytes, in
		 * whole 4-byte words. */
		if (alen < 16 || alen > 32 || alen % 4 != 0)
			return TR_EINVAL;
		st->seen_mi256 = true;
		msg->integrity_sha256_off = off;
		break;
	case STUN_ATTR_FINGERPRINT:
		if (alen != 4)
			return TR_EINVAL;
		st->seen_fp = true;
		msg->fingerprint_off = off;
		break;
	default:
		break;
	}
	return 0;
}

/* RFC 8489 14.7: CRC-32 of the message up to FINGERPRINT, whose header
 * length already counts FINGERPRINT because it is the last attribute. */
static bool fingerprint_ok(const struct stun_msg *msg)
{
	size_t off = msg->fingerprint_off;
	uint32_t want = rd32(msg->raw + off + 4);

	return (stun_crc32(msg->raw, off) ^ STUN_FINGERPRINT_XOR) == want;
}

/* Walks the attributes of a message whose header was already checked. */
static int parse_attrs(struct stun_msg *msg, const uint8_t *p, size_t total)
{
	struct parse_state st = { false, false, false };
	size_t off = STUN_HEADER_LEN;

	while (off < total) {
		uint16_t type, alen;
		size_t padded;

		/* Nothing may follow FINGERPRINT (RFC 8489 14.7). */
		if (st.seen_fp || total - off < 4)
			return TR_EINVAL;
		type = rd16(p + off);
		alen = rd16(p + off + 2);
		padded = ((size_t)alen + 3) & ~(size_t)3;
		if (padded > total - off - 4)
			return TR_EINVAL;
		if (attr_recorded(&st, type)) {
			if (msg->n_attrs == STUN_MAX_ATTRS)
				return TR_EINVAL;
			if (note_trailer(msg, &st, type, alen, off) < 0)
				return TR_EINVAL;
			msg->attrs[msg->n_attrs].type = type;
			msg->attrs[msg->n_attrs].len = alen;
			msg->attrs[msg->n_attrs].value = p + off + 4;
			msg->n_attrs++;
		}
		off += 4 + padded;
	}
	if (st.seen_fp && !fingerprint_ok(msg))
		return TR_EINVAL;
	return 0;
}

ssize_t stun_parse(struct stun_msg *msg, const uint8_t *p, size_t len)
{
	size_t total;
	uint16_t type;

	memset(msg, 0, sizeof(*msg));
	if (!stun_looks_like_stun(p, len))
		return TR_EINVAL;
	total = STUN_HEADER_LEN + (size_t)rd16(p + 2);
	type = rd16(p);
	msg->raw = p;
	msg->len = total;
	msg->method = stun_type_method(type);
	msg->cls = stun_type_class(type);
	memcpy(msg->tid, p + 8, STUN_TID_LEN);
	if (parse_attrs(msg, p, total) < 0) {
		memset(msg, 0, sizeof(*msg));
		return TR_EINVAL;
	}
	return (ssize_t)total;
}

const struct stun_attr *stun_find(const struct stun_msg *msg, uint16_t type)
{
	for (size_t i = 0; i < msg->n_attrs; i++)
		if (msg->attrs[i].type == type)
			return &msg->attrs[i];
	return NULL;
}

bool stun_has_fingerprint(const struct stun_msg *msg)
{
	return msg->fingerprint_off != 0;
}

/* Every attribute of enum stun_attr_type: the ones this codec knows. */
static const uint16_t known_attrs[] = {
	STUN_ATTR_MAPPED_ADDRESS,
	STUN_ATTR_USERNAME,
	STUN_ATTR_MESSAGE_INTEGRITY,
	STUN_ATTR_ERROR_CODE,
	STUN_ATTR_UNKNOWN_ATTRIBUTES,
	STUN_ATTR_CHANNEL_NUMBER,
	STUN_ATTR_LIFETIME,
	STUN_ATTR_XOR_PEER_ADDRESS,
	STUN_ATTR_DATA,
	STUN_ATTR_REALM,
	STUN_ATTR_NONCE,
	STUN_ATTR_XOR_RELAYED_ADDRESS,
	STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
	STUN_ATTR_EVEN_PORT,
	STUN_ATTR_REQUESTED_TRANSPORT,
	STUN_ATTR_DONT_FRAGMENT,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256,
	STUN_ATTR_PASSWORD_ALGORITHM,
	STUN_ATTR_USERHASH,
	STUN_ATTR_XOR_MAPPED_ADDRESS,
	STUN_ATTR_RESERVATION_TOKEN,
	STUN_ATTR_PRIORITY,
	STUN_ATTR_USE_CANDIDATE,
	STUN_ATTR_CONNECTION_ID,
	STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY,
	STUN_ATTR_ADDRESS_ERROR_CODE,
	STUN_ATTR_PASSWORD_ALGORITHMS,
	STUN_ATTR_ALTERNATE_DOMAIN,
	STUN_ATTR_ICMP,
	STUN_ATTR_SOFTWARE,
	STUN_ATTR_ALTERNATE_SERVER,
	STUN_ATTR_FINGERPRINT,
	STUN_ATTR_ICE_CONTROLLED,
	STUN_ATTR_ICE_CONTROLLING,
	STUN_ATTR_RESPONSE_ORIGIN,
	STUN_ATTR_OTHER_ADDRESS,
};

static bool attr_known(uint16_t type)
{
	for (size_t i = 0; i < sizeof(known_attrs) / sizeof(known_attrs[0]); i++)
		if (known_attrs[i] == type)
			return true;
	return false;
}

static bool type_listed(const uint16_t *list, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == type)
			return true;
	return false;
}

/* RFC 8489 7.3.1: unknown comprehension-required attributes (0x0000-0x7FFF)
 * make a request fail with 420. Each type is listed once; the count
 * returned is the number written, never more than max. */
size_t stun_unknown_required(const struct stun_msg *msg, uint16_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < msg->n_attrs && n < max; i++) {
		uint16_t type = msg->attrs[i].type;

		if (type >= 0x8000 || attr_known(type) || type_listed(out, n, type))
			continue;
		out[n++] = type;
	}
	return n;
}

int stun_attr_u32(const struct stun_attr *a, uint32_t *out)
{
	if (a->len != 4)
		return TR_EINVAL;
	*out = rd32(a->value);
	return 0;
}

/* Shared by the plain and XOR forms (RFC 8489 14.1, 14.2): reserved byte,
 * family (1 = IPv4, 2 = IPv6), port, 4 or 16 address bytes. mask holds the
 * 16 bytes the port and address are XORed with (all zero for the plain
 * form). */
static int decode_addr(const struct stun_attr *a, const uint8_t mask[16],
		       struct tr_addr *out)
{
	const uint8_t *v = a->value;
	uint16_t port;

	if (a->len < 4)
		return TR_EINVAL;
	port = (uint16_t)(rd16(v + 2) ^ ((mask[0] << 8) | mask[1]));
	memset(out, 0, sizeof(*out));
	if (v[1] == 0x01 && a->len == 8) {
		uint8_t ip[4];

		for (int i = 0; i < 4; i++)
			ip[i] = v[4 + i] ^ mask[i];
		out->u.v4.sin_family = AF_INET;
		out->u.v4.sin_port = htons(port);
		memcpy(&out->u.v4.sin_addr.s_addr, ip, 4);
		return 0;
	}
	if (v[1] == 0x02 && a->len == 20) {
		out->u.v6.sin6_family = AF_INET6;
		out->u.v6.sin6_port = htons(port);
		for (int i = 0; i < 16; i++)
			out->u.v6.sin6_addr.s6_addr[i] = v[4 + i] ^ mask[i];
		return 0;
	}
	return TR_EINVAL;
}

int stun_attr_xor_addr(const struct stun_attr *a, const uint8_t tid[STUN_TID_LEN],
		       struct tr_addr *out)
{
	uint8_t mask[16];

	/* The port is XORed with the cookie's top half, the address with the
	 * cookie followed (for IPv6) by the transaction id. */
	wr32(mask, STUN_MAGIC_COOKIE);
	memcpy(mask + 4, tid, STUN_TID_LEN);
	return decode_addr(a, mask, out);
}

int stun_attr_addr(const struct stun_attr *a, struct tr_addr *out)
{
	static const uint8_t zero[16];

	return decode_addr(a, zero, out);
}

/* RFC 8489 14.8: two reserved bytes (21 bits in all), class 3..6 in the low
 * three bits of the third byte, number 0..99 in the fourth, then the reason
 * phrase. */
int stun_attr_error_code(const struct stun_attr *a, int *code, const char **reason,
			 size_t *reason_len)
{
	int cls, number;

	if (a->len < 4)
		return TR_EINVAL;
	cls = a->value[2] & 0x07;
	number = a->value[3];
	if (cls < 3 || cls > 6 || number > 99)
		return TR_EINVAL;
	*code = cls * 100 + number;
	*reason = (const char *)a->value + 4;
	*reason_len = (size_t)a->len - 4;
	return 0;
}

int stun_attr_string(const struct stun_attr *a, char *out, size_t outlen)
{
	if (outlen == 0 || a->len >= outlen)
		return TR_EINVAL;
	if (a->len && memchr(a->value, '\0', a->len))
		return TR_EINVAL;
	if (a->len)
		memcpy(out, a->value, a->len);
	out[a->len] = '\0';
	return 0;
}

bool channeldata_looks_like(const uint8_t *p, size_t len)
{
	uint16_t channel;

	if (len < CHANNELDATA_HEADER_LEN)
		return false;
	channel = rd16(p);
	return channel >= CHANNEL_MIN && channel <= CHANNEL_MAX_RFC5766;
}

ssize_t channeldata_parse(const uint8_t *p, size_t len, uint16_t *channel,
			  const uint8_t **data, size_t *data_len)
{
	size_t dlen;

	if (!channeldata_looks_like(p, len))
		return TR_EINVAL;
	dlen = rd16(p + 2);
	if (dlen > len - CHANNELDATA_HEADER_LEN)
		return TR_EINVAL;
	*channel = rd16(p);
	*data = p + CHANNELDATA_HEADER_LEN;
	*data_len = dlen;
	return (ssize_t)(CHANNELDATA_HEADER_LEN + dlen);
}

void channeldata_write_header(uint8_t *out, uint16_t channel, uint16_t data_len)
{
	wr16(out, channel);
	wr16(out + 2, data_len);
}

/* RFC 8656 12.5 and RFC 7983: over a stream the first byte tells STUN
 * (top two bits 00) from ChannelData (0x40-0x4F); a ChannelData message is
 * padded to a multiple of 4 there, and its length field does not count the
 * padding. */
ssize_t stun_stream_frame_len(const uint8_t *p, size_t len)
{
	size_t field;

	if (len == 0)
		return 0;
	if ((p[0] & 0xC0) == 0) {
		if (len < 4)
			return 0;
		field = rd16(p + 2);
		if (field % 4 != 0)
			return TR_EINVAL;
		if (len >= 8 && rd32(p + 4) != STUN_MAGIC_COOKIE)
			return TR_EINVAL;
		return (ssize_t)(STUN_HEADER_LEN + field);
	}
	if (p[0] >= 0x40 && p[0] <= 0x7F) {
		if (len < CHANNELDATA_HEADER_LEN)
			return 0;
		field = rd16(p + 2);
		return (ssize_t)(CHANNELDATA_HEADER_LEN + ((field + 3) & ~(size_t)3));
	}
	return TR_EINVAL;
}

#define REASON_PHRASE_(name, code, phrase) { STUN_ERR_##name, phrase },
static const struct {
	enum stun_error code;
	const char *phrase;
} reason_phrases[] = { STUN_ERROR_LIST(REASON_PHRASE_) };
#undef REASON_PHRASE_

const char *stun_reason_phrase(int code)
{
	for (size_t i = 0; i < sizeof(reason_phrases) / sizeof(reason_phrases[0]); i++)
		if ((int)reason_phrases[i].code == code)
			return reason_phrases[i].phrase;
	return "Error";
}
