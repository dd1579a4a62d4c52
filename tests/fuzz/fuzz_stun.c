/* libFuzzer target for the STUN codec: the parser, every attribute decoder,
 * the integrity checks, ChannelData and stream framing on raw input; and,
 * for every message that parses, a re-encoding with the builder that must
 * parse again to the same attributes.
 *
 * Built by `CC=clang ./configure --enable-fuzzing && make fuzz`; run on
 * tests/fuzz/corpus/stun. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stun/stun.h"
#include "util/errors.h"

#define FUZZ_ASSERT(c)                                                                   \
	do {                                                                             \
		if (!(c))                                                                \
			abort();                                                         \
	} while (0)

static const uint8_t fuzz_key[] = "fuzz-key";
#define FUZZ_KEYLEN (sizeof(fuzz_key) - 1)

static bool is_trailer(uint16_t type)
{
	return type == STUN_ATTR_MESSAGE_INTEGRITY ||
	       type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 ||
	       type == STUN_ATTR_FINGERPRINT;
}

/* An address that decodes must encode back to the same wire value. */
static void check_addr_roundtrip(const struct stun_msg *m, const struct stun_attr *a,
				 const struct tr_addr *addr, bool xor)
{
	uint8_t buf[64];
	struct stun_builder b;
	struct stun_msg m2;
	ssize_t n;

	stun_build_start(&b, buf, sizeof(buf), m->method, m->cls, m->tid);
	if (xor)
		stun_add_xor_addr(&b, a->type, addr);
	else
		stun_add_addr(&b, a->type, addr);
	n = stun_build_finish(&b);
	FUZZ_ASSERT(n == STUN_HEADER_LEN + 4 + a->len);
	FUZZ_ASSERT(stun_parse(&m2, buf, (size_t)n) == n);
	FUZZ_ASSERT(m2.n_attrs == 1 && m2.attrs[0].len == a->len);
	/* The reserved first byte is written as zero. */
	FUZZ_ASSERT(memcmp(m2.attrs[0].value + 1, a->value + 1, a->len - 1) == 0);
}

static void decode_attr(const struct stun_msg *m, const struct stun_attr *a)
{
	struct tr_addr addr;
	uint32_t u32;
	const char *reason;
	size_t rlen;
	int code;
	char text[512];

	FUZZ_ASSERT(a->value >= m->raw + STUN_HEADER_LEN + 4);
	FUZZ_ASSERT(a->value + a->len <= m->raw + m->len);
	if (stun_attr_u32(a, &u32) == 0)
		FUZZ_ASSERT(a->len == 4);
	if (stun_attr_xor_addr(a, m->tid, &addr) == 0)
		check_addr_roundtrip(m, a, &addr, true);
	if (stun_attr_addr(a, &addr) == 0)
		check_addr_roundtrip(m, a, &addr, false);
	if (stun_attr_error_code(a, &code, &reason, &rlen) == 0) {
		FUZZ_ASSERT(code >= 300 && code <= 699);
		FUZZ_ASSERT((const uint8_t *)reason + rlen == a->value + a->len);
	}
	if (stun_attr_string(a, text, sizeof(text)) == 0)
		FUZZ_ASSERT(strlen(text) == a->len);
}

/* Size the rebuilt message will have: the recorded attributes, with
 * MESSAGE-INTEGRITY-SHA256 always at its full 32 bytes. */
static size_t rebuilt_size(const struct stun_msg *m)
{
	size_t total = STUN_HEADER_LEN;

	for (size_t i = 0; i < m->n_attrs; i++) {
		size_t len = m->attrs[i].len;

		if (m->attrs[i].type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256)
			len = 32;
		total += 4 + ((len + 3) & ~(size_t)3);
	}
	return total;
}

static void rebuild(const struct stun_msg *m)
{
	uint8_t out[STUN_HEADER_LEN + 0xFFFF + 64];
	size_t want = rebuilt_size(m);
	struct stun_builder b;
	struct stun_msg m2;
	ssize_t n;

	stun_build_start(&b, out, sizeof(out), m->method, m->cls, m->tid);
	for (size_t i = 0; i < m->n_attrs; i++)
		if (!is_trailer(m->attrs[i].type))
			stun_add_attr(&b, m->attrs[i].type, m->attrs[i].value,
				      m->attrs[i].len);
	if (m->integrity_off)
		stun_add_integrity(&b, fuzz_key, FUZZ_KEYLEN);
	if (m->integrity_sha256_off)
		stun_add_integrity_sha256(&b, fuzz_key, FUZZ_KEYLEN);
	if (m->fingerprint_off)
		stun_add_fingerprint(&b);
	n = stun_build_finish(&b);
	if (want - STUN_HEADER_LEN > 0xFFFF) {
		FUZZ_ASSERT(n == TR_ETRUNC);
		return;
	}
	FUZZ_ASSERT(n == (ssize_t)want);
	FUZZ_ASSERT(stun_parse(&m2, out, (size_t)n) == n);
	FUZZ_ASSERT(m2.method == m->method && m2.cls == m->cls);
	FUZZ_ASSERT(m2.n_attrs == m->n_attrs);
	for (size_t i = 0; i < m->n_attrs; i++) {
		FUZZ_ASSERT(m2.attrs[i].type == m->attrs[i].type);
		if (is_trailer(m->attrs[i].type))
			continue;
		FUZZ_ASSERT(m2.attrs[i].len == m->attrs[i].len);
		FUZZ_ASSERT(memcmp(m2.attrs[i].value, m->attrs[i].value,
				   m->attrs[i].len) == 0);
	}
	FUZZ_ASSERT(!m->integrity_off ||
		    stun_check_integrity(&m2, fuzz_key, FUZZ_KEYLEN));
	FUZZ_ASSERT(!m->integrity_sha256_off ||
		    stun_check_integrity_sha256(&m2, fuzz_key, FUZZ_KEYLEN));
	FUZZ_ASSERT(stun_has_fingerprint(&m2) == stun_has_fingerprint(m));
}

static void fuzz_channeldata(const uint8_t *data, size_t size)
{
	const uint8_t *payload;
	size_t plen;
	uint16_t channel;
	uint8_t hdr[CHANNELDATA_HEADER_LEN];
	ssize_t n = channeldata_parse(data, size, &channel, &payload, &plen);

	if (n < 0)
		return;
	FUZZ_ASSERT(channeldata_looks_like(data, size));
	FUZZ_ASSERT((size_t)n == CHANNELDATA_HEADER_LEN + plen && (size_t)n <= size);
	FUZZ_ASSERT(channel >= CHANNEL_MIN && channel <= CHANNEL_MAX_RFC5766);
	channeldata_write_header(hdr, channel, (uint16_t)plen);
	FUZZ_ASSERT(memcmp(hdr, data, sizeof(hdr)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg m;
	uint16_t unknown[STUN_MAX_ATTRS];
	ssize_t frame = stun_stream_frame_len(data, size);
	ssize_t n = stun_parse(&m, data, size);

	FUZZ_ASSERT(frame >= 0 || frame == TR_EINVAL);
	fuzz_channeldata(data, size);
	if (n < 0) {
		FUZZ_ASSERT(n == TR_EINVAL);
		return 0;
	}
	FUZZ_ASSERT(stun_looks_like_stun(data, size));
	FUZZ_ASSERT((size_t)n == m.len && m.len <= size && m.n_attrs <= STUN_MAX_ATTRS);
	FUZZ_ASSERT(frame == n);
	for (size_t i = 0; i < m.n_attrs; i++)
		decode_attr(&m, &m.attrs[i]);
	(void)stun_check_integrity(&m, fuzz_key, FUZZ_KEYLEN);
	(void)stun_check_integrity_sha256(&m, fuzz_key, FUZZ_KEYLEN);
	FUZZ_ASSERT(stun_unknown_required(&m, unknown, STUN_MAX_ATTRS) <= m.n_attrs);
	rebuild(&m);
	return 0;
}
