/* The room protocol on a WebSocket: one JSON object per text message,
 * {"event": NAME, "data": {...}}, dispatched through a table; the room
 * engine's events turned back into JSON. Every refusal is an "error"
 * event with a stable code, and the connection lives on. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conf/conf.h"
#include "eio/eio.h"
#include "signaling/signaling_internal.h"
#include "signaling/signaling_policy.h"
#include "sio/sio.h"
#include "util/log.h"

static void send_event(struct signaling_conn *c, const char *event, json_t *data)
{
	json_t *env = json_pack("{s:s, s:o}", "event", event, "data", data);
	char *text = env ? json_dumps(env, JSON_COMPACT) : NULL;

	if (text)
		signaling_ws_send_text(c, text, strlen(text));
	free(text);
	json_decref(env);
}

void signaling_proto_send(struct signaling_conn *c, const char *event, json_t *data)
{
	send_event(c, event, data);
}

void signaling_proto_error(struct signaling_conn *c, const char *code,
			   const char *message)
{
	send_event(c, "error", json_pack("{s:s, s:s}", "code", code, "message", message));
}

/* A refusal of the policy as the native protocol's error; none: nothing. */
static void refuse(struct signaling_conn *c, struct sig_refusal why)
{
	if (why.code)
		signaling_proto_error(c, why.code, why.message);
}

/* ---- the room engine's events ---- */

static json_t *string_array(const char *const *items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

static void schedule_ice_push(struct signaling_conn *c)
{
	/* Fresh credentials when 3/4 of the lifetime has passed. */
	c->ice_push_ms =
		c->server->now_ms + (uint64_t)c->server->conf->ice_credential_ttl * 750u;
}

static void deliver_joined(struct signaling_conn *c, const struct room_event *ev)
{
	json_t *ice = signaling_ice_servers(c->server, c->host, ev->user_id);

	send_event(c, "joined",
		   json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:I, s:s, s:b}", "roomId",
			     ev->room_id, "userId", ev->user_id, "userNum",
			     (json_int_t)ev->user_num, "capacity",
			     (json_int_t)ev->capacity, "peers",
			     string_array(ev->peers, ev->n_peers), "iceServers",
			     ice ? ice : json_array(), "iceTtl",
			     (json_int_t)c->server->conf->ice_credential_ttl,
			     "resumeToken", ev->resume_token, "resumed", ev->resumed));
	schedule_ice_push(c);
}

/* The sender's `data` value goes out untouched (as the seed's socket.io
 * server does: socket.to(room).emit('message', data)); it was kept as
 * compact JSON text, so the envelope is written around it. */
static void deliver_message(struct signaling_conn *c, const struct room_event *ev)
{
	static const char head[] = "{\"event\":\"message\",\"from\":\"";
	size_t cap = sizeof(head) + strlen(ev->from) + ev->payload_len + 16;
	char *text = malloc(cap);
	int n;

	if (!text)
		return;
	n = snprintf(text, cap, "%s%s\",\"data\":%.*s}", head, ev->from,
		     (int)ev->payload_len, ev->payload);
	if (n > 0 && (size_t)n < cap)
		signaling_ws_send_text(c, text, (size_t)n);
	free(text);
}

/* A Socket.IO member's custom event (seed 000's receiveOffer, ...), as a
 * native member sees it: {"event": NAME, "from": ID, "data": first
 * argument, "args": [all arguments]}, binary attachments in "attachments"
 * as base64 strings (the arguments keep their placeholders). The
 * arguments' text is written as it came, never decoded and encoded again:
 * what a legal event becomes is bounded (signaling_event_out_max). */
static void deliver_relay(struct signaling_conn *c, const struct room_event *ev)
{
	struct sio_span it[2];
	size_t n, cap = 96 + strlen(ev->from) + 2 * ev->payload_len, w;
	const char *p = ev->payload;
	char *text;

	if (!sio_json_array_items(p, ev->payload_len, it, 2, &n) || !n)
		return;
	for (size_t i = 0; i < ev->n_blobs; i++)
		cap += eio_base64_len(ev->blobs[i].len) + 3;
	text = malloc(cap);
	if (!text)
		return;
	w = (size_t)snprintf(text, cap, "{\"event\":%.*s,\"from\":\"%s\",\"data\":%.*s,",
			     (int)it[0].len, p + it[0].off, ev->from,
			     (int)(n > 1 ? it[1].len : 4),
			     n > 1 ? p + it[1].off : "null");
	/* "args": the array without its first item. */
	w += (size_t)snprintf(text + w, cap - w, "\"args\":[%.*s",
			      (int)(n > 1 ? ev->payload_len - it[1].off : 1),
			      n > 1 ? p + it[1].off : "]");
	if (ev->n_blobs)
		w += (size_t)snprintf(text + w, cap - w, ",\"attachments\":[");
	for (size_t i = 0; i < ev->n_blobs; i++) {
		text[w++] = i ? ',' : '"';
		if (i)
			text[w++] = '"';
		eio_base64_encode(ev->blobs[i].p, ev->blobs[i].len, text + w);
		w += eio_base64_len(ev->blobs[i].len);
		text[w++] = '"';
	}
	if (ev->n_blobs)
		text[w++] = ']';
	text[w++] = '}';
	signaling_ws_send_text(c, text, w);
	free(text);
}

void signaling_proto_deliver(void *ctx, const struct room_event *ev)
{
	struct signaling_conn *c = ctx;

	switch (ev->kind) {
	case ROOM_EV_JOINED:
		deliver_joined(c, ev);
		break;
	case ROOM_EV_OTHER_JOINED:
		send_event(c, "otherjoined",
			   json_pack("{s:s, s:s}", "roomId", ev->room_id, "userId",
				     ev->user_id));
		break;
	case ROOM_EV_MESSAGE:
		deliver_message(c, ev);
		break;
	case ROOM_EV_LEAVED:
		c->ice_push_ms = 0;
		send_event(c, "leaved", json_pack("{s:s}", "roomId", ev->room_id));
		break;
	case ROOM_EV_BYE:
		send_event(c, "bye",
			   json_pack("{s:s, s:s}", "roomId", ev->room_id, "userId",
				     ev->user_id));
		break;
	case ROOM_EV_RELAY:
		deliver_relay(c, ev);
		break;
	}
}

void signaling_proto_push_ice(struct signaling_conn *c)
{
	const char *user = room_peer_user_id(c->room_peer);
	json_t *ice;

	c->ice_push_ms = 0;
	if (!user)
		return;
	ice = signaling_ice_servers(c->server, c->host, user);
	if (!ice)
		return;
	send_event(c, "iceServers",
		   json_pack("{s:o, s:I}", "iceServers", ice, "ttl",
			     (json_int_t)c->server->conf->ice_credential_ttl));
	schedule_ice_push(c);
}

/* ---- client events ---- */

/* roomId of data: NULL after answering bad-request or bad-room-id. */
static const char *room_id_of(struct signaling_conn *c, json_t *data)
{
	struct sig_refusal why;
	const char *room_id = signaling_room_id_of(data, &why);

	if (!room_id)
		refuse(c, why);
	return room_id;
}

static void on_join(struct signaling_conn *c, json_t *data)
{
	struct signaling_server *s = c->server;
	const char *room_id = room_id_of(c, data);
	const char *resume = json_string_value(json_object_get(data, "resumeToken"));
	struct sig_refusal why;
	struct sig_member m;
	unsigned num, cap;
	int rc;

	if (!room_id)
		return;
	if (room_peer_room(c->room_peer)) {
		signaling_proto_error(c, "already-in-room",
				      "leave the current room first");
		return;
	}
	m = signaling_conn_member(c);
	why = signaling_admit_join(s, &m, data, room_id, resume != NULL);
	if (why.code) {
		refuse(c, why);
		return;
	}
	/* Clustered: capacity is the cluster's (Redis); a resume stays on
	 * the node that holds the member. */
	if (s->cluster && !resume) {
		signaling_cluster_join(c, room_id);
		return;
	}
	rc = room_join(s->rooms, c->room_peer, room_id, resume, s->now_ms);
	if (rc == ROOM_E_FULL) {
		room_check(s->rooms, room_id, &num, &cap);
		send_event(c, "full",
			   json_pack("{s:s, s:I}", "roomId", room_id, "userNum",
				     (json_int_t)num));
	} else if (rc) {
		signaling_proto_error(c, signaling_room_error_code(rc), "join refused");
	} else {
		s->counters.joins++;
	}
}

static bool in_room_named(struct signaling_conn *c, json_t *data)
{
	const char *current = room_peer_room(c->room_peer);
	const char *named = json_string_value(json_object_get(data, "roomId"));

	if (!current || (named && strcmp(named, current))) {
		signaling_proto_error(c, "not-in-room", "not in that room");
		return false;
	}
	return true;
}

static void on_leave(struct signaling_conn *c, json_t *data)
{
	if (in_room_named(c, data))
		room_leave(c->server->rooms, c->room_peer);
}

static void on_message(struct signaling_conn *c, json_t *data)
{
	refuse(c, signaling_route_message(c->server, c->room_peer, data));
}

static void on_refresh_ice(struct signaling_conn *c, json_t *data)
{
	if (!room_peer_user_id(c->room_peer)) {
		signaling_proto_error(c, "not-in-room", "join a room first");
		return;
	}
	signaling_proto_push_ice(c);
}

static void on_check_room(struct signaling_conn *c, json_t *data)
{
	const char *room_id = room_id_of(c, data);
	unsigned num = 0, cap = 0;

	if (!room_id)
		return;
	if (c->server->cluster) {
		signaling_cluster_check(c, room_id);
		return;
	}
	room_check(c->server->rooms, room_id, &num, &cap);
	if (num >= cap)
		send_event(c, "full",
			   json_pack("{s:s, s:I}", "roomId", room_id, "userNum",
				     (json_int_t)num));
	else
		send_event(c, "checkRoomSuccess",
			   json_pack("{s:s, s:I, s:I}", "roomId", room_id, "userNum",
				     (json_int_t)num, "capacity", (json_int_t)cap));
}

/* Any other event of a member goes to the others of its room as it is
 * (so that seed 000's offer/answer/candidate events flow between a native
 * member and a Socket.IO one): a Socket.IO member receives it as
 * emit(NAME, data). The native protocol has always called a reserved name
 * and an event outside a room unknown-event. */
static void relay_custom(struct signaling_conn *c, const char *event, json_t *data)
{
	json_t *args = json_pack("[s, O]", event, data);
	char *text = args ? json_dumps(args, JSON_COMPACT) : NULL;
	struct sig_refusal why = { "server-error", "out of memory" };

	if (text)
		why = signaling_route_relay(c->server, c->room_peer, event, text,
					    strlen(text), NULL, 0);
	if (why.code &&
	    (!strcmp(why.code, "reserved-event") || !strcmp(why.code, "not-in-room")))
		why = (struct sig_refusal){ "unknown-event", event };
	refuse(c, why);
	free(text);
	json_decref(args);
}

static const struct {
	const char *name;
	void (*handle)(struct signaling_conn *c, json_t *data);
} events[] = {
	{ "join", on_join },
	{ "leave", on_leave },
	{ "message", on_message },
	{ "refreshIce", on_refresh_ice },
	{ "checkRoom", on_check_room },
};

void signaling_proto_on_text(struct signaling_conn *c, const uint8_t *p, size_t len)
{
	json_t *msg, *data;
	const char *event;

	c->server->counters.messages_in++;
	if (!signaling_rate_take(c->server, &c->rate)) {
		signaling_proto_error(c, "rate-limited", "too many messages; slow down");
		return;
	}
	msg = json_loadb((const char *)p, len, 0, NULL);
	event = json_string_value(json_object_get(msg, "event"));
	data = json_object_get(msg, "data");
	if (!json_is_object(msg) || !event || !json_is_object(data)) {
		signaling_proto_error(c, "bad-json",
				      "expected {\"event\": NAME, \"data\": {...}}");
		json_decref(msg);
		return;
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (!strcmp(events[i].name, event)) {
			events[i].handle(c, data);
			json_decref(msg);
			return;
		}
	}
	relay_custom(c, event, data);
	json_decref(msg);
}
