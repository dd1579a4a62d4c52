/* The Users page's API: coturn's turnusers_lt rows (the same rows
 * turnadmin -a/-d writes: key = MD5(name:realm:password)) and the list of
 * admin users. A realm-bound admin lists and changes its realm only. */
#include "console/console_internal.h"

#include <string.h>

#include <event2/buffer.h>
#include <openssl/crypto.h>

#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

#define FIELD_MAX 600

struct list_ctx {
	struct evbuffer *b;
	bool first;
};

static bool add_pair(const char *name, const char *realm, void *arg)
{
	struct list_ctx *l = arg;

	evbuffer_add_printf(l->b, "%s{\"name\":", l->first ? "" : ",");
	console_json_str(l->b, name);
	evbuffer_add_printf(l->b, ",\"realm\":");
	console_json_str(l->b, realm);
	evbuffer_add(l->b, "}", 1);
	l->first = false;
	return false;
}

void console_users_list(struct console *c, const struct console_session *s,
			struct bufferevent *bev, struct console_conn *cc)
{
	struct list_ctx l = { evbuffer_new(), true };
	int rc = 0;

	if (!l.b)
		return console_text(bev, cc, 503, "out of memory");
	evbuffer_add_printf(l.b, "{\"users\":[");
	if (c->store)
		rc = auth_store_each_user(c->store, s->realm[0] ? s->realm : NULL,
					  add_pair, &l);
	evbuffer_add_printf(l.b, "],\"admins\":[");
	l.first = true;
	/* Admin users are an all-realm admin's business. */
	if (rc == 0 && c->store && !s->realm[0])
		rc = auth_store_each_admin(c->store, add_pair, &l);
	evbuffer_add_printf(l.b, "]}");
	if (rc < 0)
		console_text(bev, cc, 503, "cannot read the database");
	else
		console_answer(bev, cc, 200, "application/json", l.b, NULL);
	evbuffer_free(l.b);
}

/* coturn's rule for user names (turnadmin refuses these, and its server
 * answers 400 to a USERNAME holding them). */
static bool name_ok(const char *name)
{
	return name[0] && strlen(name) < AUTH_NAME_MAX && !strpbrk(name, " \t'\"\\\r\n");
}

static int change_user(struct console *c, struct console_req *r, const char *realm,
		       const char *name, bool add)
{
	char pw[FIELD_MAX];
	uint8_t key[AUTH_KEY_LEN];
	int rc;

	if (!add)
		return auth_store_delete_user(c->store, realm, name);
	if (!console_form_field(r->body, "password", pw, sizeof(pw)) || !pw[0])
		return TR_EINVAL;
	auth_lt_key(name, realm, pw, key);
	OPENSSL_cleanse(pw, sizeof(pw));
	rc = auth_store_set_user(c->store, realm, name, key);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

void console_users_change(struct console *c, struct console_req *r,
			  const struct console_session *s, bool add,
			  struct bufferevent *bev, struct console_conn *cc)
{
	char name[FIELD_MAX], realm[AUTH_REALM_MAX], sn[ESC_LOG_LEN], sr[ESC_LOG_LEN];
	int rc;

	if (!c->store)
		return console_text(bev, cc, 409, "no userdb configured");
	if (!console_form_field(r->body, "name", name, sizeof(name)) || !name_ok(name))
		return console_text(bev, cc, 400,
				    "a user name without blanks, quotes or "
				    "backslashes, under 513 bytes");
	if (!console_form_field(r->body, "realm", realm, sizeof(realm)) || !realm[0] ||
	    strpbrk(realm, "\r\n"))
		return console_text(bev, cc, 400, "a realm");
	if (s->realm[0] && strcmp(s->realm, realm) != 0)
		return console_text(bev, cc, 403, "not your realm");
	rc = change_user(c, r, realm, name, add);
	if (rc == TR_EINVAL)
		return console_text(bev, cc, 400, "a password");
	if (rc == TR_ENOTFOUND)
		return console_text(bev, cc, 404, "no such user");
	if (rc < 0)
		return console_text(bev, cc, 503, "the database refused the change");
	log_info("console: admin %s %s user %s realm %s", s->name,
		 add ? "set" : "deleted", esc_str(sn, sizeof(sn), name),
		 esc_str(sr, sizeof(sr), realm));
	console_text(bev, cc, 200, add ? "user saved" : "user deleted");
}
