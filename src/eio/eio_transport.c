/* The two transports of Engine.IO v4 ("Transports", "Upgrade"): requests
 * checked as engine.io checks them (its error codes and bodies), the
 * polling handshake, long polls and POSTs, WebSocket sessions, and the
 * upgrade of a polling session to a WebSocket (2probe, 3probe, the
 * pending poll released with a noop, the switch on 5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eio/eio_internal.h"
#include "util/log.h"

/* engine.io's Server.errors. */
enum eio_err {
	EIO_E_TRANSPORT = 0,
	EIO_E_SID = 1,
	EIO_E_METHOD = 2,
	EIO_E_BAD_REQUEST = 3,
	EIO_E_FORBIDDEN = 4,
	EIO_E_VERSION = 5,
};

static const char *const err_text[] = {
	"Transport unknown", "Session ID unknown", "Bad handshake method",
	"Bad request",       "Forbidden",          "Unsupported protocol version",
};

bool eio_origin_allowed(const struct eio_server *e, const char *origin)
{
	if (!e->cfg.n_origins || !origin || !origin[0])
		return true;
	for (size_t i = 0; i < e->cfg.n_origins; i++)
		if (!strcmp(e->cfg.origins[i], origin))
			return true;
	return false;
}

/* CORS headers for an allowed, configured origin; "" otherwise (no CORS
 * when allowed-origin names none: same-origin pages need none). */
static void cors_headers(const struct eio_server *e, const char *origin, char *out,
			 size_t cap)
{
	out[0] = '\0';
	if (!e->cfg.n_origins || !origin || !origin[0] ||
	    !eio_origin_allowed(e, origin) || strlen(origin) > 256)
		return;
	snprintf(out, cap,
		 "Access-Control-Allow-Origin: %s\r\n"
		 "Access-Control-Allow-Credentials: true\r\n"
		 "Vary: Origin\r\n",
		 origin);
}

void eio_poll_headers(const struct eio_server *e, const char *origin, char *out,
		      size_t cap)
{
	char cors[400];

	cors_headers(e, origin, cors, sizeof(cors));
	snprintf(out, cap, "Cache-Control: no-store\r\n%s", cors);
}

static void reply(struct eio_server *e, const struct eio_request *req, void *conn,
		  int status, const char *type, const char *extra, const void *body,
		  size_t len)
{
	char headers[512], cors[400];

	cors_headers(e, req->origin, cors, sizeof(cors));
	snprintf(headers, sizeof(headers), "%s%s", extra, cors);
	e->conn->reply(conn, status, type, headers, body, len);
}

static enum eio_verdict reply_error(struct eio_server *e, const struct eio_request *req,
				    void *conn, enum eio_err code)
{
	char body[96];
	int n;

	e->counters.errors[code]++;
	/* engine.io answers a refused WebSocket upgrade with the bare
	 * message as text/html (abortUpgrade), other requests with JSON. */
	if (req->websocket) {
		e->conn->reply(conn, code == EIO_E_FORBIDDEN ? 403 : 400, "text/html", "",
			       err_text[code], strlen(err_text[code]));
		return EIO_ANSWERED;
	}
	n = snprintf(body, sizeof(body), "{\"code\":%d,\"message\":\"%s\"}", (int)code,
		     err_text[code]);
	reply(e, req, conn, code == EIO_E_FORBIDDEN ? 403 : 400, "application/json", "",
	      body, (size_t)n);
	return EIO_ANSWERED;
}

/* Preflight: allowed only for a configured origin (engine.io's cors). */
static enum eio_verdict preflight(struct eio_server *e, const struct eio_request *req,
				  void *conn)
{
	if (!e->cfg.n_origins || !req->origin[0] || !eio_origin_allowed(e, req->origin))
		return reply_error(e, req, conn, EIO_E_METHOD);
	reply(e, req, conn, 204, "text/plain",
	      "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
	      "Access-Control-Allow-Headers: Content-Type\r\n"
	      "Access-Control-Max-Age: 86400\r\n",
	      "", 0);
	return EIO_ANSWERED;
}

/* socketio-max-sessions and socketio-max-sessions-per-ip, the latter per
 * source (an IPv4 address or an IPv6 /64: one host holds a whole /64) from
 * a count kept as sessions open and close: a refusal costs O(1), and its
 * log line is rate-limited, as a flood of handshakes is what it refuses. */
static bool under_limits(struct eio_server *e, const struct tr_addr *peer)
{
	char src[ADDR_STR_MAX];
	unsigned same;

	if (e->cfg.max_sessions && e->n_sessions >= e->cfg.max_sessions) {
		log_info_limited(
			&e->refused_log,
			"Engine.IO handshake refused: %zu sessions (socketio-max-sessions)",
			e->n_sessions);
		return false;
	}
	if (!e->cfg.max_per_ip)
		return true;
	same = eio_sources_count(e->sources, peer);
	if (same >= e->cfg.max_per_ip) {
		log_info_limited(&e->refused_log,
				 "Engine.IO handshake refused: %u sessions from %s "
				 "(socketio-max-sessions-per-ip)",
				 same, addr_source_to_str(peer, src, sizeof(src)));
		return false;
	}
	return true;
}

/* GET without sid on polling: a new session, the open packet as body. */
static enum eio_verdict handshake_polling(struct eio_server *e,
					  const struct eio_request *req, void *conn)
{
	struct eio_session *s;
	char open[256];
	size_t n;

	if (!under_limits(e, req->peer))
		return reply_error(e, req, conn, EIO_E_FORBIDDEN);
	s = eio_session_new(e, req, EIO_T_POLLING);
	if (!s) {
		reply(e, req, conn, 500, "text/plain", "", "server error\n", 13);
		return EIO_ANSWERED;
	}
	eio_session_hold(s);
	n = eio_open_packet(s, open, sizeof(open));
	if (eio_session_open_app(s)) {
		eio_count_out(e, n);
		reply(e, req, conn, 200, "text/plain; charset=UTF-8",
		      "Cache-Control: no-store\r\n", open, n);
	} else {
		reply(e, req, conn, 500, "text/plain", "", "server error\n", 13);
	}
	eio_session_release(s);
	return EIO_ANSWERED;
}

static enum eio_verdict long_poll(struct eio_server *e, const struct eio_request *req,
				  void *conn, struct eio_session *s,
				  struct eio_session **held)
{
	e->counters.poll_get++;
	if (s->poll_get) {
		/* v4 "HTTP long-polling": a second GET in flight ends the
		 * session. */
		log_info("Engine.IO session: overlapping polls: closed");
		eio_session_end(s, "poll overlap", false);
		return reply_error(e, req, conn, EIO_E_BAD_REQUEST);
	}
	s->poll_get = conn;
	{
		char h[512];

		eio_poll_headers(e, req->origin, h, sizeof(h));
		free(s->poll_headers);
		s->poll_headers = strdup(h);
	}
	if (s->q_head || s->upgrading) {
		eio_session_flush_poll(s, true);
		return EIO_ANSWERED;
	}
	*held = s;
	return EIO_HELD;
}

static enum eio_verdict post(struct eio_server *e, const struct eio_request *req,
			     void *conn, struct eio_session *s)
{
	struct eio_packet pkt;
	size_t off = 0;
	int rc;

	e->counters.poll_post++;
	e->counters.bytes_in += req->body_len;
	if (req->body_too_large) {
		e->counters.too_large++;
		log_info("Engine.IO POST over socketio-max-payload: session closed");
		eio_session_end(s, "payload too large", false);
		reply(e, req, conn, 413, "text/plain", "", "payload too large\n", 18);
		return EIO_ANSWERED;
	}
	if (req->body_binary) {
		eio_session_end(s, "invalid content", false);
		return reply_error(e, req, conn, EIO_E_BAD_REQUEST);
	}
	eio_session_hold(s);
	/* What the packets of one POST bring goes out in one poll answer. */
	s->batching = true;
	rc = req->body_not_utf8 ? -1 : 1;
	while (rc == 1 &&
	       (rc = eio_payload_next(req->body, req->body_len, &off, &pkt)) == 1 &&
	       !s->closed) {
		if (!eio_session_dispatch(s, &pkt)) {
			rc = -1;
			break;
		}
	}
	s->batching = false;
	if (rc < 0 && !s->closed) {
		log_info("Engine.IO POST with a malformed payload: session closed");
		eio_session_end(s, "parse error", false);
	}
	if (!s->closed && !s->upgrading)
		eio_session_flush_poll(s, false);
	eio_session_release(s);
	if (rc < 0)
		return reply_error(e, req, conn, EIO_E_BAD_REQUEST);
	reply(e, req, conn, 200, "text/html", "", "ok", 2);
	return EIO_ANSWERED;
}

enum eio_verdict eio_handle(struct eio_server *e, const struct eio_request *req,
			    void *conn, struct eio_session **held)
{
	char transport[16], sid[EIO_ID_LEN + 2], version[8];
	struct eio_session *s;
	bool ws;

	*held = NULL;
	if (req->method == EIO_M_OPTIONS)
		return preflight(e, req, conn);
	if (!eio_query_get(req->query, "transport", transport, sizeof(transport)) ||
	    (strcmp(transport, "polling") && strcmp(transport, "websocket")))
		return reply_error(e, req, conn, EIO_E_TRANSPORT);
	ws = !strcmp(transport, "websocket");
	if (!eio_origin_allowed(e, req->origin)) {
		log_info("Engine.IO request from origin '%.64s' refused", req->origin);
		return reply_error(e, req, conn, EIO_E_FORBIDDEN);
	}
	if (eio_query_get(req->query, "sid", sid, sizeof(sid))) {
		s = eio_session_find(e, sid);
		if (!s)
			return reply_error(e, req, conn, EIO_E_SID);
		/* engine.io completes every WebSocket handshake that names a
		 * live session, then closes one that cannot take it over (it
		 * is upgraded already, or another probe is under way):
		 * eio_ws_attach refuses it after the 101. */
		if (ws && req->websocket && req->method == EIO_M_GET)
			return EIO_ACCEPT_WS;
		if (ws || s->transport != EIO_T_POLLING)
			return reply_error(e, req, conn, EIO_E_BAD_REQUEST);
		if (req->method == EIO_M_GET)
			return long_poll(e, req, conn, s, held);
		if (req->method == EIO_M_POST)
			return post(e, req, conn, s);
		return reply_error(e, req, conn, EIO_E_BAD_REQUEST);
	}
	if (req->method != EIO_M_GET)
		return reply_error(e, req, conn, EIO_E_METHOD);
	if (!eio_query_get(req->query, "EIO", version, sizeof(version)) ||
	    strcmp(version, "4")) {
		/* engine.io checks the version after the WebSocket handshake:
		 * the upgrade succeeds, then the connection is dropped
		 * (eio_ws_attach refuses). */
		if (ws && req->websocket)
			return EIO_ACCEPT_WS;
		return reply_error(e, req, conn, EIO_E_VERSION);
	}
	if (ws) {
		if (!req->websocket)
			return reply_error(e, req, conn, EIO_E_BAD_REQUEST);
		if (!under_limits(e, req->peer))
			return reply_error(e, req, conn, EIO_E_FORBIDDEN);
		return EIO_ACCEPT_WS;
	}
	return handshake_polling(e, req, conn);
}

/* The checks of eio_handle that a POST's head can answer, in its order, so
 * a body is read only for a session that will take it. */
bool eio_post_admit(struct eio_server *e, const struct eio_request *req, void *conn)
{
	char transport[16], sid[EIO_ID_LEN + 2];
	struct eio_session *s;
	enum eio_err err;

	if (!eio_query_get(req->query, "transport", transport, sizeof(transport)) ||
	    (strcmp(transport, "polling") && strcmp(transport, "websocket")))
		err = EIO_E_TRANSPORT;
	else if (!eio_origin_allowed(e, req->origin))
		err = EIO_E_FORBIDDEN;
	else if (!eio_query_get(req->query, "sid", sid, sizeof(sid)))
		err = EIO_E_METHOD;
	else if (!(s = eio_session_find(e, sid)))
		err = EIO_E_SID;
	else if (strcmp(transport, "polling") || s->transport != EIO_T_POLLING)
		err = EIO_E_BAD_REQUEST;
	else
		return true;
	reply_error(e, req, conn, err);
	return false;
}

struct eio_session *eio_ws_attach(struct eio_server *e, const struct eio_request *req,
				  void *conn)
{
	char sid[EIO_ID_LEN + 2], open[256], version[8];
	struct eio_session *s;
	size_t n;

	if (eio_query_get(req->query, "sid", sid, sizeof(sid))) {
		/* An upgrade probe: the session stays on polling until 5.
		 * None for a session upgraded already or being probed. */
		s = eio_session_find(e, sid);
		if (!s || s->ws || s->transport != EIO_T_POLLING) {
			log_debug("Engine.IO: a WebSocket for a session it cannot "
				  "take over: closed");
			return NULL;
		}
		s->ws = conn;
		return s;
	}
	if (!eio_query_get(req->query, "EIO", version, sizeof(version)) ||
	    strcmp(version, "4"))
		return NULL;
	s = eio_session_new(e, req, EIO_T_WEBSOCKET);
	if (!s)
		return NULL;
	s->ws = conn;
	eio_session_hold(s);
	n = eio_open_packet(s, open, sizeof(open));
	/* The open packet is the first frame of a WebSocket-only session. */
	e->conn->ws_send(conn, false, open, n);
	eio_count_out(e, n);
	if (!eio_session_open_app(s)) {
		eio_session_release(s);
		return NULL;
	}
	eio_session_release(s);
	return s->closed ? NULL : s;
}

/* The probe WebSocket of a polling session, before 5. */
static void probe_message(struct eio_session *s, void *conn, const struct eio_packet *pkt)
{
	struct eio_server *e = s->srv;

	e->counters.packets_in++;
	if (pkt->type == EIO_PING && pkt->len == 5 && !memcmp(pkt->data, "probe", 5)) {
		e->conn->ws_send(conn, false, "3probe", 6);
		eio_count_out(e, 6);
		s->upgrading = true;
		/* Release the pending poll so the client can pause polling. */
		eio_session_flush_poll(s, true);
		return;
	}
	if (pkt->type == EIO_UPGRADE && s->upgrading) {
		/* A poll still out gets a noop; everything queued goes over
		 * the WebSocket, in order. */
		struct eio_pkt *q = s->q_head;

		s->q_head = NULL;
		eio_session_flush_poll(s, true);
		s->q_head = q;
		s->transport = EIO_T_WEBSOCKET;
		s->upgrading = false;
		e->counters.upgrades++;
		eio_session_flush_ws(s);
		return;
	}
	if (pkt->type == EIO_NOOP)
		return;
	/* Anything else on a probe: the probe failed; polling goes on. */
	s->ws = NULL;
	s->upgrading = false;
	e->conn->ws_close(conn);
	e->conn->detach(conn);
}

void eio_ws_message(struct eio_session *s, void *conn, bool binary, const uint8_t *p,
		    size_t len)
{
	struct eio_packet pkt;

	if (s->closed || conn != s->ws)
		return;
	s->srv->counters.bytes_in += len;
	eio_session_hold(s);
	if (binary) {
		/* v4: a binary frame is a message packet, no type byte. */
		pkt.type = EIO_MESSAGE;
		pkt.b64 = false;
		pkt.data = p;
		pkt.len = len;
		if (s->transport == EIO_T_WEBSOCKET) {
			bool ok = eio_session_rate_ok(s);

			s->srv->counters.packets_in++;
			if (ok && s->app_ctx) {
				s->srv->app_ops->message(s->app_ctx, true, p, len);
			} else if (!s->closed) {
				s->srv->counters.rate_limited += !ok;
				eio_session_end(s, "rate limit", false);
			}
		}
	} else if (eio_packet_parse(p, len, &pkt) || pkt.b64) {
		log_info("Engine.IO WebSocket: malformed packet: session closed");
		eio_session_end(s, "parse error", false);
	} else if (s->transport == EIO_T_POLLING) {
		probe_message(s, conn, &pkt);
	} else if (!eio_session_dispatch(s, &pkt)) {
		log_info("Engine.IO WebSocket: unexpected packet type %d: session closed",
			 (int)pkt.type);
		eio_session_end(s, "parse error", false);
	}
	eio_session_release(s);
}

void eio_conn_gone(struct eio_session *s, void *conn, bool clean)
{
	if (s->closed)
		return;
	if (conn == s->poll_get) {
		/* The connection of a pending long poll closed before its
		 * answer: the client is gone, as engine.io's polling transport
		 * decides ("poll connection closed prematurely", a transport
		 * error), not a ping timeout later. A client that means to
		 * leave sends a close packet instead. */
		s->poll_get = NULL;
		if (s->transport == EIO_T_POLLING)
			eio_session_end(s, "transport error", true);
		return;
	}
	if (conn != s->ws)
		return;
	s->ws = NULL;
	if (s->transport == EIO_T_WEBSOCKET) {
		/* engine.io's reasons: a close frame is a "transport close",
		 * a connection lost without one a "transport error". */
		eio_session_end(s, clean ? "transport close" : "transport error", true);
		return;
	}
	s->upgrading = false;
}
