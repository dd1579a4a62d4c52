/* The Socket.IO v5 layer over Engine.IO sessions, and the room application
 * of the seed servers on it: join/joined/otherjoined/full, message (the
 * sender's data exactly), leave/leaved/bye, checkRoom, and every other
 * event relayed to the room as it came (binary attachments included).
 * A socket.io member is a peer of the one room engine, like a native /ws
 * member, so the two meet in the same rooms. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "conf/conf.h"
#include "eio/eio.h"
#include "signaling/signaling_internal.h"
#include "signaling/signaling_policy.h"
#include "signaling/signaling_sio.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/prom.h"

/* ---- output ---- */

static void send_text(struct sio_sock *k, const char *text, size_t len)
{
	if (k->eio)
		eio_session_send(k->eio, false, text, len);
}

/* ---- room events to the socket ---- */

void sio_schedule_ice(struct sio_sock *k)
{
	struct timeval tv = { (time_t)k->app->server->conf->ice_credential_ttl * 3 / 4,
			      0 };

	if (k->timer)
		evtimer_add(k->timer, &tv);
}

static json_t *string_array(const char *const *items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

static void deliver_joined(struct sio_sock *k, const struct room_event *ev)
{
	struct signaling_server *s = k->app->server;
	json_t *ice = signaling_ice_servers(s, k->eio ? eio_session_host(k->eio) : "",
					    ev->user_id);

	sio_emit(k, "joined",
		 json_pack("{s:s, s:I, s:s, s:I, s:o, s:o, s:I, s:s, s:b}", "roomId",
			   ev->room_id, "userNum", (json_int_t)ev->user_num, "userId",
			   ev->user_id, "capacity", (json_int_t)ev->capacity, "peers",
			   string_array(ev->peers, ev->n_peers), "iceServers",
			   ice ? ice : json_array(), "iceTtl",
			   (json_int_t)s->conf->ice_credential_ttl, "resumeToken",
			   ev->resume_token, "resumed", ev->resumed));
	sio_schedule_ice(k);
}

/* The relayed event as it came: its head and JSON text, then attachments. */
static void deliver_relay(struct sio_sock *k, const struct room_event *ev)
{
	char head[32];
	int h = sio_head_write(head, sizeof(head),
			       ev->n_blobs ? SIO_BINARY_EVENT : SIO_EVENT,
			       (unsigned)ev->n_blobs, NULL, false, 0);

	if (h > 0)
		sio_send_event(k, head, (size_t)h, ev->payload, ev->payload_len,
			       ev->blobs, ev->n_blobs);
}

/* 42["message", data]: data is the sender's value, already JSON text. */
static void deliver_message(struct sio_sock *k, const struct room_event *ev)
{
	static const char head[] = "[\"message\",";
	size_t n = sizeof(head) - 1;
	char *args = malloc(n + ev->payload_len + 1);

	if (!args)
		return;
	memcpy(args, head, n);
	memcpy(args + n, ev->payload, ev->payload_len);
	args[n + ev->payload_len] = ']';
	sio_send_event(k, "2", 1, args, n + ev->payload_len + 1, NULL, 0);
	free(args);
}

static void sock_free(struct sio_sock *k);
static void sock_unlink(struct sio_sock *k);

void sio_sock_hold(struct sio_sock *k)
{
	k->busy++;
}

void sio_sock_release(struct sio_sock *k)
{
	if (--k->busy == 0 && k->gone)
		sock_free(k);
}

void sio_sock_discard(struct sio_sock *k)
{
	k->gone = true;
	sock_unlink(k);
	if (!k->busy)
		sock_free(k);
}

void sio_deliver(void *ctx, const struct room_event *ev)
{
	struct sio_sock *k = ctx;

	sio_sock_hold(k);
	switch (ev->kind) {
	case ROOM_EV_JOINED:
		deliver_joined(k, ev);
		break;
	case ROOM_EV_OTHER_JOINED:
		sio_emit(k, "otherjoined",
			 json_pack("{s:s, s:s}", "roomId", ev->room_id, "userId",
				   ev->user_id));
		break;
	case ROOM_EV_MESSAGE:
		deliver_message(k, ev);
		break;
	case ROOM_EV_LEAVED:
		if (k->timer)
			evtimer_del(k->timer);
		sio_emit(k, "leaved", json_pack("{s:s}", "roomId", ev->room_id));
		break;
	case ROOM_EV_BYE:
		sio_emit(k, "bye",
			 json_pack("{s:s, s:s}", "roomId", ev->room_id, "userId",
				   ev->user_id));
		break;
	case ROOM_EV_RELAY:
		deliver_relay(k, ev);
		break;
	}
	sio_sock_release(k);
}

/* ---- timers ---- */

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sio_sock *k = arg;
	struct signaling_server *s = k->app->server;
	const char *user = room_peer_user_id(k->peer);
	json_t *ice;

	if (k->held)
		return;
	if (!k->connected) {
		log_info("Socket.IO session sent no CONNECT within %u ms: closed",
			 s->conf->socketio_connect_timeout);
		if (k->eio)
			eio_session_close(k->eio, "connect timeout");
		return;
	}
	if (!user || !k->eio)
		return;
	ice = signaling_ice_servers(s, eio_session_host(k->eio), user);
	if (!ice)
		return;
	sio_sock_hold(k);
	sio_emit(k, "iceServers",
		 json_pack("{s:o, s:I}", "iceServers", ice, "ttl",
			   (json_int_t)s->conf->ice_credential_ttl));
	sio_schedule_ice(k);
	sio_sock_release(k);
}

/* ---- packets from the client ---- */

/* ws-rate, as on /ws (signaling_policy.c): one over it is refused
 * ("rate-limited") and dropped. */
static bool event_rate_ok(struct sio_sock *k, bool has_ack, uint64_t ack_id)
{
	if (signaling_rate_take(k->app->server, &k->rate))
		return true;
	sio_refuse(k, has_ack, ack_id, "rate-limited", "too many messages; slow down");
	return false;
}

static void bin_reset(struct sio_sock *k)
{
	for (unsigned i = 0; k->blobs && i < k->bin_have; i++)
		free((void *)k->blobs[i].p);
	free(k->blobs);
	k->blobs = NULL;
	json_decref(k->bin_args);
	free(k->bin_text);
	k->bin_args = NULL;
	k->bin_text = NULL;
	k->bin_text_len = 0;
	k->bin_want = k->bin_have = 0;
	k->app->counters.attachment_bytes -= k->bin_held;
	if (k->eio)
		eio_session_uncharge(k->eio, k->bin_held);
	k->bin_bytes = k->bin_held = 0;
	k->bin_drop = k->bin_too_large = false;
}

/* Attachments to read and drop: nothing of them is kept. */
static void begin_drop(struct sio_sock *k, const struct sio_packet *pkt, bool too_large)
{
	k->bin_want = pkt->attachments;
	k->bin_drop = true;
	k->bin_too_large = too_large;
	k->bin_has_ack = pkt->has_ack;
	k->bin_ack = pkt->ack_id;
}

/* socket.io closes the connection on a packet it cannot decode. */
static void protocol_error(struct sio_sock *k, const char *what)
{
	log_info("Socket.IO: %s: session closed", what);
	if (k->eio)
		eio_session_close(k->eio, "parse error");
}

/* A room peer under a fresh Socket.IO id. */
static bool new_peer(struct sio_sock *k)
{
	k->peer = room_peer_new(k->app->server->rooms, sio_deliver, k);
	if (!k->peer)
		return false;
	if (!eio_random_id(k->id) || room_peer_set_user_id(k->peer, k->id)) {
		room_peer_disconnect(k->app->server->rooms, k->peer,
				     k->app->server->now_ms);
		k->peer = NULL;
		return false;
	}
	return true;
}

static void on_connect(struct sio_sock *k, const struct sio_packet *pkt, json_t *auth)
{
	struct signaling_server *s = k->app->server;
	struct sig_refusal why;
	struct sig_member m;
	struct sio_sock *held;
	uint64_t off;
	char reply[96];
	const char *pid;
	int n;

	if (pkt->nsp_len != 1) {
		/* Only "/" exists: 44/nsp,{"message":"Invalid namespace"}. */
		char *out = malloc(pkt->nsp_len + 64);

		if (!out)
			return;
		n = snprintf(out, pkt->nsp_len + 64,
			     "4%.*s,{\"message\":\"Invalid namespace\"}",
			     (int)pkt->nsp_len, pkt->nsp);
		send_text(k, out, (size_t)n);
		free(out);
		return;
	}
	if (k->connected)
		return;
	/* Connection state recovery: {pid, offset} naming a held socket gets
	 * it back, without a second admission (socket.io skips middlewares
	 * on a recovery; the pid is the credential, as a resume token). */
	if (sio_recovery_on(k->app) && (held = sio_recovery_take(k->app, auth, &off))) {
		sio_recovery_resume(k, held, off, auth);
		return;
	}
	/* The admission of a join, but for any room (signaling_policy.c): the
	 * brake on refused attempts, then signaling-auth. Its messages are
	 * plain ASCII without quotes: JSON as they are. */
	m = signaling_eio_member(k->eio);
	why = signaling_admit(s, &m, auth, NULL);
	if (why.code) {
		n = snprintf(reply, sizeof(reply), "4{\"message\":\"%s\"}", why.message);
		send_text(k, reply, (size_t)n);
		return;
	}
	/* A CONNECT after a DISCONNECT is a new socket: a new id. */
	if (!k->peer && !new_peer(k)) {
		protocol_error(k, "out of memory");
		return;
	}
	json_decref(k->auth);
	k->auth = json_incref(auth);
	k->connected = true;
	k->app->counters.connects++;
	evtimer_del(k->timer);
	pid = sio_recovery_pid(k);
	n = pid[0] ? snprintf(reply, sizeof(reply), "0{\"sid\":\"%s\",\"pid\":\"%s\"}",
			      k->id, pid)
		   : snprintf(reply, sizeof(reply), "0{\"sid\":\"%s\"}", k->id);
	send_text(k, reply, (size_t)n);
}

/* A BINARY_EVENT head on a connected socket: kept until its attachments
 * have come, within one room event's size (ws-max-message). */
static void begin_binary(struct sio_sock *k, const struct sio_packet *pkt, json_t *args)
{
	k->bin_text = malloc(pkt->data_len + 1);
	k->blobs = calloc(pkt->attachments, sizeof(*k->blobs));
	if (!k->bin_text || !k->blobs) {
		free(k->bin_text);
		free(k->blobs);
		k->bin_text = NULL;
		k->blobs = NULL;
		begin_drop(k, pkt, false);
		return;
	}
	memcpy(k->bin_text, pkt->data, pkt->data_len);
	k->bin_text[pkt->data_len] = '\0';
	k->bin_text_len = pkt->data_len;
	k->bin_args = json_incref(args);
	k->bin_want = pkt->attachments;
	k->bin_has_ack = pkt->has_ack;
	k->bin_ack = pkt->ack_id;
}

static void finish_binary(struct sio_sock *k)
{
	const struct conf *conf = k->app->server->conf;

	if (k->bin_too_large)
		sio_refuse(k, k->bin_has_ack, k->bin_ack, "too-large",
			   signaling_event_size(conf, SIZE_MAX).message);
	else if (!k->bin_drop)
		sio_room_event(k, k->bin_args, k->bin_text, k->bin_text_len, k->blobs,
			       k->bin_have, k->bin_has_ack, k->bin_ack);
	bin_reset(k);
}

/* Past one event's size the attachments so far are let go, and the rest
 * are counted only: what a socket holds is bounded by ws-max-message. */
static void drop_kept(struct sio_sock *k)
{
	for (unsigned i = 0; k->blobs && i < k->bin_have; i++) {
		free((void *)k->blobs[i].p);
		k->blobs[i].p = NULL;
	}
	k->app->counters.attachment_bytes -= k->bin_held;
	if (k->eio)
		eio_session_uncharge(k->eio, k->bin_held);
	k->bin_held = 0;
	k->bin_drop = k->bin_too_large = true;
}

static void on_attachment(struct sio_sock *k, const uint8_t *p, size_t len)
{
	uint8_t *copy;

	if (!k->bin_want) {
		protocol_error(k, "binary message without a binary packet");
		return;
	}
	k->bin_bytes += len;
	if (!k->bin_drop &&
	    signaling_event_size(k->app->server->conf, k->bin_text_len + k->bin_bytes)
		    .code)
		drop_kept(k);
	if (!k->bin_drop) {
		copy = malloc(len ? len : 1);
		if (!copy) {
			protocol_error(k, "out of memory");
			return;
		}
		if (len)
			memcpy(copy, p, len);
		k->blobs[k->bin_have].p = copy;
		k->blobs[k->bin_have].len = len;
		k->bin_held += len;
		k->app->counters.attachment_bytes += len;
		/* signaling-max-queued sees them, shed with the session. */
		if (k->eio)
			eio_session_charge(k->eio, len);
	}
	if (++k->bin_have == k->bin_want)
		finish_binary(k);
}

/* BINARY_EVENT and BINARY_ACK: nothing is kept for a namespace the socket
 * has not connected to (socket.io's own Client closes on any packet of a
 * namespace not connected: "invalid state"). */
static void on_binary(struct sio_sock *k, const struct sio_packet *pkt, json_t *payload)
{
	if (!sio_placeholders_valid(payload, pkt->attachments)) {
		protocol_error(k, "bad attachment placeholders");
		return;
	}
	if (!k->connected || pkt->nsp_len != 1) {
		protocol_error(k, "binary packet for a namespace not connected");
		return;
	}
	/* A BINARY_ACK's attachments are read and dropped: we never ask acks.
	 * An event over ws-rate is refused before anything is kept. */
	if (pkt->type == SIO_BINARY_ACK) {
		if (pkt->attachments)
			begin_drop(k, pkt, false);
	} else if (!event_rate_ok(k, pkt->has_ack, pkt->ack_id)) {
		if (pkt->attachments)
			begin_drop(k, pkt, false);
	} else if (pkt->attachments) {
		begin_binary(k, pkt, payload);
	} else {
		sio_room_event(k, payload, pkt->data, pkt->data_len, NULL, 0,
			       pkt->has_ack, pkt->ack_id);
	}
}

static void on_packet(struct sio_sock *k, const struct sio_packet *pkt, json_t *payload)
{
	switch (pkt->type) {
	case SIO_CONNECT:
		on_connect(k, pkt, payload);
		return;
	case SIO_DISCONNECT:
		if (k->connected && pkt->nsp_len == 1) {
			k->connected = false;
			k->app->counters.disconnects++;
			evtimer_del(k->timer);
			sio_recovery_reset(k); /* a goodbye: nothing to recover */
			sio_room_gone(k, false);
			signaling_cluster_cancel(&k->ticket);
			room_peer_disconnect(k->app->server->rooms, k->peer,
					     k->app->server->now_ms);
			k->peer = NULL;
		}
		return;
	case SIO_EVENT:
		if (k->connected && pkt->nsp_len == 1 &&
		    event_rate_ok(k, pkt->has_ack, pkt->ack_id))
			sio_room_event(k, payload, pkt->data, pkt->data_len, NULL, 0,
				       pkt->has_ack, pkt->ack_id);
		return;
	case SIO_BINARY_EVENT:
	case SIO_BINARY_ACK:
		on_binary(k, pkt, payload);
		return;
	case SIO_ACK:
	case SIO_CONNECT_ERROR:
		return;
	}
}

/* An event of a connected socket over ws-max-message is refused at once,
 * before its JSON is read (its attachments, if any, are then dropped):
 * never delivered, whatever the protocols of the others (issue 17). */
static bool over_size(struct sio_sock *k, const struct sio_packet *pkt)
{
	struct sig_refusal why;

	if ((pkt->type != SIO_EVENT && pkt->type != SIO_BINARY_EVENT) || !k->connected ||
	    pkt->nsp_len != 1)
		return false;
	why = signaling_event_size(k->app->server->conf, pkt->data_len);
	if (!why.code)
		return false;
	if (pkt->type == SIO_BINARY_EVENT && pkt->attachments)
		begin_drop(k, pkt, true);
	else
		sio_refuse(k, pkt->has_ack, pkt->ack_id, why.code, why.message);
	return true;
}

static void on_text(struct sio_sock *k, const uint8_t *p, size_t len)
{
	struct sio_packet pkt;
	json_t *payload = NULL;

	if (k->bin_want) {
		protocol_error(k, "text packet while attachments were due");
		return;
	}
	if (sio_packet_parse(p, len, &pkt)) {
		protocol_error(k, "malformed packet");
		return;
	}
	if ((pkt.type == SIO_EVENT || pkt.type == SIO_BINARY_EVENT) && k->connected)
		k->app->counters.events++;
	if (over_size(k, &pkt))
		return;
	if (pkt.type == SIO_EVENT && k->connected && pkt.nsp_len == 1) {
		if (!event_rate_ok(k, pkt.has_ack, pkt.ack_id) ||
		    sio_room_fast(k, pkt.data, pkt.data_len, pkt.has_ack, pkt.ack_id))
			return;
		/* The general path below counts it again: give it back. */
		signaling_rate_give_back(&k->rate);
	}
	if (pkt.data_len) {
		payload = json_loadb(pkt.data, pkt.data_len,
				     JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (!payload) {
			protocol_error(k, "payload is not JSON");
			return;
		}
	}
	if (!sio_payload_valid(&pkt, payload)) {
		json_decref(payload);
		protocol_error(k, "payload does not fit the packet type");
		return;
	}
	on_packet(k, &pkt, payload);
	json_decref(payload);
}

/* ---- Engine.IO session callbacks ---- */

static void on_message(void *ctx, bool binary, const uint8_t *p, size_t len)
{
	struct sio_sock *k = ctx;

	sio_sock_hold(k);
	if (binary)
		on_attachment(k, p, len);
	else
		on_text(k, p, len);
	sio_sock_release(k);
}

static void *on_open(void *app, struct eio_session *s)
{
	struct signaling_sio *sio = app;
	struct sio_sock *k = calloc(1, sizeof(*k));
	unsigned ms = sio->server->conf->socketio_connect_timeout;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (!k)
		return NULL;
	k->app = sio;
	k->eio = s;
	signaling_rate_init(sio->server, &k->rate);
	k->unjoined_since_ms = sio->server->now_ms;
	k->timer = evtimer_new(sio->server->base, timer_cb, k);
	if (!k->timer || !new_peer(k)) {
		k->gone = true;
		sock_free(k);
		return NULL;
	}
	evtimer_add(k->timer, &tv);
	k->next = sio->socks;
	if (sio->socks)
		sio->socks->prev = k;
	sio->socks = k;
	return k;
}

static void on_closed(void *ctx, const char *reason)
{
	struct sio_sock *k = ctx;
	/* Lost without a goodbye: the member keeps its slot for a resume. */
	bool lost = !strcmp(reason, "ping timeout") || !strcmp(reason, "transport error");

	sio_sock_hold(k);
	log_debug("Socket.IO session closed: %s", reason);
	k->app->counters.disconnects += k->connected;
	k->eio = NULL;
	bin_reset(k);
	if (lost && sio_recovery_hold(k)) {
		sio_sock_release(k); /* held for its client's recovery */
		return;
	}
	sio_room_gone(k, lost);
	k->gone = true;
	sock_unlink(k);
	sio_sock_release(k);
}

static void sock_unlink(struct sio_sock *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else if (k->app->socks == k)
		k->app->socks = k->next;
	if (k->next)
		k->next->prev = k->prev;
	k->prev = k->next = NULL;
}

static void sock_free(struct sio_sock *k)
{
	sock_unlink(k);
	bin_reset(k);
	sio_recovery_reset(k);
	signaling_cluster_cancel(&k->ticket);
	if (k->peer)
		room_peer_disconnect(k->app->server->rooms, k->peer,
				     k->app->server->now_ms);
	if (k->timer)
		event_free(k->timer);
	json_decref(k->auth);
	free(k);
}

static void on_pong(void *ctx)
{
	sio_recovery_pong(ctx);
}

static const struct eio_app_ops app_ops = {
	.open = on_open,
	.message = on_message,
	.closed = on_closed,
	.pong = on_pong,
};

/* ---- the endpoint ---- */

static void config_of(const struct conf *c, struct eio_config *ec)
{
	memset(ec, 0, sizeof(*ec));
	ec->ping_interval_ms = c->socketio_ping_interval;
	ec->ping_timeout_ms = c->socketio_ping_timeout;
	ec->max_payload = c->socketio_max_payload;
	/* Room for one more legal event, as every receiver's cap. */
	ec->max_queued = signaling_output_cap(c, c->socketio_max_queued);
	ec->max_sessions = c->socketio_max_sessions;
	ec->max_per_ip = c->socketio_max_sessions_per_ip;
	ec->rate = c->socketio_rate;
	ec->origins = (const char *const *)c->allowed_origins.items;
	ec->n_origins = c->allowed_origins.n;
}

int signaling_sio_new(struct signaling_server *s)
{
	struct eio_config ec;

	if (s->conf->no_socketio)
		return 0;
	if (s->conf->socketio_path[0] != '/' ||
	    s->conf->socketio_path[strlen(s->conf->socketio_path) - 1] != '/')
		log_warn(
			"socketio-path '%s' should start and end with '/' (as /socket.io/)",
			s->conf->socketio_path);
	s->sio = calloc(1, sizeof(*s->sio));
	if (!s->sio)
		return TR_ENOMEM;
	s->sio->server = s;
	if (htable_init(&s->sio->pids, 64)) {
		free(s->sio);
		s->sio = NULL;
		return TR_ENOMEM;
	}
	config_of(s->conf, &ec);
	s->sio->eio =
		eio_server_new(s->base, &ec, &signaling_sio_conn_ops, &app_ops, s->sio);
	if (!s->sio->eio) {
		htable_fini(&s->sio->pids);
		free(s->sio);
		s->sio = NULL;
		return TR_ENOMEM;
	}
	return 0;
}

void signaling_sio_free(struct signaling_server *s)
{
	signaling_sio_files_free(s);
	if (!s->sio)
		return;
	eio_server_free(s->sio->eio);
	sio_recovery_free_all(s->sio);
	free(s->sio);
	s->sio = NULL;
}

void signaling_sio_reconfigure(struct signaling_server *s)
{
	struct eio_config ec;

	if (!s->sio)
		return;
	config_of(s->conf, &ec);
	eio_server_set_config(s->sio->eio, &ec);
}

void signaling_sio_write_sessions(struct signaling_server *s, struct evbuffer *out)
{
	char peer[ADDR_STR_MAX];

	for (struct sio_sock *k = s->sio ? s->sio->socks : NULL; k; k = k->next) {
		const char *room = room_peer_room(k->peer);

		if (!k->eio || !k->connected)
			continue;
		evbuffer_add_printf(
			out, "socketio client=%s room=%s user=%s transport=%s\n",
			addr_to_str(eio_session_peer(k->eio), peer, sizeof(peer)),
			room ? room : "-", k->id,
			eio_session_websocket(k->eio) ? "websocket" : "polling");
	}
}

size_t signaling_sio_disconnect(struct signaling_server *s, const char *user_id)
{
	size_t n = 0;

	for (struct sio_sock *k = s->sio ? s->sio->socks : NULL, *next; k; k = next) {
		next = k->next;
		if (!k->eio || !k->connected || strcmp(k->id, user_id))
			continue;
		/* A real leave (the others get bye), then the session. */
		sio_room_gone(k, false);
		eio_session_close(k->eio, "disconnected by the operator");
		n++;
		break; /* ids are unique; k may be gone */
	}
	return n;
}

void signaling_sio_write_metrics(struct signaling_server *s, struct evbuffer *out)
{
	const struct sio_counters *k;

	if (!s->sio)
		return;
	k = &s->sio->counters;
	eio_server_write_metrics(s->sio->eio, out);
	prom_metric(out, "turnroom_socketio_connects_total", "counter",
		    "Socket.IO CONNECTs accepted.", k->connects);
	prom_metric(out, "turnroom_socketio_disconnects_total", "counter",
		    "Connected Socket.IO sockets ended (DISCONNECT or session closed).",
		    k->disconnects);
	prom_metric(out, "turnroom_socketio_events_total", "counter",
		    "Socket.IO events received from connected sockets.", k->events);
	prom_metric(out, "turnroom_socketio_attachment_bytes", "gauge",
		    "Bytes of binary attachments held for Socket.IO packets not yet "
		    "complete.",
		    k->attachment_bytes);
}

/* ws-join-timeout, as for a native WebSocket: a session in no room that
 * long (since it opened or left one, connected or not) is closed. */
void signaling_sio_cron(struct signaling_server *s)
{
	if (s->sio)
		sio_recovery_cron(s->sio);
	for (struct sio_sock *k = s->sio ? s->sio->socks : NULL, *next; k; k = next) {
		struct sig_member m;

		next = k->next;
		if (!k->eio)
			continue;
		/* Closed only when in no room: that delivers nothing to the
		 * others, so next stays valid. */
		m = signaling_eio_member(k->eio);
		sio_sock_hold(k);
		signaling_member_join_timeout(s, &m, "Socket.IO session",
					      &k->unjoined_since_ms,
					      k->peer && room_peer_room(k->peer));
		sio_sock_release(k);
	}
}

size_t signaling_sio_session_count(const struct signaling_server *s)
{
	return s->sio ? eio_server_session_count(s->sio->eio) : 0;
}

struct eio_server *signaling_sio_eio(struct signaling_server *s)
{
	return s->sio ? s->sio->eio : NULL;
}
