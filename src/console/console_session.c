/* Console logins: coturn's admin_user rows, random session cookies and
 * CSRF tokens, and the brake on password guessing (per address and per
 * name, the auth module's failure budgets). */
#include "console/console_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "util/clock.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/hex.h"
#include "util/log.h"

#define ADMIN_HASH_MAX 256

static bool random_token(char out[CONSOLE_TOKEN_HEX + 1])
{
	uint8_t b[CONSOLE_TOKEN_HEX / 2];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return false;
	hex_encode(out, b, sizeof(b));
	out[CONSOLE_TOKEN_HEX] = '\0';
	return true;
}

static bool session_expired(const struct console_session *s, uint64_t now)
{
	return now - s->used_ms > (uint64_t)CONSOLE_IDLE_S * 1000 ||
	       now - s->created_ms > (uint64_t)CONSOLE_SESSION_MAX_S * 1000;
}

/* A free slot, else the least recently used one. */
static struct console_session *session_slot(struct console *c, uint64_t now)
{
	struct console_session *old = &c->sessions[0];
	size_t i;

	for (i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
		struct console_session *s = &c->sessions[i];

		if (!s->live || session_expired(s, now))
			return s;
		if (s->used_ms < old->used_ms)
			old = s;
	}
	return old;
}

static int check_admin(struct console *c, const char *name, const char *password,
		       char realm[AUTH_REALM_MAX])
{
	char hash[ADMIN_HASH_MAX];
	int rc;

	if (!c->store)
		return TR_EAUTH;
	rc = auth_store_get_admin(c->store, name, realm, AUTH_REALM_MAX, hash,
				  sizeof(hash));
	if (rc == TR_ENOTFOUND) {
		/* The same work as for a real admin, so the time taken does
		 * not tell which names exist. */
		(void)auth_admin_verify(password, "$5$0000000000000000$"
						  "00000000000000000000000000000000"
						  "00000000000000000000000000000000");
		return TR_EAUTH;
	}
	if (rc < 0)
		return rc;
	rc = auth_admin_verify(password, hash) ? 0 : TR_EAUTH;
	OPENSSL_cleanse(hash, sizeof(hash));
	return rc;
}

int console_login(struct console *c, const struct tr_addr *client, const char *name,
		  const char *password, struct console_session **out)
{
	uint64_t now = clock_mono_ms();
	char realm[AUTH_REALM_MAX] = "", shown[ESC_LOG_LEN], from[ADDR_STR_MAX];
	struct console_session *s;
	int rc;

	esc_str(shown, sizeof(shown), name);
	if (auth_limiter_check(c->brake, client, name, now) != AUTH_LIMIT_OK)
		return TR_EQUOTA;
	if (strlen(name) >= CONSOLE_NAME_MAX)
		rc = TR_EAUTH;
	else
		rc = check_admin(c, name, password, realm);
	if (rc == TR_EAUTH) {
		auth_limiter_fail(c->brake, client, name, now);
		log_warn_limited(&c->wrong_log,
				 "console: wrong password for admin %s from %s", shown,
				 addr_ip_to_str(client, from, sizeof(from)));
	}
	if (rc < 0)
		return rc;
	s = session_slot(c, now);
	memset(s, 0, sizeof(*s));
	if (!random_token(s->cookie) || !random_token(s->csrf))
		return TR_EIO;
	strcpy(s->name, name);
	strcpy(s->realm, realm);
	s->created_ms = s->used_ms = now;
	s->live = true;
	log_info("console: admin %s logged in%s%s", shown, *realm ? " for realm " : "",
		 realm);
	*out = s;
	return 0;
}

/* The value of cookie "trc" in a Cookie header ("a=b; trc=HEX; ..."). */
static bool cookie_value(const char *hdr, char out[CONSOLE_TOKEN_HEX + 1])
{
	const char *p = hdr;

	while (p && *p) {
		p += strspn(p, " ;");
		if (!strncmp(p, "trc=", 4) &&
		    strspn(p + 4, "0123456789abcdef") == CONSOLE_TOKEN_HEX) {
			memcpy(out, p + 4, CONSOLE_TOKEN_HEX);
			out[CONSOLE_TOKEN_HEX] = '\0';
			return true;
		}
		p = strchr(p, ';');
	}
	return false;
}

/* An admin deleted (turnadmin -D) or moved to another realm since it
 * logged in loses its sessions at their next request. */
static bool admin_still_there(struct console *c, const struct console_session *s)
{
	char realm[AUTH_REALM_MAX], hash[ADMIN_HASH_MAX];
	bool ok;

	if (!c->store)
		return false;
	ok = auth_store_get_admin(c->store, s->name, realm, sizeof(realm), hash,
				  sizeof(hash)) == 0 &&
	     strcmp(realm, s->realm) == 0;
	OPENSSL_cleanse(hash, sizeof(hash));
	return ok;
}

struct console_session *console_session_find(struct console *c, const char *cookie_hdr)
{
	char v[CONSOLE_TOKEN_HEX + 1];
	uint64_t now = clock_mono_ms();
	size_t i;

	if (!cookie_value(cookie_hdr, v))
		return NULL;
	for (i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
		struct console_session *s = &c->sessions[i];

		if (!s->live || CRYPTO_memcmp(s->cookie, v, CONSOLE_TOKEN_HEX) != 0)
			continue;
		if (session_expired(s, now) || !admin_still_there(c, s)) {
			console_session_end(s);
			return NULL;
		}
		s->used_ms = now;
		return s;
	}
	return NULL;
}

void console_session_end(struct console_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
	s->live = false;
}

bool console_csrf_ok(const struct console_session *s, const char *token)
{
	return strlen(token) == CONSOLE_TOKEN_HEX &&
	       CRYPTO_memcmp(s->csrf, token, CONSOLE_TOKEN_HEX) == 0;
}
