/* Key derivation: long-term keys (RFC 8489 9.2.2) and the TURN REST
 * credentials of draft-uberti-behave-turn-rest-00 as coturn reads them. */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/errors.h"
#include "util/hex.h"
#include "util/log.h"

void auth_lt_key(const char *user, const char *realm, const char *password,
		 uint8_t key[AUTH_KEY_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	/* Hashed piecewise so no copy of the password lands in a buffer. */
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
	     EVP_DigestUpdate(ctx, user, strlen(user)) && EVP_DigestUpdate(ctx, ":", 1) &&
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
	hex_encode(out, key, AUTH_KEY_LEN);
	out[2 * AUTH_KEY_LEN] = '\0';
}

int auth_key_from_hex(const char *hex, uint8_t key[AUTH_KEY_LEN])
{
	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	if (strlen(hex) != 2 * AUTH_KEY_LEN || !hex_decode(key, hex, AUTH_KEY_LEN, true))
		return TR_EINVAL;
	return 0;
}

int auth_rest_password(const char *secret, const char *username, char *out, size_t outlen)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	/* 20 bytes of SHA-1 -> 28 base64 characters with one '=' pad. */
	if (outlen < 29)
		return TR_ETRUNC;
	if (!HMAC(EVP_sha1(), secret, (int)strlen(secret),
		  (const unsigned char *)username, strlen(username), mac, &maclen) ||
	    maclen != 20) {
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

void auth_rest_split(const char *username, char sep, struct auth_rest_name *out)
{
	const char *col = sep ? strchr(username, sep) : NULL;
	const char *p = username;

	if (!col) {
		*out = (struct auth_rest_name){ username, strlen(username), username,
						false };
		return;
	}
	while (p < col && *p >= '0' && *p <= '9')
		p++;
	/* A leading separator is "ID<sep>EXPIRY" with an empty ID: coturn
	 * reads the number after it. */
	if (p == col && col != username)
		*out = (struct auth_rest_name){ col + 1, strlen(col + 1), username,
						true };
	else
		*out = (struct auth_rest_name){ username, (size_t)(col - username),
						col + 1, false };
}

int auth_rest_expiry(const char *username, char sep, int64_t *expiry)
{
	struct auth_rest_name n;

	auth_rest_split(username, sep, &n);
	return parse_expiry(n.expiry, expiry);
}

const char *auth_cred_user(enum auth_kind kind, const char *username, char sep,
			   size_t *len)
{
	struct auth_rest_name n;

	if (kind != AUTH_KIND_REST) {
		*len = strlen(username);
		return username;
	}
	auth_rest_split(username, sep, &n);
	*len = n.id_len;
	return n.id;
}
