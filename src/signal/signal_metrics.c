/* GET /metrics: Prometheus text format, the relay's counters and the room
 * server's, plus relayed bytes per live room (from the allocations made
 * with the members' credentials). */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <jansson.h>

#include "conf/conf.h"
#include "signal/signal_internal.h"
#include "turn/turn.h"

static void metric(struct evbuffer *out, const char *name, const char *type,
		   const char *help, uint64_t value)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
			    type, name, (unsigned long long)value);
}

struct room_bytes {
	char sep;
	json_t *by_user; /* userId -> bytes */
	json_t *by_room; /* roomId -> bytes */
};

/* REST usernames are "EXPIRY<sep>userId". */
static void collect_user(const char *username, uint64_t bytes, void *arg)
{
	struct room_bytes *rb = arg;
	const char *sep = strchr(username, rb->sep);
	json_t *have;

	if (!sep)
		return;
	have = json_object_get(rb->by_user, sep + 1);
	json_object_set_new(rb->by_user, sep + 1,
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

static void write_room_bytes(struct signal_server *s, struct evbuffer *out)
{
	struct room_bytes rb = { s->conf->rest_api_separator, json_object(), json_object() };
	const char *room;
	json_t *v;

	if (s->turn && rb.by_user && rb.by_room) {
		turn_server_each_allocation(s->turn, collect_user, &rb);
		room_engine_each_member(s->rooms, collect_member, &rb);
		evbuffer_add_printf(out, "# HELP turnroom_room_relayed_bytes Bytes relayed "
					 "for the live allocations of a room's members.\n"
					 "# TYPE turnroom_room_relayed_bytes gauge\n");
		/* Room ids are [A-Za-z0-9._-]: safe inside a label. */
		json_object_foreach(rb.by_room, room, v)
			evbuffer_add_printf(out, "turnroom_room_relayed_bytes{room=\"%s\"} %lld\n",
					    room, (long long)json_integer_value(v));
	}
	json_decref(rb.by_user);
	json_decref(rb.by_room);
}

void sig_metrics_respond(struct sig_conn *c, bool head_only)
{
	struct signal_server *s = c->server;
	struct evbuffer *body = evbuffer_new();
	size_t ws = 0;

	if (!body) {
		sig_conn_close(c);
		return;
	}
	for (struct sig_conn *it = s->conns; it; it = it->next)
		ws += it->state == SIG_WEBSOCKET;
	if (s->turn)
		turn_server_write_metrics(s->turn, body);
	metric(body, "turnroom_websocket_peers", "gauge", "Open WebSocket connections.", ws);
	metric(body, "turnroom_rooms", "gauge", "Rooms with at least one member.",
	       room_engine_room_count(s->rooms));
	metric(body, "turnroom_room_members", "gauge",
	       "Room members, including those in their resume window.",
	       room_engine_member_count(s->rooms));
	evbuffer_add_printf(body,
			    "# HELP turnroom_signaling_messages_total WebSocket messages.\n"
			    "# TYPE turnroom_signaling_messages_total counter\n"
			    "turnroom_signaling_messages_total{direction=\"in\"} %llu\n"
			    "turnroom_signaling_messages_total{direction=\"out\"} %llu\n",
			    (unsigned long long)s->counters.messages_in,
			    (unsigned long long)s->counters.messages_out);
	metric(body, "turnroom_joins_total", "counter", "Successful joins.",
	       s->counters.joins);
	metric(body, "turnroom_join_refusals_total", "counter",
	       "Joins refused for bad credentials.", s->counters.join_refusals);
	metric(body, "turnroom_http_requests_total", "counter", "HTTP requests.",
	       s->counters.http_requests);
	write_room_bytes(s, body);
	sig_cluster_write_metrics(s, body);
	sig_http_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8",
			 evbuffer_pullup(body, -1), evbuffer_get_length(body), head_only);
	evbuffer_free(body);
}
