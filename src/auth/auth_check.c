/* The credential check a TURN request goes through: config users, store
 * users, then REST credentials under every static secret and every
 * turn_secret row of the realm. Unlike coturn, long-term users keep
 * working when REST secrets are on: the room server hands out REST
 * credentials while native clients keep their users. */
#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conf/conf.h"
#include "stun/stun.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

struct auth_user {
	char *name;
	uint8_t key[AUTH_KEY_LEN];
};

struct auth {
	char *realm;             /* the configured realm, for user= keys */
	char sep;                /* rest-api-separator */
	struct auth_user *users; /* user= lines, in config order */
	size_t n_users;
	char **secrets; /* static-auth-secret values, in order */
	size_t n_secrets;
	struct auth_store *store;  /* borrowed; may be NULL */
	auth_presence_fn presence; /* NULL: no member is live */
	void *presence_ctx;        /* borrowed */
};

/* REST password: base64 of a SHA-1 HMAC, 28 characters plus NUL. */
#define REST_PASSWORD_MAX 32

/* One user= entry: "name:password" (key derived with the realm, as coturn
 * does) or "name:0x<32 hex>" (the key itself). The split is at the first
 * ':', so passwords may contain colons. err never shows the password. */
static int parse_user(const char *entry, const char *realm, struct auth_user *u,
		      char *err, size_t errlen)
{
	const char *col = strchr(entry, ':');
	const char *pass;
	size_t nlen;

	if (!col) {
		snprintf(err, errlen, "user=: expected name:password or name:0xKEY");
		return TR_EINVAL;
	}
	nlen = (size_t)(col - entry);
	pass = col + 1;
	if (nlen == 0) {
		snprintf(err, errlen, "user=: empty name");
		return TR_EINVAL;
	}
	if (nlen >= AUTH_NAME_MAX) {
		snprintf(err, errlen, "user=%.32s...: name longer than %d bytes", entry,
			 AUTH_NAME_MAX - 1);
		return TR_EINVAL;
	}
	u->name = strndup(entry, nlen);
	if (!u->name) {
		snprintf(err, errlen, "user=: out of memory");
		return TR_ENOMEM;
	}
	if (!*pass) {
		snprintf(err, errlen, "user=%s: empty password", u->name);
		return TR_EINVAL;
	}
	if (pass[0] == '0' && (pass[1] == 'x' || pass[1] == 'X')) {
		if (auth_key_from_hex(pass, u->key) < 0) {
			snprintf(err, errlen,
				 "user=%s: a 0x key needs exactly 32 "
				 "hex digits",
				 u->name);
			return TR_EINVAL;
		}
		return 0;
	}
	auth_lt_key(u->name, realm, pass, u->key);
	return 0;
}

static int copy_users(struct auth *a, const struct conf_list *users, char *err,
		      size_t errlen)
{
	size_t i;

	if (users->n == 0)
		return 0;
	a->users = calloc(users->n, sizeof(*a->users));
	if (!a->users) {
		snprintf(err, errlen, "user=: out of memory");
		return TR_ENOMEM;
	}
	for (i = 0; i < users->n; i++) {
		/* Counted first so auth_free also frees a half-parsed entry. */
		a->n_users++;
		if (parse_user(users->items[i], a->realm, &a->users[i], err, errlen) < 0)
			return TR_EINVAL;
	}
	return 0;
}

static int copy_secrets(struct auth *a, const struct conf_list *secrets, char *err,
			size_t errlen)
{
	size_t i;

	if (secrets->n == 0)
		return 0;
	a->secrets = calloc(secrets->n, sizeof(*a->secrets));
	if (!a->secrets) {
		snprintf(err, errlen, "static-auth-secret: out of memory");
		return TR_ENOMEM;
	}
	for (i = 0; i < secrets->n; i++) {
		a->secrets[i] = strdup(secrets->items[i]);
		if (!a->secrets[i]) {
			snprintf(err, errlen, "static-auth-secret: out of memory");
			return TR_ENOMEM;
		}
		a->n_secrets++;
	}
	return 0;
}

struct auth *auth_new(const struct conf *conf, struct auth_store *store, char *err,
		      size_t errlen)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (!a) {
		snprintf(err, errlen, "auth: out of memory");
		return NULL;
	}
	a->store = store;
	a->sep = conf->rest_api_separator ? conf->rest_api_separator : ':';
	a->realm = strdup(conf->realm ? conf->realm : "");
	if (!a->realm) {
		snprintf(err, errlen, "realm: out of memory");
		goto fail;
	}
	if (copy_users(a, &conf->users, err, errlen) < 0 ||
	    copy_secrets(a, &conf->static_auth_secrets, err, errlen) < 0)
		goto fail;
	return a;
fail:
	auth_free(a);
	return NULL;
}

void auth_free(struct auth *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n_users; i++) {
		free(a->users[i].name);
		OPENSSL_cleanse(a->users[i].key, AUTH_KEY_LEN);
	}
	for (i = 0; i < a->n_secrets; i++) {
		OPENSSL_cleanse(a->secrets[i], strlen(a->secrets[i]));
		free(a->secrets[i]);
	}
	free(a->users);
	free(a->secrets);
	free(a->realm);
	free(a);
}

/* One REST attempt: the state shared by static and stored secrets. */
struct rest_try {
	const struct stun_msg *msg;
	const char *username;
	const char *realm;
	uint8_t key[AUTH_KEY_LEN];
	bool matched;
};

/* Also the auth_store_each_secret callback: true stops the iteration. */
static bool rest_try_secret(const char *secret, void *arg)
{
	struct rest_try *t = arg;
	char pass[REST_PASSWORD_MAX];

	if (auth_rest_password(secret, t->username, pass, sizeof(pass)) < 0)
		return false;
	auth_lt_key(t->username, t->realm, pass, t->key);
	OPENSSL_cleanse(pass, sizeof(pass));
	t->matched = stun_check_integrity(t->msg, t->key, AUTH_KEY_LEN);
	return t->matched;
}

/* Static secrets in config order, then the realm's turn_secret rows, as
 * coturn's get_auth_secrets orders them; the first that validates wins. */
static bool rest_match(struct auth *a, struct rest_try *t)
{
	size_t i;

	for (i = 0; i < a->n_secrets; i++)
		if (rest_try_secret(a->secrets[i], t))
			return true;
	/* A store error is logged by the store; static secrets and users
	 * keep working (coturn fails the whole check here). */
	if (a->store)
		auth_store_each_secret(a->store, t->realm, rest_try_secret, t);
	return t->matched;
}

static bool user_match(struct auth *a, const struct stun_msg *msg, const char *username,
		       const char *realm, uint8_t key[AUTH_KEY_LEN])
{
	size_t i;

	for (i = 0; i < a->n_users; i++) {
		if (strcmp(a->users[i].name, username) != 0)
			continue;
		if (stun_check_integrity(msg, a->users[i].key, AUTH_KEY_LEN)) {
			memcpy(key, a->users[i].key, AUTH_KEY_LEN);
			return true;
		}
	}
	if (a->store && auth_store_user_key(a->store, realm, username, key) == 0 &&
	    stun_check_integrity(msg, key, AUTH_KEY_LEN))
		return true;
	OPENSSL_cleanse(key, AUTH_KEY_LEN);
	return false;
}

int auth_check(struct auth *a, const struct stun_msg *msg, const char *username,
	       const char *realm, int64_t now_wall_s, bool allow_expired,
	       struct auth_result *res)
{
	struct rest_try t = { .msg = msg, .username = username };
	int64_t expiry;

	if (!realm)
		realm = a->realm;
	t.realm = realm;
	if (strlen(username) >= AUTH_NAME_MAX || strlen(realm) >= AUTH_REALM_MAX)
		return TR_EAUTH;
	memset(res, 0, sizeof(*res));
	if (user_match(a, msg, username, realm, res->key)) {
		res->kind = AUTH_KIND_USER;
		return 0;
	}
	if (!rest_match(a, &t))
		return TR_EAUTH;
	/* A name without a number is coturn's atol() == 0: long expired. */
	if (auth_rest_expiry(username, a->sep, &expiry) < 0)
		expiry = 0;
	if (expiry < now_wall_s && !allow_expired) {
		char shown[ESC_LOG_LEN];

		OPENSSL_cleanse(t.key, sizeof(t.key));
		log_debug("REST credential of %s expired at %lld",
			  esc_str(shown, sizeof(shown), username), (long long)expiry);
		return TR_EEXPIRED;
	}
	memcpy(res->key, t.key, AUTH_KEY_LEN);
	OPENSSL_cleanse(t.key, sizeof(t.key));
	res->kind = AUTH_KIND_REST;
	res->rest_expiry = expiry;
	if (!auth_member_live(a, username)) {
		/* The HMAC matched: the name is ours, not the client's own text. */
		log_info("REST credential %s: the room member is gone", username);
		return TR_ENOTFOUND;
	}
	return 0;
}

void auth_set_presence(struct auth *a, auth_presence_fn fn, void *ctx)
{
	a->presence = fn;
	a->presence_ctx = ctx;
}

const char *auth_room_member_id(enum auth_kind kind, const char *username, char sep)
{
	static const char prefix[] = AUTH_ROOM_ID_PREFIX;
	struct auth_rest_name n;

	if (kind != AUTH_KIND_REST)
		return NULL;
	auth_rest_split(username, sep, &n);
	if (!n.expiry_first || strncmp(n.id, prefix, sizeof(prefix) - 1))
		return NULL;
	return n.id + sizeof(prefix) - 1;
}

bool auth_member_live(struct auth *a, const char *username)
{
	const char *member = auth_room_member_id(AUTH_KIND_REST, username, a->sep);

	return !member || (a->presence && a->presence(a->presence_ctx, member));
}

int auth_add_secret(struct auth *a, const char *secret)
{
	char **grown = realloc(a->secrets, (a->n_secrets + 1) * sizeof(*grown));

	if (!grown)
		return TR_ENOMEM;
	a->secrets = grown;
	a->secrets[a->n_secrets] = strdup(secret);
	if (!a->secrets[a->n_secrets])
		return TR_ENOMEM;
	a->n_secrets++;
	return 0;
}

int auth_check_password(struct auth *a, const char *name, const char *password)
{
	uint8_t want[AUTH_KEY_LEN], have[AUTH_KEY_LEN];
	int rc = TR_EAUTH;

	if (strlen(name) >= AUTH_NAME_MAX || !*name || !*password)
		return TR_EAUTH;
	auth_lt_key(name, a->realm, password, want);
	for (size_t i = 0; i < a->n_users && rc; i++)
		if (!strcmp(a->users[i].name, name) &&
		    !CRYPTO_memcmp(a->users[i].key, want, AUTH_KEY_LEN))
			rc = 0;
	if (rc && a->store && auth_store_user_key(a->store, a->realm, name, have) == 0 &&
	    !CRYPTO_memcmp(have, want, AUTH_KEY_LEN))
		rc = 0;
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(have, sizeof(have));
	return rc;
}
