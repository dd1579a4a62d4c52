/* Key derivation: long-term keys (RFC 8489 9.2.2) and the TURN REST
 * credentials of draft-uberti-behave-turn-rest-00 as coturn reads them. */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/errors.h"
#include "util/log.h"

void auth_lt_key(const char *user, const char *realm, const char *password,
		 uint8_t key[AUTH_KEY_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	/* Hashed piecewise so no copy of the password lands in a buffer. */
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
	     EVP_DigestUpdate(ctx, user, strlen(user)) &&
	     EVP_DigestUpdate(ctx, ":", 1) &&
	     EVP_DigestUpdate(ctx, realm, strlen(realm)) &&
	     EVP_DigestUpdate(ctx, ":", 1) &&
	     EVP_DigestUpdate(ctx, password, strlen(password)) &&
	     EVP_DigestFinal_ex(ctx, key, &n) && n == AUTH_KEY_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		/* A zero key never matches a real MESSAGE-INTEGRITY by
		 * accident; the failure itself is logged once here. */
		log_err("MD5 unavailable for the long-term key");
		memset(key, 0, AUTH_KEY_LEN);
	}
}

void auth_key_hex(const uint8_t key[AUTH_KEY_LEN], char out[2 * AUTH_KEY_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < AUTH_KEY_LEN; i++) {
		out[2 * i] = digits[key[i] >> 4];
		out[2 * i + 1] = digits[key[i] & 0x0f];
	}
	out[2 * AUTH_KEY_LEN] = '\0';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int auth_key_from_hex(const char *hex, uint8_t key[AUTH_KEY_LEN])
{
	uint8_t tmp[AUTH_KEY_LEN];
	size_t i;

	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	if (strlen(hex) != 2 * AUTH_KEY_LEN)
		return TR_EINVAL;
	for (i = 0; i < AUTH_KEY_LEN; i++) {
		int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return TR_EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, tmp, AUTH_KEY_LEN);
	return 0;
}

int auth_rest_password(const char *secret, const char *username, char *out,
		       size_t outlen)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	/* 20 bytes of SHA-1 -> 28 base64 characters with one '=' pad. */
	if (outlen < 29)
		return TR_ETRUNC;
	if (!HMAC(EVP_sha1(), secret, (int)strlen(secret),
		  (const unsigned char *)username, strlen(username), mac,
		  &maclen) || maclen != 20) {
		log_err("HMAC-SHA1 unavailable for a REST password");
		out[0] = '\0';
		return TR_EINVAL;
	}
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	return 0;
}

/* strtoll semantics are atol's, which coturn uses: leading space and a
 * sign accepted, digits up to the first other character. Unlike atol we
 * tell "no digits at all" apart, so the caller can see a name that was
 * never a REST name; coturn reads that as 0, i.e. long expired. */
static int parse_expiry(const char *s, int64_t *expiry)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (end == s)
		return TR_EINVAL;
	*expiry = (int64_t)v;
	return 0;
}

int auth_rest_expiry(const char *username, char sep, int64_t *expiry)
{
	const char *col = strchr(username, sep);
	const char *p;

	if (!col || sep == '\0')
		return parse_expiry(username, expiry);
	/* A leading separator: coturn reads the number after it. */
	if (col == username)
		return parse_expiry(username + 1, expiry);
	for (p = username; p < col; p++)
		if (*p < '0' || *p > '9')
			return parse_expiry(col + 1, expiry); /* "ID:EXPIRY" */
	return parse_expiry(username, expiry);            /* "EXPIRY:ID" */
}
