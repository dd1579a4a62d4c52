/* The Engine.IO lines of /metrics. Every label set is fixed (transports,
 * close reasons, error codes): nothing a client chooses becomes a label,
 * so a flood of sessions cannot grow the exposition. */
#include <stdio.h>
#include <string.h>

#include "eio/eio_internal.h"
#include "util/prom.h"

/* engine.io's names ("ping timeout", "transport close", "transport
 * error", "parse error", "forced close", "server shutting down") and ours
 * for the limits engine.io has not. */
static const char *const reason_label[EIO_R_COUNT] = {
	[EIO_R_PING_TIMEOUT] = "ping timeout",
	[EIO_R_TRANSPORT_CLOSE] = "transport close",
	[EIO_R_TRANSPORT_ERROR] = "transport error",
	[EIO_R_PARSE_ERROR] = "parse error",
	[EIO_R_FORCED_CLOSE] = "forced close",
	[EIO_R_SHUTDOWN] = "server shutting down",
	[EIO_R_RATE_LIMIT] = "rate limit",
	[EIO_R_TOO_LARGE] = "payload too large",
	[EIO_R_QUEUE_FULL] = "queue full",
	[EIO_R_BUDGET] = EIO_REASON_BUDGET,
};

/* The reasons eio_session_end is given and their label; anything else
 * (the application's closes: connect timeout, the operator) is what
 * engine.io calls a "forced close". */
static const struct {
	const char *reason;
	enum eio_close_reason label;
} reason_map[] = {
	{ "ping timeout", EIO_R_PING_TIMEOUT },
	/* engine.io: a close packet from the client is a transport close. */
	{ "client close", EIO_R_TRANSPORT_CLOSE },
	{ "transport close", EIO_R_TRANSPORT_CLOSE },
	{ "transport error", EIO_R_TRANSPORT_ERROR },
	/* engine.io: an overlapping poll is a transport error. */
	{ "poll overlap", EIO_R_TRANSPORT_ERROR },
	{ "parse error", EIO_R_PARSE_ERROR },
	{ "invalid content", EIO_R_PARSE_ERROR },
	{ "server shutting down", EIO_R_SHUTDOWN },
	{ "rate limit", EIO_R_RATE_LIMIT },
	{ "payload too large", EIO_R_TOO_LARGE },
	{ "queue full", EIO_R_QUEUE_FULL },
	{ EIO_REASON_BUDGET, EIO_R_BUDGET },
};

enum eio_close_reason eio_close_reason_of(const char *reason)
{
	for (size_t i = 0; i < sizeof(reason_map) / sizeof(reason_map[0]); i++)
		if (!strcmp(reason_map[i].reason, reason))
			return reason_map[i].label;
	return EIO_R_FORCED_CLOSE;
}

static void write_sessions(const struct eio_server *e, struct evbuffer *out)
{
	uint64_t n[2] = { 0, 0 };
	struct htable_iter it = { 0 };
	struct htable_node *node;

	/* Counted at scrape time: nothing to keep in step per session. */
	while ((node = htable_iter_next(&e->sessions, &it)))
		n[HTABLE_ENTRY(node, struct eio_session, node)->transport ==
		  EIO_T_WEBSOCKET]++;
	prom_family(out, "turnroom_engineio_sessions", "gauge",
		    "Open Engine.IO sessions by transport.");
	prom_sample(out, "turnroom_engineio_sessions", "transport", "polling", n[0]);
	prom_sample(out, "turnroom_engineio_sessions", "transport", "websocket", n[1]);
}

static void write_pair(struct evbuffer *out, const char *name, const char *help,
		       const char *label, const char *a, uint64_t va, const char *b,
		       uint64_t vb)
{
	prom_family(out, name, "counter", help);
	prom_sample(out, name, label, a, va);
	prom_sample(out, name, label, b, vb);
}

void eio_server_write_metrics(const struct eio_server *e, struct evbuffer *out)
{
	const struct eio_counters *k = &e->counters;
	char code[4];

	write_sessions(e, out);
	prom_metric(out, "turnroom_engineio_sessions_opened_total", "counter",
		    "Engine.IO sessions opened (handshakes answered).", k->opened);
	prom_metric(out, "turnroom_engineio_upgrades_total", "counter",
		    "Polling sessions upgraded to WebSocket.", k->upgrades);
	prom_family(out, "turnroom_engineio_sessions_closed_total", "counter",
		    "Engine.IO sessions closed, by reason.");
	for (size_t i = 0; i < EIO_R_COUNT; i++)
		prom_sample(out, "turnroom_engineio_sessions_closed_total", "reason",
			    reason_label[i], k->closed[i]);
	write_pair(out, "turnroom_engineio_packets_total", "Engine.IO packets.",
		   "direction", "in", k->packets_in, "out", k->packets_out);
	write_pair(out, "turnroom_engineio_bytes_total",
		   "Engine.IO payload bytes (POST bodies and WebSocket messages in, "
		   "packets out), without HTTP or WebSocket framing.",
		   "direction", "in", k->bytes_in, "out", k->bytes_out);
	write_pair(out, "turnroom_engineio_polling_requests_total",
		   "HTTP long-polling requests of open sessions.", "method", "GET",
		   k->poll_get, "POST", k->poll_post);
	prom_family(out, "turnroom_engineio_errors_total", "counter",
		    "Requests answered with an engine.io error, by its code (0 unknown "
		    "transport, 1 unknown sid, 2 bad handshake method, 3 bad request, "
		    "4 forbidden, 5 unsupported protocol version).");
	for (int i = 0; i < EIO_ERR_COUNT; i++) {
		snprintf(code, sizeof(code), "%d", i);
		prom_sample(out, "turnroom_engineio_errors_total", "code", code,
			    k->errors[i]);
	}
	prom_metric(out, "turnroom_engineio_queued_bytes", "gauge",
		    "Bytes waiting in Engine.IO sessions: polling queues and pending "
		    "attachments (part of turnroom_signaling_queued_bytes).",
		    e->queued);
	prom_metric(out, "turnroom_engineio_rate_limited_total", "counter",
		    "Packets over socketio-rate (each closes its session).",
		    k->rate_limited);
	prom_metric(out, "turnroom_engineio_payload_too_large_total", "counter",
		    "POSTs and WebSocket messages over socketio-max-payload "
		    "(each closes its session).",
		    k->too_large);
}
