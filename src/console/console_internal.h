/* Private to src/console: the console's state and its login sessions. */
#ifndef TR_CONSOLE_INTERNAL_H
#define TR_CONSOLE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"
#include "console/console.h"
#include "util/addr.h"
#include "util/log.h"

/* Logged-in sessions kept at once; a new login past it ends the oldest. */
#define CONSOLE_SESSIONS_MAX 32
/* A session ends after this long without a request, and after
 * CONSOLE_SESSION_MAX_S whatever happens. */
#define CONSOLE_IDLE_S (30 * 60)
#define CONSOLE_SESSION_MAX_S (12 * 3600)
/* Wrong passwords per address and per admin name before the brake: the
 * budget refills this many per minute (auth_limiter). */
#define CONSOLE_BRAKE 5
#define CONSOLE_TOKEN_HEX 64 /* 32 random bytes */
#define CONSOLE_NAME_MAX 128

struct console_session {
	bool live;
	char cookie[CONSOLE_TOKEN_HEX + 1];
	char csrf[CONSOLE_TOKEN_HEX + 1];
	char name[CONSOLE_NAME_MAX];
	char realm[AUTH_REALM_MAX]; /* "" : every realm */
	uint64_t created_ms, used_ms;
};

struct console {
	struct event_base *base;
	const struct conf *conf;
	struct auth_store *store;
	struct console_ops ops;
	struct evconnlistener *lev;
	struct auth_limiter *brake;
	struct ssl_ctx_st *tls; /* HTTPS when cert and pkey are set; NULL: HTTP */
	unsigned conns;
	struct console_conn *live;  /* open connections, freed with the console */
	struct log_limit wrong_log; /* "wrong password" lines (a guessing flood) */
	struct console_session sessions[CONSOLE_SESSIONS_MAX];
};

#include "http/http.h"

struct bufferevent;
struct evbuffer;

#define CONSOLE_BODY_MAX 4096
#define CONSOLE_HDR_MAX 512

struct console_conn {
	struct console *c;
	struct bufferevent *bev;
	struct console_conn *prev, *next;
	struct tr_addr client;
	bool done;
};

/* A whole request, with the few headers http_request does not keep:
 * Cookie, X-CSRF-Token, Sec-Fetch-Site. */
struct console_req {
	struct http_request h;
	char cookie[CONSOLE_HDR_MAX], csrf[CONSOLE_HDR_MAX], fetch_site[64];
	char body[CONSOLE_BODY_MAX + 1];
	struct tr_addr client;
};

/* console.c */
/* Answers status with body (may be NULL) and the security headers, then
 * closes; extra: more header lines, each ending CRLF. */
void console_answer(struct bufferevent *bev, struct console_conn *cc, int status,
		    const char *type, struct evbuffer *body, const char *extra);
void console_text(struct bufferevent *bev, struct console_conn *cc, int status,
		  const char *text);
/* A field of an application/x-www-form-urlencoded body, decoded; false
 * when absent, malformed (a NUL byte) or longer than outlen - 1. */
bool console_form_field(const char *body, const char *name, char *out, size_t outlen);

/* console_routes.c */
void console_route(struct console *c, struct console_req *r, struct bufferevent *bev,
		   struct console_conn *cc);

/* A JSON string of s (printable: esc_str first, then JSON escapes). */
void console_json_str(struct evbuffer *b, const char *s);

/* console_users.c: long-term users (turnusers_lt) and admin users. */
void console_users_list(struct console *c, const struct console_session *s,
			struct bufferevent *bev, struct console_conn *cc);
void console_users_change(struct console *c, struct console_req *r,
			  const struct console_session *s, bool add,
			  struct bufferevent *bev, struct console_conn *cc);

/* console_session.c */
/* Checks name/password against admin_user; on success a new session
 * (the oldest one replaced when full). 0, TR_EAUTH (wrong, counted in
 * the brake), TR_EQUOTA (braked: not even checked) or TR_EDB/TR_EIO. */
int console_login(struct console *c, const struct tr_addr *client, const char *name,
		  const char *password, struct console_session **out);
/* The live session of a Cookie header value, or NULL; touches it. */
struct console_session *console_session_find(struct console *c, const char *cookie_hdr);
void console_session_end(struct console_session *s);
/* Whether token equals the session's CSRF token (constant time). */
bool console_csrf_ok(const struct console_session *s, const char *token);

#endif
