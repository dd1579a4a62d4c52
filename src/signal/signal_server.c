/* The room server context: HTTP listeners, connection lifetimes (freed at
 * a safe point by a reaper event, never inside their own callbacks), and
 * the once-a-second housekeeping: head timeouts, pings, resume windows,
 * credential pushes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "signal/signal_internal.h"
#include "turn/turn.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/log.h"

#define SIG_CRON_MS 1000
/* Failed joins per source IP: a burst, then this many per second. */
#define SIG_JOIN_FAIL_BURST 10
#define SIG_JOIN_FAIL_PER_SEC 1
/* Queued messages kept for a member while it is disconnected. */
#define SIG_RESUME_QUEUE 64

void sig_touch_clock(struct signal_server *s)
{
	s->now_ms = clock_mono_ms();
}

static void conn_unlink(struct sig_conn **list, struct sig_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void conn_link(struct sig_conn **list, struct sig_conn *c)
{
	c->next = *list;
	if (*list)
		(*list)->prev = c;
	*list = c;
}

static void conn_free(struct sig_conn *c)
{
	sig_ws_free(c);
	free(c->eio_req);
	free(c->eio_frag);
	if (c->bev)
		bufferevent_free(c->bev);
	free(c);
}

void sig_conn_close(struct sig_conn *c)
{
	struct signal_server *s = c->server;

	if (c->dead)
		return;
	c->dead = true;
	sig_sio_conn_closed(c);
	if (c->room_peer) {
		room_peer_disconnect(s->rooms, c->room_peer, s->now_ms);
		c->room_peer = NULL;
	}
	if (c->state == SIG_WEBSOCKET)
		s->counters.ws_closed++;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	conn_unlink(&s->conns, c);
	conn_link(&s->graveyard, c);
	event_active(s->reaper, EV_TIMEOUT, 0);
}

static void reaper_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signal_server *s = arg;

	while (s->graveyard) {
		struct sig_conn *c = s->graveyard;

		conn_unlink(&s->graveyard, c);
		conn_free(c);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg);

static void write_done_cb(struct bufferevent *bev, void *arg)
{
	sig_conn_close(arg);
}

void sig_conn_close_after_flush(struct sig_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	c->state = SIG_CLOSING;
	if (evbuffer_get_length(out) == 0) {
		sig_conn_close(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, write_done_cb, event_cb, c);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct sig_conn *c = arg;

	sig_touch_clock(c->server);
	c->last_recv_ms = c->server->now_ms;
	if (c->state == SIG_HTTP_HEAD)
		sig_http_on_read(c);
	else if (c->state == SIG_WEBSOCKET)
		sig_ws_on_read(c);
	else if (c->state == SIG_HTTP_BODY || c->state == SIG_HTTP_HELD)
		sig_sio_on_body(c);
	else if (c->state == SIG_EIO_WS)
		sig_sio_ws_on_read(c);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sig_conn *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		sig_touch_clock(c->server);
		sig_conn_close(c);
	}
}

void signal_server_adopt(void *ctx, struct bufferevent *bev, const struct tr_addr *client,
			 const struct tr_addr *local, bool tls)
{
	struct signal_server *s = ctx;
	struct sig_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		bufferevent_free(bev);
		return;
	}
	sig_touch_clock(s);
	c->server = s;
	c->bev = bev;
	c->peer = *client;
	c->tls = tls;
	c->state = SIG_HTTP_HEAD;
	c->opened_ms = c->last_recv_ms = s->now_ms;
	conn_link(&s->conns, c);
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	/* The front door read the first bytes already. */
	if (evbuffer_get_length(bufferevent_get_input(bev)))
		read_cb(bev, c);
}

/* Timeouts, keep-alive and credential pushes, once a second. */
static void cron_conn(struct signal_server *s, struct sig_conn *c)
{
	uint64_t now = s->now_ms;

	/* A Socket.IO POST body has the head's time limit too. */
	if ((c->state == SIG_HTTP_HEAD || c->state == SIG_HTTP_BODY) &&
	    now - c->opened_ms >= SIG_HEAD_TIMEOUT_MS) {
		log_debug("HTTP head timeout");
		sig_conn_close(c);
		return;
	}
	if (c->state != SIG_WEBSOCKET)
		return;
	if (now - c->last_recv_ms >= SIG_DROP_SILENT_MS) {
		log_info("WebSocket peer silent for %u s: dropped", SIG_DROP_SILENT_MS / 1000);
		sig_conn_close(c);
		return;
	}
	if (now - c->last_recv_ms >= SIG_PING_IDLE_MS &&
	    now - c->last_ping_ms >= SIG_PING_IDLE_MS) {
		c->last_ping_ms = now;
		sig_ws_ping(c);
	}
	if (c->ice_push_ms && now >= c->ice_push_ms)
		sig_proto_push_ice(c);
}

static void cron_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signal_server *s = arg;
	struct sig_conn *c = s->conns;

	sig_touch_clock(s);
	while (c) {
		struct sig_conn *next = c->next;

		cron_conn(s, c);
		c = next;
	}
	room_engine_tick(s->rooms, s->now_ms);
}

/* Presence-bound credentials: a member that is really gone loses its
 * TURN allocations at once. */
static void member_gone(void *ctx, const char *room_id, const char *user_id)
{
	struct signal_server *s = ctx;
	size_t n = s->turn ? turn_server_drop_user(s->turn, user_id) : 0;

	log_info("room %s: member %s gone; %zu TURN allocation(s) deleted", room_id,
		 user_id, n);
}

/* Said once: an open room server reachable from elsewhere hands TURN
 * credentials to anyone. */
static void warn_open_beyond_loopback(const struct signal_server *s)
{
	const struct conf_list *ips = &s->conf->listening_ips;

	if (strcmp(s->conf->signaling_auth, "open"))
		return;
	for (size_t i = 0; i < ips->n; i++) {
		struct tr_addr a;

		if (addr_parse_ip(&a, ips->items[i], 0) == 0 && !addr_is_loopback(&a)) {
			log_warn("signaling-auth=open on %s: anyone who reaches the room "
				 "server may join rooms and get TURN credentials",
				 ips->items[i]);
			return;
		}
	}
}

struct signal_server *signal_server_new(struct event_base *base, const struct conf *conf,
					struct auth *auth, struct auth_store *store,
					struct turn_server *turn, char *err, size_t errlen)
{
	struct signal_server *s = calloc(1, sizeof(*s));
	struct room_config rc = {
		.capacity = conf->room_capacity,
		.resume_window_ms = (uint64_t)conf->resume_window * 1000u,
		.max_queued = SIG_RESUME_QUEUE,
		.on_gone = member_gone,
	};
	struct timeval tick = { SIG_CRON_MS / 1000, 0 };

	snprintf(err, errlen, "out of memory");
	if (!s)
		return NULL;
	s->base = base;
	s->conf = conf;
	s->auth = auth;
	s->store = store;
	s->turn = turn;
	rc.gone_ctx = s;
	sig_touch_clock(s);
	s->rooms = room_engine_new(&rc);
	s->join_failures = ip_limiter_new(SIG_JOIN_FAIL_BURST, SIG_JOIN_FAIL_PER_SEC);
	s->cron = event_new(base, -1, EV_PERSIST, cron_cb, s);
	s->reaper = event_new(base, -1, 0, reaper_cb, s);
	if (!s->rooms || !s->join_failures || !s->cron || !s->reaper ||
	    event_add(s->cron, &tick))
		goto fail;
	if (sig_ice_secret_init(s, err, errlen))
		goto fail;
	if (sig_sio_new(s))
		goto fail;
	warn_open_beyond_loopback(s);
	return s;
fail:
	signal_server_free(s);
	return NULL;
}

/* The secret the reloaded server mints with: a generated in-memory one
 * lives on across reloads; otherwise it is chosen again (a new
 * static-auth-secret or store takes effect). */
static int reselect_secret(struct signal_server *s, struct auth *old_auth, char *err,
			   size_t errlen)
{
	if (!s->conf->static_auth_secrets.n && !s->store) {
		if (s->auth != old_auth && auth_add_secret(s->auth, s->ice_secret)) {
			snprintf(err, errlen, "out of memory");
			return TR_ENOMEM;
		}
		return 0;
	}
	s->ice_secret[0] = '\0';
	return sig_ice_secret_init(s, err, errlen);
}

int signal_server_reconfigure(struct signal_server *s, const struct conf *conf,
			      struct auth *auth, struct auth_store *store, char *err,
			      size_t errlen)
{
	const struct conf *old_conf = s->conf;
	struct auth *old_auth = s->auth;
	struct auth_store *old_store = s->store;
	char old_secret[SIG_SECRET_MAX];

	memcpy(old_secret, s->ice_secret, sizeof(old_secret));
	s->conf = conf;
	s->auth = auth;
	s->store = store;
	if (reselect_secret(s, old_auth, err, errlen)) {
		s->conf = old_conf;
		s->auth = old_auth;
		s->store = old_store;
		memcpy(s->ice_secret, old_secret, sizeof(old_secret));
		return TR_EINVAL;
	}
	if (conf->http_port != old_conf->http_port)
		log_warn("reload: http-port changes only at restart");
	sig_sio_reconfigure(s);
	return 0;
}

void signal_server_shutdown(struct signal_server *s)
{
	for (struct sig_conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (c->state == SIG_WEBSOCKET)
			sig_ws_close(c, WSLAY_CODE_GOING_AWAY, "server shutting down");
		else
			sig_conn_close(c);
	}
}

void signal_server_free(struct signal_server *s)
{
	if (!s)
		return;
	sig_sio_free(s); /* its sessions answer on live connections */
	while (s->conns) {
		struct sig_conn *c = s->conns;

		if (c->room_peer)
			room_peer_disconnect(s->rooms, c->room_peer, s->now_ms);
		c->room_peer = NULL;
		conn_unlink(&s->conns, c);
		conn_free(c);
	}
	if (s->reaper)
		reaper_cb(-1, 0, s);
	room_engine_free(s->rooms);
	ip_limiter_free(s->join_failures);
	if (s->cron)
		event_free(s->cron);
	if (s->reaper)
		event_free(s->reaper);
	free(s);
}

void signal_server_write_sessions(struct signal_server *s, struct evbuffer *out)
{
	char peer[ADDR_STR_MAX];

	for (struct sig_conn *c = s->conns; c; c = c->next) {
		const char *room = c->room_peer ? room_peer_room(c->room_peer) : NULL;

		if (c->state != SIG_WEBSOCKET)
			continue;
		evbuffer_add_printf(out, "websocket client=%s room=%s user=%s\n",
				    addr_to_str(&c->peer, peer, sizeof(peer)),
				    room ? room : "-",
				    room ? room_peer_user_id(c->room_peer) : "-");
	}
	sig_sio_write_sessions(s, out);
}

size_t signal_server_disconnect(struct signal_server *s, const char *user_id)
{
	size_t n = 0;

	for (struct sig_conn *c = s->conns, *next; c; c = next) {
		const char *uid = c->room_peer ? room_peer_user_id(c->room_peer) : NULL;

		next = c->next;
		if (!uid || strcmp(uid, user_id))
			continue;
		/* A real leave (the others get bye), then the connection. */
		room_leave(s->rooms, c->room_peer);
		sig_ws_close(c, WSLAY_CODE_POLICY_VIOLATION, "disconnected by the operator");
		n++;
	}
	return n + sig_sio_disconnect(s, user_id);
}

void signal_server_status(struct signal_server *s, struct evbuffer *out)
{
	size_t ws = 0;

	for (struct sig_conn *c = s->conns; c; c = c->next)
		ws += c->state == SIG_WEBSOCKET;
	evbuffer_add_printf(out, "websocket_peers %zu\nrooms %zu\nroom_members %zu\n", ws,
			    room_engine_room_count(s->rooms), room_engine_member_count(s->rooms));
	evbuffer_add_printf(out, "socketio_sessions %zu\n", sig_sio_session_count(s));
}

void signal_server_set_tls_turn(struct signal_server *s, bool on)
{
	s->tls_turn = on;
}

struct room_lookup {
	const char *user_id;
	const char *room_id;
};

static void match_member(const char *room_id, const char *user_id, bool connected,
			 void *arg)
{
	struct room_lookup *l = arg;

	if (!strcmp(user_id, l->user_id))
		l->room_id = room_id;
}

/* A scan of every member: for admin listings, not for hot paths. */
const char *signal_server_room_of(void *ctx, const char *user_id)
{
	struct signal_server *s = ctx;
	struct room_lookup l = { user_id, NULL };

	room_engine_each_member(s->rooms, match_member, &l);
	return l.room_id;
}
