/* coturn's admin user passwords (admin_user.password): "$5$" hex(salt)
 * "$" hex(SHA-256(salt || password)), with an 8-byte salt, as coturn's
 * turnadmin -A writes them (generate_enc_password). Not crypt(3). */
#include "auth/auth.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util/errors.h"
#include "util/hex.h"

#define ADMIN_SALT_LEN 8
#define ADMIN_MD_LEN 32

static bool admin_digest(const uint8_t salt[ADMIN_SALT_LEN], const char *password,
			 uint8_t md[ADMIN_MD_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	bool ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, salt, ADMIN_SALT_LEN) &&
	     EVP_DigestUpdate(ctx, password, strlen(password)) &&
	     EVP_DigestFinal_ex(ctx, md, &n) && n == ADMIN_MD_LEN;
	EVP_MD_CTX_free(ctx);
	return ok;
}

int auth_admin_hash(const char *password, char out[AUTH_ADMIN_HASH_LEN])
{
	uint8_t salt[ADMIN_SALT_LEN], md[ADMIN_MD_LEN];

	if (RAND_bytes(salt, sizeof(salt)) != 1 || !admin_digest(salt, password, md))
		return TR_EIO;
	memcpy(out, "$5$", 3);
	hex_encode(out + 3, salt, sizeof(salt));
	out[3 + 2 * ADMIN_SALT_LEN] = '$';
	hex_encode(out + 4 + 2 * ADMIN_SALT_LEN, md, sizeof(md));
	out[AUTH_ADMIN_HASH_LEN - 1] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

bool auth_admin_verify(const char *password, const char *stored)
{
	uint8_t salt[ADMIN_SALT_LEN], want[ADMIN_MD_LEN], md[ADMIN_MD_LEN];
	bool ok;

	if (strlen(stored) != AUTH_ADMIN_HASH_LEN - 1 || memcmp(stored, "$5$", 3) != 0 ||
	    stored[3 + 2 * ADMIN_SALT_LEN] != '$' ||
	    !hex_decode(salt, stored + 3, sizeof(salt), true) ||
	    !hex_decode(want, stored + 4 + 2 * ADMIN_SALT_LEN, sizeof(want), true))
		return false;
	ok = admin_digest(salt, password, md) && CRYPTO_memcmp(md, want, sizeof(md)) == 0;
	OPENSSL_cleanse(md, sizeof(md));
	return ok;
}
