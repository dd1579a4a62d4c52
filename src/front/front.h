/* The front door: every TCP and TLS listener. A connection's first bytes
 * (and ALPN, when the client offered it) say whether it carries TURN
 * (RFC 8656 over TCP/TLS) or HTTP, so one port can serve both; the
 * connection is then handed to the TURN server or the room server. */
#ifndef TR_FRONT_H
#define TR_FRONT_H

#include <stdbool.h>
#include <stddef.h>

#include "tls/tls.h"
#include "util/addr.h"

struct event_base;
struct bufferevent;
struct conf;
struct evbuffer;

/* The place a connection holds against max-connections and
 * max-connections-per-source. */
struct front_slot;

/* Takes ownership of bev (a plain or TLS bufferevent, callbacks unset,
 * reading enabled, possibly with bytes already buffered) and of slot,
 * which the new owner gives back with front_slot_release when it frees
 * bev. */
typedef void (*front_adopt_fn)(void *ctx, struct bufferevent *bev,
			       const struct tr_addr *client, const struct tr_addr *local,
			       bool tls, struct front_slot *slot);

/* Gives a connection's place back. NULL is a no-op; safe after front_free. */
void front_slot_release(struct front_slot *slot);

struct front_handlers {
	front_adopt_fn turn; /* NULL: TURN streams are refused */
	void *turn_ctx;
	front_adopt_fn http; /* NULL: HTTP is refused */
	void *http_ctx;
};

struct front;

/* Listens on listening-port (unless no-tcp) and http-port in plain TCP,
 * and, with cert and pkey, on tls-listening-port (unless no-tls) and
 * https-port in TLS; each port once. Raises RLIMIT_NOFILE to its hard
 * limit and derives the connection limits from it. Out of descriptors,
 * the listeners pause (see util/acceptguard.h); over a connection limit a
 * new connection is closed at once. NULL on failure with err filled.
 * conf is borrowed (see front_reconfigure). Caller frees. */
struct front *front_new(struct event_base *base, const struct conf *conf,
			const struct front_handlers *h, char *err, size_t errlen);
void front_free(struct front *f);
/* SIGHUP, in two phases. _prepare loads conf's certificate and key into
 * *tls (NULL when TLS is not served) and changes nothing; on error it
 * returns non-zero with err filled. _commit cannot fail: it takes conf
 * (borrowed) and tls (ownership; NULL keeps the current context) for new
 * connections; live ones keep theirs. */
struct ssl_ctx_st;
int front_reload_prepare(const struct front *f, const struct conf *conf,
			 struct ssl_ctx_st **tls, char *err, size_t errlen);
void front_reload_commit(struct front *f, const struct conf *conf,
			 struct ssl_ctx_st *tls);
/* Whether TLS listeners are up (for turns: URLs and wss:). */
bool front_has_tls(const struct front *f);
/* Prometheus lines: open connections, refusals, listener pauses. */
void front_write_metrics(const struct front *f, struct evbuffer *out);

/* ---- the metrics listener (front_metrics.c) ---- */

/* Writes the Prometheus text body. */
typedef void (*front_metrics_fn)(void *ctx, struct evbuffer *out);
struct front_metrics;

/* With prometheus on: GET /metrics on prometheus-address:prometheus-port
 * (everything else 404), answered by fn. conf is borrowed and only read
 * here. NULL with err filled on failure. Caller frees. */
struct front_metrics *front_metrics_new(struct event_base *base, const struct conf *conf,
					front_metrics_fn fn, void *ctx, char *err,
					size_t errlen);
void front_metrics_free(struct front_metrics *m);

#endif
