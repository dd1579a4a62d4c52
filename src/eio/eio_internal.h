/* Private to src/eio: the session table and a session's state. */
#ifndef TR_EIO_INTERNAL_H
#define TR_EIO_INTERNAL_H

#include "eio/eio.h"
#include "util/htable.h"
#include "util/log.h"

struct event;
struct timeval;

/* A packet waiting for a poll: text is the whole Engine.IO packet ("4…",
 * "2"), binary the raw message bytes. */
struct eio_pkt {
	struct eio_pkt *next;
	bool binary;
	size_t len;
	uint8_t data[];
};

enum eio_transport { EIO_T_POLLING, EIO_T_WEBSOCKET };

struct eio_session {
	struct eio_server *srv;
	struct htable_node node; /* in srv->sessions, by sid */
	char sid[EIO_ID_LEN + 1];
	struct tr_addr peer;
	char *host;
	void *app_ctx;
	enum eio_transport transport;
	void *poll_get;     /* connection holding a long poll, or NULL */
	char *poll_headers; /* its response's extra headers (CORS); owned */
	void *ws;           /* WebSocket bound: the transport, or probing */
	bool upgrading;     /* 3probe sent, waiting for 5 */
	bool awaiting_pong;
	bool batching; /* in a POST: answer the poll once it is read */
	bool closed;   /* closing: no more sends or dispatch */
	unsigned busy; /* dispatch frames on the stack: free deferred */
	struct eio_pkt *q_head, *q_tail;
	size_t q_bytes;      /* in the budget (eio_queue_account) */
	size_t charged;      /* the application's bytes, in the budget too */
	struct event *timer; /* ping interval, then ping timeout */
	uint32_t rate_tokens_milli;
	uint64_t rate_last_ms;
};

/* The labels of turnroom_engineio_sessions_closed_total: engine.io's
 * close reasons, and ours for the limits; a fixed set (eio_metrics.c). */
enum eio_close_reason {
	EIO_R_PING_TIMEOUT,
	EIO_R_TRANSPORT_CLOSE,
	EIO_R_TRANSPORT_ERROR,
	EIO_R_PARSE_ERROR,
	EIO_R_FORCED_CLOSE,
	EIO_R_SHUTDOWN,
	EIO_R_RATE_LIMIT,
	EIO_R_TOO_LARGE,
	EIO_R_QUEUE_FULL,
	EIO_R_BUDGET,
	EIO_R_COUNT
};

/* engine.io's Server.errors: the code of an error answer. */
#define EIO_ERR_COUNT 6

/* What /metrics reads: increments only, never reset. */
struct eio_counters {
	uint64_t opened, upgrades, closed[EIO_R_COUNT];
	uint64_t packets_in, packets_out, bytes_in, bytes_out;
	uint64_t poll_get, poll_post, errors[EIO_ERR_COUNT];
	uint64_t rate_limited, too_large;
};

/* ---- eio_sources.c: sessions per source (IPv4 address, IPv6 /64) ---- */
struct eio_sources;
/* NULL on allocation failure. Caller frees. */
struct eio_sources *eio_sources_new(void);
void eio_sources_free(struct eio_sources *t);
/* Sessions counted for a's source. */
unsigned eio_sources_count(const struct eio_sources *t, const struct tr_addr *a);
/* One more session of a's source; false on allocation failure. */
bool eio_sources_add(struct eio_sources *t, const struct tr_addr *a);
/* One session of a's source fewer (after a successful add). */
void eio_sources_remove(struct eio_sources *t, const struct tr_addr *a);
/* Sources with at least one session. */
size_t eio_sources_size(const struct eio_sources *t);

struct eio_server {
	struct event_base *base;
	struct eio_config cfg;
	const struct eio_conn_ops *conn;
	const struct eio_app_ops *app_ops;
	void *app;
	struct htable sessions; /* of eio_session.node */
	size_t n_sessions;
	struct eio_sources *sources;  /* every session in the table, by source */
	struct log_limit refused_log; /* handshakes refused by the limits */
	const struct timeval *tv_interval, *tv_timeout; /* common timeouts */
	struct eio_counters counters;
	size_t queued;        /* q_bytes + charged of every session */
	eio_budget_fn budget; /* may be NULL */
	void *budget_ctx;
};

/* ---- eio_session.c ---- */
struct eio_session *eio_session_find(struct eio_server *e, const char *sid);
/* A new session, in the table, heartbeat armed; the application is not
 * told yet (eio_session_open_app). NULL on allocation failure. */
struct eio_session *eio_session_new(struct eio_server *e, const struct eio_request *req,
				    enum eio_transport t);
/* Asks the application; false (session closed) when it refuses. */
bool eio_session_open_app(struct eio_session *s);
/* The open packet ("0{…}") into out; its length. */
size_t eio_open_packet(const struct eio_session *s, char *out, size_t cap);
/* Whether the session may take one more incoming packet (rate). */
bool eio_session_rate_ok(struct eio_session *s);
/* Client packet dispatch common to both transports (pong, message, close,
 * noop). false when the packet is not acceptable (close the session). */
bool eio_session_dispatch(struct eio_session *s, const struct eio_packet *pkt);
/* Puts an Engine.IO packet on the session's way out (queue or WebSocket). */
bool eio_session_push(struct eio_session *s, bool binary, const void *p, size_t len);
/* Answers the held GET, when there is one and something to say (force:
 * "6" when the queue is empty). */
void eio_session_flush_poll(struct eio_session *s, bool force);
/* Sends the queue on the WebSocket (after the upgrade). */
void eio_session_flush_ws(struct eio_session *s);
/* Closing ends as: release a held GET with "6" (client-initiated) or "1". */
void eio_session_end(struct eio_session *s, const char *reason, bool by_client);
/* Dispatch frames: hold/release keep s alive while on the stack. */
void eio_session_hold(struct eio_session *s);
void eio_session_release(struct eio_session *s);
/* The extra headers of a poll's response: no-store and CORS for origin. */
void eio_poll_headers(const struct eio_server *e, const char *origin, char *out,
		      size_t cap);
/* Whether origin may be served (empty list: only requests without one
 * that is checked, i.e. all, as engine.io; see eio_transport.c). */
bool eio_origin_allowed(const struct eio_server *e, const char *origin);
/* Counts a packet written outside eio_session_push (the open packet,
 * 3probe, a poll's noop or close answer). */
void eio_count_out(struct eio_server *e, size_t len);

/* ---- eio_metrics.c ---- */
/* The label of a close reason string (those eio_session_end is given). */
enum eio_close_reason eio_close_reason_of(const char *reason);

#endif
