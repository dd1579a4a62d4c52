/* Credentials: long-term keys, TURN REST credentials, stateless nonces,
 * and the sqlite store with coturn's turndb schema. */
#ifndef TR_AUTH_H
#define TR_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct stun_msg;
struct conf;

#define AUTH_KEY_LEN 16        /* MD5 long-term key */
#define AUTH_NONCE_MAX 64      /* nonce text length bound, incl. NUL */
#define AUTH_NAME_MAX 513      /* coturn: usernames up to 512 bytes */
#define AUTH_REALM_MAX 128
#define AUTH_SERVER_KEY_LEN 32

/* ---- key derivation (pure) ---- */

/* key = MD5(user ":" realm ":" password), RFC 8489 9.2.2. */
void auth_lt_key(const char *user, const char *realm, const char *password,
		 uint8_t key[AUTH_KEY_LEN]);
/* Lowercase hex of a key into out (33 bytes). */
void auth_key_hex(const uint8_t key[AUTH_KEY_LEN], char out[2 * AUTH_KEY_LEN + 1]);
/* Parses 32 hex digits (a "0x" prefix allowed); TR_EINVAL otherwise. */
int auth_key_from_hex(const char *hex, uint8_t key[AUTH_KEY_LEN]);

/* REST password = base64(HMAC-SHA1(secret, username)). out gets a
 * NUL-terminated string; returns 0 or TR_ETRUNC. */
int auth_rest_password(const char *secret, const char *username, char *out,
		       size_t outlen);
/* EXPIRY of a REST username with separator sep, coturn's rules: no sep =
 * the whole name; all digits before the first sep = that prefix
 * ("EXPIRY:ID"); else the number after it ("ID:EXPIRY"). Returns 0 and
 * *expiry, or TR_EINVAL when there is no number where one must be. */
int auth_rest_expiry(const char *username, char sep, int64_t *expiry);

/* ---- nonces (pure) ---- */

/* Self-validating nonce: hex(timestamp) ‖ hex(HMAC-SHA256(server_key,
 * timestamp ‖ client ip))[..]; no server state. now_s in seconds of any
 * monotonic-enough clock (the wall clock, so a restart keeps them valid). */
void auth_nonce_make(const uint8_t server_key[AUTH_SERVER_KEY_LEN],
		     const struct tr_addr *client, int64_t now_s,
		     char out[AUTH_NONCE_MAX]);
/* 0 when valid; TR_ESTALE when genuine but older than lifetime_s;
 * TR_EINVAL when forged or malformed (also answered as stale by the
 * server, which then hands out a fresh one). */
int auth_nonce_check(const uint8_t server_key[AUTH_SERVER_KEY_LEN],
		     const struct tr_addr *client, const char *nonce, size_t len,
		     int64_t now_s, unsigned lifetime_s);

/* ---- store: sqlite with coturn's tables ---- */

struct auth_store;

/* Opens (creating tables when missing) in WAL mode with a busy timeout.
 * NULL on failure, with a message logged. Caller frees. */
struct auth_store *auth_store_open(const char *path);
void auth_store_free(struct auth_store *s);
/* 0 and key, TR_ENOTFOUND, or TR_EDB. */
int auth_store_user_key(struct auth_store *s, const char *realm, const char *name,
			uint8_t key[AUTH_KEY_LEN]);
/* Calls fn for each turn_secret value of the realm until fn returns true.
 * Returns 0 or TR_EDB. */
int auth_store_each_secret(struct auth_store *s, const char *realm,
			   bool (*fn)(const char *secret, void *arg), void *arg);
int auth_store_add_secret(struct auth_store *s, const char *realm, const char *secret);
int auth_store_set_user(struct auth_store *s, const char *realm, const char *name,
			const uint8_t key[AUTH_KEY_LEN]);

/* ---- the check a TURN request goes through ---- */

struct auth;

/* Built from the config (user= lines, static secrets, realm, separator)
 * and an optional store (borrowed; may be NULL). NULL on failure with err
 * filled. Caller frees. */
struct auth *auth_new(const struct conf *conf, struct auth_store *store,
		      char *err, size_t errlen);
void auth_free(struct auth *a);

enum auth_kind { AUTH_KIND_USER = 1, AUTH_KIND_REST = 2 };

struct auth_result {
	uint8_t key[AUTH_KEY_LEN];
	enum auth_kind kind;
	int64_t rest_expiry;   /* REST only */
};

/* Finds the key whose MESSAGE-INTEGRITY matches msg for username/realm:
 * config users, store users, then every static secret and turn_secret row
 * of the realm (rotation). REST candidates whose EXPIRY < now_wall_s are
 * skipped unless allow_expired (live allocations keep coturn semantics).
 * Returns 0 with *res, TR_EEXPIRED when only an expired REST credential
 * matched, TR_EAUTH when nothing matched. */
int auth_check(struct auth *a, const struct stun_msg *msg, const char *username,
	       const char *realm, int64_t now_wall_s, bool allow_expired,
	       struct auth_result *res);

#endif
