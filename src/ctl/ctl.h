/* The local control socket: a unix stream socket (mode 0600) on which
 * turnroom-admin asks the running server for sessions, a disconnect, a
 * reload or its status. One command line in; text lines, then "OK" or
 * "ERR message", out; then the server closes. */
#ifndef TR_CTL_H
#define TR_CTL_H

#include <stddef.h>

struct event_base;
struct evbuffer;

/* What the server does for each command; out receives the text lines.
 * Each returns 0, or a TR_E* code (util/errors.h) with err filled (answered
 * "ERR err"). */
struct ctl_ops {
	void *ctx;
	int (*sessions)(void *ctx, struct evbuffer *out, char *err, size_t errlen);
	int (*disconnect)(void *ctx, const char *user, struct evbuffer *out, char *err,
			  size_t errlen);
	int (*reload)(void *ctx, struct evbuffer *out, char *err, size_t errlen);
	int (*status)(void *ctx, struct evbuffer *out, char *err, size_t errlen);
	/* Stops new joins and allocations; exits once live calls end. */
	int (*drain)(void *ctx, struct evbuffer *out, char *err, size_t errlen);
};

struct ctl_server;

/* Listens on path (a stale socket file there is replaced). ops is copied.
 * NULL on failure, logged. Caller frees; freeing removes the file. */
struct ctl_server *ctl_server_new(struct event_base *base, const char *path,
				  const struct ctl_ops *ops);
void ctl_server_free(struct ctl_server *c);

#endif
