/* Unit tests for the STUN codec: RFC 5769 vectors (parse, verify, tamper,
 * re-encode), bounds checks, builder, ChannelData and stream framing. */
#include "harness.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "stun/stun.h"
#include "util/bytes.h"
#include "util/errors.h"

/* RFC 5769 test vectors, byte for byte as listed in the RFC. */
static const char *const rfc_request_hex = /* 2.1 */
	"00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
	"00 24 00 04 6e 00 01 ff"
	"80 29 00 08 93 2f f9 b1 51 26 3b 36"
	"00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
	"00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
	"80 28 00 04 e5 7a 3b cf";
static const char *const rfc_resp4_hex = /* 2.2 */
	"01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 08 00 01 a1 47 e1 12 a6 43"
	"00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
	"80 28 00 04 c0 7d 4c 96";
static const char *const rfc_resp6_hex = /* 2.3 */
	"01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
	"80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
	"00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
	"00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
	"80 28 00 04 c8 fb 0b 4c";
static const char *const rfc_longterm_hex = /* 2.4 */
	"00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
	"00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"
	"00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34"
	"6f 4c 39 46 53 54 76 79 36 34 73 41"
	"00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
	"00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

static const char rfc_short_pass[] = "VOkJxbRl1RmTxUk/WvJxBt";
/* U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9 in UTF-8. */
static const char rfc_lt_user[] =
	"\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s && n < cap) {
		if (*s == ' ') {
			s++;
			continue;
		}
		char byte[3] = { s[0], s[1], 0 };

		out[n++] = (uint8_t)strtoul(byte, NULL, 16);
		s += 2;
	}
	return n;
}

static const struct stun_attr *find_ok(const struct stun_msg *m, uint16_t type)
{
	const struct stun_attr *a = stun_find(m, type);

	CHECK(a != NULL);
	return a;
}

static void check_string_attr(const struct stun_msg *m, uint16_t type,
			      const char *want)
{
	const struct stun_attr *a = find_ok(m, type);
	char buf[128];

	if (!a)
		return;
	CHECK_EQ_INT(stun_attr_string(a, buf, sizeof(buf)), 0);
	CHECK_STR(buf, want);
}

static void long_term_key(uint8_t key[16])
{
	char text[128];
	unsigned int n = 0;

	snprintf(text, sizeof(text), "%s:%s:%s", rfc_lt_user, "example.org",
		 "TheMatrIX");
	CHECK(EVP_Digest(text, strlen(text), key, &n, EVP_md5(), NULL) == 1);
	CHECK_EQ_INT(n, 16);
}

/* One bit flipped in a vector (RFC 8489 14.5, 14.7), by where it lands:
 * - in the header length: the only change accepted with a valid MAC is one
 *   that cuts the message short just before the unprotected FINGERPRINT;
 * - in FINGERPRINT's type: it becomes an attribute after MESSAGE-INTEGRITY,
 *   ignored, so the message stays valid but has no FINGERPRINT;
 * - anywhere else: FINGERPRINT (when present) refuses the message at parse
 *   time, unless the flip grew an attribute's length so that it swallows
 *   both trailing attributes (then nothing verifies); and even with the
 *   CRC recomputed by an attacker, MESSAGE-INTEGRITY fails for every bit
 *   before FINGERPRINT. */
static void check_one_flip(const struct stun_msg *orig, const uint8_t *vec,
			   size_t len, size_t bit, const uint8_t *key,
			   size_t keylen)
{
	bool has_fp = stun_has_fingerprint(orig);
	size_t byte = bit / 8, fp_off = has_fp ? orig->fingerprint_off : len;
	uint8_t buf[256];
	struct stun_msg m;
	ssize_t rc;

	memcpy(buf, vec, len);
	buf[byte] ^= (uint8_t)(1u << (bit % 8));
	rc = stun_parse(&m, buf, len);
	if (byte == 2 || byte == 3) {
		if (rc >= 0 && stun_check_integrity(&m, key, keylen))
			CHECK(!stun_has_fingerprint(&m) && m.len == fp_off &&
			      m.integrity_off == orig->integrity_off);
		return;
	}
	if (has_fp && byte >= fp_off && byte < fp_off + 2) {
		CHECK(rc >= 0 && !stun_has_fingerprint(&m) &&
		      stun_check_integrity(&m, key, keylen));
		return;
	}
	if (has_fp)
		CHECK(rc < 0 || (!stun_has_fingerprint(&m) &&
				  !stun_check_integrity(&m, key, keylen)));
	if (byte >= fp_off)
		return;
	if (has_fp)
		wr32(buf + fp_off + 4, stun_crc32(buf, fp_off) ^ STUN_FINGERPRINT_XOR);
	rc = stun_parse(&m, buf, len);
	CHECK(rc < 0 || !stun_check_integrity(&m, key, keylen));
}

static void check_tamper(const uint8_t *vec, size_t len, const uint8_t *key,
			 size_t keylen)
{
	struct stun_msg orig;
	int before = harness_failed_checks;

	CHECK(stun_parse(&orig, vec, len) == (ssize_t)len);
	for (size_t bit = 0; bit < len * 8 && harness_failed_checks == before; bit++)
		check_one_flip(&orig, vec, len, bit, key, keylen);
}

static void check_vector_integrity(const uint8_t *vec, size_t len,
				   const uint8_t *key, size_t keylen, bool has_fp)
{
	struct stun_msg m;
	uint8_t wrong[32];

	CHECK_EQ_INT(stun_parse(&m, vec, len), len);
	CHECK(stun_check_integrity(&m, key, keylen));
	CHECK(!stun_check_integrity_sha256(&m, key, keylen));
	CHECK(stun_has_fingerprint(&m) == has_fp);
	memcpy(wrong, key, keylen);
	wrong[0] ^= 1;
	CHECK(!stun_check_integrity(&m, wrong, keylen));
	CHECK(!stun_check_integrity(&m, key, keylen - 1));
	check_tamper(vec, len, key, keylen);
}

/* Overwrites the last n (padding) bytes just built with spaces, as the
 * RFC 5769 senders padded; our builder pads with zeros. */
static void fill_padding_like_rfc(struct stun_builder *b, size_t n)
{
	memset(b->buf + b->len - n, 0x20, n);
}

static void test_type_class(void)
{
	CHECK_EQ_INT(stun_type(STUN_BINDING, STUN_CLASS_REQUEST), 0x0001);
	CHECK_EQ_INT(stun_type(STUN_BINDING, STUN_CLASS_SUCCESS), 0x0101);
	CHECK_EQ_INT(stun_type(STUN_BINDING, STUN_CLASS_ERROR), 0x0111);
	CHECK_EQ_INT(stun_type(STUN_SEND, STUN_CLASS_INDICATION), 0x0016);
	CHECK_EQ_INT(stun_type(STUN_DATA, STUN_CLASS_INDICATION), 0x0017);
	CHECK_EQ_INT(stun_type(STUN_ALLOCATE, STUN_CLASS_ERROR), 0x0113);
	CHECK_EQ_INT(stun_type(STUN_ALLOCATE, STUN_CLASS_SUCCESS), 0x0103);
	CHECK_EQ_INT(stun_type(STUN_REFRESH, STUN_CLASS_REQUEST), 0x0004);
	CHECK_EQ_INT(stun_type(STUN_CONNECTION_ATTEMPT, STUN_CLASS_INDICATION), 0x001C);
	CHECK_EQ_INT(stun_type_method(0x0113), STUN_ALLOCATE);
	CHECK_EQ_INT(stun_type_class(0x0113), STUN_CLASS_ERROR);
	CHECK_EQ_INT(stun_type_method(0x0017), STUN_DATA);
	CHECK_EQ_INT(stun_type_class(0x0017), STUN_CLASS_INDICATION);
	CHECK_EQ_INT(stun_type_class(0x0101), STUN_CLASS_SUCCESS);
	CHECK_EQ_INT(stun_type_class(0x0001), STUN_CLASS_REQUEST);
	/* Round trip over the whole 12-bit method space and all classes. */
	for (unsigned meth = 0; meth < 0x1000; meth++) {
		for (int c = 0; c < 4; c++) {
			uint16_t t = stun_type((uint16_t)meth, (enum stun_class)c);

			if (stun_type_method(t) != meth || (int)stun_type_class(t) != c ||
			    (t & 0xC000)) {
				CHECK(!"type round trip");
				return;
			}
		}
	}
}

static void test_crc32(void)
{
	CHECK_EQ_INT(stun_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
	CHECK_EQ_INT(stun_crc32(NULL, 0), 0);
}

static void test_rfc5769_request(void)
{
	uint8_t vec[256];
	size_t len = unhex(rfc_request_hex, vec, sizeof(vec));
	const uint8_t *key = (const uint8_t *)rfc_short_pass;
	size_t keylen = strlen(rfc_short_pass);
	struct stun_msg m;
	const struct stun_attr *a;
	uint32_t prio = 0;

	CHECK_EQ_INT(len, 108);
	CHECK(stun_looks_like_stun(vec, len));
	CHECK_EQ_INT(stun_parse(&m, vec, len), 108);
	CHECK_EQ_INT(m.method, STUN_BINDING);
	CHECK_EQ_INT(m.cls, STUN_CLASS_REQUEST);
	CHECK(memcmp(m.tid, vec + 8, 12) == 0);
	CHECK_EQ_INT(m.n_attrs, 6);
	check_string_attr(&m, STUN_ATTR_SOFTWARE, "STUN test client");
	check_string_attr(&m, STUN_ATTR_USERNAME, "evtj:h6vY");
	a = find_ok(&m, STUN_ATTR_PRIORITY);
	if (a) {
		CHECK_EQ_INT(stun_attr_u32(a, &prio), 0);
		CHECK_EQ_INT(prio, 0x6e0001ffu);
	}
	a = find_ok(&m, STUN_ATTR_ICE_CONTROLLED);
	if (a) {
		CHECK_EQ_INT(a->len, 8);
		CHECK(memcmp(a->value, "\x93\x2f\xf9\xb1\x51\x26\x3b\x36", 8) == 0);
	}
	CHECK_EQ_INT(m.integrity_off, 76);
	CHECK_EQ_INT(m.fingerprint_off, 100);
	check_vector_integrity(vec, len, key, keylen, true);
}

/* Re-encodes 2.1 from its decoded values. The RFC pads the 9-byte USERNAME
 * with three spaces; our builder pads with zeros (RFC 8489 14: padding
 * content is arbitrary, zero is what we send). So: (1) with the padding
 * set to spaces before signing, the whole 108 bytes must match, which
 * proves the header, attribute layout, MESSAGE-INTEGRITY and FINGERPRINT
 * are computed exactly as the RFC; (2) as built (zero padding), every byte
 * matches except those three padding bytes and the two MAC values that
 * cover them, and the built message verifies on its own. */
static void test_rfc5769_request_rebuild(void)
{
	uint8_t vec[256], out[256];
	size_t len = unhex(rfc_request_hex, vec, sizeof(vec));
	const uint8_t *key = (const uint8_t *)rfc_short_pass;
	size_t keylen = strlen(rfc_short_pass);
	struct stun_msg m, m2;
	struct stun_builder b;
	uint32_t prio = 0;
	char user[64], sw[64];

	CHECK(stun_parse(&m, vec, len) > 0);
	CHECK_EQ_INT(stun_attr_u32(stun_find(&m, STUN_ATTR_PRIORITY), &prio), 0);
	CHECK_EQ_INT(stun_attr_string(stun_find(&m, STUN_ATTR_USERNAME), user,
				      sizeof(user)), 0);
	CHECK_EQ_INT(stun_attr_string(stun_find(&m, STUN_ATTR_SOFTWARE), sw,
				      sizeof(sw)), 0);
	const struct stun_attr *ice = stun_find(&m, STUN_ATTR_ICE_CONTROLLED);

	for (int exact = 1; exact >= 0; exact--) {
		stun_build_start(&b, out, sizeof(out), m.method, m.cls, m.tid);
		stun_add_string(&b, STUN_ATTR_SOFTWARE, sw);
		stun_add_u32(&b, STUN_ATTR_PRIORITY, prio);
		stun_add_attr(&b, STUN_ATTR_ICE_CONTROLLED, ice->value, ice->len);
		stun_add_string(&b, STUN_ATTR_USERNAME, user);
		if (exact)
			fill_padding_like_rfc(&b, 3);
		stun_add_integrity(&b, key, keylen);
		stun_add_fingerprint(&b);
		CHECK_EQ_INT(stun_build_finish(&b), len);
		if (exact) {
			CHECK(memcmp(out, vec, len) == 0);
			continue;
		}
		CHECK(memcmp(out, vec, 73) == 0);
		CHECK(memcmp(out + 73, "\0\0\0", 3) == 0);
		CHECK(memcmp(out + 76, vec + 76, 4) == 0);    /* MI header */
		CHECK(memcmp(out + 100, vec + 100, 4) == 0);  /* FP header */
		CHECK(stun_parse(&m2, out, len) == (ssize_t)len);
		CHECK(stun_check_integrity(&m2, key, keylen));
	}
}

static void test_rfc5769_ipv4_response(void)
{
	uint8_t vec[256], out[256];
	size_t len = unhex(rfc_resp4_hex, vec, sizeof(vec));
	const uint8_t *key = (const uint8_t *)rfc_short_pass;
	size_t keylen = strlen(rfc_short_pass);
	struct stun_msg m;
	struct stun_builder b;
	struct tr_addr addr, want;
	char ip[ADDR_STR_MAX];

	CHECK_EQ_INT(len, 80);
	CHECK_EQ_INT(stun_parse(&m, vec, len), 80);
	CHECK_EQ_INT(m.method, STUN_BINDING);
	CHECK_EQ_INT(m.cls, STUN_CLASS_SUCCESS);
	check_string_attr(&m, STUN_ATTR_SOFTWARE, "test vector");
	CHECK_EQ_INT(stun_attr_xor_addr(find_ok(&m, STUN_ATTR_XOR_MAPPED_ADDRESS),
					m.tid, &addr), 0);
	CHECK_EQ_INT(addr_family(&addr), AF_INET);
	CHECK_STR(addr_to_str(&addr, ip, sizeof(ip)), "192.0.2.1:32853");
	check_vector_integrity(vec, len, key, keylen, true);

	/* Re-encode; SOFTWARE's one padding byte is a space in the RFC. */
	CHECK_EQ_INT(addr_parse_ip(&want, "192.0.2.1", 32853), 0);
	CHECK(addr_equal(&addr, &want));
	stun_build_start(&b, out, sizeof(out), STUN_BINDING, STUN_CLASS_SUCCESS, m.tid);
	stun_add_string(&b, STUN_ATTR_SOFTWARE, "test vector");
	CHECK_EQ_INT(out[b.len - 1], 0);
	fill_padding_like_rfc(&b, 1);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &addr);
	stun_add_integrity(&b, key, keylen);
	stun_add_fingerprint(&b);
	CHECK_EQ_INT(stun_build_finish(&b), len);
	CHECK(memcmp(out, vec, len) == 0);
}

static void test_rfc5769_ipv6_response(void)
{
	uint8_t vec[256], out[256];
	size_t len = unhex(rfc_resp6_hex, vec, sizeof(vec));
	const uint8_t *key = (const uint8_t *)rfc_short_pass;
	size_t keylen = strlen(rfc_short_pass);
	struct stun_msg m;
	struct stun_builder b;
	struct tr_addr addr, want;

	CHECK_EQ_INT(len, 92);
	CHECK_EQ_INT(stun_parse(&m, vec, len), 92);
	check_string_attr(&m, STUN_ATTR_SOFTWARE, "test vector");
	CHECK_EQ_INT(stun_attr_xor_addr(find_ok(&m, STUN_ATTR_XOR_MAPPED_ADDRESS),
					m.tid, &addr), 0);
	CHECK_EQ_INT(addr_parse_ip(&want, "2001:db8:1234:5678:11:2233:4455:6677",
				   32853), 0);
	CHECK(addr_equal(&addr, &want));
	check_vector_integrity(vec, len, key, keylen, true);

	stun_build_start(&b, out, sizeof(out), STUN_BINDING, STUN_CLASS_SUCCESS, m.tid);
	stun_add_string(&b, STUN_ATTR_SOFTWARE, "test vector");
	fill_padding_like_rfc(&b, 1);
	stun_add_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &want);
	stun_add_integrity(&b, key, keylen);
	stun_add_fingerprint(&b);
	CHECK_EQ_INT(stun_build_finish(&b), len);
	CHECK(memcmp(out, vec, len) == 0);
}

/* 2.4 pads with zeros, as our builder does: the re-encoding must match all
 * 116 bytes with no adjustment. */
static void test_rfc5769_long_term(void)
{
	uint8_t vec[256], out[256], key[16];
	size_t len = unhex(rfc_longterm_hex, vec, sizeof(vec));
	struct stun_msg m;
	struct stun_builder b;
	char user[64], nonce[64], realm[64];

	long_term_key(key);
	CHECK_EQ_INT(len, 116);
	CHECK_EQ_INT(stun_parse(&m, vec, len), 116);
	CHECK_EQ_INT(m.method, STUN_BINDING);
	CHECK_EQ_INT(m.cls, STUN_CLASS_REQUEST);
	check_string_attr(&m, STUN_ATTR_USERNAME, rfc_lt_user);
	check_string_attr(&m, STUN_ATTR_NONCE, "f//499k954d6OL34oL9FSTvy64sA");
	check_string_attr(&m, STUN_ATTR_REALM, "example.org");
	check_vector_integrity(vec, len, key, sizeof(key), false);

	CHECK_EQ_INT(stun_attr_string(stun_find(&m, STUN_ATTR_USERNAME), user,
				      sizeof(user)), 0);
	CHECK_EQ_INT(stun_attr_string(stun_find(&m, STUN_ATTR_NONCE), nonce,
				      sizeof(nonce)), 0);
	CHECK_EQ_INT(stun_attr_string(stun_find(&m, STUN_ATTR_REALM), realm,
				      sizeof(realm)), 0);
	stun_build_start(&b, out, sizeof(out), m.method, m.cls, m.tid);
	stun_add_string(&b, STUN_ATTR_USERNAME, user);
	stun_add_string(&b, STUN_ATTR_NONCE, nonce);
	stun_add_string(&b, STUN_ATTR_REALM, realm);
	stun_add_integrity(&b, key, sizeof(key));
	CHECK_EQ_INT(stun_build_finish(&b), len);
	CHECK(memcmp(out, vec, len) == 0);
}

/* A header with the given type and body length, then body bytes. */
static size_t make_msg(uint8_t *buf, uint16_t type, const uint8_t *body,
		       size_t body_len, uint16_t len_field)
{
	wr16(buf, type);
	wr16(buf + 2, len_field);
	wr32(buf + 4, STUN_MAGIC_COOKIE);
	memset(buf + 8, 0xA5, STUN_TID_LEN);
	if (body_len)
		memcpy(buf + 20, body, body_len);
	return 20 + body_len;
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
	n = make_msg(buf, 0x0001, (const uint8_t *)"\x80\x22\x00\x08" "abcd", 8, 8);
	CHECK_EQ_INT(stun_parse(&m, buf, n), TR_EINVAL);
	/* The value (and its padding) would run past the message into bytes
	 * that are in the buffer but belong to whatever follows. With a body
	 * length that is a multiple of 4, a value that fits always has its
	 * padding inside too, so this is the only way padding can overrun. */
	n = make_msg(buf, 0x0001,
		     (const uint8_t *)"\x80\x22\x00\x05" "abcdefgh", 12, 8);
	CHECK_EQ_INT(stun_parse(&m, buf, n), TR_EINVAL);
	/* Zero-length attributes are fine. */
	n = make_msg(buf, 0x0001, (const uint8_t *)"\x80\x22\x00\x00\x80\x22\x00\x00",
		     8, 8);
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

		stun_build_start(&b, buf, sizeof(buf), STUN_BINDING,
				 STUN_CLASS_REQUEST, tid);
		stun_add_attr(&b, cases[i].type, zeros, cases[i].len);
		n = stun_build_finish(&b);
		CHECK_EQ_INT(stun_parse(&m, buf, (size_t)n),
			     cases[i].ok ? n : TR_EINVAL);
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
	static const char *const ips[] = { "203.0.113.7", "0.0.0.0",
					   "2001:db8::1", "::ffff:10.1.2.3" };
	uint8_t buf[256], tid[12];
	struct stun_builder b;
	struct stun_msg m;
	struct tr_addr in, out, bad;

	for (int i = 0; i < 12; i++)
		tid[i] = (uint8_t)(0x31 * i + 7);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		CHECK_EQ_INT(addr_parse_ip(&in, ips[i], (uint16_t)(1000 + i)), 0);
		stun_build_start(&b, buf, sizeof(buf), STUN_ALLOCATE,
				 STUN_CLASS_SUCCESS, tid);
		stun_add_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &in);
		stun_add_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &in);
		CHECK(stun_build_finish(&b) > 0);
		CHECK(stun_parse(&m, buf, b.len) > 0);
		CHECK_EQ_INT(stun_attr_xor_addr(stun_find(&m,
				STUN_ATTR_XOR_RELAYED_ADDRESS), m.tid, &out), 0);
		CHECK(addr_equal(&in, &out));
		CHECK_EQ_INT(stun_attr_addr(stun_find(&m, STUN_ATTR_MAPPED_ADDRESS),
					    &out), 0);
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
					  &reason, &rlen), 0);
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
	stun_add_u32(&b, 0x8030, 1);   /* optional: never reported */
	stun_add_u32(&b, STUN_ATTR_LIFETIME, 600);
	stun_add_u32(&b, 0x7FFF, 1);
	stun_add_u32(&b, 0x0030, 2);   /* listed once */
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
	CHECK_EQ_INT(rd16(buf + 2), 20); /* nothing half-written */
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
	CHECK_EQ_INT(stun_attr_xor_addr(stun_find(&m, STUN_ATTR_XOR_PEER_ADDRESS),
					m.tid, &out), 0);
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
	RUN(test_type_class);
	RUN(test_crc32);
	RUN(test_rfc5769_request);
	RUN(test_rfc5769_request_rebuild);
	RUN(test_rfc5769_ipv4_response);
	RUN(test_rfc5769_ipv6_response);
	RUN(test_rfc5769_long_term);
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
