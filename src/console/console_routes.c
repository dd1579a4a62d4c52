/* The console's routes: the embedded page, login/logout, and the API the
 * page polls. Every POST is refused unless same-origin (Origin equals the
 * console's own origin; Sec-Fetch-Site, when sent, is same-origin) and,
 * once logged in, carries the session's CSRF token. A realm-bound admin
 * (admin_user.realm not empty) sees and changes only its realm. */
#include "console/console_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <openssl/crypto.h>

#include "conf/conf.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

extern const unsigned char console_index_html[], console_js[], console_css[];
extern const size_t console_index_html_len, console_js_len, console_css_len;

#define JSON "application/json"
#define FIELD_MAX 600

/* A JSON string of s: made printable by esc_str (bad UTF-8 and controls
 * become \xNN text), then quotes and backslashes escaped. */
void console_json_str(struct evbuffer *b, const char *s)
{
	char e[ESC_LOG_LEN];
	const char *p;

	esc_str(e, sizeof(e), s);
	evbuffer_add(b, "\"", 1);
	for (p = e; *p; p++) {
		if (*p == '"' || *p == '\\')
			evbuffer_add(b, "\\", 1);
		evbuffer_add(b, p, 1);
	}
	evbuffer_add(b, "\"", 1);
}

static void send_static(struct bufferevent *bev, struct console_conn *cc,
			const char *type, const unsigned char *data, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	if (b)
		evbuffer_add(b, data, len);
	console_answer(bev, cc, 200, type, b, NULL);
	evbuffer_free(b);
}

static void send_json(struct bufferevent *bev, struct console_conn *cc, int status,
		      struct evbuffer *b, const char *extra)
{
	console_answer(bev, cc, status, JSON, b, extra);
}

/* Same-origin: a browser sends Origin on every POST fetch; it must be
 * this console's own (http://Host), so another site's page (even on
 * another port of 127.0.0.1) cannot drive a logged-in browser. */
static bool same_origin(const struct console *c, const struct console_req *r)
{
	char want[300];

	if (r->fetch_site[0] && strcmp(r->fetch_site, "same-origin") != 0)
		return false;
	snprintf(want, sizeof(want), "%s://%s", c->tls ? "https" : "http", r->h.host);
	return r->h.origin[0] && r->h.host[0] && strcmp(r->h.origin, want) == 0;
}

/* Whether the admin may act on sessions of the server's realm. */
static bool realm_ok(const struct console *c, const struct console_session *s,
		     const char *realm)
{
	(void)c;
	return !s->realm[0] || (realm && strcmp(s->realm, realm) == 0);
}

static void api_me(struct bufferevent *bev, struct console_conn *cc,
		   const struct console_session *s)
{
	struct evbuffer *b = evbuffer_new();

	if (!b)
		return console_text(bev, cc, 503, "out of memory");
	evbuffer_add_printf(b, "{\"name\":");
	console_json_str(b, s->name);
	evbuffer_add_printf(b, ",\"realm\":");
	console_json_str(b, s->realm);
	evbuffer_add_printf(b, ",\"csrf\":\"%s\"}", s->csrf);
	send_json(bev, cc, 200, b, NULL);
	evbuffer_free(b);
}

static void api_login(struct console *c, struct console_req *r, struct bufferevent *bev,
		      struct console_conn *cc)
{
	char name[FIELD_MAX], pw[FIELD_MAX], cookie[200];
	struct console_session *s = NULL;
	int rc = TR_EAUTH;

	if (console_form_field(r->body, "name", name, sizeof(name)) &&
	    console_form_field(r->body, "password", pw, sizeof(pw)))
		rc = console_login(c, &r->client, name, pw, &s);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (rc == TR_EQUOTA)
		return console_text(bev, cc, 429,
				    "too many wrong passwords; wait a minute");
	if (rc < 0)
		return console_text(bev, cc, rc == TR_EAUTH ? 401 : 503,
				    rc == TR_EAUTH ? "wrong name or password"
						   : "cannot check the password");
	/* HttpOnly: no script reads it; SameSite=Strict: no other site's
	 * request carries it; Secure under TLS: never sent in clear. */
	snprintf(
		cookie, sizeof(cookie),
		"Set-Cookie: trc=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s\r\n",
		s->cookie, CONSOLE_SESSION_MAX_S, c->tls ? "; Secure" : "");
	{
		struct evbuffer *b = evbuffer_new();

		if (b) {
			evbuffer_add_printf(b, "{\"name\":");
			console_json_str(b, s->name);
			evbuffer_add_printf(b, ",\"realm\":");
			console_json_str(b, s->realm);
			evbuffer_add_printf(b, ",\"csrf\":\"%s\"}", s->csrf);
		}
		send_json(bev, cc, 200, b, cookie);
		evbuffer_free(b);
	}
}

/* "key value" lines of the status callback as one JSON object. */
static void api_status(struct console *c, struct bufferevent *bev,
		       struct console_conn *cc)
{
	struct evbuffer *t = evbuffer_new(), *b = evbuffer_new();
	char err[256] = "", *line;
	bool first = true;

	if (!t || !b ||
	    c->ops.server.status(c->ops.server.ctx, t, err, sizeof(err)) < 0) {
		evbuffer_free(t);
		evbuffer_free(b);
		return console_text(bev, cc, 503, "status unavailable");
	}
	evbuffer_add(b, "{", 1);
	while ((line = evbuffer_readln(t, NULL, EVBUFFER_EOL_LF))) {
		char *sp = strchr(line, ' ');

		if (sp) {
			*sp = '\0';
			evbuffer_add_printf(b, "%s", first ? "" : ",");
			console_json_str(b, line);
			evbuffer_add(b, ":", 1);
			console_json_str(b, sp + 1);
			first = false;
		}
		free(line);
	}
	evbuffer_add(b, "}", 1);
	send_json(bev, cc, 200, b, NULL);
	evbuffer_free(t);
	evbuffer_free(b);
}

/* The samples of /metrics as one JSON object, "name{labels}": value, so
 * the overview shows the very numbers Prometheus scrapes. */
static void metrics_json(struct evbuffer *t, struct evbuffer *b)
{
	char *line;
	bool first = true;

	evbuffer_add(b, "{", 1);
	while ((line = evbuffer_readln(t, NULL, EVBUFFER_EOL_LF))) {
		char *sp = strrchr(line, ' '), *end;

		if (line[0] != '#' && sp && sp != line) {
			*sp = '\0';
			(void)strtod(sp + 1, &end);
			if (*end == '\0' && end != sp + 1) {
				evbuffer_add_printf(b, "%s", first ? "" : ",");
				console_json_str(b, line);
				evbuffer_add_printf(b, ":%s", sp + 1);
				first = false;
			}
		}
		free(line);
	}
	evbuffer_add(b, "}", 1);
}

static void api_metrics(struct console *c, const struct console_session *s,
			struct bufferevent *bev, struct console_conn *cc)
{
	struct evbuffer *t = evbuffer_new(), *b = evbuffer_new();

	if (t && b && realm_ok(c, s, c->conf->realm)) {
		c->ops.metrics(c->ops.server.ctx, t);
		metrics_json(t, b);
		send_json(bev, cc, 200, b, NULL);
	} else {
		console_text(bev, cc, t && b ? 403 : 503,
			     t && b ? "not your realm" : "out of memory");
	}
	evbuffer_free(t);
	evbuffer_free(b);
}

static void api_sessions(struct console *c, const struct console_session *s,
			 struct bufferevent *bev, struct console_conn *cc)
{
	struct evbuffer *b = evbuffer_new();
	char err[256] = "";

	if (!b)
		return console_text(bev, cc, 503, "out of memory");
	/* Every session of this server is of its realm. */
	if (realm_ok(c, s, c->conf->realm) &&
	    c->ops.server.sessions(c->ops.server.ctx, b, err, sizeof(err)) < 0)
		evbuffer_add_printf(b, "error: %s\n", err);
	console_answer(bev, cc, 200, "text/plain; charset=utf-8", b, NULL);
	evbuffer_free(b);
}

static void api_disconnect(struct console *c, struct console_req *r,
			   const struct console_session *s, struct bufferevent *bev,
			   struct console_conn *cc)
{
	struct evbuffer *b = evbuffer_new();
	char user[FIELD_MAX], err[256] = "", shown[ESC_LOG_LEN];
	int rc;

	if (!b)
		return console_text(bev, cc, 503, "out of memory");
	if (!console_form_field(r->body, "user", user, sizeof(user)) || !user[0]) {
		evbuffer_free(b);
		return console_text(bev, cc, 400, "no user");
	}
	if (!realm_ok(c, s, c->conf->realm)) {
		evbuffer_free(b);
		return console_text(bev, cc, 403, "not your realm");
	}
	rc = c->ops.server.disconnect(c->ops.server.ctx, user, b, err, sizeof(err));
	log_info("console: admin %s disconnected %s", s->name,
		 esc_str(shown, sizeof(shown), user));
	if (rc < 0)
		evbuffer_add_printf(b, "%s\n", err);
	console_answer(bev, cc, rc < 0 ? 404 : 200, "text/plain; charset=utf-8", b, NULL);
	evbuffer_free(b);
}

/* The effective configuration, secrets masked (conf_show_all), as JSON
 * rows or as "name=value" lines (to compare before and after a reload). */
struct show_ctx {
	struct evbuffer *b;
	bool json, first;
};

static void show_one(void *arg, const char *name, const char *value, bool reload)
{
	struct show_ctx *x = arg;

	if (!x->json) {
		evbuffer_add_printf(x->b, "%s=%s\n", name, value);
		return;
	}
	evbuffer_add_printf(x->b, "%s{\"name\":", x->first ? "" : ",");
	console_json_str(x->b, name);
	evbuffer_add_printf(x->b, ",\"value\":");
	console_json_str(x->b, value);
	evbuffer_add_printf(x->b, ",\"reload\":%s}", reload ? "true" : "false");
	x->first = false;
}

static void api_config(struct console *c, const struct console_session *s,
		       struct bufferevent *bev, struct console_conn *cc)
{
	struct show_ctx x = { evbuffer_new(), true, true };

	if (!x.b)
		return console_text(bev, cc, 503, "out of memory");
	if (s->realm[0]) {
		evbuffer_free(x.b);
		return console_text(bev, cc, 403, "only an admin of every realm");
	}
	evbuffer_add(x.b, "[", 1);
	conf_show_all(c->conf, show_one, &x);
	evbuffer_add(x.b, "]", 1);
	send_json(bev, cc, 200, x.b, NULL);
	evbuffer_free(x.b);
}

/* Whether line (len bytes) is one of the lines of text. */
static bool has_line(const char *text, size_t tlen, const char *line, size_t len)
{
	const char *p = text, *end = text + tlen;

	while (p && p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));

		if (e && (size_t)(e - p) == len && !memcmp(p, line, len))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* The lines of after that are not in before: what a reload changed. */
static void reload_changes(struct evbuffer *before, struct evbuffer *after,
			   struct evbuffer *out)
{
	size_t blen = evbuffer_get_length(before), n = 0;
	const char *bt = (const char *)evbuffer_pullup(before, -1);
	char *line;

	while ((line = evbuffer_readln(after, NULL, EVBUFFER_EOL_LF))) {
		if (!has_line(bt, blen, line, strlen(line))) {
			evbuffer_add_printf(out, "changed: %s\n", line);
			n++;
		}
		free(line);
	}
	if (!n)
		evbuffer_add_printf(out, "no option applied on reload changed\n");
}

static void api_reload(struct console *c, const struct console_session *s,
		       struct bufferevent *bev, struct console_conn *cc)
{
	struct evbuffer *b = evbuffer_new(), *before = evbuffer_new(),
			*after = evbuffer_new();
	struct show_ctx x = { before, false, true };
	char err[256] = "";
	int rc = TR_ENOMEM;

	if (s->realm[0]) {
		snprintf(err, sizeof(err), "only an admin of every realm may reload");
		rc = TR_EFORBIDDEN;
	} else if (b && before && after) {
		conf_show_all(c->conf, show_one, &x);
		rc = c->ops.server.reload(c->ops.server.ctx, b, err, sizeof(err));
		log_info("console: admin %s asked for a reload", s->name);
	}
	if (rc == 0) {
		/* c->conf is the new configuration now (console_reload_commit);
		 * an option that needs a restart keeps its running value there
		 * and is named in the log. */
		x.b = after;
		conf_show_all(c->conf, show_one, &x);
		evbuffer_add_printf(b, "reloaded\n");
		reload_changes(before, after, b);
		evbuffer_add_printf(b, "changes that need a restart are in the log\n");
		console_answer(bev, cc, 200, "text/plain; charset=utf-8", b, NULL);
	} else {
		console_text(bev, cc, rc == TR_EFORBIDDEN ? 403 : 500,
			     err[0] ? err : "out of memory");
	}
	evbuffer_free(b);
	evbuffer_free(before);
	evbuffer_free(after);
}

static void route_post(struct console *c, struct console_req *r,
		       struct console_session *s, struct bufferevent *bev,
		       struct console_conn *cc)
{
	const char *p = r->h.path;

	if (!same_origin(c, r))
		return console_text(bev, cc, 403, "cross-origin request refused");
	if (!strcmp(p, "/api/login"))
		return api_login(c, r, bev, cc);
	if (!s)
		return console_text(bev, cc, 401, "log in first");
	if (!console_csrf_ok(s, r->csrf))
		return console_text(bev, cc, 403, "missing or wrong CSRF token");
	if (!strcmp(p, "/api/logout")) {
		console_session_end(s);
		return console_answer(
			bev, cc, 204, "text/plain", NULL,
			"Set-Cookie: trc=; Path=/; HttpOnly; SameSite=Strict; "
			"Max-Age=0\r\n");
	}
	if (!strcmp(p, "/api/disconnect"))
		return api_disconnect(c, r, s, bev, cc);
	if (!strcmp(p, "/api/reload"))
		return api_reload(c, s, bev, cc);
	if (!strcmp(p, "/api/user-add") || !strcmp(p, "/api/user-delete"))
		return console_users_change(c, r, s, !strcmp(p, "/api/user-add"), bev,
					    cc);
	console_text(bev, cc, 404, "not found");
}

void console_route(struct console *c, struct console_req *r, struct bufferevent *bev,
		   struct console_conn *cc)
{
	struct console_session *s = console_session_find(c, r->cookie);
	const char *p = r->h.path;

	if (http_method_is_post(r->h.method))
		return route_post(c, r, s, bev, cc);
	if (!http_method_is_get(r->h.method))
		return console_text(bev, cc, 405, "method not allowed");
	if (!strcmp(p, "/"))
		return send_static(bev, cc, "text/html; charset=utf-8",
				   console_index_html, console_index_html_len);
	if (!strcmp(p, "/console.js"))
		return send_static(bev, cc, "text/javascript; charset=utf-8", console_js,
				   console_js_len);
	if (!strcmp(p, "/console.css"))
		return send_static(bev, cc, "text/css; charset=utf-8", console_css,
				   console_css_len);
	if (!s)
		return console_text(bev, cc, 401, "log in first");
	if (!strcmp(p, "/api/me"))
		return api_me(bev, cc, s);
	if (!strcmp(p, "/api/status") && realm_ok(c, s, c->conf->realm))
		return api_status(c, bev, cc);
	if (!strcmp(p, "/api/metrics"))
		return api_metrics(c, s, bev, cc);
	if (!strcmp(p, "/api/sessions"))
		return api_sessions(c, s, bev, cc);
	if (!strcmp(p, "/api/config"))
		return api_config(c, s, bev, cc);
	if (!strcmp(p, "/api/users"))
		return console_users_list(c, s, bev, cc);
	console_text(bev, cc, 404, "not found");
}
