/* Engine.IO protocol v4 (socketio/engine.io-protocol): sessions carried by
 * HTTP long-polling and WebSocket, the upgrade from one to the other,
 * server heartbeats and the wire codec. It knows nothing of rooms or of
 * Socket.IO packets: the application sees a session that delivers and
 * takes messages (text or binary). Nor does it own sockets: the HTTP layer
 * hands it requests and WebSocket messages and gives it a few callbacks to
 * answer on a connection (struct eio_conn_ops). */
#ifndef TR_EIO_H
#define TR_EIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/addr.h"

/* ---- the pure codec (eio_codec.c): no I/O, no allocation ---- */

/* Packet types, the first character of every packet (v4 "Protocol"). */
enum eio_type {
	EIO_OPEN = 0,
	EIO_CLOSE = 1,
	EIO_PING = 2,
	EIO_PONG = 3,
	EIO_MESSAGE = 4,
	EIO_UPGRADE = 5,
	EIO_NOOP = 6,
};

/* The separator of packets in a polling payload (v4: record separator). */
#define EIO_SEPARATOR 0x1e

/* One packet of a payload. data points into the input (borrowed). A
 * base64 packet ("b" + base64 of a binary message) has b64 set and data
 * is still the base64 text: decode it with eio_base64_decode. */
struct eio_packet {
	enum eio_type type;
	bool b64;
	const uint8_t *data;
	size_t len;
};

/* Reads the packet of a polling payload at *off and advances *off past it
 * and its separator. 1 with pkt filled, 0 at the end, TR_EINVAL for an
 * empty packet or an unknown type (the payload is then bad as a whole). */
int eio_payload_next(const uint8_t *p, size_t len, size_t *off, struct eio_packet *pkt);
/* One packet alone (a WebSocket text frame). 0 or TR_EINVAL. */
int eio_packet_parse(const uint8_t *p, size_t len, struct eio_packet *pkt);
/* Standard base64 with padding (what the client's "b" packets carry).
 * Bytes written, or TR_EINVAL for bad input, TR_ETRUNC when cap is short.
 * out may be NULL with cap 0 to learn nothing but validity. */
ssize_t eio_base64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* Encoded length of n bytes (without NUL). */
size_t eio_base64_len(size_t n);
/* Writes eio_base64_len(n) characters to out (no NUL). */
void eio_base64_encode(const uint8_t *in, size_t n, char *out);
/* A query parameter's value (raw, not percent-decoded: Engine.IO's own
 * parameters never need it). Copies into out; false when absent or too
 * long. */
bool eio_query_get(const char *query, const char *name, char *out, size_t outlen);

/* ---- WebSocket framing (eio_ws_codec.c, RFC 6455 section 5): pure ---- *
 * The Engine.IO WebSocket transport frames its packets itself, reading
 * them in place from the connection's input: no per-connection buffers
 * (wslay keeps 8.7 KB of them per context, most of an idle session). */

enum eio_ws_opcode {
	EIO_WS_CONT = 0x0,
	EIO_WS_TEXT = 0x1,
	EIO_WS_BINARY = 0x2,
	EIO_WS_CLOSE = 0x8,
	EIO_WS_PING = 0x9,
	EIO_WS_PONG = 0xA,
};

struct eio_ws_frame {
	bool fin;
	uint8_t opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t len;    /* payload bytes */
	size_t head_len; /* 2 to 14 */
};

/* The frame head at p: 1 when whole (the payload may still be coming),
 * 0 when more bytes are needed, TR_EINVAL for what RFC 6455 5.2 forbids
 * here: RSV bits (no extension is negotiated), unknown opcodes, control
 * frames fragmented or over 125 bytes, a 64-bit length with its top bit. */
int eio_ws_frame_head(const uint8_t *p, size_t len, struct eio_ws_frame *f);
/* XORs n bytes with the mask, starting at payload offset off (5.3). */
void eio_ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t off);
/* A server frame head (FIN, unmasked) for a payload of len; its length
 * (2, 4 or 10). */
size_t eio_ws_head_write(uint8_t out[10], enum eio_ws_opcode op, uint64_t len);

/* ---- sessions (eio_session.c, eio_transport.c) ---- */

struct event_base;
struct eio_server;
struct eio_session;

struct eio_config {
	unsigned ping_interval_ms, ping_timeout_ms;
	size_t max_payload;         /* bytes of a POST body / WebSocket message */
	size_t max_queued;          /* bytes waiting for a poll, per session */
	unsigned max_sessions;      /* 0 = unlimited */
	unsigned max_per_ip;        /* per IPv4 address or IPv6 /64; 0 = unlimited */
	unsigned rate;              /* packets per second per session, burst 2 s */
	const char *const *origins; /* allowed Origins for CORS; n_origins 0 = none */
	size_t n_origins;
};

/* What the HTTP layer offers for a connection eio answers on. conn is the
 * connection's opaque pointer. */
struct eio_conn_ops {
	/* The HTTP response to the request eio was handed (or held). extra is
	 * zero or more complete header lines ("Name: value\r\n"). The
	 * connection goes on reading requests (keep-alive) afterwards. */
	void (*reply)(void *conn, int status, const char *content_type, const char *extra,
		      const void *body, size_t len);
	/* One WebSocket message. */
	void (*ws_send)(void *conn, bool binary, const void *p, size_t len);
	/* Ends the WebSocket (close frame, then the connection). */
	void (*ws_close)(void *conn);
	/* eio forgets conn: the connection must drop its session pointer. */
	void (*detach)(void *conn);
};

/* What the application (the Socket.IO layer) gets. */
struct eio_app_ops {
	/* A new session. Returns the application's context for it, or NULL
	 * to refuse (the handshake then fails with 500). */
	void *(*open)(void *app, struct eio_session *s);
	/* One message packet; p is borrowed for the call. */
	void (*message)(void *ctx, bool binary, const uint8_t *p, size_t len);
	/* The session is gone (reason for logs); ctx is not used again. */
	void (*closed)(void *ctx, const char *reason);
	/* May be NULL. A pong answered the server's ping: the client has
	 * read every packet queued before that ping (one transport, in
	 * order), so whatever was sent before the previous pong is surely in
	 * (connection state recovery trims its log on it). */
	void (*pong)(void *ctx);
};

/* A request under the Engine.IO path, as the HTTP layer read it. */
enum eio_method { EIO_M_GET, EIO_M_POST, EIO_M_OPTIONS, EIO_M_OTHER };
struct eio_request {
	enum eio_method method;
	const char *query;  /* after '?', may be "" */
	const char *origin; /* "" when absent */
	const char *host;   /* Host header without port, "" when absent */
	bool websocket;     /* a valid WebSocket upgrade request */
	const struct tr_addr *peer;
	const uint8_t *body; /* POST body, body_len bytes */
	size_t body_len;
	bool body_binary;    /* Content-Type: application/octet-stream */
	bool body_too_large; /* Content-Length over max_payload: not read */
	bool body_not_utf8;  /* a payload is text: malformed */
};

enum eio_verdict {
	EIO_ANSWERED,  /* reply() was called */
	EIO_HELD,      /* a long poll: reply() comes later, or eio_conn_gone */
	EIO_ACCEPT_WS, /* send 101, start the WebSocket, then eio_ws_attach */
};

/* base, conn and app ops are borrowed; cfg is copied (origins borrowed).
 * NULL on allocation failure. Caller frees. */
struct eio_server *eio_server_new(struct event_base *base, const struct eio_config *cfg,
				  const struct eio_conn_ops *conn_ops,
				  const struct eio_app_ops *app_ops, void *app);
/* Closes every session (the application hears closed()). */
void eio_server_free(struct eio_server *e);
/* A reloaded configuration for new sessions and limits. */
void eio_server_set_config(struct eio_server *e, const struct eio_config *cfg);
size_t eio_server_session_count(const struct eio_server *e);

/* Handles one request; *held is set to the session when the verdict is
 * EIO_HELD (the connection keeps it until reply() or detach()). */
enum eio_verdict eio_handle(struct eio_server *e, const struct eio_request *req,
			    void *conn, struct eio_session **held);
/* After EIO_ACCEPT_WS and the 101: binds the WebSocket conn to the session
 * named by sid= in query (an upgrade) or opens a new session on it.
 * Returns the session (the connection keeps it until detach()) or NULL
 * when it is gone meanwhile or cannot be taken over (upgraded already, or
 * another probe under way): then close the connection. */
struct eio_session *eio_ws_attach(struct eio_server *e, const struct eio_request *req,
				  void *conn);
/* A WebSocket message of conn bound to s. */
void eio_ws_message(struct eio_session *s, void *conn, bool binary, const uint8_t *p,
		    size_t len);
/* The connection conn, held by or bound to s, is closed; clean when a
 * WebSocket close frame came first (a deliberate close, not a loss). */
void eio_conn_gone(struct eio_session *s, void *conn, bool clean);

/* Queues one message packet for the client; false when the session is
 * closing or over its queue limit (then it is closed). */
bool eio_session_send(struct eio_session *s, bool binary, const void *p, size_t len);
/* Hands the session to another application context (a Socket.IO
 * recovery moves the new session onto the socket it recovers): every
 * later callback gets ctx. */
void eio_session_set_app_ctx(struct eio_session *s, void *ctx);
/* Closes the session from the server side. */
void eio_session_close(struct eio_session *s, const char *reason);
const char *eio_session_sid(const struct eio_session *s);
const struct tr_addr *eio_session_peer(const struct eio_session *s);
const char *eio_session_host(const struct eio_session *s);
bool eio_session_websocket(const struct eio_session *s);

/* A WebSocket message over max_payload was refused (the HTTP layer reads
 * the frames): counted as a payload-too-large close. */
void eio_session_note_too_large(struct eio_session *s);

/* ---- the global byte budget ----
 * What waits in sessions (polling queues, and whatever the application
 * charges to a session) is reported to the owner of a global budget as it
 * grows and shrinks, and the owner may end the session holding the most.
 * The budget hook: added and removed bytes, one of them 0 (called from
 * within sends and closes: it must only count, and maybe schedule). */
typedef void (*eio_budget_fn)(void *ctx, size_t added, size_t removed);
void eio_server_set_budget(struct eio_server *e, eio_budget_fn fn, void *ctx);
/* Bytes the application keeps for s (a Socket.IO packet waiting for its
 * binary attachments): counted as s's like its queue, released by
 * eio_session_uncharge (never below 0) or when s ends. */
void eio_session_charge(struct eio_session *s, size_t n);
void eio_session_uncharge(struct eio_session *s, size_t n);
/* Queued plus charged bytes of s; of every session. */
size_t eio_session_queued(const struct eio_session *s);
size_t eio_server_queued(const struct eio_server *e);
/* The open session holding the most (queue and charge), NULL when none
 * holds anything. End it with eio_session_close(s, EIO_REASON_BUDGET). */
struct eio_session *eio_server_largest(const struct eio_server *e);
#define EIO_REASON_BUDGET "queued budget"

/* A POST's head, before its body is read (engine.io verifies a request
 * before reading it): true when the body is wanted; otherwise the error
 * was answered (unknown transport or sid, a foreign Origin, no sid, a
 * session not on polling) and the body must not be read. */
bool eio_post_admit(struct eio_server *e, const struct eio_request *req, void *conn);

/* ---- metrics (eio_metrics.c) ---- */
struct evbuffer;
/* The turnroom_engineio_* series: fixed label sets, no sids or peers. */
void eio_server_write_metrics(const struct eio_server *e, struct evbuffer *out);

/* 20 characters of base64url from 15 CSPRNG bytes, NUL-ended (the shape
 * of the reference server's ids). false when RAND_bytes fails. */
#define EIO_ID_LEN 20
bool eio_random_id(char out[EIO_ID_LEN + 1]);

#endif
