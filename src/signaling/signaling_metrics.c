/* The room server's Prometheus lines. Aggregates only by default: a room
 * id is all a stranger needs to join a room under signaling-auth=open, so
 * per-room series (relayed bytes per live room, from the allocations made
 * with the members' credentials) come only with prometheus-room-labels.
 * /metrics on the public http-port answers only with metrics-token. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <jansson.h>

#include "conf/conf.h"
#include "http/http.h"
#include "signaling/signaling_internal.h"
#include "turn/turn.h"
#include "util/prom.h"

struct room_bytes {
	json_t *by_user; /* userId -> bytes */
	json_t *by_room; /* roomId -> bytes */
};

static void collect_user(const char *id, uint64_t bytes, void *arg)
{
	struct room_bytes *rb = arg;
	json_t *have = json_object_get(rb->by_user, id);

	json_object_set_new(rb->by_user, id,
			    json_integer(json_integer_value(have) + (json_int_t)bytes));
}

static void collect_member(const char *room_id, const char *user_id, bool connected,
			   void *arg)
{
	struct room_bytes *rb = arg;
	json_int_t bytes = json_integer_value(json_object_get(rb->by_user, user_id));
	json_t *have = json_object_get(rb->by_room, room_id);

	json_object_set_new(rb->by_room, room_id,
			    json_integer(json_integer_value(have) + bytes));
}

static void write_room_bytes(struct signaling_server *s, struct evbuffer *out)
{
	struct room_bytes rb = { json_object(), json_object() };
	const char *room;
	json_t *v;

	if (s->turn && rb.by_user && rb.by_room) {
		turn_server_each_room_allocation(s->turn, collect_user, &rb);
		room_engine_each_member(s->rooms, collect_member, &rb);
		prom_family(
			out, "turnroom_room_relayed_bytes", "gauge",
			"Bytes relayed for the live allocations of a room's members.");
		json_object_foreach(rb.by_room, room, v)
			prom_sample(out, "turnroom_room_relayed_bytes", "room", room,
				    (uint64_t)json_integer_value(v));
	}
	json_decref(rb.by_user);
	json_decref(rb.by_room);
}

void signaling_server_write_metrics(struct signaling_server *s, struct evbuffer *out)
{
	const struct signaling_counters *k = &s->counters;
	size_t ws = 0;

	for (struct signaling_conn *it = s->conns; it; it = it->next)
		ws += it->state == SIG_WEBSOCKET;
	prom_metric(out, "turnroom_websocket_peers", "gauge",
		    "Open WebSocket connections.", ws);
	prom_metric(out, "turnroom_rooms", "gauge", "Rooms with at least one member.",
		    room_engine_room_count(s->rooms));
	prom_metric(out, "turnroom_room_members", "gauge",
		    "Room members, including those in their resume window.",
		    room_engine_member_count(s->rooms));
	prom_family(out, "turnroom_signaling_messages_total", "counter",
		    "WebSocket messages.");
	prom_sample(out, "turnroom_signaling_messages_total", "direction", "in",
		    k->messages_in);
	prom_sample(out, "turnroom_signaling_messages_total", "direction", "out",
		    k->messages_out);
	prom_metric(out, "turnroom_joins_total", "counter", "Successful joins.",
		    k->joins);
	prom_metric(out, "turnroom_join_refusals_total", "counter",
		    "Joins refused for bad credentials.", k->join_refusals);
	prom_metric(out, "turnroom_http_requests_total", "counter", "HTTP requests.",
		    k->http_requests);
	prom_metric(out, "turnroom_signaling_queued_bytes", "gauge",
		    "Signaling bytes queued against signaling-max-queued: connections' "
		    "output, resume queues, Engine.IO polling queues and charges, POST "
		    "bodies in flight, Socket.IO recovery state.",
		    signaling_budget_queued(s));
	prom_family(out, "turnroom_websocket_closed_total", "counter",
		    "WebSockets (and, for queued_budget, any connection or Socket.IO "
		    "session) closed by a limit.");
	prom_sample(out, "turnroom_websocket_closed_total", "reason", "slow_consumer",
		    k->slow_closed);
	prom_sample(out, "turnroom_websocket_closed_total", "reason", "queued_budget",
		    k->budget_closed);
	prom_sample(out, "turnroom_websocket_closed_total", "reason", "join_timeout",
		    k->join_timeouts);
	prom_metric(out, "turnroom_memory_trims_total", "counter",
		    "Times freed memory was given back to the system.", k->trims);
	if (s->conf->prometheus_room_labels)
		write_room_bytes(s, out);
	signaling_cluster_write_metrics(s, out);
	signaling_sio_write_metrics(s, out);
}

void signaling_server_set_metrics(struct signaling_server *s,
				  void (*fn)(void *ctx, struct evbuffer *out), void *ctx)
{
	s->metrics_fn = fn;
	s->metrics_ctx = ctx;
}

/* "Bearer TOKEN" against metrics-token, in constant time. */
static bool bearer_ok(const char *want, const char *authorization)
{
	static const char scheme[] = "Bearer ";
	size_t n = strlen(want);

	if (strncasecmp(authorization, scheme, sizeof(scheme) - 1))
		return false;
	authorization += sizeof(scheme) - 1;
	return strlen(authorization) == n && CRYPTO_memcmp(authorization, want, n) == 0;
}

void signaling_metrics_respond(struct signaling_conn *c, const struct http_request *req,
			       bool head_only)
{
	struct signaling_server *s = c->server;
	const char *token = s->conf->metrics_token;
	struct evbuffer *body;

	if (!token || !*token) {
		signaling_http_respond(c, 404, "text/plain; charset=utf-8", "not found\n",
				       10, false);
		return;
	}
	if (!bearer_ok(token, req->authorization)) {
		signaling_http_respond(c, 401, "text/plain; charset=utf-8",
				       "bearer token required\n", 22, false);
		return;
	}
	body = evbuffer_new();
	if (!body) {
		signaling_conn_close(c);
		return;
	}
	if (s->metrics_fn)
		s->metrics_fn(s->metrics_ctx, body);
	else
		signaling_server_write_metrics(s, body);
	signaling_http_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8",
			       evbuffer_pullup(body, -1), evbuffer_get_length(body),
			       head_only);
	evbuffer_free(body);
}
