/* The room protocol on a WebSocket: one JSON object per text message,
 * {"event": NAME, "data": {...}}, dispatched through a table; the room
 * engine's events turned back into JSON. Every refusal is an "error"
 * event with a stable code, and the connection lives on. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "eio/eio.h"
#include "signaling/signaling_internal.h"
#include "util/clock.h"
#include "util/escape.h"
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
 * as base64 strings (the arguments keep their placeholders). */
static void deliver_relay(struct signaling_conn *c, const struct room_event *ev)
{
	json_t *all = json_loadb(ev->payload, ev->payload_len, JSON_ALLOW_NUL, NULL);
	json_t *env, *blobs = json_array();
	char *text;

	if (!json_is_array(all) || !blobs) {
		json_decref(all);
		json_decref(blobs);
		return;
	}
	json_array_remove(all, 0);
	for (size_t i = 0; i < ev->n_blobs; i++) {
		char *b64 = malloc(eio_base64_len(ev->blobs[i].len) + 1);

		if (!b64)
			break;
		eio_base64_encode(ev->blobs[i].p, ev->blobs[i].len, b64);
		b64[eio_base64_len(ev->blobs[i].len)] = '\0';
		json_array_append_new(blobs, json_string(b64));
		free(b64);
	}
	env = json_pack("{s:s, s:s, s:O, s:o}", "event", ev->event, "from", ev->from,
			"data",
			json_array_size(all) ? json_array_get(all, 0) : json_null(),
			"args", all);
	if (env && ev->n_blobs)
		json_object_set(env, "attachments", blobs);
	text = env ? json_dumps(env, JSON_COMPACT) : NULL;
	if (text)
		signaling_ws_send_text(c, text, strlen(text));
	free(text);
	json_decref(env);
	json_decref(blobs);
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

/* ---- who may join ---- */

/* Clock skew allowed between the site's backend and us on nbf (RFC 7519
 * 4.1.5 allows "some small leeway"). */
#define SIG_JWT_NBF_LEEWAY_S 30

/* RFC 7519 4.1.5: a token is not accepted before its nbf. An absent nbf
 * is fine; one that is not a number refuses the token. */
static bool nbf_ok(jwt_t *jwt)
{
	char *text = jwt_get_grants_json(jwt, "nbf");
	json_t *nbf;
	bool ok;

	if (!text)
		return true;
	/* libjwt's jwt_get_grant_int reads a string as 0: check the type. */
	nbf = json_loads(text, JSON_DECODE_ANY, NULL);
	free(text);
	ok = json_is_integer(nbf) &&
	     json_integer_value(nbf) <= clock_wall_s() + SIG_JWT_NBF_LEEWAY_S;
	json_decref(nbf);
	return ok;
}

/* signaling-auth=token: an HS256 JWT with claims room (or "*"), sub, exp,
 * and optionally nbf. A NULL room_id checks all but the room claim (a
 * Socket.IO CONNECT). */
static bool token_ok(struct signaling_server *s, json_t *data, const char *room_id)
{
	const char *secret = s->conf->signaling_secret;
	const char *token = json_string_value(json_object_get(data, "token"));
	const char *room, *sub;
	jwt_t *jwt = NULL;
	long exp;
	bool ok = false;

	if (!token || jwt_decode(&jwt, token, (const unsigned char *)secret,
				 (int)strlen(secret)) != 0)
		goto done;
	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		goto done;
	room = jwt_get_grant(jwt, "room");
	sub = jwt_get_grant(jwt, "sub");
	errno = 0;
	exp = jwt_get_grant_int(jwt, "exp");
	ok = room && sub && errno == 0 && exp > clock_wall_s() && nbf_ok(jwt) &&
	     (!room_id || !strcmp(room, "*") || !strcmp(room, room_id));
done:
	jwt_free(jwt);
	return ok;
}

bool signaling_join_allowed(struct signaling_server *s, json_t *data, const char *room_id)
{
	enum conf_signaling_auth mode = s->conf->signaling_auth;

	if (mode == CONF_SIGNALING_USER) {
		const char *u = json_string_value(json_object_get(data, "username"));
		const char *p = json_string_value(json_object_get(data, "password"));

		return u && p && auth_check_password(s->auth, u, p) == 0;
	}
	if (mode == CONF_SIGNALING_TOKEN)
		return token_ok(s, data, room_id);
	return true;
}

/* ---- client events ---- */

const char *signaling_room_error_code(int rc)
{
	switch (rc) {
	case ROOM_E_BAD_ROOM_ID:
		return "bad-room-id";
	case ROOM_E_ALREADY_IN_ROOM:
		return "already-in-room";
	case ROOM_E_NOT_IN_ROOM:
		return "not-in-room";
	case ROOM_E_NO_SUCH_PEER:
		return "no-such-peer";
	case ROOM_E_BAD_RESUME:
		return "bad-resume";
	case ROOM_E_FULL:
		return "full";
	}
	return "server-error";
}

const char *signaling_room_id_of(json_t *data, const char **code, const char **message)
{
	const char *room_id = json_string_value(json_object_get(data, "roomId"));

	*code = room_id ? "bad-room-id" : "bad-request";
	*message =
		room_id ? "roomId: 1-64 of A-Z a-z 0-9 . _ -" : "roomId must be a string";
	return room_id && room_id_valid(room_id) ? room_id : NULL;
}

/* roomId of data: NULL after answering bad-request or bad-room-id. */
static const char *room_id_of(struct signaling_conn *c, json_t *data)
{
	const char *code, *message,
		*room_id = signaling_room_id_of(data, &code, &message);

	if (!room_id)
		signaling_proto_error(c, code, message);
	return room_id;
}

static void on_join(struct signaling_conn *c, json_t *data)
{
	struct signaling_server *s = c->server;
	const char *room_id = room_id_of(c, data);
	const char *resume = json_string_value(json_object_get(data, "resumeToken"));
	unsigned num, cap;
	int rc;

	if (!room_id)
		return;
	if (room_peer_room(c->room_peer)) {
		signaling_proto_error(c, "already-in-room",
				      "leave the current room first");
		return;
	}
	if (s->draining && !resume) {
		signaling_proto_error(c, "draining",
				      "this node is draining; join through another");
		return;
	}
	if (ip_limiter_blocked(s->join_failures, &c->peer, s->now_ms)) {
		signaling_proto_error(c, "rate-limited", "too many refused joins; wait");
		return;
	}
	if (!signaling_join_allowed(s, data, room_id)) {
		ip_limiter_hit(s->join_failures, &c->peer, s->now_ms);
		s->counters.join_refusals++;
		char room[ESC_LOG_LEN];

		log_info("join of room %s refused: bad credentials",
			 esc_str(room, sizeof(room), room_id));
		signaling_proto_error(c, "unauthorized", "credentials refused");
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
	json_t *to = json_object_get(data, "to");
	char *payload;
	int rc;

	if (!in_room_named(c, data))
		return;
	if (to && !json_is_string(to)) {
		signaling_proto_error(c, "bad-request", "to must be a user id");
		return;
	}
	/* Only the sender's `data` travels (absent: null); roomId and to
	 * are routing, not content. */
	payload = json_dumps(json_object_get(data, "data") ? json_object_get(data, "data")
							   : json_null(),
			     JSON_COMPACT | JSON_ENCODE_ANY);
	if (!payload)
		return;
	rc = room_send(c->server->rooms, c->room_peer, json_string_value(to), payload,
		       strlen(payload));
	free(payload);
	if (rc)
		signaling_proto_error(c, signaling_room_error_code(rc),
				      "message not delivered");
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
 * emit(NAME, data). */
bool signaling_event_reserved(const char *event)
{
	static const char *const server_events[] = {
		"joined",
		"otherjoined",
		"full",
		"leaved",
		"bye",
		"iceServers",
		"error",
		"checkRoomSuccess",
		"joinRoomSuccess",
	};

	for (size_t i = 0; i < sizeof(server_events) / sizeof(server_events[0]); i++)
		if (!strcmp(event, server_events[i]))
			return true;
	return false;
}

static void relay_custom(struct signaling_conn *c, const char *event, json_t *data)
{
	json_t *args = json_pack("[s, O]", event, data);
	char *text = args ? json_dumps(args, JSON_COMPACT) : NULL;

	if (!room_peer_room(c->room_peer) || signaling_event_reserved(event))
		signaling_proto_error(c, "unknown-event", event);
	else if (text)
		room_relay(c->server->rooms, c->room_peer, event, text, strlen(text),
			   NULL, 0);
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

/* ws-rate: a token bucket of two seconds' worth of messages. */
static bool rate_ok(struct signaling_conn *c)
{
	uint64_t rate = c->server->conf->ws_rate;
	uint64_t cap = 2000u * rate;
	uint64_t tokens =
		c->rate_tokens_milli + (c->server->now_ms - c->rate_last_ms) * rate;

	c->rate_last_ms = c->server->now_ms;
	c->rate_tokens_milli = (uint32_t)(tokens > cap ? cap : tokens);
	if (c->rate_tokens_milli < 1000u)
		return false;
	c->rate_tokens_milli -= 1000u;
	return true;
}

void signaling_proto_on_text(struct signaling_conn *c, const uint8_t *p, size_t len)
{
	json_t *msg, *data;
	const char *event;

	c->server->counters.messages_in++;
	if (!rate_ok(c)) {
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
