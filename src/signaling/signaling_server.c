/* The room server context: HTTP listeners, connection lifetimes (freed at
 * a safe point by a reaper event, never inside their own callbacks), and
 * the once-a-second housekeeping: head timeouts, join timeouts, pings,
 * resume windows, credential pushes, and giving memory back. Queued bytes
 * are bounded per connection (ws-max-output, signaling_ws.c) and in total
 * (signaling-max-queued: the one budget of every queue, whatever the
 * transport, counted and shed here). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "auth/auth.h"
#include "conf/conf.h"
#include "eio/eio.h"
#include "front/front.h"
#include "signaling/signaling_internal.h"
#include "turn/turn.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/log.h"

#define SIG_CRON_MS 1000
/* Failed joins per source IP: a burst, then this many per second. */
#define SIG_JOIN_FAIL_BURST 10
#define SIG_JOIN_FAIL_PER_SEC 1
/* Queued messages kept for a member while it is disconnected. */
#define SIG_RESUME_QUEUE 64
/* Shedding stops this far under signaling-max-queued (hysteresis). */
#define SIG_SHED_TARGET(budget) ((budget) - (budget) / 8)
/* Memory goes back to the system once connections and members have
 * halved since the last time, at most every few seconds, and only past a
 * few of them. */
#define SIG_TRIM_MIN_LOAD 64
#define SIG_TRIM_INTERVAL_MS 2000

void signaling_touch_clock(struct signaling_server *s)
{
	s->now_ms = clock_mono_ms();
}

static void conn_unlink(struct signaling_conn **list, struct signaling_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void conn_link(struct signaling_conn **list, struct signaling_conn *c)
{
	c->next = *list;
	if (*list)
		(*list)->prev = c;
	*list = c;
}

static void conn_free(struct signaling_conn *c)
{
	signaling_ws_free(c);
	if (c->bev && c->out_cb) {
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
		c->server->out_bytes -=
			evbuffer_get_length(bufferevent_get_output(c->bev));
	}
	signaling_sio_body_free(c);
	free(c->eio_frag);
	if (c->bev)
		bufferevent_free(c->bev);
	front_slot_release(c->slot);
	free(c);
}

static size_t queued_total(const struct signaling_server *s)
{
	return s->out_bytes + room_engine_queued_bytes(s->rooms) + s->budget_bytes;
}

size_t signaling_budget_queued(const struct signaling_server *s)
{
	return queued_total(s);
}

static void over_budget_check(struct signaling_server *s)
{
	if (queued_total(s) > s->conf->signaling_max_queued)
		event_active(s->shed, EV_TIMEOUT, 0);
}

void signaling_budget_add(struct signaling_server *s, size_t n)
{
	s->budget_bytes += n;
	if (n)
		over_budget_check(s);
}

void signaling_budget_sub(struct signaling_server *s, size_t n)
{
	s->budget_bytes -= n < s->budget_bytes ? n : s->budget_bytes;
}

/* What c holds of its client's input, not handled yet: a POST body in
 * flight (its input and its decoded data), a WebSocket frame still
 * arriving, a fragmented message. Counted in the budget like its output,
 * after every read, and given back when it closes. */
static void input_account(struct signaling_conn *c)
{
	size_t now = c->dead ? 0
			     : evbuffer_get_length(bufferevent_get_input(c->bev)) +
				       c->eio_frag_len + signaling_sio_body_bytes(c);

	if (now > c->in_counted)
		signaling_budget_add(c->server, now - c->in_counted);
	else
		signaling_budget_sub(c->server, c->in_counted - now);
	c->in_counted = now;
}

/* eio's budget hook: Engine.IO queues and charges. */
static void eio_budget(void *ctx, size_t added, size_t removed)
{
	signaling_budget_sub(ctx, removed);
	signaling_budget_add(ctx, added);
}

/* Keeps out_bytes equal to the sum of every connection's output; past the
 * budget, the shedding runs at the next safe point. */
static void out_changed_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
			   void *arg)
{
	struct signaling_conn *c = arg;
	struct signaling_server *s = c->server;

	s->out_bytes += info->n_added;
	s->out_bytes -= info->n_deleted;
	if (info->n_added)
		over_budget_check(s);
}

void signaling_conn_close(struct signaling_conn *c)
{
	struct signaling_server *s = c->server;

	if (c->dead)
		return;
	c->dead = true;
	signaling_cluster_conn_closed(c);
	signaling_sio_conn_closed(c);
	if (c->room_peer) {
		room_peer_disconnect(s->rooms, c->room_peer, s->now_ms);
		c->room_peer = NULL;
	}
	if (c->state == SIG_WEBSOCKET)
		s->counters.ws_closed++;
	input_account(c); /* dead: all of it back */
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	/* Never to be written now: the memory counts as free at once. */
	evbuffer_drain(bufferevent_get_output(c->bev),
		       evbuffer_get_length(bufferevent_get_output(c->bev)));
	conn_unlink(&s->conns, c);
	conn_link(&s->graveyard, c);
	event_active(s->reaper, EV_TIMEOUT, 0);
}

static void reaper_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signaling_server *s = arg;

	while (s->graveyard) {
		struct signaling_conn *c = s->graveyard;

		conn_unlink(&s->graveyard, c);
		conn_free(c);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg);

static void linger_read_cb(struct bufferevent *bev, void *arg)
{
	struct signaling_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	evbuffer_drain(in, n);
	input_account(c);
	c->linger_left = n < c->linger_left ? c->linger_left - n : 0;
	if (!c->linger_left)
		signaling_conn_close(c);
}

/* RFC 9112 section 9.6: closing while the client is still sending (a POST
 * answered before its body was read) would make our TCP answer the unread
 * bytes with a reset, which can destroy the answer before the client reads
 * it. So: half-close, and drop what still comes, until EOF, linger_left
 * bytes, or SIG_CLOSING_TIMEOUT_MS (cron). Nothing is kept. */
static void linger(struct signaling_conn *c)
{
	int fd = bufferevent_getfd(c->bev);

	/* Under TLS the close_notify is the record layer's: no half-close. */
	if (!c->tls && fd >= 0)
		shutdown(fd, SHUT_WR);
	bufferevent_setcb(c->bev, linger_read_cb, NULL, event_cb, c);
	bufferevent_enable(c->bev, EV_READ);
	linger_read_cb(c->bev, c);
}

static void write_done_cb(struct bufferevent *bev, void *arg)
{
	struct signaling_conn *c = arg;

	if (c->linger_left)
		linger(c);
	else
		signaling_conn_close(c);
}

void signaling_conn_close_after_flush(struct signaling_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	c->state = SIG_CLOSING;
	c->closing_ms = c->server->now_ms;
	if (evbuffer_get_length(out) == 0) {
		write_done_cb(c->bev, c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, write_done_cb, event_cb, c);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct signaling_conn *c = arg;

	signaling_touch_clock(c->server);
	c->last_recv_ms = c->server->now_ms;
	if (c->state == SIG_HTTP_HEAD)
		signaling_http_on_read(c);
	else if (c->state == SIG_WEBSOCKET)
		signaling_ws_on_read(c);
	else if (c->state == SIG_HTTP_BODY || c->state == SIG_HTTP_HELD)
		signaling_sio_on_body(c);
	else if (c->state == SIG_EIO_WS)
		signaling_sio_ws_on_read(c);
	input_account(c);
	/* What was read may have been queued for departed members, whose
	 * queues have no output callback. */
	over_budget_check(c->server);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct signaling_conn *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		signaling_touch_clock(c->server);
		signaling_conn_close(c);
	}
}

void signaling_server_adopt(void *ctx, struct bufferevent *bev,
			    const struct tr_addr *client, const struct tr_addr *local,
			    bool tls, struct front_slot *slot)
{
	struct signaling_server *s = ctx;
	struct signaling_conn *c = calloc(1, sizeof(*c));
	struct evbuffer *out = bufferevent_get_output(bev);

	if (!c || !(c->out_cb = evbuffer_add_cb(out, out_changed_cb, c))) {
		free(c);
		bufferevent_free(bev);
		front_slot_release(slot);
		return;
	}
	s->out_bytes += evbuffer_get_length(out);
	signaling_touch_clock(s);
	c->server = s;
	c->slot = slot;
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

/* A WebSocket that is in no room costs a descriptor and buys nothing,
 * whatever signaling-auth says: it goes after ws-join-timeout. True when
 * it was closed. */
static bool cron_join_timeout(struct signaling_server *s, struct signaling_conn *c)
{
	struct sig_member m = signaling_conn_member(c);

	return signaling_member_join_timeout(s, &m, "WebSocket", &c->unjoined_since_ms,
					     c->room_peer &&
						     room_peer_room(c->room_peer));
}

/* Timeouts, keep-alive and credential pushes, once a second. */
static void cron_conn(struct signaling_server *s, struct signaling_conn *c)
{
	uint64_t now = s->now_ms;

	/* A Socket.IO POST body has the head's time limit too. */
	if ((c->state == SIG_HTTP_HEAD || c->state == SIG_HTTP_BODY) &&
	    now - c->opened_ms >= SIG_HEAD_TIMEOUT_MS) {
		log_debug("HTTP head timeout");
		signaling_conn_close(c);
		return;
	}
	if (c->state == SIG_CLOSING && now - c->closing_ms >= SIG_CLOSING_TIMEOUT_MS) {
		log_debug("client did not read its last bytes: closed");
		signaling_conn_close(c);
		return;
	}
	if (c->state != SIG_WEBSOCKET || cron_join_timeout(s, c))
		return;
	if (now - c->last_recv_ms >= SIG_DROP_SILENT_MS) {
		log_info("WebSocket peer silent for %u s: dropped",
			 SIG_DROP_SILENT_MS / 1000);
		signaling_conn_close(c);
		return;
	}
	if (now - c->last_recv_ms >= SIG_PING_IDLE_MS &&
	    now - c->last_ping_ms >= SIG_PING_IDLE_MS) {
		c->last_ping_ms = now;
		signaling_ws_ping(c);
	}
	if (c->ice_push_ms && now >= c->ice_push_ms)
		signaling_proto_push_ice(c);
}

/* glibc keeps freed memory for reuse: after a crowd of connections is
 * gone, RSS would stay at its peak. Give it back once the load (live
 * connections plus room members, who outlive their connection for the
 * resume window) has halved. */
static void cron_trim(struct signaling_server *s, size_t n_conns)
{
	size_t load = n_conns + room_engine_member_count(s->rooms);

	if (load > s->trim_peak)
		s->trim_peak = load;
	if (s->trim_peak < SIG_TRIM_MIN_LOAD || load > s->trim_peak / 2 ||
	    s->now_ms - s->trim_ms < SIG_TRIM_INTERVAL_MS)
		return;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	log_debug("connections and members down from %zu to %zu: memory given back",
		  s->trim_peak, load);
	s->counters.trims++;
	s->trim_peak = load;
	s->trim_ms = s->now_ms;
}

static void cron_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signaling_server *s = arg;
	struct signaling_conn *c = s->conns;
	size_t n = 0;

	signaling_touch_clock(s);
	while (c) {
		struct signaling_conn *next = c->next;

		cron_conn(s, c);
		c = next;
		n++;
	}
	signaling_sio_cron(s);
	room_engine_tick(s->rooms, s->now_ms);
	/* Resume queues grow without an output callback: checked here. */
	over_budget_check(s);
	cron_trim(s, n);
}

/* What shedding a connection gives back: its output and its input held. */
static size_t conn_weight(const struct signaling_conn *c)
{
	return c->dead ? 0
		       : evbuffer_get_length(bufferevent_get_output(c->bev)) +
				 c->in_counted;
}

static int by_weight_desc(const void *a, const void *b)
{
	size_t la = conn_weight(*(struct signaling_conn *const *)a);
	size_t lb = conn_weight(*(struct signaling_conn *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* The live connections holding bytes, largest first; NULL when none (or
 * out of memory: shedding then falls back to sessions and resume queues). */
static struct signaling_conn **conns_by_weight(struct signaling_server *s, size_t *n)
{
	struct signaling_conn **v;
	size_t k = 0;

	*n = 0;
	for (struct signaling_conn *c = s->conns; c; c = c->next)
		k += conn_weight(c) > 0;
	if (!k || !(v = malloc(k * sizeof(*v))))
		return NULL;
	for (struct signaling_conn *c = s->conns; c && *n < k; c = c->next)
		if (conn_weight(c))
			v[(*n)++] = c;
	qsort(v, *n, sizeof(*v), by_weight_desc);
	return v;
}

static void shed_log(struct signaling_server *s, const char *what,
		     const struct tr_addr *peer, size_t len)
{
	char text[ADDR_STR_MAX];

	s->counters.budget_closed++;
	log_warn_limited(
		&s->slow_log,
		"signaling-max-queued exceeded: %s %s with %zu bytes queued, the "
		"largest, disconnected",
		what, addr_to_str(peer, text, sizeof(text)), len);
}

/* Over signaling-max-queued: the largest consumers go first, whatever
 * holds them (a connection's output or POST body, an Engine.IO session's
 * polling queue and charges, a departed member's resume queue), until the
 * total is back under the budget with some margin. */
static void shed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signaling_server *s = arg;
	struct eio_server *eio = signaling_sio_eio(s);
	size_t target = SIG_SHED_TARGET(s->conf->signaling_max_queued), n, i = 0;
	struct signaling_conn **v;

	if (queued_total(s) <= s->conf->signaling_max_queued)
		return;
	signaling_touch_clock(s);
	signaling_sio_trim_logs(s);
	v = conns_by_weight(s, &n);
	while (queued_total(s) > target) {
		struct eio_session *big = eio ? eio_server_largest(eio) : NULL;
		size_t session = big ? eio_session_queued(big) : 0, len, most;

		while (i < n && v[i]->dead)
			i++;
		len = i < n ? conn_weight(v[i]) : 0;
		most = len > session ? len : session;
		if (room_engine_end_largest_ghost(s->rooms, most ? most : 1) ||
		    signaling_sio_shed_recovery(s, most ? most : 1)) {
			s->counters.budget_closed++;
			continue;
		}
		if (session && session >= len) {
			struct sig_member m = signaling_eio_member(big);

			shed_log(s, "Socket.IO session of", sig_member_peer(&m), session);
			sig_member_close(&m, EIO_REASON_BUDGET);
			continue;
		}
		if (i >= n)
			break;
		shed_log(s, "connection of", &v[i]->peer, len);
		signaling_conn_close(v[i++]);
	}
	free(v);
}

/* Presence-bound credentials: a member that is really gone loses its
 * TURN allocations at once. */
static void member_gone(void *ctx, const char *room_id, const char *user_id)
{
	struct signaling_server *s = ctx;
	size_t n = s->turn ? turn_server_drop_user(s->turn, user_id) : 0;
	char room[ESC_LOG_LEN], user[ESC_LOG_LEN];

	signaling_presence_gone(s, user_id);
	log_info("room %s: member %s gone; %zu TURN allocation(s) deleted",
		 esc_str(room, sizeof(room), room_id),
		 esc_str(user, sizeof(user), user_id), n);
	signaling_cluster_member_gone(s, room_id, user_id);
}

/* Said once: an open room server reachable from elsewhere hands TURN
 * credentials to anyone. */
static void warn_open_beyond_loopback(const struct signaling_server *s)
{
	const struct conf_addrs *ips = &s->conf->listening_ips;
	char text[ADDR_STR_MAX];

	if (s->conf->signaling_auth != CONF_SIGNALING_OPEN)
		return;
	for (size_t i = 0; i < ips->n; i++) {
		if (!addr_is_loopback(&ips->v[i])) {
			log_warn("signaling-auth=open on %s: anyone who reaches the room "
				 "server may join rooms and get TURN credentials",
				 addr_ip_to_str(&ips->v[i], text, sizeof(text)));
			return;
		}
	}
}

struct signaling_server *signaling_server_new(struct event_base *base,
					      const struct conf *conf, struct auth *auth,
					      struct auth_store *store,
					      struct turn_server *turn, char *err,
					      size_t errlen)
{
	struct signaling_server *s = calloc(1, sizeof(*s));
	struct room_config rc = {
		.capacity = conf->room_capacity,
		.resume_window_ms = (uint64_t)conf->resume_window * 1000u,
		.max_queued = SIG_RESUME_QUEUE,
		.max_queued_bytes = conf->ws_max_output,
		.on_gone = member_gone,
		.external_capacity =
			conf->redis.host[0] != '\0' || conf->redis_sentinels.n > 0,
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
	signaling_touch_clock(s);
	s->rooms = room_engine_new(&rc);
	s->join_failures = ip_limiter_new(SIG_JOIN_FAIL_BURST, SIG_JOIN_FAIL_PER_SEC);
	s->cron = event_new(base, -1, EV_PERSIST, cron_cb, s);
	s->reaper = event_new(base, -1, 0, reaper_cb, s);
	s->shed = event_new(base, -1, 0, shed_cb, s);
	if (!s->rooms || !s->join_failures || !s->cron || !s->reaper || !s->shed ||
	    event_add(s->cron, &tick))
		goto fail;
	if (signaling_ice_secret_choose(conf, store, auth, "", s->ice_secret, err,
					errlen) ||
	    signaling_cluster_start(s, err, errlen))
		goto fail;
	if (signaling_sio_new(s))
		goto fail;
	if (s->sio)
		eio_server_set_budget(signaling_sio_eio(s), eio_budget, s);
	warn_open_beyond_loopback(s);
	return s;
fail:
	signaling_server_free(s);
	return NULL;
}

void signaling_server_shutdown(struct signaling_server *s)
{
	for (struct signaling_conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (c->state == SIG_WEBSOCKET)
			signaling_ws_close(c, WSLAY_CODE_GOING_AWAY,
					   "server shutting down");
		else
			signaling_conn_close(c);
	}
}

void signaling_server_free(struct signaling_server *s)
{
	if (!s)
		return;
	/* First: in-flight cluster answers still name live connections. */
	signaling_cluster_free(s);
	signaling_sio_free(s); /* its sessions answer on live connections */
	while (s->conns) {
		struct signaling_conn *c = s->conns;

		if (c->room_peer)
			room_peer_disconnect(s->rooms, c->room_peer, s->now_ms);
		c->room_peer = NULL;
		conn_unlink(&s->conns, c);
		conn_free(c);
	}
	if (s->reaper)
		reaper_cb(-1, 0, s);
	room_engine_free(s->rooms);
	signaling_presence_free(s);
	ip_limiter_free(s->join_failures);
	if (s->cron)
		event_free(s->cron);
	if (s->reaper)
		event_free(s->reaper);
	if (s->shed)
		event_free(s->shed);
	free(s);
}

void signaling_server_write_sessions(struct signaling_server *s, struct evbuffer *out)
{
	char peer[ADDR_STR_MAX], room_text[ESC_LOG_LEN], user_text[ESC_LOG_LEN];

	for (struct signaling_conn *c = s->conns; c; c = c->next) {
		const char *room = c->room_peer ? room_peer_room(c->room_peer) : NULL;

		if (c->state != SIG_WEBSOCKET)
			continue;
		evbuffer_add_printf(out, "websocket client=%s room=%s user=%s\n",
				    addr_to_str(&c->peer, peer, sizeof(peer)),
				    room ? esc_str(room_text, sizeof(room_text), room)
					 : "-",
				    room ? esc_str(user_text, sizeof(user_text),
						   room_peer_user_id(c->room_peer))
					 : "-");
	}
	signaling_cluster_write_sessions(s, out);
	signaling_sio_write_sessions(s, out);
}

size_t signaling_server_disconnect(struct signaling_server *s, const char *user_id)
{
	size_t n = 0;

	for (struct signaling_conn *c = s->conns, *next; c; c = next) {
		const char *uid = c->room_peer ? room_peer_user_id(c->room_peer) : NULL;

		next = c->next;
		if (!uid || strcmp(uid, user_id))
			continue;
		/* A real leave (the others get bye), then the connection. */
		room_leave(s->rooms, c->room_peer);
		signaling_ws_close(c, WSLAY_CODE_POLICY_VIOLATION,
				   "disconnected by the operator");
		n++;
	}
	return n + signaling_sio_disconnect(s, user_id);
}

void signaling_server_status(struct signaling_server *s, struct evbuffer *out)
{
	size_t ws = 0;

	for (struct signaling_conn *c = s->conns; c; c = c->next)
		ws += c->state == SIG_WEBSOCKET;
	evbuffer_add_printf(out, "websocket_peers %zu\nrooms %zu\nroom_members %zu\n", ws,
			    room_engine_room_count(s->rooms),
			    room_engine_member_count(s->rooms));
	evbuffer_add_printf(out, "socketio_sessions %zu\n",
			    signaling_sio_session_count(s));
}

void signaling_server_set_tls_turn(struct signaling_server *s, bool on)
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
const char *signaling_server_room_of(void *ctx, const char *user_id)
{
	struct signaling_server *s = ctx;
	struct room_lookup l = { user_id, NULL };

	/* The ID part of a room-minted REST username names the member too. */
	if (!strncmp(user_id, AUTH_ROOM_ID_PREFIX, strlen(AUTH_ROOM_ID_PREFIX)))
		l.user_id += strlen(AUTH_ROOM_ID_PREFIX);

	room_engine_each_member(s->rooms, match_member, &l);
	return l.room_id;
}

void signaling_server_set_draining(struct signaling_server *s, bool on)
{
	s->draining = on;
}

static void count_local(const char *room_id, const char *user_id, bool connected,
			void *arg)
{
	size_t *n = arg;

	(*n)++;
}

size_t signaling_server_local_members(struct signaling_server *s)
{
	size_t n = 0;

	room_engine_each_member(s->rooms, count_local, &n);
	return n - signaling_cluster_proxy_count(s);
}
