/* The operator console (web-admin): a small HTTP listener on the server's
 * loop serving one embedded page and a JSON/text API. Admin users are
 * coturn's admin_user rows; it reads and acts on the server only through
 * the callbacks main.c gives it (the control socket's own, struct
 * ctl_ops), so it depends on util, http, auth, conf and ctl alone. */
#ifndef TR_CONSOLE_H
#define TR_CONSOLE_H

#include <stddef.h>

#include "ctl/ctl.h"

struct event_base;
struct evbuffer;
struct conf;
struct auth_store;

/* What the server does for the console: the control socket's commands
 * (sessions, disconnect, reload, status; drain is not offered), and the
 * Prometheus text body of /metrics (called with server.ctx). */
struct console_ops {
	struct ctl_ops server;
	void (*metrics)(void *ctx, struct evbuffer *out);
};

struct console;

/* Listens on conf's web-admin-ip:web-admin-port. conf and store are
 * borrowed (store may be NULL: no logins are possible then); ops is
 * copied. NULL on failure with err filled. Caller frees. */
struct console *console_new(struct event_base *base, const struct conf *conf,
			    struct auth_store *store, const struct console_ops *ops,
			    char *err, size_t errlen);
/* The configuration and store after a reload (borrowed; the old ones are
 * about to be freed). Listener options need a restart. */
void console_reload_commit(struct console *c, const struct conf *conf,
			   struct auth_store *store);
void console_free(struct console *c);

#endif
