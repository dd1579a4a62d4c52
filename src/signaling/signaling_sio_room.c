/* The room application for Socket.IO members: the seed 003 server's events
 * (join, message, leave) and seed 000's (checkRoom, userLeave), on the one
 * room engine; any other event is relayed to the room unchanged. */
#include <string.h>

#include <jansson.h>

#include "conf/conf.h"
#include "signaling/signaling_internal.h"
#include "signaling/signaling_policy.h"
#include "signaling/signaling_sio.h"
#include "util/log.h"

/* One event: name, its first argument, the ack asked for. */
struct sio_call {
	struct sio_sock *k;
	json_t *data;
	bool has_ack;
	uint64_t ack_id;
};

static void refuse(const struct sio_call *c, const char *code, const char *message)
{
	sio_refuse(c->k, c->has_ack, c->ack_id, code, message);
}

/* The policy's answer: the refusal, or the ack {ok:true}. */
static void answer(struct sio_sock *k, bool has_ack, uint64_t ack_id,
		   struct sig_refusal why)
{
	if (why.code)
		sio_refuse(k, has_ack, ack_id, why.code, why.message);
	else
		sio_accept(k, has_ack, ack_id);
}

static const char *room_id_of(const struct sio_call *c)
{
	struct sig_refusal why;
	const char *room_id = signaling_room_id_of(c->data, &why);

	if (!room_id)
		refuse(c, why.code, why.message);
	return room_id;
}

/* Credentials of a join: its own, else those of the CONNECT. */
static json_t *credentials(const struct sio_call *c)
{
	if (json_object_get(c->data, "token") || json_object_get(c->data, "username"))
		return c->data;
	return c->k->auth;
}

static void full(const struct sio_call *c, const char *room_id, unsigned num)
{
	sio_emit(c->k, "full",
		 json_pack("{s:s, s:I}", "roomId", room_id, "userNum", (json_int_t)num));
	if (c->has_ack)
		refuse(c, "full", "the room is full");
}

/* A clustered join answered by Redis (signaling_cluster.c). */
static void cluster_join_done(void *ctx, int rc, const char *room_id, unsigned num)
{
	struct sio_sock *k = ctx;
	struct sio_call c = { .k = k,
			      .has_ack = k->join_has_ack,
			      .ack_id = k->join_ack_id };

	if (rc == ROOM_OK)
		sio_accept(k, c.has_ack, c.ack_id);
	else if (rc == ROOM_E_FULL)
		full(&c, room_id, num);
	else if (rc == SIG_E_UNAVAILABLE)
		refuse(&c, "unavailable",
		       "the cluster's store is unreachable; try again shortly");
	else
		refuse(&c, signaling_room_error_code(rc), "join refused");
}

static void on_join(const struct sio_call *c)
{
	struct signaling_server *s = c->k->app->server;
	const char *room_id = room_id_of(c);
	const char *resume = json_string_value(json_object_get(c->data, "resumeToken"));
	struct sig_refusal why;
	struct sig_member m;
	unsigned num = 0, cap = 0;
	int rc;

	if (!room_id || !c->k->eio)
		return;
	if (room_peer_room(c->k->peer)) {
		refuse(c, "already-in-room", "leave the current room first");
		return;
	}
	/* The one admission of both protocols: draining, the brake on
	 * refused joins, signaling-auth. */
	m = signaling_eio_member(c->k->eio);
	why = signaling_admit_join(s, &m, credentials(c), room_id, resume != NULL);
	if (why.code) {
		refuse(c, why.code, why.message);
		return;
	}
	/* Clustered: capacity is the cluster's (Redis); a resume stays on
	 * the node that holds the member. */
	if (s->cluster && !resume) {
		c->k->join_has_ack = c->has_ack;
		c->k->join_ack_id = c->ack_id;
		if (!signaling_cluster_join_peer(s, c->k->peer, room_id, &c->k->ticket,
						 cluster_join_done, c->k))
			refuse(c, "busy",
			       "the previous join or checkRoom is still running");
		return;
	}
	rc = room_join(s->rooms, c->k->peer, room_id, resume, s->now_ms);
	if (rc == ROOM_E_FULL) {
		room_check(s->rooms, room_id, &num, &cap);
		full(c, room_id, num);
	} else if (rc) {
		refuse(c, signaling_room_error_code(rc), "join refused");
	} else {
		s->counters.joins++;
		sio_accept(c->k, c->has_ack, c->ack_id);
	}
}

/* leave {roomId}; userLeave (seed 000) may name no room: the current one. */
static void on_leave(const struct sio_call *c)
{
	const char *current = room_peer_room(c->k->peer);
	const char *named = json_string_value(json_object_get(c->data, "roomId"));

	if (!current || (named && strcmp(named, current))) {
		refuse(c, "not-in-room", "not in that room");
		return;
	}
	room_leave(c->k->app->server->rooms, c->k->peer);
	sio_accept(c->k, c->has_ack, c->ack_id);
}

/* message {roomId, data}: the others get exactly data (seed 003). */
static void on_message(const struct sio_call *c)
{
	answer(c->k, c->has_ack, c->ack_id,
	       signaling_route_message(c->k->app->server, c->k->peer, c->data));
}

static void check_answer(const struct sio_call *c, const char *room_id, unsigned num,
			 unsigned cap)
{
	if (num >= cap) {
		full(c, room_id, num);
		return;
	}
	sio_emit(c->k, "checkRoomSuccess",
		 json_pack("{s:s, s:I, s:I}", "roomId", room_id, "userNum",
			   (json_int_t)num, "capacity", (json_int_t)cap));
	sio_accept(c->k, c->has_ack, c->ack_id);
}

static void cluster_check_done(void *ctx, bool ok, const char *room_id, unsigned num)
{
	struct sio_sock *k = ctx;
	struct sio_call c = { .k = k,
			      .has_ack = k->join_has_ack,
			      .ack_id = k->join_ack_id };

	if (!ok)
		refuse(&c, "unavailable",
		       "the cluster's store is unreachable; try again shortly");
	else
		check_answer(&c, room_id, num, k->app->server->conf->room_capacity);
}

/* checkRoom {roomId} (seed 000): checkRoomSuccess or full; clustered, from
 * Redis. */
static void on_check_room(const struct sio_call *c)
{
	struct signaling_server *s = c->k->app->server;
	const char *room_id = room_id_of(c);
	unsigned num = 0, cap = 0;

	if (!room_id)
		return;
	if (s->cluster) {
		c->k->join_has_ack = c->has_ack;
		c->k->join_ack_id = c->ack_id;
		if (!signaling_cluster_check_peer(s, room_id, &c->k->ticket,
						  cluster_check_done, c->k))
			refuse(c, "busy",
			       "the previous join or checkRoom is still running");
		return;
	}
	room_check(s->rooms, room_id, &num, &cap);
	check_answer(c, room_id, num, cap);
}

static void on_refresh_ice(const struct sio_call *c)
{
	struct signaling_server *s = c->k->app->server;
	const char *user = room_peer_user_id(c->k->peer);
	json_t *ice;

	if (!user || !c->k->eio) {
		refuse(c, "not-in-room", "join a room first");
		return;
	}
	ice = signaling_ice_servers(s, eio_session_host(c->k->eio), user);
	sio_emit(c->k, "iceServers",
		 json_pack("{s:o, s:I}", "iceServers", ice ? ice : json_array(), "ttl",
			   (json_int_t)s->conf->ice_credential_ttl));
	sio_accept(c->k, c->has_ack, c->ack_id);
}

static const struct {
	const char *name;
	void (*handle)(const struct sio_call *c);
} events[] = {
	{ "join", on_join },
	{ "leave", on_leave },
	{ "userLeave", on_leave },
	{ "message", on_message },
	{ "checkRoom", on_check_room },
	{ "refreshIce", on_refresh_ice },
};

void sio_room_event(struct sio_sock *k, json_t *args, const char *text, size_t len,
		    const struct room_blob *blobs, size_t n_blobs, bool has_ack,
		    uint64_t ack_id)
{
	const char *name = json_string_value(json_array_get(args, 0));
	struct sio_call c = { k, json_array_get(args, 1), has_ack, ack_id };

	if (!name) {
		sio_refuse(k, has_ack, ack_id, "bad-request", "event names are strings");
		return;
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (!strcmp(events[i].name, name)) {
			events[i].handle(&c);
			return;
		}
	}
	/* Seed 000: every other event goes to the others of the room. */
	answer(k, has_ack, ack_id,
	       signaling_route_relay(k->app->server, k->peer, name, text, len, blobs,
				     n_blobs));
}

/* message {roomId, data}: data relayed as written. */
static bool fast_message(struct sio_sock *k, const char *p, const struct sio_span *arg,
			 bool has_ack, uint64_t ack_id)
{
	static const char *const keys[] = { "roomId", "data", "to" };
	const char *current = room_peer_room(k->peer);
	const char *obj = p + arg->off;
	struct sio_span f[3];
	const struct sio_span *room = &f[0], *data = &f[1];

	/* One pass over the object; the unusual (a "to", an escaped or
	 * foreign roomId, not in a room) takes the general path. */
	if (!sio_json_object_fields(obj, arg->len, keys, f, 3) || f[2].len || !current)
		return false;
	if (room->len) {
		const char *r = obj + room->off;

		if (r[0] != '"' || memchr(r, '\\', room->len) ||
		    strlen(current) != room->len - 2 ||
		    memcmp(current, r + 1, room->len - 2))
			return false;
	}
	answer(k, has_ack, ack_id,
	       signaling_route_message_text(k->app->server, k->peer, NULL,
					    data->len ? obj + data->off : "null",
					    data->len ? data->len : 4));
	return true;
}

bool sio_room_fast(struct sio_sock *k, const char *text, size_t len, bool has_ack,
		   uint64_t ack_id)
{
	struct sio_span it[2];
	char name[64];
	size_t n;

	if (!sio_json_array_items(text, len, it, 2, &n) || !n || text[it[0].off] != '"' ||
	    it[0].len - 2 >= sizeof(name) || memchr(text + it[0].off, '\\', it[0].len))
		return false;
	memcpy(name, text + it[0].off + 1, it[0].len - 2);
	name[it[0].len - 2] = '\0';
	if (!strcmp(name, "message"))
		return n >= 2 && fast_message(k, text, &it[1], has_ack, ack_id);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (!strcmp(events[i].name, name))
			return false;
	if (sio_event_reserved(name) || signaling_event_reserved(name) ||
	    !room_peer_room(k->peer))
		return false;
	answer(k, has_ack, ack_id,
	       signaling_route_relay(k->app->server, k->peer, name, text, len, NULL, 0));
	return true;
}

void sio_room_gone(struct sio_sock *k, bool lost)
{
	struct room_engine *rooms = k->app->server->rooms;

	if (!k->peer || !room_peer_room(k->peer))
		return;
	if (lost) {
		/* room_peer_disconnect (at free) keeps the slot for a resume. */
		return;
	}
	room_leave(rooms, k->peer);
}
