/* MESSAGE-INTEGRITY (RFC 8489 14.5), MESSAGE-INTEGRITY-SHA256 (14.6) and
 * FINGERPRINT (14.7): checking them on parsed messages and appending them
 * to built ones. */
#include "stun/stun.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "util/bytes.h"
#include "util/errors.h"

#define SHA1_LEN 20
#define SHA256_LEN 32

/* CRC-32 as in ISO-HDLC / zlib: reflected polynomial 0xEDB88320, initial
 * and final XOR 0xFFFFFFFF. Bitwise: FINGERPRINT is one CRC per message,
 * and no table means no global state. */
uint32_t stun_crc32(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xFFFFFFFFu;
}

/* HMAC over two consecutive pieces (a patched header, then the rest), so a
 * received message can be checked without copying it. digest is "SHA1" or
 * "SHA256"; out must hold the full digest. Returns the MAC length, or 0 on
 * a crypto failure. */
static size_t hmac2(const char *digest, const uint8_t *key, size_t keylen,
		    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		    uint8_t *out, size_t outcap)
{
	static const uint8_t empty_key[1];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0;

	if (!mac)
		return 0;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto done;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* A NULL key would mean "reuse the previous key" to OpenSSL. */
	if (!EVP_MAC_init(ctx, keylen ? key : empty_key, keylen, params) ||
	    !EVP_MAC_update(ctx, a, alen) || (blen && !EVP_MAC_update(ctx, b, blen)) ||
	    !EVP_MAC_final(ctx, out, &outlen, outcap))
		outlen = 0;
done:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return outlen;
}

/* Computes the MAC a message should carry in the integrity attribute at
 * attr_off whose value is vlen bytes: over everything before the attribute,
 * with the header length set to end just after it (RFC 8489 14.5, 14.6). */
static size_t integrity_mac(const uint8_t *raw, size_t attr_off, size_t vlen,
			    const char *digest, const uint8_t *key, size_t keylen,
			    uint8_t *out, size_t outcap)
{
	uint8_t header[STUN_HEADER_LEN];

	memcpy(header, raw, STUN_HEADER_LEN);
	wr16(header + 2, (uint16_t)(attr_off + 4 + vlen - STUN_HEADER_LEN));
	return hmac2(digest, key, keylen, header, STUN_HEADER_LEN, raw + STUN_HEADER_LEN,
		     attr_off - STUN_HEADER_LEN, out, outcap);
}

static bool check_mac(const struct stun_msg *msg, size_t off, const char *digest,
		      const uint8_t *key, size_t keylen)
{
	uint8_t mac[SHA256_LEN];
	size_t vlen, maclen;

	if (off < STUN_HEADER_LEN || off + 4 > msg->len)
		return false;
	vlen = rd16(msg->raw + off + 2);
	if (vlen > sizeof(mac) || off + 4 + vlen > msg->len)
		return false;
	maclen =
		integrity_mac(msg->raw, off, vlen, digest, key, keylen, mac, sizeof(mac));
	/* MI-SHA256 may be truncated (RFC 8489 14.6); MI never is. */
	if (maclen < vlen || vlen == 0)
		return false;
	return CRYPTO_memcmp(mac, msg->raw + off + 4, vlen) == 0;
}

bool stun_check_integrity(const struct stun_msg *msg, const uint8_t *key, size_t keylen)
{
	if (!msg->integrity_off)
		return false;
	return check_mac(msg, msg->integrity_off, "SHA1", key, keylen);
}

bool stun_check_integrity_sha256(const struct stun_msg *msg, const uint8_t *key,
				 size_t keylen)
{
	if (!msg->integrity_sha256_off)
		return false;
	return check_mac(msg, msg->integrity_sha256_off, "SHA256", key, keylen);
}

/* Appends a zeroed integrity attribute (which sets the header length to end
 * after it, as the MAC needs), then fills in the MAC. A crypto failure
 * fails the build: a message must never leave with a zero MAC. */
static void add_mac(struct stun_builder *b, uint16_t type, size_t vlen,
		    const char *digest, const uint8_t *key, size_t keylen)
{
	static const uint8_t zero[SHA256_LEN];
	uint8_t mac[SHA256_LEN];
	size_t off;

	stun_add_attr(b, type, zero, vlen);
	if (b->overflow)
		return;
	off = b->len - 4 - vlen;
	if (integrity_mac(b->buf, off, vlen, digest, key, keylen, mac, sizeof(mac)) <
	    vlen) {
		b->overflow = true;
		return;
	}
	memcpy(b->buf + off + 4, mac, vlen);
}

void stun_add_integrity(struct stun_builder *b, const uint8_t *key, size_t keylen)
{
	add_mac(b, STUN_ATTR_MESSAGE_INTEGRITY, SHA1_LEN, "SHA1", key, keylen);
}

void stun_add_integrity_sha256(struct stun_builder *b, const uint8_t *key, size_t keylen)
{
	add_mac(b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, SHA256_LEN, "SHA256", key, keylen);
}

/* RFC 8489 14.7: CRC-32 over the message before FINGERPRINT, with the
 * header length already counting FINGERPRINT, XOR 0x5354554E. */
void stun_add_fingerprint(struct stun_builder *b)
{
	static const uint8_t zero[4];
	size_t off;

	stun_add_attr(b, STUN_ATTR_FINGERPRINT, zero, 4);
	if (b->overflow)
		return;
	off = b->len - 8;
	wr32(b->buf + off + 4, stun_crc32(b->buf, off) ^ STUN_FINGERPRINT_XOR);
}
