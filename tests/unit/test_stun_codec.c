/* Unit tests for the STUN codec beyond the RFC 5769 vectors (those are in
 * test_stun_rfc5769.c): bounds checks on every length, integrity and fingerprint
 * rules, attribute decoders, the builder, ChannelData and stream framing. */
#include "harness.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "stun/stun.h"
#include "util/bytes.h"
#include "util/errors.h"

/* A header with the given type and body length, then body bytes. */
static size_t make_msg(uint8_t *buf, uint16_t type, const uint8_t *body, size_t body_len,
		       uint16_t len_field)
{
	wr16(buf, type);
	wr16(buf + 2, len_field);
	wr32(buf + 4, STUN_MAGIC_COOKIE);
	memset(buf + 8, 0xA5, STUN_TID_LEN);
	if (body_len)
		memcpy(buf + 20, body, body_len);
	return 20 + body_len;
}

static const struct stun_attr *find_ok(const struct stun_msg *m, uint16_t type)
{
	const struct stun_attr *a = stun_find(m, type);

	CHECK(a != NULL);
	return a;
}

static void test_bounds_header(void)
{
	uint8_t buf[64];
	struct stun_msg m;
	size_t n = make_msg(buf, 0x0001, NULL, 0, 0);

	CHECK_EQ_INT(stun_parse(&m, buf, n), 20);
	CHECK_EQ_INT(m.n_attrs, 0);
	for (size_t cut = 0; cut < 20; cut++)
		CHECK_EQ_INT(stun_parse(&m, buf, cut), TR_EINVAL);
	/* Top bits set, wrong cookie. */
	buf[0] = 0x40;
	CHECK_EQ_INT(stun_parse(&m, buf, n), TR_EINVAL);
	buf[0] = 0x00;
	buf[4] ^= 1;
	CHECK_EQ_INT(stun_parse(&m, buf, n), TR_EINVAL);
	CHECK(!stun_looks_like_stun(buf, n));
	buf[4] ^= 1;
	/* Length not a multiple of 4, and past the end. */
	n = make_msg(buf, 0x0001, (const uint8_t *)"\x80\x22\x00\x01X\0\0\0", 8, 6);
	CHECK_EQ_INT(stun_parse(&m, buf, n), TR_EINVAL);
	wr16(buf + 2, 12);
	CHECK_EQ_INT(stun_parse(&m, buf, n), TR_EINVAL);
	CHECK(!stun_looks_like_stun(buf, n));
	wr16(buf + 2, 8);
	CHECK_EQ_INT(stun_parse(&m, buf, n), 28);
	/* Trailing bytes after the message are not an error. */
	CHECK_EQ_INT(stun_parse(&m, buf, n + 4), 28);
}

static void test_bounds_attrs(void)
{
	uint8_t buf[128];
	struct stun_msg m;
	size_t n;

	/* Attribute length runs past the body. */
	n = make_msg(buf, 0x0001,
		     (const uint8_t *)"\x80\x22\x00\x08"
				      "abcd",
		     8, 8);
	CHECK_EQ_INT(stun_parse(&m, buf, n), TR_EINVAL);
	/* The value (and its padding) would run past the message into bytes
	 * that are in the buffer but belong to whatever follows. With a body
	 * length that is a multiple of 4, a value that fits always has its
	 * padding inside too, so this is the only way padding can overrun. */
	n = make_msg(buf, 0x0001,
		     (const uint8_t *)"\x80\x22\x00\x05"
				      "abcdefgh",
		     12, 8);
	CHECK_EQ_INT(stun_parse(&m, buf, n), TR_EINVAL);
	/* Zero-length attributes are fine. */
	n = make_msg(buf, 0x0001, (const uint8_t *)"\x80\x22\x00\x00\x80\x22\x00\x00", 8,
		     8);
	CHECK_EQ_INT(stun_parse(&m, buf, n), 28);
	CHECK_EQ_INT(m.n_attrs, 2);
}

static void test_too_many_attrs(void)
{
	uint8_t buf[512];
	uint8_t tid[12] = { 1 };
	struct stun_builder b;
	struct stun_msg m;
	ssize_t n;

	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_CLASS_REQUEST, tid);
	for (int i = 0; i < STUN_MAX_ATTRS; i++)
		stun_add_attr(&b, 0x8030, NULL, 0);
	n = stun_build_finish(&b);
	CHECK_EQ_INT(n, 20 + 4 * STUN_MAX_ATTRS);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), n);
	CHECK_EQ_INT(m.n_attrs, STUN_MAX_ATTRS);
	stun_add_attr(&b, 0x8030, NULL, 0);
	n = stun_build_finish(&b);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), TR_EINVAL);
}

static void test_fingerprint_rules(void)
{
	uint8_t buf[128];
	uint8_t tid[12] = { 2 };
	struct stun_builder b;
	struct stun_msg m;
	ssize_t n;

	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_CLASS_REQUEST, tid);
	stun_add_string(&b, STUN_ATTR_SOFTWARE, "x");
	stun_add_fingerprint(&b);
	n = stun_build_finish(&b);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), n);
	CHECK(stun_has_fingerprint(&m));
	/* Bad CRC. */
	buf[n - 1] ^= 0x80;
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), TR_EINVAL);
	buf[n - 1] ^= 0x80;
	/* FINGERPRINT not last, with its CRC made right for the new header
	 * length so that only the position is wrong. */
	stun_add_string(&b, STUN_ATTR_SOFTWARE, "y");
	n = stun_build_finish(&b);
	wr32(buf + 28 + 4, stun_crc32(buf, 28) ^ STUN_FINGERPRINT_XOR);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), TR_EINVAL);
	b.len -= 8; /* drop the trailing SOFTWARE: valid again */
	wr16(buf + 2, (uint16_t)(b.len - 20));
	wr32(buf + 28 + 4, stun_crc32(buf, 28) ^ STUN_FINGERPRINT_XOR);
	CHECK_EQ_INT(stun_parse(&m, buf, b.len), 36);
	/* FINGERPRINT of the wrong length. */
	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_CLASS_REQUEST, tid);
	stun_add_attr(&b, STUN_ATTR_FINGERPRINT, "\0\0\0\0\0\0\0\0", 8);
	n = stun_build_finish(&b);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), TR_EINVAL);
	/* Without FINGERPRINT. */
	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_CLASS_REQUEST, tid);
	n = stun_build_finish(&b);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), 20);
	CHECK(!stun_has_fingerprint(&m));
}

static void test_integrity_lengths(void)
{
	static const uint8_t zeros[40];
	static const struct {
		uint16_t type;
		size_t len;
		bool ok;
	} cases[] = {
		{ STUN_ATTR_MESSAGE_INTEGRITY, 20, true },
		{ STUN_ATTR_MESSAGE_INTEGRITY, 16, false },
		{ STUN_ATTR_MESSAGE_INTEGRITY, 24, false },
		{ STUN_ATTR_MESSAGE_INTEGRITY, 0, false },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 16, true },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 24, true },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 32, true },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 12, false },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 18, false },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 36, false },
	};
	uint8_t buf[128];
	uint8_t tid[12] = { 3 };
	struct stun_builder b;
	struct stun_msg m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ssize_t n;

		stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_CLASS_REQUEST,
				 tid);
		stun_add_attr(&b, cases[i].type, zeros, cases[i].len);
		n = stun_build_finish(&b);
		CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), cases[i].ok ? n : TR_EINVAL);
	}
}

/* RFC 8489 14.5/14.6: after MI only MI-SHA256 and FINGERPRINT count; after
 * MI-SHA256 only FINGERPRINT. Both MACs still verify with the extra bytes
 * in between, because each covers only what precedes it. */
static void test_attrs_after_integrity(void)
{
	uint8_t buf[256];
	uint8_t tid[12] = { 4 };
	const uint8_t key[] = "secret";
	struct stun_builder b;
	struct stun_msg m;
	ssize_t n;

	stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_REQUEST, tid);
	stun_add_string(&b, STUN_ATTR_USERNAME, "alice");
	stun_add_integrity(&b, key, 6);
	stun_add_string(&b, STUN_ATTR_SOFTWARE, "ignored");
	stun_add_u32(&b, 0x0030, 1);
	stun_add_integrity(&b, key, 6);
	stun_add_integrity_sha256(&b, key, 6);
	stun_add_string(&b, STUN_ATTR_REALM, "ignored too");
	stun_add_fingerprint(&b);
	n = stun_build_finish(&b);
	CHECK(n > 0);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), n);
	CHECK_EQ_INT(m.n_attrs, 4);
	CHECK(stun_find(&m, STUN_ATTR_SOFTWARE) == NULL);
	CHECK(stun_find(&m, STUN_ATTR_REALM) == NULL);
	CHECK(stun_find(&m, STUN_ATTR_MESSAGE_INTEGRITY_SHA256) != NULL);
	CHECK_EQ_INT(m.integrity_off, 20 + 12);
	CHECK(stun_check_integrity(&m, key, 6));
	CHECK(stun_check_integrity_sha256(&m, key, 6));
	CHECK(!stun_check_integrity_sha256(&m, key, 5));
	CHECK(stun_has_fingerprint(&m));
	CHECK_EQ_INT(stun_unknown_required(&m, (uint16_t[4]){ 0 }, 4), 0);

	/* MI-SHA256 alone: only FINGERPRINT counts after it, even MI. */
	stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_REQUEST, tid);
	stun_add_string(&b, STUN_ATTR_USERNAME, "alice");
	stun_add_integrity_sha256(&b, key, 6);
	stun_add_string(&b, STUN_ATTR_REALM, "ignored");
	stun_add_integrity(&b, key, 6);
	stun_add_fingerprint(&b);
	n = stun_build_finish(&b);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), n);
	CHECK_EQ_INT(m.n_attrs, 3);
	CHECK(stun_find(&m, STUN_ATTR_REALM) == NULL);
	CHECK_EQ_INT(m.integrity_off, 0);
	CHECK(!stun_check_integrity(&m, key, 6));
	CHECK(stun_check_integrity_sha256(&m, key, 6));
	CHECK(stun_has_fingerprint(&m));
}

/* A truncated MESSAGE-INTEGRITY-SHA256 (RFC 8489 14.6: 16 bytes at least)
 * built by hand with OpenSSL, checked by the codec. */
static void test_integrity_sha256_truncated(void)
{
	uint8_t buf[128], mac[32];
	uint8_t tid[12] = { 5 };
	const uint8_t key[] = "k";
	unsigned int maclen = 0;
	struct stun_builder b;
	struct stun_msg m;
	ssize_t n;

	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_CLASS_REQUEST, tid);
	stun_add_string(&b, STUN_ATTR_USERNAME, "bob");
	/* Header length already ends after the 16-byte MAC, as 14.6 wants. */
	stun_add_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, (uint8_t[16]){ 0 }, 16);
	n = stun_build_finish(&b);
	CHECK_EQ_INT(n, 20 + 8 + 20);
	CHECK(HMAC(EVP_sha256(), key, 1, buf, 28, mac, &maclen) != NULL);
	memcpy(buf + 32, mac, 16);
	CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n), n);
	CHECK(stun_check_integrity_sha256(&m, key, 1));
	CHECK(!stun_check_integrity(&m, key, 1));
	buf[40] ^= 1;
	CHECK(!stun_check_integrity_sha256(&m, key, 1));
}

static void test_xor_addr_decode(void)
{
	static const uint8_t tid[12] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2 };
	struct stun_attr a = { STUN_ATTR_XOR_PEER_ADDRESS, 0, NULL };
	uint8_t v[20] = { 0, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43 };
	struct tr_addr out;

	a.value = v;
	a.len = 8;
	CHECK_EQ_INT(stun_attr_xor_addr(&a, tid, &out), 0);
	CHECK_EQ_INT(addr_port(&out), 32853);
	v[1] = 0x03; /* bad family */
	CHECK_EQ_INT(stun_attr_xor_addr(&a, tid, &out), TR_EINVAL);
	CHECK_EQ_INT(stun_attr_addr(&a, &out), TR_EINVAL);
	v[1] = 0x00;
	CHECK_EQ_INT(stun_attr_xor_addr(&a, tid, &out), TR_EINVAL);
	v[1] = 0x01;
	for (uint16_t l = 0; l < 8; l++) {
		a.len = l;
		CHECK_EQ_INT(stun_attr_xor_addr(&a, tid, &out), TR_EINVAL);
	}
	a.len = 12;
	CHECK_EQ_INT(stun_attr_xor_addr(&a, tid, &out), TR_EINVAL);
	v[1] = 0x02; /* IPv6 needs 20 bytes */
	a.len = 8;
	CHECK_EQ_INT(stun_attr_xor_addr(&a, tid, &out), TR_EINVAL);
	a.len = 19;
	CHECK_EQ_INT(stun_attr_xor_addr(&a, tid, &out), TR_EINVAL);
	a.len = 20;
	CHECK_EQ_INT(stun_attr_xor_addr(&a, tid, &out), 0);
	CHECK_EQ_INT(addr_family(&out), AF_INET6);
	CHECK_EQ_INT(stun_attr_u32(&a, &(uint32_t){ 0 }), TR_EINVAL);
}

static void test_addr_roundtrip(void)
{
	static const char *const ips[] = { "203.0.113.7", "0.0.0.0", "2001:db8::1",
					   "::ffff:10.1.2.3" };
	uint8_t buf[256], tid[12];
	struct stun_builder b;
	struct stun_msg m;
	struct tr_addr in, out, bad;

	for (int i = 0; i < 12; i++)
		tid[i] = (uint8_t)(0x31 * i + 7);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		CHECK_EQ_INT(addr_parse_ip(&in, ips[i], (uint16_t)(1000 + i)), 0);
		stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_SUCCESS,
				 tid);
		stun_add_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &in);
		stun_add_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &in);
		CHECK(stun_build_finish(&b) > 0);
		CHECK(stun_parse(&m, buf, b.len) > 0);
		CHECK_EQ_INT(stun_attr_xor_addr(stun_find(&m,
							  STUN_ATTR_XOR_RELAYED_ADDRESS),
						m.tid, &out),
			     0);
		CHECK(addr_equal(&in, &out));
		CHECK_EQ_INT(stun_attr_addr(stun_find(&m, STUN_ATTR_MAPPED_ADDRESS),
					    &out),
			     0);
		CHECK(addr_equal(&in, &out));
	}
	/* A non-IP family fails the build rather than drop the attribute. */
	memset(&bad, 0, sizeof(bad));
	bad.u.sa.sa_family = AF_UNIX;
	stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_SUCCESS, tid);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &bad);
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);
}

static void test_error_code(void)
{
	uint8_t buf[128], v[8] = { 0, 0, 4, 38, 'S', 'N' };
	uint8_t tid[12] = { 6 };
	struct stun_attr a = { STUN_ATTR_ERROR_CODE, 6, v };
	struct stun_builder b;
	struct stun_msg m;
	const char *reason;
	size_t rlen;
	int code;

	CHECK_EQ_INT(stun_attr_error_code(&a, &code, &reason, &rlen), 0);
	CHECK_EQ_INT(code, 438);
	CHECK_EQ_INT(rlen, 2);
	CHECK(memcmp(reason, "SN", 2) == 0);
	v[2] = 2;
	CHECK_EQ_INT(stun_attr_error_code(&a, &code, &reason, &rlen), TR_EINVAL);
	v[2] = 7;
	CHECK_EQ_INT(stun_attr_error_code(&a, &code, &reason, &rlen), TR_EINVAL);
	v[2] = 0xFE; /* reserved bits are ignored, class 6 */
	v[3] = 99;
	CHECK_EQ_INT(stun_attr_error_code(&a, &code, &reason, &rlen), 0);
	CHECK_EQ_INT(code, 699);
	v[3] = 100;
	CHECK_EQ_INT(stun_attr_error_code(&a, &code, &reason, &rlen), TR_EINVAL);
	a.len = 3;
	CHECK_EQ_INT(stun_attr_error_code(&a, &code, &reason, &rlen), TR_EINVAL);

	stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_ERROR, tid);
	stun_add_error(&b, 438, NULL);
	CHECK(stun_build_finish(&b) > 0);
	CHECK_EQ_INT(rd16(buf), 0x0113);
	CHECK(stun_parse(&m, buf, b.len) > 0);
	CHECK_EQ_INT(stun_attr_error_code(stun_find(&m, STUN_ATTR_ERROR_CODE), &code,
					  &reason, &rlen),
		     0);
	CHECK_EQ_INT(code, 438);
	CHECK(rlen == 11 && memcmp(reason, "Stale Nonce", 11) == 0);
	stun_add_error(&b, 200, "no");
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);
}

static void test_reason_phrase(void)
{
	CHECK_STR(stun_reason_phrase(300), "Try Alternate");
	CHECK_STR(stun_reason_phrase(400), "Bad Request");
	CHECK_STR(stun_reason_phrase(401), "Unauthorized");
	CHECK_STR(stun_reason_phrase(403), "Forbidden");
	CHECK_STR(stun_reason_phrase(420), "Unknown Attribute");
	CHECK_STR(stun_reason_phrase(437), "Allocation Mismatch");
	CHECK_STR(stun_reason_phrase(438), "Stale Nonce");
	CHECK_STR(stun_reason_phrase(440), "Address Family not Supported");
	CHECK_STR(stun_reason_phrase(441), "Wrong Credentials");
	CHECK_STR(stun_reason_phrase(442), "Unsupported Transport Protocol");
	CHECK_STR(stun_reason_phrase(443), "Peer Address Family Mismatch");
	CHECK_STR(stun_reason_phrase(486), "Allocation Quota Reached");
	CHECK_STR(stun_reason_phrase(500), "Server Error");
	CHECK_STR(stun_reason_phrase(508), "Insufficient Capacity");
	CHECK_STR(stun_reason_phrase(499), "Error");
}

static void test_strings(void)
{
	struct stun_attr a = { STUN_ATTR_USERNAME, 5, (const uint8_t *)"al\0ce" };
	char out[8];

	CHECK_EQ_INT(stun_attr_string(&a, out, sizeof(out)), TR_EINVAL);
	a.value = (const uint8_t *)"alice";
	CHECK_EQ_INT(stun_attr_string(&a, out, 5), TR_EINVAL);
	CHECK_EQ_INT(stun_attr_string(&a, out, 6), 0);
	CHECK_STR(out, "alice");
	a.len = 0;
	CHECK_EQ_INT(stun_attr_string(&a, out, 1), 0);
	CHECK_STR(out, "");
	CHECK_EQ_INT(stun_attr_string(&a, out, 0), TR_EINVAL);
}

static void test_unknown_required(void)
{
	uint8_t buf[256];
	uint8_t tid[12] = { 7 };
	uint16_t types[8], one[1];
	struct stun_builder b;
	struct stun_msg m;

	stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_REQUEST, tid);
	stun_add_u32(&b, STUN_ATTR_REQUESTED_TRANSPORT, 17u << 24);
	stun_add_u32(&b, 0x0030, 1);
	stun_add_u32(&b, 0x8030, 1); /* optional: never reported */
	stun_add_u32(&b, STUN_ATTR_LIFETIME, 600);
	stun_add_u32(&b, 0x7FFF, 1);
	stun_add_u32(&b, 0x0030, 2); /* listed once */
	stun_add_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	CHECK(stun_build_finish(&b) > 0);
	CHECK(stun_parse(&m, buf, b.len) > 0);
	CHECK_EQ_INT(stun_unknown_required(&m, types, 8), 2);
	CHECK_EQ_INT(types[0], 0x0030);
	CHECK_EQ_INT(types[1], 0x7FFF);
	CHECK_EQ_INT(stun_unknown_required(&m, one, 1), 1);
	CHECK_EQ_INT(one[0], 0x0030);

	/* UNKNOWN-ATTRIBUTES carries them back (RFC 8489 14.9). */
	stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE, STUN_CLASS_ERROR, tid);
	stun_add_error(&b, 420, NULL);
	stun_add_unknown_attributes(&b, (const uint16_t[]){ 0x0030, 0x7FFF, 0x0031 }, 3);
	CHECK(stun_build_finish(&b) > 0);
	CHECK(stun_parse(&m, buf, b.len) > 0);
	const struct stun_attr *ua = find_ok(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES);

	if (ua) {
		CHECK_EQ_INT(ua->len, 6);
		CHECK_EQ_INT(rd16(ua->value + 4), 0x0031);
		CHECK_EQ_INT(rd16(ua->value + 6), 0); /* zero padding */
	}
}

static void test_builder(void)
{
	uint8_t buf[64];
	uint8_t tid[12] = { 8 };
	struct stun_builder b;

	memset(buf, 0xEE, sizeof(buf));
	stun_build_start(&b, buf, sizeof(buf), STUN_REFRESH, STUN_CLASS_REQUEST, tid);
	CHECK_EQ_INT(rd16(buf), 0x0004);
	CHECK_EQ_INT(rd16(buf + 2), 0);
	CHECK_EQ_INT(rd32(buf + 4), STUN_MAGIC_COOKIE);
	CHECK(memcmp(buf + 8, tid, 12) == 0);
	stun_add_string(&b, STUN_ATTR_NONCE, "abcde");
	CHECK_EQ_INT(rd16(buf + 2), 12);
	CHECK_EQ_INT(rd16(buf + 22), 5);
	CHECK(memcmp(buf + 29, "\0\0\0", 3) == 0);
	stun_add_u32(&b, STUN_ATTR_LIFETIME, 0);
	CHECK_EQ_INT(rd16(buf + 2), 20);
	CHECK_EQ_INT(stun_build_finish(&b), 40);
	/* 24 bytes left: a 20-byte value fits exactly, anything more not. */
	stun_add_attr(&b, STUN_ATTR_DATA, buf, 21);
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);
	CHECK_EQ_INT(rd16(buf + 2), 20);         /* nothing half-written */
	stun_add_u32(&b, STUN_ATTR_LIFETIME, 1); /* sticky */
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);
	CHECK_EQ_INT(rd16(buf + 2), 20);

	stun_build_start(&b, buf, sizeof(buf), STUN_REFRESH, STUN_CLASS_REQUEST, tid);
	stun_add_attr(&b, STUN_ATTR_DATA, tid, 12);
	stun_add_attr(&b, STUN_ATTR_DATA, tid, 8);
	CHECK_EQ_INT(stun_build_finish(&b), 48);
	stun_add_integrity(&b, (const uint8_t *)"k", 1);
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);

	stun_build_start(&b, buf, 56, STUN_REFRESH, STUN_CLASS_REQUEST, tid);
	stun_add_integrity(&b, (const uint8_t *)"k", 1);
	stun_add_fingerprint(&b);
	CHECK_EQ_INT(stun_build_finish(&b), 52);
	stun_add_fingerprint(&b);
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);

	stun_build_start(&b, buf, 19, STUN_BINDING, STUN_CLASS_REQUEST, tid);
	stun_add_u32(&b, STUN_ATTR_LIFETIME, 1);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &(struct tr_addr){ 0 });
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);

	/* Empty key works for MI (HMAC with a zero-length key). */
	struct stun_msg m;

	stun_build_start(&b, buf, sizeof(buf), STUN_BINDING, STUN_CLASS_INDICATION, tid);
	stun_add_integrity(&b, NULL, 0);
	CHECK_EQ_INT(stun_build_finish(&b), 44);
	CHECK(stun_parse(&m, buf, 44) == 44);
	CHECK(stun_check_integrity(&m, NULL, 0));
	CHECK(!stun_check_integrity(&m, (const uint8_t *)"x", 1));
}

static void test_builder_max_message(void)
{
	static uint8_t big[STUN_MAX_MESSAGE + 64];
	static uint8_t data[STUN_MAX_MESSAGE];
	uint8_t tid[12] = { 10 };
	struct stun_builder b;

	/* Body length is a 16-bit field: the largest single attribute that
	 * fits is 65535 - 4 rounded down to 4. */
	stun_build_start(&b, big, sizeof(big), STUN_SEND, STUN_CLASS_INDICATION, tid);
	stun_add_attr(&b, STUN_ATTR_DATA, data, 65528);
	CHECK_EQ_INT(stun_build_finish(&b), 20 + 65532);
	stun_add_attr(&b, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);
	stun_build_start(&b, big, sizeof(big), STUN_SEND, STUN_CLASS_INDICATION, tid);
	stun_add_attr(&b, STUN_ATTR_DATA, data, 65533);
	CHECK_EQ_INT(stun_build_finish(&b), TR_ETRUNC);
}

static void test_send_indication(void)
{
	uint8_t buf[128];
	uint8_t tid[12] = { 11 };
	struct stun_builder b;
	struct stun_msg m;
	struct tr_addr peer, out;
	const struct stun_attr *d;

	CHECK_EQ_INT(addr_parse_ip(&peer, "198.51.100.9", 5000), 0);
	stun_build_start(&b, buf, sizeof(buf), STUN_SEND, STUN_CLASS_INDICATION, tid);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	stun_add_attr(&b, STUN_ATTR_DATA, "hello", 5);
	CHECK_EQ_INT(stun_build_finish(&b), 20 + 12 + 12);
	CHECK_EQ_INT(rd16(buf), 0x0016);
	CHECK_EQ_INT(stun_parse(&m, buf, b.len), 44);
	CHECK_EQ_INT(m.method, STUN_SEND);
	CHECK_EQ_INT(m.cls, STUN_CLASS_INDICATION);
	CHECK_EQ_INT(stun_attr_xor_addr(stun_find(&m, STUN_ATTR_XOR_PEER_ADDRESS), m.tid,
					&out),
		     0);
	CHECK(addr_equal(&peer, &out));
	d = find_ok(&m, STUN_ATTR_DATA);
	CHECK(d && d->len == 5 && memcmp(d->value, "hello", 5) == 0);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), 44);
}

static void test_channeldata(void)
{
	uint8_t buf[16] = { 0 };
	const uint8_t *data = NULL;
	size_t dlen = 0;
	uint16_t ch = 0;

	channeldata_write_header(buf, 0x4001, 5);
	memcpy(buf + 4, "hello", 5);
	CHECK_EQ_INT(rd16(buf), 0x4001);
	CHECK_EQ_INT(rd16(buf + 2), 5);
	CHECK(channeldata_looks_like(buf, 9));
	CHECK(!stun_looks_like_stun(buf, 9));
	CHECK_EQ_INT(channeldata_parse(buf, 9, &ch, &data, &dlen), 9);
	CHECK_EQ_INT(ch, 0x4001);
	CHECK_EQ_INT(dlen, 5);
	CHECK(data == buf + 4);
	/* UDP: trailing padding is allowed. */
	CHECK_EQ_INT(channeldata_parse(buf, 12, &ch, &data, &dlen), 9);
	CHECK_EQ_INT(channeldata_parse(buf, 8, &ch, &data, &dlen), TR_EINVAL);
	CHECK_EQ_INT(channeldata_parse(buf, 3, &ch, &data, &dlen), TR_EINVAL);
	channeldata_write_header(buf, 0x3FFF, 0);
	CHECK(!channeldata_looks_like(buf, 4));
	CHECK_EQ_INT(channeldata_parse(buf, 4, &ch, &data, &dlen), TR_EINVAL);
	/* RFC 5766's 0x5000-0x7FFF still frame; binding decides validity. */
	channeldata_write_header(buf, 0x5000, 0);
	CHECK_EQ_INT(channeldata_parse(buf, 4, &ch, &data, &dlen), 4);
	channeldata_write_header(buf, 0x8000, 0);
	CHECK_EQ_INT(channeldata_parse(buf, 4, &ch, &data, &dlen), TR_EINVAL);
	channeldata_write_header(buf, CHANNEL_MAX, 0);
	CHECK_EQ_INT(channeldata_parse(buf, 4, &ch, &data, &dlen), 4);
	CHECK_EQ_INT(dlen, 0);
}

static void test_stream_framing(void)
{
	uint8_t buf[32] = { 0 };

	CHECK_EQ_INT(stun_stream_frame_len(buf, 0), 0);
	/* STUN: the length field is in the first 4 bytes. */
	wr16(buf, 0x0003);
	wr16(buf + 2, 8);
	wr32(buf + 4, STUN_MAGIC_COOKIE);
	for (size_t n = 1; n < 4; n++)
		CHECK_EQ_INT(stun_stream_frame_len(buf, n), 0);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), 28);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 32), 28);
	wr16(buf + 2, 7);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), TR_EINVAL);
	wr16(buf + 2, 8);
	buf[5] ^= 1;
	CHECK_EQ_INT(stun_stream_frame_len(buf, 6), 28);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 8), TR_EINVAL);
	/* ChannelData over TCP: padded to 4, the length field not counting it. */
	channeldata_write_header(buf, 0x4000, 5);
	for (size_t n = 1; n < 4; n++)
		CHECK_EQ_INT(stun_stream_frame_len(buf, n), 0);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), 12);
	channeldata_write_header(buf, 0x4FFF, 8);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), 12);
	channeldata_write_header(buf, 0x4123, 0);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), 4);
	channeldata_write_header(buf, 0x4123, 65535);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), 4 + 65536);
	channeldata_write_header(buf, 0x7FFF, 1);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), 8);
	/* Neither: RTP/RTCP, anything with the top bit set; told from the
	 * first byte alone. */
	static const uint8_t firsts[] = { 0x80, 0xBF, 0xC0, 0xFF };

	for (size_t i = 0; i < sizeof(firsts); i++) {
		buf[0] = firsts[i];
		CHECK_EQ_INT(stun_stream_frame_len(buf, 1), TR_EINVAL);
	}
	/* A TLS record (0x16) has STUN's top bits: it is refused once the
	 * cookie position is buffered. */
	memcpy(buf, "\x16\x03\x01\x00\xfc\x01\x00\x00", 8);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 4), 20 + 0x100);
	CHECK_EQ_INT(stun_stream_frame_len(buf, 8), TR_EINVAL);
}

int main(void)
{
	RUN(test_bounds_header);
	RUN(test_bounds_attrs);
	RUN(test_too_many_attrs);
	RUN(test_fingerprint_rules);
	RUN(test_integrity_lengths);
	RUN(test_attrs_after_integrity);
	RUN(test_integrity_sha256_truncated);
	RUN(test_xor_addr_decode);
	RUN(test_addr_roundtrip);
	RUN(test_error_code);
	RUN(test_reason_phrase);
	RUN(test_strings);
	RUN(test_unknown_required);
	RUN(test_builder);
	RUN(test_builder_max_message);
	RUN(test_send_indication);
	RUN(test_channeldata);
	RUN(test_stream_framing);
	return HARNESS_DONE();
}
