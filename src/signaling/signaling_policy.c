/* The signaling policy of both room protocols (signaling_policy.h): who may
 * join, the limits of a room event, and its routing into the room engine.
 * Written once so that native /ws and Socket.IO cannot drift apart again
 * (issue 17: the Socket.IO join skipped the brake, its events had their
 * own size, its sockets no join timeout). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "signaling/signaling_internal.h"
#include "signaling/signaling_policy.h"
#include "util/clock.h"
#include "util/escape.h"
#include "util/log.h"

/* The fixed part of the envelope a native member gets for a relayed event
 * ({"event":,"from":,"data":,"args":[],"attachments":[]}, a user id, and the
 * quotes and padding of base64 strings): bounded, see
 * signaling_event_out_max. */
#define SIG_ENVELOPE_MAX 1024u

static const struct sig_refusal accepted = { NULL, NULL };

/* ---- admission ---- */

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

/* The brake holds for every mode: a password can be guessed, and a token
 * refused again and again from one address is an attack on the verifier
 * (each costs an HMAC) or a broken client that should back off. */
struct sig_refusal signaling_admit(struct signaling_server *s, const struct sig_member *m,
				   json_t *creds, const char *room_id)
{
	const struct tr_addr *peer = sig_member_peer(m);
	char room[ESC_LOG_LEN], addr[ADDR_STR_MAX];

	if (ip_limiter_blocked(s->join_failures, peer, s->now_ms))
		return (struct sig_refusal){ "rate-limited",
					     "too many refused joins; wait" };
	if (signaling_join_allowed(s, creds, room_id))
		return accepted;
	ip_limiter_hit(s->join_failures, peer, s->now_ms);
	s->counters.join_refusals++;
	log_info("%s from %s refused: bad credentials",
		 room_id ? esc_str(room, sizeof(room), room_id) : "CONNECT",
		 addr_to_str(peer, addr, sizeof(addr)));
	return (struct sig_refusal){ "unauthorized", "credentials refused" };
}

struct sig_refusal signaling_admit_join(struct signaling_server *s,
					const struct sig_member *m, json_t *creds,
					const char *room_id, bool resume)
{
	if (s->draining && !resume)
		return (struct sig_refusal){
			"draining", "this node is draining; join through another"
		};
	return signaling_admit(s, m, creds, room_id);
}

/* ---- limits ---- */

void signaling_rate_init(struct signaling_server *s, struct sig_rate *r)
{
	r->tokens_milli = 2000u * s->conf->ws_rate;
	r->last_ms = s->now_ms;
}

bool signaling_rate_take(struct signaling_server *s, struct sig_rate *r)
{
	uint64_t rate = s->conf->ws_rate, cap = 2000u * rate;
	uint64_t tokens = r->tokens_milli + (s->now_ms - r->last_ms) * rate;

	r->last_ms = s->now_ms;
	r->tokens_milli = (uint32_t)(tokens > cap ? cap : tokens);
	if (r->tokens_milli < 1000u)
		return false;
	r->tokens_milli -= 1000u;
	return true;
}

void signaling_rate_give_back(struct sig_rate *r)
{
	r->tokens_milli += 1000u;
}

size_t signaling_event_max(const struct conf *c)
{
	return c->ws_max_message;
}

struct sig_refusal signaling_event_size(const struct conf *c, size_t len)
{
	if (len <= signaling_event_max(c))
		return accepted;
	return (struct sig_refusal){ "too-large", "event over ws-max-message; not sent" };
}

/* Text T and attachments B with T + B <= max become at most 2T + 4/3 B plus
 * the envelope (signaling_proto.c deliver_relay writes the arguments' text
 * as it came, never re-encoded): 2 max bounds both. */
size_t signaling_event_out_max(const struct conf *c)
{
	return 2 * signaling_event_max(c) + SIG_ENVELOPE_MAX;
}

size_t signaling_output_cap(const struct conf *c, size_t backlog)
{
	return backlog + signaling_event_out_max(c);
}

bool signaling_join_timeout_due(struct signaling_server *s, uint64_t *since, bool in_room)
{
	if (in_room) {
		*since = s->now_ms;
		return false;
	}
	if (s->now_ms - *since < (uint64_t)s->conf->ws_join_timeout * 1000u)
		return false;
	s->counters.join_timeouts++;
	return true;
}

bool signaling_member_join_timeout(struct signaling_server *s, const struct sig_member *m,
				   const char *what, uint64_t *since, bool in_room)
{
	char peer[ADDR_STR_MAX];

	if (!signaling_join_timeout_due(s, since, in_room))
		return false;
	log_info_limited(&s->slow_log, "%s %s in no room for %u s: closed", what,
			 addr_to_str(sig_member_peer(m), peer, sizeof(peer)),
			 s->conf->ws_join_timeout);
	sig_member_close(m, "join timeout");
	return true;
}

/* ---- routing ---- */

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

const char *signaling_room_id_of(json_t *data, struct sig_refusal *why)
{
	const char *room_id = json_string_value(json_object_get(data, "roomId"));

	why->code = room_id ? "bad-room-id" : "bad-request";
	why->message =
		room_id ? "roomId: 1-64 of A-Z a-z 0-9 . _ -" : "roomId must be a string";
	return room_id && room_id_valid(room_id) ? room_id : NULL;
}

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

static struct sig_refusal room_refusal(int rc, const char *message)
{
	if (!rc)
		return accepted;
	return (struct sig_refusal){ signaling_room_error_code(rc), message };
}

struct sig_refusal signaling_route_message_text(struct signaling_server *s,
						struct room_peer *p, const char *to,
						const char *data, size_t len)
{
	struct sig_refusal r = signaling_event_size(s->conf, len);

	if (r.code)
		return r;
	return room_refusal(room_send(s->rooms, p, to, data, len),
			    "message not delivered");
}

struct sig_refusal signaling_route_message(struct signaling_server *s,
					   struct room_peer *p, json_t *data)
{
	const char *current = room_peer_room(p);
	const char *named = json_string_value(json_object_get(data, "roomId"));
	json_t *to = json_object_get(data, "to"), *value = json_object_get(data, "data");
	struct sig_refusal r;
	char *payload;

	if (!current || (named && strcmp(named, current)))
		return (struct sig_refusal){ "not-in-room", "not in that room" };
	if (to && !json_is_string(to))
		return (struct sig_refusal){ "bad-request", "to must be a user id" };
	/* Only the sender's `data` travels (absent: null); roomId and to are
	 * routing, not content. Measured as it will travel: re-encoding can
	 * grow a value (1e9 is written 1000000000.0). */
	payload = json_dumps(value ? value : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
	if (!payload)
		return (struct sig_refusal){ "server-error", "out of memory" };
	r = signaling_route_message_text(s, p, json_string_value(to), payload,
					 strlen(payload));
	free(payload);
	return r;
}

struct sig_refusal signaling_route_relay(struct signaling_server *s, struct room_peer *p,
					 const char *name, const char *text, size_t len,
					 const struct room_blob *blobs, size_t n_blobs)
{
	size_t total = len;
	struct sig_refusal r;

	if (signaling_event_reserved(name))
		return (struct sig_refusal){ "reserved-event", name };
	if (!room_peer_room(p))
		return (struct sig_refusal){ "not-in-room", "join a room first" };
	for (size_t i = 0; i < n_blobs; i++)
		total += blobs[i].len;
	r = signaling_event_size(s->conf, total);
	if (r.code)
		return r;
	return room_refusal(room_relay(s->rooms, p, name, text, len, blobs, n_blobs),
			    "event not relayed");
}
