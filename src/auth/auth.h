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

#define AUTH_KEY_LEN 16   /* MD5 long-term key */
#define AUTH_NONCE_MAX 64 /* nonce text length bound, incl. NUL */
#define AUTH_NAME_MAX 513 /* coturn: usernames up to 512 bytes */
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
/* The one split of a REST username at its first separator, coturn's
 * rules: one or more digits before it = "EXPIRY<sep>ID"; anything else
 * before it = "ID<sep>EXPIRY"; no separator = a bare "EXPIRY" that is also
 * the whole ID. The pointers are into the username (borrowed). */
struct auth_rest_name {
	const char *id; /* id_len bytes; NUL-terminated unless ID<sep>EXPIRY */
	size_t id_len;
	const char *expiry; /* where the number is read */
	bool expiry_first;  /* the EXPIRY<sep>ID form */
};
void auth_rest_split(const char *username, char sep, struct auth_rest_name *out);
/* EXPIRY of a REST username (auth_rest_split), read as coturn's atol:
 * returns 0 and *expiry, or TR_EINVAL when there is no number where one
 * must be. */
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

/* For the admin command. Every write below runs in a transaction of its
 * own (BEGIN IMMEDIATE ... COMMIT) unless the caller has one open, so a
 * running server sees the whole change or none of it. */

/* How long a statement waits for another process's lock; the server keeps
 * the default (2 s) so its loop never stalls longer, the admin command
 * waits more. */
void auth_store_set_busy_timeout(struct auth_store *s, int ms);
/* BEGIN IMMEDIATE: takes the write lock now (waiting up to the busy
 * timeout), so the writes that follow cannot fail half-way for a lock.
 * 0 or TR_EDB. */
int auth_store_begin(struct auth_store *s);
/* COMMIT; on failure the transaction is rolled back. 0 or TR_EDB. */
int auth_store_commit(struct auth_store *s);
/* ROLLBACK of an open transaction; a no-op when none is open. */
void auth_store_rollback(struct auth_store *s);
/* 0, TR_ENOTFOUND (no such user; nothing changed) or TR_EDB. */
int auth_store_delete_user(struct auth_store *s, const char *realm, const char *name);
/* Calls fn(name, realm, arg) for each turnusers_lt row of realm, or of
 * every realm when realm is NULL, ordered by realm then name, until fn
 * returns true. The strings are borrowed for the call; fn must not call
 * back into the store. 0 or TR_EDB. */
int auth_store_each_user(struct auth_store *s, const char *realm,
			 bool (*fn)(const char *name, const char *realm, void *arg),
			 void *arg);
/* As auth_store_each_user, for turn_secret rows (value, realm). */
int auth_store_each_secret_all(struct auth_store *s, const char *realm,
			       bool (*fn)(const char *secret, const char *realm,
					  void *arg),
			       void *arg);
/* 0, TR_ENOTFOUND (no such secret in the realm) or TR_EDB. */
int auth_store_delete_secret(struct auth_store *s, const char *realm, const char *secret);
/* Deletes every turn_secret row of the realm. 0 or TR_EDB. */
int auth_store_delete_all_secrets(struct auth_store *s, const char *realm);

/* ---- coturn's admin users (admin_user: name, realm, password) ---- */

/* coturn's admin password format: "$5$" hex(8-byte salt) "$"
 * hex(SHA-256(salt || password)) (it is not crypt(3) despite the prefix).
 * A fresh random salt; out gets AUTH_ADMIN_HASH_LEN bytes. 0 or TR_EIO
 * when no randomness is available. */
#define AUTH_ADMIN_HASH_LEN (3 + 16 + 1 + 64 + 1)
int auth_admin_hash(const char *password, char out[AUTH_ADMIN_HASH_LEN]);
/* Whether password matches a stored hash in that format (constant-time
 * comparison of the digests); false for any other format. */
bool auth_admin_verify(const char *password, const char *stored);

/* Adds or replaces an admin (realm "" or NULL: every realm); hash in the
 * format above. 0 or TR_EDB. */
int auth_store_set_admin(struct auth_store *s, const char *name, const char *realm,
			 const char *hash);
/* 0, TR_ENOTFOUND or TR_EDB. */
int auth_store_delete_admin(struct auth_store *s, const char *name);
/* fn(name, realm) for each admin user, ordered by name, until fn returns
 * true; realm is "" for an admin of every realm. 0 or TR_EDB. */
int auth_store_each_admin(struct auth_store *s,
			  bool (*fn)(const char *name, const char *realm, void *arg),
			  void *arg);
/* The realm and stored hash of admin name: 0, TR_ENOTFOUND (also when
 * they do not fit the buffers) or TR_EDB. */
int auth_store_get_admin(struct auth_store *s, const char *name, char *realm,
			 size_t realm_len, char *hash, size_t hash_len);

/* Keeps value (a NUL-terminated string in a buffer of len bytes) under
 * key in turnroom's own table unless one is kept already; either way
 * value gets the kept one. In one transaction, so two processes sharing
 * the store agree. 0 or TR_EDB (also when the kept value does not fit). */
int auth_store_keep_value(struct auth_store *s, const char *key, char *value, size_t len);

/* ---- the check a TURN request goes through ---- */

struct auth;

/* Built from the config (user= lines, static secrets, realm, separator)
 * and an optional store (borrowed; may be NULL). NULL on failure with err
 * filled. Caller frees. */
struct auth *auth_new(const struct conf *conf, struct auth_store *store, char *err,
		      size_t errlen);
void auth_free(struct auth *a);

enum auth_kind { AUTH_KIND_USER = 1, AUTH_KIND_REST = 2 };

struct auth_result {
	uint8_t key[AUTH_KEY_LEN];
	enum auth_kind kind;
	int64_t rest_expiry; /* REST only */
};

/* Finds the key whose MESSAGE-INTEGRITY matches msg for username/realm:
 * config users, store users, then every static secret and turn_secret row
 * of the realm (rotation). REST candidates whose EXPIRY < now_wall_s are
 * skipped unless allow_expired (live allocations keep coturn semantics).
 * Returns 0 with *res, TR_EEXPIRED when only an expired REST credential
 * matched, TR_ENOTFOUND with *res when a room-minted one matched whose
 * member is gone (genuine, but it may not allocate), TR_EAUTH when
 * nothing matched. */
int auth_check(struct auth *a, const struct stun_msg *msg, const char *username,
	       const char *realm, int64_t now_wall_s, bool allow_expired,
	       struct auth_result *res);

/* ---- presence-bound credentials ---- */

/* The room server mints REST usernames "EXPIRY<sep>room~ID" with ID a
 * member's user id: such a credential is valid only while that member is
 * live (joined, or inside its resume window), as a presence source says.
 * Any other REST username (a site's backend with the same secret) keeps
 * coturn's semantics. The prefix is reserved for the room server. */
#define AUTH_ROOM_ID_PREFIX "room~"

/* Whether member_id is a live room member: the local room server today, a
 * cluster backend later. Must not call back into auth. */
typedef bool (*auth_presence_fn)(void *ctx, const char *member_id);

/* Sets the presence source (ctx borrowed; fn NULL: none, and then every
 * room-minted credential is refused: no member is known to be live). */
void auth_set_presence(struct auth *a, auth_presence_fn fn, void *ctx);
/* The member id of a credential of kind whose username is room-minted,
 * "EXPIRY<sep>room~ID" (a pointer into username, after the prefix), or
 * NULL for any other, and always for a long-term user (a user named
 * "1:room~ID" is no room member). */
const char *auth_room_member_id(enum auth_kind kind, const char *username, char sep);
/* Whom a credential counts as (coturn's quotas, an operator's disconnect):
 * the ID part of a REST username, the whole name of a long-term user.
 * Returns a pointer into username and its length in *len. */
const char *auth_cred_user(enum auth_kind kind, const char *username, char sep,
			   size_t *len);
/* False when the username of a REST credential is room-minted and its
 * member is not live (checked by auth_check too; this is for requests on
 * existing allocations). */
bool auth_member_live(struct auth *a, const char *username);

/* Adds a REST secret at run time (one generated by the room server when
 * no store keeps it). 0 or TR_ENOMEM. */
int auth_add_secret(struct auth *a, const char *secret);
/* Checks a long-term user's password in the configured realm against
 * user= lines and the store (the room server's signaling-auth=user).
 * 0 or TR_EAUTH; constant-time key comparison. */
int auth_check_password(struct auth *a, const char *name, const char *password);

/* ---- failed-authentication budgets ---- */

/* Password guessing is bounded three ways: per source (an IPv4 address,
 * or an IPv6 /64, which one host usually owns whole), per username, and
 * in total. Each budget is a token bucket of `n` failures that refills n
 * per minute; 0 means no limit. Fixed memory however many sources or
 * names: a colliding key takes a slot over, which can forget a limit but
 * never impose one on another key (the total budget stays). */
struct auth_limits {
	unsigned per_source, per_user, global;
};

enum auth_limit {
	AUTH_LIMIT_OK = 0,
	AUTH_LIMIT_SOURCE,
	AUTH_LIMIT_USER,
	AUTH_LIMIT_GLOBAL,
	AUTH_LIMIT_COUNT
};

struct auth_limiter;

/* NULL on allocation failure. Caller frees. */
struct auth_limiter *auth_limiter_new(const struct auth_limits *lim);
void auth_limiter_free(struct auth_limiter *l);
/* New budgets (reload); the state so far is kept. */
void auth_limiter_configure(struct auth_limiter *l, const struct auth_limits *lim);
/* Whether a request from client for username (NULL: the source alone)
 * may be checked: AUTH_LIMIT_OK, or the budget that is spent; the caller
 * then drops the request unanswered. A refusal is counted and logged at
 * most once per 10 s per budget kind. */
enum auth_limit auth_limiter_check(struct auth_limiter *l, const struct tr_addr *client,
				   const char *username, uint64_t now_ms);
/* One failed authentication of client for username (may be NULL). */
void auth_limiter_fail(struct auth_limiter *l, const struct tr_addr *client,
		       const char *username, uint64_t now_ms);
/* Requests refused because of budget kind so far. */
uint64_t auth_limiter_dropped(const struct auth_limiter *l, enum auth_limit kind);
/* The source key of an address: IPv4 whole, IPv4-mapped IPv6 as IPv4,
 * other IPv6 its /64. key gets 17 bytes (a zero byte, then
 * addr_source_key's 16). For tests. */
void auth_limiter_source_key(const struct tr_addr *client, uint8_t key[17]);

#endif
